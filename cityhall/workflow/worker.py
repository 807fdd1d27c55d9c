"""The deadline worker: fires each due deadline exactly once.

Any number of workers may run. Each claims a batch of due rows with
``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL), so two workers never take the
same row, and handles the batch in the same transaction that marks the rows
fired: if a worker dies mid-batch, its transaction rolls back, the locks are
released and another worker takes the rows. On SQLite the database serialises
writers, so the same code is simply single-file.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .audit import audit_record, deferred_audit
from .models import Deadline, InboxItem
from .registry import get_kind

log = logging.getLogger("cityhall.worker")
MAX_ATTEMPTS = 5


@dataclass
class RunStats:
    fired: int = 0
    missed: int = 0
    reminded: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.fired + self.missed + self.reminded + self.failed


def _claim(queryset, batch: int):  # type: ignore[no-untyped-def]
    return list(queryset.select_for_update(skip_locked=True).order_by("due_at", "id")[:batch])


def fire_due(now: dt.datetime, batch: int = 200) -> RunStats:
    """One batch of due deadlines: claim, handle, mark, audit — in one transaction."""
    stats = RunStats()
    with transaction.atomic(), deferred_audit() as pending_events:
        due = Deadline.objects.filter(state=Deadline.State.PENDING, due_at__lte=now).exclude(not_before__gt=now)
        for d in _claim(due, batch):
            kind = get_kind(d.kind)
            mark = len(pending_events)
            original = (d.state, d.closed_at, d.version)
            try:
                with transaction.atomic():  # a savepoint: a failing handler undoes only its own work
                    outcome = kind.on_due(d, now) if kind.on_due else Deadline.State.MISSED
                    if outcome not in (Deadline.State.FIRED, Deadline.State.MISSED):
                        raise ValueError(f"handler for {d.kind} returned {outcome!r}")
                    d.state = outcome
                    d.closed_at = now
                    d.version += 1
                    d.save(update_fields=["state", "closed_at", "version"])
                    audit_record(
                        actor=None,
                        action=f"deadline.{outcome}",
                        subject=d,
                        before={"state": "pending"},
                        after={"state": outcome, "due_at": d.due_at.isoformat(), "kind": d.kind},
                        rule_ids=[d.rule_id],
                        at=now,
                    )
            except Exception:
                del pending_events[mark:]  # the handler's audit events go with its rolled-back work
                # The savepoint rolled back the row, not this object: forget what the failed try set on it.
                d.state, d.closed_at, d.version = original
                d.attempts += 1
                d.last_error = traceback.format_exc(limit=5)[-2000:]
                d.not_before = now + dt.timedelta(minutes=2**d.attempts)
                gave_up = d.attempts >= MAX_ATTEMPTS
                if gave_up:
                    # Stop retrying but never lose it: it is overdue and visible as such.
                    d.state = Deadline.State.MISSED
                    d.closed_at = now
                d.save(update_fields=["attempts", "last_error", "not_before", "state", "closed_at"])
                if gave_up:
                    audit_record(
                        actor=None,
                        action="deadline.missed",
                        subject=d,
                        before={"state": "pending"},
                        after={"state": "missed", "attempts": d.attempts, "error": d.last_error.splitlines()[-1:]},
                        rule_ids=[d.rule_id],
                        at=now,
                    )
                log.exception("deadline %s (%s) handler failed", d.pk, d.kind)
                stats.failed += 1
                continue
            if outcome == Deadline.State.FIRED:
                stats.fired += 1
            else:
                stats.missed += 1
    return stats


def send_reminders(now: dt.datetime, batch: int = 200) -> RunStats:
    stats = RunStats()
    with transaction.atomic(), deferred_audit():
        due = Deadline.objects.filter(
            state=Deadline.State.PENDING, reminded_at__isnull=True, remind_at__lte=now, due_at__gt=now
        )
        for d in _claim(due, batch):
            kind = get_kind(d.kind)
            if kind.on_remind:
                kind.on_remind(d, now)
            elif d.assignee_position_id or d.assignee_person_id:
                # The default reminder (催办): an inbox item for whoever must act, due with the deadline.
                InboxItem.objects.create(
                    title=f"催办：{d.subject_label}"[:200],
                    kind="reminder",
                    deadline=d,
                    subject_type_id=d.subject_type_id,
                    subject_id=d.subject_id,
                    assignee_position_id=d.assignee_position_id,
                    assignee_person_id=d.assignee_person_id,
                    created_at=now,
                )
            d.reminded_at = now
            d.save(update_fields=["reminded_at"])
            audit_record(
                actor=None,
                action="deadline.remind",
                subject=d,
                after={"due_at": d.due_at.isoformat()},
                rule_ids=[d.rule_id],
                at=now,
            )
            stats.reminded += 1
    return stats


def run_once(now: dt.datetime | None = None, batch: int = 200) -> RunStats:
    """Drain everything due at ``now``: reminders, then due deadlines, batch after batch."""
    now = now or timezone.now()
    total = RunStats()
    while True:
        r = send_reminders(now, batch)
        f = fire_due(now, batch)
        total.reminded += r.reminded
        total.fired += f.fired
        total.missed += f.missed
        total.failed += f.failed
        if r.total == 0 and f.fired + f.missed == 0:
            return total


def run_forever(interval: float = 10.0, batch: int = 200) -> None:  # pragma: no cover - exercised by hand
    log.info("cityhall worker started (interval %ss, batch %s)", interval, batch)
    while True:
        stats = run_once(batch=batch)
        if stats.total:
            log.info(
                "fired %s, missed %s, reminded %s, failed %s", stats.fired, stats.missed, stats.reminded, stats.failed
            )
        time.sleep(interval)
