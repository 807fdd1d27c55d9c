"""The generic inbox helpers: a module's own item kind, and an act done on an absent leader's behalf."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cityhall.org.demo import load_demo
from cityhall.org.models import Person, Position
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow.models import InboxItem
from cityhall.workflow.services import inbox_close, inbox_open

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 10, 12, 9, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def subject() -> Position:
    load_demo()
    return Position.objects.get(code="vice-mayor-3")


def _open(subject: Position, key: str, **extra: Any) -> InboxItem:
    return inbox_open(subject, key=key, title="测试事项", url="/test/", at=AT, position=subject, **extra)


def test_inbox_open_stores_the_kind_it_is_given(subject: Position) -> None:
    default = _open(subject, "a")
    own = _open(subject, "b", kind="meetings.plan")
    default.refresh_from_db()
    own.refresh_from_db()
    assert default.kind == "org.position"  # the subject's model label, as before
    assert own.kind == "meetings.plan"
    assert own.unit == subject.unit and own.assignee_position == subject


def test_inbox_close_records_on_whose_behalf(subject: Position) -> None:
    actor, absent = Person.objects.order_by("pk")[:2]
    acting = _open(subject, "sign")
    plain = _open(subject, "issue")
    other = _open(subject, "other")
    later = AT + dt.timedelta(hours=1)

    assert inbox_close(subject, ["sign"], actor=actor, at=later, on_behalf_of=absent) == 1
    assert inbox_close(subject, ["issue"], actor=actor, at=later) == 1
    assert inbox_close(subject, ["sign"], actor=absent, at=later) == 0  # already done: left as it was

    for item in (acting, plain, other):
        item.refresh_from_db()
    assert (acting.state, acting.done_by, acting.done_on_behalf_of, acting.done_at) == ("done", actor, absent, later)
    assert (plain.state, plain.done_by, plain.done_on_behalf_of) == ("done", actor, None)
    assert (other.state, other.done_by, other.done_on_behalf_of) == ("open", None, None)
