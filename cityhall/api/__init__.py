"""The JSON API at /api/v1, assembled from each app's router.

Errors are JSON objects with ``code``, ``message`` (Chinese) and, for rule
refusals, ``citation``. A rule refusal is 409 or 422, never 500.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from cityhall.rulebase.api import router as rules_router
from cityhall.rules import (
    CalendarRangeError,
    NotComputable,
    RuleNotInForce,
    RulesError,
    RuleViolation,
    UnknownRule,
)

api = NinjaAPI(
    title="CityHall 市政府工作规则运行平台 API",
    version="1",
    description="每一个期限、流转和拒绝都附有所依据的条款。Every deadline, routing and refusal cites its article.",
    urls_namespace="api",
)
api.add_router("/", rules_router)


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
