"""The hash-chained audit trail: recording, verifying, and naming the first broken event."""

from __future__ import annotations

import importlib
import io
import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from cityhall.org.models import Person
from cityhall.workflow import audit
from cityhall.workflow.audit import GENESIS, audit_record, verify_chain
from cityhall.workflow.models import AuditEvent, AuditHead, Deadline


@contextmanager
def triggers_bypassed() -> Iterator[None]:
    """On PostgreSQL a trigger refuses UPDATE/DELETE on audit events; tampering needs a superuser to bypass it."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("tampering on PostgreSQL needs a superuser to bypass the append-only trigger")
        cursor.execute("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")


@pytest.fixture
def chain(make_deadline) -> dict[int, list[AuditEvent]]:
    """50 events about 5 subjects (and a few about none), by an actor or the system; returned per shard."""
    clerk = Person.objects.create(name="张三")
    subjects: list[Deadline | None] = [make_deadline(subject_label=f"事项{i}") for i in range(5)]
    subjects.append(None)
    for i in range(50):
        with audit.atomic():
            audit_record(
                actor=clerk if i % 3 else None,
                action=f"test.step{i % 4}",
                subject=subjects[i % len(subjects)],
                before={"i": i - 1} if i else None,
                after={"i": i, "说明": "第" + str(i) + "步"},
                rule_ids=["countersign.reply"] if i % 2 else [],
            )
    per_shard: dict[int, list[AuditEvent]] = {}
    for event in AuditEvent.objects.order_by("shard", "seq"):
        per_shard.setdefault(event.shard, []).append(event)
    return per_shard


def longest_shard(chain: dict[int, list[AuditEvent]]) -> list[AuditEvent]:
    return max(chain.values(), key=len)


@pytest.mark.django_db(transaction=True)
def test_audit_record_refuses_to_run_outside_a_transaction():
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match=r"inside cityhall\.workflow\.audit\.atomic"):
        audit_record(actor=None, action="test.outside")
    assert not AuditEvent.objects.exists()
    assert not AuditHead.objects.exists()


@pytest.mark.django_db
def test_a_chain_of_50_events_about_several_subjects_verifies(chain):
    report = verify_chain()

    assert report.ok and report.breaks == [] and report.first_break is None
    assert report.events == 50
    assert report.shards == len(chain) > 1
    for shard, events in chain.items():
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert events[0].prev_hash == GENESIS
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
        assert AuditHead.objects.get(shard=shard).seq == len(events)
        assert AuditHead.objects.get(shard=shard).hash == events[-1].hash
    # One subject's history is one strictly ordered chain.
    for d in Deadline.objects.all():
        shards = set(AuditEvent.objects.filter(subject_id=str(d.pk)).values_list("shard", flat=True))
        assert len(shards) == 1


@pytest.mark.django_db
def test_an_edited_event_is_named_as_the_first_break(chain):
    events = longest_shard(chain)
    victim = events[len(events) // 2]
    with triggers_bypassed():
        assert AuditEvent.objects.filter(pk=victim.pk).update(subject_label="改过的事项") == 1

    report = verify_chain()

    assert not report.ok
    assert report.first_break.event_id == victim.pk
    assert report.first_break.shard == victim.shard and report.first_break.seq == victim.seq
    assert "被修改" in report.first_break.problem
    assert len(report.breaks) == 1  # the rest of that shard is not reported again
    assert report.events == 50


@pytest.mark.django_db
def test_an_event_rewritten_with_a_fresh_hash_breaks_the_link_to_the_next(chain):
    events = longest_shard(chain)
    victim, successor = events[1], events[2]
    with triggers_bypassed():
        AuditEvent.objects.filter(pk=victim.pk).update(hash="f" * 64)

    report = verify_chain()

    assert report.first_break.event_id == victim.pk  # its own hash no longer matches its content
    assert "被修改" in report.first_break.problem
    # Rewriting an earlier event and its successor's prev_hash still leaves the successor's hash wrong.
    with triggers_bypassed():
        AuditEvent.objects.filter(pk=victim.pk).update(hash=victim.hash)
        AuditEvent.objects.filter(pk=successor.pk).update(prev_hash="e" * 64)
    report = verify_chain()
    assert report.first_break.event_id == successor.pk
    assert "链接断裂" in report.first_break.problem


@pytest.mark.django_db
def test_a_deleted_last_event_of_a_shard_is_reported(chain):
    events = longest_shard(chain)
    last = events[-1]
    with triggers_bypassed():
        AuditEvent.objects.filter(pk=last.pk).delete()

    report = verify_chain()

    assert not report.ok
    [brk] = report.breaks
    assert brk.shard == last.shard
    assert brk.seq == last.seq  # the sequence number that is missing at the end
    assert "末尾" in brk.problem
    assert report.events == 49


@pytest.mark.django_db
def test_a_deleted_event_in_the_middle_of_a_shard_is_reported(chain):
    events = longest_shard(chain)
    gone, next_one = events[2], events[3]
    with triggers_bypassed():
        AuditEvent.objects.filter(pk=gone.pk).delete()

    report = verify_chain()

    [brk] = report.breaks
    assert brk.event_id == next_one.pk
    assert brk.shard == gone.shard and brk.seq == next_one.seq
    assert "序号不连续" in brk.problem
    assert f"应为 {gone.seq}" in brk.problem


@pytest.mark.django_db
def test_audit_verify_command_reports_an_intact_chain(chain):
    out = io.StringIO()

    call_command("audit", "verify", stdout=out)

    assert "审计链完整" in out.getvalue()
    assert "50 条记录" in out.getvalue()
    assert f"{len(chain)} 条链" in out.getvalue()


@pytest.mark.django_db
def test_audit_verify_command_fails_naming_the_broken_event(chain):
    events = longest_shard(chain)
    victim = events[1]
    with triggers_bypassed():
        AuditEvent.objects.filter(pk=victim.pk).update(after_json='{"i":999}')

    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify", stdout=io.StringIO())

    assert excinfo.value.returncode == 1
    message = str(excinfo.value)
    assert "审计链已被破坏" in message
    assert f"记录 #{victim.pk}" in message
    assert "被修改" in message


def test_the_append_only_trigger_migration_can_be_applied_on_postgresql():
    migration = importlib.import_module("cityhall.workflow.migrations.0002_audit_append_only_trigger")
    executed: list[tuple[str, object]] = []

    class SchemaEditor:
        connection = SimpleNamespace(vendor="postgresql")

        def execute(self, sql: str, params: object = ()) -> None:
            executed.append((sql, params))

    migration.forward(None, SchemaEditor())
    migration.backward(None, SchemaEditor())

    assert executed
    for sql, params in executed:
        # Unless params is None, Django's PostgreSQL schema editor passes the SQL through psycopg's
        # client-side formatting, where every % not written %% or %s / %(name)s is a placeholder error.
        assert params is None or not re.search(r"%(?![%s(])", sql.replace("%%", "")), sql


@pytest.mark.django_db
def test_a_rolled_back_inner_block_takes_its_audit_events_with_it():
    with audit.atomic():
        audit_record(actor=None, action="test.kept")
        with pytest.raises(ValueError), audit.atomic():
            audit_record(actor=None, action="test.undone")
            raise ValueError("the inner work fails")
        audit_record(actor=None, action="test.kept-too")
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == ["test.kept", "test.kept-too"]
    assert verify_chain().ok


@pytest.mark.django_db
def test_a_transaction_that_is_not_an_audit_block_cannot_write_events():
    # A plain transaction.atomic() would take the chain heads in event order: the deadlock of issue 8 #2.
    with pytest.raises(RuntimeError, match=r"audit\.atomic"), transaction.atomic():
        audit_record(actor=None, action="test.plain")
