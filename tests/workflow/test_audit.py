"""The hash-chained audit trail: recording, verifying, and naming the first broken event."""

from __future__ import annotations

import base64
import datetime as dt
import importlib
import io
import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

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
        with pytest.raises(ValueError), audit.atomic(savepoint=True):
            audit_record(actor=None, action="test.undone")
            raise ValueError("the inner work fails")
        audit_record(actor=None, action="test.kept-too")
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == ["test.kept", "test.kept-too"]
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_a_nested_block_takes_no_savepoint_so_carrying_on_after_its_error_is_refused():
    # Nested service calls take no savepoint (issue 10); an error caught inside the transaction
    # cannot be carried past: the whole transaction rolls back, events and all.
    from django.db.transaction import TransactionManagementError

    with pytest.raises(TransactionManagementError), audit.atomic():
        audit_record(actor=None, action="test.doomed")
        with pytest.raises(ValueError), audit.atomic():
            audit_record(actor=None, action="test.undone")
            raise ValueError("the inner work fails")
        AuditEvent.objects.count()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_a_transaction_that_is_not_an_audit_block_cannot_write_events():
    # A plain transaction.atomic() would take the chain heads in event order: the deadlock of issue 8 #2.
    with pytest.raises(RuntimeError, match=r"audit\.atomic"), transaction.atomic():
        audit_record(actor=None, action="test.plain")


# -- tampering that a hash chain alone would miss (issue 8 #7) ------------------------------------------------


def forged_append(shard: int, *, key: bytes | None, fmt: int = 2, recorded_at=None, **fields) -> AuditEvent:
    """What someone with write access to the tables (but not the app's key) can do: append an event with a
    correct hash at the end of a chain, and move the head to it."""
    head = AuditHead.objects.get(shard=shard)
    last = AuditEvent.objects.filter(shard=shard).order_by("-seq").first()
    values = {
        "shard": shard,
        "seq": head.seq + 1,
        "prev_hash": head.hash,
        "occurred_at": last.occurred_at,
        "actor_id": None,
        "actor_label": "系统",
        "on_behalf_of_id": None,
        "on_behalf_of_label": "",
        "action": "document.sign",
        "subject_type": "",
        "subject_id": "",
        "subject_label": "伪造的签发",
        "before_json": "",
        "after_json": "",
        "rule_ids": "",
        **fields,
    }
    if fmt == 1:
        digest, extra = audit.event_hash(audit.payload(**values)), {}
    else:
        recorded_at = recorded_at or last.recorded_at
        digest = audit.event_hash(audit.payload_v2(**values, recorded_at=recorded_at, key_id="dev1"))
        extra = {"recorded_at": recorded_at, "key_id": "dev1", "mac": audit.event_mac(key or b"x" * 32, digest)}
    with triggers_bypassed():
        event = AuditEvent.objects.create(hash=digest, fmt=fmt, **values, **extra)
        AuditHead.objects.filter(shard=shard).update(seq=event.seq, hash=digest)
    return event


def the_key() -> bytes:
    return audit.current_key()[1]


@pytest.mark.django_db
def test_new_events_are_length_prefixed_timed_and_macd(chain):
    event = AuditEvent.objects.order_by("-id").first()
    assert event.fmt == 2 and event.key_id == "dev1" and event.recorded_at is not None
    assert event.mac == audit.event_mac(the_key(), event.hash)
    for events in chain.values():
        times = [e.recorded_at for e in events]
        assert times == sorted(times)


@pytest.mark.django_db
def test_moving_text_between_fields_across_a_separator_is_detected():
    # Under format 1, subject_id "7" + label "甲\x1f乙" and subject_id "7\x1f甲" + label "乙" hashed the same text.
    with audit.atomic():
        audit_record(actor=None, action="test.sep", subject_override=("workflow.deadline", "7", "甲\x1f乙"))
    event = AuditEvent.objects.get(action="test.sep")
    v1 = {f: getattr(event, f) for f in audit._PAYLOAD_FIELDS}
    shifted = {**v1, "subject_id": "7\x1f甲", "subject_label": "乙"}
    assert audit.payload(**v1) == audit.payload(**shifted)  # the old ambiguity, still there in format 1
    with triggers_bypassed():
        AuditEvent.objects.filter(pk=event.pk).update(subject_id="7\x1f甲", subject_label="乙")

    report = verify_chain()

    assert report.first_break.event_id == event.pk and "被修改" in report.first_break.problem


@pytest.mark.django_db
def test_a_forged_event_appended_without_the_key_is_detected(chain):
    shard = longest_shard(chain)[0].shard
    forged = forged_append(shard, key=b"not-the-key-" * 3)

    report = verify_chain()

    assert report.first_break.event_id == forged.pk and "消息认证码不符" in report.first_break.problem
    with pytest.raises(CommandError, match="伪造"):
        call_command("audit", "verify", stdout=io.StringIO())


@pytest.mark.django_db
def test_a_forged_event_in_the_old_keyless_format_is_detected(chain):
    shard = longest_shard(chain)[0].shard
    forged = forged_append(shard, key=None, fmt=1)

    report = verify_chain()

    assert report.first_break.event_id == forged.pk and "格式倒退" in report.first_break.problem


@pytest.mark.django_db
def test_a_back_dated_event_is_detected_even_with_the_key(chain):
    events = longest_shard(chain)
    earlier = events[0].recorded_at - dt.timedelta(days=30)
    forged = forged_append(events[0].shard, key=the_key(), recorded_at=earlier)

    report = verify_chain()

    assert report.first_break.event_id == forged.pk and "早于链上前一条" in report.first_break.problem


@pytest.mark.django_db
def test_an_event_under_a_key_that_is_no_longer_configured_is_named(chain, settings):
    settings.CITYHALL_AUDIT_KEYS = {"k2": b"k" * 32}
    settings.CITYHALL_AUDIT_KEY_ID = "k2"
    with audit.atomic():
        audit_record(actor=None, action="test.rotated")
    # Rotation: with the old key still listed, old and new events verify.
    settings.CITYHALL_AUDIT_KEYS = {"k2": b"k" * 32, "dev1": the_key_for_dev1()}
    assert verify_chain().ok
    settings.CITYHALL_AUDIT_KEYS = {"k2": b"k" * 32}
    report = verify_chain()
    assert not report.ok and "dev1" in report.first_break.problem


def the_key_for_dev1() -> bytes:
    from config.settings.base import derived_audit_keys
    from config.settings.test import SECRET_KEY

    return derived_audit_keys(SECRET_KEY)["CITYHALL_AUDIT_KEYS"]["dev1"]


@pytest.mark.django_db
def test_truncation_and_a_rewound_chain_are_caught_by_the_signed_checkpoint(chain, tmp_path):
    out = io.StringIO()
    call_command("audit", "checkpoint", "--output", str(tmp_path), stdout=out)
    assert "已发布审计检查点" in out.getvalue()
    [saved] = tmp_path.glob("audit-checkpoint-*.json")
    call_command("audit", "verify", "--checkpoint", str(tmp_path), stdout=(ok := io.StringIO()))
    assert "与检查点一致" in ok.getvalue()

    # Cut the last 3 events off the longest chain and move its head back: the chain alone still verifies.
    events = longest_shard(chain)
    keep = events[-4]
    with triggers_bypassed():
        AuditEvent.objects.filter(shard=keep.shard, seq__gt=keep.seq).delete()
        AuditHead.objects.filter(shard=keep.shard).update(seq=keep.seq, hash=keep.hash)
    assert verify_chain().ok
    with pytest.raises(CommandError, match="末尾记录被截断"):
        call_command("audit", "verify", "--checkpoint", str(saved), stdout=io.StringIO())

    # Rewind and write the chain again to its old length: caught by the hash at the checkpointed position.
    for _ in range(3):
        forged_append(keep.shard, key=the_key(), recorded_at=timezone.now())
    assert verify_chain().ok  # someone with the MAC key re-wrote it consistently
    with pytest.raises(CommandError, match="已不在链上"):
        call_command("audit", "verify", "--checkpoint", str(saved), stdout=io.StringIO())


@pytest.mark.django_db
def test_a_checkpoint_edited_after_signing_is_refused(chain, tmp_path):
    target = tmp_path / "cp.json"
    call_command("audit", "checkpoint", "--output", str(target), stdout=io.StringIO())
    document = json.loads(target.read_text())
    some_shard = next(iter(document["checkpoint"]["heads"]))
    document["checkpoint"]["heads"][some_shard]["seq"] = 1
    target.write_text(json.dumps(document))

    with pytest.raises(CommandError, match="检查点签名无效"):
        call_command("audit", "verify", "--checkpoint", str(target), stdout=io.StringIO())


@pytest.mark.django_db
def test_a_checkpoint_that_cannot_be_written_says_so_in_one_line(chain):
    with pytest.raises(CommandError, match="检查点未能写入") as excinfo:
        call_command("audit", "checkpoint", "--output", "/nonexistent/dir/cp.json", stdout=io.StringIO())
    assert excinfo.value.returncode == 2 and "\n" not in str(excinfo.value)


def test_keygen_prints_fresh_keys_that_the_settings_accept():
    out = io.StringIO()
    call_command("audit", "keygen", stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines() if not line.startswith("#"))
    from config.settings.base import audit_keys_from_env

    [(kid, key)] = audit_keys_from_env(lines["CITYHALL_AUDIT_KEYS"]).items()
    assert kid == lines["CITYHALL_AUDIT_KEY_ID"] and len(key) == 32
    assert len(base64.b64decode(lines["CITYHALL_AUDIT_SIGNING_KEY"])) == 32


@pytest.mark.django_db
def test_a_checkpoint_is_published_to_a_url_and_read_back_from_it(chain):
    import http.server
    import threading

    stored: dict[str, bytes] = {}

    class Store(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            stored["cp"] = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(201)
            self.end_headers()

        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(stored["cp"])

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Store)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/checkpoints"
    try:
        call_command("audit", "checkpoint", "--output", url, stdout=io.StringIO())
        assert json.loads(stored["cp"])["checkpoint"]["heads"]
        call_command("audit", "verify", "--checkpoint", url, stdout=(out := io.StringIO()))
        assert "与检查点一致" in out.getvalue()
    finally:
        server.shutdown()
