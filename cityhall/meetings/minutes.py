"""A meeting from its attendance to its issued minutes (Art 44, Art 54 ¶4).

The office records who came and why anyone did not (Art 54 ¶4), the matters decided and each
attendee's stance on them (Art 44 ¶2). Ending the meeting starts the 3-working-day issue clock
(``minutes.issue``). The office drafts the minutes from the recorded stances and circulates the draft
to the participating units; the chair signs, which numbers them; the office issues them. A recorded
stance is protected: it changes only through an amendment with a written explanation, countersigned
by the other participating units and approved by the chair (Art 44 ¶3, ``minutes.amend``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone

from cityhall.documents.services import belongs_to, format_number, general_office, is_office, number_allocate
from cityhall.org.models import Person, Position, Unit
from cityhall.org.selectors import absences_at, holders_at
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.rules.schema import Terms
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.models import Deadline, InboxItem
from cityhall.workflow.registry import DeadlineKind, register
from cityhall.workflow.services import deadline_close, deadline_schedule, inbox_close, inbox_open, reminders_close

from .kinds import KIND_NAMES, meeting_kind
from .models import (
    AgendaItem,
    Amendment,
    AmendmentCountersign,
    Attendance,
    Decision,
    Meeting,
    Minutes,
    Stance,
    StanceRevision,
    Topic,
)

ISSUE_KIND = "meetings.minutes-issue"
AMEND_KIND = "meetings.minutes-amend"
INBOX_KIND = "meetings.minutes"
_PUBLISHED_KINDS = ("plenary", "executive")
_UNIT_KINDS = (Unit.Kind.DEPARTMENT, Unit.Kind.COUNTY, Unit.Kind.AFFILIATED)


class MinutesError(RuleViolation):
    pass


def _cite(rule_id: str) -> str:
    return rulebook().rule(rule_id).citation


def _terms(rule_id: str, name: str) -> tuple[str, ...]:
    param = rulebook().rule(rule_id).record.params[name]
    assert isinstance(param, Terms)  # noqa: S101 - the rulebook's schema
    return tuple(param.values)


def _office_only(person: Person, at: dt.datetime, rule_id: str, what: str) -> None:
    if not is_office(person, at):
        raise MinutesError("not_office", _cite(rule_id), f"{what}由市政府办公室负责")


# -- who is expected (Art 39 ¶1, Art 40 ¶1) -----------------------------------------------------

_MEMBER_KINDS = {
    "mayor": Position.Kind.MAYOR,
    "vice_mayor": Position.Kind.VICE_MAYOR,
    "secretary_general": Position.Kind.SECRETARY_GENERAL,
    "deputy_secretary_general": Position.Kind.DEPUTY_SECRETARY_GENERAL,
}


def _topic_units(topics: Iterable[Topic]) -> list[int]:
    units: list[int] = []
    for t in topics:
        for unit_id in (t.host_unit_id, t.reporting_unit_id, *(c.unit_id for c in t.consultations.all())):
            if unit_id not in units:
                units.append(unit_id)
    return units


def expected_attendance(meeting: Meeting, topics: Sequence[Topic]) -> list[Attendance]:
    """The attendance list a meeting starts with, from its kind's rule: the members, then those who
    attend without a vote (列席). Department heads are listed for the units the topics concern (the
    host unit proposes its attendees, Art 40 ¶1); a plenary meeting lists every department head."""
    described = meeting_kind(rulebook(), meeting.kind)
    wanted: list[tuple[Position, str]] = []

    def add(positions: Iterable[Position], role: str) -> None:
        for p in positions:
            if all(p.pk != q.pk for q, _ in wanted):
                wanted.append((p, role))

    wanted.append((meeting.chair, str(Attendance.Role.MEMBER)))
    topic_units = _topic_units(topics)
    for fact_name, role in (("members", str(Attendance.Role.MEMBER)), ("non_voting", str(Attendance.Role.NON_VOTING))):
        fact = described.fact(fact_name)
        for code in fact.roles if fact else ():
            if code in _MEMBER_KINDS:
                add(Position.objects.filter(kind=_MEMBER_KINDS[code]).order_by("rank", "id"), role)
            elif code == "department_head":
                heads = Position.objects.filter(kind=Position.Kind.PRINCIPAL_HEAD, unit__kind__in=_UNIT_KINDS)
                if role == Attendance.Role.NON_VOTING or meeting.kind != "plenary":
                    heads = heads.filter(unit__in=topic_units)
                add(heads.select_related("unit").order_by("unit__kind", "unit_id"), role)
    if not described.fact("members"):
        # Mayor's office and business meetings: the chair, and the heads of the units the topics concern.
        heads = Position.objects.filter(kind=Position.Kind.PRINCIPAL_HEAD, unit__in=topic_units)
        add(heads.select_related("unit").order_by("unit_id"), Attendance.Role.NON_VOTING)
    holders = holders_at(meeting.starts_at, [p for p, _ in wanted])
    out, seen = [], set()
    for order, (position, role) in enumerate(wanted, start=1):
        person = holders.get(position.pk)
        if person is None or person.pk in seen:
            continue
        seen.add(person.pk)
        out.append(
            Attendance(meeting=meeting, person=person, position=position, unit=position.unit, role=role, order=order)
        )
    return out


# -- attendance (Art 54 ¶4, Art 44 ¶2) -----------------------------------------------------------


@dataclass(frozen=True)
class AttendanceInput:
    attendance_id: int
    present: bool
    reason: str = ""
    note: str = ""
    written_opinion: str = ""


def absence_reasons() -> tuple[str, ...]:
    return _terms("meeting.attendance", "reasons")


def recorded_absences(meeting: Meeting) -> dict[int, str]:
    """Absences already on record at the meeting's start (so acting applies): person id → reason."""
    people = [a.person for a in meeting.attendance.select_related("person")]
    return {pid: a.reason for pid, a in absences_at(meeting.starts_at, people).items()}


def _open_for_recording(meeting: Meeting, rule_id: str) -> None:
    if meeting.state == Meeting.State.CANCELLED:
        raise MinutesError("cancelled", _cite(rule_id), "会议已取消")
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is not None and minutes.state != Minutes.State.DRAFTING:
        raise MinutesError(
            "circulated",
            _cite("minutes.protected"),
            "纪要稿已分送与会单位，会议记录不能再改动；表态如需修改，请走修改程序",
        )


@applies("meeting.attendance", "minutes.opinions")
def attendance_record(
    *, actor: Person, meeting: Meeting, rows: Sequence[AttendanceInput], at: dt.datetime | None = None
) -> list[str]:
    """Record who attended. An absence needs a reason; one outside Art 54 ¶4's list is recorded with a
    warning (the list ends 「等特殊原因」 and says 「原则上」). Returns the warnings."""
    at = at or timezone.now()
    _office_only(actor, at, "meeting.attendance", "会议出席情况的记录")
    listed = absence_reasons()
    warnings: list[str] = []
    with audit.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _open_for_recording(locked, "meeting.attendance")
        by_id = {a.pk: a for a in locked.attendance.select_related("person")}
        # Who has stated a stance already, and how: one query, not one per attendee.
        stated = dict(
            Stance.objects.filter(attendance__meeting=locked).values_list("attendance_id", "written").distinct()
        )
        changed = []
        for row in rows:
            a = by_id.get(row.attendance_id)
            if a is None:
                raise InvalidInput("出席名单中没有这个人，请刷新页面", "attendance")
            if row.present:
                if stated.get(a.pk) is True:
                    raise InvalidInput(f"{a.person.name}已有书面意见的表态，不能改为出席", "present")
                a.present, a.absence_reason, a.absence_note, a.absence_warned = True, "", "", False
                a.written_opinion = ""
            else:
                reason = row.reason.strip()
                if not reason:
                    raise InvalidInput(f"请选择{a.person.name}的请假原因", "reason")
                if stated.get(a.pk) is False:
                    raise InvalidInput(f"{a.person.name}已在会上表态，不能改为缺席", "present")
                a.present, a.absence_reason, a.absence_note = False, reason[:40], row.note.strip()[:200]
                a.absence_warned = reason not in listed
                a.written_opinion = row.written_opinion.strip()
                if a.absence_warned:
                    warnings.append(
                        f"{a.person.name}的请假原因“{reason}”不在所列特殊原因之内，原则上不应请假"
                        f"（{rulebook().rule('meeting.attendance').short_citation}）；已按提示记录"
                    )
            a.recorded_by, a.recorded_at = actor, at
            changed.append(a)
        Attendance.objects.bulk_update(
            changed,
            [
                "present",
                "absence_reason",
                "absence_note",
                "absence_warned",
                "written_opinion",
                "recorded_by",
                "recorded_at",
            ],
        )
        audit_record(
            actor=actor,
            action="meeting.attendance",
            subject=locked,
            after={
                "present": [a.person.name for a in changed if a.present],
                "absent": {a.person.name: a.absence_reason for a in changed if not a.present},
                "warnings": warnings,
            },
            rule_ids=["meeting.attendance"],
            at=at,
        )
    return warnings


# -- decisions and stances (Art 44 ¶2) -------------------------------------------------------


@dataclass(frozen=True)
class DecisionInput:
    text: str
    lead_unit: Unit
    responsible: str
    partner_units: Sequence[Unit] = ()
    due_date: dt.date | None = None
    agenda_item: AgendaItem | None = None


@applies("minutes.opinions")
def decision_add(*, actor: Person, meeting: Meeting, form: DecisionInput, at: dt.datetime | None = None) -> Decision:
    """A matter the meeting decided, with its lead unit, partners, person responsible and due date."""
    at = at or timezone.now()
    _office_only(actor, at, "minutes.opinions", "决定事项的记录")
    if not form.text.strip():
        raise InvalidInput("请填写决定事项", "text")
    if not form.responsible.strip():
        raise InvalidInput("请填写责任人", "responsible")
    if form.agenda_item is not None and form.agenda_item.meeting_id != meeting.pk:
        raise InvalidInput("该议题不在本次会议议程中", "agenda_item")
    if any(u.pk == form.lead_unit.pk for u in form.partner_units):
        raise InvalidInput("牵头单位不必再列为配合单位", "partner_units")
    with audit.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _open_for_recording(locked, "minutes.opinions")
        order = (locked.decisions.order_by("-order").values_list("order", flat=True).first() or 0) + 1
        decision = Decision.objects.create(
            meeting=locked,
            agenda_item=form.agenda_item,
            order=order,
            text=form.text.strip(),
            lead_unit=form.lead_unit,
            responsible=form.responsible.strip()[:40],
            due_date=form.due_date,
            recorded_by=actor,
            recorded_at=at,
        )
        decision.partner_units.set(form.partner_units)
        audit_record(
            actor=actor,
            action="meeting.decision",
            subject=locked,
            after={
                "order": order,
                "text": decision.text,
                "lead": form.lead_unit.name,
                "partners": [u.name for u in form.partner_units],
                "responsible": decision.responsible,
                "due": form.due_date.isoformat() if form.due_date else "",
            },
            rule_ids=["minutes.opinions"],
            at=at,
        )
    return decision


@dataclass(frozen=True)
class StanceInput:
    attendance_id: int
    value: str
    remarks: str = ""


@applies("minutes.opinions", "minutes.protected")
def stances_record(
    *, actor: Person, decision: Decision, rows: Sequence[StanceInput], at: dt.datetime | None = None
) -> list[Stance]:
    """Record attendees' stances on a decision: 同意 or 不同意, with remarks. A present attendee states it at
    the meeting; an absentee's is their written opinion. A recorded stance is never overwritten here."""
    at = at or timezone.now()
    _office_only(actor, at, "minutes.opinions", "表态的记录")
    values = {v.value for v in Stance.Value}
    with audit.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=decision.meeting_id)
        _open_for_recording(meeting, "minutes.opinions")
        by_id = {a.pk: a for a in meeting.attendance.select_related("person")}
        taken = set(Stance.objects.filter(decision=decision).values_list("attendance_id", flat=True))
        made = []
        for row in rows:
            a = by_id.get(row.attendance_id)
            if a is None:
                raise InvalidInput("出席名单中没有这个人，请刷新页面", "attendance")
            if row.value not in values:
                raise InvalidInput(f"{a.person.name}的表态只能是同意或不同意", "value")
            if a.present is None:
                raise InvalidInput(f"请先记录{a.person.name}是否出席", "attendance")
            if a.pk in taken:
                raise MinutesError(
                    "protected",
                    _cite("minutes.protected"),
                    f"{a.person.name}对这一事项的表态已经记录，不能直接修改；如与现行法规、政策不符，由其单位提出修改说明",
                )
            if row.value == Stance.Value.DISAGREE and not row.remarks.strip():
                raise InvalidInput(f"{a.person.name}表示不同意，请记录其意见", "remarks")
            made.append(
                Stance(
                    decision=decision,
                    attendance=a,
                    value=row.value,
                    remarks=row.remarks.strip(),
                    written=not a.present,
                    recorded_by=actor,
                    recorded_at=at,
                )
            )
            taken.add(a.pk)
        Stance.objects.bulk_create(made)
        audit_record(
            actor=actor,
            action="meeting.stances",
            subject=meeting,
            after={
                "decision": decision.order,
                "stances": {
                    s.attendance.person.name: s.get_value_display() + ("（书面）" if s.written else "") for s in made
                },
            },
            rule_ids=["minutes.opinions"],
            at=at,
        )
    return made


@applies("minutes.opinions")
def missing_stances(
    meeting: Meeting,
    attendance: Sequence[Attendance] | None = None,
    decisions: Sequence[Decision] | None = None,
) -> list[tuple[Decision, list[Attendance]]]:
    """Each decision and the present attendees who have not yet stated a stance on it (Art 44 ¶2).
    A page that has read the attendance and the decisions (stances prefetched) passes them in."""
    if attendance is None:
        attendance = list(meeting.attendance.select_related("person"))
    if decisions is None:
        decisions = list(meeting.decisions.prefetch_related("stances"))
    present = [a for a in attendance if a.present]
    out = []
    for d in decisions:
        stated = {s.attendance_id for s in d.stances.all()}
        missing = [a for a in present if a.pk not in stated]
        if missing:
            out.append((d, missing))
    return out


def record_gaps(
    meeting: Meeting,
    attendance: Sequence[Attendance] | None = None,
    decisions: Sequence[Decision] | None = None,
) -> list[str]:
    """What keeps the record from being complete, in words, so the office knows what is left."""
    if attendance is None:
        attendance = list(meeting.attendance.select_related("person"))
    if decisions is None:
        decisions = list(meeting.decisions.prefetch_related("stances"))
    gaps = []
    unrecorded = [a.person.name for a in attendance if a.present is None]
    if unrecorded:
        gaps.append(f"尚未记录出席情况：{'、'.join(unrecorded)}")
    if not decisions:
        gaps.append("尚未记录决定事项")
    for d, missing in missing_stances(meeting, attendance, decisions):
        gaps.append(f"第{d.order}项决定事项尚未表态：{'、'.join(a.person.name for a in missing)}")
    return gaps


# -- the meeting ends: the issue clock starts (Art 44 ¶3) --------------------------------------


def _publishable(meeting: Meeting, secret: bool) -> tuple[bool, str]:
    cite = rulebook().rule("disclosure.publish").short_citation
    if meeting.kind not in _PUBLISHED_KINDS:
        return False, f"{KIND_NAMES[meeting.kind]}的决定不属于应主动公开的全体会议、常务会议决定（{cite}）"
    if secret:
        return False, f"纪要涉密，不予公开（{cite}）"
    return True, f"{KIND_NAMES[meeting.kind]}讨论决定的事项，不涉密，应主动公开（{cite}）"


def _item(
    minutes: Minutes,
    title: str,
    key: str,
    at: dt.datetime,
    *,
    position: Position | None = None,
    unit: Unit | None = None,
    deadline: Deadline | None = None,
    for_reading: bool = False,
) -> InboxItem:
    return inbox_open(
        minutes,
        kind=INBOX_KIND,
        key=key,
        title=f"{title}｜{minutes.meeting.title}",
        url=f"/meetings/{minutes.meeting_id}/minutes/",
        at=at,
        position=position,
        unit=unit,
        reading=for_reading,
        deadline=deadline,
    )


@applies("minutes.issue", "disclosure.publish")
def meeting_end(
    *, actor: Person, meeting: Meeting, ended_at: dt.datetime | None = None, secret: bool = False
) -> Minutes:
    """The meeting is over: the minutes' 3-working-day issue clock starts from its end (Art 44 ¶3)."""
    at = timezone.now()
    ended_at = ended_at or at
    _office_only(actor, at, "minutes.issue", "会议的组织工作")
    if ended_at < meeting.starts_at:
        raise InvalidInput("会议结束时间不能早于开始时间", "ended_at")
    if ended_at > at:
        raise InvalidInput("会议尚未结束，不能记录将来的结束时间", "ended_at")
    with audit.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.state != Meeting.State.SCHEDULED:
            raise MinutesError("not_scheduled", _cite("minutes.issue"), f"会议{locked.get_state_display()}，不能再结束")
        locked.state, locked.ended_at = Meeting.State.HELD, ended_at
        locked.save(update_fields=["state", "ended_at"])
        deadline = deadline_schedule(
            actor=actor,
            subject=locked,
            subject_label=f"{locked.title}纪要印发",
            kind=ISSUE_KIND,
            rule_id="minutes.issue",
            anchor=ended_at,
        )
        publishable, why = _publishable(locked, secret)
        minutes = Minutes.objects.create(
            meeting=locked, deadline=deadline, secret=secret, publishable=publishable, publishable_reason=why
        )
        _item(minutes, "起草会议纪要", "minutes:draft", at, unit=general_office(), deadline=deadline)
        audit_record(
            actor=actor,
            action="meeting.end",
            subject=locked,
            after={"ended_at": ended_at.isoformat(), "minutes_due": deadline.due_date.isoformat()},
            rule_ids=["minutes.issue"],
            at=at,
        )
    return minutes


def _remind_office(deadline: Deadline, now: dt.datetime) -> None:
    """The default reminder goes to an assignee; the issue clock is the office's, so remind its clerks."""
    InboxItem.objects.create(
        title=f"催办：{deadline.subject_label}"[:200],
        kind="reminder",
        deadline=deadline,
        subject_type_id=deadline.subject_type_id,
        subject_id=deadline.subject_id,
        unit=general_office(),
        created_at=now,
    )


register(DeadlineKind(key=ISSUE_KIND, label="会议纪要印发", on_remind=_remind_office))
register(DeadlineKind(key=AMEND_KIND, label="纪要意见修改报审", remind_before=dt.timedelta(hours=12)))


# -- drafting, circulating, signing, issuing (Art 44 ¶1, ¶3) ---------------------------------------

_NUMERALS = "一二三四五六七八九十"


def _numeral(n: int) -> str:
    if n <= 10:
        return _NUMERALS[n - 1]
    if n < 20:
        return "十" + _NUMERALS[n - 11]
    tens, ones = divmod(n, 10)
    return _NUMERALS[tens - 1] + "十" + (_NUMERALS[ones - 1] if ones else "")


def _names(people: Iterable[Attendance]) -> str:
    return "、".join(a.person.name for a in people)


@applies("minutes.opinions")
def draft_text(meeting: Meeting) -> str:
    """The minutes' text from the record: each decision with its owners and every stance as stated."""
    chair = holders_at(meeting.starts_at, [meeting.chair]).get(meeting.chair.pk)
    local = meeting.starts_at.astimezone(LOCAL_TZ)
    by = (
        f"受市长委托，{meeting.chair.title}{chair.name if chair else ''}"
        if meeting.entrusted
        else (f"{meeting.chair.title}{chair.name if chair else ''}")
    )
    lines = [f"{local.year}年{local.month}月{local.day}日，{by}主持召开{meeting.title}，研究了以下事项。现纪要如下："]
    for d in meeting.decisions.select_related("lead_unit", "agenda_item__topic").prefetch_related(
        "partner_units", "stances__attendance__person"
    ):
        heading = d.agenda_item.topic.matter if d.agenda_item else d.text[:30]
        lines.append(f"{_numeral(d.order)}、关于{heading.removeprefix('关于').removesuffix('的议题')}")
        owners = f"由{d.lead_unit.name}牵头"
        partners = list(d.partner_units.all())
        if partners:
            owners += f"，{'、'.join(u.name for u in partners)}配合"
        owners += f"，{d.responsible}负责"
        if d.due_date:
            owners += f"，{d.due_date.year}年{d.due_date.month}月{d.due_date.day}日前完成"
        lines.append(f"会议决定：{d.text.rstrip('。')}。{owners}。")
        stances = list(d.stances.all())
        agree = [s.attendance for s in stances if s.value == Stance.Value.AGREE and not s.written]
        parts = [f"同意：{_names(agree)}"] if agree else []
        parts += [
            f"不同意：{s.attendance.person.name}（{s.remarks}）"
            for s in stances
            if s.value == Stance.Value.DISAGREE and not s.written
        ]
        parts += [
            f"书面意见：{s.attendance.person.name}（{s.get_value_display()}{'，' + s.remarks if s.remarks else ''}）"
            for s in stances
            if s.written
        ]
        lines.append("与会人员表态——" + "；".join(parts) + "。")
    attendance = list(meeting.attendance.select_related("person"))
    present = [a for a in attendance if a.present and a.role == Attendance.Role.MEMBER]
    sitting = [a for a in attendance if a.present and a.role != Attendance.Role.MEMBER]
    absent = [a for a in attendance if a.present is False]
    if present:
        lines.append(f"出席：{_names(present)}")
    if absent:
        lines.append("请假：" + "、".join(f"{a.person.name}（{a.absence_reason}）" for a in absent))
    if sitting:
        lines.append(f"列席：{_names(sitting)}")
    return "\n".join(lines)


def _lock_minutes(minutes: Minutes) -> Minutes:
    return (
        Minutes.objects.select_for_update(of=("self",)).select_related("meeting__chair", "deadline").get(pk=minutes.pk)
    )


@applies("minutes.sign")
def minutes_save(*, actor: Person, minutes: Minutes, body: str, at: dt.datetime | None = None) -> Minutes:
    at = at or timezone.now()
    _office_only(actor, at, "minutes.sign", "会议纪要的起草")
    with audit.atomic():
        locked = _lock_minutes(minutes)
        if locked.state != Minutes.State.DRAFTING:
            raise MinutesError("not_drafting", _cite("minutes.protected"), "纪要稿已分送与会单位，正文不能再改")
        locked.body, locked.drafted_by = body.strip(), actor
        locked.save(update_fields=["body", "drafted_by"])
        audit_record(
            actor=actor,
            action="minutes.save",
            subject=locked,
            after={"length": len(locked.body)},
            rule_ids=["minutes.sign"],
            at=at,
        )
    return locked


def participating_units(meeting: Meeting) -> list[Unit]:
    """The counties and departments that took part (present, or absent with a written opinion)."""
    out: list[Unit] = []
    for a in meeting.attendance.select_related("unit"):
        if a.unit.kind in _UNIT_KINDS and (a.present or a.written_opinion) and all(u.pk != a.unit_id for u in out):
            out.append(a.unit)
    return out


@applies("minutes.opinions", "minutes.sign")
def minutes_circulate(*, actor: Person, minutes: Minutes, at: dt.datetime | None = None) -> Minutes:
    """Send the draft to the participating units and the chair: the record must be complete first."""
    at = at or timezone.now()
    _office_only(actor, at, "minutes.sign", "会议纪要的起草")
    with audit.atomic():
        locked = _lock_minutes(minutes)
        if locked.state != Minutes.State.DRAFTING:
            raise MinutesError("not_drafting", _cite("minutes.sign"), "纪要稿已经分送")
        gaps = record_gaps(locked.meeting)
        if gaps:
            raise MinutesError("incomplete", _cite("minutes.opinions"), "会议记录尚不完整：" + "；".join(gaps))
        if not locked.body.strip():
            raise InvalidInput("请先起草纪要正文", "body")
        locked.state, locked.circulated_at = Minutes.State.CIRCULATED, at
        locked.save(update_fields=["state", "circulated_at"])
        inbox_close(locked, ["minutes:draft"], actor=actor, at=at)
        _item(locked, "签发会议纪要", "minutes:sign", at, position=locked.meeting.chair, deadline=locked.deadline)
        for unit in participating_units(locked.meeting):
            _item(locked, "会议纪要稿（请核对本单位表态）", "minutes:review", at, unit=unit, for_reading=True)
        audit_record(
            actor=actor,
            action="minutes.circulate",
            subject=locked,
            after={"units": [u.name for u in participating_units(locked.meeting)]},
            rule_ids=["minutes.sign", "minutes.amend"],
            at=at,
        )
    return locked


def _chair_seat(actor: Person, meeting: Meeting, at: dt.datetime) -> tuple[bool, Person | None]:
    from .services import Assignee, _may_act

    return _may_act(actor, Assignee("chair", meeting.chair, None), at)


def may_sign(actor: Person, minutes: Minutes, at: dt.datetime) -> tuple[bool, Person | None]:
    return _chair_seat(actor, minutes.meeting, at)


@applies("minutes.sign", "minutes.protected")
def minutes_sign(*, actor: Person, minutes: Minutes, at: dt.datetime | None = None) -> Minutes:
    """The chair (or whoever acts for them, 代) signs; signing gives the minutes their number."""
    at = at or timezone.now()
    with audit.atomic():
        locked = _lock_minutes(minutes)
        meeting = locked.meeting
        if locked.state != Minutes.State.CIRCULATED:
            raise MinutesError(
                "not_circulated",
                _cite("minutes.sign"),
                "纪要稿尚未分送与会单位" if locked.state == Minutes.State.DRAFTING else "纪要已经签发",
            )
        may, on_behalf_of = _chair_seat(actor, meeting, at)
        if not may:
            raise MinutesError("not_chair", _cite("minutes.sign"), f"会议纪要由主持会议的{meeting.chair.title}签发")
        pending = locked.amendments.filter(state__in=[Amendment.State.COUNTERSIGNING, Amendment.State.WITH_CHAIR])
        if pending.exists():
            raise MinutesError("amendment_pending", _cite("minutes.protected"), "有表态修改尚未审定，审定后方可签发")
        year = at.astimezone(LOCAL_TZ).year
        code = KIND_NAMES[meeting.kind] + "纪要"
        seq = number_allocate(code=code, year=year)
        locked.state, locked.signed_by, locked.signed_on_behalf_of, locked.signed_at = (
            Minutes.State.SIGNED,
            actor,
            on_behalf_of,
            at,
        )
        locked.year, locked.seq, locked.number = year, seq, format_number(code, year, seq)
        locked.save(update_fields=["state", "signed_by", "signed_on_behalf_of", "signed_at", "year", "seq", "number"])
        inbox_close(locked, ["minutes:sign"], actor=actor, at=at, on_behalf_of=on_behalf_of)
        _item(locked, "印发会议纪要", "minutes:issue", at, unit=general_office(), deadline=locked.deadline)
        audit_record(
            actor=actor,
            on_behalf_of=on_behalf_of,
            action="minutes.sign",
            subject=locked,
            after={"number": locked.number},
            rule_ids=["minutes.sign"] + (["acting.ab-partner"] if on_behalf_of else []),
            at=at,
        )
    return locked


@applies("minutes.issue", "supervision.reporting")
def minutes_issue(*, actor: Person, minutes: Minutes, at: dt.datetime | None = None) -> Minutes:
    """The office issues the signed minutes. Late issue is recorded and shown, not refused (原则上).
    Each decision is then handed to supervision."""
    at = at or timezone.now()
    _office_only(actor, at, "minutes.issue", "会议纪要的印发")
    with audit.atomic():
        locked = _lock_minutes(minutes)
        if locked.state == Minutes.State.ISSUED:
            raise MinutesError("issued", _cite("minutes.issue"), f"{locked.number}已经印发，请刷新页面")
        if locked.state != Minutes.State.SIGNED:
            raise MinutesError("not_signed", _cite("minutes.sign"), "纪要尚未经主持人签发，不能印发")
        deadline = locked.deadline
        assert deadline is not None  # noqa: S101 - created with the minutes
        locked.issued_late = deadline.is_overdue(at)
        locked.state, locked.issued_by, locked.issued_at = Minutes.State.ISSUED, actor, at
        locked.save(update_fields=["state", "issued_by", "issued_at", "issued_late"])
        if deadline.state == Deadline.State.PENDING and not locked.issued_late:
            deadline_close(deadline=deadline, actor=actor, state=Deadline.State.MET, note=locked.number)
        inbox_close(locked, ["minutes:issue", "minutes:draft", "minutes:sign"], actor=actor, at=at)
        reminders_close(deadline, actor=actor, at=at)
        # Each decision becomes a supervision ledger item (Art 58 ¶3), linked back to it.
        from cityhall.supervision.services import items_from_decisions

        pending = list(
            Decision.objects.filter(meeting=locked.meeting, handover_at__isnull=True)
            .select_related("lead_unit", "meeting")
            .prefetch_related("partner_units")
        )
        items_from_decisions(actor=actor, decisions=pending, at=at)
        Decision.objects.filter(pk__in=[d.pk for d in pending]).update(handover_at=at)
        audit_record(
            actor=actor,
            action="minutes.issue",
            subject=locked,
            after={
                "number": locked.number,
                "late": locked.issued_late,
                "due": deadline.due_date.isoformat(),
                "publishable": locked.publishable,
            },
            rule_ids=["minutes.issue"],
            at=at,
        )
    return locked


# -- amendments to recorded stances (Art 44 ¶3) -------------------------------------------------


@applies("minutes.protected", "minutes.amend")
def amendment_request(
    *,
    actor: Person,
    stance: Stance,
    grounds: str,
    explanation: str,
    new_value: str,
    new_remarks: str = "",
    at: dt.datetime | None = None,
) -> Amendment:
    """The stance's unit asks to change it, with a written explanation (修改说明). Only a stance that
    conflicts with current law or policy may be changed; the other participating units countersign."""
    at = at or timezone.now()
    attendance = stance.attendance
    minutes = Minutes.objects.get(meeting_id=attendance.meeting_id)
    if grounds not in dict(Amendment.GROUNDS):
        raise InvalidInput("请选择修改理由", "grounds")
    if grounds == "other":
        raise MinutesError(
            "grounds",
            _cite("minutes.protected"),
            "与会人员所发表的意见，除与现行法规、政策不符外，一般不在会议纪要中予以修改",
        )
    if not explanation.strip():
        raise InvalidInput("请填写修改说明", "explanation")
    if new_value not in {v.value for v in Stance.Value}:
        raise InvalidInput("修改后的表态只能是同意或不同意", "new_value")
    if new_value == stance.value and new_remarks.strip() == stance.remarks:
        raise InvalidInput("修改后的表态和意见与原来相同", "new_remarks")
    if not belongs_to(actor, attendance.unit, at):
        raise MinutesError(
            "not_own_unit",
            _cite("minutes.protected"),
            f"修改说明由提出修改意见的单位出具；这是{attendance.unit.name}的表态",
        )
    with audit.atomic():
        locked = _lock_minutes(minutes)
        if locked.state != Minutes.State.CIRCULATED:
            raise MinutesError(
                "not_circulated",
                _cite("minutes.amend"),
                "修改须在纪要稿分送与会单位之后、签发之前提出",
            )
        if Amendment.objects.filter(
            stance=stance, state__in=[Amendment.State.COUNTERSIGNING, Amendment.State.WITH_CHAIR]
        ).exists():
            raise MinutesError("pending", _cite("minutes.amend"), "这一表态已有修改申请在办理中")
        assert locked.circulated_at is not None  # noqa: S101
        deadline = deadline_schedule(
            actor=actor,
            subject=locked,
            subject_label=f"{locked.meeting.title}纪要修改报审（{attendance.unit.name}）",
            kind=AMEND_KIND,
            rule_id="minutes.amend",
            anchor=locked.circulated_at,
            assignee_position=locked.meeting.chair,
        )
        others = [u for u in participating_units(locked.meeting) if u.pk != attendance.unit_id]
        amendment = Amendment.objects.create(
            minutes=locked,
            stance=stance,
            requesting_unit=attendance.unit,
            requested_by=actor,
            requested_at=at,
            grounds=grounds,
            explanation=explanation.strip(),
            new_value=new_value,
            new_remarks=new_remarks.strip(),
            deadline=deadline,
            state=Amendment.State.COUNTERSIGNING if others else Amendment.State.WITH_CHAIR,
        )
        AmendmentCountersign.objects.bulk_create([AmendmentCountersign(amendment=amendment, unit=u) for u in others])
        for u in others:
            _item(locked, "会签纪要修改说明", f"amend:{amendment.pk}:{u.pk}", at, unit=u, deadline=deadline)
        if not others:
            _item(
                locked,
                "审定纪要修改",
                f"amend:{amendment.pk}:chair",
                at,
                position=locked.meeting.chair,
                deadline=deadline,
            )
        audit_record(
            actor=actor,
            action="minutes.amend_request",
            subject=locked,
            after={
                "unit": attendance.unit.name,
                "grounds": amendment.get_grounds_display(),
                "countersign": [u.name for u in others],
                "due": deadline.due_date.isoformat(),
            },
            rule_ids=["minutes.protected", "minutes.amend"],
            at=at,
        )
    return amendment


@applies("minutes.amend")
def amendment_countersign(
    *, actor: Person, amendment: Amendment, unit: Unit, agreed: bool, remarks: str = "", at: dt.datetime | None = None
) -> Amendment:
    """Another participating unit countersigns the explanation; once all have, it goes to the chair."""
    at = at or timezone.now()
    if not belongs_to(actor, unit, at):
        raise MinutesError("not_unit", _cite("minutes.amend"), f"您不在{unit.name}任职，不能代其会签")
    if not agreed and not remarks.strip():
        raise InvalidInput("不同意的，请写明意见", "remarks")
    with audit.atomic():
        locked = (
            Amendment.objects.select_for_update(of=("self",))
            .select_related("minutes__meeting__chair")
            .get(pk=amendment.pk)
        )
        if locked.state != Amendment.State.COUNTERSIGNING:
            raise MinutesError("not_countersigning", _cite("minutes.amend"), "这项修改已不在会签中")
        row = locked.countersigns.filter(unit=unit).first()
        if row is None:
            raise MinutesError("not_asked", _cite("minutes.amend"), f"{unit.name}不是这项修改的会签单位")
        if row.agreed is not None:
            raise MinutesError("done", _cite("minutes.amend"), f"{unit.name}已经会签")
        row.agreed, row.remarks, row.by, row.at = agreed, remarks.strip()[:200], actor, at
        row.save(update_fields=["agreed", "remarks", "by", "at"])
        minutes = locked.minutes
        inbox_close(minutes, [f"amend:{locked.pk}:{unit.pk}"], actor=actor, at=at)
        if not locked.countersigns.filter(agreed__isnull=True).exists():
            locked.state = Amendment.State.WITH_CHAIR
            locked.save(update_fields=["state"])
            _item(
                minutes,
                "审定纪要修改",
                f"amend:{locked.pk}:chair",
                at,
                position=minutes.meeting.chair,
                deadline=locked.deadline,
            )
        audit_record(
            actor=actor,
            action="minutes.amend_countersign",
            subject=minutes,
            after={"unit": unit.name, "agreed": agreed, "remarks": row.remarks},
            rule_ids=["minutes.amend"],
            at=at,
        )
    return locked


@applies("minutes.amend", "minutes.protected")
def amendment_decide(
    *, actor: Person, amendment: Amendment, approve: bool, note: str = "", at: dt.datetime | None = None
) -> Amendment:
    """The chair approves (the stance changes; the earlier wording is kept) or does not. A decision after
    the 2 working days is recorded as late and shown."""
    at = at or timezone.now()
    with audit.atomic():
        locked = (
            Amendment.objects.select_for_update(of=("self",))
            .select_related("minutes__meeting__chair", "deadline", "stance")
            .get(pk=amendment.pk)
        )
        minutes = locked.minutes
        may, on_behalf_of = _chair_seat(actor, minutes.meeting, at)
        if not may:
            raise MinutesError(
                "not_chair", _cite("minutes.amend"), f"修改由主持会议的{minutes.meeting.chair.title}审定"
            )
        if locked.state != Amendment.State.WITH_CHAIR:
            raise MinutesError("not_with_chair", _cite("minutes.amend"), "这项修改尚未完成会签，或已经审定")
        if not approve and not note.strip():
            raise InvalidInput("不同意修改的，请写明理由", "note")
        deadline = locked.deadline
        assert deadline is not None  # noqa: S101
        locked.late = deadline.is_overdue(at)
        locked.state = Amendment.State.APPROVED if approve else Amendment.State.REJECTED
        locked.decided_by, locked.decided_on_behalf_of, locked.decided_at = actor, on_behalf_of, at
        locked.decision_note = note.strip()
        locked.save(
            update_fields=["late", "state", "decided_by", "decided_on_behalf_of", "decided_at", "decision_note"]
        )
        stance = Stance.objects.select_for_update().get(pk=locked.stance_id)
        before = {"value": stance.value, "remarks": stance.remarks, "revision": stance.revision}
        if approve:
            StanceRevision.objects.create(
                stance=stance,
                revision=stance.revision,
                value=stance.value,
                remarks=stance.remarks,
                replaced_at=at,
                amendment=locked,
            )
            stance.value, stance.remarks, stance.revision = locked.new_value, locked.new_remarks, stance.revision + 1
            stance.save(update_fields=["value", "remarks", "revision"])
            # The draft is regenerated from the record, so the amended stance reads as approved.
            minutes.body = draft_text(minutes.meeting)
            minutes.save(update_fields=["body"])
        if deadline.state == Deadline.State.PENDING and not locked.late:
            deadline_close(deadline=deadline, actor=actor, state=Deadline.State.MET, note=locked.get_state_display())
        inbox_close(minutes, [f"amend:{locked.pk}:chair"], actor=actor, at=at, on_behalf_of=on_behalf_of)
        audit_record(
            actor=actor,
            on_behalf_of=on_behalf_of,
            action="minutes.amend_decide",
            subject=minutes,
            before=before,
            after={
                "approved": approve,
                "value": stance.value,
                "remarks": stance.remarks,
                "late": locked.late,
                "note": locked.decision_note,
            },
            rule_ids=["minutes.amend", "minutes.protected"],
            at=at,
        )
    return locked


# -- one meeting as scripts see it (cityhall meetings list --json, GET /api/v1/meetings) ---------


def meeting_summary(meeting: Meeting, now: dt.datetime) -> dict:
    """The product's list shape (id, title, state, state_label, due, overdue) plus the minutes' clock."""
    try:
        minutes: Minutes | None = meeting.minutes
    except Minutes.DoesNotExist:
        minutes = None
    deadline = minutes.deadline if minutes else None
    open_clock = deadline is not None and minutes is not None and minutes.state != Minutes.State.ISSUED
    return {
        "id": meeting.pk,
        "title": meeting.title,
        "kind": meeting.kind,
        "kind_label": KIND_NAMES[meeting.kind],
        "state": meeting.state,
        "state_label": meeting.get_state_display(),
        "starts_at": meeting.starts_at.astimezone(LOCAL_TZ).isoformat(),
        "chair": meeting.chair.title,
        "entrusted": meeting.entrusted,
        # What is due is the minutes' issue (Art 44 ¶3): null before the meeting ends and once issued.
        "due": deadline.due_date.isoformat() if open_clock and deadline else None,
        "overdue": bool(open_clock and deadline and deadline.is_overdue(now)),
        "minutes": None
        if minutes is None
        else {
            "state": minutes.state,
            "state_label": minutes.get_state_display(),
            "number": minutes.number,
            "due": deadline.due_date.isoformat() if deadline else None,
            "issued_at": minutes.issued_at.isoformat() if minutes.issued_at else None,
            "issued_late": minutes.issued_late,
            "publishable": minutes.publishable,
            "rule": "minutes.issue",
        },
        "url": f"/meetings/{meeting.pk}/",
    }
