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
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from . import audit
from .audit import audit_record
from .models import Deadline, InboxItem
from .registry import DeadlineKind, get_kind

log = logging.getLogger("cityhall.worker")
MAX_ATTEMPTS = 5
DEADLINE_LABEL = Deadline._meta.label_lower


@dataclass
class RunStats:
    fired: int = 0
    missed: int = 0
    reminded: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.fired + self.missed + self.reminded + self.failed


class _Claimed(NamedTuple):
    """What firing needs of a claimed row. Handlers get full Deadline objects; a kind without one
    needs no more than this, and building 2,000 model instances per batch was a fifth of its time."""

    pk: int
    kind: str
    rule_id: str
    subject_label: str
    due_date: dt.date
    due_at: dt.datetime

    def __str__(self) -> str:
        return Deadline.label_for(self.subject_label, self.due_date)


def _claim(queryset, batch: int) -> list[_Claimed]:  # type: ignore[no-untyped-def]
    rows = queryset.select_for_update(skip_locked=True).order_by("due_at", "id")
    return [_Claimed(*r) for r in rows.values_list(*_Claimed._fields)[:batch]]


def _check_outcome(d: Deadline, outcome: object) -> str:
    if outcome not in (Deadline.State.FIRED, Deadline.State.MISSED):
        raise ValueError(f"handler for {d.kind} returned {outcome!r}")
    return str(outcome)


def _record_closed(d: Deadline | _Claimed, outcome: str, now: dt.datetime) -> None:
    audit_record(
        actor=None,
        action=f"deadline.{outcome}",
        subject_override=(DEADLINE_LABEL, str(d.pk), str(d)[:200]),
        before={"state": "pending"},
        after={"state": outcome, "due_at": d.due_at.isoformat(), "kind": d.kind},
        rule_ids=[d.rule_id],
        at=now,
    )


def _has_handler(kind: DeadlineKind) -> bool:
    return kind.on_due_many is not None or kind.on_due is not None


class _RowFailed(Exception):
    """A per-row handler raised inside a batch: the batch is rolled back and this row is set aside."""

    def __init__(self, deadline: Deadline) -> None:
        super().__init__(deadline.pk)
        self.deadline = deadline


def _close(ids: list[int], outcome: str, now: dt.datetime) -> None:
    if connection.vendor == "postgresql":
        # One array parameter rather than 2,000 placeholders: Django's IN (…) took a third of a batch's time.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE workflow_deadline SET state = %s, closed_at = %s, version = version + 1 WHERE id = ANY(%s)",
                [outcome, now, ids],
            )
        return
    Deadline.objects.filter(pk__in=ids).update(state=outcome, closed_at=now, version=F("version") + 1)


def _fire_batch(rows: list[_Claimed], now: dt.datetime, stats: RunStats) -> None:
    """The whole claimed batch at once: each kind's handler over its rows, then one UPDATE per outcome.

    Any exception leaves the batch to the caller, which rolls it back (see ``fire_due``).
    """
    by_kind: dict[str, list[_Claimed]] = {}
    for c in rows:
        by_kind.setdefault(c.kind, []).append(c)
    handled = [c.pk for key, group in by_kind.items() if _has_handler(get_kind(key)) for c in group]
    # One more read, of rows this transaction already holds, for the kinds whose handlers take objects.
    objects = Deadline.objects.in_bulk(handled) if handled else {}
    outcomes: dict[int, str] = {}
    for key, claimed in by_kind.items():
        kind = get_kind(key)
        group = [objects[c.pk] for c in claimed] if _has_handler(kind) else []
        if kind.on_due_many is not None:
            result = kind.on_due_many(group, now)
            outcomes.update({d.pk: _check_outcome(d, result.get(d.pk)) for d in group})
        elif kind.on_due is not None:
            for d in group:
                try:
                    outcomes[d.pk] = _check_outcome(d, kind.on_due(d, now))
                except Exception as exc:
                    raise _RowFailed(d) from exc
        else:
            outcomes.update({c.pk: Deadline.State.MISSED for c in claimed})
    for outcome in (Deadline.State.FIRED, Deadline.State.MISSED):
        ids = [c.pk for c in rows if outcomes[c.pk] == outcome]
        if ids:
            _close(ids, outcome, now)
    for c in rows:
        _record_closed(c, outcomes[c.pk], now)
    stats.fired += sum(1 for o in outcomes.values() if o == Deadline.State.FIRED)
    stats.missed += sum(1 for o in outcomes.values() if o == Deadline.State.MISSED)


def _record_failure(d: Deadline, now: dt.datetime, error: str, stats: RunStats) -> None:
    """A handler failed: back off and retry later, or after the last attempt give up as missed (never lost)."""
    d.attempts += 1
    d.last_error = error[-2000:]
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
    log.error("deadline %s (%s) handler failed: %s", d.pk, d.kind, d.last_error.splitlines()[-1:])
    stats.failed += 1


def _fire_one(d: Deadline, now: dt.datetime, pending_events: list[Any], stats: RunStats) -> None:
    """One deadline in its own savepoint: a failing handler undoes only its own work and is retried later."""
    kind = get_kind(d.kind)
    mark = len(pending_events)
    original = (d.state, d.closed_at, d.version)
    try:
        with transaction.atomic():
            if kind.on_due_many is not None:
                outcome = _check_outcome(d, kind.on_due_many([d], now).get(d.pk))
            elif kind.on_due is not None:
                outcome = _check_outcome(d, kind.on_due(d, now))
            else:
                outcome = Deadline.State.MISSED
            d.state = outcome
            d.closed_at = now
            d.version += 1
            d.save(update_fields=["state", "closed_at", "version"])
            _record_closed(d, outcome, now)
    except Exception:
        del pending_events[mark:]  # the handler's audit events go with its rolled-back work
        # The savepoint rolled back the row, not this object: forget what the failed try set on it.
        d.state, d.closed_at, d.version = original
        _record_failure(d, now, traceback.format_exc(limit=5), stats)
        return
    if outcome == Deadline.State.FIRED:
        stats.fired += 1
    else:
        stats.missed += 1


def _fresh(ids: list[int]) -> list[Deadline]:
    # The handlers may have changed the instances before a rollback: read the rows again (still locked by us).
    return list(Deadline.objects.filter(pk__in=ids).order_by("due_at", "id"))


def fire_due(now: dt.datetime, batch: int = 2000) -> RunStats:
    """One batch of due deadlines: claim, handle, mark, audit — in one transaction.

    The batch is handled as a whole (one UPDATE per outcome, the audit events in one INSERT) inside
    one savepoint. If a row's handler raises, the savepoint is rolled back, that row alone is
    recorded as failed (to be retried after its back-off) and the rest of the batch is tried again.
    If anything else raises (a batch handler, the audit), the rows — still locked by this
    transaction — are redone one by one, each in its own savepoint. Either way one bad row never
    holds back the others, and no row is handled twice in what commits.
    """
    stats = RunStats()
    with audit.atomic() as pending_events:
        due = Deadline.objects.filter(state=Deadline.State.PENDING, due_at__lte=now).exclude(not_before__gt=now)
        rows = _claim(due, batch)
        while rows:
            mark = len(pending_events)
            attempt = RunStats()
            try:
                with transaction.atomic():
                    _fire_batch(rows, now, attempt)
            except _RowFailed as failure:
                del pending_events[mark:]
                bad = failure.deadline.pk
                cause = failure.__cause__ or failure
                error = "".join(traceback.format_exception(type(cause), cause, cause.__traceback__, limit=5))
                _record_failure(Deadline.objects.get(pk=bad), now, error, stats)
                rows = [c for c in rows if c.pk != bad]
                continue
            except Exception:
                del pending_events[mark:]
                log.warning(
                    "a batch of %s deadlines failed as a whole; redoing it row by row", len(rows), exc_info=True
                )
                for d in _fresh([d.pk for d in rows]):
                    _fire_one(d, now, pending_events, stats)
                break
            stats.fired += attempt.fired
            stats.missed += attempt.missed
            break
    return stats


def send_reminders(now: dt.datetime, batch: int = 200) -> RunStats:
    stats = RunStats()
    with audit.atomic():
        due = Deadline.objects.filter(
            state=Deadline.State.PENDING, reminded_at__isnull=True, remind_at__lte=now, due_at__gt=now
        )
        for d in due.select_for_update(skip_locked=True).order_by("due_at", "id")[:batch]:
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


def run_once(now: dt.datetime | None = None, batch: int = 2000) -> RunStats:
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


def run_forever(interval: float = 2.0, batch: int = 2000) -> None:  # pragma: no cover - exercised by hand
    log.info("cityhall worker started (interval %ss, batch %s)", interval, batch)
    while True:
        stats = run_once(batch=batch)
        if stats.total:
            log.info(
                "fired %s, missed %s, reminded %s, failed %s", stats.fired, stats.missed, stats.reminded, stats.failed
            )
        time.sleep(interval)
