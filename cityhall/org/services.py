"""Writes to the organisation. Each runs in one transaction with its audit event."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cityhall.rules import RuleViolation
from cityhall.rules.applies import applies
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record

from .models import Absence, Person, Position
from .selectors import holders_at


class OrgError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@applies("acting.mayor-away", "acting.ab-partner")
def absence_record(
    *,
    actor: Person | None,
    position: Position,
    start: dt.datetime,
    end: dt.datetime,
    reason: str,
    away_from_city: bool = True,
    designated: Position | None = None,
    mayor_consented: bool = False,
) -> Absence:
    """Record an absence of whoever holds ``position`` at ``start``.

    The office records what happened, so a late notice or a paired absence is recorded, and flagged
    on the organisation page (``absence_flags``), not refused. ``designated`` is the vice mayor the
    mayor names to preside while away from Fushun (Art 6 ¶2 「或其他副市长」)."""
    if end <= start:
        raise OrgError("absence.bad_period", f"结束时间 {end:%Y-%m-%d %H:%M} 必须晚于开始时间 {start:%Y-%m-%d %H:%M}。")
    holder = holders_at(start, [position]).get(position.pk)
    if holder is None:
        raise OrgError("absence.vacant", f"{position.title}在 {start:%Y-%m-%d %H:%M} 没有任职人员，无法登记外出。")
    if designated is not None:
        if position.kind != Position.Kind.MAYOR:
            raise OrgError(
                "absence.designation_not_mayor", "只有市长离抚时才指定副市长主持日常工作（工作规则第六条第二款）。"
            )
        if designated.kind != Position.Kind.VICE_MAYOR:
            raise OrgError(
                "absence.designation_not_vice_mayor", f"{designated.title}不是副市长，不能指定其主持日常工作。"
            )
        if not away_from_city:
            raise OrgError(
                "absence.designation_in_city",
                "市长在抚期间不由副市长主持日常工作，无需指定（工作规则第六条第二款：“市长离抚期间”）。",
            )
    reason = reason.strip() or "外出"
    with audit.atomic():
        absence = Absence.objects.create(
            person=holder,
            start=start,
            end=end,
            reason=reason[:200],
            away_from_city=away_from_city,
            designated=designated,
            mayor_consented=mayor_consented,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="absence.record",
            subject=absence,
            after={
                "person": holder.name,
                "position": position.code,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "reason": reason,
                "away_from_city": away_from_city,
                "designated": designated.code if designated else None,
                "mayor_consented": mayor_consented,
            },
            rule_ids=["acting.mayor-away" if position.kind == Position.Kind.MAYOR else "acting.ab-partner"],
        )
    return absence


def absence_cancel(*, actor: Person | None, absence: Absence) -> Absence:
    with audit.atomic():
        locked = Absence.objects.select_for_update().get(pk=absence.pk)
        if locked.cancelled:
            return locked
        locked.cancelled = True
        locked.save(update_fields=["cancelled"])
        audit_record(
            actor=actor, action="absence.cancel", subject=locked, before={"cancelled": False}, after={"cancelled": True}
        )
    return locked


@applies("acting.ab-partner")
def absence_end(*, actor: Person | None, absence: Absence, at: dt.datetime | None = None) -> Absence:
    """销假: the person is back before the recorded end; from now on they act for themselves again."""
    at = at or timezone.now()
    with audit.atomic():
        locked = Absence.objects.select_for_update().get(pk=absence.pk)
        if locked.cancelled or locked.end <= at:
            return locked
        if locked.start >= at:
            # Not begun yet: ending it now means it never happens.
            return absence_cancel(actor=actor, absence=locked)
        before = {"end": locked.end.isoformat()}
        locked.end = at
        locked.save(update_fields=["end"])
        audit_record(
            actor=actor,
            action="absence.end",
            subject=locked,
            before=before,
            after={"end": at.isoformat(), "person": locked.person.name},
            rule_ids=["acting.ab-partner"],
        )
    return locked


__all__ = ["OrgError", "RuleViolation", "absence_cancel", "absence_end", "absence_record"]
