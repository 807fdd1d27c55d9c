from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from cityhall.accounts.permissions import actor_for, check

from .models import Deadline, InboxItem
from .selectors import InboxEntry, audit_events, inbox_entries
from .services import inbox_item_complete

router = Router(tags=["inbox", "audit"])


class ErrorOut(Schema):
    code: str
    message: str


class InboxQuery(Schema):
    state: str = Field("open", pattern="^(open|done)$", description="open = 待办，done = 已办")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class InboxItemOut(Schema):
    id: int
    title: str
    kind: str
    url: str
    state: str
    created_at: str
    due_date: str | None
    due_at: str | None
    overdue: bool
    rule: str | None
    provisional: bool
    acting_for: str | None
    acting_message: str | None


def _entry(e: InboxEntry) -> dict[str, Any]:
    d = e.item.deadline
    return {
        "id": e.item.pk,
        "title": e.item.title,
        "kind": e.item.kind,
        "url": e.item.url,
        "state": e.item.state,
        "created_at": e.item.created_at.isoformat(),
        "due_date": d.due_date.isoformat() if d else None,
        "due_at": d.due_at.isoformat() if d else None,
        "overdue": e.overdue,
        "rule": d.rule_id if d else None,
        "provisional": bool(d and d.provisional),
        "acting_for": e.acting_for,
        "acting_message": e.acting_message,
    }


@router.get(
    "/inbox", response={200: list[InboxItemOut], 401: ErrorOut, 422: ErrorOut}, summary="我的待办 / 已办（含代行事项）"
)
def get_inbox(request: HttpRequest, query: Query[InboxQuery]) -> list[dict[str, Any]]:
    actor = actor_for(request.user)
    now = timezone.now()
    return [_entry(e) for e in inbox_entries(actor, now, query.state, query.limit, query.offset)]


@router.post(
    "/inbox/{item_id}/done",
    response={200: InboxItemOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="办结一条待办",
)
def post_done(request: HttpRequest, item_id: int) -> dict[str, Any]:
    actor = actor_for(request.user)
    item = get_object_or_404(InboxItem.objects.select_related("deadline"), pk=item_id)
    check(actor, "inbox.complete", item)
    acting = {p.pk: p for p in actor.acting_for}
    on_behalf_of = None
    if item.assignee_position_id in acting and item.assignee_position_id not in actor.position_ids:
        from cityhall.org.selectors import holders_at

        on_behalf_of = holders_at(timezone.now(), [acting[item.assignee_position_id]]).get(item.assignee_position_id)
    assert actor.person is not None  # noqa: S101 - check() above guarantees a person
    done = inbox_item_complete(item=item, actor=actor.person, on_behalf_of=on_behalf_of)
    entries = [e for e in inbox_entries(actor, timezone.now(), InboxItem.State.DONE, 200) if e.item.pk == done.pk]
    return _entry(entries[0]) if entries else _entry(InboxEntry(done, None, None, False))


class DeadlineOut(Schema):
    id: int
    subject: str
    rule: str
    rule_version: int
    due_date: str
    due_at: str
    state: str
    overdue: bool
    provisional: bool
    trace: list[dict[str, Any]]


@router.get(
    "/deadlines/{deadline_id}",
    response={200: DeadlineOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="一个期限及其计算过程",
)
def get_deadline(request: HttpRequest, deadline_id: int) -> dict[str, Any]:
    d = get_object_or_404(Deadline, pk=deadline_id)
    check(actor_for(request.user), "deadline.view", d)
    return {
        "id": d.pk,
        "subject": d.subject_label,
        "rule": d.rule_id,
        "rule_version": d.rule_version,
        "due_date": d.due_date.isoformat(),
        "due_at": d.due_at.isoformat(),
        "state": d.state,
        "overdue": d.is_overdue(),
        "provisional": d.provisional,
        "trace": d.trace,
    }


class AuditQuery(Schema):
    subject: str = ""
    person: int | None = Field(None, ge=1, le=2**63 - 1)
    start: str | None = Field(None, alias="from", pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")
    end: str | None = Field(None, alias="to", pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class AuditOut(Schema):
    id: int
    occurred_at: str
    actor: str
    on_behalf_of: str
    action: str
    subject_type: str
    subject_id: str
    subject: str
    before: Any
    after: Any
    rules: list[str]
    hash: str


@router.get(
    "/audit", response={200: list[AuditOut], 401: ErrorOut, 422: ErrorOut}, summary="审计记录（按对象、人员、日期筛选）"
)
def get_audit(request: HttpRequest, query: Query[AuditQuery]) -> list[dict[str, Any]]:
    actor = actor_for(request.user)
    try:
        start = dt.date.fromisoformat(query.start) if query.start else None
        end = dt.date.fromisoformat(query.end) if query.end else None
    except ValueError:
        raise HttpError(422, "日期不存在，请检查 from / to（YYYY-MM-DD）。") from None
    qs = audit_events(actor, subject=query.subject, person_id=query.person, start=start, end=end)
    return [
        {
            "id": e.pk,
            "occurred_at": e.occurred_at.isoformat(),
            "actor": e.actor_label,
            "on_behalf_of": e.on_behalf_of_label,
            "action": e.action,
            "subject_type": e.subject_type,
            "subject_id": e.subject_id,
            "subject": e.subject_label,
            "before": e.before,
            "after": e.after,
            "rules": e.rules,
            "hash": e.hash,
        }
        for e in qs[query.offset : query.offset + query.limit]
    ]
