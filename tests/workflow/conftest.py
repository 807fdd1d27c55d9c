"""Shared helpers for the workflow tests: deadline rows made directly, and test deadline kinds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow import registry
from cityhall.workflow.audit import audit_record
from cityhall.workflow.models import Deadline

NOW = dt.datetime(2026, 10, 12, 9, 0, tzinfo=LOCAL_TZ)
RECORDING_KIND = "test.workflow.recording"


def record_firing(d: Deadline, now: dt.datetime) -> str:
    """A due handler whose effect is visible in the database: one audit event per firing."""
    audit_record(actor=None, action="test.fired", subject=d, after={"at": now.isoformat()}, at=now)
    return Deadline.State.FIRED


def deadline_row(*, kind: str, due_at: dt.datetime, **extra: Any) -> Deadline:
    """An unsaved Deadline, as a module would schedule it, without going through the rulebook."""
    fields: dict[str, Any] = {
        "subject_label": "测试事项",
        "kind": kind,
        "rule_id": "countersign.reply",
        "rule_version": 1,
        "anchor_at": due_at - dt.timedelta(days=10),
        "due_date": (due_at - dt.timedelta(seconds=1)).astimezone(LOCAL_TZ).date(),
        "due_at": due_at,
    }
    fields.update(extra)
    return Deadline(**fields)


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture
def build_deadline() -> Callable[..., Deadline]:
    return deadline_row


@pytest.fixture
def firing_recorder() -> Callable[[Deadline, dt.datetime], str]:
    return record_firing


@pytest.fixture
def make_deadline() -> Callable[..., Deadline]:
    def make(
        *, kind: str = RECORDING_KIND, due_at: dt.datetime = NOW - dt.timedelta(hours=1), **extra: Any
    ) -> Deadline:
        d = deadline_row(kind=kind, due_at=due_at, **extra)
        d.save()
        return d

    return make


@pytest.fixture
def register_kind() -> Iterator[Callable[..., registry.DeadlineKind]]:
    """Register deadline kinds for one test and restore the registry afterwards."""
    saved = registry.registered()

    def register(key: str, **kwargs: Any) -> registry.DeadlineKind:
        kwargs.setdefault("label", key)
        return registry.register(registry.DeadlineKind(key=key, **kwargs))

    yield register
    registry._kinds.clear()
    registry._kinds.update(saved)


@pytest.fixture
def recording_kind(register_kind: Callable[..., registry.DeadlineKind]) -> registry.DeadlineKind:
    return register_kind(RECORDING_KIND, on_due=record_firing)
