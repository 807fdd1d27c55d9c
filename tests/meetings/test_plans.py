"""Planned meetings and activities (Art 45–46): the monthly plan, city-wide meetings, national ones."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from cityhall.documents.services import document_create_incoming, document_submit
from cityhall.meetings.models import MonthlyPlan, PlanEntry
from cityhall.meetings.plans import (
    EntryForm,
    PlanError,
    entry_apply,
    entry_coordinate,
    entry_decide,
    entry_link_request,
    entry_reply,
    month_grid,
    plan_approve,
    plan_compile,
    submission_due,
)
from cityhall.org.demo import load_demo
from cityhall.org.models import Unit
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow.models import InboxItem

from .test_topics import person

pytestmark = pytest.mark.django_db
NOV = dt.datetime(2026, 11, 10, 10, 0, tzinfo=LOCAL_TZ)  # applying in November …
JAN = dt.datetime(2027, 1, 15, 9, 0, tzinfo=LOCAL_TZ)  # … for January: due by 2026-12-20


def form(**changes) -> EntryForm:  # type: ignore[no-untyped-def]
    values = {
        "category": "government",
        "host_unit": Unit.objects.get(code="fgw"),
        "title": "全市重点项目建设推进会议",
        "starts_at": JAN,
        "duration_minutes": 90,
        "venue": "市政府第一会议室",
        "video": True,
        "citywide": True,
    }
    return EntryForm(**(values | changes))


@pytest.fixture
def demo() -> None:
    load_demo()


@pytest.mark.rule("meeting-plan.submission")
def test_45_2_the_entry_is_due_by_the_20th_of_the_month_before(demo):
    assert submission_due(JAN) == dt.date(2026, 12, 20)
    assert submission_due(dt.datetime(2027, 3, 1, 9, 0, tzinfo=LOCAL_TZ)) == dt.date(2027, 2, 20)


@pytest.mark.rule("meeting-plan.approval", "meeting-plan.submission")
def test_45_2_the_leader_approves_the_office_compiles_and_the_mayor_approves_late_ones_flagged(demo):
    on_time, warnings = entry_apply(actor=person("head-fgw"), form=form(), at=NOV)
    assert warnings == [] and on_time.state == "with_leader" and on_time.leader.kind == "vice_mayor"
    with pytest.raises(PlanError, match="分管的"):
        entry_decide(
            actor=person("mayor") if on_time.leader.code != "mayor" else person("vice-mayor-2"),
            entry=on_time,
            approve=True,
            at=NOV,
        )
    leader = on_time.leader.holdings.get(end__isnull=True).person
    on_time = entry_decide(actor=leader, entry=on_time, approve=True, at=NOV)
    assert on_time.state == "submitted" and on_time.late is False
    assert InboxItem.objects.filter(key="plan:office", state="open").count() == 1

    dec21 = dt.datetime(2026, 12, 21, 10, 0, tzinfo=LOCAL_TZ)
    late, warnings = entry_apply(actor=person("head-fgw"), form=form(title="全市招商引资工作会议"), at=dec21)
    assert len(warnings) == 1 and "2026-12-20" in warnings[0].message and "第四十五条第二款" in warnings[0].message
    late = entry_decide(actor=leader, entry=late, approve=True, at=dec21)
    assert late.late is True and late.state == "submitted"

    with pytest.raises(PlanError, match="市政府办公室汇总"):
        plan_compile(actor=person("head-fgw"), month=JAN.date(), at=dec21)
    plan = plan_compile(actor=person("office-clerk-1"), month=JAN.date(), at=dec21)
    assert {e.title for e in plan.entries.all()} == {"全市重点项目建设推进会议", "全市招商引资工作会议"}
    assert InboxItem.objects.get(key=f"plan:mayor:{plan.pk}").assignee_position.code == "mayor"
    with pytest.raises(PlanError, match="报市长审定"):
        plan_approve(actor=person("vice-mayor-2"), plan=plan, at=dec21)
    plan = plan_approve(actor=person("mayor"), plan=plan, at=dec21)
    assert plan.state == MonthlyPlan.State.APPROVED
    assert set(PlanEntry.objects.values_list("state", flat=True)) == {"in_plan"}
    weeks = month_grid(JAN.date().replace(day=1), list(plan.entries.all()))
    assert all(len(w) == 7 for w in weeks) and weeks[0][0][0] == dt.date(2026, 12, 28)
    assert [e.title for d, es in itertools.chain.from_iterable(weeks) if d == dt.date(2027, 1, 15) for e in es] == [
        "全市重点项目建设推进会议",
        "全市招商引资工作会议",
    ]


@pytest.mark.rule("meeting.invite-leaders")
def test_45_2_inviting_party_congress_or_cppcc_leaders_waits_for_the_joint_meeting(demo):
    entry, _ = entry_apply(actor=person("head-fgw"), form=form(invites_leaders=True), at=NOV)
    entry = entry_decide(actor=entry.leader.holdings.get(end__isnull=True).person, entry=entry, approve=True, at=NOV)
    assert InboxItem.objects.get(key="plan:coordinate").assignee_position.code == "secretary-general"
    plan = plan_compile(actor=person("office-clerk-1"), month=JAN.date(), at=NOV)
    with pytest.raises(PlanError, match="尚未经市秘书长联席会议协调确定") as exc:
        plan_approve(actor=person("mayor"), plan=plan, at=NOV)
    assert exc.value.citation.endswith("第四十五条第二款")
    with pytest.raises(PlanError, match="由秘书长"):
        entry_coordinate(actor=person("office-clerk-1"), entry=entry, note="同意", at=NOV)
    entry_coordinate(
        actor=person("secretary-general"), entry=entry, note="联席会议确定：市人大常委会一位副主任出席", at=NOV
    )
    assert plan_approve(actor=person("mayor"), plan=plan, at=NOV).state == "approved"


@pytest.mark.rule("meeting.citywide-duration", "meeting.department-citywide")
def test_45_1_a_citywide_meeting_is_at_most_two_hours_by_video_where_possible_and_a_department_one_invites_no_county_heads(
    demo,
):
    with pytest.raises(PlanError, match="不超过2小时") as exc:
        entry_apply(actor=person("head-fgw"), form=form(duration_minutes=150), at=NOV)
    assert exc.value.citation.endswith("第四十五条第一款")
    _, warnings = entry_apply(actor=person("head-fgw"), form=form(video=False, title="现场会"), at=NOV)
    assert [w.rule_id for w in warnings] == ["meeting.citywide-duration"] and "视频会议" in warnings[0].message
    with pytest.raises(PlanError, match="不邀请县（区）政府负责人出席"):
        entry_apply(actor=person("head-fgw"), form=form(category="department", invites_county_heads=True), at=NOV)

    entry, _ = entry_apply(
        actor=person("head-fgw"), form=form(category="department", title="全市发展改革工作会议"), at=NOV
    )
    assert entry.submission_due is None  # not on the monthly plan
    request = document_submit(
        actor=person("head-fgw"),
        document=document_create_incoming(
            actor=person("head-fgw"),
            issuer_unit=Unit.objects.get(code="fgw"),
            kind="请示",
            title="关于召开全市发展改革工作会议的请示",
            body="拟于2027年1月召开全市发展改革工作会议，妥否，请批示。",
            addressees=["抚顺市人民政府"],
            signed_by_title="主任",
            signer_name="杭立言",
            contact_name="祁若水",
            contact_phone="024-12345678",
        ),
    )
    with pytest.raises(PlanError, match="须先报经市政府分管领导同志同意"):
        entry_link_request(actor=person("head-fgw"), entry=entry, document=request, at=NOV)
    entry = entry_decide(actor=entry.leader.holdings.get(end__isnull=True).person, entry=entry, approve=True, at=NOV)
    assert entry.state == "awaiting_request"
    assert entry_link_request(actor=person("head-fgw"), entry=entry, document=request, at=NOV).state == "requested"


@pytest.mark.rule("meeting.national-in-fushun")
def test_46_a_national_meeting_in_fushun_is_not_replied_to_before_the_city_government_consents(demo):
    entry, _ = entry_apply(
        actor=person("head-fgw"),
        form=form(
            category="national", title="全国资源型城市转型发展现场会", organiser="国家发展改革委", citywide=False
        ),
        at=NOV,
    )
    with pytest.raises(PlanError, match="经同意后方可答复和安排") as exc:
        entry_reply(actor=person("head-fgw"), entry=entry, at=NOV)
    assert exc.value.citation.endswith("第四十六条")
    entry = entry_decide(actor=entry.leader.holdings.get(end__isnull=True).person, entry=entry, approve=True, at=NOV)
    assert entry.state == "consented"
    assert entry_reply(actor=person("head-fgw"), entry=entry, at=NOV).state == "replied"
