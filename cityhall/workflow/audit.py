"""The audit trail: every state change writes one event, in the same transaction.

Events are chained per shard (docs/decisions/0002-audit-chain.md): each event
holds the hash of the previous event of its shard, so editing, removing or
reordering any event breaks the chain from that point. A subject always falls
in the same shard, so one subject's history is one strictly ordered chain,
while writes about different subjects rarely wait for each other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from cityhall.org.models import Person

from .models import AuditEvent, AuditHead

GENESIS = "0" * 64
SEP = "\x1f"


def shard_count() -> int:
    return int(getattr(settings, "CITYHALL_AUDIT_SHARDS", 16))


def canonical_json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICRO = dt.timedelta(microseconds=1)


def _utc(moment: dt.datetime) -> str:
    """Microseconds since the Unix epoch: exact, timezone-free, and cheap for PostgreSQL to reproduce."""
    return str((moment - _EPOCH) // _MICRO)


def payload(
    *,
    shard: int,
    seq: int,
    prev_hash: str,
    occurred_at: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    on_behalf_of_id: int | None,
    on_behalf_of_label: str,
    action: str,
    subject_type: str,
    subject_id: str,
    subject_label: str,
    before_json: str,
    after_json: str,
    rule_ids: str,
) -> str:
    """The exact text that is hashed. Changing this breaks every existing chain: version it."""
    return SEP.join(
        (
            "v1",
            str(shard),
            str(seq),
            prev_hash,
            _utc(occurred_at),
            "" if actor_id is None else str(actor_id),
            actor_label,
            "" if on_behalf_of_id is None else str(on_behalf_of_id),
            on_behalf_of_label,
            action,
            subject_type,
            subject_id,
            subject_label,
            before_json,
            after_json,
            rule_ids,
        )
    )


def event_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def subject_key(subject: models.Model | None) -> tuple[str, str, str]:
    if subject is None:
        return "", "", ""
    return subject._meta.label_lower, str(subject.pk), str(subject)[:200]


def shard_for(subject_type: str, subject_id: str, action: str) -> int:
    key = f"{subject_type}:{subject_id}" if subject_type else action
    return zlib.crc32(key.encode("utf-8")) % shard_count()


@dataclass
class _Pending:
    event: AuditEvent
    shard: int


# When set, audit_record buffers events instead of writing them (see deferred_audit).
_deferred: ContextVar[list[_Pending] | None] = ContextVar("cityhall_audit_deferred", default=None)


@contextmanager
def deferred_audit() -> Iterator[list[_Pending]]:
    """Buffer the audit events of a batch and write them at the end, shard by shard in ascending order.

    A worker's batch touches many subjects, so it needs many chain heads. Taking
    them as events happen means two workers can take the same heads in opposite
    orders and deadlock. Taking them all at the end in one global order (shard
    0, 1, 2, …) cannot form a cycle, and each head is updated once per batch.
    Events stay in the caller's transaction: a rolled-back batch writes none.
    """
    buffer: list[_Pending] = []
    token = _deferred.set(buffer)
    try:
        yield buffer
        _flush(buffer)
    finally:
        _deferred.reset(token)


@contextmanager
def atomic() -> Iterator[list[_Pending]]:
    """``transaction.atomic()`` for anything that writes audit events; usable as ``@atomic()`` too.

    The outermost block buffers the events of the whole transaction and writes them when the block
    ends, taking the chain heads in ascending shard order (see ``deferred_audit``). A request that
    took the heads as its events happened could take shard 7 then 3 while another took 3 then 7:
    that is the deadlock of issue 8 #2. Taking them last, after every other lock of the
    transaction, in one global order, no cycle can form. A nested block is a savepoint; if it is
    rolled back, its events leave the buffer with its work.
    """
    buffer = _deferred.get()
    if buffer is None:
        with transaction.atomic(), deferred_audit() as fresh:
            yield fresh
        return
    mark = len(buffer)
    try:
        with transaction.atomic():
            yield buffer
    except BaseException:
        del buffer[mark:]
        raise


def _flush(buffer: list[_Pending]) -> None:
    by_shard: dict[int, list[AuditEvent]] = {}
    for pending in buffer:
        by_shard.setdefault(pending.shard, []).append(pending.event)
    for shard in sorted(by_shard):
        head, _ = AuditHead.objects.select_for_update().get_or_create(shard=shard)
        seq, prev = head.seq, head.hash
        events = by_shard[shard]
        for event in events:
            seq += 1
            event.seq, event.prev_hash = seq, prev
            event.hash = prev = event_hash(payload(**{f: getattr(event, f) for f in _PAYLOAD_FIELDS}))
        AuditEvent.objects.bulk_create(events)
        head.seq, head.hash = seq, prev
        head.save(update_fields=["seq", "hash"])
    buffer.clear()


_PAYLOAD_FIELDS = (
    "shard",
    "seq",
    "prev_hash",
    "occurred_at",
    "actor_id",
    "actor_label",
    "on_behalf_of_id",
    "on_behalf_of_label",
    "action",
    "subject_type",
    "subject_id",
    "subject_label",
    "before_json",
    "after_json",
    "rule_ids",
)


def audit_record(
    *,
    actor: Person | None,
    action: str,
    subject: models.Model | None = None,
    on_behalf_of: Person | None = None,
    before: Any = None,
    after: Any = None,
    rule_ids: Iterable[str] = (),
    at: dt.datetime | None = None,
    subject_override: tuple[str, str, str] | None = None,
) -> AuditEvent:
    """Append one event to the transaction's buffer; ``atomic()`` writes it, chained, when its block ends.

    Must run inside the ``atomic()`` block that makes the change it records.
    """
    subject_type, subject_id, subject_label = subject_override or subject_key(subject)
    shard = shard_for(subject_type, subject_id, action)
    occurred_at = at or timezone.now()
    fields: dict[str, Any] = {
        "shard": shard,
        "occurred_at": occurred_at,
        "actor_id": actor.pk if actor else None,
        "actor_label": str(actor) if actor else "系统",
        "on_behalf_of_id": on_behalf_of.pk if on_behalf_of else None,
        "on_behalf_of_label": str(on_behalf_of) if on_behalf_of else "",
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "subject_label": subject_label,
        "before_json": canonical_json(before),
        "after_json": canonical_json(after),
        "rule_ids": ",".join(rule_ids),
    }
    buffer = _deferred.get()
    if buffer is None:
        # Writing at once would lock this shard's head now, in event order, and hold it while the rest of
        # the transaction takes other heads and rows: concurrent writers then deadlock (issue 8 #2).
        raise RuntimeError("audit_record must run inside cityhall.workflow.audit.atomic() (or deferred_audit())")
    event = AuditEvent(seq=0, prev_hash="", hash="", **fields)
    buffer.append(_Pending(event, shard))
    return event


VERIFY_FIELDS = ("id", *_PAYLOAD_FIELDS, "hash")


@dataclass(frozen=True)
class Break:
    event_id: int
    shard: int
    seq: int
    problem: str


@dataclass(frozen=True)
class VerifyReport:
    events: int
    shards: int
    breaks: list[Break]

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first_break(self) -> Break | None:
        return min(self.breaks, key=lambda b: b.event_id) if self.breaks else None


def _rows(shard: int, chunk: int) -> Iterator[tuple[Any, ...]]:
    return AuditEvent.objects.filter(shard=shard).order_by("seq").values_list(*VERIFY_FIELDS).iterator(chunk_size=chunk)


# The same payload as ``payload()``, built and hashed by PostgreSQL in a (parallel) sequential scan;
# only rows whose hash does not match come back.
_PG_PAYLOAD_HASH = """
encode(sha256(convert_to(concat_ws(E'\\x1f',
    'v1', shard::text, seq::text, prev_hash,
    ((extract(epoch FROM occurred_at) * 1000000)::bigint)::text,
    coalesce(actor_id::text, ''), actor_label, coalesce(on_behalf_of_id::text, ''), on_behalf_of_label,
    action, subject_type, subject_id, subject_label, before_json, after_json, rule_ids
), 'UTF8')), 'hex')
"""
# Both parts are constants of this module: nothing from outside reaches the SQL text.
_PG_BAD_HASHES = f"SELECT shard, seq, id FROM workflow_auditevent WHERE {_PG_PAYLOAD_HASH} <> hash"  # noqa: S608

# Sequence numbers and links by window functions over the narrow columns only; broken rows and each
# chain's last row (for the head comparison) come back, with the chain's length.
_PG_LINKS = """
SELECT shard, seq, id, expected, link_ok, is_last, hash, total FROM (
    SELECT shard, seq, id, hash,
        row_number() OVER w AS expected,
        prev_hash = coalesce(lag(hash) OVER w, %(genesis)s) AS link_ok,
        lead(id) OVER w IS NULL AS is_last,
        count(*) OVER (PARTITION BY shard) AS total
    FROM workflow_auditevent
    WINDOW w AS (PARTITION BY shard ORDER BY seq)
) checked
WHERE seq <> expected OR NOT link_ok OR is_last
"""


def _pg_query(sql: str, params: dict[str, Any] | None, own_connection: bool) -> list[tuple[Any, ...]]:
    try:
        with connection.cursor() as cursor:
            # Enough memory to sort the narrow rows without spilling to disk.
            cursor.execute("SET work_mem = '256MB'" if own_connection else "SET LOCAL work_mem = '256MB'")
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    finally:
        if own_connection:
            connection.close()  # a worker thread opened its own connection


def _verify_postgres(shards: list[int], heads: dict[int, str]) -> VerifyReport:
    # The two checks run at once on two connections; inside a transaction (tests), other connections
    # would not see its rows, so they run one after the other on this one.
    parallel = not connection.in_atomic_block
    jobs = [(_PG_BAD_HASHES, None), (_PG_LINKS, {"genesis": GENESIS})]
    if parallel:
        with ThreadPoolExecutor(max_workers=2) as pool:
            bad_hashes, links = pool.map(lambda job: _pg_query(job[0], job[1], True), jobs)
    else:
        bad_hashes, links = (_pg_query(sql, params, False) for sql, params in jobs)
    problems: dict[int, list[tuple[int, int, int, str]]] = {}
    totals: dict[int, int] = {}
    lasts: dict[int, str] = {}
    for shard, seq, pk in bad_hashes:
        problems.setdefault(shard, []).append((seq, 2, pk, "记录内容与其哈希不符（记录被修改）"))
    for shard, seq, pk, expected, link_ok, is_last, digest, total in links:
        totals[shard] = total
        if is_last:
            lasts[shard] = digest
        if seq != expected:
            problems.setdefault(shard, []).append(
                (seq, 0, pk, f"序号不连续：应为 {expected}，实为 {seq}（有记录被删除或插入）")
            )
        elif not link_ok:
            problems.setdefault(shard, []).append((seq, 1, pk, "前一条记录的哈希不符（链接断裂）"))
    breaks: list[Break] = []
    for shard in shards:
        if shard in problems:
            seq, _, pk, problem = min(problems[shard])  # the first break; at one row: sequence, link, hash
            breaks.append(Break(pk, shard, seq, problem))
        elif shard in heads and heads[shard] != lasts.get(shard, GENESIS):
            breaks.append(Break(0, shard, totals.get(shard, 0) + 1, "链头与最后一条记录不符（末尾记录被删除）"))
    return VerifyReport(events=sum(totals.values()), shards=len(shards), breaks=breaks)


def verify_chain(*, chunk: int = 5000) -> VerifyReport:
    """Recompute every hash from the stored columns and check each link. Names the first broken event per shard."""
    shards = sorted(
        set(AuditHead.objects.values_list("shard", flat=True))
        # order_by(): the model's default ordering would add its columns to the DISTINCT.
        | set(AuditEvent.objects.order_by().values_list("shard", flat=True).distinct())
    )
    heads = dict(AuditHead.objects.values_list("shard", "hash"))
    if connection.vendor == "postgresql":
        return _verify_postgres(shards, heads)
    sha256 = hashlib.sha256
    breaks: list[Break] = []
    count = 0
    for shard in shards:
        prev = GENESIS
        expected_seq = 1
        broken = False
        for row in _rows(shard, chunk):
            count += 1
            if broken:
                continue
            (
                pk,
                sh,
                seq,
                prev_hash,
                occurred_at,
                actor_id,
                actor_label,
                obo_id,
                obo_label,
                action,
                st,
                sid,
                slabel,
                before_json,
                after_json,
                rule_ids,
                stored,
            ) = row
            problem = None
            if seq != expected_seq:
                problem = f"序号不连续：应为 {expected_seq}，实为 {seq}（有记录被删除或插入）"
            elif prev_hash != prev:
                problem = "前一条记录的哈希不符（链接断裂）"
            else:
                text = SEP.join(
                    (
                        "v1",
                        str(sh),
                        str(seq),
                        prev_hash,
                        _utc(occurred_at),
                        "" if actor_id is None else str(actor_id),
                        actor_label,
                        "" if obo_id is None else str(obo_id),
                        obo_label,
                        action,
                        st,
                        sid,
                        slabel,
                        before_json,
                        after_json,
                        rule_ids,
                    )
                )
                if sha256(text.encode("utf-8")).hexdigest() != stored:
                    problem = "记录内容与其哈希不符（记录被修改）"
            if problem:
                breaks.append(Break(pk, shard, seq, problem))
                broken = True
                continue
            prev = stored
            expected_seq += 1
        if not broken and shard in heads and heads[shard] != prev:
            breaks.append(Break(0, shard, expected_seq, "链头与最后一条记录不符（末尾记录被删除）"))
    return VerifyReport(events=count, shards=len(shards), breaks=breaks)
