"""A memo of organisation reads for one transaction or one request.

A document action asks the same questions of the organisation many times — which positions a person
holds, who holds the principal head's seat, who acts for the mayor — and each answer was a query
(issue 10: about 30 SELECTs of a document's flow were such repeats). Inside ``org_memo()`` each
answer is computed once. The organisation does not change under a running transaction except through
its own writes, and every save or delete of an organisation row clears the memo (signals in
``cityhall/org/apps.py``), so an answer is never stale inside the block. Outside a block nothing is
memoised.

``audit.atomic()`` opens a block for each transaction, and ``OrgMemoMiddleware`` one for each request.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("cityhall_org_memo", default=None)


@contextmanager
def org_memo() -> Iterator[None]:
    """Memoise organisation reads until the block ends; a nested block shares the outer memo."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memoised(key: Hashable, compute: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[no-any-return,unused-ignore]


def forget(*_: object, **__: object) -> None:
    """Clear the memo: an organisation row changed (a signal receiver, hence the loose signature)."""
    memo = _memo.get()
    if memo is not None:
        memo.clear()


def forget_on_change(*models: type[Any]) -> None:
    """Clear the memo whenever a row of ``models`` is saved or deleted (called from AppConfig.ready)."""
    from django.db.models.signals import post_delete, post_save

    for model in models:
        label = model._meta.label_lower
        post_save.connect(forget, sender=model, dispatch_uid=f"memo-forget-save-{label}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"memo-forget-delete-{label}")


class OrgMemoMiddleware:
    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        with org_memo():
            return self.get_response(request)
