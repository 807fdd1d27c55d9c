"""The ledger API over real HTTP with bearer tokens: list, progress, completion with evidence (multipart),
and the office's check; refusals in Chinese with their citation."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from cityhall.org.demo import load_demo
from cityhall.org.models import Unit
from cityhall.supervision.services import ItemForm, item_create
from tests.meetings.test_topics import person
from tests.security.test_api_as_clients import call, token_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.rule("supervision.ledger", "supervision.review", "supervision.reporting")
def test_the_lead_unit_reports_and_the_office_closes_over_the_api(live_server):
    load_demo()
    item = item_create(
        actor=person("office-clerk-1"),
        form=ItemForm(
            "direct",
            "督促完成全市供热管网冬季检修",
            Unit.objects.get(code="housing"),
            "分管副局长",
            "ordinary",
            dt.date(2026, 12, 7),
        ),
    )
    status, listed = call(live_server, "GET", "/api/v1/supervision", token_for("housing"))
    assert status == 200 and [i["id"] for i in listed] == [item.pk]
    assert {"id", "title", "state", "state_label", "due", "overdue"} <= set(listed[0])
    status, listed = call(live_server, "GET", "/api/v1/supervision", token_for("education"))
    assert status == 200 and listed == []
    base = f"/api/v1/supervision/{item.pk}"
    status, body = call(live_server, "POST", f"{base}/progress", token_for("housing"), {"text": "已完成八成"})
    assert status == 200 and body["events"][-1]["kind"] == "progress"

    url = live_server.url + f"{base}/completion"
    auth = {"Authorization": f"Bearer {token_for('housing')}"}
    refused = requests.post(url, headers=auth, data={"text": "已完成"}, timeout=20)
    assert refused.status_code == 409 and "须附证明材料" in refused.json()["message"]
    assert refused.json()["citation"].endswith("第六十二条第一款")
    done = requests.post(
        url,
        headers=auth,
        data={"text": "已完成"},
        files=[("evidence", ("验收报告.pdf", b"%PDF-1.4", "application/pdf"))],
        timeout=20,
    )
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "reported" and done.json()["events"][-1]["evidence"] == ["验收报告.pdf"]

    status, body = call(live_server, "POST", f"{base}/review", token_for("housing"), {"close": True})
    assert status == 409 and "市政府办公室" in body["message"]
    status, body = call(live_server, "POST", f"{base}/review", token_for("clerk"), {"close": True})
    assert status == 200 and body["state"] == "closed"
