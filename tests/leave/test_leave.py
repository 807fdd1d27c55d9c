"""Leave applications and their chain (Art 54): approval makes the absence that acting follows."""

from __future__ import annotations

import datetime as dt

import pytest

from cityhall.leave.models import LeaveRequest, ReportDuty
from cityhall.leave.services import (
    LeaveError,
    LeaveForm,
    chain_for,
    leave_act,
    leave_itinerary_change,
    leave_recall,
    leave_return,
    leave_submit,
    may_see_contact,
)
from cityhall.org.demo import load_demo
from cityhall.org.models import Absence, Position
from cityhall.org.selectors import positions_acted_for
from cityhall.rules import InvalidInput
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow.models import InboxItem
from tests.meetings.test_topics import person

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def demo() -> None:
    load_demo()


def pos(code: str) -> Position:
    return Position.objects.get(code=code)


def at(days: float, hour: int = 8) -> dt.datetime:
    return (NOW + dt.timedelta(days=days)).replace(hour=hour, minute=0)


def trip(code: str, start: dt.datetime, end: dt.datetime, **changes) -> LeaveForm:  # type: ignore[no-untyped-def]
    values = {
        "position": pos(code),
        "kind": LeaveRequest.Kind.TRIP,
        "purpose": LeaveRequest.Purpose.OFFICIAL,
        "reason": "赴沈阳参加全省营商环境工作会议",
        "start": start,
        "end": end,
        "destination": "沈阳",
        "itinerary": "12日上午出发，14日下午返回",
    }
    return LeaveForm(**(values | changes))


def open_items(code: str) -> list[InboxItem]:
    return list(InboxItem.objects.filter(assignee_position__code=code, state="open"))


def approve_through(req: LeaveRequest, when: dt.datetime, consent: bool = False) -> LeaveRequest:
    while req.state in LeaveRequest.PENDING:
        seat = {
            "reviewing": req.reviewer_position.code if req.reviewer_position else "",
            "compiling": "secretary-general",
            "deciding": "mayor",
        }[req.state]
        action = "approve" if req.state == LeaveRequest.State.DECIDING else "forward"
        req = leave_act(actor=person(seat), request=req, action=action, consent=consent, at=when)
    return req


@pytest.mark.rule("leave.report-to-mayor")
def test_54_1_a_vice_mayor_reports_to_the_mayor_through_the_secretary_general_and_the_others_are_notified(demo):
    req = leave_submit(actor=person("vice-mayor-3"), form=trip("vice-mayor-3", at(5), at(7, 18)), at=NOW)
    assert req.track == LeaveRequest.Track.REPORT and req.state == LeaveRequest.State.COMPILING
    assert not req.late
    assert [i.title[:4] for i in open_items("secretary-general")] == ["请假汇总"]
    with pytest.raises(LeaveError, match="由秘书长办理"):
        leave_act(actor=person("mayor"), request=req, action="approve", at=NOW)
    req = leave_act(actor=person("secretary-general"), request=req, action="forward", at=NOW)
    assert req.state == LeaveRequest.State.DECIDING and not open_items("secretary-general")
    assert Absence.objects.filter(person=req.person).count() == 0  # nothing happens before approval
    req = leave_act(actor=person("mayor"), request=req, action="approve", at=NOW)
    assert req.state == LeaveRequest.State.APPROVED and req.absence is not None
    assert (req.absence.start, req.absence.end, req.absence.away_from_city) == (req.start, req.end, True)
    # ¶1: the office notifies the other leaders (知会): every vice mayor but vm3, and the secretary-general.
    notified = set(
        InboxItem.objects.filter(key="notice", for_reading=True).values_list("assignee_position__code", flat=True)
    )
    assert notified == {
        "vice-mayor-1",
        "vice-mayor-2",
        "vice-mayor-4",
        "vice-mayor-5",
        "vice-mayor-6",
        "secretary-general",
    }


@pytest.mark.rule("acting.ab-partner")
def test_54_approval_starts_acting_and_an_early_return_ends_it(demo):
    req = approve_through(
        leave_submit(actor=person("vice-mayor-3"), form=trip("vice-mayor-3", at(5), at(7, 18)), at=NOW), NOW
    )
    vm4 = person("vice-mayor-4")
    assert "vice-mayor-3" in {a.position.code for a in positions_acted_for(vm4, at(6, 10))}
    assert not positions_acted_for(vm4, at(4, 10))
    leave_return(actor=person("vice-mayor-3"), request=req, at=at(6, 12), returned_at=at(6, 11))
    assert "vice-mayor-3" in {a.position.code for a in positions_acted_for(vm4, at(6, 10))}
    assert not positions_acted_for(vm4, at(6, 12))
    req.refresh_from_db()
    assert req.absence.end == at(6, 11)
    assert [s.action for s in req.steps.all()][-1] == "leave.return"


@pytest.mark.rule("leave.notice")
def test_54_2_a_county_head_two_days_ahead_is_taken_and_flagged_for_the_approver(demo):
    req = leave_submit(actor=person("head-xinbin"), form=trip("head-xinbin", at(2), at(4, 18)), at=NOW)
    assert req.track == LeaveRequest.Track.APPROVAL and req.late
    assert "提前3天" in req.late_text and "2026-12-06" in req.late_text and "提前2天" in req.late_text
    # No vice mayor supervises the county in the demo: it goes straight to the secretary-general.
    assert req.state == LeaveRequest.State.COMPILING
    assert "未按时申请" in open_items("secretary-general")[0].title
    on_time = leave_submit(actor=person("head-fgw"), form=trip("head-fgw", at(3), at(4, 18)), at=NOW)
    assert not on_time.late and on_time.state == LeaveRequest.State.REVIEWING
    assert on_time.reviewer_position.code == "vice-mayor-1"  # fgw's supervising vice mayor reviews first


@pytest.mark.rule("leave.pairing")
def test_54_2_a_deputy_secretary_general_away_with_their_vice_mayor_waits_for_the_mayors_consent(demo):
    approve_through(
        leave_submit(actor=person("vice-mayor-3"), form=trip("vice-mayor-3", at(5), at(7, 18)), at=NOW), NOW
    )
    req = leave_submit(
        actor=person("deputy-secretary-general-3"), form=trip("deputy-secretary-general-3", at(5), at(7, 18)), at=NOW
    )
    assert req.reviewer_position.code == "vice-mayor-3" and "同时离抚" in req.pairing_text
    req = leave_act(actor=person("vice-mayor-3"), request=req, action="forward", at=NOW)
    req = leave_act(actor=person("secretary-general"), request=req, action="forward", at=NOW)
    assert "待市长同意" in open_items("mayor")[0].title
    with pytest.raises(LeaveError, match="同意同时离抚") as refused:
        leave_act(actor=person("mayor"), request=req, action="approve", at=NOW)
    assert refused.value.citation.endswith("第五十四条第二款")
    req = leave_act(actor=person("mayor"), request=req, action="approve", consent=True, at=NOW)
    assert req.mayor_consented and req.absence.mayor_consented
    other = leave_submit(
        actor=person("deputy-secretary-general-4"), form=trip("deputy-secretary-general-4", at(5), at(7, 18)), at=NOW
    )
    assert other.pairing_text == ""  # vm4 is not away


@pytest.mark.rule("leave.annual-notice")
def test_54_3_annual_leave_is_applied_for_a_week_ahead_with_cover_and_a_contact_number(demo):
    annual = {
        "kind": LeaveRequest.Kind.ANNUAL,
        "purpose": LeaveRequest.Purpose.PERSONAL,
        "reason": "年休假",
        "destination": "大连",
    }
    with pytest.raises(InvalidInput, match="妥善安排分管工作"):
        leave_submit(actor=person("head-education"), form=trip("head-education", at(8), at(12), **annual), at=NOW)
    with pytest.raises(InvalidInput, match="联系电话"):
        leave_submit(
            actor=person("head-education"),
            form=trip("head-education", at(8), at(12), cover_arrangement="副局长负责", **annual),
            at=NOW,
        )
    req = leave_submit(
        actor=person("head-education"),
        form=trip(
            "head-education",
            at(6),
            at(12),
            cover_arrangement="日常工作由常务副局长负责",
            contact_phone="139 0000 1234",
            **annual,
        ),
        at=NOW,
    )
    assert req.late and "提前1周" in req.late_text
    assert may_see_contact(person("head-education"), req, NOW) and may_see_contact(person("mayor"), req, NOW)
    assert may_see_contact(person("vice-mayor-4"), req, NOW)  # the reviewing vice mayor may recall
    assert not may_see_contact(person("head-fgw"), req, NOW)


@pytest.mark.rule("leave.annual-duties")
def test_54_3_a_recall_ends_annual_leave_and_a_changed_itinerary_is_reported(demo):
    annual = {
        "kind": LeaveRequest.Kind.ANNUAL,
        "purpose": LeaveRequest.Purpose.PERSONAL,
        "reason": "年休假",
        "destination": "大连",
        "cover_arrangement": "常务副局长负责",
        "contact_phone": "13900001234",
    }
    req = approve_through(
        leave_submit(actor=person("head-education"), form=trip("head-education", at(8), at(12), **annual), at=NOW), NOW
    )
    with pytest.raises(InvalidInput, match="理由"):
        leave_recall(actor=person("mayor"), request=req, reason=" ", at=at(9))
    with pytest.raises(LeaveError, match="中止年休假"):
        leave_recall(actor=person("head-fgw"), request=req, reason="工作需要", at=at(9))
    req = leave_itinerary_change(
        actor=person("head-education"), request=req, itinerary="改赴丹东", end=at(11), at=at(9)
    )
    assert req.end == at(11) and req.itinerary_changes.get().previous_end == at(12)
    assert Absence.objects.get(pk=req.absence_id).end == at(11)
    req = leave_recall(actor=person("mayor"), request=req, reason="防汛工作需要，立即返岗", at=at(10))
    assert Absence.objects.get(pk=req.absence_id).end == at(10)
    assert InboxItem.objects.filter(key="recall", assignee_person=req.person).exists()


@pytest.mark.rule("trip.return-report")
def test_55_4_a_four_day_trip_owes_a_report_three_days_after_the_real_return(demo):
    req = approve_through(
        leave_submit(actor=person("vice-mayor-5"), form=trip("vice-mayor-5", at(5), at(8, 18)), at=NOW), NOW
    )
    duty = ReportDuty.objects.get(leave_request=req)
    assert duty.due_date == dt.date(2026, 12, 18)  # planned return 12-15, + 3 days
    leave_return(actor=person("vice-mayor-5"), request=req, at=at(7, 20), returned_at=at(7, 19))
    duty.refresh_from_db()
    assert duty.anchor_date == dt.date(2026, 12, 14) and duty.due_date == dt.date(2026, 12, 17)
    assert InboxItem.objects.filter(assignee_person=req.person, key="file", state="open").count() == 1
    short = approve_through(
        leave_submit(actor=person("vice-mayor-6"), form=trip("vice-mayor-6", at(5), at(6, 18)), at=NOW), NOW
    )
    assert not ReportDuty.objects.filter(leave_request=short).exists()  # 2 days: no report


def test_54_the_mayor_and_staff_outside_article_54_do_not_apply_here(demo):
    with pytest.raises(LeaveError, match="市长离抚由市政府办公室登记"):
        chain_for(pos("mayor"), NOW)
    with pytest.raises(LeaveError, match="本单位的请销假制度"):
        chain_for(pos("office-clerk-1"), NOW)
    with pytest.raises(InvalidInput, match="不任"):
        leave_submit(actor=person("vice-mayor-2"), form=trip("vice-mayor-3", at(5), at(7)), at=NOW)
    with pytest.raises(InvalidInput, match="晚于出发时间"):
        leave_submit(actor=person("vice-mayor-3"), form=trip("vice-mayor-3", at(5), at(4)), at=NOW)
    leave_submit(actor=person("vice-mayor-3"), form=trip("vice-mayor-3", at(5), at(7)), at=NOW)
    with pytest.raises(InvalidInput, match="时间重叠"):
        leave_submit(actor=person("vice-mayor-3"), form=trip("vice-mayor-3", at(6), at(8)), at=NOW)


@pytest.mark.rule("report.meeting")
def test_55_3_after_a_national_meeting_the_report_is_due_within_five_working_days(demo):
    from cityhall.leave.reports import duty_file, meeting_duty_create

    with pytest.raises(InvalidInput, match="会议结束后"):
        meeting_duty_create(
            actor=person("head-finance"), meeting="全国财政工作会议", ended_on=dt.date(2026, 12, 9), at=NOW
        )
    duty = meeting_duty_create(
        actor=person("head-finance"), meeting="全国财政工作会议", ended_on=dt.date(2026, 12, 4), at=NOW
    )
    assert duty.due_date == dt.date(2026, 12, 11)  # Fri 12-04 + 5 working days
    assert duty.deadline.rule_id == "report.meeting"
    with pytest.raises(InvalidInput, match="不能少于10个字"):
        duty_file(actor=person("head-finance"), duty=duty, text="已参会", at=NOW)
    duty = duty_file(
        actor=person("head-finance"), duty=duty, text="会议部署了明年财政工作，建议抓紧谋划专项债项目。", at=NOW
    )
    duty.deadline.refresh_from_db()
    assert duty.state == ReportDuty.State.FILED and duty.deadline.state == "met"
    assert InboxItem.objects.filter(key="read", assignee_position__code="mayor").exists()


@pytest.mark.rule("report.province-request")
def test_55_2_a_request_sent_to_the_province_is_followed_up_on_the_ledger(demo):
    from cityhall.leave.reports import province_request_track
    from cityhall.org.models import Unit
    from cityhall.supervision.models import Item

    with pytest.raises(InvalidInput, match="市政府工作部门"):
        province_request_track(
            actor=person("office-clerk-1"),
            title="关于请求支持抚顺采煤沉陷区治理的请示",
            lead_unit=Unit.objects.get(code="xinbin"),
            at=NOW,
        )
    item = province_request_track(
        actor=person("office-clerk-1"),
        title="关于请求支持抚顺采煤沉陷区治理的请示",
        lead_unit=Unit.objects.get(code="natural-resources"),
        partner_units=[Unit.objects.get(code="finance")],
        at=NOW,
    )
    assert item.category == Item.Category.COMPLEX and "第五十五条第二款" in item.task
    assert item.due_date == dt.date(2027, 1, 6)
    assert InboxItem.objects.filter(subject_id=str(item.pk), kind="supervision.item").exists()
