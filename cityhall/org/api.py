from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from cityhall.accounts.permissions import actor_for, check
from cityhall.rules.deadlines import LOCAL_TZ

from .models import Position
from .selectors import acting_for, holders_at, position_by_code
from .services import OrgError

router = Router(tags=["org"])


class ActingQuery(Schema):
    position: str = Field(description="职务代码，例如 mayor、vice-mayor-3")
    at: str | None = Field(None, description="ISO 时间，默认现在")


class ActingStepOut(Schema):
    text: str
    rule: str | None
    citation: str | None


class ActingOut(Schema):
    at: str
    position: str
    acting_position: str | None
    acting_person: str | None
    acting_person_id: int | None
    is_acting: bool
    reason: str
    message: str
    coordinated_by: str | None
    rules: list[str]
    trace: list[ActingStepOut]


class ErrorOut(Schema):
    code: str
    message: str


class PositionOut(Schema):
    code: str
    title: str
    kind: str
    unit: str
    rank: int | None
    holder: str | None


def _parse_at(text: str | None) -> dt.datetime:
    if not text:
        return timezone.now()
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise OrgError("bad_input", f"时间格式有误：“{text}”。应为 ISO 格式，例如 2026-10-03T09:00。") from None
    return value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)


@router.get(
    "/acting",
    response={200: ActingOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="某一时刻由谁代行该职务（工作规则第六条、第七条）",
)
def get_acting(request: HttpRequest, query: Query[ActingQuery]) -> dict[str, Any]:
    check(actor_for(request.user), "org.view")
    at = _parse_at(query.at)
    position = position_by_code(query.position)
    return {"at": at.isoformat(), **acting_for(position, at).as_dict()}


@router.get("/positions", response={200: list[PositionOut], 401: ErrorOut, 403: ErrorOut}, summary="全部职务")
def list_positions(request: HttpRequest) -> list[dict[str, Any]]:
    check(actor_for(request.user), "org.view")
    positions = list(Position.objects.select_related("unit"))
    holders = holders_at(timezone.now(), positions)
    return [
        {
            "code": p.code,
            "title": p.title,
            "kind": p.kind,
            "unit": p.unit.name,
            "rank": p.rank,
            "holder": holders[p.pk].name if p.pk in holders else None,
        }
        for p in positions
    ]
