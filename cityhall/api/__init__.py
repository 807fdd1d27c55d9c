"""The JSON API at /api/v1, assembled from each app's router.

Errors are JSON objects with ``code``, ``message`` (Chinese) and, for rule
refusals, ``citation``. A rule refusal is 409 or 422, never 500. Every endpoint
needs a session or a bearer token except the public rulebook endpoints.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from cityhall.documents.api import router as documents_router
from cityhall.leave.api import router as leave_router
from cityhall.meetings.api import router as meetings_router
from cityhall.org.api import router as org_router
from cityhall.org.selectors import UnknownPosition
from cityhall.org.services import OrgError
from cityhall.rulebase.api import router as rules_router
from cityhall.rules import (
    CalendarRangeError,
    NotComputable,
    RuleNotInForce,
    RulesError,
    RuleViolation,
    UnknownRule,
)
from cityhall.supervision.api import router as supervision_router
from cityhall.workflow.api import router as workflow_router

from .auth import AUTH


def _docs_for_signed_in_users(view: Any) -> Any:
    """The interactive API docs are for people with an account: anonymous visitors are sent to log in.
    The machine-readable schema (openapi.json) stays public: it holds no data, and clients generate from it."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


class CityHallAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        # Any request may be refused before it reaches its endpoint, for text no field may hold
        # (cityhall/web/middleware.py): say so on every operation.
        refused = {
            "description": "请求含有无法保存的字符（NUL、不成对的代理字符）或不是有效的 JSON",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        }
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation.setdefault("responses", {}).setdefault("400", refused)
        return schema


api = CityHallAPI(
    title="CityHall 市政府工作规则运行平台 API",
    version="1",
    description="每一个期限、流转和拒绝都附有所依据的条款。Every deadline, routing and refusal cites its article.",
    urls_namespace="api",
    auth=AUTH,
)
api.add_router("/", rules_router)
api.add_router("/org", org_router)
api.add_router("/", workflow_router)
api.add_router("/documents", documents_router)
api.add_router("/meetings", meetings_router)
api.add_router("/supervision", supervision_router)
api.add_router("/leave", leave_router)


def _status(exc: RulesError) -> int:
    if isinstance(exc, UnknownRule):
        return 404
    if isinstance(exc, RuleViolation):
        return 409
    if isinstance(exc, NotComputable | RuleNotInForce | CalendarRangeError):
        return 422
    return 422


@api.exception_handler(RulesError)
def rules_error(request: HttpRequest, exc: RulesError) -> HttpResponse:
    body: dict[str, str] = {"code": exc.code, "message": exc.message}
    citation = getattr(exc, "citation", None)
    if citation:
        body["citation"] = citation
    return api.create_response(request, body, status=_status(exc))


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = []
    for err in exc.errors:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body"))
        fields.append({"field": loc, "problem": err.get("msg", "")})
    names = "、".join(f["field"] for f in fields if f["field"]) or "请求"
    return api.create_response(
        request, {"code": "bad_input", "message": f"输入有误：{names}。", "fields": fields}, status=422
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "unauthenticated", "message": "请先登录，或在 Authorization 头中提供有效的 API 令牌。"},
        status=401,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403 and "CSRF" in str(exc):
        body = {
            "code": "csrf_failed",
            "message": "CSRF 校验失败：请从页面提交，或改用 API 令牌（Authorization: Bearer …）。",
        }
    elif exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        body = {
            "code": "bad_json",
            "message": "请求体不是有效的 JSON，未作任何处理。请检查引号、逗号和括号，并使用 UTF-8 编码。",
        }
    else:
        body = {"code": "bad_input" if exc.status_code == 422 else f"http_{exc.status_code}", "message": str(exc)}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"code": "not_found", "message": "找不到该对象，或它已被删除。"}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"code": "forbidden", "message": str(exc) or "您无权进行此操作。"}, status=403)


@api.exception_handler(UnknownPosition)
def unknown_position(request: HttpRequest, exc: UnknownPosition) -> HttpResponse:
    return api.create_response(request, {"code": "unknown_position", "message": exc.message}, status=404)


@api.exception_handler(OrgError)
def org_error(request: HttpRequest, exc: OrgError) -> HttpResponse:
    return api.create_response(request, {"code": exc.code, "message": exc.message}, status=422)


def _mark_public(patterns: list[Any]) -> None:
    # The API answers 401 in JSON itself; the site-wide LoginRequiredMiddleware must not
    # redirect API clients to the login page.
    for p in patterns:
        if isinstance(p, URLPattern):
            callback = _docs_for_signed_in_users(p.callback) if p.name == "openapi-view" else p.callback
            p.callback = login_not_required(callback)
        elif isinstance(p, URLResolver):
            _mark_public(p.url_patterns)


def api_urls() -> tuple[list[Any], str, str]:
    patterns, app_name, namespace = api.urls
    _mark_public(patterns)
    return patterns, app_name, namespace
