"""What happens when a deadline is due: each module registers its deadline kinds.

    register(DeadlineKind(
        key="documents.countersign",
        label="会签回复",
        on_due=deem_no_objection,        # returns "fired" when it acted, "missed" otherwise
        # or on_due_many=deem_no_objection_many for a whole batch at once
        remind_before=dt.timedelta(hours=24),
    ))

``on_due`` runs inside the worker's transaction, with the deadline row locked,
so its database effects and the deadline's new state commit together: exactly
once, even with several workers or a worker killed mid-batch.

A kind with many deadlines falling due together registers ``on_due_many`` instead:
it takes the batch's deadlines of that kind (all locked) and returns each one's
outcome by id, so that its work can be done in a few statements for the whole
batch. If it raises, the worker rolls the batch back and calls it again with one
deadline at a time, each in its own savepoint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Deadline

DueHandler = Callable[["Deadline", dt.datetime], str]
RemindHandler = Callable[["Deadline", dt.datetime], None]
BatchDueHandler = Callable[[list["Deadline"], dt.datetime], dict[int, str]]


@dataclass(frozen=True)
class DeadlineKind:
    key: str
    label: str
    on_due: DueHandler | None = None
    on_remind: RemindHandler | None = None
    # Handles a batch at once; takes precedence over ``on_due``. Returns {deadline id: outcome}.
    on_due_many: BatchDueHandler | None = None
    # Remind this long before the due time; None means no reminder.
    remind_before: dt.timedelta | None = dt.timedelta(days=1)


_kinds: dict[str, DeadlineKind] = {}


def register(kind: DeadlineKind) -> DeadlineKind:
    _kinds[kind.key] = kind
    return kind


def get_kind(key: str) -> DeadlineKind:
    # An unregistered kind still gets the default behaviour: marked overdue, never lost.
    return _kinds.get(key) or DeadlineKind(key=key, label=key)


def registered() -> dict[str, DeadlineKind]:
    return dict(_kinds)
