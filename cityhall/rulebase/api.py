"""Rules and calendar API. The rulebook and the calendar are public information:
these endpoints are deliberately open, like the published Work Rules themselves."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from cityhall.rules import RulesError

from .presenters import rule_dict
from .selectors import rule_deadline, rulebook, working_calendar

router = Router(tags=["rules"])


class SourceOut(Schema):
    key: str
    title: str
    document_number: str | None
    issued: str
    quotes_verified: bool


class ChapterOut(Schema):
    number: int
    title: str


class RuleSummaryOut(Schema):
    id: str
    version: int
    title: str
    title_en: str
    kind: str
    kind_label: str
    citation: str
    citation_en: str
    source: SourceOut
    article: int
    paragraph: int | None
    item: int | None
    chapter: ChapterOut | None
    clause: str
    computable: bool
    effective_from: str
    effective_to: str | None


class RuleOut(RuleSummaryOut):
    anchor: dict[str, str] | None
    computes: str | None
    params: dict[str, dict[str, Any]]
    interpretation: str | None
    tags: list[str]
    versions: list[dict[str, Any]]


class TraceStepOut(Schema):
    step: str
    text: str
    date: str | None
    data: dict[str, Any] | None = None


class SpecialDayOut(Schema):
    date: str
    kind: str
    name: str


class DeadlineOut(Schema):
    rule: str
    version: int
    title: str
    kind: str
    citation: str
    citation_en: str
    clause: str
    anchor: str
    anchor_event: str | None
    due: str
    due_at: str
    due_meaning: str = Field(description="due: the last day of the period; latest_allowed: a lead time's latest date")
    provisional: bool
    provisional_years: list[int]
    convention: dict[str, Any]
    special_days: list[SpecialDayOut]
    calendar_revision: str
    trace: list[TraceStepOut]


class ErrorOut(Schema):
    code: str
    message: str
    citation: str | None = None


class DeadlineQuery(Schema):
    start: str = Field(
        pattern=r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$",
        description="基准日 YYYY-MM-DD，或基准时刻 YYYY-MM-DDTHH:MM",
    )


class MonthQuery(Schema):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")


class CalendarDayOut(Schema):
    date: str
    working: bool
    kind: str | None
    name: str | None


class MonthOut(Schema):
    month: str
    provisional: bool
    days: list[CalendarDayOut]


class BadInput(RulesError):
    code = "bad_input"


def _parse_start(text: str) -> dt.date | dt.datetime:
    try:
        return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"日期格式有误：“{text}”。应为 YYYY-MM-DD，例如 2026-09-30。") from None


@router.get("/rules", response=list[RuleSummaryOut], summary="列出规则库中的全部规则", auth=None)
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    book = rulebook()
    return [rule_dict(r, book, full=False) for r in book]


@router.get("/rules/{rule_id}", response={200: RuleOut, 404: ErrorOut}, summary="查看一条规则", auth=None)
def get_rule(request: HttpRequest, rule_id: str) -> dict[str, Any]:
    book = rulebook()
    return rule_dict(book.rule(rule_id), book)


@router.get(
    "/rules/{rule_id}/deadline",
    response={200: DeadlineOut, 404: ErrorOut, 422: ErrorOut},
    summary="按规则计算期限，并给出计算过程",
    auth=None,
)
def get_deadline(request: HttpRequest, rule_id: str, query: Query[DeadlineQuery]) -> dict[str, Any]:
    return rule_deadline(rule_id, _parse_start(query.start)).as_dict()


@router.get("/calendar", response={200: MonthOut, 422: ErrorOut}, summary="某月的工作日、放假和调休", auth=None)
def get_month(request: HttpRequest, query: Query[MonthQuery]) -> dict[str, Any]:
    year, month = (int(x) for x in query.month.split("-"))
    if not 1 <= month <= 12:
        raise BadInput(f"月份有误：“{query.month}”。")
    # Dates before year 1 or after 9999 do not exist; the calendar only knows 1900 onwards anyway.
    if not 1900 <= year <= 9998:
        raise BadInput(f"年份超出范围：“{query.month}”，请填写1900年至9998年之间的月份。")
    cal = working_calendar()
    days = cal.month(year, month)
    return {
        "month": query.month,
        "provisional": not cal.is_published(year),
        "days": [
            {
                "date": d.date.isoformat(),
                "working": d.working,
                "kind": d.special.kind.value if d.special else None,
                "name": d.special.name if d.special else None,
            }
            for d in days
        ],
    }
