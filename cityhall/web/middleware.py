"""One boundary for text that no field may hold, whatever the page, form, query or JSON body.

NUL (U+0000) cannot be stored in a PostgreSQL text column, and a lone surrogate (U+D800–U+DFFF) cannot be
encoded as UTF-8 at all: either would reach the database or a renderer and fail there as a 500, after some
of the work was done. So every request is read once, here, and refused whole with a Chinese 400 before any
view runs. Nothing is half-saved because nothing is saved.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template import loader

UNSAFE = re.compile("[\x00\ud800-\udfff]")
MESSAGE = "提交的内容含有无法保存的字符（空字符 NUL 或不成对的代理字符），请删除后重新提交。本次请求未作任何处理。"
ENCODING = "提交的内容不是有效的 UTF-8 文本，请检查编码后重新提交。本次请求未作任何处理。"
TOO_DEEP = "提交的 JSON 嵌套层数过多，无法处理。本次请求未作任何处理。"
MAX_DEPTH = 32


def text_values(value: Any, depth: int = 0) -> Iterable[str]:
    if depth > MAX_DEPTH:
        raise RecursionError
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from text_values(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            yield from text_values(v, depth + 1)


def problem_with(request: HttpRequest) -> str | None:
    """The reason to refuse this request, or None."""
    if UNSAFE.search(request.path):
        return MESSAGE
    for key, values in request.GET.lists():
        if UNSAFE.search(key) or any(UNSAFE.search(v) for v in values):
            return MESSAGE
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    content_type = request.content_type or ""
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            return ENCODING
        try:
            data = json.loads(text)
        except RecursionError:
            return TOO_DEEP
        except ValueError:
            return None  # not JSON at all: the API answers that itself, in Chinese
        try:
            if any(UNSAFE.search(s) for s in text_values(data)):
                return MESSAGE
        except RecursionError:
            return TOO_DEEP
        return None
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            for key, values in request.POST.lists():
                if UNSAFE.search(key) or any(UNSAFE.search(v) for v in values):
                    return MESSAGE
            for _, uploads in request.FILES.lists():
                if any(UNSAFE.search(getattr(u, "name", "") or "") for u in uploads):
                    return MESSAGE
        except (MultiPartParserError, UnicodeDecodeError):
            return ENCODING
    return None


class RejectUnsafeText:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = problem_with(request)
        if problem is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "bad_characters", "message": problem}, status=400)
        body = loader.get_template("400.html").render({"exception": problem}, request)
        return HttpResponse(body, status=400)


class IdleSessionRefresh:
    """Keep the idle timeout (SESSION_COOKIE_AGE after the last request) without writing the session on
    every request: SESSION_SAVE_EVERY_REQUEST cost each page a session UPDATE (issue 10 P4). The expiry
    is moved on at most once per ``CITYHALL_SESSION_REFRESH_SECONDS`` (60), so a session times out
    between that long before and exactly SESSION_COOKIE_AGE after the last request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from django.conf import settings

        self.get_response = get_response
        self.every = int(getattr(settings, "CITYHALL_SESSION_REFRESH_SECONDS", 60))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.modified or session.is_empty():
            return response  # nothing to keep alive, or it is being saved anyway
        now = int(time.time())
        if now - int(session.get("_refreshed", 0)) >= self.every:
            session["_refreshed"] = now  # marks it modified: SessionMiddleware saves it with a fresh expiry
        return response


class SecurityHeaders:
    """Content-Security-Policy and Permissions-Policy on every response (settings.CITYHALL_CSP / _PERMISSIONS).

    Scripts only from our own static files (no inline script, no CDN): an injected <script> or on*= attribute
    does not run. Inline styles stay allowed: htmx and the GB/T 9704 preview set them, and a style cannot run code.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        from django.conf import settings

        self.csp = settings.CITYHALL_CSP
        self.permissions = settings.CITYHALL_PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", self.permissions)
        return response
