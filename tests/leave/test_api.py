"""Leave, reports and emergencies over real HTTP with bearer tokens; refusals in Chinese with their citation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cityhall.org.demo import load_demo
from cityhall.rules.deadlines import LOCAL_TZ
from tests.security.test_api_as_clients import call, token_for

pytestmark = pytest.mark.django_db(transaction=True)


def iso(days: float, hour: int) -> str:
    moment = (timezone.now().astimezone(LOCAL_TZ) + dt.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return moment.isoformat()


@pytest.mark.rule("leave.notice", "leave.pairing")
def test_an_application_goes_up_the_chain_over_the_api(live_server):
    load_demo()
    body = {
        "position": "head-fgw",
        "kind": "trip",
        "purpose": "investment",
        "reason": "赴深圳开展招商引资活动",
        "start": iso(2, 8),
        "end": iso(4, 18),
        "destination": "深圳",
    }
    status, created = call(live_server, "POST", "/api/v1/leave", token_for("fgw"), body)
    assert status == 200, created
    assert created["state"] == "reviewing" and created["late"] and "提前3天" in created["late_text"]
    assert {"id", "title", "state", "state_label", "due", "overdue"} <= set(created)
    path = f"/api/v1/leave/{created['id']}"
    status, refused = call(live_server, "POST", f"{path}/act", token_for("mayor"), {"action": "approve"})
    assert (
        status == 409 and "由常务副市长办理" in refused["message"] and refused["citation"].endswith("第五十四条第二款")
    )
    status, _ = call(live_server, "GET", path, token_for("education"))
    assert status == 403
    for who in ("vm1", "sg"):
        status, moved = call(live_server, "POST", f"{path}/act", token_for(who), {"action": "forward"})
        assert status == 200, moved
    status, done = call(live_server, "POST", f"{path}/act", token_for("mayor"), {"action": "approve", "note": "同意"})
    assert status == 200 and done["state"] == "approved"
    status, listed = call(live_server, "GET", "/api/v1/leave", token_for("fgw"))
    assert [r["id"] for r in listed] == [created["id"]]
    status, bad = call(live_server, "POST", "/api/v1/leave", token_for("fgw"), body | {"start": "2026-12-09T08:00:00"})
    assert status == 422 and "时区" in bad["message"]


@pytest.mark.rule("emergency.direct-report")
def test_an_emergency_is_reported_and_acknowledged_over_the_api(live_server):
    load_demo()
    body = {
        "category": "disaster",
        "title": "清原县南口前镇山洪",
        "place": "南口前镇",
        "occurred_at": iso(0, 0),
        "reporting_unit": "qingyuan",
        "competent_unit": "water",
        "summary": "山洪冲毁乡道两处。",
        "plan_activated": "清原县防汛应急预案",
        "on_scene": "县长",
        "direct_to": "vice-mayor-2",
        "reason": "情况紧急",
    }
    body["occurred_at"] = (timezone.now() - dt.timedelta(minutes=20)).isoformat()
    status, refused = call(live_server, "POST", "/api/v1/leave/emergencies", token_for("qingyuan"), body)
    assert status == 409 and "不在其列" in refused["message"] and refused["citation"].endswith("第五十六条")
    status, refused = call(live_server, "POST", "/api/v1/leave/emergencies", token_for("vm2"), body)
    assert status == 403
    status, report = call(
        live_server, "POST", "/api/v1/leave/emergencies", token_for("qingyuan"), body | {"direct_to": "vice-mayor-5"}
    )
    assert status == 200, report
    assert report["steps"][0]["direct"] and report["state"] == "waiting"
    from cityhall.leave.models import EmergencyStep

    step = EmergencyStep.objects.get()
    path = f"/api/v1/leave/emergencies/{report['id'].split('-')[1]}/steps/{step.pk}/acknowledge"
    status, refused = call(live_server, "POST", path, token_for("vm2"), {})
    assert status in (403, 409)
    status, acked = call(live_server, "POST", path, token_for("vm5"), {"note": "全力转移群众"})
    assert status == 200 and [s["to"] for s in acked["steps"]] == ["vice-mayor-5", "vice-mayor-1"]
