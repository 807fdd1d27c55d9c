"""The portal's page cache. Public pages are the same for every visitor, so a rendered page is kept
and served until something is published or withdrawn, which moves the cache to a new generation.

The generation lives in the shared cache (the database or Redis in production, docs/operations.md),
so every app server sees the change; a page is also kept at most ``TTL`` seconds in any case.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import translation

TTL = 300
GENERATION = "portal:generation"


def _generation() -> int:
    value = cache.get(GENERATION)
    if value is None:
        cache.add(GENERATION, 1, None)
        value = cache.get(GENERATION, 1)
    return int(value)


def portal_changed() -> None:
    """Something on the portal changed: every cached page is stale."""
    try:
        cache.incr(GENERATION)
    except ValueError:
        cache.set(GENERATION, 2, None)


def portal_cached(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # A signed-in visitor sees the staff navigation in the page; only anonymous pages are shared.
        if request.method != "GET" or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        key = f"portal:{_generation()}:{translation.get_language()}:{digest}"
        cached = cache.get(key)
        if cached is not None:
            response = HttpResponse(cached, content_type="text/html; charset=utf-8")
            response["X-Portal-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            cache.set(key, response.content, TTL)
            response["X-Portal-Cache"] = "miss"
        return response

    return wrapper
