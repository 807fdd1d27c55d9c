"""The rules API over real HTTP through Django's test client."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_rules_list_has_every_rule_with_its_citation(client):
    response = client.get("/api/v1/rules")
    assert response.status_code == 200
    rules = {r["id"]: r for r in response.json()}
    assert "countersign.reply" in rules and "petition.accept" in rules
    assert rules["countersign.reply"]["citation"].endswith("第五十条第二款")
    assert rules["countersign.reply"]["chapter"] == {"number": 9, "title": "公文审批制度"}


def test_a_rule_shows_its_quoted_clause_and_typed_parameters(client):
    data = client.get("/api/v1/rules/supervision.ordinary").json()
    assert "事项落实起始时间从部署当日算起" in data["clause"]
    period = data["params"]["period"]
    assert period["value"] == 7 and period["unit"] == "calendar_day" and period["start_day_counted"] is True


def test_the_deadline_endpoint_explains_itself(client):  # 50-2
    response = client.get("/api/v1/rules/countersign.reply/deadline", {"start": "2026-09-30"})
    assert response.status_code == 200
    data = response.json()
    assert data["due"] == "2026-10-10" and data["provisional"] is False
    assert "第五十条第二款" in data["citation"]
    assert [s["date"] for s in data["special_days"] if s["kind"] == "makeup_working_day"] == ["2026-10-10"]
    assert data["trace"][0]["step"] == "rule" and data["trace"][-1]["step"] == "result"


def test_an_hour_rule_accepts_a_time(client):  # 45-1
    data = client.get("/api/v1/rules/meeting.citywide-duration/deadline", {"start": "2026-11-25T09:00"}).json()
    assert data["due_at"].startswith("2026-11-25T11:00")


@pytest.mark.parametrize(
    ("url", "params", "status", "code"),
    [
        ("/api/v1/rules/no.such", {}, 404, "unknown_rule"),
        ("/api/v1/rules/no.such/deadline", {"start": "2026-01-01"}, 404, "unknown_rule"),
        ("/api/v1/rules/minutes.issue/deadline", {"start": "2026-02-30"}, 422, "bad_input"),
        ("/api/v1/rules/minutes.issue/deadline", {}, 422, "bad_input"),
        ("/api/v1/rules/inspection.unannounced-share/deadline", {"start": "2026-01-01"}, 422, "not_computable"),
        ("/api/v1/rules/minutes.issue/deadline", {"start": "2020-01-01"}, 422, "rule_not_in_force"),
        ("/api/v1/rules/minutes.issue/deadline", {"start": "1900-01-01"}, 422, "rule_not_in_force"),
        ("/api/v1/calendar", {"month": "2026-13"}, 422, "bad_input"),
        ("/api/v1/calendar", {"month": "0000-01"}, 422, "bad_input"),
    ],
)
def test_errors_are_json_with_a_code_and_a_chinese_message(client, url, params, status, code):
    response = client.get(url, params)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])


def test_the_calendar_endpoint(client):
    data = client.get("/api/v1/calendar", {"month": "2026-10"}).json()
    days = {d["date"]: d for d in data["days"]}
    assert days["2026-10-01"]["kind"] == "holiday" and not days["2026-10-01"]["working"]
    assert days["2026-10-10"]["kind"] == "makeup_working_day" and days["2026-10-10"]["working"]
    assert client.get("/api/v1/calendar", {"month": "2027-01"}).json()["provisional"] is True


def test_the_openapi_document_is_served(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/rules/{rule_id}/deadline" in spec["paths"]
