"""Hostile input as real clients send it, over HTTP: NUL, lone surrogates, bad JSON, deep JSON, over-long
values. Each is refused with a Chinese 4xx, never a 500, and nothing is saved (issue 8 #5)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from cityhall.accounts.models import ApiToken
from cityhall.documents.models import Document
from cityhall.org.demo import DEMO_PASSWORD, load_demo

pytestmark = pytest.mark.django_db(transaction=True)


def send(
    url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - our live server
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def api(live_server) -> Any:
    load_demo()
    _, token = ApiToken.issue(get_user_model().objects.get(username="xinbin"), "test")

    def call(method: str, path: str, raw: bytes | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        status, text = send(live_server.url + path, method, raw, headers)
        return status, json.loads(text)

    return call


DRAFT = {
    "kind": "请示",
    "title": "关于道路修缮资金的请示",
    "body": "特申请补助资金。\n妥否，请批示。",
    "issuer": "xinbin",
    "addressees": ["抚顺市人民政府"],
    "signed_by": "县长",
}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/audit?subject=%00",
        "/api/v1/org/acting?position=%00",
        "/api/v1/documents?q=%00",
        "/api/v1/inbox?state=%00",
    ],
)
def test_a_nul_in_a_query_is_a_chinese_400(api, path):
    status, body = api("GET", path)
    assert status == 400 and body["code"] == "bad_characters" and "空字符" in body["message"]


@pytest.mark.parametrize("bad", ["标题\u0000", "\\ud800标题"])
def test_nul_or_a_lone_surrogate_in_json_is_refused_and_nothing_saved(api, bad):
    raw = json.dumps({**DRAFT, "title": "X"}).replace('"X"', json.dumps(bad) if "\\" not in bad else f'"{bad}"')
    status, body = api("POST", "/api/v1/documents", raw.encode())
    assert status == 400 and body["code"] == "bad_characters", body
    assert not Document.objects.exists()


def test_bad_json_gets_a_chinese_message(api):
    status, body = api("POST", "/api/v1/documents", b'{"kind": "\xe8\xaf\xb7\xe7\xa4\xba",')
    assert status == 400 and body["code"] == "bad_json" and "JSON" in body["message"]
    assert "Cannot parse" not in body["message"]


def test_deep_json_is_refused(api):
    status, body = api("POST", "/api/v1/documents/check", b"[" * 5000 + b"]" * 5000)
    assert status == 400, body


def test_an_over_long_title_is_a_422_that_names_the_limit(api):
    status, body = api("POST", "/api/v1/documents", json.dumps({**DRAFT, "title": "关" * 201}).encode())
    assert status == 422 and "200" in body["message"], body
    assert not Document.objects.exists()


def test_a_nul_in_an_html_form_is_a_chinese_400_page(live_server):
    load_demo()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    page = opener.open(live_server.url + "/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = f"csrfmiddlewaretoken={token}&username=xinbin%00&password={DEMO_PASSWORD}".encode()
    request = urllib.request.Request(  # noqa: S310
        live_server.url + "/accounts/login/",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": live_server.url + "/accounts/login/"},
    )
    try:
        opener.open(request)
        status, text = 200, ""
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read().decode()
    assert status == 400 and "空字符" in text and "请求内容有误" in text


def test_an_unknown_classification_is_refused_not_read_as_top_secret(api):  # issue 8 #13
    draft = {**DRAFT, "classification": "TOP", "classification_period": "10年"}
    status, body = api("POST", "/api/v1/documents", json.dumps(draft).encode())
    assert status == 422 and "密级" in body["message"], body
    assert not Document.objects.exists()
