"""The topics API over real HTTP with a bearer token (the server enforces CSRF for cookie sessions only)."""

from __future__ import annotations

import pytest

from cityhall.org.demo import load_demo
from tests.security.test_api_as_clients import call, token_for

pytestmark = pytest.mark.django_db(transaction=True)

TOPIC = {
    "meeting_kind": "executive",
    "matter": "关于抚顺市2027年老旧小区改造计划的议题",
    "host_unit": "抚顺市发展和改革委员会",
    "reporting_unit": "抚顺市发展和改革委员会",
    "basis": "依据国务院办公厅关于全面推进城镇老旧小区改造工作的指导意见。",
    "consultations": [{"unit": "抚顺市财政局", "opinion": "同意。"}],
}


@pytest.fixture
def server(live_server):
    load_demo()
    return live_server


@pytest.mark.rule("meeting.executive-topics", "meeting.topic-approved")
def test_a_department_applies_over_the_api_and_each_step_decides_with_its_own_token(server):
    status, topic = call(server, "POST", "/api/v1/meetings/topics", token_for("fgw"), TOPIC)
    assert status == 201, topic
    assert topic["step"] == "office_collects" and [s["state"] for s in topic["chain"]] == [
        "current",
        "pending",
        "pending",
        "pending",
    ]
    assert topic["schedule_refusals"][0]["rule"] == "meeting.topic-approved"
    path = f"/api/v1/meetings/topics/{topic['id']}/decide"

    status, body = call(server, "POST", path, token_for("finance"), {"decision": "pass"})
    assert status == 409 and "不由您办理" in body["message"] and body["citation"].endswith("第四十条第二款")
    status, body = call(server, "POST", path, token_for("clerk"), {"decision": "pass", "step": "office_collects"})
    assert status == 200 and body["step"] == "secretary_general_checks"
    status, body = call(server, "POST", path, token_for("clerk2"), {"decision": "pass", "step": "office_collects"})
    assert status == 409 and "已经办理过" in body["message"]
    status, body = call(server, "POST", path, token_for("sg"), {"decision": "return"})
    assert status == 422 and "须写明理由" in body["message"]
    for username in ("sg", "vm1", "mayor"):
        status, body = call(server, "POST", path, token_for(username), {"decision": "pass"})
        assert status == 200, body
    assert body["state"] == "approved" and [r["rule"] for r in body["schedule_refusals"]] == [
        "meeting.materials-review"
    ]
    status, body = call(server, "POST", f"/api/v1/meetings/topics/{topic['id']}/materials-review", token_for("fgw"), {})
    assert status == 403 or (status == 409 and "前置审核" in body["message"]), body
    status, body = call(
        server,
        "POST",
        f"/api/v1/meetings/topics/{topic['id']}/materials-review",
        token_for("clerk"),
        {"note": "材料齐全"},
    )
    assert status == 200 and body["schedule_refusals"] == [] and body["materials_reviewed_at"]
    assert [a["decision"] for a in body["actions"]] == ["submit", "pass", "pass", "pass", "pass"]

    status, listed = call(server, "GET", "/api/v1/meetings/topics", token_for("education"))
    assert status == 200 and listed == []  # not its topic
    status, body = call(server, "GET", f"/api/v1/meetings/topics/{topic['id']}", token_for("education"))
    assert status == 403 and "无权查看" in body["message"]


def test_bad_topic_input_is_refused_in_chinese_and_nothing_is_saved(server):
    from cityhall.meetings.models import Topic

    token = token_for("fgw")
    status, body = call(server, "POST", "/api/v1/meetings/topics", token, TOPIC | {"host_unit": "不存在的局"})
    assert status == 422 and "没有名为“不存在的局”的单位" in body["message"]
    status, body = call(server, "POST", "/api/v1/meetings/topics", token, TOPIC | {"legality_review_needed": "yes"})
    assert status == 422 and body["code"] == "bad_input"
    status, body = call(server, "POST", "/api/v1/meetings/topics", token, TOPIC | {"host_unit": "抚顺市财政局"})
    assert status == 409 and "只能以本单位名义申报议题" in body["message"]
    status, body = call(server, "POST", "/api/v1/meetings/topics", token_for("clerk"), TOPIC)
    assert status == 403 and "只有县（区）政府和市政府各部门可以申报会议议题" in body["message"]
    assert not Topic.objects.exists()


@pytest.mark.rule("minutes.sign", "minutes.issue")
def test_minutes_are_signed_issued_listed_and_fetched_over_the_api_with_tokens(server):
    import urllib.request

    from .test_minutes import circulated_meeting

    minutes = circulated_meeting()
    meeting_id = minutes.meeting_id
    status, listed = call(server, "GET", "/api/v1/meetings", token_for("clerk"))
    assert status == 200 and [m["id"] for m in listed] == [meeting_id]
    entry = listed[0]
    assert {"id", "title", "state", "state_label", "due", "overdue"} <= set(entry)
    assert entry["due"] == minutes.deadline.due_date.isoformat() and entry["overdue"] is False

    path = f"/api/v1/meetings/{meeting_id}/minutes"
    status, body = call(server, "POST", f"{path}/sign", token_for("vm1"), {})
    assert status == 409 and "主持会议的市长签发" in body["message"] and body["citation"].endswith("第四十四条第一款")
    status, body = call(server, "POST", f"{path}/sign", token_for("mayor"), {})
    assert status == 200, body
    assert body["minutes"]["number"].startswith("市政府常务会议纪要〔") and body["minutes"]["state"] == "signed"
    status, body = call(server, "POST", f"{path}/issue", token_for("clerk"), {})
    assert status == 200 and body["minutes"]["state"] == "issued" and body["due"] is None
    assert all(d["handed_over"] for d in body["decisions"])
    assert {s["value"] for d in body["decisions"] for s in d["stances"]} == {"agree"}

    request = urllib.request.Request(server.url + f"{path}.docx")  # noqa: S310 - our live server
    request.add_header("Authorization", f"Bearer {token_for('fgw')}")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our live server
        assert response.status == 200 and response.read(2) == b"PK"
    status, body = call(server, "GET", f"/api/v1/meetings/{meeting_id}", token_for("education"))
    assert status == 403 and "无权查看" in body["message"]
