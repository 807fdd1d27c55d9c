"""Asking to miss a plenary, executive or mayor's office meeting (Art 54 ¶4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cityhall.leave.meeting_absence import absence_decide, absence_request
from cityhall.leave.models import MeetingAbsence
from cityhall.meetings.models import Attendance
from cityhall.org.demo import load_demo
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.workflow.models import InboxItem
from tests.e2e.test_minutes_journeys import _meeting
from tests.meetings.test_topics import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting():  # type: ignore[no-untyped-def]
    load_demo()
    return _meeting("市政府第40次常务会议", timezone.now() + dt.timedelta(days=3), "老旧小区改造")


def row(meeting, code: str) -> Attendance:  # type: ignore[no-untyped-def]
    return meeting.attendance.get(person=person(code))


@pytest.mark.rule("meeting.attendance")
def test_54_4_a_vice_mayor_asks_the_mayor_and_an_unlisted_reason_warns_but_passes(meeting):
    with pytest.raises(InvalidInput, match="只能为本人"):
        absence_request(actor=person("vice-mayor-4"), attendance=row(meeting, "vice-mayor-2"), reason="因公出差")
    req = absence_request(actor=person("vice-mayor-2"), attendance=row(meeting, "vice-mayor-2"), reason="陪同客商考察")
    assert req.warned and req.approver.code == "mayor" and req.state == MeetingAbsence.State.PENDING
    assert "原因不在所列情形" in InboxItem.objects.get(assignee_position__code="mayor", key="decide").title
    with pytest.raises(RuleViolation, match="您不能办理"):
        absence_decide(actor=person("vice-mayor-1"), absence=req, approve=True)
    req = absence_decide(actor=person("mayor"), absence=req, approve=True)
    a = row(meeting, "vice-mayor-2")
    assert (a.present, a.absence_reason, a.absence_warned) == (False, "陪同客商考察", True)
    assert a.absence_note.startswith("经市长同意")
    listed = absence_request(
        actor=person("vice-mayor-3"), attendance=row(meeting, "vice-mayor-3"), reason="因公出访或出差"
    )
    assert not listed.warned


@pytest.mark.rule("meeting.attendance")
def test_54_4_the_others_are_reported_to_the_mayor_by_the_office(meeting):
    head = (
        meeting.attendance.exclude(position__kind__in=["mayor", "vice_mayor", "secretary_general"])
        .exclude(position__kind="deputy_secretary_general")
        .select_related("person")
        .first()
    )
    if head is None:
        pytest.skip("the demo executive meeting has no department head on its list")
    req = absence_request(actor=head.person, attendance=head, reason="个人身体健康")
    assert req.approver is None and req.state == MeetingAbsence.State.TO_REPORT
    with pytest.raises(RuleViolation, match="市政府办公室报告市长"):
        absence_decide(actor=person("mayor"), absence=req, approve=True)
    req = absence_decide(actor=person("office-clerk-1"), absence=req, approve=True)
    assert req.state == MeetingAbsence.State.REPORTED
    assert InboxItem.objects.filter(assignee_position__code="mayor", key="read", for_reading=True).exists()
    head.refresh_from_db()
    assert head.present is False and head.absence_note.startswith("已报告市长")
