"""Scheduling a meeting: only approved topics (Art 43 ¶1), legality review first (Art 26 ¶1), and the
chair the kind's article names (Art 39–42; the executive vice mayor on entrustment, Art 40 ¶1)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from cityhall.meetings.models import Meeting
from cityhall.meetings.services import (
    MeetingForm,
    TopicError,
    chair_options,
    materials_review,
    meeting_schedule,
    topic_decide,
    topic_submit,
)
from cityhall.org.demo import load_demo
from cityhall.org.models import Position
from cityhall.rules import InvalidInput

from .test_topics import form, person

pytestmark = pytest.mark.django_db
NEXT_WEEK = dt.datetime(2026, 12, 14, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def approved():
    load_demo()
    topic = topic_submit(actor=person("head-fgw"), form=form())
    for who in ("office-clerk-1", "secretary-general", "vice-mayor-1", "mayor"):
        topic = topic_decide(actor=person(who), topic=topic, decision="pass")
    return materials_review(actor=person("office-clerk-1"), topic=topic)


def meeting(topics, chair="mayor", kind="executive") -> MeetingForm:
    return MeetingForm(
        kind=kind,
        title="市政府第12次常务会议",
        starts_at=NEXT_WEEK,
        venue="市政府第一会议室",
        video=False,
        chair=Position.objects.get(code=chair),
        topics=topics,
    )


@pytest.mark.rule("meeting.topic-approved", "meeting.executive")
def test_43_1_an_approved_topic_is_scheduled_and_an_unapproved_one_refused(approved):
    pending = topic_submit(actor=person("head-fgw"), form=form(matter="关于某待审议题"))
    with pytest.raises(TopicError, match="议题“关于某待审议题”不能安排：议题尚未经市政府领导同志审核同意") as exc:
        meeting_schedule(actor=person("office-clerk-1"), form=meeting([approved, pending]))
    assert exc.value.citation.endswith("第四十三条第一款")
    assert not Meeting.objects.exists()
    scheduled = meeting_schedule(actor=person("office-clerk-1"), form=meeting([approved]))
    assert [a.topic for a in scheduled.agenda.all()] == [approved] and scheduled.entrusted is False
    with pytest.raises(TopicError, match="已列入市政府第12次常务会议"):
        meeting_schedule(actor=person("office-clerk-1"), form=meeting([approved]))


@pytest.mark.rule("decision.legality-review")
def test_26_1_a_topic_whose_legality_review_is_not_done_is_not_put_to_the_meeting(approved):
    topic = topic_submit(actor=person("head-fgw"), form=form(matter="关于某规范性文件", legality_review_needed=True))
    for who in ("office-clerk-1", "secretary-general", "vice-mayor-1", "mayor"):
        topic = topic_decide(actor=person(who), topic=topic, decision="pass")
    topic = materials_review(actor=person("office-clerk-1"), topic=topic)
    with pytest.raises(TopicError, match="不得提交市政府集体讨论") as exc:
        meeting_schedule(actor=person("office-clerk-1"), form=meeting([topic]))
    assert exc.value.citation.endswith("第二十六条第一款")


@pytest.mark.rule("meeting.executive", "meeting.plenary", "meeting.business")
def test_40_1_the_executive_vice_mayor_chairs_only_on_entrustment_and_others_not_at_all(approved):
    options = {p.code: entrusted for p, entrusted in chair_options("executive", NEXT_WEEK)}
    assert options == {"mayor": False, "vice-mayor-1": True}
    assert {p.code for p, _ in chair_options("plenary", NEXT_WEEK)} == {"mayor"}
    business = {p.kind for p, _ in chair_options("business", NEXT_WEEK)}
    assert business == {"vice_mayor", "secretary_general"}
    entrusted = meeting_schedule(actor=person("office-clerk-1"), form=meeting([approved], chair="vice-mayor-1"))
    assert entrusted.entrusted is True
    with pytest.raises(TopicError, match="不能主持市政府常务会议") as exc:
        meeting_schedule(actor=person("office-clerk-1"), form=meeting([], chair="vice-mayor-2"))
    assert exc.value.citation.endswith("第四十条第一款")


@pytest.mark.rule("meeting.topic-approved")
def test_43_1_only_the_office_organises_meetings_and_topics_keep_to_their_kind(approved):
    with pytest.raises(TopicError, match="会议的组织工作由市政府办公室负责"):
        meeting_schedule(actor=person("head-fgw"), form=meeting([approved]))
    with pytest.raises(TopicError, match="申报的是市政府常务会议"):
        meeting_schedule(actor=person("office-clerk-1"), form=meeting([approved], kind="plenary"))


@pytest.mark.rule("meeting.executive-frequency", "meeting.plenary-frequency")
def test_39_40_a_week_without_an_executive_meeting_and_a_half_year_without_a_plenary_warn():
    from cityhall.meetings.services import frequency_alerts

    load_demo()
    wednesday = dt.datetime(2026, 12, 9, 10, 0, tzinfo=dt.UTC)
    alerts = {a.kind: a for a in frequency_alerts(wednesday)}
    assert set(alerts) == {"executive", "plenary"}
    assert alerts["executive"].period_end == dt.date(2026, 12, 13)  # Sunday closes the week
    assert "本周（12-07至12-13）尚未安排市政府常务会议" in alerts["executive"].message
    assert alerts["executive"].citation.endswith("第四十条第二款")
    assert alerts["plenary"].period_end == dt.date(2026, 12, 31)
    assert alerts["plenary"].citation.endswith("第三十九条第一款")
    thursday = dt.datetime(2026, 12, 10, 1, 0, tzinfo=dt.UTC)  # 09:00 in Fushun
    meeting_schedule(
        actor=person("office-clerk-1"),
        form=MeetingForm(
            kind="executive",
            title="市政府第13次常务会议",
            starts_at=thursday,
            venue="",
            video=True,
            chair=Position.objects.get(code="mayor"),
            topics=[],
        ),
    )
    assert {a.kind for a in frequency_alerts(wednesday)} == {"plenary"}
    next_monday = dt.datetime(2026, 12, 14, 2, 0, tzinfo=dt.UTC)
    assert {a.kind for a in frequency_alerts(next_monday)} == {"executive", "plenary"}  # a new week


def test_the_meetings_page_warns_of_a_missing_executive_meeting_as_a_warning_only(client):
    from cityhall.org.demo import DEMO_PASSWORD

    load_demo()
    client.login(username="clerk", password=DEMO_PASSWORD)
    page = client.get("/meetings/").content.decode()
    assert "尚未安排市政府常务会议" in page and "仅作提示" in page and "第四十条第二款" in page


@pytest.mark.rule("meeting.reserved-item-4", "meeting.reserved-item-7", "decision.collective", "meeting.business")
def test_40_2_a_matter_reserved_for_the_executive_meeting_is_refused_at_a_business_meeting_naming_its_item():
    load_demo()
    form = meeting([], chair="vice-mayor-2", kind="business")
    with pytest.raises(TopicError, match=r"属于第四十条第二款第（四）项所列事项") as exc:
        meeting_schedule(
            actor=person("office-clerk-1"),
            form=dataclasses.replace(form, chair_topics=["研究全市工业园区重大建设项目安排"]),
        )
    assert exc.value.citation.endswith("第四十条第二款第（四）项")
    with pytest.raises(TopicError, match="属于重大决策事项") as exc:
        meeting_schedule(
            actor=person("office-clerk-1"),
            form=dataclasses.replace(form, chair_topics=["研究《抚顺市停车管理办法》市政府规章草案"]),
        )
    assert exc.value.citation.endswith("第二十四条")
    held = meeting_schedule(
        actor=person("office-clerk-1"),
        form=dataclasses.replace(form, chair_topics=["调度全市安全生产检查工作", "", "研究冬季供暖保障工作"]),
    )
    assert [a.topic.matter for a in held.agenda.all()] == ["调度全市安全生产检查工作", "研究冬季供暖保障工作"]
    assert {a.topic.state for a in held.agenda.all()} == {"approved"}
    with pytest.raises(InvalidInput, match="须经申报和审核"):
        meeting_schedule(
            actor=person("office-clerk-1"), form=dataclasses.replace(meeting([]), chair_topics=["某项议题"])
        )


@pytest.mark.rule(
    "meeting.reserved-item-2",
    "meeting.reserved-item-3",
    "meeting.reserved-item-4",
    "meeting.reserved-item-5",
    "meeting.reserved-item-6",
    "meeting.reserved-item-7",
    "meeting.reserved-item-9",
    "decision.collective",
)
@pytest.mark.parametrize(
    ("matter", "item"),
    [
        ("研究以市政府名义报告省政府的防汛工作情况", "（二）"),
        ("研究提请市委常委会审议的国企改革方案", "（三）"),
        ("研究2027年市级财政预算草案编制", "重大决策事项"),
        ("研究重大建设项目安排", "（四）"),
        ("研究提请市人大常委会审议的报告", "（五）"),
        ("研究以市政府名义印发的稳就业政策文件", "（六）"),
        ("研究市政府2027年立法计划", "（七）"),
        ("研究授予劳动模范荣誉称号", "（九）"),
    ],
)
def test_40_2_each_reserved_item_names_itself(matter, item):
    from cityhall.meetings.services import reserved_matter

    load_demo()
    refusal = reserved_matter(matter)
    assert refusal is not None and item in refusal.message
    assert reserved_matter("调度冬季供暖保障工作") is None


@pytest.mark.rule("meeting.invite", "meeting.executive")
def test_38_2_invited_leaders_are_recorded_and_everyone_listed_gets_the_notice(approved):
    from cityhall.workflow.models import InboxItem

    held = meeting_schedule(
        actor=person("office-clerk-1"),
        form=dataclasses.replace(meeting([approved]), invited="市人大常委会副主任（分管城建）"),
    )
    assert held.invited == "市人大常委会副主任（分管城建）"
    notices = InboxItem.objects.filter(kind="meetings.notice", subject_id=str(held.pk))
    assert {n.assignee_position_id for n in notices} == set(held.attendance.values_list("position_id", flat=True))
    assert all(n.for_reading and "12月14日 17:00" in n.title for n in notices)
