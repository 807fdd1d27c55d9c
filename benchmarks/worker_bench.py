"""Benchmark: the deadline worker firing due deadlines, with 1 and with 2 worker processes.

What it measures, on a scratch PostgreSQL database:

* it loads ``--total`` pending deadlines (default 1,000,000) with PostgreSQL COPY, of which ``--due``
  (default 100,000, spread at random over the ids) are due (``due_at`` from 30 days before ``now`` to
  1 second before it) and the rest are in the future (1 hour to 365 days after ``now``); none has a
  reminder time, so only ``fire_due`` has work;
* for each worker count in ``--workers`` (default ``1,2``) it resets the due deadlines to pending,
  empties the audit trail (TRUNCATE ``workflow_auditevent``, 16 fresh ``workflow_audithead`` rows),
  VACUUM ANALYZEs, then starts that many separate OS processes (this script in ``--worker`` mode).
  Each process sets Django up and connects, then waits for a "go" line; the clock starts when every
  process has been told to go and stops when the last one has returned from
  ``cityhall.workflow.worker.run_once(now, batch=--batch)``. Start-up is not timed;
* deadlines per second (the due count divided by that wall time), what each process reported
  (fired / missed / failed) and these checks: every due deadline has exactly one audit event
  (events counted per ``subject_id``), no event names anything else, no due deadline is still
  pending, none was closed without an audit event, every closed one has version 2 (updated once),
  none of the future deadlines was touched (state, version, closed_at, attempts, not_before,
  last_error unchanged) and ``verify_chain()`` finds the chains intact.

Workers still running after ``--timeout`` seconds (default 600) are killed (their open batch rolls
back). The run is then reported as stopped, with the rate of committed audit events, and only the
checks that hold for a partial run are made.

The deadlines' kind, ``bench.deadline``, is not registered, so the worker applies the default
behaviour: state ``missed`` and one ``deadline.missed`` audit event per deadline. With
``--handler fired`` each worker process registers a trivial handler for it that returns ``fired``.

Two more figures come from the same run, on the same database:

* **deems** (``--deems``, default 3,000): ``--deems / 3`` county requests are taken through the real
  document services to a countersign request to three departments (fgw, finance, education), none of which
  replies. One worker run (in this process, after the reply deadline) then deems every countersign 视为无不同意见
  through the countersign kind's batch handler and completes each request's countersign. Deems per second
  is the countersigns deemed divided by that run's wall time; it is checked that every countersign was
  deemed once, every request moved on, and the chains verify;
* **procrastinate** 3.10 (``--peer-jobs``, default 20,000 no-op jobs, one worker, concurrency 1, no
  listen/notify): the jobs are deferred with ``batch_defer`` (untimed), then ``run_worker(wait=False)``
  is timed until the queue is empty.

The script exits 1 if any check fails; the rates are reported either way. Its last line is
``RESULT deadlines_per_s=… deems_per_s=… procrastinate_per_s=…`` (deadlines_per_s for one worker process).

Run from the repository root. The script creates a scratch database of its own on the server of
``CITYHALL_DATABASE_URL`` (default postgres://postgres@127.0.0.1:5432/postgres) and drops it at the end::

    .venv/bin/python benchmarks/worker_bench.py [--quick] [--total N] [--due N] [--batch N] [--workers 1,2] \\
        [--handler missed|fired] [--deems N] [--peer-jobs N] [--timeout SECONDS]

``--quick`` (about 2 minutes here): 200,000 deadlines of which 20,000 due, one worker process, 1,500 deems,
5,000 procrastinate jobs.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from scratch import scratch_database  # noqa: E402

KIND = "bench.deadline"
RULE_ID = "countersign.reply"
SHARDS = 16
GENESIS = "0" * 64
LOCAL = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai, for due_date
COPY_COLUMNS = (
    "subject_id",
    "subject_label",
    "kind",
    "rule_id",
    "rule_version",
    "anchor_at",
    "due_date",
    "due_at",
    "state",
    "provisional",
    "trace",
    "created_at",
    "attempts",
    "last_error",
    "version",
)


# --------------------------------------------------------------------------- database set-up


def migrate() -> None:
    """Bring the scratch database up to date (the audit tables' append-only trigger included)."""
    call_command("migrate", verbosity=0)


def execute(sql: str, params: Sequence[object] | None = None) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params)


def scalar(sql: str, params: Sequence[object] | None = None) -> int:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return int(cur.fetchone()[0])


def load(total: int, due: int, now: dt.datetime, seed: int) -> float:
    """Empty the deadline table and COPY ``total`` pending deadlines in. Returns seconds taken."""
    started = time.perf_counter()
    rng = random.Random(seed)
    due_rows = set(rng.sample(range(total), due))
    execute("TRUNCATE workflow_deadline RESTART IDENTITY CASCADE")
    columns = ", ".join(COPY_COLUMNS)
    with connection.cursor() as cur, cur.copy(f"COPY workflow_deadline ({columns}) FROM STDIN") as copy:
        for i in range(total):
            if i in due_rows:
                due_at = now - dt.timedelta(seconds=rng.randint(1, 30 * 86400))
            else:
                due_at = now + dt.timedelta(seconds=rng.randint(3600, 365 * 86400))
            anchor_at = due_at - dt.timedelta(days=10)
            copy.write_row(
                (
                    str(i + 1),
                    f"会签函 第{i + 1}号",
                    KIND,
                    RULE_ID,
                    1,
                    anchor_at,
                    due_at.astimezone(LOCAL).date(),
                    due_at,
                    "pending",
                    False,
                    "[]",
                    anchor_at,
                    0,
                    "",
                    1,
                )
            )
    execute("VACUUM ANALYZE workflow_deadline")
    return time.perf_counter() - started


def reset(now: dt.datetime) -> None:
    """Due deadlines back to pending, an empty audit trail with 16 fresh heads, fresh statistics."""
    execute(
        "UPDATE workflow_deadline SET state = 'pending', closed_at = NULL, version = 1, attempts = 0,"
        " last_error = '', not_before = NULL WHERE due_at <= %s AND state <> 'pending'",
        [now],
    )
    execute("TRUNCATE workflow_auditevent RESTART IDENTITY")
    execute("TRUNCATE workflow_audithead")
    with connection.cursor() as cur:
        cur.executemany(
            "INSERT INTO workflow_audithead (shard, seq, hash) VALUES (%s, 0, %s)",
            [(s, GENESIS) for s in range(SHARDS)],
        )
    for table in ("workflow_deadline", "workflow_auditevent", "workflow_audithead"):
        execute(f"VACUUM ANALYZE {table}")


# --------------------------------------------------------------------------- worker processes


def worker_main(now_text: str, batch: int, handler: str) -> int:
    """``--worker`` mode: connect, say ready, wait for "go", drain with run_once, print the stats as JSON."""
    from cityhall.workflow.registry import DeadlineKind, register
    from cityhall.workflow.worker import run_once

    if handler == "fired":
        register(DeadlineKind(key=KIND, label="基准测试", on_due=lambda d, now: "fired", remind_before=None))
    now = dt.datetime.fromisoformat(now_text)
    connection.ensure_connection()
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return 2
    started = time.perf_counter()
    stats = run_once(now, batch=batch)
    seconds = time.perf_counter() - started
    out = {"fired": stats.fired, "missed": stats.missed, "failed": stats.failed, "seconds": seconds}
    print(json.dumps(out), flush=True)
    return 0


def run_workers(n: int, now: dt.datetime, batch: int, handler: str, timeout: float) -> tuple[float, list, str]:
    """Start ``n`` worker processes and release them together.

    Returns (wall seconds, each worker's stats or None if it was stopped at ``timeout``, their stderr).
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", now.isoformat(), "--batch", str(batch)]
    cmd += ["--handler", handler]
    with contextlib.ExitStack() as stack:
        logs = [stack.enter_context(tempfile.TemporaryFile(mode="w+")) for _ in range(n)]
        procs = [
            subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)  # noqa: S603
            for log in logs
        ]
        for p in procs:
            line = p.stdout.readline().strip() if p.stdout else ""
            if line != "ready" or p.stdin is None:
                raise RuntimeError(f"worker did not start: {line!r}")
        started = time.perf_counter()
        for p in procs:
            if p.stdin:
                p.stdin.write("go\n")
                p.stdin.flush()
        results: list[dict[str, float] | None] = []
        for p in procs:
            try:
                out, _ = p.communicate(timeout=max(0.0, timeout - (time.perf_counter() - started)))
            except subprocess.TimeoutExpired:
                p.kill()  # its open transaction rolls back: the batch in hand is left pending
                p.communicate()
                results.append(None)
                continue
            if p.returncode != 0:
                raise RuntimeError(f"worker exited {p.returncode}")
            results.append(json.loads(out.strip().splitlines()[-1]))
        wall = time.perf_counter() - started
        stderr = ""
        for log in logs:
            log.seek(0)
            stderr += log.read()
    return wall, results, stderr


def wait_for_other_backends(limit: float = 60.0) -> None:
    """After workers were killed, wait until their server backends have rolled back and gone."""
    deadline = time.monotonic() + limit
    sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    while scalar(sql) and time.monotonic() < deadline:
        time.sleep(0.2)


def error_summary(stderr: str) -> dict[str, int]:
    """How many times each exception line (``module.Error: message``) appears in the workers' logs."""
    counts: dict[str, int] = {}
    for line in stderr.splitlines():
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception): ", line):
            counts[line] = counts.get(line, 0) + 1
    return counts


# --------------------------------------------------------------------------- checks


def checks(now: dt.datetime, total: int, due: int, complete: bool) -> list[tuple[str, int, int]]:
    """(description, expected, actual) for each correctness check.

    ``complete`` is False when the workers were stopped at the time limit: then the checks that
    need every due deadline to be done are left out.
    """
    from cityhall.workflow.audit import verify_chain

    events = "FROM workflow_auditevent WHERE subject_type = 'workflow.deadline'"
    done = scalar("SELECT count(*) FROM workflow_deadline WHERE due_at <= %s AND state <> 'pending'", [now])
    results = []
    if complete:
        results += [
            ("audit events for deadlines", due, scalar(f"SELECT count(*) {events}")),
            ("distinct deadlines with an audit event", due, scalar(f"SELECT count(DISTINCT subject_id) {events}")),
            ("due deadlines still pending", 0, due - done),
        ]
    results += [
        (
            "deadlines with more than one audit event",
            0,
            scalar(f"SELECT count(*) FROM (SELECT subject_id {events} GROUP BY subject_id HAVING count(*) > 1) x"),  # noqa: S608
        ),
        (
            "audit events naming anything but a due deadline",
            0,
            scalar(
                "SELECT count(*) FROM workflow_auditevent e WHERE NOT EXISTS (SELECT 1 FROM workflow_deadline d"
                " WHERE d.id::text = e.subject_id AND e.subject_type = 'workflow.deadline' AND d.due_at <= %s)",
                [now],
            ),
        ),
        (
            "due deadlines closed without an audit event",
            0,
            scalar(
                "SELECT count(*) FROM workflow_deadline d WHERE d.due_at <= %s AND d.state <> 'pending'"
                " AND NOT EXISTS (SELECT 1 FROM workflow_auditevent e"
                " WHERE e.subject_type = 'workflow.deadline' AND e.subject_id = d.id::text)",
                [now],
            ),
        ),
        (
            "closed due deadlines with version <> 2",
            0,
            scalar(
                "SELECT count(*) FROM workflow_deadline WHERE due_at <= %s AND state <> 'pending' AND version <> 2",
                [now],
            ),
        ),
        ("future deadlines", total - due, scalar("SELECT count(*) FROM workflow_deadline WHERE due_at > %s", [now])),
        (
            "future deadlines touched",
            0,
            scalar(
                "SELECT count(*) FROM workflow_deadline WHERE due_at > %s AND (state <> 'pending' OR version <> 1"
                " OR closed_at IS NOT NULL OR attempts <> 0 OR not_before IS NOT NULL OR last_error <> '')",
                [now],
            ),
        ),
        ("verify_chain() breaks", 0, len(verify_chain().breaks)),
    ]
    return results


# --------------------------------------------------------------------------- deems and the peer


def deems(count: int) -> tuple[float, int, list[tuple[str, int, int]]]:
    """Requests through the services to a countersign nobody answers; one worker run deems them all.

    Returns (deems per second, countersigns deemed, checks).
    """
    import documents_bench as docs  # the same set-up and cast as the documents benchmark

    from cityhall.documents import services as s
    from cityhall.documents.models import Countersign, Document
    from cityhall.workflow.audit import verify_chain
    from cityhall.workflow.models import AuditEvent, Deadline
    from cityhall.workflow.worker import run_once

    docs.prepare()
    units = ["fgw", "finance", "education"]
    docs.ensure_heads(units)
    c = docs.cast(units)
    started = time.perf_counter()
    requests = max(1, count // len(units))
    for i in range(requests):
        doc = s.document_create_incoming(
            actor=c.county_head,
            issuer_unit=c.county,
            kind="请示",
            title="关于新宾满族自治县2027年农村公路养护资金的请示",
            body=f"为做好我县农村公路养护工作（第{i + 1}批），特申请市级补助资金500万元。妥否，请批示。",
            addressees=["抚顺市人民政府"],
            signed_by_title="县长",
            matter_unit=c.transport,
        )
        doc = s.document_submit(actor=c.county_head, document=doc)
        doc = s.document_register(
            actor=c.clerk, document=doc, proposed_handling="拟请市发展改革委、市财政局、市教育局会签。"
        )
        s.countersign_request(actor=c.clerk, document=doc, units=c.units, anchor=docs.ANCHOR)
    print(f"deems set-up:    {requests:,} requests to countersign in {time.perf_counter() - started:.1f} s")
    due = Deadline.objects.filter(kind=s.COUNTERSIGN_KIND, state=Deadline.State.PENDING)
    expected = due.count()
    moment = max(due.values_list("due_at", flat=True)) + dt.timedelta(minutes=1)
    execute("VACUUM ANALYZE")
    started = time.perf_counter()
    stats = run_once(moment)
    wall = time.perf_counter() - started
    deemed = Countersign.objects.filter(state=Countersign.State.DEEMED).count()
    results = [
        ("countersigns deemed", expected, deemed),
        ("deem handler failures", 0, stats.failed),
        ("deemed events", expected, AuditEvent.objects.filter(action="countersign.deemed_no_objection").count()),
        (
            "requests moved on (registered)",
            requests,
            Document.objects.filter(direction="incoming", state="registered").count(),
        ),
        (
            "countersign completions",
            requests,
            AuditEvent.objects.filter(action="document.countersign_complete").count(),
        ),
        ("verify_chain() breaks", 0, len(verify_chain().breaks)),
    ]
    print(f"deems run:       {deemed:,} countersigns deemed in {wall:.2f} s ({stats.fired:,} fired)")
    return deemed / wall, deemed, results


def procrastinate_rate(jobs: int) -> float:
    """No-op jobs through one procrastinate worker (concurrency 1): jobs per second, deferral untimed."""
    import logging

    import procrastinate

    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    url = os.environ["CITYHALL_DATABASE_URL"]
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))

    @app.task(name="bench_noop")
    def noop() -> None:
        return None

    with app.open():
        app.schema_manager.apply_schema()
        for start in range(0, jobs, 5000):
            noop.batch_defer(*({} for _ in range(min(5000, jobs - start))))
        started = time.perf_counter()
        app.run_worker(wait=False, concurrency=1, listen_notify=False, install_signal_handlers=False)
        wall = time.perf_counter() - started
    done = scalar("SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'")
    print(f"procrastinate:   {done:,} of {jobs:,} no-op jobs in {wall:.1f} s (1 worker, concurrency 1)")
    return done / wall


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--total", type=int, default=1_000_000, help="deadlines loaded (default 1000000)")
    parser.add_argument("--due", type=int, default=100_000, help="of which due (default 100000)")
    parser.add_argument("--batch", type=int, default=2000, help="run_once batch size (default 2000, the worker's)")
    parser.add_argument("--workers", default="1,2", help="worker process counts to run, in order (default 1,2)")
    parser.add_argument(
        "--handler",
        choices=("missed", "fired"),
        default="missed",
        help="missed: the kind is unregistered (default); fired: workers register a handler returning 'fired'",
    )
    parser.add_argument(
        "--timeout", type=float, default=600, help="stop the workers after this many seconds (default 600)"
    )
    parser.add_argument("--seed", type=int, default=3, help="random seed (default 3)")
    parser.add_argument("--deems", type=int, default=3000, help="countersigns to deem (default 3000)")
    parser.add_argument("--peer-jobs", type=int, default=20_000, help="procrastinate no-op jobs (default 20000)")
    parser.add_argument(
        "--quick", action="store_true", help="200000 deadlines, 20000 due, 1 worker, 1500 deems, 5000 peer jobs"
    )
    parser.add_argument("--worker", metavar="NOW", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.total, args.due, args.workers, args.deems, args.peer_jobs = 200_000, 20_000, "1", 1500, 5000

    if args.worker:
        django.setup()
        return worker_main(args.worker, args.batch, args.handler)
    if not 0 < args.due <= args.total:
        parser.error("need 0 < --due <= --total")
    with scratch_database("cityhall_worker_bench"):
        django.setup()
        if connection.vendor != "postgresql":
            parser.error("needs PostgreSQL: set CITYHALL_DATABASE_URL to a PostgreSQL server")
        return run(args)


def run(args: argparse.Namespace) -> int:
    counts = [int(c) for c in args.workers.split(",") if c]
    migrate()
    deems_per_s, _, deem_checks = deems(args.deems)
    failed_checks = 0
    for what, expected, actual in deem_checks:
        ok = expected == actual
        failed_checks += not ok
        print(f"  check {'ok  ' if ok else 'FAIL'}    {what}: {actual:,} (expected {expected:,})")
    peer = procrastinate_rate(args.peer_jobs)
    rates: dict[int, float] = {}
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    load_seconds = load(args.total, args.due, now, args.seed)
    print(f"database:        {connection.settings_dict['NAME']} ({scalar('SHOW server_version_num')})")
    print(
        f"deadlines:       {args.total:,} loaded in {load_seconds:.1f} s (COPY), {args.due:,} due at {now:%Y-%m-%d %H:%M:%S}Z"
    )
    print(f"kind handler:    {args.handler} ({'unregistered kind' if args.handler == 'missed' else 'trivial handler'})")
    print(f"batch:           {args.batch}")

    for n in counts:
        reset(now)
        connection.close()  # no connection of ours is open while the workers run
        load_before = os.getloadavg()[0]
        wall, results, stderr = run_workers(n, now, args.batch, args.handler, args.timeout)
        complete = all(r is not None for r in results)
        wait_for_other_backends()
        events = scalar("SELECT count(*) FROM workflow_auditevent WHERE subject_type = 'workflow.deadline'")
        closed = scalar("SELECT count(*) FROM workflow_deadline WHERE due_at <= %s AND state <> 'pending'", [now])
        print(f"\n{n} worker process{'es' if n > 1 else ''}:")
        if complete:
            rates[n] = args.due / wall
            print(f"  wall time:     {wall:.1f} s")
            print(f"  rate:          {args.due / wall:,.0f} deadlines/s (due / wall time)")
        else:
            print(f"  wall time:     {wall:.1f} s: STOPPED at the --timeout limit before the due deadlines were done")
            print(f"  rate:          {events / wall:,.1f} deadlines/s (audit events committed / wall time)")
        for i, r in enumerate(results, 1):
            if r is None:
                print(f"  worker {i}:      stopped at the time limit (its counts are lost with it)")
            else:
                print(
                    f"  worker {i}:      fired {r['fired']:,}, missed {r['missed']:,}, failed {r['failed']:,}"
                    f" in {r['seconds']:.1f} s"
                )
        print(
            f"  load average:  {load_before:.2f} before, {os.getloadavg()[0]:.2f} after (1-minute, {os.cpu_count()} CPUs)"
        )
        print(f"  processed:     {events:,} audit events committed; {closed:,} of {args.due:,} due deadlines closed")
        if complete:
            fired = sum(int(r["fired"] + r["missed"]) for r in results if r)
            failures = sum(int(r["failed"]) for r in results if r)
            print(f"  total fired:   {fired:,} (fired + missed, as reported); handler failures {failures:,}")
        for line, count in sorted(error_summary(stderr).items(), key=lambda kv: -kv[1]):
            print(f"  worker log:    {count:,} x {line[:120]}")
        for what, expected, actual in checks(now, args.total, args.due, complete):
            ok = expected == actual
            failed_checks += not ok
            print(f"  check {'ok  ' if ok else 'FAIL'}    {what}: {actual:,} (expected {expected:,})")
        failed_checks += not complete
    one = rates.get(1, rates.get(min(rates), 0.0) if rates else 0.0)
    print(f"RESULT deadlines_per_s={one:.0f} deems_per_s={deems_per_s:.0f} procrastinate_per_s={peer:.0f}")
    return 1 if failed_checks else 0


if __name__ == "__main__":
    sys.exit(main())
