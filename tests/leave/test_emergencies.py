"""Major emergencies reported level by level, or straight up when there is no time (Art 56)."""

from __future__ import annotations

import datetime as dt

import pytest

from cityhall.leave.emergencies import (
    EmergencyError,
    EmergencyForm,
    direct_targets,
    emergency_acknowledge,
    emergency_report,
    levels,
    timeline,
)
from cityhall.leave.models import EmergencyStep
from cityhall.org.demo import load_demo
from cityhall.org.models import Position, Unit
from cityhall.rules import InvalidInput
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow.models import Deadline, InboxItem
from cityhall.workflow.worker import run_once
from tests.meetings.test_topics import person

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def demo() -> None:
    load_demo()


def flood(**changes) -> EmergencyForm:  # type: ignore[no-untyped-def]
    values = {
        "category": "disaster",
        "title": "清原县南口前镇山洪",
        "place": "清原满族自治县南口前镇",
        "occurred_at": NOW - dt.timedelta(minutes=40),
        "reporting_unit": Unit.objects.get(code="qingyuan"),
        "competent_unit": Unit.objects.get(code="water"),
        "summary": "强降雨引发山洪，冲毁道路两处，转移群众120人，暂无人员伤亡。",
        "plan_activated": "清原县防汛应急预案（Ⅲ级响应）",
        "on_scene": "县长、分管副县长",
        "on_scene_at": NOW - dt.timedelta(minutes=25),
    }
    return EmergencyForm(**(values | changes))


@pytest.mark.rule("emergency.direct-report")
def test_56_a_county_reports_level_by_level_through_the_department_the_vice_mayor_and_the_executive(demo):
    chain = levels(Unit.objects.get(code="qingyuan"), Unit.objects.get(code="water"), NOW)
    assert [(lv.label, lv.position.code) for lv in chain] == [
        ("市政府相关部门", "head-water"),
        ("分管副市长", "vice-mayor-5"),
        ("负责日常工作的副市长或市长", "vice-mayor-1"),
    ]
    # When the supervising vice mayor is the executive one, the top is the mayor.
    top = levels(Unit.objects.get(code="finance"), Unit.objects.get(code="finance"), NOW)
    assert [lv.position.code for lv in top] == ["vice-mayor-1", "mayor"]
    report = emergency_report(actor=person("head-qingyuan"), form=flood(), at=NOW)
    first = report.steps.get()
    assert (first.recipient.code, first.direct) == ("head-water", False)
    emergency_acknowledge(actor=person("head-water"), step=first, at=NOW + dt.timedelta(minutes=3))
    second = report.steps.get(recipient__code="vice-mayor-5")
    assert second.sent_by == person("head-water")
    rows = timeline(report)
    assert [r["minutes"] for r in rows] == [0, 15, 40, 43, 43]


@pytest.mark.rule("emergency.direct-report")
def test_56_no_time_a_report_goes_straight_to_the_vice_mayor_with_the_levels_skipped_and_the_reason(demo):
    targets = {
        t.position.code for t in direct_targets(Unit.objects.get(code="qingyuan"), Unit.objects.get(code="water"), NOW)
    }
    assert targets == {"secretary-general", "vice-mayor-5", "mayor"}
    with pytest.raises(InvalidInput, match="理由"):
        emergency_report(
            actor=person("head-qingyuan"), form=flood(direct_to=Position.objects.get(code="vice-mayor-5")), at=NOW
        )
    with pytest.raises(EmergencyError, match="不在其列") as refused:
        emergency_report(
            actor=person("head-qingyuan"),
            form=flood(direct_to=Position.objects.get(code="vice-mayor-2"), reason="情况紧急"),
            at=NOW,
        )
    assert refused.value.citation.endswith("第五十六条")
    report = emergency_report(
        actor=person("head-qingyuan"),
        form=flood(direct_to=Position.objects.get(code="vice-mayor-5"), reason="情况紧急"),
        at=NOW,
    )
    step = report.steps.get()
    assert step.direct and step.reason == "情况紧急" and step.skipped == "市政府相关部门（市水务局局长）"
    assert InboxItem.objects.get(assignee_position__code="vice-mayor-5", state="open").title.startswith(
        "【紧急】越级直报"
    )
    emergency_acknowledge(actor=person("vice-mayor-5"), step=step, at=NOW + dt.timedelta(minutes=2))
    assert report.steps.filter(recipient__code="vice-mayor-1").exists()


@pytest.mark.rule("emergency.acknowledge")
def test_56_a_report_not_acknowledged_in_fifteen_minutes_goes_up_and_the_secretary_general_is_told(demo):
    report = emergency_report(actor=person("head-qingyuan"), form=flood(), at=NOW)
    step = report.steps.get()
    assert step.deadline.due_at == NOW + dt.timedelta(minutes=15)
    run_once(NOW + dt.timedelta(minutes=14))
    assert report.steps.count() == 1
    run_once(NOW + dt.timedelta(minutes=15, seconds=1))
    step.refresh_from_db()
    assert step.deadline.state == Deadline.State.FIRED
    up = report.steps.get(recipient__code="vice-mayor-5")
    assert up.automatic and up.sent_by is None and "15分钟未签收" in up.reason
    assert InboxItem.objects.filter(assignee_position__code="secretary-general", key=f"overdue-{step.pk}").exists()
    # A late acknowledgement is still recorded, and does not send it twice.
    emergency_acknowledge(actor=person("head-water"), step=step, at=NOW + dt.timedelta(minutes=20))
    assert report.steps.filter(recipient__code="vice-mayor-5").count() == 1
    with pytest.raises(EmergencyError, match="不能签收"):
        emergency_acknowledge(actor=person("vice-mayor-2"), step=up, at=NOW + dt.timedelta(minutes=21))


def test_56_a_report_needs_its_facts(demo):
    with pytest.raises(InvalidInput, match="启动的应急预案"):
        emergency_report(actor=person("head-qingyuan"), form=flood(plan_activated=""), at=NOW)
    with pytest.raises(InvalidInput, match="不能晚于现在"):
        emergency_report(actor=person("head-qingyuan"), form=flood(occurred_at=NOW + dt.timedelta(hours=1)), at=NOW)
    with pytest.raises(InvalidInput, match="不在"):
        emergency_report(actor=person("head-xinbin"), form=flood(), at=NOW)
    assert not EmergencyStep.objects.exists()
