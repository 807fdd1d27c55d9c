"""The documents API (one endpoint per action) and the JSON import/export CLI."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from cityhall.documents.models import Document
from cityhall.org.demo import load_demo

pytestmark = pytest.mark.django_db
REQUEST = {
    "kind": "请示",
    "title": "关于新宾县农村公路养护资金的请示",
    "body": "特申请补助资金。妥否，请批示。",
    "issuer": "xinbin",
    "addressees": ["抚顺市人民政府"],
    "signed_by": "县长",
    "matter_unit": "transport",
}


def login(client, username: str) -> None:
    client.force_login(get_user_model().objects.get(username=username))


def post(client, url: str, data: dict | None = None):
    return client.post(url, data or {}, content_type="application/json")


def test_a_request_goes_through_the_api_with_citations_on_every_refusal(client):  # 48, 49
    load_demo()
    login(client, "xinbin")
    created = post(client, "/api/v1/documents", REQUEST)
    assert created.status_code == 201
    pk = created.json()["id"]
    assert post(client, f"/api/v1/documents/{pk}/actions/submit").json()["state"] == "submitted"
    # The county cannot register its own document: that is the office's step.
    assert post(client, f"/api/v1/documents/{pk}/actions/register", {"proposed_handling": "x"}).status_code == 403
    login(client, "clerk")
    bad = post(client, f"/api/v1/documents/{pk}/actions/register", {"proposed_handling": ""})
    assert bad.status_code == 409 and "第四十九条" in bad.json()["citation"]
    assert (
        post(client, f"/api/v1/documents/{pk}/actions/register", {"proposed_handling": "拟请分管副市长阅示"}).json()[
            "state"
        ]
        == "registered"
    )
    routed = post(client, f"/api/v1/documents/{pk}/actions/route").json()
    assert routed["routed_to"] == "vice-mayor-5"
    login(client, "vm5")
    vague = post(client, f"/api/v1/documents/{pk}/actions/instruct", {"opinion": "已阅"})
    assert vague.status_code == 409 and vague.json()["code"] == "no_clear_opinion"
    done = post(client, f"/api/v1/documents/{pk}/actions/instruct", {"opinion": "批示", "text": "请市交通局办理。"})
    assert done.json()["state"] == "decided"
    history = client.get(f"/api/v1/documents/{pk}/history").json()
    assert [h["action"] for h in history][-1] == "document.instruct"
    assert any("第四十九条" in c for h in history for c in h["citations"])
    assert post(client, f"/api/v1/documents/{pk}/actions/fly").status_code == 422


def test_another_unit_cannot_read_or_act_on_a_document(client):
    load_demo()
    login(client, "xinbin")
    pk = post(client, "/api/v1/documents", REQUEST).json()["id"]
    login(client, "fgw")
    assert client.get(f"/api/v1/documents/{pk}").status_code == 403
    assert post(client, f"/api/v1/documents/{pk}/actions/submit").status_code == 403
    assert post(client, "/api/v1/documents", REQUEST).status_code == 403  # not fgw's unit


def test_export_and_import_as_json(tmp_path, capsys):
    load_demo()
    path = tmp_path / "request.json"
    path.write_text(json.dumps(REQUEST, ensure_ascii=False), encoding="utf-8")
    call_command("documents", "import", str(path), "--as", "xinbin")
    doc = Document.objects.get(title=REQUEST["title"])
    assert doc.state == "submitted"
    capsys.readouterr()
    call_command("documents", "export", str(doc.pk))
    exported = json.loads(capsys.readouterr().out)
    assert exported["title"] == REQUEST["title"] and exported["issuer"] == "xinbin"
    assert [h["action"] for h in exported["history"]] == ["document.draft", "document.submit"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**REQUEST, "signed_by": "副县长"}, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError) as err:
        call_command("documents", "import", str(bad), "--as", "xinbin")
    assert err.value.returncode == 2 and "第四十九条" in str(err.value)
    with pytest.raises(CommandError):
        call_command("documents", "import", str(path), "--as", "fgw")
