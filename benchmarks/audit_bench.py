"""Benchmark: ``verify_chain()`` against plain SHA-256 over the same texts, and ``cityhall audit verify``.

What it measures, on a scratch PostgreSQL database:

* it empties the audit tables and loads ``--events`` (default 1,000,000) audit events with
  PostgreSQL COPY. The events form valid chains: each one is built in Python with the project's own
  ``payload()`` and ``event_hash()`` (``cityhall/workflow/audit.py``), in the shard ``shard_for()``
  gives it (16 shards by default), and the ``workflow_audithead`` rows are set to the chain heads.
  The events imitate what the worker and the document flows write: deadline fired / missed /
  remind events by the system, and document actions with an actor label and an on-behalf-of label;
* the rate (events per second) of ``verify_chain()``, which reads every event back through the
  ORM and recomputes every hash. It must report the chains intact and the right event count;
* the rate of plain ``hashlib.sha256(s.encode()).hexdigest()`` over the same payload texts (the
  exact strings that ``event_hash()`` hashed while loading, kept in a list in memory; only the
  hashing loop is timed);
* the ratio verify / plain hashing. The target is at least 30% (printed as MET or MISSED);
* the wall time of ``cityhall audit verify`` run once as a subprocess (process start-up, Django
  set-up and the command's own ``verify_chain()``).

Each timed loop runs ``--repeats`` times (default 3) and the best run is reported. The script
exits 1 if ``verify_chain()`` or the command finds a break; a missed target is reported but still
exits 0. ``--profile`` adds a cProfile listing of ``verify_chain()``, a breakdown of its cost (its
shard-list query, reading rows through the ORM, reading them with a plain psycopg server-side
cursor, formatting the timestamps, joining, hashing) and the rates of six faster verifiers: 0 is
``verify_chain()`` with its shard-list query fixed, 1-5 are sketches in this file (plain psycopg
instead of the ORM, the payload text built by PostgreSQL, or the hashes recomputed by PostgreSQL's
``sha256()``). The sketches are checked only to find no break in these valid chains.

Run from the repository root, with a scratch database (its audit tables are emptied)::

    createdb -h 127.0.0.1 -U postgres cityhall_bench
    CITYHALL_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cityhall_bench \\
        .venv/bin/python benchmarks/audit_bench.py [--events N] [--repeats N] [--profile]
    dropdb -h 127.0.0.1 -U postgres cityhall_bench

A quick run: ``--events 50000 --repeats 1``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import io
import os
import pstats
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("CITYHALL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cityhall_bench")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from cityhall.workflow import audit  # noqa: E402
from cityhall.workflow.models import AuditEvent  # noqa: E402

TARGET = 0.30
COPY_COLUMNS = (
    "shard",
    "seq",
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
    "prev_hash",
    "fmt",
    "recorded_at",
    "key_id",
    "mac",
    "hash",
)
PEOPLE = ("王建国（办公室主任）", "李秀英（副市长）", "张伟（秘书科科长）", "刘洋（法制科）", "陈静（督查室）")


# --------------------------------------------------------------------------- database set-up


def migrate() -> None:
    """Bring the scratch database up to date (the audit tables' append-only trigger included)."""
    call_command("migrate", verbosity=0)


def execute(sql: str, params: Sequence[object] | None = None) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params)


def event_fields(i: int, rng: random.Random, at: dt.datetime) -> dict[str, object]:
    """The recorded columns of the i-th event (everything but shard, seq and the hashes)."""
    if rng.random() < 0.7:  # the deadline worker: a system event about a deadline
        k = i // 2 + 1
        action = rng.choice(("deadline.missed", "deadline.fired", "deadline.remind"))
        due_at = (at + dt.timedelta(days=3)).isoformat()
        after = {"state": action.split(".")[1], "due_at": due_at, "kind": "documents.countersign"}
        return {
            "actor_id": None,
            "actor_label": "系统",
            "on_behalf_of_id": None,
            "on_behalf_of_label": "",
            "action": action,
            "subject_type": "workflow.deadline",
            "subject_id": str(k),
            "subject_label": f"会签函 第{k}号 · countersign.reply · {at:%Y-%m-%d}",
            "before_json": audit.canonical_json({"state": "pending"}),
            "after_json": audit.canonical_json(after),
            "rule_ids": "countersign.reply",
        }
    k = i // 5 + 1  # a person acting on a document, sometimes on behalf of another
    actor = rng.choice(PEOPLE)
    acting = rng.random() < 0.2
    return {
        "actor_id": None,
        "actor_label": actor,
        "on_behalf_of_id": None,
        "on_behalf_of_label": rng.choice(PEOPLE) if acting else "",
        "action": rng.choice(("document.sign", "document.countersign", "document.forward")),
        "subject_type": "documents.document",
        "subject_id": str(k),
        "subject_label": f"关于做好{k % 97 + 1}号文件办理工作的通知",
        "before_json": audit.canonical_json({"state": "drafting", "holder": None}),
        "after_json": audit.canonical_json({"state": "signing", "holder": actor, "note": "同意，请会签。"}),
        "rule_ids": "art6.acting,art7.countersign" if acting else "art7.countersign",
    }


def load(n: int, seed: int) -> tuple[float, list[str]]:
    """Empty the audit tables and COPY ``n`` chained events in. Returns (seconds, the hashed texts in order)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    execute("TRUNCATE workflow_auditevent RESTART IDENTITY")
    execute("TRUNCATE workflow_audithead")
    heads: dict[int, tuple[int, str]] = {}
    texts: list[str] = []
    base = dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.UTC)
    columns = ", ".join(COPY_COLUMNS)
    kid, key = audit.current_key()
    with connection.cursor() as cur, cur.copy(f"COPY workflow_auditevent ({columns}) FROM STDIN") as copy:
        for i in range(n):
            at = base + dt.timedelta(seconds=i * 17, microseconds=rng.randrange(1_000_000))
            fields = event_fields(i, rng, at)
            shard = audit.shard_for(str(fields["subject_type"]), str(fields["subject_id"]), str(fields["action"]))
            seq, prev = heads.get(shard, (0, audit.GENESIS))
            # Format 2, as the application writes now: length-prefixed text, recorded_at, key id and MAC.
            fields.update(shard=shard, seq=seq + 1, prev_hash=prev, occurred_at=at, recorded_at=at, key_id=kid)
            text = audit.payload_v2(**fields)  # type: ignore[arg-type]
            digest = audit.event_hash(text)
            fields.update(fmt=audit.FORMAT, mac=audit.event_mac(key, digest))
            texts.append(text)
            heads[shard] = (seq + 1, digest)
            copy.write_row([fields[c] for c in COPY_COLUMNS[:-1]] + [digest])
    with connection.cursor() as cur:
        cur.executemany(
            "INSERT INTO workflow_audithead (shard, seq, hash) VALUES (%s, %s, %s)",
            [(shard, seq, digest) for shard, (seq, digest) in sorted(heads.items())],
        )
    execute("VACUUM ANALYZE workflow_auditevent")  # sets hint bits, so no timed read pays for them
    execute("VACUUM ANALYZE workflow_audithead")
    return time.perf_counter() - started, texts


# --------------------------------------------------------------------------- timing


def best_of(repeats: int, fn: Callable[[], object]) -> tuple[float, list[float], object]:
    """(best seconds, every run's seconds, the last result) of ``repeats`` calls of ``fn``."""
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), times, result


def plain_hashing(texts: list[str]) -> Callable[[], None]:
    def run() -> None:
        sha256 = hashlib.sha256
        for s in texts:
            sha256(s.encode()).hexdigest()

    return run


def run_cli() -> tuple[float, int, str]:
    """Wall seconds, exit status and output of ``cityhall audit verify`` in a fresh process."""
    cli = Path(sys.executable).parent / "cityhall"
    started = time.perf_counter()
    proc = subprocess.run([str(cli), "audit", "verify"], capture_output=True, text=True, env=os.environ.copy())  # noqa: S603
    seconds = time.perf_counter() - started
    return seconds, proc.returncode, (proc.stdout + proc.stderr).strip()


# --------------------------------------------------------------------------- --profile


RAW_SQL = (
    "SELECT shard, seq, prev_hash, occurred_at, actor_id, actor_label, on_behalf_of_id, on_behalf_of_label,"
    " action, subject_type, subject_id, subject_label, before_json, after_json, rule_ids, hash"
    " FROM workflow_auditevent WHERE shard = %s ORDER BY seq"
)
# occurred_at formatted in SQL exactly as audit._utc() formats it (for years 1000-9999).
UTC_SQL = """to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
# The payload's fields, every one already text.
TEXT_FIELDS_SQL = (
    f"shard::text, seq::text, prev_hash, {UTC_SQL}, coalesce(actor_id::text, ''), actor_label,"
    " coalesce(on_behalf_of_id::text, ''), on_behalf_of_label, action, subject_type, subject_id, subject_label,"
    " before_json, after_json, rule_ids"
)
TEXT_SQL = f"SELECT {TEXT_FIELDS_SQL}, hash, seq AS seq_int FROM workflow_auditevent WHERE shard = %s ORDER BY seq_int"  # noqa: S608
# The whole payload() text built by the database: four columns per row instead of seventeen.
PAYLOAD_SQL = (
    f"SELECT seq, prev_hash, hash, concat_ws(%s, 'v1', {TEXT_FIELDS_SQL})"  # noqa: S608
    " FROM workflow_auditevent WHERE shard = %s ORDER BY seq"
)
# Everything in the database (PostgreSQL's sha256()): only counts come back. IN_SQL checks hashes and
# links in one pass in (shard, seq) order; HASH_SQL checks hashes in a sequential scan (row order does
# not matter for them) and LINK_SQL checks sequence numbers and links reading only the narrow columns.
_HASH_OK = f"hash = encode(sha256(convert_to(concat_ws(%s, 'v1', {TEXT_FIELDS_SQL}), 'UTF8')), 'hex')"
_LINK_OK = f"seq = row_number() OVER w AND prev_hash = coalesce(lag(hash) OVER w, '{audit.GENESIS}')"
_ORDER = "WINDOW w AS (PARTITION BY shard ORDER BY seq)"
IN_SQL = f"SELECT count(*), count(*) FILTER (WHERE NOT ok) FROM (SELECT {_LINK_OK} AND {_HASH_OK} AS ok FROM workflow_auditevent {_ORDER}) checked"  # noqa: S608
HASH_SQL = f"SELECT count(*), count(*) FILTER (WHERE NOT ({_HASH_OK})) FROM workflow_auditevent"  # noqa: S608
LINK_SQL = f"SELECT count(*), count(*) FILTER (WHERE NOT ok) FROM (SELECT {_LINK_OK} AS ok FROM workflow_auditevent {_ORDER}) checked"  # noqa: S608


def shards() -> list[int]:
    with connection.cursor() as cur:
        cur.execute("SELECT DISTINCT shard FROM workflow_auditevent ORDER BY shard")
        return [r[0] for r in cur.fetchall()]


def raw_rows(sql: str, *params: object, chunk: int = 5000):  # type: ignore[no-untyped-def]
    """Every shard's rows in order, through a plain psycopg server-side cursor (no ORM).

    ``params`` come before the shard number in the query's parameters.
    """
    pg = connection.connection  # the psycopg connection under Django's
    for shard in shards():
        with pg.transaction(), pg.cursor(name=f"bench_{shard}") as cur:
            cur.itersize = chunk
            cur.execute(sql, [*params, shard])
            yield from cur


def verify_text_columns() -> tuple[int, int]:
    """Sketch 1: the payload's fields as text columns from psycopg (no ORM, no datetime objects).

    Returns (events, bad events). Checks sequence, link and hash; not the chain heads.
    """
    sha256, sep, genesis = hashlib.sha256, audit.SEP, audit.GENESIS
    count = bad = 0
    prev_shard, prev, expected = None, genesis, 1
    for row in raw_rows(TEXT_SQL):
        count += 1
        if row[0] != prev_shard:
            prev_shard, prev, expected = row[0], genesis, 1
        stored = row[15]
        if row[16] != expected or row[2] != prev or sha256(sep.join(("v1", *row[:15])).encode()).hexdigest() != stored:
            bad += 1
        prev, expected = stored, expected + 1
    return count, bad


def verify_sql_payload() -> tuple[int, int]:
    """Sketch 2: the database builds each payload text; Python hashes it and checks the links."""
    sha256, genesis = hashlib.sha256, audit.GENESIS
    count = bad = 0
    pg = connection.connection
    for shard in shards():
        prev, expected = genesis, 1
        with pg.transaction(), pg.cursor(name=f"bench_p{shard}") as cur:
            cur.itersize = 5000
            cur.execute(PAYLOAD_SQL, [audit.SEP, shard])
            for seq, prev_hash, stored, text in cur:
                count += 1
                if seq != expected or prev_hash != prev or sha256(text.encode()).hexdigest() != stored:
                    bad += 1
                prev, expected = stored, expected + 1
    return count, bad


def verify_in_sql() -> tuple[int, int]:
    """Sketch 3: one query; PostgreSQL recomputes every hash and link in (shard, seq) order."""
    with connection.cursor() as cur:
        cur.execute(IN_SQL, [audit.SEP])
        count, bad = cur.fetchone()
    return count, bad


def verify_in_sql_split() -> tuple[int, int]:
    """Sketch 4: two queries; hashes in a sequential scan, then sequence numbers and links."""
    with connection.cursor() as cur:
        cur.execute(HASH_SQL, [audit.SEP])
        count, bad_hashes = cur.fetchone()
        cur.execute(LINK_SQL)
        _, bad_links = cur.fetchone()
    return count, bad_hashes + bad_links


def verify_in_sql_concurrent() -> tuple[int, int]:
    """Sketch 5: sketch 4's two queries at the same time, on two connections (the chains are independent)."""
    results: dict[str, tuple[int, int]] = {}

    def run(name: str, sql: str, params: list[object]) -> None:
        try:
            with connections["default"].cursor() as cur:  # this thread's own connection
                cur.execute(sql, params)
                results[name] = cur.fetchone()
        finally:
            connections["default"].close()

    threads = [
        threading.Thread(target=run, args=("hash", HASH_SQL, [audit.SEP])),
        threading.Thread(target=run, args=("link", LINK_SQL, [])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results["hash"][0], results["hash"][1] + results["link"][1]


def verify_chain_shard_query_fixed() -> tuple[int, int]:
    """Sketch 0: ``verify_chain()`` itself, with ``AuditEvent.Meta.ordering`` cleared while it runs.

    That has the effect of ``.order_by()`` on its shard-list query (``values_list("shard").distinct()``),
    which otherwise selects DISTINCT (shard, occurred_at, id) sorted by the default ordering: every row.
    """
    meta = AuditEvent._meta
    saved = meta.ordering
    meta.ordering = []
    try:
        report = audit.verify_chain()
    finally:
        meta.ordering = saved
    return report.events, len(report.breaks)


def profile(n: int, plain_rate: float, repeats: int) -> None:
    """Where ``verify_chain()`` spends its time, and what faster verifiers achieve."""
    connection.ensure_connection()
    prof = cProfile.Profile()
    prof.enable()
    audit.verify_chain()
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(14)
    print("\ncProfile of verify_chain(), by own time (cProfile slows Python code down, not the database):")
    print("\n".join("  " + line for line in out.getvalue().splitlines() if line.strip()))

    def best(fn: Callable[[], object]) -> tuple[float, object]:
        seconds, _, result = best_of(repeats, fn)
        return seconds, result

    def line(what: str, seconds: float) -> None:
        print(f"  {what:<72} {seconds:6.2f} s  {n / seconds:>11,.0f} rows/s")

    print(f"\nbreakdown of verify_chain() (each part timed alone, best of {repeats}):")
    as_written = AuditEvent.objects.values_list("shard", flat=True).distinct()
    line(
        "shard list, values_list('shard').distinct() as written (Meta.ordering)", best(lambda: set(as_written.all()))[0]
    )
    unordered = AuditEvent.objects.order_by().values_list("shard", flat=True).distinct()
    line("shard list with .order_by() (DISTINCT shard only)", best(lambda: set(unordered.all()))[0])
    t_orm, rows = best(lambda: [row for shard in shards() for row in audit._rows(shard, 5000)])
    line("rows through the ORM: audit._rows() for every shard", t_orm)
    line("the same columns, plain psycopg server-side cursor", best(lambda: list(raw_rows(RAW_SQL)))[0])
    line("the payload fields as text (to_char), plain psycopg cursor", best(lambda: list(raw_rows(TEXT_SQL)))[0])
    line(
        "the payload text built in SQL (4 columns), plain psycopg cursor",
        best(lambda: list(raw_rows(PAYLOAD_SQL, audit.SEP)))[0],
    )
    moments = [r[4] for r in rows]  # type: ignore[union-attr]
    line("audit._utc(occurred_at) (astimezone + strftime)", best(lambda: [audit._utc(m) for m in moments])[0])
    line("  of which strftime alone", best(lambda: [m.strftime("%Y-%m-%dT%H:%M:%S.%fZ") for m in moments])[0])
    texts = [
        audit.SEP.join(("v1", str(r[1]), str(r[2]), r[3], audit._utc(r[4]), "", r[6], "", r[8], *r[9:16]))
        for r in rows  # type: ignore[union-attr]
    ]

    def join() -> list[str]:
        return [
            audit.SEP.join(("v1", str(r[1]), str(r[2]), r[3], "x", "", r[6], "", r[8], *r[9:16]))
            for r in rows  # type: ignore[union-attr]
        ]

    line("str() + SEP.join of the 16 fields (timestamp not formatted)", best(join)[0])
    line("sha256(text.encode()).hexdigest()", best(plain_hashing(texts))[0])

    print(f"\nfaster verifiers (best of {repeats}; 1-5 check sequence, links and hashes, not the chain heads):")
    for what, fn in (
        ("0: verify_chain() with its shard-list query fixed", verify_chain_shard_query_fixed),
        ("1: payload fields as text columns, joined and hashed in Python", verify_text_columns),
        ("2: payload text built in SQL, hashed in Python", verify_sql_payload),
        ("3: one SQL query, PostgreSQL sha256(), (shard, seq) order", verify_in_sql),
        ("4: two SQL queries: hashes (sequential scan), then links", verify_in_sql_split),
        ("5: sketch 4's two queries at once, on two connections", verify_in_sql_concurrent),
    ):
        seconds, (events, bad) = best(fn)  # type: ignore[misc]
        line(f"{what}", seconds)
        print(f"  {'':<72} {'':>8}  {n / seconds / plain_rate:>10.1%} of plain hashing ({events:,} read, {bad} bad)")


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1_000_000, help="audit events loaded (default 1000000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each loop; best reported (default 3)")
    parser.add_argument("--seed", type=int, default=4, help="random seed (default 4)")
    parser.add_argument("--profile", action="store_true", help="also profile verify_chain() and time a sketch fix")
    parser.add_argument("--no-cli", action="store_true", help="skip timing `cityhall audit verify`")
    args = parser.parse_args(argv)
    if args.events < 1 or args.repeats < 1:
        parser.error("--events and --repeats must be at least 1")
    if connection.vendor != "postgresql":
        parser.error("needs PostgreSQL: set CITYHALL_DATABASE_URL to a scratch database")

    migrate()
    load_seconds, texts = load(args.events, args.seed)
    n = len(texts)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), count(DISTINCT shard), pg_total_relation_size('workflow_auditevent') FROM workflow_auditevent"
        )
        stored, shard_count, size = cur.fetchone()
    print(f"database:        {connection.settings_dict['NAME']}")
    print(f"events:          {stored:,} in {shard_count} shards, loaded in {load_seconds:.1f} s (COPY)")
    print(f"table size:      {size / 2**20:,.0f} MiB with indexes; mean payload {sum(map(len, texts)) / n:.0f} chars")

    connection.ensure_connection()
    load_before = os.getloadavg()[0]
    t_verify, verify_runs, report = best_of(args.repeats, audit.verify_chain)
    t_plain, plain_runs, _ = best_of(args.repeats, plain_hashing(texts))
    verify_rate, plain_rate = n / t_verify, n / t_plain
    ratio = verify_rate / plain_rate
    runs = ", ".join(f"{t:.2f}" for t in verify_runs)
    print(f"verify_chain():  {verify_rate:,.0f} events/s (best of {args.repeats}: {t_verify:.2f} s; runs {runs} s)")
    runs = ", ".join(f"{t:.2f}" for t in plain_runs)
    print(f"plain sha256:    {plain_rate:,.0f} events/s (best of {args.repeats}: {t_plain:.2f} s; runs {runs} s)")
    print(
        f"ratio:           {ratio:.1%} of plain hashing (target >= {TARGET:.0%}: {'MET' if ratio >= TARGET else 'MISSED'})"
    )
    print(
        f"load average:    {load_before:.2f} before timing, {os.getloadavg()[0]:.2f} after (1-minute, {os.cpu_count()} CPUs)"
    )
    ok = report.ok and report.events == n  # type: ignore[union-attr]
    print(f"verify result:   {report.events:,} events, {report.shards} chains, {len(report.breaks)} breaks")  # type: ignore[union-attr]

    if not args.no_cli:
        seconds, status, output = run_cli()
        print(f"cli wall time:   {seconds:.2f} s for `cityhall audit verify` (exit {status})")
        print(f"cli output:      {output.splitlines()[-1] if output else ''}")
        ok = ok and status == 0

    if args.profile:
        profile(n, plain_rate, args.repeats)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
