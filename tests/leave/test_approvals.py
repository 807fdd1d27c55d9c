"""The leaders' approvals of Ch. 12–13: speeches (Art 67), releases (Art 68), receptions and delegations
abroad (Art 72), congratulatory letters (Art 77)."""

from __future__ import annotations

import pytest

from cityhall.leave.approvals import (
    ApprovalError,
    ApprovalForm,
    approval_decide,
    approval_request,
    publishable,
    undecided_add,
)
from cityhall.leave.models import LeaderApproval
from cityhall.org.demo import load_demo
from cityhall.org.models import Position, Unit
from cityhall.rules import InvalidInput
from cityhall.workflow.models import InboxItem
from tests.meetings.test_topics import person

pytestmark = pytest.mark.django_db
S = LeaderApproval.State


@pytest.fixture
def demo() -> None:
    load_demo()


@pytest.mark.rule("speech.approval")
def test_67_a_leaders_speech_is_approved_by_the_mayor_and_undecided_matters_are_flagged(demo):
    with pytest.raises(ApprovalError, match="市政府办公室维护"):
        undecided_add(actor=person("head-fgw"), term="沈抚同城化新区规划")
    undecided_add(actor=person("office-clerk-1"), term="沈抚同城化新区规划")
    speech = approval_request(
        actor=person("vice-mayor-1"),
        form=ApprovalForm(kind="speech", title="在全市经济工作会议上的讲话", body="关于沈抚同城化新区规划的设想……"),
    )
    assert speech.state == S.PENDING and speech.approver.code == "mayor"
    assert any("沈抚同城化新区规划" in f for f in speech.flags)
    assert approval_decide(actor=person("mayor"), item=speech, approve=True).state == S.APPROVED
    plain = approval_request(
        actor=person("head-fgw"), form=ApprovalForm(kind="speech", title="谈谈项目谋划", body="个人体会")
    )
    assert plain.state == S.RECORDED and plain.approver is None
    behalf = approval_request(
        actor=person("head-fgw"), form=ApprovalForm(kind="speech", title="代表市政府致辞", on_behalf=True)
    )
    assert behalf.state == S.PENDING
    touches = approval_request(
        actor=person("head-fgw"), form=ApprovalForm(kind="speech", title="沈抚同城化新区规划的思考")
    )
    assert touches.state == S.PENDING


@pytest.mark.rule("release.review")
def test_68_a_departments_release_is_reviewed_by_its_head_and_a_major_one_is_reported(demo):
    release = approval_request(
        actor=person("finance-staff-1"), form=ApprovalForm(kind="release", title="2026年全市财政收支情况", major=True)
    )
    assert release.approver.code == "head-finance"
    with pytest.raises(ApprovalError, match="您不能办理"):
        approval_decide(actor=person("finance-staff-1"), item=release, approve=True)
    approval_decide(actor=person("head-finance"), item=release, approve=True)
    assert InboxItem.objects.filter(key="major", unit__kind="general_office", for_reading=True).exists()
    own = approval_request(actor=person("head-finance"), form=ApprovalForm(kind="release", title="局长署名文章"))
    assert own.approver.code == "vice-mayor-1"  # the head's own release goes to the supervising vice mayor


@pytest.mark.rule("reception.plan")
def test_72_a_reception_plan_is_reviewed_then_arranged_and_its_budget_shown_against_the_standard(demo):
    plan = approval_request(
        actor=person("head-commerce"),
        form=ApprovalForm(kind="reception_plan", title="接待某省经贸考察团", guests=10, budget=2400),
    )
    assert plan.approver.code == "vice-mayor-2"
    assert any("超出接待标准 80 元" in f for f in plan.flags)
    plan = approval_decide(actor=person("vice-mayor-2"), item=plan, approve=True)
    assert plan.state == S.ARRANGING
    with pytest.raises(ApprovalError, match="市政府办公室"):
        approval_decide(actor=person("vice-mayor-2"), item=plan, approve=True)
    assert approval_decide(actor=person("office-clerk-1"), item=plan, approve=True).state == S.APPROVED
    with pytest.raises(InvalidInput, match="接待人数和预算"):
        approval_request(actor=person("head-commerce"), form=ApprovalForm(kind="reception_plan", title="接待"))


@pytest.mark.rule("abroad.quota")
def test_72_delegations_abroad_are_held_to_the_years_quota_in_number_and_size(demo):
    with pytest.raises(ApprovalError, match="超过每团上限 6 人"):
        approval_request(
            actor=person("head-commerce"),
            form=ApprovalForm(kind="official_trip_abroad", title="赴德招商", members=8, destination="德国"),
        )
    from cityhall.leave import approvals

    approvals_made = 0
    for n in range(12):
        item = approval_request(
            actor=person("head-commerce"),
            form=ApprovalForm(kind="official_trip_abroad", title=f"第{n + 1}团", members=4, destination="德国"),
        )
        approval_decide(actor=person("vice-mayor-2"), item=item, approve=True)
        approvals_made += 1
    assert approvals.approved_abroad(item.requested_at.year) == approvals_made == 12
    with pytest.raises(ApprovalError, match="已达 12 个"):
        approval_request(
            actor=person("head-commerce"),
            form=ApprovalForm(kind="official_trip_abroad", title="第13团", members=3, destination="日本"),
        )


@pytest.mark.rule("greeting.exception")
def test_77_a_congratulatory_letter_is_refused_without_a_special_need_and_never_published(demo):
    vm6 = Position.objects.get(code="vice-mayor-6")
    with pytest.raises(ApprovalError, match="不为部门和县（区）的会议活动等发贺信") as refused:
        approval_request(
            actor=person("head-culture-tourism"),
            form=ApprovalForm(kind="congratulatory_letter", title="为旅游节发贺信", leader=vm6),
        )
    assert refused.value.citation.endswith("第七十七条")
    letter = approval_request(
        actor=person("head-culture-tourism"),
        form=ApprovalForm(
            kind="congratulatory_letter",
            title="为中国满族文化节发贺信",
            leader=vm6,
            special_need="国家级节会，文化和旅游部主办",
        ),
    )
    assert letter.approver == vm6
    letter = approval_decide(actor=person("vice-mayor-6"), item=letter, approve=True)
    assert letter.state == S.APPROVED and not letter.publishable and publishable([letter]) == []
    speech = approval_request(actor=person("vice-mayor-1"), form=ApprovalForm(kind="speech", title="讲话"))
    speech = approval_decide(actor=person("mayor"), item=speech, approve=True)
    assert publishable([letter, speech]) == [speech]
    assert Unit.objects.filter(code="culture-tourism").exists()


@pytest.mark.rule("activity.budget")
def test_72_a_meeting_activitys_spending_is_charged_to_a_budget_line_or_not_taken(demo):
    with pytest.raises(ApprovalError, match="纳入预算管理") as refused:
        approval_request(
            actor=person("head-culture-tourism"),
            form=ApprovalForm(kind="meeting_activity", title="抚顺满族风情节", budget=80000),
        )
    assert "第七十二条" in refused.value.citation
    festival = approval_request(
        actor=person("head-culture-tourism"),
        form=ApprovalForm(
            kind="meeting_activity", title="抚顺满族风情节", budget=80000, budget_line="文化旅游专项（2027年预算）"
        ),
    )
    assert festival.approver.code == "vice-mayor-6"
    assert festival.budget_line == "文化旅游专项（2027年预算）"
    assert any("列支预算科目：文化旅游专项" in f for f in festival.flags)
    assert approval_decide(actor=person("vice-mayor-6"), item=festival, approve=True).state == S.APPROVED
    # An activity that spends nothing needs no budget line.
    free = approval_request(
        actor=person("head-culture-tourism"), form=ApprovalForm(kind="meeting_activity", title="线上座谈会")
    )
    assert free.state == S.PENDING and free.budget_line == "" and "不需要经费" in free.flags
