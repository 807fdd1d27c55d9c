"""Benchmark: the inbox API (GET /api/v1/inbox) at 1,000,000 deadlines and 100 users, beside a minimal view.

What it measures, on a scratch PostgreSQL database (the script empties the deadlines, the inbox and,
by TRUNCATE ... CASCADE, every table that references them, then fills them):

* set-up, untimed: migrations, the Fushun demo organisation (``load_demo``), then ``--users`` (default
  100) users, each with a person holding a position of its own (``bench-staff-N``, 工作人员 in the
  departments in turn) and an API token; ``--deadlines`` (default 1,000,000) pending deadlines loaded
  with PostgreSQL COPY, due from 30 days before now to 365 days after it, each assigned to one of the
  bench positions at random; ``--items-per-user`` (default 50) open inbox items per user, each linked
  to one of that user's deadlines; then VACUUM ANALYZE;
* gunicorn (``--workers`` sync workers, default 2) serving ``config.wsgi:application`` with
  ``benchmarks.bench_settings`` (DEBUG off, persistent database connections as in base settings) on
  a free port of 127.0.0.1;
* a warm-up (``--warmup`` requests to each endpoint), then, back to back at the same concurrency
  (``--concurrency`` client threads, default 8, each sending one request at a time):
  ``--requests`` GET /bench/minimal/ (a Django view returning ``{"ok": true}``: the baseline, which
  goes through the same middleware) and ``--requests`` GET /api/v1/inbox, each with the bearer token
  of a user drawn at random. The pair is repeated ``--rounds`` times (default 2) and the figures pool
  every round;
* for each endpoint: p50, p95, p99 and max latency (client side: from sending the request to reading
  the whole response, so it includes queueing for a free gunicorn worker and the TCP connect, as the
  sync worker closes the connection after every response), requests per second (requests / wall
  time of its phases), and the ratio of the inbox p50 to the minimal p50;
* checks: every response is 200; every 10th inbox response is parsed and must list exactly that
  user's open items (by id); every minimal response is ``{"ok": true}``;
* in-process, without HTTP or concurrency (Django test client, same settings): p50, p95 and mean of
  ``--in-process-requests`` (default 200) requests to each endpoint; the SQL one inbox request runs
  (the number of queries and the time of each, round trip included); the plan of the inbox query
  (EXPLAIN ANALYZE). With ``--profile``, or when the inbox p95 over HTTP is above
  ``--profile-threshold-ms`` (default 100), a cProfile summary of 20 in-process inbox requests.

The client runs on the same machine as gunicorn and PostgreSQL and shares their CPUs.

The script exits 1 if any check fails; the figures are reported either way.

Run from the repository root, with a scratch database::

    createdb -h 127.0.0.1 -U postgres cityhall_inbox_bench
    CITYHALL_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cityhall_inbox_bench \\
        .venv/bin/python benchmarks/inbox_bench.py [--deadlines N] [--users N] [--items-per-user N] \\
        [--requests N] [--concurrency N] [--workers N]
    dropdb -h 127.0.0.1 -U postgres cityhall_inbox_bench

A quick run: ``--deadlines 20000 --requests 300``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import http.client
import importlib
import io
import json
import math
import os
import platform
import pstats
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SETTINGS = "benchmarks.bench_settings"
os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
os.environ.setdefault("CITYHALL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cityhall_inbox_bench")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.migrations.recorder import MigrationRecorder  # noqa: E402

HOST = "127.0.0.1"
INBOX = "/api/v1/inbox"
MINIMAL = "/bench/minimal/"
KIND = "countersign.reply"
RULE_ID = "countersign.reply"
LOCAL = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai, for due_date
CHECK_EVERY = 10  # parse and check every 10th inbox response
DEADLINE_COLUMNS = (
    "id",
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
    "assignee_position_id",
    "created_at",
    "attempts",
    "last_error",
    "version",
)
ITEM_COLUMNS = (
    "title",
    "kind",
    "url",
    "subject_id",
    "assignee_position_id",
    "deadline_id",
    "state",
    "created_at",
)


# --------------------------------------------------------------------------- database set-up


def migrate() -> None:
    """Bring the scratch database up to date.

    Work-around: ``workflow.0002_audit_append_only_trigger`` passes SQL containing ``%`` to
    ``schema_editor.execute()``, which on PostgreSQL treats it as a placeholder and fails. If that
    happens, the migration's own SQL is run without parameters and the migration is recorded.
    """
    try:
        call_command("migrate", verbosity=0)
        return
    except Exception as exc:
        if "placeholder" not in str(exc):
            raise
    recorder = MigrationRecorder(connection)
    if ("workflow", "0002_audit_append_only_trigger") in recorder.applied_migrations():
        raise RuntimeError("migrate failed for another reason")
    module = importlib.import_module("cityhall.workflow.migrations.0002_audit_append_only_trigger")
    print("note: migration workflow.0002 fails on PostgreSQL ('%' in its SQL); applied its SQL directly")
    with connection.cursor() as cur:
        cur.execute(module.FORWARD)
    call_command("migrate", "workflow", "0002", fake=True, verbosity=0)
    call_command("migrate", verbosity=0)


def execute(sql: str, params: Sequence[object] | None = None) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params)


def scalar(sql: str, params: Sequence[object] | None = None) -> int:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return int(cur.fetchone()[0])


@dataclass
class BenchUser:
    username: str
    position_id: int
    token: str
    item_ids: set[int] = field(default_factory=set)


@transaction.atomic
def make_users(n: int) -> list[BenchUser]:
    """``n`` users, each a person holding a staff position of its own, each with a fresh API token."""
    from django.contrib.auth import get_user_model

    from cityhall.accounts.models import ApiToken
    from cityhall.org.demo import TERM_START
    from cityhall.org.models import Holding, Person, Position, Unit

    User = get_user_model()
    units = list(Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).order_by("sort_order", "id"))
    ApiToken.objects.filter(name="inbox bench").delete()
    users = []
    for i in range(1, n + 1):
        unit = units[(i - 1) % len(units)]
        position, _ = Position.objects.get_or_create(
            code=f"bench-staff-{i}",
            defaults={"title": f"{unit.short_name}工作人员{i}", "kind": Position.Kind.STAFF, "unit": unit},
        )
        user, created = User.objects.get_or_create(username=f"bench{i}", defaults={"first_name": f"测试{i}"})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        person, _ = Person.objects.get_or_create(user=user, defaults={"name": f"测试人员{i}"})
        if not Holding.objects.filter(position=position, end__isnull=True).exists():
            Holding.objects.create(person=person, position=position, start=TERM_START)
        _, token = ApiToken.issue(user, "inbox bench")
        users.append(BenchUser(user.username, position.pk, token))
    return users


def load(users: list[BenchUser], total: int, per_user: int, now: dt.datetime, seed: int) -> float:
    """Empty the deadlines and inbox, COPY ``total`` deadlines and ``per_user`` items per user in. Returns seconds."""
    started = time.perf_counter()
    rng = random.Random(seed)
    # Rows that get an inbox item: per_user rows for each user, at random among all rows.
    item_rows = rng.sample(range(total), len(users) * per_user)
    owner = {row: k // per_user for k, row in enumerate(item_rows)}
    execute("TRUNCATE workflow_inboxitem, workflow_deadline RESTART IDENTITY CASCADE")
    columns = ", ".join(DEADLINE_COLUMNS)
    items = []
    with connection.cursor() as cur, cur.copy(f"COPY workflow_deadline ({columns}) FROM STDIN") as copy:
        for i in range(total):
            u = owner.get(i)
            user = users[u] if u is not None else users[rng.randrange(len(users))]
            due_at = now + dt.timedelta(seconds=rng.randint(-30 * 86400, 365 * 86400))
            anchor_at = due_at - dt.timedelta(days=10)
            label = f"会签函 第{i + 1}号"
            copy.write_row(
                (
                    i + 1,
                    str(i + 1),
                    label,
                    KIND,
                    RULE_ID,
                    1,
                    anchor_at,
                    due_at.astimezone(LOCAL).date(),
                    due_at,
                    "pending",
                    False,
                    "[]",
                    user.position_id,
                    anchor_at,
                    0,
                    "",
                    1,
                )
            )
            if u is not None:
                items.append((f"请回复：{label}", KIND, "", str(i + 1), user.position_id, i + 1, "open", anchor_at))
    execute("SELECT setval(pg_get_serial_sequence('workflow_deadline', 'id'), %s)", [total])
    columns = ", ".join(ITEM_COLUMNS)
    with connection.cursor() as cur, cur.copy(f"COPY workflow_inboxitem ({columns}) FROM STDIN") as copy:
        for row in items:
            copy.write_row(row)
    by_position = {u.position_id: u for u in users}
    with connection.cursor() as cur:
        cur.execute("SELECT id, assignee_position_id FROM workflow_inboxitem")
        for item_id, position_id in cur.fetchall():
            by_position[position_id].item_ids.add(item_id)
    for table in ("workflow_deadline", "workflow_inboxitem", "org_position", "org_holding", "accounts_apitoken"):
        execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - started


# --------------------------------------------------------------------------- gunicorn


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_gunicorn(workers: int, port: int, log: tempfile._TemporaryFileWrapper) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS}
    cmd = [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application"]
    cmd += ["--bind", f"{HOST}:{port}", "--workers", str(workers), "--log-level", "warning"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", MINIMAL)
            if conn.getresponse().status == 200:
                conn.close()
                return proc
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------- load


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    checked: int = 0
    check_failures: list[str] = field(default_factory=list)


class Client:
    """One connection per thread (reopened when the server closes it)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.local = threading.local()

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes, float]:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            raise
        return resp.status, body, time.perf_counter() - started


def run_phase(
    client: Client, path: str, users: list[BenchUser], n: int, concurrency: int, rng: random.Random, check: bool
) -> Phase:
    """``n`` GETs of ``path`` from ``concurrency`` threads. With ``users``, each carries a random user's token."""
    picks = [rng.randrange(len(users)) for _ in range(n)] if users else [None] * n
    phase = Phase()
    lock = threading.Lock()
    to_check: list[tuple[int | None, bytes]] = []

    def one(k: int) -> None:
        u = picks[k]
        headers = {"Authorization": f"Bearer {users[u].token}"} if u is not None else {}
        try:
            status, body, seconds = client.get(path, headers)
        except Exception as exc:
            with lock:
                key = f"{type(exc).__name__}: {exc}"
                phase.errors[key] = phase.errors.get(key, 0) + 1
            return
        with lock:
            if status != 200:
                key = f"HTTP {status}"
                phase.errors[key] = phase.errors.get(key, 0) + 1
                return
            phase.latencies.append(seconds)
            if check and (u is None or k % CHECK_EVERY == 0):
                to_check.append((u, body))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(n)))
    phase.wall = time.perf_counter() - started
    for u, body in to_check:  # untimed
        phase.checked += 1
        problem = check_body(users[u] if u is not None else None, body)
        if problem:
            phase.check_failures.append(problem)
    return phase


def check_body(user: BenchUser | None, body: bytes) -> str | None:
    data = json.loads(body)
    if user is None:
        return None if data == {"ok": True} else f"minimal view answered {body[:100]!r}"
    ids = {row["id"] for row in data}
    if len(data) != len(user.item_ids) or ids != user.item_ids:
        return f"{user.username}: {len(data)} items, {len(ids & user.item_ids)} of its {len(user.item_ids)} open items"
    return None


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def merge(phases: list[Phase]) -> Phase:
    out = Phase()
    for p in phases:
        out.latencies += p.latencies
        out.wall += p.wall
        out.checked += p.checked
        out.check_failures += p.check_failures
        for k, v in p.errors.items():
            out.errors[k] = out.errors.get(k, 0) + v
    return out


def report(name: str, phase: Phase) -> None:
    lat = phase.latencies
    ms = {p: percentile(lat, p) * 1000 for p in (50, 95, 99)} if lat else {}
    print(f"{name}:")
    if lat:
        print(
            f"  latency:     p50 {ms[50]:.1f} ms, p95 {ms[95]:.1f} ms, p99 {ms[99]:.1f} ms, max {max(lat) * 1000:.1f} ms"
        )
        print(f"  throughput:  {len(lat) / phase.wall:,.0f} requests/s ({len(lat):,} ok in {phase.wall:.1f} s)")
    for k, v in phase.errors.items():
        print(f"  errors:      {v:,} x {k}")
    print(f"  checked:     {phase.checked:,} responses, {len(phase.check_failures)} wrong")
    for problem in phase.check_failures[:5]:
        print(f"    {problem}")


# --------------------------------------------------------------------------- in-process profile


def in_process(users: list[BenchUser], profile: bool, n: int, rng: random.Random) -> int:
    """Inbox requests in-process: timings without HTTP, the SQL of one, its plan, and optionally a profile.

    Returns the number of responses that were not 200.
    """
    from django.contrib.auth import get_user_model
    from django.test import Client as TestClient
    from django.utils import timezone

    from cityhall.accounts.permissions import actor_for
    from cityhall.workflow.selectors import inbox_queryset

    clients = [TestClient(SERVER_NAME=HOST, HTTP_AUTHORIZATION=f"Bearer {u.token}") for u in users]
    anonymous = TestClient(SERVER_NAME=HOST)
    for c in clients:  # warm: imports, URL resolver, each token's last_used_at
        c.get(INBOX)
    print(f"\nin-process (Django test client, same settings, no HTTP, one thread), {n} requests each:")
    bad: dict[int, int] = {}
    for name, pick in ((MINIMAL, lambda: anonymous), (INBOX, lambda: rng.choice(clients))):
        times = []
        for _ in range(n):
            c = pick()
            started = time.perf_counter()
            status = c.get(name).status_code
            times.append(time.perf_counter() - started)
            if status != 200:
                bad[status] = bad.get(status, 0) + 1
        print(
            f"  GET {name:<16} p50 {percentile(times, 50) * 1000:.1f} ms, p95 {percentile(times, 95) * 1000:.1f} ms,"
            f" mean {sum(times) / len(times) * 1000:.1f} ms"
        )
    for status, count in bad.items():
        print(f"  errors:      {count:,} x HTTP {status} (the timings above include them)")

    queries: list[tuple[float, str]] = []

    def timed(execute_, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute_(sql, params, many, context)
        finally:
            queries.append((time.perf_counter() - started, sql))

    with connection.execute_wrapper(timed):
        started = time.perf_counter()
        resp = clients[0].get(INBOX)
        seconds = time.perf_counter() - started
    sql_ms = sum(q[0] for q in queries) * 1000
    if resp.status_code != 200:
        bad[resp.status_code] = bad.get(resp.status_code, 0) + 1
    print(f"\none in-process GET {INBOX} ({users[0].username}): status {resp.status_code}, {seconds * 1000:.1f} ms,")
    print(f"  {len(queries)} SQL queries, {sql_ms:.1f} ms in the database driver (round trips included):")
    for q_seconds, sql in queries:
        sql = " ".join(sql.split())
        print(f"    {q_seconds * 1000:5.2f} ms  {sql[:150]}{'…' if len(sql) > 150 else ''}")

    user = get_user_model().objects.get(username=users[0].username)
    try:
        plan = inbox_queryset(actor_for(user, timezone.now()))[:50].explain(analyze=True)
    except Exception as exc:  # reported, not fatal: the HTTP figures are already printed
        plan = f"(not available: {type(exc).__name__}: {exc})"
    print(f"\nplan of the inbox query (EXPLAIN ANALYZE, {users[0].username}):")
    for line in plan.splitlines():
        print(f"    {line}")

    if not profile:
        return sum(bad.values())
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(20):
        clients[0].get(INBOX)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(40)
    print("\ncProfile, 20 in-process inbox requests, by cumulative time:")
    print(out.getvalue().rstrip())
    return sum(bad.values())


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--deadlines", type=int, default=1_000_000, help="deadlines loaded (default 1000000)")
    parser.add_argument("--users", type=int, default=100, help="bench users, one position each (default 100)")
    parser.add_argument("--items-per-user", type=int, default=50, help="open inbox items per user (default 50)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per endpoint per round (default 2000)")
    parser.add_argument("--rounds", type=int, default=2, help="minimal-then-inbox rounds (default 2)")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up requests per endpoint (default 200)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--seed", type=int, default=3, help="random seed (default 3)")
    parser.add_argument(
        "--in-process-requests", type=int, default=200, help="in-process requests per endpoint (default 200)"
    )
    parser.add_argument("--profile", action="store_true", help="always print the cProfile summary")
    parser.add_argument(
        "--profile-threshold-ms", type=float, default=100, help="profile when the inbox p95 is above (default 100)"
    )
    args = parser.parse_args(argv)
    if args.items_per_user > 200:
        parser.error("the inbox API returns at most 200 items: need --items-per-user <= 200")
    if args.users * args.items_per_user > args.deadlines:
        parser.error("need --users x --items-per-user <= --deadlines")
    if connection.vendor != "postgresql":
        parser.error("needs PostgreSQL: set CITYHALL_DATABASE_URL to a scratch database")

    from cityhall.org.demo import load_demo

    migrate()
    load_demo()
    users = make_users(args.users)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    load_seconds = load(users, args.deadlines, args.items_per_user, now, args.seed)
    counts = {
        t: scalar(f"SELECT count(*) FROM {t}")  # noqa: S608 - fixed table names
        for t in ("workflow_deadline", "workflow_inboxitem", "auth_user", "org_position")
    }
    print(f"database:      {connection.settings_dict['NAME']} (PostgreSQL {scalar('SHOW server_version_num')})")
    print(
        f"data:          {counts['workflow_deadline']:,} deadlines, {counts['workflow_inboxitem']:,} open inbox items"
        f" ({args.items_per_user} for each of {args.users} bench users), {counts['auth_user']:,} users,"
        f" {counts['org_position']:,} positions; loaded in {load_seconds:.1f} s (COPY)"
    )
    print(
        f"server:        gunicorn, {args.workers} sync workers, {SETTINGS}; client: {args.concurrency} threads,"
        f" {args.rounds} x {args.requests:,} requests per endpoint, {args.warmup} warm-up each"
    )
    print(f"machine:       {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}")
    connection.close()

    rng = random.Random(args.seed)
    failed = 0
    with tempfile.NamedTemporaryFile(mode="w+b", suffix=".log") as log:
        port = free_port()
        proc = start_gunicorn(args.workers, port, log)
        try:
            client = Client(port)
            run_phase(client, MINIMAL, [], args.warmup, args.concurrency, rng, check=False)
            run_phase(client, INBOX, users, args.warmup, args.concurrency, rng, check=False)
            load_before = os.getloadavg()
            minimal_phases, inbox_phases = [], []
            for _ in range(args.rounds):
                minimal_phases.append(run_phase(client, MINIMAL, [], args.requests, args.concurrency, rng, True))
                inbox_phases.append(run_phase(client, INBOX, users, args.requests, args.concurrency, rng, True))
            load_after = os.getloadavg()
        finally:
            stop(proc)
            log.seek(0)
            server_log = log.read().decode("utf-8", "replace").strip()
    minimal, inbox = merge(minimal_phases), merge(inbox_phases)
    print(
        f"load average:  {' / '.join(f'{x:.2f}' for x in load_before)} before the timed phases,"
        f" {' / '.join(f'{x:.2f}' for x in load_after)} after (1 / 5 / 15 min)"
    )
    print()
    report(f"GET {MINIMAL} (baseline)", minimal)
    report(f"GET {INBOX} (random user's token)", inbox)
    if minimal.latencies and inbox.latencies:
        ratio = percentile(inbox.latencies, 50) / percentile(minimal.latencies, 50)
        print(f"ratio:         inbox p50 / minimal p50 = {ratio:.1f}")
    if server_log:
        print(f"\ngunicorn log (last 2000 characters):\n{server_log[-2000:]}")
    for phase in (minimal, inbox):
        failed += bool(phase.errors) + len(phase.check_failures)

    p95_ms = percentile(inbox.latencies, 95) * 1000 if inbox.latencies else math.inf
    failed += in_process(users, args.profile or p95_ms > args.profile_threshold_ms, args.in_process_requests, rng)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
