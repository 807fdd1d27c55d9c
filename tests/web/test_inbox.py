"""The inbox: items reach the acting leader marked 代, overdue shows without a worker, done goes to 已办."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cityhall.org.demo import load_demo
from cityhall.org.models import Person, Position
from cityhall.org.services import absence_record
from cityhall.workflow.models import AuditEvent, InboxItem
from cityhall.workflow.services import deadline_schedule, inbox_item_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def vm3_away_with_item():
    load_demo()
    vm3 = Position.objects.get(code="vice-mayor-3")
    now = timezone.now()
    absence_record(
        actor=None,
        position=vm3,
        start=now - dt.timedelta(hours=2),
        end=now + dt.timedelta(days=2),
        reason="赴省参加会议",
    )
    deadline = deadline_schedule(
        actor=None,
        subject=None,
        subject_label="请示：测试事项",
        kind="test",
        rule_id="countersign.reply",
        anchor=dt.date(2026, 1, 5),
        assignee_position=vm3,
    )
    return inbox_item_create(
        actor=None, title="请示：测试事项", kind="test", assignee_position=vm3, deadline=deadline, for_reading=True
    )


def login(client, username: str) -> None:
    client.force_login(get_user_model().objects.get(username=username))


def test_the_ab_partner_sees_the_absent_vice_mayors_item_marked_acting(vm3_away_with_item, client):  # 7-2
    login(client, "vm4")
    items = client.get("/api/v1/inbox").json()
    assert [i["id"] for i in items] == [vm3_away_with_item.pk]
    assert items[0]["acting_for"] == "副市长宁致和" and "代副市长宁致和办理" in items[0]["acting_message"]
    assert items[0]["overdue"] is True  # due 2026-01-08; no worker has run
    html = client.get("/").content.decode()
    assert "acting" in html and ">代<" in html and "已逾期" in html


def test_others_do_not_see_it(vm3_away_with_item, client):
    login(client, "vm6")
    assert client.get("/api/v1/inbox").json() == []


def test_completing_as_acting_leader_records_both_people(vm3_away_with_item, client):
    login(client, "vm4")
    client.post(f"/inbox/{vm3_away_with_item.pk}/done/")
    item = InboxItem.objects.get(pk=vm3_away_with_item.pk)
    vm3_person = Person.objects.get(holdings__position__code="vice-mayor-3")
    vm4_person = Person.objects.get(holdings__position__code="vice-mayor-4")
    assert (item.state, item.done_by, item.done_on_behalf_of) == ("done", vm4_person, vm3_person)
    event = AuditEvent.objects.get(action="inbox.complete")
    assert (event.actor, event.on_behalf_of) == (vm4_person, vm3_person)
    assert "代" in client.get("/?state=done").content.decode()


def test_the_inbox_page_query_count_does_not_grow_with_items(vm3_away_with_item, client):
    login(client, "vm4")
    vm3 = Position.objects.get(code="vice-mayor-3")
    client.get("/")  # warm caches (content types, calendar)
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for n in range(20):
        inbox_item_create(actor=None, title=f"事项{n}", kind="test", assignee_position=vm3)
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)


@pytest.mark.rule("countersign.reply")
def test_a_reminder_reaches_the_assignees_inbox_before_the_due_time(client):
    from cityhall.workflow.worker import run_once

    load_demo()
    position = Position.objects.get(code="head-fgw")
    deadline = deadline_schedule(
        actor=None,
        subject=None,
        subject_label="会签：年度计划",
        kind="test.no-handler",
        rule_id="countersign.reply",
        anchor=dt.date(2026, 11, 23),
        assignee_position=position,
    )
    # Due at 2026-11-27 00:00; the default reminder is a day earlier.
    stats = run_once(now=deadline.due_at - dt.timedelta(hours=12))
    assert stats.reminded == 1 and stats.fired == stats.missed == 0
    reminder = InboxItem.objects.get(kind="reminder")
    assert reminder.title == "催办：会签：年度计划" and reminder.assignee_position == position
    assert run_once(now=deadline.due_at - dt.timedelta(hours=11)).reminded == 0  # only once
    login(client, "fgw")
    assert [i["title"] for i in client.get("/api/v1/inbox").json()] == ["催办：会签：年度计划"]
