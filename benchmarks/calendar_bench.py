"""Benchmark: ``WorkingCalendar.find_workday`` against ``chinese_calendar.find_workday`` (issue 2).

What it measures, on N random cases (a start date in 2004-01-01..2026-06-30 and a delta of 0..60
working days, drawn with a fixed seed so every run uses the same cases):

* the rate (calls per second) of ``chinese_calendar.find_workday(delta, day)``, which walks day by day;
* the rate of ``default_calendar().find_workday(delta, day)``, which uses the precomputed index
  (the calendar is built once, before timing);
* the ratio of the two (ours / chinese_calendar; the target is at least 50x);
* the number of cases where the two answers differ;
* the one-off cost of building the index, ``WorkingCalendar(seed_schedules().values())``.

Each timed loop runs 3 times and the best run is reported. The script exits 1 if any answer
differs (and prints the first differences); a missed speed target is reported but still exits 0,
because this is a benchmark, not a test.

Run from the repository root::

    .venv/bin/python benchmarks/calendar_bench.py [--cases N] [--seed S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import chinese_calendar

from cityhall.rules.calendar import WorkingCalendar, default_calendar, seed_schedules

FIRST_START = dt.date(2004, 1, 1)
LAST_START = dt.date(2026, 6, 30)  # 60 working days after this is still in 2026, inside chinese_calendar's data
MAX_DELTA = 60
REPEATS = 3
TARGET_RATIO = 50.0
SHOW_MISMATCHES = 10

Case = tuple[int, dt.date]
FindWorkday = Callable[[int, dt.date], dt.date]


def make_cases(n: int, seed: int) -> list[Case]:
    """N (delta, start date) pairs drawn with a fixed seed."""
    rng = random.Random(seed)
    lo, hi = FIRST_START.toordinal(), LAST_START.toordinal()
    return [(rng.randint(0, MAX_DELTA), dt.date.fromordinal(rng.randint(lo, hi))) for _ in range(n)]


def answers(find: FindWorkday, cases: Sequence[Case]) -> list[dt.date | str]:
    """Every case's answer, or the exception it raised (as text), untimed."""
    out: list[dt.date | str] = []
    for delta, day in cases:
        try:
            out.append(find(delta, day))
        except Exception as exc:  # an exception is a recorded answer, not a crash
            out.append(f"{type(exc).__name__}: {exc}")
    return out


def best_time(find: FindWorkday, cases: Sequence[Case]) -> float:
    """The best of REPEATS wall-clock times (seconds) for calling ``find`` on every case."""
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        for delta, day in cases:
            find(delta, day)
        best = min(best, time.perf_counter() - start)
    return best


def build_time() -> float:
    """Seconds to build a fresh calendar index from the package seed."""
    start = time.perf_counter()
    WorkingCalendar(seed_schedules().values())
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=20000, help="number of random cases (default 20000)")
    parser.add_argument("--seed", type=int, default=2, help="random seed (default 2)")
    args = parser.parse_args(argv)
    if args.cases < 1:
        parser.error("--cases must be at least 1")

    cases = make_cases(args.cases, args.seed)
    index_seconds = build_time()
    calendar = default_calendar()
    reference: FindWorkday = chinese_calendar.find_workday
    ours: FindWorkday = calendar.find_workday

    expected = answers(reference, cases)
    got = answers(ours, cases)
    mismatches = [(case, e, g) for case, e, g in zip(cases, expected, got, strict=True) if e != g]
    raised = any(isinstance(a, str) for a in expected + got)

    span = f"start {FIRST_START}..{LAST_START}, delta 0..{MAX_DELTA}"
    print(f"cases:               {len(cases)} (seed {args.seed}, {span})")
    print(f"index build:         {index_seconds * 1000:.1f} ms (WorkingCalendar(seed_schedules().values()), one-off)")
    if raised:
        print("timing:              skipped (at least one call raised; see mismatches)")
    else:
        ref_rate = len(cases) / best_time(reference, cases)
        our_rate = len(cases) / best_time(ours, cases)
        ratio = our_rate / ref_rate
        met = "met" if ratio >= TARGET_RATIO else "MISSED"
        print(f"chinese_calendar:    {ref_rate:,.0f} ops/s (best of {REPEATS})")
        print(f"WorkingCalendar:     {our_rate:,.0f} ops/s (best of {REPEATS})")
        print(f"ratio:               {ratio:.1f}x (target >= {TARGET_RATIO:.0f}x: {met})")
    print(f"mismatches:          {len(mismatches)}")

    if mismatches:
        print(f"first {min(len(mismatches), SHOW_MISMATCHES)} mismatches (delta, start: chinese_calendar vs ours):")
        for (delta, day), e, g in mismatches[:SHOW_MISMATCHES]:
            print(f"  find_workday({delta}, {day}): {e} vs {g}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
