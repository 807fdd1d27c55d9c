"""Reads: the inbox of a person (with acting items marked 代) and the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from cityhall.accounts.permissions import OFFICE, Actor
from cityhall.org.models import Person, Position
from cityhall.org.selectors import holders_at
from cityhall.rulebase.selectors import working_calendar
from cityhall.rules import RulesError
from cityhall.rules.deadlines import LOCAL_TZ

from .models import AuditEvent, InboxItem


@dataclass(frozen=True)
class InboxEntry:
    item: InboxItem
    acting_for: str | None  # the position title, when the item reaches the person as acting leader (代)
    acting_message: str | None
    overdue: bool
    due_soon: bool = False  # due within one working day (amber)

    @property
    def due_date(self) -> dt.date | None:
        if self.item.deadline:
            return self.item.deadline.due_date
        return self.item.due_on

    @property
    def colour(self) -> str:
        """红黄绿灯: red when overdue, amber when due within one working day."""
        return "red" if self.overdue else ("amber" if self.due_soon else "")


def _due_flags(item: InboxItem, now: dt.datetime, soon_until: dt.date) -> tuple[bool, bool]:
    if item.state != InboxItem.State.OPEN:
        return False, False
    if item.deadline is not None:
        overdue = item.deadline.is_overdue(now)
        due = item.deadline.due_date
    elif item.due_on is not None:
        due = item.due_on
        overdue = due < now.astimezone(LOCAL_TZ).date()
    else:
        return False, False
    return overdue, not overdue and due <= soon_until


def inbox_queryset(actor: Actor, state: str = InboxItem.State.OPEN) -> QuerySet[InboxItem]:
    if actor.person is None:
        return InboxItem.objects.none()
    if state == InboxItem.State.DONE:
        # 已办: what this person did (代 included), whoever the item was addressed to.
        return (
            InboxItem.objects.filter(done_by=actor.person, state=state)
            .select_related("deadline", "assignee_position", "done_on_behalf_of")
            .order_by("-done_at", "-id")
        )
    own = Q(assignee_person=actor.person) | Q(assignee_position__in=actor.position_ids)
    acting = Q(assignee_position__in=actor.acting_position_ids)
    pool = Q(assignee_position__isnull=True, assignee_person__isnull=True, unit__in=actor.pool_unit_ids) & ~Q(
        not_for=actor.person
    )
    qs = InboxItem.objects.filter(own | acting | pool, state=state).select_related("deadline", "assignee_position")
    return qs.order_by(F("deadline__due_at").asc(nulls_last=True), "-created_at", "-id")


def _label(position: Position, holders: dict[int, Person]) -> str:
    holder = holders.get(position.pk)
    return f"{position.title}{holder.name if holder else ''}"


def inbox_entries(
    actor: Actor, now: dt.datetime, state: str = InboxItem.State.OPEN, limit: int = 200, offset: int = 0
) -> list[InboxEntry]:
    acting = {p.pk: p for p in actor.acting_for}
    own = actor.position_ids
    # Name the absent holder: "代副市长宁致和", not just a title five people share.
    absent = holders_at(now, actor.acting_for) if acting else {}
    out = []
    today = now.astimezone(LOCAL_TZ).date()
    try:
        soon_until = working_calendar().add_working_days(today, 1)
    except RulesError:
        soon_until = today + dt.timedelta(days=1)
    for item in inbox_queryset(actor, state)[offset : offset + limit]:
        pid = item.assignee_position_id
        position = acting.get(pid) if pid is not None and pid in acting and pid not in own else None
        overdue, due_soon = _due_flags(item, now, soon_until)
        out.append(
            InboxEntry(
                item=item,
                acting_for=_label(position, absent) if position else None,
                acting_message=f"代{_label(position, absent)}办理（工作规则第六条、第七条）" if position else None,
                overdue=overdue,
                due_soon=due_soon,
            )
        )
    return out


def audit_events(
    actor: Actor,
    *,
    subject: str = "",
    person_id: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all()
    if OFFICE not in actor.roles and "admin" not in actor.roles:
        if actor.person is None:
            return AuditEvent.objects.none()
        qs = qs.filter(Q(actor=actor.person) | Q(on_behalf_of=actor.person))
    if subject:
        qs = qs.filter(
            Q(subject_label__icontains=subject)
            | Q(subject_type__icontains=subject)
            | Q(action__icontains=subject)
            | Q(subject_id=subject)
        )
    if person_id:
        qs = qs.filter(Q(actor_id=person_id) | Q(on_behalf_of_id=person_id))
    if start:
        qs = qs.filter(occurred_at__date__gte=start)
    if end:
        qs = qs.filter(occurred_at__date__lte=end)
    return qs.order_by("-occurred_at", "-id")
