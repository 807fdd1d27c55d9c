"""Reporting duties (请示报告, Art 55): the written report after a trip of 3 days or more, due within
3 days of returning to Fushun (¶4), and the report after a national or special meeting (¶3). Each is a
live deadline in the reporter's inbox, with a reminder the day before."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from cityhall.org.models import Person, Position, Unit
from cityhall.org.selectors import positions_held
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.rules.deadlines import LOCAL_TZ, inclusive_days
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.models import Deadline
from cityhall.workflow.registry import DeadlineKind, register
from cityhall.workflow.services import deadline_close, deadline_schedule, inbox_close, inbox_open, reminders_close

from .models import LeaveRequest, ReportDuty

if TYPE_CHECKING:
    from cityhall.supervision.models import Item

DEADLINE_KIND = "leave.report"
register(DeadlineKind(key=DEADLINE_KIND, label="书面报告", remind_before=dt.timedelta(days=1)))
REPORTED_PURPOSES = (
    LeaveRequest.Purpose.OFFICIAL,
    LeaveRequest.Purpose.TRAINING,
    LeaveRequest.Purpose.INVESTMENT,
)
MAX_TEXT = 20000


def _url(duty: ReportDuty) -> str:
    return f"/leave/reports/{duty.pk}/"


@applies("trip.return-report")
def trip_needs_report(req: LeaveRequest, returned: dt.date) -> bool:
    """Art 55 ¶4: an official trip, training or investment trip away from Fushun of 3 days or more,
    both ends counted, by a member, a deputy secretary-general or a county head."""
    minimum = rulebook().rule("trip.return-report").record.params["min_trip_length"].value  # type: ignore[union-attr]
    return (
        req.away_from_city
        and req.kind == LeaveRequest.Kind.TRIP
        and req.purpose in REPORTED_PURPOSES
        and inclusive_days(req.start.astimezone(LOCAL_TZ).date(), returned) >= minimum
    )


def _schedule(duty: ReportDuty, actor: Person | None, at: dt.datetime) -> None:
    rule_id = ReportDuty.KIND_RULE[ReportDuty.Kind(duty.kind)]
    deadline = deadline_schedule(
        actor=actor,
        subject=duty,
        subject_label=duty.title,
        kind=DEADLINE_KIND,
        rule_id=rule_id,
        anchor=duty.anchor_date,
        assignee_person=duty.person,
    )
    duty.deadline = deadline
    duty.due_date = deadline.due_date
    duty.save(update_fields=["deadline", "due_date"])
    inbox_open(
        duty,
        key="file",
        title=f"书面报告：{duty.title}",
        url=_url(duty),
        at=at,
        person=duty.person,
        unit=duty.position.unit,
        deadline=deadline,
    )


@applies("trip.return-report")
def trip_duty_schedule(
    req: LeaveRequest, *, actor: Person | None, returned: dt.date, at: dt.datetime
) -> ReportDuty | None:
    """Make (or move) the trip report's deadline from the return: at approval from the planned return,
    at 销假 from the real one."""
    existing = ReportDuty.objects.filter(leave_request=req, kind=ReportDuty.Kind.TRIP).first()
    if existing is not None and existing.state == ReportDuty.State.FILED:
        return existing
    if not trip_needs_report(req, returned):
        if existing is not None and existing.deadline is not None:
            # Back so early that the trip came under 3 days: no report is owed.
            deadline_close(deadline=existing.deadline, actor=actor, state=Deadline.State.CANCELLED, note="离抚不足3日")
            reminders_close(existing.deadline, actor=actor, at=at)
            inbox_close(existing, ["file"], actor=actor, at=at)
            existing.delete()
        return None
    if existing is not None:
        if existing.anchor_date == returned:
            return existing
        if existing.deadline is not None:
            deadline_close(
                deadline=existing.deadline, actor=actor, state=Deadline.State.CANCELLED, note="按实际回抚日期重新计算"
            )
            reminders_close(existing.deadline, actor=actor, at=at)
        inbox_close(existing, ["file"], actor=actor, at=at)
        existing.anchor_date = returned
        existing.save(update_fields=["anchor_date"])
        _schedule(existing, actor, at)
        return existing
    duty = ReportDuty.objects.create(
        kind=ReportDuty.Kind.TRIP,
        title=f"{req.person.name}{req.get_purpose_display()}（{req.destination or '离抚'}，"
        f"{req.start.astimezone(LOCAL_TZ):%m-%d}—{returned:%m-%d}）回抚报告"[:200],
        person=req.person,
        position=req.position,
        leave_request=req,
        anchor_date=returned,
        due_date=returned,
        created_at=at,
    )
    _schedule(duty, actor, at)
    return duty


@applies("report.meeting")
def meeting_duty_create(*, actor: Person, meeting: str, ended_on: dt.date, at: dt.datetime | None = None) -> ReportDuty:
    """After a national or special meeting (Art 55 ¶3), the attendee owes a report on it."""
    at = at or timezone.now()
    meeting = meeting.strip()
    if not meeting:
        raise InvalidInput("请写明参加的全国性会议或专题会议名称。", "meeting")
    if ended_on > at.astimezone(LOCAL_TZ).date():
        raise InvalidInput("会议结束后再登记报告事项。", "ended_on")
    positions = [
        p for p in positions_held(actor, at) if p.kind in (*Position.LEADER_KINDS, Position.Kind.PRINCIPAL_HEAD)
    ]
    if not positions:
        raise RuleViolation(
            "report.not_covered",
            rulebook().rule("report.meeting").citation,
            "工作规则第五十五条第三款规定的是市政府领导同志及各部门负责人参会后的报告。",
        )
    with audit.atomic():
        duty = ReportDuty.objects.create(
            kind=ReportDuty.Kind.MEETING,
            title=f"{actor.name}参加“{meeting[:80]}”情况报告",
            person=actor,
            position=positions[0],
            anchor_date=ended_on,
            due_date=ended_on,
            created_at=at,
        )
        _schedule(duty, actor, at)
        audit_record(
            actor=actor,
            action="report.schedule",
            subject=duty,
            after={"kind": duty.kind, "due": duty.due_date.isoformat()},
            rule_ids=["report.meeting"],
            at=at,
        )
    return duty


@applies("trip.return-report", "report.meeting")
def duty_file(*, actor: Person, duty: ReportDuty, text: str, at: dt.datetime | None = None) -> ReportDuty:
    """The written report is filed: its deadline is met (or recorded as late)."""
    at = at or timezone.now()
    text = text.strip()
    if len(text) < 10:
        raise InvalidInput("书面报告不能少于10个字：请写明情况、成效和落实建议。", "text")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"报告正文最长 {MAX_TEXT} 字，较长的内容请分段报送。", "text")
    with audit.atomic():
        locked = ReportDuty.objects.select_for_update(of=("self",)).select_related("deadline").get(pk=duty.pk)
        if locked.person_id != actor.pk:
            raise RuleViolation(
                "report.not_yours",
                rulebook().rule(ReportDuty.KIND_RULE[ReportDuty.Kind(locked.kind)]).citation,
                "这项报告由报告人本人报送。",
            )
        if locked.state == ReportDuty.State.FILED:
            raise RuleViolation(
                "report.filed",
                rulebook().rule(ReportDuty.KIND_RULE[ReportDuty.Kind(locked.kind)]).citation,
                "这项报告已经报送。",
            )
        locked.state = ReportDuty.State.FILED
        locked.text = text
        locked.filed_at = at
        locked.filed_by = actor
        locked.save(update_fields=["state", "text", "filed_at", "filed_by"])
        if locked.deadline is not None:
            deadline_close(deadline=locked.deadline, actor=actor, state=Deadline.State.MET, note="已报送书面报告")
        inbox_close(locked, ["file"], actor=actor, at=at)
        reminders_close(locked.deadline, actor=actor, at=at)
        late = locked.due_date < at.astimezone(LOCAL_TZ).date()
        for seat in Position.objects.filter(kind__in=(Position.Kind.MAYOR, Position.Kind.SECRETARY_GENERAL)):
            inbox_open(
                locked,
                key="read",
                title=f"书面报告{'（逾期）' if late else ''}：{locked.title}",
                url=_url(locked),
                at=at,
                position=seat,
                reading=True,
            )
        audit_record(
            actor=actor,
            action="report.file",
            subject=locked,
            before={"state": "open"},
            after={"state": "filed", "late": late},
            rule_ids=[ReportDuty.KIND_RULE[ReportDuty.Kind(locked.kind)]],
            at=at,
        )
    return locked


@applies("report.province-request", "supervision.complex")
def province_request_track(
    *,
    actor: Person,
    title: str,
    lead_unit: Unit,
    partner_units: list[Unit] | None = None,
    sent_on: dt.date | None = None,
    at: dt.datetime | None = None,
) -> Item:
    """After the city government sends a request to the province (Art 55 ¶2), the departments concerned
    follow it up and report back: a supervision ledger item for the lead department, with progress reports,
    on the complex-matter clock (1 month to a result)."""
    from cityhall.supervision.services import ItemForm, item_create

    at = at or timezone.now()
    title = title.strip()
    if not title:
        raise InvalidInput("请写明报省请示的标题。", "title")
    if lead_unit.kind != Unit.Kind.DEPARTMENT:
        raise InvalidInput("跟踪落实由市政府有关部门负责，请选择市政府工作部门。", "lead_unit")
    task = (
        f"报省请示跟踪：《{title[:120]}》。做好与省政府相关部门的衔接、跟踪和落实工作，并及时将有关情况报告市政府"
        f"（{rulebook().rule('report.province-request').short_citation}）。"
    )
    return item_create(
        actor=actor,
        form=ItemForm(
            "direct",
            task,
            lead_unit,
            "主要负责人",
            "complex",
            sent_on or at.astimezone(LOCAL_TZ).date(),
            partner_units=partner_units or [],
        ),
        at=at,
    )
