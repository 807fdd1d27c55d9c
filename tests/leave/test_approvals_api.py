"""The leaders' approvals (Ch. 12–13) over real HTTP with bearer tokens, and the ``approvals`` command:
requests and decisions go through the same services as the pages, refusals come back in Chinese with
their citation, and nobody sees another unit's item."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from cityhall.leave.approvals import ApprovalForm, approval_decide, approval_request
from cityhall.leave.models import LeaderApproval
from cityhall.org.demo import load_demo
from cityhall.org.models import Position
from tests.meetings.test_topics import person
from tests.security.test_api_as_clients import call, token_for

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/leave/approvals"
LIST_SHAPE = {"id", "title", "state", "state_label", "due", "overdue"}


@pytest.fixture
def server(live_server):
    load_demo()
    return live_server


def letter(**extra):
    return {
        "kind": "congratulatory_letter",
        "title": "为中国满族文化节发贺信",
        "leader": "vice-mayor-6",
        "unit": "culture-tourism",
    } | extra


@pytest.mark.rule("speech.approval")
def test_67_vm1s_speech_is_requested_and_the_mayor_approves_it_over_the_api(server):
    body = {"kind": "speech", "title": "在全市经济工作会议上的讲话", "body": "2027年经济工作的总体要求……"}
    status, created = call(server, "POST", URL, token_for("vm1"), body)
    assert status == 200, created
    assert set(created) >= LIST_SHAPE
    assert created["state"] == "pending" and created["approver"] == "mayor" and created["kind"] == "speech"
    assert created["unit"] == "city-government" and created["person"] == person("vice-mayor-1").name
    assert created["rule"] == "speech.approval" and created["due"] is None and created["overdue"] is False
    path = f"{URL}/{created['id']}"
    status, shown = call(server, "GET", path, token_for("vm1"))
    assert status == 200 and shown["body"] == body["body"] and shown["url"] == f"/leave/approvals/{created['id']}/"
    status, refused = call(server, "POST", f"{path}/decide", token_for("vm2"), {"approve": True})
    assert status == 409 and "由市长审批，您不能办理" in refused["message"]
    assert refused["citation"].endswith("第六十七条")
    status, refused = call(server, "POST", f"{path}/decide", token_for("mayor"), {"approve": False})
    assert status == 422 and "写明理由" in refused["message"]
    status, done = call(server, "POST", f"{path}/decide", token_for("mayor"), {"approve": True, "note": "同意"})
    assert status == 200, done
    assert done["state"] == "approved" and done["decided_by"] == person("mayor").name
    assert done["decision_note"] == "同意" and done["publishable"] and done["decided_at"]
    assert LeaderApproval.objects.get(pk=created["id"]).state == LeaderApproval.State.APPROVED
    status, refused = call(server, "POST", f"{path}/decide", token_for("mayor"), {"approve": True})
    assert status == 409 and "不能再办理" in refused["message"]
    status, missing = call(server, "GET", f"{URL}/999999", token_for("mayor"))
    assert status == 404 and missing["code"] == "not_found"
    # Strict bodies: a string is not a boolean; a kind the rules do not know is refused by the service.
    status, bad = call(server, "POST", f"{path}/decide", token_for("mayor"), {"approve": "yes"})
    assert status == 422 and "approve" in bad["message"]
    status, bad = call(server, "POST", URL, token_for("vm1"), body | {"kind": "memo"})
    assert status == 422 and "类别" in bad["message"]


@pytest.mark.rule("greeting.exception")
def test_77_a_congratulatory_letter_without_a_special_need_is_refused_over_the_api(server):
    status, refused = call(server, "POST", URL, token_for("culture-tourism"), letter())
    assert status == 409
    assert "不为部门和县（区）的会议活动等发贺信" in refused["message"]
    assert refused["code"] == "letter.no_special_need" and refused["citation"].endswith("第七十七条")
    assert not LeaderApproval.objects.exists()
    status, bad = call(server, "POST", URL, token_for("culture-tourism"), letter(leader="no-such-leader"))
    assert status == 422 and "no-such-leader" in bad["message"]
    status, created = call(
        server, "POST", URL, token_for("culture-tourism"), letter(special_need="国家级节会，文化和旅游部主办")
    )
    assert status == 200, created
    assert created["approver"] == "vice-mayor-6" and created["leader"] == "vice-mayor-6"
    assert "经批准的，一般不公开发表" in created["flags"]
    status, done = call(server, "POST", f"{URL}/{created['id']}/decide", token_for("vm6"), {"approve": True})
    assert status == 200 and done["state"] == "approved" and done["publishable"] is False


@pytest.mark.rule("activity.budget")
def test_72_a_meeting_activity_with_a_budget_and_no_budget_line_is_refused_over_the_api(server):
    body = {"kind": "meeting_activity", "title": "抚顺满族风情节", "budget": 80000}
    status, refused = call(server, "POST", URL, token_for("culture-tourism"), body)
    assert status == 409 and "纳入预算管理" in refused["message"] and "80000" in refused["message"]
    assert refused["code"] == "activity.no_budget_line" and "第七十二条" in refused["citation"]
    status, bad = call(server, "POST", URL, token_for("culture-tourism"), body | {"budget": "80000"})
    assert status == 422 and "budget" in bad["message"]  # strict: a number, not a string
    status, bad = call(server, "POST", URL, token_for("culture-tourism"), body | {"budget": -1})
    assert status == 422 and "budget" in bad["message"]
    assert not LeaderApproval.objects.exists()
    status, created = call(
        server, "POST", URL, token_for("culture-tourism"), body | {"budget_line": "文化旅游专项（2027年预算）"}
    )
    assert status == 200, created
    assert created["budget_line"] == "文化旅游专项（2027年预算）" and created["approver"] == "vice-mayor-6"
    assert any("列支预算科目：文化旅游专项" in f for f in created["flags"])


@pytest.mark.rule("speech.approval", "greeting.exception")
def test_67_77_another_units_item_is_forbidden_and_the_list_holds_only_what_the_caller_may_see(server):
    status, speech = call(server, "POST", URL, token_for("vm1"), {"kind": "speech", "title": "讲话"})
    assert status == 200, speech
    status, greeting = call(server, "POST", URL, token_for("culture-tourism"), letter(special_need="国家级节会"))
    assert status == 200, greeting
    status, refused = call(server, "GET", f"{URL}/{speech['id']}", token_for("education"))
    assert status == 403 and refused["code"] == "forbidden" and "无权查看" in refused["message"]
    status, refused = call(server, "POST", f"{URL}/{greeting['id']}/decide", token_for("commerce"), {"approve": True})
    assert status == 403 and "无权查看" in refused["message"]
    assert LeaderApproval.objects.get(pk=greeting["id"]).state == LeaderApproval.State.PENDING

    def listed(username: str) -> list[int]:
        status, rows = call(server, "GET", URL, token_for(username))
        assert status == 200, rows
        assert all(set(r) >= LIST_SHAPE and "body" not in r for r in rows)
        return sorted(r["id"] for r in rows)

    assert listed("education") == []
    assert listed("culture-tourism") == [greeting["id"]]
    assert listed("vm6") == sorted([speech["id"], greeting["id"]])  # the letter's leader; the speech's unit
    assert listed("mayor") == listed("clerk") == sorted([speech["id"], greeting["id"]])
    # Only in the caller's own unit's name.
    status, bad = call(server, "POST", URL, token_for("culture-tourism"), letter(unit="fgw", special_need="x"))
    assert status == 422 and "不在" in bad["message"]
    status, bad = call(server, "POST", URL, token_for("culture-tourism"), letter(unit="nowhere", special_need="x"))
    assert status == 422 and "nowhere" in bad["message"]
    status, _ = call(server, "GET", URL, "not-a-token")
    assert status == 401


@pytest.mark.rule("speech.approval")
def test_67_the_approvals_command_lists_every_item_in_json_and_in_text(capsys):
    load_demo()
    call_command("approvals", "list")
    assert capsys.readouterr().out.strip() == "没有审批事项。"
    speech = approval_request(
        actor=person("vice-mayor-1"), form=ApprovalForm(kind="speech", title="在全市会议上的讲话")
    )
    approval_decide(actor=person("mayor"), item=speech, approve=True)
    greeting = approval_request(
        actor=person("head-culture-tourism"),
        form=ApprovalForm(
            kind="congratulatory_letter",
            title="为中国满族文化节发贺信",
            leader=Position.objects.get(code="vice-mayor-6"),
            special_need="国家级节会",
        ),
    )
    call_command("approvals", "list", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [greeting.pk, speech.pk]  # newest first
    assert all(set(r) >= LIST_SHAPE for r in rows)
    assert rows[1]["state"] == "approved" and rows[1]["decided_by"] == person("mayor").name
    assert rows[0]["state"] == "pending" and rows[0]["approver"] == "vice-mayor-6" and not rows[0]["publishable"]
    call_command("approvals", "list")
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and "待审批（vice-mayor-6审批）" in lines[0] and "为中国满族文化节发贺信" in lines[0]
    assert "已批准" in lines[1] and "讲话" in lines[1]
