"""Benchmark (issue 10 P4): each list and dashboard page against the logged-in minimal view.

On a scratch PostgreSQL database of its own (created on ``CITYHALL_DATABASE_URL``'s server, default
postgres://postgres@127.0.0.1:5432/postgres, and dropped at the end), with the settings of
benchmarks/bench_settings.py (DEBUG off, the URLs plus ``bench/minimal-login/``):

* set-up, untimed: migrations, the Fushun demo organisation, then by COPY ``--deadlines`` pending
  deadlines (10% due), ``--documents`` documents in every state (benchmarks/documents_bench.py's loader)
  and ``--events`` chained, MAC'd audit events (benchmarks/audit_bench.py's loader); VACUUM ANALYZE;
* each page is requested in process (django.test.Client, logged in with ``force_login``) ``--warmup``
  times, then ``--requests`` times; the p50 is compared with the p50 of ``/bench/minimal-login/`` for
  the same user, measured just before it (so both see the same machine load). The queries of each
  page are counted on one request and again at a second, larger data size is not loaded here: the
  query-count tests at two sizes are in the test suite.

The pages: the inbox ``/`` as the General Office clerk and as a vice mayor, ``/documents/`` (the clerk's
queue) and ``/documents/?queue=all``, one document page, ``/org/``, ``/audit/`` (first page and a page
reached by following 较早 10 times), ``/rules/``.

    .venv/bin/python benchmarks/pages_bench.py [--quick] [--documents N] [--deadlines N] [--events N]

``--quick``: 20,000 documents, 100,000 deadlines, 200,000 audit events, 30 requests per page. The
full run is the issue's production scale for documents and deadlines (200,000 and 1,000,000) with
1,000,000 audit events. The last line is ``RESULT worst_ratio=… worst_page=…``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.bench_settings"
GOAL = 3.0


def load(documents: int, deadlines: int, events: int) -> None:
    import audit_bench
    import documents_bench
    import worker_bench
    from django.db import connection

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    started = time.perf_counter()
    worker_bench.load(deadlines, max(1, deadlines // 10), now, 5)
    documents_bench.load_documents(documents, 7)
    audit_bench.load(events, 11)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"data:          {documents:,} documents, {deadlines:,} deadlines, {events:,} audit events"
        f" loaded in {time.perf_counter() - started:.1f} s"
    )


def p50(client, path: str, warmup: int, requests: int) -> float:  # type: ignore[no-untyped-def]
    for _ in range(warmup):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def queries(client, path: str) -> int:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    return len(ctx.captured_queries)


def deep_audit_page(client, hops: int) -> str:  # type: ignore[no-untyped-def]
    url = "/audit/"
    for _ in range(hops):
        body = client.get(url).content.decode()
        older = re.search(r'rel="next" href="([^"]+)"', body)
        if not older:
            break
        url = "/audit/" + older.group(1).replace("&amp;", "&")
    return url


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--documents", type=int, default=200_000)
    parser.add_argument("--deadlines", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="20000 documents, 100000 deadlines, 200000 events")
    args = parser.parse_args(argv)
    if args.quick:
        args.documents, args.deadlines, args.events, args.requests = 20_000, 100_000, 200_000, 30

    from scratch import scratch_database

    with scratch_database("cityhall_pages_bench"):
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client

        from cityhall.documents.models import Document
        from cityhall.org.demo import load_demo

        call_command("migrate", verbosity=0)
        load_demo()
        load(args.documents, args.deadlines, args.events)
        User = get_user_model()
        clerk, leader = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
        clerk.force_login(User.objects.get(username="clerk"))
        leader.force_login(User.objects.get(username="vm4"))
        doc = Document.objects.filter(state="registered").order_by("-id").first()
        pages = [
            ("clerk", clerk, "/"),
            ("vm4", leader, "/"),
            ("clerk", clerk, "/documents/"),
            ("clerk", clerk, "/documents/?queue=all"),
            ("clerk", clerk, f"/documents/{doc.pk}/" if doc else "/documents/"),
            ("clerk", clerk, "/org/"),
            ("clerk", clerk, "/audit/"),
            ("clerk", clerk, deep_audit_page(clerk, 10)),
            ("clerk", clerk, "/rules/"),
        ]
        print(f"requests:      {args.warmup} warm-up, then {args.requests} timed per page (p50), in process")
        print(f"{'page':48} {'user':6} {'p50 ms':>8} {'base ms':>8} {'ratio':>6} {'queries':>8}")
        worst = (0.0, "")
        for who, client, path in pages:
            base = p50(client, "/bench/minimal-login/", args.warmup, args.requests)
            ms = p50(client, path, args.warmup, args.requests)
            ratio = ms / base
            label = path if len(path) <= 48 else path[:45] + "…"
            print(f"{label:48} {who:6} {ms:8.2f} {base:8.2f} {ratio:6.1f} {queries(client, path):8d}")
            if ratio > worst[0]:
                worst = (ratio, f"{path.split('?before=')[0]}{'(deep)' if 'before=' in path else ''}:{who}")
        met = "met" if worst[0] <= GOAL else "MISSED"
        print(f"goal:          every page within {GOAL:.0f}x the logged-in minimal view: {met}")
        print(f"RESULT worst_ratio={worst[0]:.2f} worst_page={worst[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
