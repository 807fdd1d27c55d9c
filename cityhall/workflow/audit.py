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
import hmac
import json
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.utils import timezone

from cityhall.org.memo import org_memo
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


FORMAT = 2  # what new events are written in


def payload_v2(
    *,
    shard: int,
    seq: int,
    prev_hash: str,
    occurred_at: dt.datetime,
    recorded_at: dt.datetime,
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
    key_id: str,
) -> str:
    """Format 2: every field prefixed with its length in UTF-8 bytes, so that no character inside a field (U+001F
    was the v1 separator) can move text from one field to the next without changing the hashed text."""
    parts = (
        str(shard),
        str(seq),
        prev_hash,
        _utc(occurred_at),
        _utc(recorded_at),
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
        key_id,
    )
    # Each part prefixed with its length in UTF-8 bytes (inline: a worker's batch builds this for every event).
    return "v2" + "".join([f"{len(p.encode('utf-8'))}:{p}" for p in parts])


def mac_keys() -> dict[str, bytes]:
    return dict(getattr(settings, "CITYHALL_AUDIT_KEYS", {}) or {})


def current_key() -> tuple[str, bytes]:
    keys, kid = mac_keys(), str(getattr(settings, "CITYHALL_AUDIT_KEY_ID", ""))
    if kid not in keys:
        raise ImproperlyConfigured(
            "审计密钥未配置：请设置 CITYHALL_AUDIT_KEYS 与 CITYHALL_AUDIT_KEY_ID（docs/security.md）"
        )
    return kid, keys[kid]


def event_mac(key: bytes, digest: str) -> str:
    """The key id is inside the hashed text, so the MAC of the hash binds the event to its key too."""
    return hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()


def subject_key(subject: models.Model | None) -> tuple[str, str, str]:
    if subject is None:
        return "", "", ""
    return subject._meta.label_lower, str(subject.pk), str(subject)[:200]


def shard_for(subject_type: str, subject_id: str, action: str) -> int:
    key = f"{subject_type}:{subject_id}" if subject_type else action
    return zlib.crc32(key.encode("utf-8")) % shard_count()


@dataclass
class _Pending:
    # The event's column values by attribute name; the chain fields are filled in when it is flushed.
    fields: dict[str, Any]
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
def atomic(*, savepoint: bool = False) -> Iterator[list[_Pending]]:
    """``transaction.atomic()`` for anything that writes audit events; usable as ``@atomic()`` too.

    The outermost block buffers the events of the whole transaction and writes them when the block
    ends, taking the chain heads in ascending shard order (see ``deferred_audit``). A request that
    took the heads as its events happened could take shard 7 then 3 while another took 3 then 7:
    that is the deadlock of issue 8 #2. Taking them last, after every other lock of the
    transaction, in one global order, no cycle can form. A nested block is a savepoint; if it is
    rolled back, its events leave the buffer with its work.

    A nested block takes no savepoint of its own (``savepoint=False``): services call services, and a
    savepoint per call was a quarter of the statements of a document's flow (issue 10). An error in a
    nested block still rolls back to the nearest real savepoint — the outermost block, or the one
    the worker takes per deadline — and trims the events buffered since the block began. A caller
    that catches an error of a nested block and carries on asks for ``atomic(savepoint=True)``;
    without it the transaction can only roll back (Django refuses further queries).
    """
    buffer = _deferred.get()
    if buffer is None:
        with transaction.atomic(), deferred_audit() as fresh, org_memo():
            yield fresh
        return
    mark = len(buffer)
    try:
        with transaction.atomic(savepoint=savepoint):
            yield buffer
    except BaseException:
        del buffer[mark:]
        raise


def _lock_heads(shards: list[int]) -> dict[int, AuditHead]:
    """Lock the chain heads of ``shards`` in ascending order with one statement (PostgreSQL locks the
    rows as the sorted scan returns them), creating any that do not exist yet."""
    heads = {h.shard: h for h in AuditHead.objects.select_for_update().filter(shard__in=shards).order_by("shard")}
    missing = [s for s in shards if s not in heads]
    if missing:
        # A new shard count or a fresh database: create the heads, then lock them like the others.
        AuditHead.objects.bulk_create([AuditHead(shard=s) for s in missing], ignore_conflicts=True)
        heads.update(
            {h.shard: h for h in AuditHead.objects.select_for_update().filter(shard__in=missing).order_by("shard")}
        )
    return heads


def _flush(buffer: list[_Pending]) -> None:
    """Write the buffered events: lock their heads, insert every event, move the heads — three
    statements whatever the number of events and shards."""
    if not buffer:
        return
    by_shard: dict[int, list[dict[str, Any]]] = {}
    for pending in buffer:
        by_shard.setdefault(pending.shard, []).append(pending.fields)
    kid, key = current_key()
    heads = _lock_heads(sorted(by_shard))
    now = timezone.now()
    written: list[dict[str, Any]] = []
    for shard in sorted(by_shard):
        head = heads[shard]
        seq, prev = head.seq, head.hash
        # Never earlier than the chain's last event, whatever this server's clock says: verify checks the order.
        recorded_at = max(now, head.recorded_at) if head.recorded_at else now
        for event in by_shard[shard]:
            seq += 1
            event.update(seq=seq, prev_hash=prev, fmt=FORMAT, recorded_at=recorded_at, key_id=kid)
            event["hash"] = prev = event_hash(payload_v2(**{f: event[f] for f in _PAYLOAD_V2_FIELDS}))
            event["mac"] = event_mac(key, event["hash"])
            written.append(event)
        head.seq, head.hash, head.recorded_at = seq, prev, recorded_at
    _insert(written)
    AuditHead.objects.bulk_update([heads[s] for s in sorted(by_shard)], ["seq", "hash", "recorded_at"])
    buffer.clear()


# Above this many events a flush writes them with COPY on PostgreSQL: a worker's batch of 500
# deadlines spent most of its time building and binding one INSERT … UNNEST (issue 10 P2).
COPY_ABOVE = 64


def _insert(events: list[dict[str, Any]]) -> None:
    if connection.vendor != "postgresql" or len(events) <= COPY_ABOVE:
        AuditEvent.objects.bulk_create([AuditEvent(**e) for e in events])
        return
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.attname) for f in fields)
    names = [f.attname for f in fields]
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        with raw.copy(f"COPY {AuditEvent._meta.db_table} ({columns}) FROM STDIN") as copy:
            for event in events:
                copy.write_row([event[n] for n in names])


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
_PAYLOAD_V2_FIELDS = (*_PAYLOAD_FIELDS[:5], "recorded_at", *_PAYLOAD_FIELDS[5:], "key_id")


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
) -> None:
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
    buffer.append(_Pending(fields, shard))


VERIFY_FIELDS = ("id", *_PAYLOAD_FIELDS, "hash", "fmt", "recorded_at", "key_id", "mac")

# What each problem is called, most basic first: at one row the first in this order is reported.
SEQUENCE, LINK, FORMAT_BACK, TIME_BACK, CONTENT, MAC = range(6)
PROBLEMS = {
    LINK: "前一条记录的哈希不符（链接断裂）",
    FORMAT_BACK: "记录格式倒退：新格式之后出现无密钥的旧格式记录（伪造的追加记录）",
    TIME_BACK: "记录时间早于链上前一条记录（补记或倒签的记录）",
    CONTENT: "记录内容与其哈希不符（记录被修改）",
    MAC: "消息认证码不符（记录不是持有审计密钥的系统写入的，可能系伪造）",
}


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


def _mac_problem(keys: dict[str, bytes], key_id: str, digest: str, stored: str) -> str | None:
    key = keys.get(key_id)
    if key is None:
        return f"记录的密钥编号“{key_id}”不在已配置的审计密钥中（无法确认记录来源）"
    if not hmac.compare_digest(event_mac(key, digest), stored):
        return PROBLEMS[MAC]
    return None


def _us(column: str) -> str:
    return f"((extract(epoch FROM {column}) * 1000000)::bigint)::text"


def _pg_lp(expr: str) -> str:
    return f"octet_length({expr})::text || ':' || {expr}"


_V1_SQL = f"""concat_ws(E'\\x1f',
    'v1', shard::text, seq::text, prev_hash, {_us("occurred_at")},
    coalesce(actor_id::text, ''), actor_label, coalesce(on_behalf_of_id::text, ''), on_behalf_of_label,
    action, subject_type, subject_id, subject_label, before_json, after_json, rule_ids)"""
_V2_PARTS = (
    "shard::text", "seq::text", "prev_hash", _us("occurred_at"), f"coalesce({_us('recorded_at')}, '')",
    "coalesce(actor_id::text, '')", "actor_label", "coalesce(on_behalf_of_id::text, '')", "on_behalf_of_label",
    "action", "subject_type", "subject_id", "subject_label", "before_json", "after_json", "rule_ids", "key_id",
)  # fmt: skip
_V2_SQL = "concat('v2', " + ", ".join(_pg_lp(part) for part in _V2_PARTS) + ")"
# The same payloads as ``payload()`` and ``payload_v2()``, built and hashed by PostgreSQL in a (parallel)
# sequential scan; only rows whose hash does not match come back.
_PG_PAYLOAD_HASH = f"""
encode(sha256(convert_to(CASE WHEN fmt = 1 THEN {_V1_SQL} ELSE {_V2_SQL} END, 'UTF8')), 'hex')
"""
# Both parts are constants of this module: nothing from outside reaches the SQL text.
_PG_BAD_HASHES = f"SELECT shard, seq, id FROM workflow_auditevent WHERE {_PG_PAYLOAD_HASH} <> hash"  # noqa: S608

# Sequence numbers, links, format and time order by window functions over the narrow columns only; broken rows
# and each chain's last row (for the head comparison) come back, with the chain's length.
_PG_LINKS = """
SELECT shard, seq, id, expected, link_ok, fmt_ok, time_ok, is_last, hash, total FROM (
    SELECT shard, seq, id, hash,
        row_number() OVER w AS expected,
        prev_hash = coalesce(lag(hash) OVER w, %(genesis)s) AS link_ok,
        fmt >= coalesce(lag(fmt) OVER w, 1) AS fmt_ok,
        coalesce(recorded_at >= lag(recorded_at) OVER w, true) AS time_ok,
        lead(id) OVER w IS NULL AS is_last,
        count(*) OVER (PARTITION BY shard) AS total
    FROM workflow_auditevent
    WINDOW w AS (PARTITION BY shard ORDER BY seq)
) checked
WHERE seq <> expected OR NOT link_ok OR NOT fmt_ok OR NOT time_ok OR is_last
"""
_PG_MACS = "COPY (SELECT key_id, hash, mac, shard, seq, id FROM workflow_auditevent WHERE fmt >= 2) TO STDOUT"


def _bad_macs(cursor: Any) -> list[tuple[int, int, int, str]]:
    """Check every format-2 event's MAC here, in Python, with keys the database never sees.

    The rows come as COPY text, not as tuples: the check is a split, one HMAC and a comparison per
    line, and building a Python tuple of six values per row was most of its time (issue 10 P3).
    key_id, hash and mac are plain ASCII, so COPY's escaping never applies to them.
    """
    keys = {kid.encode("ascii"): key for kid, key in mac_keys().items()}
    bad: list[tuple[int, int, int, str]] = []
    digest_of, equal = hmac.digest, hmac.compare_digest
    rest = b""
    with cursor.copy(_PG_MACS) as copy:
        for block in copy:
            lines = (rest + bytes(block)).split(b"\n")
            rest = lines.pop()
            for line in lines:
                kid, digest, stored, tail = line.split(b"\t", 3)
                key = keys.get(kid)
                if key is not None and equal(digest_of(key, digest, "sha256").hex().encode("ascii"), stored):
                    continue
                shard, seq, pk = (int(v) for v in tail.split(b"\t"))
                problem = _mac_problem(mac_keys(), kid.decode(), digest.decode(), stored.decode())
                bad.append((shard, seq, pk, problem or PROBLEMS[MAC]))
    return bad


def _pg_query(sql: str, params: dict[str, Any] | None, own_connection: bool) -> list[tuple[Any, ...]]:
    try:
        with connection.cursor() as cursor:
            # Enough memory to sort the narrow rows without spilling to disk.
            cursor.execute("SET work_mem = '256MB'" if own_connection else "SET LOCAL work_mem = '256MB'")
            if sql is _PG_MACS:
                return _bad_macs(cursor.cursor)  # psycopg's own cursor: Django's wrapper has no copy()
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    finally:
        if own_connection:
            connection.close()  # a worker thread opened its own connection


def _verify_postgres(shards: list[int], heads: dict[int, str]) -> VerifyReport:
    # The three checks run at once on three connections; inside a transaction (tests), other connections
    # would not see its rows, so they run one after the other on this one.
    parallel = not connection.in_atomic_block
    jobs = [(_PG_BAD_HASHES, None), (_PG_LINKS, {"genesis": GENESIS}), (_PG_MACS, None)]
    if parallel:
        with ThreadPoolExecutor(max_workers=3) as pool:
            bad_hashes, links, bad_macs = pool.map(lambda job: _pg_query(job[0], job[1], True), jobs)
    else:
        bad_hashes, links, bad_macs = (_pg_query(sql, params, False) for sql, params in jobs)
    problems: dict[int, list[tuple[int, int, int, str]]] = {}
    totals: dict[int, int] = {}
    lasts: dict[int, str] = {}
    for shard, seq, pk in bad_hashes:
        problems.setdefault(shard, []).append((seq, CONTENT, pk, PROBLEMS[CONTENT]))
    for shard, seq, pk, problem in bad_macs:
        problems.setdefault(shard, []).append((seq, MAC, pk, problem))
    for shard, seq, pk, expected, link_ok, fmt_ok, time_ok, is_last, digest, total in links:
        totals[shard] = total
        if is_last:
            lasts[shard] = digest
        if seq != expected:
            problems.setdefault(shard, []).append(
                (seq, SEQUENCE, pk, f"序号不连续：应为 {expected}，实为 {seq}（有记录被删除或插入）")
            )
        elif not link_ok:
            problems.setdefault(shard, []).append((seq, LINK, pk, PROBLEMS[LINK]))
        elif not fmt_ok:
            problems.setdefault(shard, []).append((seq, FORMAT_BACK, pk, PROBLEMS[FORMAT_BACK]))
        elif not time_ok:
            problems.setdefault(shard, []).append((seq, TIME_BACK, pk, PROBLEMS[TIME_BACK]))
    breaks: list[Break] = []
    for shard in shards:
        if shard in problems:
            seq, _, pk, problem = min(problems[shard])  # the first break; at one row, the most basic problem
            breaks.append(Break(pk, shard, seq, problem))
        elif shard in heads and heads[shard] != lasts.get(shard, GENESIS):
            breaks.append(Break(0, shard, totals.get(shard, 0) + 1, "链头与最后一条记录不符（末尾记录被删除）"))
    return VerifyReport(events=sum(totals.values()), shards=len(shards), breaks=breaks)


def _row_problem(
    row: tuple[Any, ...], expected_seq: int, prev: str, prev_fmt: int, prev_at: Any, keys: dict[str, bytes]
) -> str | None:
    f = dict(zip(VERIFY_FIELDS, row, strict=True))
    seq, fmt, recorded_at = f["seq"], f["fmt"], f["recorded_at"]
    if seq != expected_seq:
        return f"序号不连续：应为 {expected_seq}，实为 {seq}（有记录被删除或插入）"
    if f["prev_hash"] != prev:
        return PROBLEMS[LINK]
    if fmt < prev_fmt:
        return PROBLEMS[FORMAT_BACK]
    if fmt >= 2 and prev_at is not None and (recorded_at is None or recorded_at < prev_at):
        return PROBLEMS[TIME_BACK]
    if fmt == 1:
        text = payload(**{name: f[name] for name in _PAYLOAD_FIELDS})
    elif recorded_at is None:
        return PROBLEMS[CONTENT]
    else:
        text = payload_v2(**{name: f[name] for name in _PAYLOAD_V2_FIELDS})
    if event_hash(text) != f["hash"]:
        return PROBLEMS[CONTENT]
    return _mac_problem(keys, f["key_id"], f["hash"], f["mac"]) if fmt >= 2 else None


def verify_chain(*, chunk: int = 5000) -> VerifyReport:
    """Recompute every hash and MAC from the stored columns and check each link, the format and the time order.
    Names the first broken event per shard."""
    shards = sorted(
        set(AuditHead.objects.values_list("shard", flat=True))
        # order_by(): the model's default ordering would add its columns to the DISTINCT.
        | set(AuditEvent.objects.order_by().values_list("shard", flat=True).distinct())
    )
    heads = dict(AuditHead.objects.values_list("shard", "hash"))
    if connection.vendor == "postgresql":
        return _verify_postgres(shards, heads)
    keys = mac_keys()
    breaks: list[Break] = []
    count = 0
    for shard in shards:
        prev, prev_fmt, prev_at = GENESIS, 1, None
        expected_seq = 1
        broken = False
        for row in _rows(shard, chunk):
            count += 1
            if broken:
                continue
            problem = _row_problem(row, expected_seq, prev, prev_fmt, prev_at, keys)
            if problem:
                breaks.append(Break(row[0], shard, row[2], problem))
                broken = True
                continue
            prev, prev_fmt = row[16], row[17]
            prev_at = row[18] or prev_at
            expected_seq += 1
        if not broken and shard in heads and heads[shard] != prev:
            breaks.append(Break(0, shard, expected_seq, "链头与最后一条记录不符（末尾记录被删除）"))
    return VerifyReport(events=count, shards=len(shards), breaks=breaks)
