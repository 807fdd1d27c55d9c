"""Benchmark (issue 12): the ledger list and the dashboard over a large ledger, against a minimal view.

On a scratch PostgreSQL database (``CITYHALL_DATABASE_URL`` must name a database whose name contains
``bench``). Set-up, untimed: migrations, the Fushun demo organisation, ``--units`` lead units in all
(the demo's departments and counties, then scratch units 基准单位N to make up the number), and ``--items``
ledger items (default 100,000) spread over them, written with ``bulk_create`` in batches (the set-up is
not what is measured; the services' own cost is measured by the other benchmarks). The items cover every
state, source and 710 category, with due dates a year either side of today, so every traffic light and
every chart series has data.

Then, in process (django.test.Client, ``force_login``), for the office clerk (the whole ledger) and for a
vice mayor (their portfolio): ``--warmup`` requests, then ``--requests`` GETs of each page, with
p50/p95/max and the queries per request. The baseline is ``/bench/minimal-login/`` (every middleware of a
logged-in page, no work), measured in the same run. The query count is then taken again after adding
another ``--grow`` items: it must not change (exit status 1 if it does).

    createdb -h 127.0.0.1 -U postgres cityhall_bench_supervision
    CITYHALL_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cityhall_bench_supervision \\
        .venv/bin/python benchmarks/supervision_bench.py [--items 100000] [--units 200] [--requests 50]
    dropdb -h 127.0.0.1 -U postgres cityhall_bench_supervision

The last line is ``RESULT …``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = (("minimal", "/bench/minimal-login/"), ("ledger", "/supervision/"), ("dashboard", "/supervision/dashboard/"))


def setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.bench_settings"
    url = os.environ.get("CITYHALL_DATABASE_URL", "")
    if "bench" not in url.rsplit("/", 1)[-1]:
        raise SystemExit("set CITYHALL_DATABASE_URL to a scratch database whose name contains 'bench'")
    import django

    django.setup()


def units(n: int) -> list:  # type: ignore[type-arg]
    from cityhall.org.models import Unit

    have = list(Unit.objects.filter(kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.COUNTY]).order_by("id"))
    for k in range(len(have), n):
        have.append(
            Unit.objects.create(
                code=f"bench-{k}", name=f"基准单位{k}", short_name=f"基准{k}", kind=Unit.Kind.DEPARTMENT
            )
        )
    return have[:n]


def add_items(count: int, lead_units: list, offset: int = 0) -> None:  # type: ignore[type-arg]
    from django.utils import timezone

    from cityhall.org.models import Position
    from cityhall.supervision.models import Item

    clerk = Position.objects.get(code="office-clerk-1").holdings.get(end__isnull=True).person
    today = timezone.localdate()
    states = [Item.State.OPEN, Item.State.OPEN, Item.State.REPORTED, Item.State.CLOSED, Item.State.CLOSED]
    sources = [c for c, _ in Item.Source.choices]
    categories = [c for c, _ in Item.Category.choices]
    now = timezone.now()
    batch: list[Item] = []
    for k in range(offset, offset + count):
        due = today + dt.timedelta(days=(k * 37) % 730 - 365)
        state = states[k % len(states)]
        batch.append(
            Item(
                source=sources[k % len(sources)],
                task=f"基准督办事项{k}",
                lead_unit=lead_units[k % len(lead_units)],
                responsible="负责人",
                category=categories[k % len(categories)],
                deployed_on=due - dt.timedelta(days=7),
                due_date=due,
                state=state,
                created_by=clerk,
                created_at=now,
                closed_at=now if state == Item.State.CLOSED else None,
                closed_late=state == Item.State.CLOSED and k % 3 == 0,
            )
        )
        if len(batch) == 5000:
            Item.objects.bulk_create(batch)
            batch = []
    Item.objects.bulk_create(batch)


def measure(client, path: str, warmup: int, requests: int) -> tuple[list[float], int]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        assert client.get(path).status_code == 200, path  # noqa: S101
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        times.append(1000 * (time.perf_counter() - started))
        assert response.status_code == 200, path  # noqa: S101
    with CaptureQueriesContext(connection) as q:
        client.get(path)
    return times, len(q.captured_queries)


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20, method="inclusive")[-1] if len(xs) >= 2 else xs[0]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--grow", type=int, default=5_000)
    args = parser.parse_args(argv)
    setup_django()
    from django.core.management import call_command
    from django.test import Client

    from cityhall.org.demo import load_demo
    from cityhall.org.models import Position
    from cityhall.supervision.models import Item

    call_command("migrate", verbosity=0)
    if Item.objects.exists():
        raise SystemExit("the database is not fresh: it already has ledger items")
    load_demo()
    started = time.perf_counter()
    lead_units = units(args.units)
    add_items(args.items, lead_units)
    print(f"set-up: {args.items} items over {len(lead_units)} units in {time.perf_counter() - started:.1f} s")

    results: dict[tuple[str, str], tuple[list[float], int]] = {}
    for who, code in (("office", "office-clerk-1"), ("vice mayor", "vice-mayor-2")):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(Position.objects.get(code=code).holdings.get(end__isnull=True).person.user)
        for name, path in PAGES:
            results[(who, name)] = measure(client, path, args.warmup, args.requests)
    print(f"{'who':<12}{'page':<12}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'queries':>10}")
    for (who, name), (times, queries) in results.items():
        print(
            f"{who:<12}{name:<12}{statistics.median(times):>10.1f}{p95(times):>10.1f}{max(times):>10.1f}{queries:>10}"
        )

    add_items(args.grow, lead_units, offset=args.items)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(Position.objects.get(code="office-clerk-1").holdings.get(end__isnull=True).person.user)
    ok = True
    for name, path in PAGES[1:]:
        _, after = measure(client, path, 0, 1)
        before = results[("office", name)][1]
        print(f"queries for {name}: {before} at {args.items} items, {after} at {args.items + args.grow}")
        ok = ok and after == before
    office = {name: p95(results[("office", name)][0]) for name, _ in PAGES}
    print(
        f"RESULT items={args.items} units={len(lead_units)} minimal_p95={office['minimal']:.1f}ms "
        f"ledger_p95={office['ledger']:.1f}ms dashboard_p95={office['dashboard']:.1f}ms "
        f"ledger_queries={results[('office', 'ledger')][1]} dashboard_queries={results[('office', 'dashboard')][1]} "
        f"queries_constant={ok}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
