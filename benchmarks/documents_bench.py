"""Benchmarks of the official-documents module (issue 4 §10): the whole flow, and the clerk's intake queue page.

Two parts, each a sub-command, each on a scratch PostgreSQL database (the database name must contain
``bench``: the ``queue`` part empties the documents table):

``flow`` — documents taken from submission to issue per second, through the real services of
cityhall/documents/services.py (no shortcut, no direct SQL). Set-up, untimed: migrations, the Fushun demo
organisation (``load_demo``), a principal head for every countersigning department that lacks one. Then,
for each of ``--documents`` (default 10,000) county requests, in batches of ``--batch`` (default 200):

* stage A, per document: ``document_create_incoming`` (新宾 county's 请示 on a transport matter, by the
  county head) → ``document_submit`` → ``document_register`` (the General Office clerk, with a proposed
  handling) → ``countersign_request`` to ``--units`` (default fgw, finance, education; anchored on
  2026-09-30, so the replies are due 2026-10-10) → ``countersign_reply`` (agree) by the heads of the first
  two departments; the third stays silent;
* once per batch: the deadline worker ``run_once(now=`` one minute after the reply deadline ``)``, which
  deems the silent departments' countersigns 视为无不同意见 and completes the countersign;
* stage B, per document: ``document_route`` (by division of labour: transport → vice mayor 5) →
  ``document_instruct`` (vice mayor 5, 同意) → the outgoing reply: ``document_create_outgoing`` (a 批复 in
  the city government's name, category government_downward) → ``document_review`` (vice mayor 5, the
  supervising leader) → ``document_sign`` (the mayor: checks the signing authority, allocates the number
  抚政发〔year〕N号) → ``document_issue`` (the clerk).

So one "document" of the figures is one incoming request plus its outgoing reply (two Document rows).
Every call is timed on its own; the report gives wall time, documents per second end to end, and for
each stage the seconds spent and milliseconds per document; then the audit events written, checks of
the end state (every request decided, every reply issued, the numbers gap-free and unique) and
``verify_chain()`` over the whole audit trail (timed).

With ``--workers N`` (default 1) N OS processes (fork) each take a slice of the documents. They meet at
a barrier before and after each worker run: the worker fires every due deadline in the database, so a
process must not run it while another is half-way through a batch (its countersigns would be deemed
before their departments replied). All N processes then run ``run_once`` at the same moment, as N
deadline workers would (SELECT … FOR UPDATE SKIP LOCKED). Stage times are then summed over the
processes (busy time); the time spent waiting at the barriers is reported separately. A service call
that fails with a deadlock or serialization failure (two processes writing audit events of different
shards in opposite orders, say) is retried, as a user would, and counted; its time counts in its stage.

``queue`` — the General Office clerk's intake queue, GET /documents/ as ``clerk``, with ``--rows``
(default 200,000) documents in the database. Set-up, untimed: migrations, ``load_demo``, TRUNCATE of the
documents table (CASCADE: countersigns, findings, attachments), then ``--rows`` rows loaded with COPY:
10% submitted and the other nine states 10% each (so 40% are in the office's queue: submitted,
registered, decided, signed), issuers drawn from the counties and departments, created_at increasing
with the id over the last two years; then VACUUM ANALYZE. Then, in-process (django.test.Client,
``force_login``, no HTTP): ``--warmup`` requests, then ``--requests`` (default 300) timed requests with
p50/p95/p99/max; the number of SQL queries and the time in the database driver for each request; the
SQL of one request (CaptureQueriesContext); the plan of the queue query (EXPLAIN (ANALYZE, BUFFERS) of
the exact SQL the page ran); and a split of the request into SQL, template and the rest. With
``--profile``, or when the p95 is above ``--threshold-ms`` (default 200), also a cProfile summary and the
plan the queue query would get with other indexes (created inside a transaction that is rolled back:
nothing of the schema changes).

Run from the repository root::

    createdb -h 127.0.0.1 -U postgres cityhall_docs_bench
    export CITYHALL_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cityhall_docs_bench
    .venv/bin/python benchmarks/documents_bench.py flow [--documents 10000] [--workers 1] [--batch 200]
    .venv/bin/python benchmarks/documents_bench.py queue [--rows 200000] [--requests 300]
    dropdb -h 127.0.0.1 -U postgres cityhall_docs_bench

Settings: ``--settings`` (default config.settings.dev, DEBUG on, as the issue asks; benchmarks.bench_settings
is the same with DEBUG off). Exit status 1 if a check fails; the figures are printed either way.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import math
import os
import platform
import pstats
import random
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # spiff_peer
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cityhall_docs_bench"
DEFAULT_SETTINGS = "config.settings.dev"

ANCHOR = dt.date(2026, 9, 30)  # the countersign requests are all dated this day
RETRY_SQLSTATES = {"40P01": "deadlock", "40001": "serialization failure"}
MAX_ATTEMPTS = 10
HOST = "127.0.0.1"
QUEUE_URL = "/documents/"
STAGES = (
    ("create_incoming", "document_create_incoming"),
    ("submit", "document_submit"),
    ("register", "document_register"),
    ("countersign_request", "countersign_request (3 departments)"),
    ("countersign_reply", "countersign_reply x 2"),
    ("worker", "run_once (deems the silent one)"),
    ("route", "document_route"),
    ("instruct", "document_instruct (opinion 同意)"),
    ("create_outgoing", "document_create_outgoing"),
    ("prepare", "document_prepare (送核稿)"),
    ("check", "document_check (核稿, another clerk)"),
    ("review", "document_review"),
    ("sign", "document_sign (numbering)"),
    ("issue", "document_issue"),
)


def setup_django(settings: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    os.environ.setdefault("CITYHALL_DATABASE_URL", DEFAULT_DATABASE_URL)
    import django

    django.setup()


# --------------------------------------------------------------------------- helpers


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def psql_version() -> str:
    try:
        out = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False)  # noqa: S607
        return out.stdout.strip() or "psql not found"
    except OSError:
        return "psql not found"


def width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def scalar(sql: str, params: Sequence[object] | None = None) -> Any:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def execute(sql: str, params: Sequence[object] | None = None) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)


def check_database() -> str:
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("needs PostgreSQL: set CITYHALL_DATABASE_URL to a scratch database")
    name = connection.settings_dict["NAME"]
    if "bench" not in name:
        raise SystemExit(f"refusing to run on {name!r}: the database name must contain 'bench' (a scratch database)")
    return name


def print_header(settings: str) -> None:
    from django.conf import settings as s
    from django.db import connection

    print(f"machine:       {os.cpu_count()} CPUs (nproc), {cpu_model()}, Python {platform.python_version()}")
    print(f"PostgreSQL:    server {scalar('SHOW server_version')}, client {psql_version()}")
    print(f"database:      {connection.settings_dict['NAME']} on {connection.settings_dict['HOST']}")
    print(f"settings:      {settings} (DEBUG={s.DEBUG}, CONN_MAX_AGE={connection.settings_dict['CONN_MAX_AGE']})")


def prepare() -> None:
    from django.core.management import call_command

    from cityhall.org.demo import load_demo

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_demo()
    print(f"set-up:        migrate + load_demo() in {time.perf_counter() - started:.1f} s")


# --------------------------------------------------------------------------- part 1: the flow


@dataclass
class Cast:
    """The people and units of the flow, looked up once."""

    county_head: Any
    clerk: Any
    clerk2: Any
    leader: Any
    mayor: Any
    county: Any
    transport: Any
    city: Any
    units: list[Any]
    heads: list[Any]


def ensure_heads(codes: Sequence[str]) -> list[str]:
    """A principal head (position, person, login) for each department that lacks one. Returns those created."""
    from cityhall.org.demo import TERM_START, _person
    from cityhall.org.models import Holding, Position, Unit

    created = []
    for code in codes:
        unit = Unit.objects.get(code=code)
        position = Position.objects.filter(unit=unit, kind=Position.Kind.PRINCIPAL_HEAD).first()
        if position is None:
            position = Position.objects.create(
                code=f"head-{code}", title=f"{unit.short_name}主要负责人", kind=Position.Kind.PRINCIPAL_HEAD, unit=unit
            )
            created.append(code)
        if not Holding.objects.filter(position=position, end__isnull=True).exists():
            person = _person(f"{unit.short_name}负责人", f"bench-head-{code}")
            Holding.objects.create(person=person, position=position, start=TERM_START)
    return created


def cast(unit_codes: Sequence[str]) -> Cast:
    from cityhall.org.models import Person, Position, Unit

    def holder(position_code: str) -> Any:
        return Person.objects.get(holdings__position__code=position_code, holdings__end__isnull=True)

    units = [Unit.objects.get(code=c) for c in unit_codes]
    heads = []
    for u in units:
        position = Position.objects.filter(unit=u, kind=Position.Kind.PRINCIPAL_HEAD).first()
        heads.append(holder(position.code))
    return Cast(
        county_head=holder("head-xinbin"),
        clerk=holder("office-clerk-1"),
        clerk2=holder("office-clerk-2"),
        leader=holder("vice-mayor-5"),
        mayor=holder("mayor"),
        county=Unit.objects.get(code="xinbin"),
        transport=Unit.objects.get(code="transport"),
        city=Unit.objects.get(code="city-government"),
        units=units,
        heads=heads,
    )


@dataclass
class SliceResult:
    worker: int
    documents: int = 0
    wall: float = 0.0
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    retries: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    retry_examples: dict[str, str] = field(default_factory=dict)
    queries: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    progress: list[tuple[float, int]] = field(default_factory=list)  # (seconds since start, documents done)
    barrier_wait: float = 0.0
    fired: int = 0
    worker_runs: int = 0
    incoming_ids: list[int] = field(default_factory=list)
    outgoing_ids: list[int] = field(default_factory=list)
    error: str = ""


class Timer:
    """Times each service call into its stage; retries deadlocks and serialization failures."""

    def __init__(self, result: SliceResult) -> None:
        self.result = result
        self.stage = "other"

    def count(self, execute_, sql, params, many, context):  # type: ignore[no-untyped-def]
        """An execute wrapper: counts the SQL statements each stage sends."""
        self.result.queries[self.stage] += 1
        return execute_(sql, params, many, context)

    def __call__(self, stage: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        from django.db import DatabaseError

        for attempt in range(1, MAX_ATTEMPTS + 1):
            started = time.perf_counter()
            self.stage = stage
            try:
                return fn(**kwargs)
            except DatabaseError as exc:
                state = getattr(exc.__cause__, "sqlstate", None)
                if state not in RETRY_SQLSTATES or attempt == MAX_ATTEMPTS:
                    raise
                key = f"{stage}: {RETRY_SQLSTATES[state]}"
                self.result.retries[key] += 1
                if key not in self.result.retry_examples:
                    self.result.retry_examples[key] = " ".join(str(exc.__cause__).split())[:600]
            finally:
                self.result.seconds[stage] += time.perf_counter() - started
                self.result.calls[stage] += 1
                self.stage = "other"
        raise AssertionError("unreachable")


def run_slice(
    worker: int,
    indices: Sequence[int],
    rounds: int,
    batch: int,
    unit_codes: Sequence[str],
    worker_now: dt.datetime,
    barrier: Any,
    out: Any,
) -> SliceResult:
    """Take ``indices`` documents through the flow in ``rounds`` batches. In a child, sends the result to ``out``."""
    from django.db import connection, connections

    from cityhall.documents import services as s
    from cityhall.workflow.worker import run_once

    result = SliceResult(worker=worker)
    timed = Timer(result)
    late = 0
    connection.execute_wrappers.append(timed.count)
    try:
        c = cast(unit_codes)
        repliers = list(zip(c.units[:-1], c.heads[:-1], strict=True))  # the last department stays silent
        started = time.perf_counter()
        for r in range(rounds):
            chunk = indices[r * batch : (r + 1) * batch]
            docs = []
            for i in chunk:  # stage A: submission, intake, countersign requests and two replies
                doc = timed(
                    "create_incoming",
                    s.document_create_incoming,
                    actor=c.county_head,
                    issuer_unit=c.county,
                    kind="请示",
                    title="关于新宾满族自治县2027年农村公路养护资金的请示",
                    body=f"为做好我县农村公路养护工作（第{i + 1}批），特申请市级补助资金500万元。妥否，请批示。",
                    addressees=["抚顺市人民政府"],
                    signed_by_title="县长",
                    matter_unit=c.transport,
                )
                doc = timed("submit", s.document_submit, actor=c.county_head, document=doc)
                doc = timed(
                    "register",
                    s.document_register,
                    actor=c.clerk,
                    document=doc,
                    proposed_handling="拟请贺副市长阅示，并请市发展改革委、市财政局、市教育局会签。",
                )
                requests = timed(
                    "countersign_request",
                    s.countersign_request,
                    actor=c.clerk,
                    document=doc,
                    units=c.units,
                    anchor=ANCHOR,
                )
                by_unit = {cs.unit_id: cs for cs in requests}
                for unit, head in repliers:
                    timed(
                        "countersign_reply",
                        s.countersign_reply,
                        actor=head,
                        countersign=by_unit[unit.pk],
                        agree=True,
                        reply="同意。",
                    )
                late += sum(cs.deadline.due_at > worker_now for cs in requests)
                docs.append(doc)
            if late:
                raise RuntimeError(f"{late} countersign deadlines fall due after the worker's moment {worker_now}")
            if barrier is not None:
                waited = time.perf_counter()
                barrier.wait()
                result.barrier_wait += time.perf_counter() - waited
            # The worker, once per batch, one minute after the replies were due.
            stats = timed("worker", run_once, now=worker_now)
            result.fired += stats.fired
            result.worker_runs += 1
            if barrier is not None:
                waited = time.perf_counter()
                barrier.wait()
                result.barrier_wait += time.perf_counter() - waited
            for doc in docs:  # stage B: routing, the leader's opinion, the outgoing reply signed and issued
                doc = timed("route", s.document_route, actor=c.clerk, document=doc)
                doc = timed("instruct", s.document_instruct, actor=c.leader, document=doc, opinion="同意")
                out_doc = timed(
                    "create_outgoing",
                    s.document_create_outgoing,
                    actor=c.clerk,
                    issuer_unit=c.city,
                    kind="批复",
                    category="government_downward",
                    title="抚顺市人民政府关于新宾满族自治县2027年农村公路养护资金的批复",
                    body="新宾满族自治县人民政府：你县《关于新宾满族自治县2027年农村公路养护资金的请示》收悉。经研究，同意……",
                    addressees=["新宾满族自治县人民政府"],
                    matter_unit=c.transport,
                )
                out_doc = timed("prepare", s.document_prepare, actor=c.clerk, document=out_doc)
                out_doc = timed("check", s.document_check, actor=c.clerk2, document=out_doc)
                out_doc = timed("review", s.document_review, actor=c.leader, document=out_doc)
                out_doc = timed("sign", s.document_sign, actor=c.mayor, document=out_doc)
                out_doc = timed("issue", s.document_issue, actor=c.clerk, document=out_doc)
                result.incoming_ids.append(doc.pk)
                result.outgoing_ids.append(out_doc.pk)
                result.documents += 1
            result.progress.append((time.perf_counter() - started, result.documents))
        result.wall = time.perf_counter() - started
    except BaseException as exc:
        import traceback

        result.error = f"worker {worker}: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"
        if barrier is not None:
            barrier.abort()  # the others must not wait for this one
    finally:
        connection.execute_wrappers.remove(timed.count)
        if out is not None:
            connections.close_all()
    if out is not None:
        result.seconds, result.calls, result.retries = dict(result.seconds), dict(result.calls), dict(result.retries)
        result.queries = dict(result.queries)
        out.put(result)
    return result


def flow(args: argparse.Namespace) -> int:
    import multiprocessing

    from django.db import connections
    from django.db.models import Count
    from django.utils import timezone

    from cityhall.documents.models import Countersign, Document, NumberSequence
    from cityhall.rulebase.selectors import rule_deadline, rulebook
    from cityhall.rules.deadlines import LOCAL_TZ
    from cityhall.workflow.audit import verify_chain
    from cityhall.workflow.models import AuditEvent, Deadline
    from cityhall.workflow.services import _due_at

    check_database()
    print_header(args.settings)
    prepare()
    created = ensure_heads(args.units)
    print(
        f"countersign:   {', '.join(args.units)}; heads created for: {', '.join(created) or 'none (all had one)'};"
        f" the last ({args.units[-1]}) stays silent and is deemed by the worker"
    )
    rulebook()  # loaded once before the clock starts (a fork inherits it)
    # The worker runs one minute after the replies are due (the same moment for every batch and process).
    worker_now = _due_at(rule_deadline("countersign.reply", ANCHOR)) + dt.timedelta(minutes=1)
    print(f"worker moment: {worker_now.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M} (replies anchored {ANCHOR}, due before it)")
    year = timezone.now().astimezone(LOCAL_TZ).year
    seq_before = NumberSequence.objects.filter(code="抚政发", year=year).values_list("last", flat=True).first() or 0
    audit_before = AuditEvent.objects.count()
    docs_before = Document.objects.count()

    n, workers, batch = args.documents, args.workers, args.batch
    slices = [list(range(k, n, workers)) for k in range(workers)]
    rounds = max(math.ceil(len(sl) / batch) for sl in slices)
    print(
        f"run:           {n:,} documents (each = a county request + its outgoing reply), {workers} process(es),"
        f" batches of {batch} per process, {rounds} worker run(s) per process"
    )
    print(f"load average:  {load_average()} before the run (1 / 5 / 15 min; the machine may be shared)")
    sys.stdout.flush()
    results: list[SliceResult] = []
    prof = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if workers == 1:
        if prof:
            prof.enable()
        results.append(run_slice(0, slices[0], rounds, batch, args.units, worker_now, None, None))
        if prof:
            prof.disable()
    else:
        ctx = multiprocessing.get_context("fork")
        connections.close_all()  # the children open their own
        barrier = ctx.Barrier(workers, timeout=3600)
        queue = ctx.Queue()
        procs = [
            ctx.Process(target=run_slice, args=(k, slices[k], rounds, batch, args.units, worker_now, barrier, queue))
            for k in range(workers)
        ]
        for p in procs:
            p.start()
        results = [queue.get() for _ in procs]
        for p in procs:
            p.join()
        results.sort(key=lambda r: r.worker)
    wall = time.perf_counter() - started
    print(f"load average:  {load_average()} after the run")

    failed = 0
    for r in results:
        if r.error:
            print(f"ERROR {r.error}")
            failed += 1
    done = sum(r.documents for r in results)
    seconds: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    retries: dict[str, int] = defaultdict(int)
    queries: dict[str, int] = defaultdict(int)
    for r in results:
        for k, v in r.queries.items():
            queries[k] += v
        for k, v in r.seconds.items():
            seconds[k] += v
        for k, v in r.calls.items():
            calls[k] += v
        for k, v in r.retries.items():
            retries[k] += v
    busy = sum(seconds.values())
    print()
    print(f"documents:     {done:,} taken from submission to issue ({2 * done:,} Document rows)")
    print(f"wall time:     {wall:.1f} s")
    print(f"throughput:    {done / wall:.1f} documents/s end to end ({1000 * wall / max(done, 1):.1f} ms per document)")
    if workers > 1:
        for r in results:
            print(
                f"  process {r.worker}:   {r.documents:,} documents in {r.wall:.1f} s"
                f" ({r.documents / r.wall if r.wall else 0:.1f}/s), {r.barrier_wait:.1f} s waiting at the barriers"
            )
    label = "busy seconds, summed over the processes" if workers > 1 else "seconds"
    print(f"\nstages ({label}; ms per document = seconds / {done:,}):")
    print(f"  {'stage':<40} {'seconds':>9} {'ms/doc':>8} {'share':>6} {'calls':>8} {'SQL/doc':>8}")
    for key, name in STAGES:
        sec = seconds.get(key, 0.0)
        print(
            f"  {pad(name, 40)} {sec:9.1f} {1000 * sec / max(done, 1):8.2f} {100 * sec / max(busy, 1e-9):5.1f}%"
            f" {calls.get(key, 0):8,} {queries.get(key, 0) / max(done, 1):8.1f}"
        )
    other = wall * workers - busy - sum(r.barrier_wait for r in results)
    sql_total = sum(v for k, v in queries.items() if k != "other")
    print(
        f"  {'total in the services':<40} {busy:9.1f} {1000 * busy / max(done, 1):8.2f} {'':6} {'':8}"
        f" {sql_total / max(done, 1):8.1f}"
    )
    if workers > 1:
        print(f"  {'waiting at the barriers':<40} {sum(r.barrier_wait for r in results):9.1f}")
    print(f"  {'loop and bookkeeping (the rest)':<40} {other:9.1f}")
    print(
        f"SQL:           {sql_total:,} statements sent by the services ({sql_total / max(busy, 1e-9):,.0f}/s of service"
        f" time; BEGIN/COMMIT not counted)"
    )
    for r in results:
        # Throughput in each tenth of the run: does it slow down as the tables grow?
        marks = [(0.0, 0), *r.progress]
        tenths = []
        for k in range(1, 11):
            t1, d1 = marks[max(1, round(k * (len(marks) - 1) / 10))]
            t0, d0 = marks[max(0, round((k - 1) * (len(marks) - 1) / 10))]
            tenths.append(f"{(d1 - d0) / (t1 - t0):.1f}" if t1 > t0 else "-")
        print(f"progress:      process {r.worker}, documents/s in each tenth of its run: {' '.join(tenths)}")
    fired = sum(r.fired for r in results)
    print(f"worker:        {sum(r.worker_runs for r in results)} run(s), {fired:,} deadlines fired")
    print(f"retries:       {dict(retries) if retries else 'none (no deadlock or serialization failure)'}")
    examples = {k: v for r in results for k, v in r.retry_examples.items()}
    for k, v in sorted(examples.items()):
        print(f"  first {k}: {v}")

    # ---- checks (untimed) and the audit trail
    incoming = [pk for r in results for pk in r.incoming_ids]
    outgoing = [pk for r in results for pk in r.outgoing_ids]
    states_in = dict(Document.objects.filter(pk__in=incoming).values_list("state").order_by().annotate(n=Count("id")))
    states_out = dict(Document.objects.filter(pk__in=outgoing).values_list("state").order_by().annotate(n=Count("id")))
    cs_states = dict(
        Countersign.objects.filter(document_id__in=incoming).values_list("state").order_by().annotate(n=Count("id"))
    )
    seqs = sorted(Document.objects.filter(pk__in=outgoing).values_list("number_seq", flat=True))
    seq_after = NumberSequence.objects.get(code="抚政发", year=year).last if done else seq_before
    opinions = set(Document.objects.filter(pk__in=incoming).values_list("opinion", flat=True))
    pending_deadlines = Deadline.objects.filter(state="pending", kind="documents.countersign").count()
    checks = {
        "every request decided with 同意": states_in == {"decided": done} and opinions <= {"同意"},
        "every reply issued": states_out == {"issued": done},
        f"countersigns: {2 * done:,} agreed, {done:,} deemed": cs_states == {"agreed": 2 * done, "deemed": done},
        f"numbers 抚政发〔{year}〕{seq_before + 1}…{seq_before + done}号, gap-free and unique": seqs
        == list(range(seq_before + 1, seq_before + done + 1))
        and seq_after == seq_before + done,
        "no countersign deadline left pending": pending_deadlines == 0,
        "worker fired one deadline per document": fired == done,
        f"Document rows +{2 * done:,}": Document.objects.count() == docs_before + 2 * done,
    }
    audit_written = AuditEvent.objects.count() - audit_before
    print(f"\naudit events:  {audit_written:,} written ({audit_written / max(done, 1):.1f} per document)")
    started = time.perf_counter()
    report = verify_chain()
    verify_seconds = time.perf_counter() - started
    print(
        f"verify_chain:  ok={report.ok}, {report.events:,} events in {report.shards} shards, {verify_seconds:.1f} s"
        f" ({report.events / verify_seconds:,.0f} events/s)"
    )
    if not report.ok:
        print(f"  first break: {report.first_break}")
    checks["verify_chain() ok"] = report.ok
    print("checks:")
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAILED'}] {name}")
        failed += not ok
    if prof:
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(45)
        print("\ncProfile of the run (its overhead inflates the times above), by cumulative time:")
        print(buf.getvalue().rstrip())
    if not checks["every request decided with 同意"]:
        print(f"  incoming states {states_in}, opinions {opinions}")
    if not checks["every reply issued"]:
        print(f"  outgoing states {states_out}")
    ms_per_doc = 1000 * busy / max(done, 1)
    statements_per_doc = sql_total / max(done, 1)
    result = f"RESULT ms_per_doc={ms_per_doc:.1f} statements_per_doc={statements_per_doc:.1f}"
    if args.peer:
        # The same process in SpiffWorkflow, now, on the same server (benchmarks/spiff_peer.py).
        from spiff_peer import run as spiff_run

        peer = spiff_run(os.environ["CITYHALL_DATABASE_URL"], done)
        print(
            f"\nSpiffWorkflow:  {peer['ms_per_doc']:.1f} ms and {peer['statements_per_doc']:.1f} statements per document"
            f" (same process, state as JSON in PostgreSQL after each step, audit and inbox rows)"
        )
        print(
            f"goals:         ms/doc ours ÷ Spiff's = {ms_per_doc / peer['ms_per_doc']:.2f} (goal ≤ 1.0); "
            f"statements/doc {statements_per_doc:.1f} (goal ≤ 90)"
        )
        result += (
            f" spiff_ms_per_doc={peer['ms_per_doc']:.1f} spiff_statements_per_doc={peer['statements_per_doc']:.1f}"
            f" ratio={ms_per_doc / peer['ms_per_doc']:.2f}"
        )
    print(result)
    return 1 if failed else 0


# --------------------------------------------------------------------------- part 2: the intake queue


QUEUE_STATES = ("submitted", "registered", "decided", "signed")


def load_documents(rows: int, seed: int) -> float:
    """TRUNCATE the documents, COPY ``rows`` rows in (every concrete column given). Returns seconds."""
    from django.db import connection
    from django.utils import timezone

    from cityhall.documents.models import Document
    from cityhall.org.models import Position, Unit
    from cityhall.rules import document_flow as flow

    started = time.perf_counter()
    rng = random.Random(seed)
    others = [s for s in flow.STATE_LABELS if s != flow.SUBMITTED]
    issuers = list(Unit.objects.filter(kind__in=[Unit.Kind.COUNTY, Unit.Kind.DEPARTMENT]).values_list("id", flat=True))
    leaders = list(Position.objects.filter(rank__isnull=False).values_list("id", flat=True))
    city = Unit.objects.get(code="city-government").pk
    fields = [f for f in Document._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    defaults: dict[str, Any] = {}
    for f in fields:
        if f.has_default():
            value = f.get_default()
            defaults[f.attname] = json.dumps(value) if isinstance(value, dict | list) else value
        elif f.null:
            defaults[f.attname] = None
        elif f.empty_strings_allowed:
            defaults[f.attname] = ""
    end = timezone.now()
    start = end - dt.timedelta(days=730)
    step = (end - start) / rows
    seq: dict[int, int] = defaultdict(int)
    execute("TRUNCATE documents_document RESTART IDENTITY CASCADE")
    with connection.cursor() as cur, cur.copy(f"COPY documents_document ({', '.join(columns)}) FROM STDIN") as copy:
        for i in range(rows):
            state = flow.SUBMITTED if rng.random() < 0.10 else rng.choice(others)
            created = start + step * i + dt.timedelta(seconds=rng.randint(0, 59))
            outgoing = state in (flow.SIGNED, flow.ISSUED)
            issuer_id = city if outgoing else rng.choice(issuers)
            row = dict(defaults)
            row.update(
                direction="outgoing" if outgoing else "incoming",
                kind="通知" if outgoing else rng.choice(("请示", "报告", "函")),
                state=state,
                issuer_unit_id=issuer_id,
                matter_unit_id=issuer_id,
                title=f"关于第{i + 1}号事项的{'通知' if outgoing else '请示'}",
                body="……妥否，请批示。" * 20,
                addressees="抚顺市人民政府" if not outgoing else "各县（区）人民政府",
                signed_by_title="" if outgoing else "主要负责人",
                created_at=created,
                updated_at=created,
                submitted_at=None if state == flow.DRAFT else created,
                version=3,
            )
            if state in (flow.ROUTED, flow.DECIDED, flow.SIGNED, flow.ISSUED, flow.CLOSED):
                row["routed_to_id"] = rng.choice(leaders)
            if state in (flow.DECIDED, flow.CLOSED):
                row["opinion"] = "同意"
            if outgoing:
                year = created.year
                seq[year] += 1
                row.update(
                    number_code="抚政发",
                    number_year=year,
                    number_seq=seq[year],
                    document_number=f"抚政发〔{year}〕{seq[year]}号",
                    signing_category="government_downward",
                    disclosure="proactive",
                )
            copy.write_row([row[f.attname] for f in fields])
    execute("VACUUM ANALYZE documents_document")
    return time.perf_counter() - started


class QueryMeter:
    """An execute wrapper: the number of queries and the seconds in the database driver."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute_, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute_(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def queue(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cityhall.documents.models import Document

    check_database()
    print_header(args.settings)
    prepare()
    load_seconds = load_documents(args.rows, args.seed)
    total = Document.objects.count()
    in_queue = Document.objects.filter(state__in=QUEUE_STATES).count()
    by_state = dict(Document.objects.values_list("state").order_by().annotate(n=Count("id")))
    print(
        f"data:          {total:,} documents loaded in {load_seconds:.1f} s (COPY + VACUUM ANALYZE);"
        f" {in_queue:,} in the office's queue ({', '.join(QUEUE_STATES)})"
    )
    print(f"               by state: {', '.join(f'{k} {v:,}' for k, v in sorted(by_state.items()))}")

    user = get_user_model().objects.get(username="clerk")
    client = Client(SERVER_NAME=HOST)
    client.force_login(user)
    failed = 0

    def get() -> Any:
        return client.get(QUEUE_URL)

    first = get()
    rows = first.content.decode().count("data-document=")
    print(
        f"page:          GET {QUEUE_URL} as clerk: status {first.status_code}, {rows} rows, {len(first.content):,} bytes"
    )
    if first.status_code != 200 or rows != min(200, in_queue):
        print(f"  FAILED: expected status 200 and {min(200, in_queue)} rows")
        failed += 1
    for _ in range(args.warmup):
        get()

    times, sql_seconds, query_counts, bad = [], [], [], 0
    for _ in range(args.requests):
        meter = QueryMeter()
        with connection.execute_wrapper(meter):
            started = time.perf_counter()
            status = get().status_code
            times.append(time.perf_counter() - started)
        sql_seconds.append(meter.seconds)
        query_counts.append(meter.count)
        bad += status != 200
    failed += bad > 0
    ms = {p: percentile(times, p) * 1000 for p in (50, 95, 99)}
    print(
        f"\nin-process latency, {args.requests} requests after {args.warmup} warm-up (django.test.Client, force_login):"
    )
    print(
        f"  p50 {ms[50]:.1f} ms, p95 {ms[95]:.1f} ms, p99 {ms[99]:.1f} ms, max {max(times) * 1000:.1f} ms,"
        f" mean {sum(times) / len(times) * 1000:.1f} ms; {bad} non-200"
    )
    print(
        f"  SQL per request: {min(query_counts)}–{max(query_counts)} queries,"
        f" {percentile(sql_seconds, 50) * 1000:.1f} ms p50 / {percentile(sql_seconds, 95) * 1000:.1f} ms p95"
        f" in the database driver (round trips included)"
    )

    executed: list[tuple[float, str]] = []

    def each(execute_, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute_(sql, params, many, context)
        finally:
            executed.append((time.perf_counter() - started, sql))

    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(each):
        started = time.perf_counter()
        get()
        one = time.perf_counter() - started
    print(
        f"\none request under CaptureQueriesContext: {len(captured.captured_queries)} entries"
        f" ({len(executed)} statements sent, plus the BEGIN/COMMIT Django logs around the session save),"
        f" {one * 1000:.1f} ms, {sum(t for t, _ in executed) * 1000:.1f} ms of it in the database driver:"
    )
    for seconds, sql in executed:
        sql = " ".join(sql.split())
        print(f"  {seconds * 1000:6.2f} ms  {sql[:150]}{'…' if len(sql) > 150 else ''}")
    queue_sql = next(
        (
            q["sql"]
            for q in captured.captured_queries
            if '"documents_document"' in q["sql"] and "ORDER BY" in q["sql"] and "LIMIT" in q["sql"]
        ),
        None,
    )

    # Where the time goes: SQL, template rendering, the rest (middleware, session, actor, ORM rows).
    render_times = []
    from django.template.loader import get_template

    from cityhall.accounts.permissions import actor_for
    from cityhall.documents.views import _visible
    from cityhall.rules import document_flow as flow

    actor = actor_for(user)
    template = get_template("documents/index.html")
    fetch_times = []
    for _ in range(30):
        started = time.perf_counter()
        docs = list(_visible(actor).filter(state__in=QUEUE_STATES).order_by("-created_at")[:200])
        fetch_times.append(time.perf_counter() - started)
        context = {"documents": docs, "state": "", "states": flow.STATE_LABELS, "is_office": True, "can_submit": True}
        request = first.wsgi_request
        started = time.perf_counter()
        template.render(context, request)
        render_times.append(time.perf_counter() - started)
    print(
        f"\nsplit (30 runs, p50): queue query + 200 model instances {percentile(fetch_times, 50) * 1000:.1f} ms,"
        f" template rendering of the page {percentile(render_times, 50) * 1000:.1f} ms"
        f" (the rest of the {ms[50]:.1f} ms p50 is middleware, session, user, actor, other queries)"
    )

    size = scalar("SELECT pg_size_pretty(pg_table_size('documents_document'))")
    indexes = scalar(
        "SELECT string_agg(indexdef, '; ' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'documents_document'"
    )
    print(f"\ntable:         documents_document {size}, shared_buffers {scalar('SHOW shared_buffers')}")
    print(f"indexes:       {indexes}")
    if queue_sql:
        print("\nplan of the queue query (EXPLAIN (ANALYZE, BUFFERS) of the SQL the page ran):")
        with connection.cursor() as cur:
            cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {queue_sql}")
            for (line,) in cur.fetchall():
                print(f"    {line}")
    high = ms[95] > args.threshold_ms
    if (args.profile or high) and queue_sql:
        print(f"\np95 {ms[95]:.1f} ms {'>' if high else '<='} {args.threshold_ms:.0f} ms: diagnosis")
        with connection.cursor() as cur:
            cur.execute("BEGIN")
            try:
                cur.execute("SET LOCAL enable_seqscan = off")
                cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {queue_sql}")
                plan = [line for (line,) in cur.fetchall()]
            finally:
                cur.execute("ROLLBACK")
        print("\n  the existing indexes only, sequential scans disabled (SET LOCAL enable_seqscan = off):")
        for line in plan:
            print(f"    {line}")
        one_state = _visible(actor).filter(state="submitted").order_by("-created_at")[:200]
        print("\n  for comparison, one state (the page's ?state=submitted filter), as it is:")
        for line in one_state.explain(analyze=True, buffers=True).splitlines():
            print(f"    {line}")
        filtered = []
        for _ in range(50):
            started = time.perf_counter()
            client.get(QUEUE_URL, {"state": "submitted"})
            filtered.append(time.perf_counter() - started)
        print(
            f"  GET {QUEUE_URL}?state=submitted, 50 requests: p50 {percentile(filtered, 50) * 1000:.1f} ms,"
            f" p95 {percentile(filtered, 95) * 1000:.1f} ms"
        )
        alternatives = [
            ("an index on (created_at)", "CREATE INDEX bench_tmp_created ON documents_document (created_at)"),
            (
                "a partial index on (created_at) WHERE state in the office's queue",
                "CREATE INDEX bench_tmp_queue ON documents_document (created_at) WHERE state IN"
                " ('submitted', 'registered', 'decided', 'signed')",
            ),
        ]
        for name, ddl in alternatives:
            # Inside a transaction that is rolled back: the schema does not change.
            with connection.cursor() as cur:
                cur.execute("BEGIN")
                try:
                    cur.execute(ddl)
                    cur.execute("ANALYZE documents_document")
                    cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {queue_sql}")
                    plan = [line for (line,) in cur.fetchall()]
                finally:
                    cur.execute("ROLLBACK")
            print(f"\n  with {name} (created, measured, rolled back):")
            for line in plan:
                print(f"    {line}")
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(20):
            get()
        prof.disable()
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(25)
        print("\ncProfile, 20 requests, by cumulative time, then by own time:")
        print(buf.getvalue().rstrip())
    return 1 if failed else 0


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help=f"Django settings (default {DEFAULT_SETTINGS})")
    sub = parser.add_subparsers(dest="part", required=True)
    p = sub.add_parser("flow", help="documents from submission to issue per second")
    p.add_argument("--documents", type=int, default=10_000, help="documents (default 10000)")
    p.add_argument("--workers", type=int, default=1, help="OS processes, each taking a slice (default 1)")
    p.add_argument("--batch", type=int, default=200, help="documents per batch and worker run (default 200)")
    p.add_argument(
        "--units",
        default="fgw,finance,education",
        type=lambda v: [u.strip() for u in v.split(",") if u.strip()],
        help="countersigning departments; the last stays silent (default fgw,finance,education)",
    )
    p.add_argument("--profile", action="store_true", help="cProfile the run (one process only; slows it down)")
    p.add_argument("--quick", action="store_true", help="200 documents in one batch, on a scratch database (minutes)")
    p.add_argument("--no-peer", dest="peer", action="store_false", help="skip the SpiffWorkflow peer")
    q = sub.add_parser("queue", help="p95 of the clerk's intake queue page")
    q.add_argument("--rows", type=int, default=200_000, help="documents loaded (default 200000)")
    q.add_argument("--requests", type=int, default=300, help="timed requests (default 300)")
    q.add_argument("--warmup", type=int, default=30, help="warm-up requests (default 30)")
    q.add_argument("--seed", type=int, default=4, help="random seed (default 4)")
    q.add_argument("--threshold-ms", type=float, default=200, help="diagnose when the p95 is above (default 200)")
    q.add_argument("--profile", action="store_true", help="always print the diagnosis")
    args = parser.parse_args(argv)
    if args.part == "flow" and args.profile and args.workers > 1:
        parser.error("--profile needs --workers 1")
    if args.part == "flow" and (args.documents < 1 or args.workers < 1 or args.batch < 1 or len(args.units) < 2):
        parser.error("need --documents, --workers, --batch >= 1 and at least two --units")
    if args.part == "flow" and args.quick:
        args.documents, args.batch, args.workers = 200, 200, 1
        from scratch import scratch_database

        with scratch_database("cityhall_docs_bench", DEFAULT_DATABASE_URL):
            setup_django(args.settings)
            return flow(args)
    setup_django(args.settings)
    return flow(args) if args.part == "flow" else queue(args)


if __name__ == "__main__":
    sys.exit(main())
