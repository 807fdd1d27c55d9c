"""Reads for leave and reporting, in the product's list shape (id, title, state, state_label, due, overdue)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from .models import EmergencyReport, LeaderApproval, LeaveRequest, ProblemReport, ReportDuty


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


def _moment(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def approval_summary(item: LeaderApproval, *, body: bool = False) -> dict[str, Any]:
    """A leader's approval (Ch. 12–13) in the list shape. No deadline runs on these: ``due`` is always empty.
    ``body`` adds the draft's text (the one-item answer carries it; a list does not)."""
    row: dict[str, Any] = {
        "id": item.pk,
        "title": f"{item.get_kind_display()}：{item.title}",
        "state": item.state,
        "state_label": item.get_state_display(),
        "due": None,
        "overdue": False,
        "kind": item.kind,
        "kind_label": item.get_kind_display(),
        "person": item.requested_by.name,
        "unit": item.unit.code,
        "approver": item.approver.code if item.approver else None,
        "leader": item.leader.code if item.leader else None,
        "on_behalf": item.on_behalf,
        "major": item.major,
        "guests": item.guests,
        "budget": item.budget,
        "budget_line": item.budget_line,
        "members": item.members,
        "destination": item.destination,
        "special_need": item.special_need,
        "flags": list(item.flags),
        "requested_at": _moment(item.requested_at),
        "decided_at": _moment(item.decided_at),
        "decided_by": item.decided_by.name if item.decided_by else None,
        "decision_note": item.decision_note,
        "arranged_at": _moment(item.arranged_at),
        "publishable": item.publishable,
        "rule": LeaderApproval.KIND_RULE[LeaderApproval.Kind(item.kind)],
        "url": f"/leave/approvals/{item.pk}/",
    }
    if body:
        row["body"] = item.body
    return row


def all_approvals() -> list[dict[str, Any]]:
    items = LeaderApproval.objects.select_related("requested_by", "unit", "approver", "leader", "decided_by")
    return [approval_summary(i) for i in items.order_by("-requested_at", "-id")]


def problem_summary(report: ProblemReport) -> dict[str, Any]:
    steps = list(report.steps.all())
    waiting = next((s for s in steps if s.acted_at is None), None)
    return {
        "id": f"problem-{report.pk}",
        "title": report.title,
        "kind": "major_problem",
        "state": report.state,
        "state_label": f"在{waiting.level_label}处" if waiting else report.get_state_display(),
        # 及时, with no period in the Rules: no due date.
        "due": None,
        "overdue": False,
        "unit": report.unit.code,
        "reported_at": _moment(report.reported_at),
        "chain": [c["label"] for c in report.chain],
        "steps": [
            {
                "level": s.level_label,
                "to": s.recipient.code,
                "sent_at": _moment(s.sent_at),
                "action": s.action or None,
                "acted_at": _moment(s.acted_at),
                "note": s.note,
            }
            for s in steps
        ],
        "answer": report.answer or None,
        "rule": "report.escalation",
        "url": f"/leave/problems/{report.pk}/",
    }


def all_leave() -> list[LeaveRequest]:
    return list(LeaveRequest.objects.select_related("person", "position").order_by("-start", "-id"))


def all_reports(now: dt.datetime) -> list[dict[str, Any]]:
    today = timezone.localdate(now)
    duties = ReportDuty.objects.select_related("person").order_by("state", "due_date", "id")
    emergencies = EmergencyReport.objects.prefetch_related("steps__recipient", "steps__deadline")
    problems = ProblemReport.objects.select_related("unit").prefetch_related("steps__recipient")
    return (
        [duty_summary(d, today) for d in duties]
        + [emergency_summary(e, now) for e in emergencies]
        + [problem_summary(p) for p in problems]
    )
