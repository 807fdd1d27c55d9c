"""Benchmark (issue 13): how long after an emergency report falls due unacknowledged does it reach the
next level's inbox, with the real worker process running (``cityhall worker``, default interval).

On a scratch PostgreSQL database (``CITYHALL_DATABASE_URL`` must name a database whose name contains
``bench``). Set-up, untimed: migrations, the Fushun demo organisation, and ``--pending`` other deadlines
pending for next year (so the worker's due query runs against a realistic table, not an empty one).

Then ``--reports`` emergency reports are made one by one, each back-dated so that its 15-minute
acknowledgement deadline falls due at a random moment in the next few seconds (the due moments fall
uniformly over the worker's polling phase). For each, the benchmark polls the database every 20 ms and
records when the automatic step to the next level (and its inbox item) appears:

- ``observed``: wall time from the due moment to the inbox item being visible to a reader;
- ``stamped``: the inbox item's own ``created_at`` minus the due moment (the worker's clock).

    createdb -h 127.0.0.1 -U postgres cityhall_bench_emergency
    CITYHALL_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cityhall_bench_emergency \\
        .venv/bin/python benchmarks/emergency_latency.py [--reports 30] [--pending 50000] [--interval 2]
    dropdb -h 127.0.0.1 -U postgres cityhall_bench_emergency

The last line is ``RESULT …``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.bench_settings"
    url = os.environ.get("CITYHALL_DATABASE_URL", "")
    if "bench" not in url.rsplit("/", 1)[-1] or not url.startswith("postgres"):
        raise SystemExit("set CITYHALL_DATABASE_URL to a scratch PostgreSQL database whose name contains 'bench'")
    import django

    django.setup()


def pending(n: int) -> None:
    from django.utils import timezone

    from cityhall.workflow.models import Deadline

    have = Deadline.objects.filter(kind="bench.other").count()
    later = timezone.now() + dt.timedelta(days=300)
    rows = [
        Deadline(
            subject_label=f"基准期限{k}",
            kind="bench.other",
            rule_id="supervision.ordinary",
            rule_version=1,
            anchor_at=later,
            due_date=later.date(),
            due_at=later + dt.timedelta(minutes=k % 5000),
        )
        for k in range(have, n)
    ]
    Deadline.objects.bulk_create(rows, batch_size=5000)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=30)
    parser.add_argument("--pending", type=int, default=50000)
    parser.add_argument("--interval", type=float, default=None, help="the worker's --interval (default: its own)")
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from cityhall.leave.emergencies import EmergencyForm, emergency_report
    from cityhall.leave.models import EmergencyStep
    from cityhall.org.demo import load_demo
    from cityhall.org.models import Person, Unit
    from cityhall.workflow.models import InboxItem

    call_command("migrate", verbosity=0)
    load_demo()
    pending(args.pending)
    reporter = Person.objects.get(holdings__position__code="head-qingyuan", holdings__end__isnull=True)
    qingyuan, water = Unit.objects.get(code="qingyuan"), Unit.objects.get(code="water")

    command = [str(ROOT / ".venv" / "bin" / "cityhall"), "worker"]
    if args.interval is not None:
        command += ["--interval", str(args.interval)]
    # Our own console script with fixed arguments: nothing untrusted reaches the command line.
    worker = subprocess.Popen(  # noqa: S603
        command,
        cwd=ROOT,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings", "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    observed: list[float] = []
    stamped: list[float] = []
    try:
        time.sleep(3)  # the worker's start-up (Django, the rulebook) is not what is measured
        for k in range(args.reports):
            due_in = random.uniform(1.0, 4.0)
            now = timezone.now()
            due = now + dt.timedelta(seconds=due_in)
            report = emergency_report(
                actor=reporter,
                form=EmergencyForm(
                    category="disaster",
                    title=f"基准山洪{k}",
                    place="清原县",
                    occurred_at=now - dt.timedelta(minutes=20),
                    reporting_unit=qingyuan,
                    competent_unit=water,
                    summary="基准",
                    plan_activated="防汛预案",
                    on_scene="县长",
                ),
                at=due - dt.timedelta(minutes=15),
            )
            while True:
                step = EmergencyStep.objects.filter(report=report, automatic=True).first()
                if step is not None:
                    seen = timezone.now()
                    item = InboxItem.objects.get(key=f"ack-{step.pk}")
                    break
                if (timezone.now() - due).total_seconds() > 120:
                    raise SystemExit(f"report {k}: not escalated 120 s after due — is the worker running?")
                connection.close()  # a fresh snapshot each poll
                time.sleep(0.02)
            observed.append((seen - due).total_seconds())
            stamped.append((item.created_at - due).total_seconds())
    finally:
        worker.terminate()
        worker.wait(timeout=10)
    for name, values in (("observed", observed), ("stamped", stamped)):
        print(
            f"{name:>9}: p50 {statistics.median(values):.2f} s  p95 {pct(values, 95):.2f} s  max {max(values):.2f} s"
            f"  (n={len(values)})"
        )
    print(
        f"RESULT reports={len(observed)} pending={args.pending} interval={args.interval or 'default'}"
        f" observed_p50={statistics.median(observed):.2f}s observed_p95={pct(observed, 95):.2f}s"
        f" observed_max={max(observed):.2f}s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
