"""Reads for leave and reporting, in the product's list shape (id, title, state, state_label, due, overdue)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from .models import EmergencyReport, LeaveRequest, ReportDuty


def leave_summary(req: LeaveRequest, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": req.pk,
        "title": f"{req.person.name}（{req.position.title}）{req.get_kind_display()}：{req.reason}",
        "state": req.state,
        "state_label": req.get_state_display(),
        # A pending application is due for a decision before departure.
        "due": timezone.localtime(req.start).date().isoformat() if req.state in LeaveRequest.PENDING else None,
        "overdue": req.state in LeaveRequest.PENDING and req.start <= now,
        "person": req.person.name,
        "position": req.position.code,
        "kind": req.kind,
        "start": timezone.localtime(req.start).isoformat(),
        "end": timezone.localtime(req.end).isoformat(),
        "away_from_city": req.away_from_city,
        "late": req.late,
        "late_text": req.late_text,
        "pairing": req.pairing_text,
        "mayor_consented": req.mayor_consented,
        "returned_at": timezone.localtime(req.returned_at).isoformat() if req.returned_at else None,
        "url": f"/leave/{req.pk}/",
    }


def duty_summary(duty: ReportDuty, today: dt.date) -> dict[str, Any]:
    return {
        "id": f"duty-{duty.pk}",
        "title": duty.title,
        "kind": duty.kind,
        "state": duty.state,
        "state_label": duty.get_state_display(),
        "due": duty.due_date.isoformat(),
        "overdue": duty.state == ReportDuty.State.OPEN and duty.due_date < today,
        "person": duty.person.name,
        "rule": ReportDuty.KIND_RULE[ReportDuty.Kind(duty.kind)],
        "url": f"/leave/reports/{duty.pk}/",
    }


def emergency_summary(report: EmergencyReport, now: dt.datetime) -> dict[str, Any]:
    steps = list(report.steps.all())
    waiting = [s for s in steps if s.acknowledged_at is None]
    due = min((s.deadline.due_at for s in waiting if s.deadline), default=None)
    return {
        "id": f"emergency-{report.pk}",
        "title": report.title,
        "kind": "emergency",
        "state": "waiting" if waiting else "acknowledged",
        "state_label": f"{len(waiting)}级待签收" if waiting else "已逐级签收",
        "due": timezone.localtime(due).date().isoformat() if due else None,
        "overdue": due is not None and due <= now,
        "category": report.category,
        "occurred_at": report.occurred_at.isoformat(),
        "steps": [
            {
                "level": s.level_label,
                "to": s.recipient.code,
                "sent_at": s.sent_at.isoformat(),
                "acknowledged_at": s.acknowledged_at.isoformat() if s.acknowledged_at else None,
                "direct": s.direct,
                "skipped": s.skipped,
                "automatic": s.automatic,
            }
            for s in steps
        ],
        "rule": "emergency.direct-report",
        "url": f"/leave/emergencies/{report.pk}/",
    }


def all_leave() -> list[LeaveRequest]:
    return list(LeaveRequest.objects.select_related("person", "position").order_by("-start", "-id"))


def all_reports(now: dt.datetime) -> list[dict[str, Any]]:
    today = timezone.localdate(now)
    duties = ReportDuty.objects.select_related("person").order_by("state", "due_date", "id")
    emergencies = EmergencyReport.objects.prefetch_related("steps__recipient", "steps__deadline")
    return [duty_summary(d, today) for d in duties] + [emergency_summary(e, now) for e in emergencies]
