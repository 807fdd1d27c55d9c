"""Attendance (Art 54 ¶4), stances (Art 44 ¶2), minutes on the clock (Art 44 ¶1, ¶3) and amendments to
recorded stances (Art 44 ¶3)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone

from cityhall.documents.services import general_office
from cityhall.meetings.minutes import (
    AttendanceInput,
    DecisionInput,
    MinutesError,
    StanceInput,
    amendment_countersign,
    amendment_decide,
    amendment_request,
    attendance_record,
    decision_add,
    draft_text,
    meeting_end,
    minutes_circulate,
    minutes_issue,
    minutes_save,
    minutes_sign,
    record_gaps,
    stances_record,
)
from cityhall.meetings.models import Amendment, Attendance, Meeting, Minutes, Stance
from cityhall.meetings.services import MeetingForm, materials_review, meeting_schedule, topic_decide, topic_submit
from cityhall.org.demo import load_demo
from cityhall.org.models import Position, Unit
from cityhall.rules import InvalidInput
from cityhall.workflow.models import Deadline, InboxItem
from cityhall.workflow.worker import run_once

from .test_topics import form, person

pytestmark = pytest.mark.django_db
CLERK = "office-clerk-1"


def _approved(matter: str):  # type: ignore[no-untyped-def]
    topic = topic_submit(actor=person("head-fgw"), form=form(matter=matter))
    for who in (CLERK, "secretary-general", "vice-mayor-1", "mayor"):
        topic = topic_decide(actor=person(who), topic=topic, decision="pass")
    return materials_review(actor=person(CLERK), topic=topic)


@pytest.fixture
def meeting() -> Meeting:
    load_demo()
    topic = _approved("关于抚顺市2027年重点项目建设计划的议题")
    return meeting_schedule(
        actor=person(CLERK),
        form=MeetingForm(
            kind="executive",
            title="市政府第30次常务会议",
            starts_at=timezone.now() - dt.timedelta(hours=3),
            venue="市政府第一会议室",
            video=False,
            chair=Position.objects.get(code="mayor"),
            topics=[topic],
        ),
    )


def _all_present(meeting: Meeting, absent: dict[str, AttendanceInput] | None = None) -> list[str]:
    absent = absent or {}
    rows = []
    for a in meeting.attendance.select_related("position"):
        code = a.position.code if a.position else ""
        row = absent.get(code)
        rows.append(AttendanceInput(a.pk, True) if row is None else dataclasses.replace(row, attendance_id=a.pk))
    return attendance_record(actor=person(CLERK), meeting=meeting, rows=rows)


def _decide_all(meeting: Meeting, disagree: str = "") -> None:
    decision = decision_add(
        actor=person(CLERK),
        meeting=meeting,
        form=DecisionInput(
            text="原则同意《抚顺市2027年重点项目建设计划》",
            lead_unit=Unit.objects.get(code="fgw"),
            partner_units=[Unit.objects.get(code="finance")],
            responsible="发改委主任",
            due_date=dt.date(2027, 3, 31),
            agenda_item=meeting.agenda.first(),
        ),
    )
    rows = [
        StanceInput(
            a.pk,
            "disagree" if a.position.code == disagree else "agree",
            "建议缓办" if a.position.code == disagree else "",
        )
        for a in meeting.attendance.select_related("position")
        if a.present
    ]
    stances_record(actor=person(CLERK), decision=decision, rows=rows)


def _ended(meeting: Meeting) -> Minutes:
    return meeting_end(actor=person(CLERK), meeting=meeting, ended_at=meeting.starts_at + dt.timedelta(hours=2))


@pytest.mark.rule("meeting.executive", "meeting.attendance")
def test_40_1_the_attendance_list_has_the_members_and_the_topic_units_heads(meeting):
    roles = {a.position.code: a.role for a in meeting.attendance.select_related("position")}
    assert roles["mayor"] == roles["vice-mayor-1"] == roles["secretary-general"] == Attendance.Role.MEMBER
    assert roles["head-fgw"] == Attendance.Role.NON_VOTING
    assert "head-education" not in roles  # a department the topic does not concern is not listed


@pytest.mark.rule("meeting.attendance")
def test_54_4_an_absence_needs_a_reason_and_an_unlisted_reason_warns(meeting):
    vm2 = meeting.attendance.get(position__code="vice-mayor-2")
    with pytest.raises(InvalidInput, match="请假原因"):
        attendance_record(actor=person(CLERK), meeting=meeting, rows=[AttendanceInput(vm2.pk, False)])
    assert (
        attendance_record(actor=person(CLERK), meeting=meeting, rows=[AttendanceInput(vm2.pk, False, "因公出访或出差")])
        == []
    )
    warnings = attendance_record(
        actor=person(CLERK), meeting=meeting, rows=[AttendanceInput(vm2.pk, False, "家中有事")]
    )
    assert len(warnings) == 1 and "原则上不应请假" in warnings[0] and "第五十四条第四款" in warnings[0]
    vm2.refresh_from_db()
    assert vm2.present is False and vm2.absence_warned
    with pytest.raises(MinutesError, match="市政府办公室"):
        attendance_record(actor=person("head-fgw"), meeting=meeting, rows=[AttendanceInput(vm2.pk, True)])


@pytest.mark.rule("minutes.opinions", "minutes.protected")
def test_44_2_each_present_attendee_states_a_stance_and_an_absentee_may_write(meeting):
    _all_present(meeting, {"vice-mayor-2": AttendanceInput(0, False, "个人身体健康", "", "同意该计划")})
    assert any("尚未记录决定事项" in g for g in record_gaps(meeting))
    decision = decision_add(
        actor=person(CLERK),
        meeting=meeting,
        form=DecisionInput(text="原则同意", lead_unit=Unit.objects.get(code="fgw"), responsible="发改委主任"),
    )
    mayor = meeting.attendance.get(position__code="mayor")
    vm2 = meeting.attendance.get(position__code="vice-mayor-2")
    with pytest.raises(InvalidInput, match="请记录其意见"):
        stances_record(actor=person(CLERK), decision=decision, rows=[StanceInput(mayor.pk, "disagree")])
    stances_record(
        actor=person(CLERK), decision=decision, rows=[StanceInput(mayor.pk, "agree"), StanceInput(vm2.pk, "agree")]
    )
    assert Stance.objects.get(attendance=vm2).written is True
    # Attendance cannot be changed under a recorded stance, either way.
    with pytest.raises(InvalidInput, match="已有书面意见的表态，不能改为出席"):
        attendance_record(actor=person(CLERK), meeting=meeting, rows=[AttendanceInput(vm2.pk, True)])
    with pytest.raises(InvalidInput, match="已在会上表态，不能改为缺席"):
        attendance_record(actor=person(CLERK), meeting=meeting, rows=[AttendanceInput(mayor.pk, False, "个人身体健康")])
    gaps = record_gaps(meeting)
    assert len(gaps) == 1 and gaps[0].startswith("第1项决定事项尚未表态") and "宁" not in gaps[0].split("：")[0]
    with pytest.raises(MinutesError, match="不能直接修改") as exc:
        stances_record(actor=person(CLERK), decision=decision, rows=[StanceInput(mayor.pk, "disagree", "改")])
    assert exc.value.citation.endswith("第四十四条第三款")


@pytest.mark.rule("minutes.issue", "minutes.sign", "minutes.opinions", "disclosure.publish")
def test_44_3_minutes_are_drafted_signed_numbered_and_issued_on_the_clock(meeting):
    _all_present(meeting)
    minutes = _ended(meeting)
    assert minutes.deadline.rule_id == "minutes.issue" and minutes.publishable
    assert InboxItem.objects.filter(key="minutes:draft", deadline=minutes.deadline, state="open").count() == 1
    with pytest.raises(MinutesError, match="会议记录尚不完整") as exc:
        minutes_save(actor=person(CLERK), minutes=minutes, body="草稿")
        minutes_circulate(actor=person(CLERK), minutes=minutes)
    assert exc.value.citation.endswith("第四十四条第二款")
    _decide_all(meeting, disagree="vice-mayor-3")
    body = draft_text(meeting)
    assert "会议决定：原则同意《抚顺市2027年重点项目建设计划》。由抚顺市发展和改革委员会牵头" in body
    assert "不同意：" in body and "建议缓办" in body
    minutes_save(actor=person(CLERK), minutes=minutes, body=body)
    minutes = minutes_circulate(actor=person(CLERK), minutes=minutes)
    assert InboxItem.objects.get(key="minutes:sign", state="open").assignee_position.code == "mayor"
    with pytest.raises(MinutesError, match="主持会议的市长签发"):
        minutes_sign(actor=person("vice-mayor-1"), minutes=minutes)
    minutes = minutes_sign(actor=person("mayor"), minutes=minutes)
    assert minutes.number == f"市政府常务会议纪要〔{timezone.localdate().year}〕1号"
    with pytest.raises(MinutesError, match="市政府办公室"):
        minutes_issue(actor=person("mayor"), minutes=minutes)
    minutes = minutes_issue(actor=person(CLERK), minutes=minutes)
    assert minutes.state == "issued" and not minutes.issued_late
    assert Deadline.objects.get(pk=minutes.deadline_id).state == Deadline.State.MET
    assert meeting.decisions.filter(handover_at__isnull=True).count() == 0
    assert not InboxItem.objects.filter(
        subject_id=str(minutes.pk), kind="meetings.minutes", state="open", for_reading=False
    ).exists()


@pytest.mark.rule("minutes.issue")
def test_44_3_late_minutes_go_overdue_and_are_issued_with_a_warning(meeting):
    _all_present(meeting)
    _decide_all(meeting)
    minutes = _ended(meeting)
    run_once(now=minutes.deadline.due_at - dt.timedelta(hours=12))
    office = general_office()
    assert InboxItem.objects.filter(kind="reminder", deadline=minutes.deadline, unit=office, state="open").exists()
    later = minutes.deadline.due_at + dt.timedelta(hours=1)
    run_once(now=later)
    assert Deadline.objects.get(pk=minutes.deadline_id).state == Deadline.State.MISSED
    minutes_save(actor=person(CLERK), minutes=minutes, body=draft_text(meeting))
    minutes_circulate(actor=person(CLERK), minutes=minutes, at=later)
    minutes = minutes_sign(actor=person("mayor"), minutes=minutes, at=later)
    minutes = minutes_issue(actor=person(CLERK), minutes=minutes, at=later)
    assert minutes.issued_late is True and minutes.state == "issued"


@pytest.mark.rule("minutes.protected", "minutes.amend")
def test_44_3_an_amendment_is_countersigned_and_approved_keeping_the_history(meeting):
    _all_present(meeting)
    _decide_all(meeting)
    minutes = _ended(meeting)
    minutes_save(actor=person(CLERK), minutes=minutes, body=draft_text(meeting))
    minutes = minutes_circulate(actor=person(CLERK), minutes=minutes)
    stance = Stance.objects.get(attendance__position__code="head-fgw")
    with pytest.raises(MinutesError, match="除与现行法规、政策不符外") as exc:
        amendment_request(
            actor=person("head-fgw"),
            stance=stance,
            grounds="other",
            explanation="想改",
            new_value="disagree",
            new_remarks="再议",
        )
    assert exc.value.citation.endswith("第四十四条第三款")
    with pytest.raises(MinutesError, match="提出修改意见的单位"):
        amendment_request(
            actor=person("head-education"),
            stance=stance,
            grounds="policy",
            explanation="x",
            new_value="disagree",
            new_remarks="y",
        )
    amendment = amendment_request(
        actor=person("head-fgw"),
        stance=stance,
        grounds="policy",
        explanation="所作表态与省里新出台的政策不符",
        new_value="agree",
        new_remarks="按省政策调整后同意",
    )
    others = {c.unit.code for c in amendment.countersigns.all()}
    assert "fgw" not in others and others  # the other participating units countersign
    with pytest.raises(MinutesError, match="有表态修改尚未审定"):
        minutes_sign(actor=person("mayor"), minutes=minutes)
    for code in others:
        unit = Unit.objects.get(code=code)
        head = Position.objects.get(kind="principal_head", unit=unit).code
        amendment = amendment_countersign(actor=person(head), amendment=amendment, unit=unit, agreed=True)
    assert amendment.state == Amendment.State.WITH_CHAIR
    amendment = amendment_decide(actor=person("mayor"), amendment=amendment, approve=True)
    stance.refresh_from_db()
    assert (stance.value, stance.remarks, stance.revision) == ("agree", "按省政策调整后同意", 2)
    assert [(r.revision, r.remarks) for r in stance.revisions.all()] == [(1, "")]
    assert amendment.late is False and Deadline.objects.get(pk=amendment.deadline_id).state == "met"
    assert minutes_sign(actor=person("mayor"), minutes=minutes).state == "signed"


@pytest.mark.rule("minutes.amend")
def test_44_3_a_chair_who_decides_after_two_working_days_is_recorded_late(meeting):
    _all_present(meeting)
    _decide_all(meeting)
    minutes = _ended(meeting)
    minutes_save(actor=person(CLERK), minutes=minutes, body=draft_text(meeting))
    minutes_circulate(actor=person(CLERK), minutes=minutes)
    stance = Stance.objects.get(attendance__position__code="head-fgw")
    amendment = amendment_request(
        actor=person("head-fgw"),
        stance=stance,
        grounds="law",
        explanation="与条例不符",
        new_value="agree",
        new_remarks="修正",
    )
    for c in amendment.countersigns.select_related("unit"):
        head = Position.objects.get(kind="principal_head", unit=c.unit).code
        amendment = amendment_countersign(actor=person(head), amendment=amendment, unit=c.unit, agreed=True)
    late = amendment.deadline.due_at + dt.timedelta(days=1)
    amendment = amendment_decide(actor=person("mayor"), amendment=amendment, approve=True, at=late)
    assert amendment.late is True


def circulated_meeting(title: str = "市政府第30次常务会议") -> Minutes:
    """A meeting recorded in full, ended and its draft circulated (for the API and CLI tests)."""
    topic = _approved(f"关于{title}审议事项的议题")
    meeting = meeting_schedule(
        actor=person(CLERK),
        form=MeetingForm(
            kind="executive",
            title=title,
            starts_at=timezone.now() - dt.timedelta(hours=3),
            venue="市政府第一会议室",
            video=False,
            chair=Position.objects.get(code="mayor"),
            topics=[topic],
        ),
    )
    _all_present(meeting)
    _decide_all(meeting)
    minutes = _ended(meeting)
    minutes_save(actor=person(CLERK), minutes=minutes, body=draft_text(meeting))
    return minutes_circulate(actor=person(CLERK), minutes=minutes)


@pytest.mark.rule("minutes.issue", "minutes.amend")
def test_the_demo_has_a_meeting_in_each_state_and_loads_once():
    from cityhall.meetings.demo import load_meetings, load_topics

    load_demo()
    load_topics()
    assert load_meetings() == 6 and load_meetings() == 0
    states = {(m.state, m.minutes_or_none.state if m.minutes_or_none else None) for m in Meeting.objects.all()}
    assert states == {("scheduled", None), ("held", "drafting"), ("held", "circulated"), ("held", "issued")}
    overdue = [m for m in Minutes.objects.filter(state="drafting") if m.deadline.is_overdue()]
    assert len(overdue) == 1
    assert Minutes.objects.filter(meeting__entrusted=True, state="issued").count() == 1
    assert Amendment.objects.filter(state="countersigning").count() == 1
    from cityhall.meetings.models import PlanEntry

    assert sorted(PlanEntry.objects.values_list("state", flat=True)) == ["consented", "submitted", "with_leader"]
