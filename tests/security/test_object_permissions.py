"""Every page and endpoint that names an object, tried by every role against an object that is not theirs.

Each row must refuse (403 or 404; a login redirect or 401 when anonymous) and change nothing. Pages go
through Django's client (CSRF is the subject of test_api_as_clients.py, not of this matrix); the API goes
over real HTTP with each role's bearer token.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from cityhall.accounts.models import ApiToken
from cityhall.documents.models import Attachment, Document
from cityhall.documents.services import document_create_incoming, document_submit
from cityhall.org.demo import load_demo
from cityhall.org.models import Absence, Person, Position, Unit
from cityhall.org.services import absence_record
from cityhall.workflow.models import AuditEvent, InboxItem
from cityhall.workflow.services import deadline_schedule, inbox_item_create

pytestmark = pytest.mark.django_db(transaction=True)

# Roles with no business with Xinbin's documents, vm3's item or vm3's absence.
OUTSIDERS = ["qingyuan", "finance", "vm6", "justice"]


@pytest.fixture
def world(live_server) -> dict[str, Any]:
    load_demo()
    xinbin = Person.objects.get(user__username="xinbin")
    unit = Unit.objects.get(code="xinbin")

    def request(title: str) -> Document:
        return document_create_incoming(
            actor=xinbin,
            issuer_unit=unit,
            kind="请示",
            title=title,
            body="特申请补助资金。\n妥否，请批示。",
            addressees=["抚顺市人民政府"],
            signed_by_title="县长",
        )

    draft = request("关于县内道路修缮资金的请示（草稿）")
    Attachment.objects.create(document=draft, name="明细.txt", file=ContentFile(b"detail", name="detail.txt"))
    submitted = document_submit(actor=xinbin, document=request("关于县内学校维修资金的请示"))
    vm3 = Position.objects.get(code="vice-mayor-3")
    now = timezone.now()
    deadline = deadline_schedule(
        actor=None,
        subject=None,
        subject_label="副市长事项",
        kind="test",
        rule_id="countersign.reply",
        anchor=dt.date(2026, 1, 5),
        assignee_position=vm3,
    )
    item = inbox_item_create(actor=None, title="副市长事项", kind="test", assignee_position=vm3, deadline=deadline)
    absence = absence_record(
        actor=None, position=vm3, start=now + dt.timedelta(days=3), end=now + dt.timedelta(days=4), reason="出差"
    )
    return {
        "server": live_server,
        "draft": draft,
        "submitted": submitted,
        "attachment": draft.attachments.get(),
        "item": item,
        "deadline": deadline,
        "absence": absence,
    }


def page_rows(w: dict[str, Any]) -> list[tuple[str, str]]:
    d, s = w["draft"].pk, w["submitted"].pk
    return [
        ("GET", f"/documents/{d}/"),
        ("GET", f"/documents/{d}/edit/"),
        ("POST", f"/documents/{d}/edit/"),
        ("GET", f"/documents/{d}/edit-outgoing/"),
        ("GET", f"/documents/{d}/sheet/"),
        ("GET", f"/documents/{d}/preview/"),
        ("GET", f"/documents/{d}/docx/"),
        ("GET", f"/documents/{d}/pdf/"),
        ("GET", f"/documents/{d}/attachments/{w['attachment'].pk}/"),
        ("POST", f"/documents/{d}/act/submit/"),
        ("POST", f"/documents/{d}/act/delete/"),
        ("POST", f"/documents/{s}/act/register/"),
        ("POST", f"/documents/{s}/act/return/"),
        ("POST", f"/documents/{s}/act/recall/"),
        ("POST", f"/inbox/{w['item'].pk}/done/"),
        ("POST", f"/org/absences/{w['absence'].pk}/end/"),
        ("GET", "/documents/access-log/"),
        ("POST", "/audit/verify/"),
    ]


def api_rows(w: dict[str, Any]) -> list[tuple[str, str]]:
    d, s = w["draft"].pk, w["submitted"].pk
    return [
        ("GET", f"/api/v1/documents/{d}"),
        ("GET", f"/api/v1/documents/{d}/history"),
        ("POST", f"/api/v1/documents/{d}/actions/submit"),
        ("POST", f"/api/v1/documents/{s}/actions/register"),
        ("POST", f"/api/v1/inbox/{w['item'].pk}/done"),
        ("GET", f"/api/v1/deadlines/{w['deadline'].pk}"),
    ]


def snapshot(w: dict[str, Any]) -> tuple[Any, ...]:
    return (
        tuple(Document.objects.order_by("pk").values_list("pk", "state", "title")),
        InboxItem.objects.get(pk=w["item"].pk).state,
        Absence.objects.get(pk=w["absence"].pk).end,
        Attachment.objects.count(),
    )


def test_pages_refuse_every_outsider_and_change_nothing(world):
    before = snapshot(world)
    events = AuditEvent.objects.count()
    anonymous = Client()
    failures = []
    for method, path in page_rows(world):
        response = anonymous.generic(method, path)
        if response.status_code != 302 or "/accounts/login/" not in response["Location"]:
            failures.append(("anonymous", method, path, response.status_code))
    for username in OUTSIDERS:
        client = Client(raise_request_exception=False)
        client.force_login(get_user_model().objects.get(username=username))
        for method, path in page_rows(world):
            status = client.generic(method, path).status_code
            if status not in (403, 404):
                failures.append((username, method, path, status))
    assert not failures
    assert snapshot(world) == before
    assert AuditEvent.objects.count() == events


def _api(server: Any, method: str, path: str, token: str | None) -> int:
    data = b"{}" if method == "POST" else None
    request = urllib.request.Request(server.url + path, data=data, method=method)  # noqa: S310 - our live server
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        json.loads(exc.read() or b"null")  # every refusal is JSON, never an HTML page
        return exc.code


def test_the_api_refuses_every_outsider_and_changes_nothing(world):
    before = snapshot(world)
    events = AuditEvent.objects.count()
    failures = []
    for method, path in api_rows(world):
        status = _api(world["server"], method, path, None)
        if status != 401:
            failures.append(("anonymous", method, path, status))
    for username in OUTSIDERS:
        _, token = ApiToken.issue(get_user_model().objects.get(username=username), "matrix")
        for method, path in api_rows(world):
            status = _api(world["server"], method, path, token)
            if status not in (403, 404):
                failures.append((username, method, path, status))
    assert not failures
    assert snapshot(world) == before
    assert AuditEvent.objects.count() == events
