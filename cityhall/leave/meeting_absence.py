"""Asking to miss a plenary, executive or mayor's office meeting (Art 54 ¶4).

A leader asks the mayor; a deputy secretary-general asks the vice mayor they assist; for the others
the office reports to the mayor. The listed reasons pass; any other reason is taken with a warning the
approver sees, since the list is open (「等特殊原因…原则上不应请假」). Once approved or reported, the
absence is on the meeting's attendance, with its reason.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cityhall.meetings.kinds import EXECUTIVE, MAYOR_OFFICE, PLENARY
from cityhall.meetings.minutes import absence_reasons
from cityhall.meetings.models import Attendance, Meeting
from cityhall.org.models import Person, Position, Unit
from cityhall.org.selectors import positions_held
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.services import inbox_close, inbox_open

from .models import MeetingAbsence
from .seats import first_seat, is_office_staff, sits_at

COVERED = (PLENARY, EXECUTIVE, MAYOR_OFFICE)


def _cite() -> str:
    return rulebook().rule("meeting.attendance").citation


def _short() -> str:
    return rulebook().rule("meeting.attendance").short_citation


def _url(absence: MeetingAbsence) -> str:
    return f"/leave/meeting-absence/{absence.pk}/"


@applies("meeting.attendance")
def approver_for(attendance: Attendance, at: dt.datetime) -> Position | None:
    """Whom the attendee asks: the mayor for a leader, the assisted vice mayor for a deputy
    secretary-general; None when the office reports to the mayor."""
    positions = [attendance.position] if attendance.position_id else positions_held(attendance.person, at)
    for p in positions:
        if p is None:
            continue
        if p.kind in (Position.Kind.VICE_MAYOR, Position.Kind.VICE_MAYOR_LEVEL, Position.Kind.SECRETARY_GENERAL):
            return first_seat(Position.Kind.MAYOR)
        if p.kind == Position.Kind.DEPUTY_SECRETARY_GENERAL and p.assists_id:
            return p.assists
    return None


@applies("meeting.attendance")
def absence_request(
    *, actor: Person, attendance: Attendance, reason: str, note: str = "", at: dt.datetime | None = None
) -> MeetingAbsence:
    at = at or timezone.now()
    reason, note = reason.strip(), note.strip()
    meeting = attendance.meeting
    if attendance.person_id != actor.pk:
        raise InvalidInput("只能为本人请假。", "attendance")
    if meeting.kind not in COVERED:
        raise RuleViolation(
            "meeting_absence.kind", _cite(), "第五十四条第四款规定的是全体会议、常务会议和市长办公会议的请假。"
        )
    if meeting.state == Meeting.State.CANCELLED or meeting.starts_at <= at:
        raise InvalidInput("会议已开始或已取消，不能再请假；缺席情况由市政府办公室如实记录。", "attendance")
    if not reason:
        raise InvalidInput("请写明请假原因。", "reason")
    if any(p.kind == Position.Kind.MAYOR for p in positions_held(actor, at)):
        raise InvalidInput("市长召集并主持会议，不向自己请假。", "attendance")
    existing = MeetingAbsence.objects.filter(attendance=attendance).first()
    if existing is not None and existing.state != MeetingAbsence.State.REFUSED:
        raise InvalidInput(f"已经请过假（{existing.get_state_display()}）。", "attendance")
    approver = approver_for(attendance, at)
    warned = reason not in absence_reasons()
    with audit.atomic():
        if existing is not None:
            existing.delete()
        absence = MeetingAbsence.objects.create(
            attendance=attendance,
            person=actor,
            reason=reason[:40],
            note=note[:200],
            warned=warned,
            approver=approver,
            state=MeetingAbsence.State.PENDING if approver else MeetingAbsence.State.TO_REPORT,
            requested_at=at,
        )
        flag = "（原因不在所列情形）" if warned else ""
        title = f"会议请假{flag}：{actor.name}｜{meeting.title}"
        if approver is not None:
            inbox_open(absence, key="decide", title=title, url=_url(absence), at=at, position=approver)
        else:
            office = Unit.objects.get(kind=Unit.Kind.GENERAL_OFFICE)
            inbox_open(absence, key="report", title=f"报告市长：{title}", url=_url(absence), at=at, unit=office)
        audit_record(
            actor=actor,
            action="meeting_absence.request",
            subject=absence,
            after={
                "meeting": meeting.pk,
                "reason": reason,
                "warned": warned,
                "approver": approver.code if approver else "office",
            },
            rule_ids=["meeting.attendance"],
            at=at,
        )
    return absence


@applies("meeting.attendance", "acting.ab-partner")
def absence_decide(
    *, actor: Person, absence: MeetingAbsence, approve: bool, note: str = "", at: dt.datetime | None = None
) -> MeetingAbsence:
    """The approver agrees or refuses; for the others the office reports the absence to the mayor."""
    at = at or timezone.now()
    with audit.atomic():
        locked = (
            MeetingAbsence.objects.select_for_update(of=("self",))
            .select_related("attendance", "approver")
            .get(pk=absence.pk)
        )
        if locked.state not in (MeetingAbsence.State.PENDING, MeetingAbsence.State.TO_REPORT):
            raise RuleViolation("meeting_absence.done", _cite(), f"这项请假{locked.get_state_display()}，不能再办理。")
        behalf = None
        if locked.state == MeetingAbsence.State.TO_REPORT:
            if not is_office_staff(actor, at):
                raise RuleViolation("meeting_absence.office", _cite(), "其他参会人员的请假由市政府办公室报告市长。")
            locked.state = MeetingAbsence.State.REPORTED
            mayor = first_seat(Position.Kind.MAYOR)
            if mayor is not None:
                inbox_open(
                    locked,
                    key="read",
                    title=f"会议请假报告：{locked.person.name}（{locked.reason}）",
                    url=_url(locked),
                    at=at,
                    position=mayor,
                    reading=True,
                )
        else:
            seat = locked.approver
            assert seat is not None  # noqa: S101 - a pending request always has its approver
            may, behalf = sits_at(actor, seat, at)
            if not may:
                raise RuleViolation("meeting_absence.not_approver", _cite(), f"这项请假向{seat.title}请，您不能办理。")
            if not approve and not note.strip():
                raise InvalidInput("不同意的，请写明理由。", "note")
            locked.state = MeetingAbsence.State.APPROVED if approve else MeetingAbsence.State.REFUSED
        locked.decided_at, locked.decided_by, locked.decision_note = at, actor, note.strip()[:200]
        locked.save()
        inbox_close(locked, ["decide", "report"], actor=actor, at=at)
        if locked.state in (MeetingAbsence.State.APPROVED, MeetingAbsence.State.REPORTED):
            # On the meeting's attendance now, with its reason; the office still confirms on the day.
            approver = locked.approver.title if locked.approver else "市长"
            how = "已报告市长" if locked.state == MeetingAbsence.State.REPORTED else f"经{approver}同意"
            Attendance.objects.filter(pk=locked.attendance_id).update(
                present=False,
                absence_reason=locked.reason,
                absence_note=f"{how}{('：' + locked.note) if locked.note else ''}"[:200],
                absence_warned=locked.warned,
                recorded_by=actor,
                recorded_at=at,
            )
        inbox_open(
            locked,
            key="outcome",
            title=f"会议请假{locked.get_state_display()}：{locked.attendance.meeting.title}",
            url=_url(locked),
            at=at,
            person=locked.person,
            reading=True,
        )
        audit_record(
            actor=actor,
            on_behalf_of=behalf,
            action="meeting_absence.decide",
            subject=locked,
            after={"state": locked.state, "note": locked.decision_note},
            rule_ids=["meeting.attendance"] + (["acting.ab-partner"] if behalf else []),
            at=at,
        )
    return locked
