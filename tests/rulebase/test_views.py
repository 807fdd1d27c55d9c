"""The public rulebook pages."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_rules_page_browses_the_rulebook_by_chapter_with_quotes(client):
    html = client.get("/rules/").content.decode()
    assert "第8章 会议制度" in html and "第9章 公文审批制度" in html
    assert "会议纪要原则上在会议结束后3个工作日内印发。" in html
    assert "《中华人民共和国政府信息公开条例》" in html
    assert 'id="calculator"' in html


def test_the_rules_page_filters(client):
    html = client.get("/rules/", {"q": "710"}).content.decode()
    assert 'id="supervision.ordinary"' in html and 'id="minutes.issue"' not in html
    html = client.get("/rules/", {"kind": "frequency"}).content.decode()
    assert 'id="meeting.executive-frequency"' in html and 'id="countersign.reply"' not in html


def test_a_rule_page_and_an_unknown_rule(client):
    assert "第六十二条第二款" in client.get("/rules/supervision.complex/").content.decode()
    assert client.get("/rules/no.such/").status_code == 404


def test_the_calculator_returns_a_fragment_to_htmx_and_a_page_otherwise(client):
    fragment = client.get(
        "/rules/calculate/", {"rule": "countersign.reply", "start": "2026-09-30"}, HTTP_HX_REQUEST="true"
    )
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert 'data-due="2026-10-10"' in body and "<html" not in body
    page = client.get("/rules/calculate/", {"rule": "countersign.reply", "start": "2026-09-30"})
    assert "<html" in page.content.decode() and 'data-due="2026-10-10"' in page.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"rule": "minutes.issue", "start": "bad"}, "请填写正确的日期"),
        ({"rule": "no.such", "start": "2026-01-01"}, "no.such"),
        ({"rule": "meeting.citywide-duration", "start": "2026-11-25"}, "小时"),
        ({"rule": "meeting.citywide-duration", "start": "2026-11-25", "time": "9点"}, "时刻"),
    ],
)
def test_the_calculator_explains_bad_input_in_chinese(client, params, message):
    response = client.get("/rules/calculate/", params)
    assert response.status_code == 422
    assert message in response.content.decode()


def test_the_calendar_page(client):
    html = client.get("/rules/calendar/", {"month": "2026-10"}).content.decode()
    assert 'data-date="2026-10-01"' in html and "国庆节放假" in html
    assert "暂定" in client.get("/rules/calendar/", {"month": "2027-02"}).content.decode()
    assert "无效" in client.get("/rules/calendar/", {"month": "garbage"}).content.decode()


def test_the_home_page_needs_login_but_the_rulebook_is_public(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "市政府工作规则运行平台" in client.get(response["Location"]).content.decode()
    assert client.get("/rules/").status_code == 200
