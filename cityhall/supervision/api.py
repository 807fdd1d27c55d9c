"""Supervision ledger API: list what the caller may see, read an item with its history, report progress,
report completion with evidence (multipart), and the office's check."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from pydantic import ConfigDict

from cityhall.accounts.permissions import actor_for, check

from . import services as svc
from .models import Item
from .views import visible_items

router = Router(tags=["supervision"])


class BodyIn(Schema):
    model_config = ConfigDict(strict=True)


class ProgressIn(BodyIn):
    text: str = Field(description="进展情况")


class ReviewIn(BodyIn):
    close: bool = Field(description="true：复核通过，销号；false：退回继续办理")
    reason: str = Field("", description="退回时必填")


class EventOut(Schema):
    kind: str
    kind_label: str
    text: str
    by: str | None
    at: dt.datetime
    evidence: list[str]


class ItemOut(Schema):
    id: int
    title: str
    state: str
    state_label: str
    due: str
    overdue: bool
    light: str
    lead_unit: str
    responsible: str
    source: str
    category: str
    rule: str | None
    escalated: bool
    url: str


class ItemDetailOut(ItemOut):
    notice_number: str
    partner_units: list[str]
    events: list[EventOut]


class ErrorOut(Schema):
    code: str
    message: str


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _summary(item: Item) -> dict:
    from .management.commands.supervision import item_summary

    today = timezone.localdate()
    return item_summary(item, today, svc.soon_until(today))


def _detail(item: Item) -> dict:
    return _summary(item) | {
        "notice_number": item.notice_number,
        "partner_units": [u.name for u in item.partner_units.all()],
        "events": [
            {
                "kind": e.kind,
                "kind_label": e.get_kind_display(),
                "text": e.text,
                "by": e.by.name if e.by else None,
                "at": e.at,
                "evidence": [f.name for f in e.evidence.all()],
            }
            for e in item.events.select_related("by").prefetch_related("evidence")
        ],
    }


def _item(request: HttpRequest, item_id: int) -> tuple:
    actor = actor_for(request.user)
    check(actor, "supervision.view")
    item = get_object_or_404(Item.objects.select_related("lead_unit", "deadline"), pk=item_id)
    if not visible_items(actor).filter(pk=item_id).exists():
        check(actor, "supervision.item", None)
    return actor, item


@router.get("", response={200: list[ItemOut], **ERRORS}, summary="督办事项列表（调用者可见的）")
def list_items(request: HttpRequest, overdue: bool = False) -> list[dict]:
    actor = actor_for(request.user)
    check(actor, "supervision.view")
    qs = visible_items(actor)
    if overdue:
        qs = qs.exclude(state=Item.State.CLOSED).filter(due_date__lt=timezone.localdate())
    return [_summary(i) for i in qs.order_by("due_date", "pk")[:1000]]


@router.get("/{item_id}", response={200: ItemDetailOut, **ERRORS}, summary="一项督办事项，含办理历史")
def get_item(request: HttpRequest, item_id: int) -> dict:
    _, item = _item(request, item_id)
    return _detail(item)


@router.post("/{item_id}/progress", response={200: ItemDetailOut, **ERRORS}, summary="牵头单位报告进展")
def report_progress(request: HttpRequest, item_id: int, payload: ProgressIn) -> dict:
    actor, item = _item(request, item_id)
    svc.progress_report(actor=actor.person, item=item, text=payload.text)
    return _detail(Item.objects.get(pk=item.pk))


@router.post(
    "/{item_id}/completion",
    response={200: ItemDetailOut, **ERRORS},
    summary="牵头单位报送办结报告（multipart：text 和一个或多个 evidence 文件）",
)
def report_completion(
    request: HttpRequest,
    item_id: int,
    text: Form[str],
    evidence: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> dict:
    actor, item = _item(request, item_id)
    svc.completion_report(actor=actor.person, item=item, text=text, files=evidence or [])
    return _detail(Item.objects.get(pk=item.pk))


@router.post("/{item_id}/review", response={200: ItemDetailOut, **ERRORS}, summary="市政府办公室检查复核：销号或退回")
def review_item(request: HttpRequest, item_id: int, payload: ReviewIn) -> dict:
    actor, item = _item(request, item_id)
    svc.review(actor=actor.person, item=item, close=payload.close, reason=payload.reason)
    return _detail(Item.objects.get(pk=item.pk))
