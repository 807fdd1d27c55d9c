"""A department's major problems, reported up level by level (Art 55 ¶1 「逐级请示报告」)."""

from __future__ import annotations

import pytest

from cityhall.leave.escalation import EscalationError, chain_rows, problem_act, problem_levels, problem_report
from cityhall.leave.models import ProblemReport
from cityhall.org.demo import load_demo
from cityhall.org.models import Unit
from cityhall.rules import InvalidInput
from cityhall.workflow.models import InboxItem
from tests.meetings.test_topics import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    load_demo()


def _open(code: str) -> list[str]:
    return list(
        InboxItem.objects.filter(assignee_position__code=code, state="open", key__startswith="level-").values_list(
            "title", flat=True
        )
    )


@pytest.mark.rule("report.escalation")
def test_55_a_departments_major_problem_goes_up_level_by_level_and_no_level_is_skipped(demo):
    finance = Unit.objects.get(code="finance")
    staff = person("finance-staff-1")
    # Finance is supervised by the executive vice mayor, so the top level is the mayor.
    chain = [(lv.label, lv.position.code) for lv in problem_levels(finance, staff, ProblemReport().reported_at)]
    assert chain == [
        ("本部门主要负责人", "head-finance"),
        ("分管副市长", "vice-mayor-1"),
        ("负责日常工作的副市长或市长", "mayor"),
    ]
    report = problem_report(
        actor=staff, unit=finance, title="某县专项债券资金拨付困难", body="需市政府协调。", proposal="建议调度"
    )
    assert _open("head-finance") and not _open("vice-mayor-1")
    # The level above cannot take it before the level below has sent it on.
    with pytest.raises(EscalationError, match="逐级请示报告") as skipped:
        problem_act(actor=person("vice-mayor-1"), report=report, action="instruct", note="先办")
    assert "第五十五条" in skipped.value.citation
    report = problem_act(actor=person("head-finance"), report=report, action="forward", note="情况属实，请示")
    assert not _open("head-finance") and _open("vice-mayor-1")
    report = problem_act(actor=person("vice-mayor-1"), report=report, action="forward")
    with pytest.raises(EscalationError, match="最后一级，请批示"):
        problem_act(actor=person("mayor"), report=report, action="forward")
    with pytest.raises(InvalidInput, match="批示意见"):
        problem_act(actor=person("mayor"), report=report, action="instruct")
    report = problem_act(actor=person("mayor"), report=report, action="instruct", note="请财政局会同相关县区研究")
    assert report.state == ProblemReport.State.ANSWERED and report.answer.startswith("请财政局")
    assert InboxItem.objects.filter(assignee_person=staff, key="answer", for_reading=True).exists()
    rows = chain_rows(report, report.answered_at)
    assert [r["step"].action for r in rows] == ["forward", "forward", "instruct"]  # type: ignore[union-attr]
    assert all(r["step"].sent_at <= r["step"].acted_at for r in rows)  # type: ignore[union-attr]
    with pytest.raises(EscalationError, match="已经批示"):
        problem_act(actor=person("mayor"), report=report, action="instruct", note="再批")


@pytest.mark.rule("report.escalation")
def test_55_the_head_reports_straight_to_the_supervising_vice_mayor_who_may_answer_it(demo):
    water = Unit.objects.get(code="water")
    report = problem_report(actor=person("head-water"), unit=water, title="水库除险加固资金缺口", body="请示")
    assert [c["label"] for c in report.chain] == ["分管副市长", "负责日常工作的副市长或市长"]
    assert _open("vice-mayor-5")
    report = problem_act(actor=person("vice-mayor-5"), report=report, action="instruct", note="同意，抓紧办")
    assert report.state == ProblemReport.State.ANSWERED and report.steps.count() == 1


@pytest.mark.rule("report.escalation")
def test_55_only_a_department_reports_and_only_in_its_own_name(demo):
    with pytest.raises(InvalidInput, match="不在"):
        problem_report(actor=person("head-water"), unit=Unit.objects.get(code="finance"), title="x", body="y")
    with pytest.raises(EscalationError, match="工作部门"):
        problem_report(actor=person("head-xinbin"), unit=Unit.objects.get(code="xinbin"), title="x", body="y")
    with pytest.raises(InvalidInput, match="情况和请示事项"):
        problem_report(actor=person("head-water"), unit=Unit.objects.get(code="water"), title="x", body="  ")


@pytest.mark.rule("report.escalation")
def test_55_the_report_is_seen_by_its_department_and_the_levels_it_reached_only(demo, client):
    from django.contrib.auth import get_user_model

    report = problem_report(
        actor=person("finance-staff-1"), unit=Unit.objects.get(code="finance"), title="资金拨付困难", body="请示"
    )
    users = get_user_model().objects
    client.force_login(users.get(username="water"))
    refused = client.get(f"/leave/problems/{report.pk}/")
    assert refused.status_code == 403 and "只有报告部门" in refused.content.decode()
    client.force_login(users.get(username="vm1"))  # not reached yet
    assert client.get(f"/leave/problems/{report.pk}/").status_code == 403
    client.force_login(users.get(username="finance"))
    page = client.get(f"/leave/problems/{report.pk}/").content.decode()
    assert "资金拨付困难" in page and 'id="problem-forward"' in page
    client.post(f"/leave/problems/{report.pk}/", {"action": "forward", "note": ""})
    client.force_login(users.get(username="vm1"))
    assert client.get(f"/leave/problems/{report.pk}/").status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.rule("report.escalation")
def test_55_a_major_problem_goes_up_the_chain_over_the_api_with_a_token(live_server):
    from tests.security.test_api_as_clients import call, token_for

    load_demo()
    url = "/api/v1/leave/problems"
    body = {"unit": "finance", "title": "专项债券资金拨付滞后", "body": "需市政府协调。"}
    status, created = call(live_server, "POST", url, token_for("finance2"), body)
    assert status == 200, created
    assert created["chain"] == ["本部门主要负责人", "分管副市长", "负责日常工作的副市长或市长"]
    assert created["state_label"] == "在本部门主要负责人处" and created["due"] is None
    pk = created["id"].removeprefix("problem-")
    status, refused = call(live_server, "POST", f"{url}/{pk}/act", token_for("vm1"), {"action": "forward"})
    assert status == 403  # vm1 has not received it: it does not exist for him yet
    status, sent = call(live_server, "POST", f"{url}/{pk}/act", token_for("finance"), {"action": "forward"})
    assert status == 200 and sent["state_label"] == "在分管副市长处", sent
    status, refused = call(live_server, "POST", f"{url}/{pk}/act", token_for("finance"), {"action": "forward"})
    assert status == 409 and "逐级请示报告" in refused["message"] and "第五十五条第一款" in refused["citation"]
    status, bad = call(live_server, "POST", f"{url}/{pk}/act", token_for("vm1"), {"action": "instruct"})
    assert status == 422 and "批示意见" in bad["message"]
    status, done = call(
        live_server, "POST", f"{url}/{pk}/act", token_for("vm1"), {"action": "instruct", "note": "同意"}
    )
    assert status == 200 and done["state"] == "answered" and done["answer"] == "同意"
    status, listed = call(live_server, "GET", url, token_for("water"))
    assert status == 200 and all(r["unit"] == "water" for r in listed)
    status, listed = call(live_server, "GET", url, token_for("vm1"))
    assert created["id"] in {r["id"] for r in listed}
    status, refused = call(live_server, "POST", url, token_for("xinbin"), body | {"unit": "xinbin"})
    assert status == 409 and "工作部门" in refused["message"]
