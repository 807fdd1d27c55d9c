"""The documents API as real clients use it: over HTTP, with a bearer token, CSRF enforced by the server.

Covers issue 8 #3 (classified text in every API representation), #4 (the office cannot submit a county's
draft in its name), cross-county isolation, and outgoing drafting through the API (issue 7).
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cityhall.accounts.models import ApiToken
from cityhall.documents.services import (
    document_create_incoming,
    document_instruct,
    document_register,
    document_route,
    document_submit,
)
from cityhall.org.demo import load_demo
from cityhall.org.models import Person, Position, Unit

pytestmark = pytest.mark.django_db(transaction=True)

SECRET_BODY = "涉密正文ZX81"
SECRET_HANDLING = "拟办意见ZX82"
SECRET_INSTRUCTION = "批示内容ZX83"
SECRET_TITLE = "关于某涉密项目ZX84的请示"


def call(server: Any, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.url + path, data=data, method=method)  # noqa: S310 - our live server
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - our own live server
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def token_for(username: str) -> str:
    _, token = ApiToken.issue(get_user_model().objects.get(username=username), "test")
    return token


def person(username: str) -> Person:
    return Person.objects.get(user__username=username)


def county_request(username: str = "xinbin", unit: str = "xinbin", **extra: Any):
    return document_create_incoming(
        actor=person(username),
        issuer_unit=Unit.objects.get(code=unit),
        kind="请示",
        title=extra.pop("title", "关于永陵镇道路修缮资金的请示"),
        body=extra.pop("body", "特申请补助资金。\n妥否，请批示。"),
        addressees=["抚顺市人民政府"],
        signed_by_title="县长",
        **extra,
    )


@pytest.fixture
def office(live_server):
    load_demo()
    return live_server


@pytest.fixture
def classified(office):
    """A 机密 request, registered with a 拟办意见, routed and instructed: text in every box."""
    doc = county_request(title=SECRET_TITLE, body=SECRET_BODY, classification="机密", classification_period="10年")
    document_submit(actor=person("xinbin"), document=doc)
    document_register(actor=person("clerk"), document=doc, proposed_handling=SECRET_HANDLING)
    document_route(actor=person("clerk"), document=doc, to=Position.objects.get(code="vice-mayor-4"))
    document_instruct(actor=person("vm4"), document=doc, opinion="同意", text=SECRET_INSTRUCTION)
    return doc


@pytest.mark.rule("security.classified-access")
def test_69_classified_texts_reach_no_api_representation_without_clearance(office, classified):  # Art 69
    Person.objects.filter(user__username="clerk2").update(clearance=Person.Clearance.NONE)
    token = token_for("clerk2")  # the office sees every document, but this clerk is not cleared
    for path in (
        f"/api/v1/documents/{classified.pk}",
        f"/api/v1/documents/{classified.pk}/history",
        "/api/v1/documents?queue=all",
        "/api/v1/audit",
    ):
        status, body = call(office, "GET", path, token)
        text = json.dumps(body, ensure_ascii=False)
        assert status == 200, (path, body)
        for secret in (SECRET_BODY, SECRET_HANDLING, SECRET_INSTRUCTION, "ZX84"):
            assert secret not in text, (path, secret)
    status, doc = call(office, "GET", f"/api/v1/documents/{classified.pk}", token)
    assert doc["readable"] is False and doc["body"] is None and doc["proposed_handling"] is None
    assert doc["instructions"][0]["text"] is None and doc["instructions"][0]["person"]


@pytest.mark.rule("security.classified-access")
def test_69_a_cleared_reader_gets_every_box(office, classified):  # Art 69
    status, doc = call(office, "GET", f"/api/v1/documents/{classified.pk}", token_for("vm4"))
    assert status == 200 and doc["readable"] is True
    assert doc["body"] == SECRET_BODY and doc["proposed_handling"] == SECRET_HANDLING
    assert doc["instructions"][0]["text"] == SECRET_INSTRUCTION and doc["title"] == SECRET_TITLE


def test_the_office_cannot_submit_a_county_draft_in_the_countys_name(office):  # issue 8 #4
    draft = county_request()
    status, body = call(office, "POST", f"/api/v1/documents/{draft.pk}/actions/submit", token_for("clerk"), {})
    assert status == 403, body
    assert body["code"] == "forbidden" and body["message"]
    draft.refresh_from_db()
    assert draft.state == "draft" and draft.submitted_at is None


def test_a_county_sees_neither_another_countys_document_nor_it_in_the_list(office):
    draft = county_request()
    other = token_for("qingyuan")  # another county's head
    status, _ = call(office, "GET", f"/api/v1/documents/{draft.pk}", other)
    assert status in (403, 404)
    status, page = call(office, "GET", "/api/v1/documents?queue=all", other)
    assert status == 200 and draft.pk not in [r["id"] for r in page["results"]]
    status, page = call(office, "GET", "/api/v1/documents?queue=all", token_for("xinbin"))
    assert draft.pk in [r["id"] for r in page["results"]]


def test_a_county_submits_with_a_bearer_token_and_sees_the_next_step(office):
    draft = county_request()
    token = token_for("xinbin")
    status, doc = call(office, "GET", f"/api/v1/documents/{draft.pk}", token)
    assert "submit" in [a["code"] for a in doc["actions"]]
    status, doc = call(office, "POST", f"/api/v1/documents/{draft.pk}/actions/submit", token, {})
    assert status == 200, doc
    assert doc["state"] == "submitted" and doc["state_label"]


def test_the_clerk_drafts_an_outgoing_notice_through_the_api(office):  # issue 7: 发文拟稿 by API
    token = token_for("clerk")
    notice = {
        "issuer": "city-government",
        "kind": "通知",
        "signing_category": "government_downward",
        "title": "抚顺市人民政府关于做好2027年元旦春节期间安全生产工作的通知",
        "body": "各县、区人民政府，市政府各部门：\n现就做好元旦春节期间安全生产工作通知如下。",
        "addressees": ["各县、区人民政府", "市政府各部门"],
    }
    status, body = call(office, "POST", "/api/v1/documents/outgoing", token, {**notice, "signing_category": "x"})
    assert status == 422 and "签发类别" in body["message"]
    status, doc = call(office, "POST", "/api/v1/documents/outgoing", token, notice)
    assert status == 201, doc
    assert doc["direction"] == "outgoing" and doc["state"] == "draft"
    assert "prepare" in [a["code"] for a in doc["actions"]]
    status, _ = call(office, "POST", "/api/v1/documents/outgoing", token_for("xinbin"), notice)
    assert status == 403


def test_a_countersign_due_date_that_has_passed_is_refused(office):  # issue 8 #6
    doc = document_submit(actor=person("xinbin"), document=county_request())
    token = token_for("clerk")
    status, body = call(
        office, "POST", f"/api/v1/documents/{doc.pk}/actions/register", token, {"proposed_handling": "拟请会签。"}
    )
    assert status == 200, body
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    request = {"units": ["finance"], "due_by": yesterday}
    status, body = call(office, "POST", f"/api/v1/documents/{doc.pk}/actions/request_countersign", token, request)
    assert status == 422 and "会签时限" in body["message"], body
    assert not doc.countersigns.exists()


def _logged_in_opener(server: Any, username: str) -> tuple[Any, Any]:
    import http.cookiejar
    import re

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(server.url + "/accounts/login/").read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = f"csrfmiddlewaretoken={csrf}&username={username}&password=Demo-2026-cityhall".encode()
    opener.open(urllib.request.Request(server.url + "/accounts/login/", data=form))  # noqa: S310
    return opener, jar


CHECK = {
    "kind": "请示",
    "title": "关于道路修缮资金的请示",
    "body": "特申请补助资金。\n妥否，请批示。",
    "issuer": "新宾满族自治县人民政府",
    "addressees": ["抚顺市人民政府"],
    "signed_by": "县长",
}


def test_8_1_a_session_write_needs_the_csrf_token_and_a_bearer_write_does_not(office):  # issue 8 #1
    body = json.dumps(CHECK).encode()
    opener, jar = _logged_in_opener(office, "xinbin")
    request = urllib.request.Request(  # noqa: S310
        office.url + "/api/v1/documents/check", data=body, headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(request)
    assert refused.value.code == 403
    assert json.loads(refused.value.read())["code"] == "csrf_failed"
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    request.add_header("X-CSRFToken", csrf)
    request.add_header("Referer", office.url + "/")
    assert opener.open(request).status == 200
    status, answer = call(office, "POST", "/api/v1/documents/check", token_for("xinbin"), CHECK)
    assert status == 200 and answer["ok"] is True
    anonymous = urllib.request.Request(  # noqa: S310
        office.url + "/api/v1/documents/check", data=body, headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as unauthenticated:
        urllib.request.urlopen(anonymous)  # noqa: S310
    assert unauthenticated.value.code == 401
