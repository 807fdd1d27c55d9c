"""The shell every page shares: Chinese error pages instead of Django's, and an audit trail people can read."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from cityhall.documents.services import document_create_incoming
from cityhall.org.demo import load_demo
from cityhall.org.models import Person, Unit
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.labels import action_label, changes

pytestmark = pytest.mark.django_db

CODE = re.compile(r"\b(?:document|countersign|inbox|deadline|absence)\.[a-z_]+\b|vice-mayor-\d|\bmayor\b")


def signed_in(username: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username=username))
    return client


@override_settings(DEBUG=False)
def test_a_missing_page_is_our_chinese_404_not_djangos():
    load_demo()
    response = signed_in("clerk").get("/documents/999999/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "找不到您要的页面" in body and "返回我的待办" in body
    assert "Page not found" not in body and "Django" not in body


@override_settings(DEBUG=False)
def test_a_refusal_is_a_chinese_403_page_that_says_why():
    load_demo()
    doc = document_create_incoming(
        actor=Person.objects.get(user__username="xinbin"),
        issuer_unit=Unit.objects.get(code="xinbin"),
        kind="请示",
        title="关于某县内部事项的请示",
        body="正文。",
        addressees=["抚顺市人民政府"],
        signed_by_title="县长",
    )
    response = signed_in("finance").get(f"/documents/{doc.pk}/")
    body = response.content.decode()
    assert response.status_code == 403
    assert "您无权访问此页面" in body and 'id="refusal"' in body
    assert "403 Forbidden" not in body


@override_settings(DEBUG=False)
def test_a_server_error_is_a_chinese_500_page():
    client = Client(raise_request_exception=False)
    from django.views import defaults

    body = defaults.server_error(client.get("/").wsgi_request).content.decode()
    assert "系统出错，本次操作未完成" in body and "Server Error" not in body


def test_the_audit_page_names_actions_and_shows_each_changed_field():
    load_demo()
    clerk = Person.objects.get(user__username="clerk")
    with audit.atomic():
        audit_record(
            actor=clerk,
            action="document.edit",
            before={"title": "旧标题", "state": "draft", "body": "甲" * 300},
            after={"title": "新标题", "state": "submitted", "body": "乙" * 300},
            rule_ids=["documents.intake"],
        )
    body = signed_in("clerk").get("/audit/").content.decode()
    row = body[body.index('data-action="document.edit"') :]
    row = row[: row.index("</tbody>")]
    assert "修改公文" in row
    assert "<del>旧标题</del> → <ins>新标题</ins>" in row
    assert "<del>草稿</del>" in row  # states by name
    assert "<details><summary>内容较长，点击展开</summary>" in row  # the 300-character body folds
    assert not CODE.search(re.sub(r'data-[a-z-]+="[^"]*"|href="[^"]*"', "", row))


def test_every_audit_code_in_the_code_base_has_a_name():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "cityhall"
    found = set()
    for path in root.rglob("*.py"):
        found |= set(
            re.findall(r'action="((?:document|countersign|inbox|deadline|absence|brief)\.[a-z_]+)"', path.read_text())
        )
    unnamed = {
        code for code in found if action_label(code) in ("公文操作", "会签", "期限", "待办", "外出", "简报", "其他操作")
    }
    assert not unnamed


def test_changes_lists_only_what_differs():
    assert [c.name for c in changes('{"title": "甲", "state": "draft"}', '{"title": "甲", "state": "submitted"}')] == [
        "状态"
    ]
    assert changes("", "") == []


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)  # attributes (ids, data-*, hrefs) are not shown
    return html


POSITION_OR_ACTION = re.compile(
    r"\b(?:vice-mayor-\d|deputy-sg-\d|secretary-general|mayor|head-[a-z-]+|office-clerk-\d)\b"
    r"|\b(?:document|countersign|inbox|deadline|absence|brief)\.[a-z_]+\b"
    r"|\b(?:countersign|documents|signing|leave|minutes|supervision|meeting|decision)\.[a-z-]+\b"
    r"|\btopic\.[a-z_]+\b|\b(?:office_collects|secretary_general_checks|executive_vice_mayor_reviews|mayor_decides)\b"
)


def test_no_page_shows_a_position_rule_or_action_code():  # issue 7: names, not codes
    from cityhall.documents.demo import load_documents
    from cityhall.meetings.demo import load_topics

    load_demo()
    load_documents()
    load_topics()
    shown = []
    for username in ("clerk", "mayor", "vm4", "xinbin", "finance", "baomi"):
        client = signed_in(username)
        paths = ["/", "/?state=done", "/documents/", "/documents/?queue=all", "/org/", "/audit/", "/rules/"]
        paths += ["/rules/countersign.reply/", "/rules/calculate/?rule=countersign.reply&anchor=2026-09-30"]
        page = client.get("/documents/?queue=all").content.decode()
        paths += sorted(set(re.findall(r'href="(/documents/\d+/)"', page)))[:8]
        topics = client.get("/meetings/").content.decode()
        paths += ["/meetings/", *sorted(set(re.findall(r'href="(/meetings/topics/\d+/)"', topics)))]
        for path in paths:
            response = client.get(path)
            if response.status_code != 200:
                continue
            for match in POSITION_OR_ACTION.finditer(_visible_text(response.content.decode())):
                shown.append((username, path, match.group(0)))
    assert not shown[:20]


def _events(n: int, start: int = 0) -> None:
    import datetime as dt

    from django.utils import timezone

    base = timezone.now() - dt.timedelta(days=1)
    with audit.atomic():
        for i in range(start, start + n):
            # Two events per second: the page boundary must also hold between events of the same moment.
            audit_record(actor=None, action="test.page", after={"n": i}, at=base + dt.timedelta(seconds=i // 2))


def test_the_audit_trail_pages_by_position_without_counting_and_at_any_depth_in_the_same_queries():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    load_demo()
    client = signed_in("clerk")
    client.get("/audit/")  # session and caches warm

    def walk() -> tuple[list[int], list[int]]:
        """Follow 较早 to the end, then 较新 back; the audit ids of each page and the queries of each request."""
        pages, queries, url = [], [], "/audit/?subject=test.page"
        while url:
            with CaptureQueriesContext(connection) as ctx:
                body = client.get(url).content.decode()
            queries.append(len(ctx.captured_queries))
            # No COUNT(*) over the trail (the menu's own counts are of other tables).
            assert not any(
                "COUNT(" in q["sql"].upper() and "workflow_auditevent" in q["sql"] for q in ctx.captured_queries
            )
            pages.append([int(i) for i in re.findall(r'data-event="(\d+)"', body)])
            older = re.search(r'rel="next" href="([^"]+)"', body)
            url = "/audit/" + older.group(1).replace("&amp;", "&") if older else ""
        return [i for p in pages for i in p], queries

    _events(120)
    ids, small = walk()
    from cityhall.workflow.models import AuditEvent

    expected = list(
        AuditEvent.objects.filter(action="test.page").order_by("-occurred_at", "-id").values_list("id", flat=True)
    )
    assert ids == expected  # every event once, newest first, none skipped at the boundaries
    assert len(small) == 3
    _events(1200, start=120)
    ids, large = walk()
    assert len(ids) == 1320 and len(set(ids)) == 1320
    assert max(large) == max(small), f"120 events: {small} queries; 1,320: {set(large)}"

    # 较新 from the second page comes back to exactly the first page.
    first = client.get("/audit/?subject=test.page").content.decode()
    second_url = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get("/audit/" + second_url).content.decode()
    back_url = re.search(r'rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    back = client.get("/audit/" + back_url).content.decode()
    assert re.findall(r'data-event="(\d+)"', back) == re.findall(r'data-event="(\d+)"', first)
    assert "回到最新" in second and "较早的记录" in second
    # A tampered boundary starts again from the newest rather than failing.
    newest = AuditEvent.objects.order_by("-occurred_at", "-id").first()
    assert re.findall(r'data-event="(\d+)"', client.get("/audit/?before=abc-1").content.decode())[:1] == [
        str(newest.pk)
    ]
