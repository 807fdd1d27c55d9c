"""Topics through the chain of Art 40 ¶2 (and Art 39 for the plenary), and the gate of Art 43 ¶1 and Art 26."""

from __future__ import annotations

import datetime as dt

import pytest

from cityhall.meetings.models import Topic, TopicAction
from cityhall.meetings.services import (
    TopicError,
    TopicForm,
    materials_review,
    schedule_refusals,
    topic_decide,
    topic_resubmit,
    topic_submit,
)
from cityhall.org.demo import load_demo
from cityhall.org.models import Person, Position, Unit
from cityhall.org.services import absence_record
from cityhall.rules import InvalidInput
from cityhall.workflow.models import AuditEvent, InboxItem

pytestmark = pytest.mark.django_db


def person(code: str) -> Person:
    return Position.objects.get(code=code).holdings.get(end__isnull=True).person


def form(**changes) -> TopicForm:
    values = {
        "meeting_kind": "executive",
        "matter": "关于2027年市级重大项目谋划储备的议题",
        "host_unit": Unit.objects.get(code="fgw"),
        "reporting_unit": Unit.objects.get(code="fgw"),
        "basis": "依据《抚顺市国民经济和社会发展第十四个五年规划》，提请审议2027年重大项目储备清单。",
        "legality_review_needed": False,
        "legality_review_done": False,
        "materials": "项目清单、资金测算表",
        "consultations": [(Unit.objects.get(code="finance"), "同意，资金按年度预算安排。")],
    }
    return TopicForm(**(values | changes))


@pytest.fixture
def demo():
    load_demo()


def open_items(topic: Topic) -> list[InboxItem]:
    return list(InboxItem.objects.filter(subject_id=str(topic.pk), kind="meetings.topic", state="open"))


@pytest.mark.rule("meeting.executive-topics", "meeting.topic-approved", "meeting.materials-review")
def test_40_2_a_topic_goes_office_then_secretary_general_then_executive_vice_mayor_then_mayor(demo):
    topic = topic_submit(actor=person("head-fgw"), form=form())
    assert (topic.state, topic.step) == ("in_review", "office_collects")
    [item] = open_items(topic)
    assert item.unit == Unit.objects.get(kind=Unit.Kind.GENERAL_OFFICE) and item.assignee_position is None
    assert schedule_refusals(topic)[0].citation.endswith("第四十三条第一款")

    steps = [
        ("office-clerk-1", "secretary_general_checks", "secretary-general"),
        ("secretary-general", "executive_vice_mayor_reviews", "vice-mayor-1"),
        ("vice-mayor-1", "mayor_decides", "mayor"),
    ]
    for who, next_step, next_position in steps:
        topic = topic_decide(actor=person(who), topic=topic, decision="pass")
        assert (topic.state, topic.step) == ("in_review", next_step)
        [item] = open_items(topic)
        assert item.assignee_position.code == next_position
    topic = topic_decide(actor=person("mayor"), topic=topic, decision="pass")
    assert topic.state == "approved" and topic.step == "" and topic.decided_at is not None
    assert open_items(topic) == []
    # Art 43 ¶2: decided, but its materials still wait for the office's pre-review.
    [refusal] = schedule_refusals(topic)
    assert refusal.rule_id == "meeting.materials-review" and refusal.citation.endswith("第四十三条第二款")
    with pytest.raises(TopicError, match="市政府办公室前置审核把关"):
        materials_review(actor=person("head-fgw"), topic=topic)
    topic = materials_review(actor=person("office-clerk-1"), topic=topic, note="材料齐全")
    assert schedule_refusals(topic) == []
    with pytest.raises(TopicError, match="已经前置审核通过"):
        materials_review(actor=person("office-clerk-1"), topic=topic)
    decisions = list(topic.actions.values_list("decision", "step"))
    assert decisions == [
        ("submit", ""),
        ("pass", "office_collects"),
        ("pass", "secretary_general_checks"),
        ("pass", "executive_vice_mayor_reviews"),
        ("pass", "mayor_decides"),
    ]
    assert (
        AuditEvent.objects.filter(action__startswith="topic.", subject_id=str(topic.pk)).count() == 6
    )  # the five acts and the materials review


@pytest.mark.rule("meeting.executive-topics")
def test_40_2_a_step_out_of_turn_is_refused_with_the_step_named(demo):
    topic = topic_submit(actor=person("head-fgw"), form=form())
    with pytest.raises(TopicError, match="这一环节是“市政府办公室征集、汇总”，不由您办理") as exc:
        topic_decide(actor=person("mayor"), topic=topic, decision="pass")
    assert exc.value.citation.endswith("第四十条第二款")
    topic_decide(actor=person("office-clerk-1"), topic=topic, decision="pass")
    with pytest.raises(TopicError, match="已经办理过"):
        topic_decide(actor=person("office-clerk-2"), topic=topic, decision="pass", step="office_collects")


@pytest.mark.rule("meeting.executive-topics")
def test_40_2_a_returned_topic_is_corrected_and_starts_again_at_the_office(demo):
    topic = topic_submit(actor=person("head-fgw"), form=form())
    topic = topic_decide(actor=person("office-clerk-1"), topic=topic, decision="pass")
    with pytest.raises(InvalidInput, match="须写明理由"):
        topic_decide(actor=person("secretary-general"), topic=topic, decision="return")
    topic = topic_decide(
        actor=person("secretary-general"), topic=topic, decision="return", reason="请补充市财政局对资金来源的意见。"
    )
    assert topic.state == "returned"
    [item] = open_items(topic)
    assert item.assignee_person == person("head-fgw") and item.title.startswith("退回修改")
    with pytest.raises(TopicError, match="只有抚顺市发展和改革委员会可以修改"):
        topic_resubmit(actor=person("head-finance"), topic=topic, form=form())
    topic = topic_resubmit(actor=person("head-fgw"), topic=topic, form=form(basis="补充了资金来源：市级预算内投资。"))
    assert (topic.state, topic.step) == ("in_review", "office_collects")
    assert topic.basis == "补充了资金来源：市级预算内投资。"
    returned = topic.actions.get(decision="return")
    assert returned.step == "secretary_general_checks" and "资金来源" in returned.reason


@pytest.mark.rule("meeting.executive-topics")
def test_40_2_a_deferred_topic_waits_on_the_same_desk(demo):
    topic = topic_submit(actor=person("head-fgw"), form=form())
    topic = topic_decide(actor=person("office-clerk-1"), topic=topic, decision="defer", reason="待下周议题一并汇总")
    assert (topic.state, topic.step) == ("deferred", "office_collects")
    [item] = open_items(topic)
    assert item.title.startswith("暂缓")
    topic = topic_decide(actor=person("office-clerk-2"), topic=topic, decision="pass")
    assert (topic.state, topic.step) == ("in_review", "secretary_general_checks")


@pytest.mark.rule("meeting.executive-topics", "acting.mayor-away")
def test_40_2_when_the_mayor_is_away_the_acting_leader_decides_on_the_mayors_behalf(demo):
    topic = topic_submit(actor=person("head-fgw"), form=form())
    for who in ("office-clerk-1", "secretary-general", "vice-mayor-1"):
        topic = topic_decide(actor=person(who), topic=topic, decision="pass")
    now = dt.datetime.now(dt.UTC)
    absence_record(
        actor=None,
        position=Position.objects.get(code="mayor"),
        start=now - dt.timedelta(hours=1),
        end=now + dt.timedelta(days=1),
        reason="赴京汇报",
    )
    topic = topic_decide(actor=person("vice-mayor-1"), topic=topic, decision="pass")
    assert topic.state == "approved"
    act = topic.actions.get(step="mayor_decides")
    assert act.actor == person("vice-mayor-1") and act.on_behalf_of == person("mayor")


@pytest.mark.rule("meeting.executive-topics")
def test_only_the_host_units_staff_may_apply_and_the_form_must_be_complete(demo):
    with pytest.raises(TopicError, match="只能以本单位名义申报议题"):
        topic_submit(actor=person("head-finance"), form=form())
    with pytest.raises(InvalidInput, match="请填写议题名称"):
        topic_submit(actor=person("head-fgw"), form=form(matter="  "))
    with pytest.raises(InvalidInput, match="请填写抚顺市财政局的意见"):
        topic_submit(actor=person("head-fgw"), form=form(consultations=[(Unit.objects.get(code="finance"), "")]))
    with pytest.raises(InvalidInput, match="请选择会议类型"):
        topic_submit(actor=person("head-fgw"), form=form(meeting_kind="business"))
    assert not Topic.objects.exists()


@pytest.mark.rule("decision.legality-review")
def test_26_a_topic_needing_legality_review_cannot_go_to_a_meeting_until_it_is_done(demo):
    topic = topic_submit(actor=person("head-fgw"), form=form(legality_review_needed=True))
    for who in ("office-clerk-1", "secretary-general", "vice-mayor-1", "mayor"):
        topic = topic_decide(actor=person(who), topic=topic, decision="pass")
    topic = materials_review(actor=person("office-clerk-1"), topic=topic)
    [refusal] = schedule_refusals(topic)
    assert refusal.rule_id == "decision.legality-review" and refusal.citation.endswith("第二十六条第一款")
    assert TopicAction.objects.filter(topic=topic).count() == 5


def test_a_unit_that_neither_hosts_nor_was_consulted_cannot_open_the_topic(demo, client):
    from cityhall.org.demo import DEMO_PASSWORD

    topic = topic_submit(actor=person("head-fgw"), form=form())
    client.login(username="education", password=DEMO_PASSWORD)
    response = client.get(f"/meetings/topics/{topic.pk}/")
    assert response.status_code == 403 and "这项议题与您的单位和职务无关" in response.content.decode()
    assert f"/meetings/topics/{topic.pk}/" not in client.get("/meetings/").content.decode()
    assert client.post(f"/meetings/topics/{topic.pk}/decide/", {"decision": "pass"}).status_code == 403
    client.login(username="finance", password=DEMO_PASSWORD)  # consulted: may read, may not decide
    assert client.get(f"/meetings/topics/{topic.pk}/").status_code == 200
    client.post(f"/meetings/topics/{topic.pk}/decide/", {"decision": "pass", "step": "office_collects"})
    topic.refresh_from_db()
    assert topic.step == "office_collects"
    assert client.get("/meetings/topics/new/").status_code == 200  # a department may apply
    client.login(username="clerk", password=DEMO_PASSWORD)
    response = client.get("/meetings/topics/new/")
    assert response.status_code == 403 and "只有县（区）政府和市政府各部门可以申报会议议题" in response.content.decode()
