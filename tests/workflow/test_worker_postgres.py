"""The worker under real concurrency, and the database-enforced audit rules: PostgreSQL only."""

from __future__ import annotations

import datetime as dt
import os
import select
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count

from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record, shard_for, subject_key, verify_chain
from cityhall.workflow.models import AuditEvent, Deadline
from cityhall.workflow.worker import RunStats, fire_due, run_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs PostgreSQL (set CITYHALL_TEST_DATABASE_URL)",
    ),
]
ROOT = Path(__file__).resolve().parents[2]
SLOW_KIND = "test.workflow.slow"

# Run in a separate process: claims a batch, then hangs inside the handler with the rows locked.
HANGING_WORKER = textwrap.dedent(
    """
    import datetime as dt, sys, time
    import django
    django.setup()
    from cityhall.workflow.registry import DeadlineKind, register
    from cityhall.workflow.worker import fire_due

    def hang(d, now):
        print("LOCKED", d.pk, flush=True)
        time.sleep(120)
        return "fired"

    register(DeadlineKind(key=sys.argv[1], label="slow", on_due=hang))
    fire_due(dt.datetime.fromisoformat(sys.argv[2]), batch=int(sys.argv[3]))
    print("DONE", flush=True)
    """
)


def firings_per_deadline(pks: list[int]) -> Counter[int]:
    rows = (
        AuditEvent.objects.filter(action="test.fired", subject_type="workflow.deadline")
        .values("subject_id")
        .annotate(n=Count("id"))
    )
    counts = Counter({int(r["subject_id"]): r["n"] for r in rows})
    return Counter({pk: counts.get(pk, 0) for pk in pks})


def run_concurrently(workers: int, target) -> None:  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            target(n)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_three_concurrent_workers_fire_each_of_3000_deadlines_exactly_once(recording_kind, build_deadline, now):
    Deadline.objects.bulk_create(
        [build_deadline(kind=recording_kind.key, due_at=now - dt.timedelta(seconds=i)) for i in range(3000)],
        batch_size=500,
    )
    pks = list(Deadline.objects.values_list("pk", flat=True))
    assert len(pks) == 3000
    start = threading.Barrier(3)
    totals: dict[int, RunStats] = {}

    def worker(n: int) -> None:
        totals[n] = total = RunStats()
        start.wait()
        while True:
            stats = run_once(now, batch=50)
            total.fired += stats.fired
            total.missed += stats.missed
            total.failed += stats.failed
            if stats.total == 0:
                return

    run_concurrently(3, worker)

    assert sum(1 for s in totals.values() if s.fired) > 1, totals  # the work was shared
    assert sum(s.missed for s in totals.values()) == 0
    # Workers take the audit chain heads in one global order (audit.deferred_audit), so they never
    # deadlock each other: no handler fails, and every deadline fires exactly once in one pass.
    assert sum(s.failed for s in totals.values()) == 0, totals
    assert firings_per_deadline(pks) == Counter(dict.fromkeys(pks, 1))
    assert sum(s.fired for s in totals.values()) == 3000
    assert Deadline.objects.filter(state=Deadline.State.FIRED).count() == 3000
    assert AuditEvent.objects.filter(action="deadline.fired").count() == 3000
    report = verify_chain()
    assert report.ok, report.breaks
    assert report.events == 6000


@pytest.mark.django_db(transaction=True)
def test_two_workers_do_not_fail_each_others_handlers_by_deadlocking_on_the_audit_chain(
    register_kind, firing_recorder, build_deadline, now
):
    kind = "test.workflow.rendezvous"
    rows = Deadline.objects.bulk_create(
        [build_deadline(kind=kind, due_at=now + dt.timedelta(days=1)) for _ in range(64)]
    )
    shard = {d.pk: shard_for(*subject_key(d)[:2], "test.fired") for d in rows}
    a1 = rows[0].pk
    a2 = next(pk for pk in shard if shard[pk] != shard[a1])
    b1 = next(pk for pk in shard if shard[pk] == shard[a2] and pk != a2)
    b2 = next(pk for pk in shard if shard[pk] == shard[a1] and pk != a1)
    # Worker A takes a1, a2 (shards S1, S2); worker B then takes b1, b2 (shards S2, S1).
    for i, pk in enumerate([a1, a2, b1, b2]):
        Deadline.objects.filter(pk=pk).update(due_at=now - dt.timedelta(seconds=10 - i))

    a_claimed = threading.Event()
    both_audited_once = threading.Barrier(2, timeout=15)

    def rendezvous(d: Deadline, at: dt.datetime) -> str:
        outcome = firing_recorder(d, at)  # locks the head of this deadline's shard
        if d.pk == a1:
            a_claimed.set()
        if d.pk in (a1, b1):
            both_audited_once.wait()
        return outcome

    register_kind(kind, on_due=rendezvous)
    stats: dict[str, RunStats] = {}

    def worker(n: int) -> None:
        if n == 1:
            assert a_claimed.wait(15)
        stats["AB"[n]] = fire_due(now, batch=2)

    run_concurrently(2, worker)

    assert stats["A"].failed + stats["B"].failed == 0, stats
    assert (stats["A"].fired, stats["B"].fired) == (2, 2)


@pytest.mark.django_db(transaction=True)
def test_rows_held_by_a_worker_killed_mid_batch_are_fired_exactly_once_by_another(
    recording_kind, register_kind, firing_recorder, build_deadline, now
):
    register_kind(SLOW_KIND, on_due=firing_recorder)  # in this process the slow kind is quick
    slow = Deadline.objects.bulk_create(
        [build_deadline(kind=SLOW_KIND, due_at=now - dt.timedelta(hours=2, seconds=i)) for i in range(10)]
    )
    other = Deadline.objects.bulk_create(
        [build_deadline(kind=recording_kind.key, due_at=now - dt.timedelta(hours=1, seconds=i)) for i in range(5)]
    )
    slow_pks = [d.pk for d in slow]
    other_pks = [d.pk for d in other]

    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CITYHALL_TEST_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", HANGING_WORKER, SLOW_KIND, now.isoformat(), "10"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "the hanging worker did not start"
        line = proc.stdout.readline()
        assert line.startswith("LOCKED"), (line, proc.stderr.read() if proc.poll() is not None else "")
        assert int(line.split()[1]) in slow_pks

        # The killed-to-be worker holds all ten slow rows: skip_locked passes them by.
        with transaction.atomic():
            assert list(Deadline.objects.filter(pk__in=slow_pks).select_for_update(skip_locked=True)) == []
        stats = fire_due(now, batch=100)
        assert (stats.fired, stats.failed) == (5, 0)
        assert firings_per_deadline(other_pks) == Counter(dict.fromkeys(other_pks, 1))
        assert firings_per_deadline(slow_pks) == Counter(dict.fromkeys(slow_pks, 0))
        assert set(Deadline.objects.filter(pk__in=slow_pks).values_list("state", flat=True)) == {"pending"}
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    # Its transaction rolled back when it died; the rows are claimable again.
    fired = 0
    deadline = time.monotonic() + 30
    while fired < 10 and time.monotonic() < deadline:
        fired += run_once(now).fired
        if fired < 10:
            time.sleep(0.1)
    assert fired == 10
    assert firings_per_deadline(slow_pks + other_pks) == Counter(dict.fromkeys(slow_pks + other_pks, 1))
    assert Deadline.objects.filter(pk__in=slow_pks, state=Deadline.State.FIRED, attempts=0).count() == 10
    assert AuditEvent.objects.filter(action="deadline.fired").count() == 15
    assert run_once(now + dt.timedelta(days=1)).total == 0
    assert verify_chain().ok


@pytest.mark.django_db
def test_the_database_refuses_to_update_or_delete_an_audit_event():
    with audit.atomic():
        audit_record(actor=None, action="test.append-only", after={"n": 1})
    event = AuditEvent.objects.get(action="test.append-only")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.subject_label = "x"
        event.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE workflow_auditevent SET action = 'x' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM workflow_auditevent")

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.subject_label, stored.hash) == ("test.append-only", "", event.hash)
    assert verify_chain().ok


@pytest.mark.django_db
def test_a_large_batch_writes_its_audit_events_by_copy_and_the_chains_verify(make_deadline, now):
    n = audit.COPY_ABOVE * 3
    made = [make_deadline(kind="test.workflow.unhandled", due_at=now - dt.timedelta(minutes=i + 1)) for i in range(n)]

    assert fire_due(now).missed == n

    events = AuditEvent.objects.filter(action="deadline.missed")
    assert events.count() == n
    assert set(events.values_list("subject_id", flat=True)) == {str(d.pk) for d in made}
    assert set(events.values_list("fmt", flat=True)) == {audit.FORMAT}
    assert all(e.mac and e.key_id for e in events)
    report = verify_chain()
    assert report.ok and report.events == n
    # Tampering with one COPY'd event is still caught.
    with connection.cursor() as cursor:
        # As a superuser could, past the append-only trigger.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE workflow_auditevent SET subject_label = '改' WHERE id = (SELECT max(id) FROM workflow_auditevent)"
        )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    assert not verify_chain().ok
