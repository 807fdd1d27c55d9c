"""Benchmark (issue 11): a year of executive meetings, topics to issued minutes, and the meeting and minutes pages.

On a scratch PostgreSQL database (``CITYHALL_DATABASE_URL`` must be set and name a database whose name
contains ``bench``), through the real services of cityhall/meetings/services.py and
cityhall/meetings/minutes.py (no shortcut, no direct SQL write). Set-up, untimed: migrations and the Fushun
demo organisation (``load_demo``). Then, for each of ``--meetings`` (default 52) executive meetings, 09:00
Asia/Shanghai, from ``--start`` (default 2026-01-05) every ``--every`` days (default 7, or the largest whole
number of days that keeps the last meeting's issue in the past: ``meeting_end`` refuses a future end):

* topics: ``--topics`` (default 10) ``topic_submit`` (host unit fgw / finance / education in turn, the
  applicant the unit's head, one consulted unit), each passed along the 4-step chain by ``topic_decide``
  (office-clerk-1 → secretary-general → vice-mayor-1 → mayor, ``decision="pass"``), 6 to 2 days before;
* scheduling: ``meeting_schedule`` the day before (the mayor chairs, the topics on the agenda);
* attendance: one ``attendance_record``: everyone present except vice-mayor-2, away on official business
  (因公出访或出差) with a written opinion;
* decisions and stances: per agenda item one ``decision_add`` (lead unit = the topic's host unit, the
  consulted unit as partner, the person responsible, a due date 90 days on) and one ``stances_record``
  (every present attendee agrees, except vice-mayor-3, who disagrees with remarks on the first decision);
* minutes: ``meeting_end`` (ended_at = start + 2 h), ``draft_text``, ``minutes_save``, ``minutes_circulate``
  (the same day), ``minutes_sign`` by the mayor and ``minutes_issue`` by the clerk the next day (within the
  3-working-day clock, so on time).

Every call is timed on its own and its SQL statements counted (an execute wrapper; BEGIN/COMMIT are not
sent through it, savepoints are). The reads the benchmark itself makes between calls (the attendance ids,
the agenda) are counted apart. Then the end state is checked (every minutes issued on time, numbered
市政府常务会议纪要〔year〕1…N号 gap-free and unique, every decision handed over, every decision with one
stance per present attendee, the audit trail's ``verify_chain()``, timed), and the pages are timed in
process (django.test.Client, ``force_login`` as the General Office clerk): ``--warmup`` requests, then
``--requests`` (default 200) GETs of each of ``/meetings/<id>/`` and ``/meetings/<id>/minutes/``, in turn
over a few meetings, with p50/p95/p99/max and the queries per request; and, for one request of each, the
statements it sends more than once (an N+1 shows there).

    createdb -h 127.0.0.1 -U postgres cityhall_bench_meetings
    CITYHALL_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cityhall_bench_meetings \\
        .venv/bin/python benchmarks/meetings_bench.py [--meetings 52] [--topics 10] [--requests 200] [--warmup 20]
    dropdb -h 127.0.0.1 -U postgres cityhall_bench_meetings

Settings: ``--settings`` (default config.settings.dev, DEBUG on, as benchmarks/documents_bench.py;
benchmarks.bench_settings is the same with DEBUG off). Exit status 1 if a check fails; the figures are
printed either way. The last line is ``RESULT …``. The database must be fresh (no meeting in it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # documents_bench's helpers
DEFAULT_SETTINGS = "config.settings.dev"
HOST = "127.0.0.1"

CLERK = "office-clerk-1"
CHAIN = (CLERK, "secretary-general", "vice-mayor-1", "mayor")
CHAIR = "mayor"
ABSENTEE = "vice-mayor-2"
DISSENTER = "vice-mayor-3"
HOST_UNITS = ("fgw", "finance", "education")
CONSULTED = {"fgw": "finance", "finance": "fgw", "education": "finance"}
ABSENCE_REASON = "因公出访或出差"
SUBJECTS = (
    "重点项目建设计划",
    "年度财政预算调整方案",
    "义务教育学校布局规划",
    "老旧小区改造实施方案",
    "优化营商环境若干措施",
    "农村公路养护资金安排",
    "职业教育产教融合工作方案",
    "政府债务风险防控办法",
    "城市更新专项规划",
    "产业园区基础设施建设",
)
# (key, label, stage) for every call the flow makes, in the order of the report.
CALLS = (
    ("topic_submit", "topic_submit", "topics"),
    ("topic_decide", "topic_decide (pass) × 4 steps", "topics"),
    ("materials_review", "materials_review (Art 43 ¶2)", "topics"),
    ("meeting_schedule", "meeting_schedule", "schedule"),
    ("attendance_record", "attendance_record (1 call)", "attendance"),
    ("decision_add", "decision_add", "decisions"),
    ("stances_record", "stances_record", "decisions"),
    ("meeting_end", "meeting_end", "minutes"),
    ("draft_text", "draft_text", "minutes"),
    ("minutes_save", "minutes_save", "minutes"),
    ("minutes_circulate", "minutes_circulate", "minutes"),
    ("minutes_sign", "minutes_sign (numbering)", "minutes"),
    ("minutes_issue", "minutes_issue (handover)", "minutes"),
)
STAGES = (
    ("topics", "topics + 4-step chain"),
    ("schedule", "scheduling"),
    ("attendance", "attendance"),
    ("decisions", "decisions + stances"),
    ("minutes", "end + minutes through issue"),
)


def setup_django(settings: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    if not os.environ.get("CITYHALL_DATABASE_URL"):
        raise SystemExit(
            "set CITYHALL_DATABASE_URL to a scratch PostgreSQL database whose name contains 'bench', e.g."
            " postgres://postgres@127.0.0.1:5432/cityhall_bench_meetings"
        )
    import django

    django.setup()


def local(day: dt.date, hour: int = 9) -> dt.datetime:
    from cityhall.rules.deadlines import LOCAL_TZ

    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=LOCAL_TZ)


def pick_every(start: dt.datetime, meetings: int, now: dt.datetime) -> int:
    """7 days if the last meeting is issued (the day after it) before ``now``; else the largest that fits."""
    for every in range(7, 0, -1):
        if start + dt.timedelta(days=every * (meetings - 1) + 1, hours=2) <= now:
            return every
    raise SystemExit(f"{meetings} meetings from {start:%Y-%m-%d} do not fit before now ({now:%Y-%m-%d %H:%M})")


# --------------------------------------------------------------------------- the timed flow


@dataclass
class Meter:
    """Times each service call under its key and counts the SQL statements it sends (an execute wrapper)."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    queries: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    key: str = "bench"  # statements sent outside a timed call: the benchmark's own reads

    def __call__(self, execute_, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.queries[self.key] += 1
        return execute_(sql, params, many, context)

    def run(self, key: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.key = key
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.seconds[key] += time.perf_counter() - started
            self.calls[key] += 1
            self.key = "bench"


@dataclass
class Cast:
    people: dict[str, Any]
    units: dict[str, Any]
    mayor_position: Any


def cast() -> Cast:
    from cityhall.org.models import Position, Unit

    def person(code: str) -> Any:
        return Position.objects.get(code=code).holdings.get(end__isnull=True).person

    codes = {*CHAIN, CHAIR, *(f"head-{u}" for u in HOST_UNITS)}
    return Cast(
        people={c: person(c) for c in codes},
        units={u: Unit.objects.get(code=u) for u in {*HOST_UNITS, *CONSULTED.values()}},
        mayor_position=Position.objects.get(code=CHAIR),
    )


def hold_meeting(m: Meter, c: Cast, k: int, starts_at: dt.datetime, topics: int) -> int:
    """Meeting ``k`` (0-based) from its topics to its issued minutes. Returns its id."""
    from cityhall.meetings import minutes as mn
    from cityhall.meetings import services as sv
    from cityhall.rules.deadlines import LOCAL_TZ

    clerk = c.people[CLERK]
    day = dt.timedelta(days=1)
    year = starts_at.astimezone(LOCAL_TZ).year
    approved = []
    for i in range(topics):
        code = HOST_UNITS[(k * topics + i) % len(HOST_UNITS)]
        unit, consulted = c.units[code], c.units[CONSULTED[code]]
        subject = SUBJECTS[i % len(SUBJECTS)]
        form = sv.TopicForm(
            meeting_kind="executive",
            matter=f"关于抚顺市{year}年{subject}（第{k + 1}周第{i + 1}项）的议题",
            host_unit=unit,
            reporting_unit=unit,
            basis=f"依据市政府年度工作安排，提请市政府常务会议审议{subject}。",
            legality_review_needed=False,
            legality_review_done=False,
            materials="方案文本、起草说明、征求意见汇总",
            consultations=[(consulted, "同意，按职责做好配合。")],
        )
        at = starts_at - 6 * day + dt.timedelta(minutes=10 * i)
        topic = m.run("topic_submit", sv.topic_submit, actor=c.people[f"head-{code}"], form=form, at=at)
        for step, who in enumerate(CHAIN, start=1):
            topic = m.run(
                "topic_decide", sv.topic_decide, actor=c.people[who], topic=topic, decision="pass", at=at + step * day
            )
        topic = m.run("materials_review", sv.materials_review, actor=clerk, topic=topic, at=at + 5 * day)
        approved.append(topic)

    meeting = m.run(
        "meeting_schedule",
        sv.meeting_schedule,
        actor=clerk,
        form=sv.MeetingForm(
            kind="executive",
            title=f"市政府{year}年第{k + 1}次常务会议",
            starts_at=starts_at,
            venue="市政府第一会议室",
            video=False,
            chair=c.mayor_position,
            topics=approved,
        ),
        at=starts_at - day,
    )

    attendance = list(meeting.attendance.select_related("position"))
    codes = {a.position.code if a.position else "" for a in attendance}
    if ABSENTEE not in codes or DISSENTER not in codes:
        raise RuntimeError(f"{ABSENTEE} and {DISSENTER} must be on the attendance list; it has {sorted(codes)}")
    rows = [
        mn.AttendanceInput(a.pk, False, ABSENCE_REASON, "赴省参加专题会议", "同意会议审议的各项议题。")
        if a.position and a.position.code == ABSENTEE
        else mn.AttendanceInput(a.pk, True)
        for a in attendance
    ]
    m.run("attendance_record", mn.attendance_record, actor=clerk, meeting=meeting, rows=rows, at=starts_at)
    present = [a for a in attendance if not (a.position and a.position.code == ABSENTEE)]

    for i, item in enumerate(meeting.agenda.select_related("topic__host_unit").order_by("order")):
        topic = item.topic
        at = starts_at + dt.timedelta(minutes=10 * (i + 1))
        decision = m.run(
            "decision_add",
            mn.decision_add,
            actor=clerk,
            meeting=meeting,
            form=mn.DecisionInput(
                text=f"原则同意{topic.matter.removeprefix('关于').removesuffix('的议题')}",
                lead_unit=topic.host_unit,
                responsible=f"{topic.host_unit.short_name}主要负责人",
                partner_units=[c.units[CONSULTED[topic.host_unit.code]]],
                due_date=(starts_at + 90 * day).date(),
                agenda_item=item,
            ),
            at=at,
        )
        stances = [
            mn.StanceInput(a.pk, "disagree", "建议进一步论证资金来源后再议")
            if i == 0 and a.position and a.position.code == DISSENTER
            else mn.StanceInput(a.pk, "agree")
            for a in present
        ]
        m.run("stances_record", mn.stances_record, actor=clerk, decision=decision, rows=stances, at=at)

    ended = starts_at + dt.timedelta(hours=2)
    minutes = m.run("meeting_end", mn.meeting_end, actor=clerk, meeting=meeting, ended_at=ended)
    body = m.run("draft_text", mn.draft_text, meeting)
    minutes = m.run(
        "minutes_save", mn.minutes_save, actor=clerk, minutes=minutes, body=body, at=ended + dt.timedelta(hours=1)
    )
    minutes = m.run(
        "minutes_circulate", mn.minutes_circulate, actor=clerk, minutes=minutes, at=ended + dt.timedelta(hours=2)
    )
    minutes = m.run("minutes_sign", mn.minutes_sign, actor=c.people[CHAIR], minutes=minutes, at=starts_at + day)
    m.run("minutes_issue", mn.minutes_issue, actor=clerk, minutes=minutes, at=starts_at + day + dt.timedelta(hours=1))
    return meeting.pk


# --------------------------------------------------------------------------- pages


class QueryMeter:
    """An execute wrapper: the statements a request sends and the seconds in the database driver."""

    def __init__(self, keep: bool = False) -> None:
        self.count = 0
        self.seconds = 0.0
        self.keep = keep
        self.sql: list[str] = []

    def __call__(self, execute_, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute_(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1
            if self.keep:
                self.sql.append(" ".join(sql.split()))


def time_pages(args: argparse.Namespace, meeting_ids: Sequence[int]) -> tuple[dict[str, dict[str, float]], int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from documents_bench import percentile

    from cityhall.meetings.models import Meeting, Minutes
    from cityhall.org.models import Position

    failed = 0
    user = Position.objects.get(code=CLERK).holdings.get(end__isnull=True).person.user
    client = Client(SERVER_NAME=HOST)
    client.force_login(user)
    chosen = sorted({meeting_ids[round(j * (len(meeting_ids) - 1) / 3)] for j in range(4)})
    titles = dict(Meeting.objects.filter(pk__in=chosen).values_list("pk", "title"))
    numbers = dict(Minutes.objects.filter(meeting_id__in=chosen).values_list("meeting_id", "number"))
    pages = (("meeting page", "/meetings/{}/", titles), ("minutes page", "/meetings/{}/minutes/", numbers))
    print(
        f"\npages:         GET as {user.username} (office-clerk-1), django.test.Client + force_login, in process;"
        f" meetings {', '.join(map(str, chosen))} in turn; {args.warmup} warm-up then {args.requests} timed per page"
    )
    print(
        f"  {'page':<22} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'mean ms':>8} {'queries':>9} {'SQL ms p50':>11} {'KB':>6}"
    )
    figures: dict[str, dict[str, float]] = {}
    repeated: dict[str, list[tuple[int, str]]] = {}
    for name, pattern, expect in pages:
        for j in range(args.warmup):
            client.get(pattern.format(chosen[j % len(chosen)]))
        times, counts, sql_seconds, sizes, bad = [], [], [], [], 0
        for j in range(args.requests):
            pk = chosen[j % len(chosen)]
            meter = QueryMeter()
            with connection.execute_wrapper(meter):
                started = time.perf_counter()
                response = client.get(pattern.format(pk))
                times.append(time.perf_counter() - started)
            counts.append(meter.count)
            sql_seconds.append(meter.seconds)
            sizes.append(len(response.content))
            if response.status_code != 200 or (j < len(chosen) and expect[pk] not in response.content.decode()):
                bad += 1
        ms = {p: percentile(times, p) * 1000 for p in (50, 95, 99)}
        figures[name] = {
            "p50": ms[50],
            "p95": ms[95],
            "p99": ms[99],
            "max": max(times) * 1000,
            "queries_min": min(counts),
            "queries_max": max(counts),
        }
        q = f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}–{max(counts)}"
        print(
            f"  {name:<22} {ms[50]:8.1f} {ms[95]:8.1f} {ms[99]:8.1f} {max(times) * 1000:8.1f}"
            f" {sum(times) / len(times) * 1000:8.1f} {q:>9} {percentile(sql_seconds, 50) * 1000:11.1f}"
            f" {sum(sizes) / len(sizes) / 1024:6.0f}"
        )
        if bad:
            print(f"    FAILED: {bad} responses not 200 or without the meeting's title / the minutes' number")
            failed += 1
        # One request's statements: those sent more than once (an N+1 shows here).
        meter = QueryMeter(keep=True)
        with CaptureQueriesContext(connection), connection.execute_wrapper(meter):
            client.get(pattern.format(chosen[-1]))
        repeated[name] = [(n, sql) for sql, n in Counter(meter.sql).most_common() if n > 1]
    for name, rows in repeated.items():
        print(f"\n  {name}: statements sent more than once in one request{': none' if not rows else ':'}")
        for n, sql in rows:
            print(f"    {n:3d} × {sql[:150]}{'…' if len(sql) > 150 else ''}")
    return figures, failed


# --------------------------------------------------------------------------- main


def run(args: argparse.Namespace) -> int:
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Q
    from django.utils import timezone
    from documents_bench import check_database, load_average, pad, print_header

    from cityhall.documents.models import NumberSequence
    from cityhall.documents.services import format_number
    from cityhall.meetings.kinds import KIND_NAMES
    from cityhall.meetings.models import Attendance, Decision, Meeting, Minutes, Stance, Topic
    from cityhall.org.demo import load_demo
    from cityhall.rulebase.selectors import rulebook
    from cityhall.rules.deadlines import LOCAL_TZ
    from cityhall.workflow.audit import verify_chain
    from cityhall.workflow.models import AuditEvent, Deadline

    check_database()
    print_header(args.settings)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_demo()
    print(f"set-up:        migrate + load_demo() in {time.perf_counter() - started:.1f} s")
    if Meeting.objects.exists() or Minutes.objects.exists():
        raise SystemExit("the database already has meetings (an earlier run?): drop it and create it again")
    rulebook()  # loaded once before the clock starts
    c = cast()

    now = timezone.now()
    start = local(args.start)
    every = args.every or pick_every(start, args.meetings, now)
    last = start + dt.timedelta(days=every * (args.meetings - 1))
    if last + dt.timedelta(days=1, hours=2) > now:
        raise SystemExit(f"the last meeting ({last:%Y-%m-%d}) would be issued after now ({now:%Y-%m-%d %H:%M})")
    years = {(start + dt.timedelta(days=every * k + 1)).astimezone(LOCAL_TZ).year for k in range(args.meetings)}
    print(
        f"run:           {args.meetings} executive meetings × {args.topics} topics, 09:00 {LOCAL_TZ} every {every} days"
        f" from {start:%Y-%m-%d} to {last:%Y-%m-%d}"
        + (" (not weekly: 7 days would end after now)" if every != 7 and not args.every else "")
    )
    print(f"load average:  {load_average()} before the run (1 / 5 / 15 min; the machine may be shared)")
    sys.stdout.flush()

    audit_before = AuditEvent.objects.count()
    m = Meter()
    ids: list[int] = []
    block = max(1, args.meetings // 10)
    connection.execute_wrappers.append(m)
    started = mark = time.perf_counter()
    try:
        for k in range(args.meetings):
            ids.append(hold_meeting(m, c, k, start + dt.timedelta(days=every * k), args.topics))
            if (k + 1) % block == 0 or k + 1 == args.meetings:
                t, since = time.perf_counter(), (k + 1) - (k // block) * block
                print(
                    f"  {k + 1:3d}/{args.meetings} meetings, {t - started:7.1f} s,"
                    f" {1000 * (t - mark) / since:7.0f} ms per meeting in the last {since}"
                )
                mark = t
                sys.stdout.flush()
    finally:
        connection.execute_wrappers.remove(m)
    wall = time.perf_counter() - started
    n = len(ids)
    print(f"load average:  {load_average()} after the run")

    busy = sum(m.seconds.values())
    print(f"\nwall time:     {wall:.1f} s for {n} meetings ({1000 * wall / n:.0f} ms per meeting end to end)")
    print(
        f"\nstages (ms and SQL statements per meeting; {args.topics} topics, so {args.topics} decisions, per meeting):"
    )
    print(f"  {'stage':<32} {'seconds':>8} {'ms/meeting':>11} {'share':>6} {'SQL/meeting':>12}")
    stage_of = {key: stage for key, _, stage in CALLS}
    for stage, label in STAGES:
        sec = sum(v for k, v in m.seconds.items() if stage_of.get(k) == stage)
        sql = sum(v for k, v in m.queries.items() if stage_of.get(k) == stage)
        print(f"  {label:<32} {sec:8.1f} {1000 * sec / n:11.1f} {100 * sec / busy:5.1f}% {sql / n:12.1f}")
    sql_total = sum(v for k, v in m.queries.items() if k != "bench")
    print(f"  {'total in the services':<32} {busy:8.1f} {1000 * busy / n:11.1f} {'':6} {sql_total / n:12.1f}")
    own = "the benchmark's own reads"
    print(
        f"  {own:<32} {wall - busy:8.1f} {1000 * (wall - busy) / n:11.1f} {'':6} {m.queries.get('bench', 0) / n:12.1f}"
    )
    print("\ncalls:")
    print(f"  {'call':<34} {'calls':>6} {'ms/call':>8} {'ms/meeting':>11} {'SQL/call':>9} {'SQL/meeting':>12}")
    for key, label, _ in CALLS:
        calls, sec, sql = m.calls.get(key, 0), m.seconds.get(key, 0.0), m.queries.get(key, 0)
        per = 4 if key == "topic_decide" else 1  # a topic's chain is 4 calls
        print(
            f"  {pad(label, 34)} {calls:6,} {1000 * sec * per / max(calls, 1):8.2f} {1000 * sec / n:11.1f}"
            f" {sql * per / max(calls, 1):9.1f} {sql / n:12.1f}"
        )
    print("  (topic_decide: ms and SQL per topic, i.e. for its 4 steps)")
    print(
        f"SQL:           {sql_total:,} statements sent by the services ({sql_total / busy:,.0f}/s of service time;"
        f" BEGIN/COMMIT not counted)"
    )

    # ---- checks (untimed)
    failed = 0
    code = KIND_NAMES["executive"] + "纪要"
    meetings = Meeting.objects.filter(pk__in=ids)
    minutes = list(Minutes.objects.filter(meeting_id__in=ids).order_by("year", "seq"))
    year = years.pop() if len(years) == 1 else None
    expected = [format_number(code, year, s) for s in range(1, n + 1)] if year else []
    numbers = [mi.number for mi in minutes]
    decisions = Decision.objects.filter(meeting_id__in=ids)
    present = dict(
        Attendance.objects.filter(meeting_id__in=ids, present=True)
        .values_list("meeting_id")
        .order_by()
        .annotate(n=Count("id"))
    )
    per_decision = list(
        decisions.annotate(s=Count("stances"), w=Count("stances", filter=Q(stances__written=True))).values_list(
            "meeting_id", "s", "w"
        )
    )
    stance_total = Stance.objects.filter(decision__meeting_id__in=ids).count()
    disagree = Stance.objects.filter(decision__meeting_id__in=ids, value="disagree").count()
    absent = Attendance.objects.filter(meeting_id__in=ids, present=False, absence_reason=ABSENCE_REASON)
    seq_last = NumberSequence.objects.filter(code=code, year=year).values_list("last", flat=True).first()
    met = Deadline.objects.filter(kind="meetings.minutes-issue", state=Deadline.State.MET).count()
    n_decisions = n * args.topics
    print(
        f"\nend state:     {n} meetings, {len(minutes)} minutes, {decisions.count()} decisions, {stance_total:,} stances"
    )
    print(
        f"numbers:       {numbers[0] if numbers else '-'} … {numbers[-1] if numbers else '-'}"
        f" ({len(set(numbers))} distinct; sequence {code}〔{year}〕 last = {seq_last})"
    )
    print(
        f"attendance:    {min(present.values())}–{max(present.values())} present per meeting"
        f" (total {sum(present.values())}), {absent.count()} absent ({ABSENCE_REASON}, written opinion:"
        f" {absent.exclude(written_opinion='').count()})"
    )
    checks = {
        f"{n} meetings held": meetings.filter(state=Meeting.State.HELD).count() == n,
        f"{n * args.topics} topics approved and on an agenda": Topic.objects.filter(
            state=Topic.State.APPROVED, agenda_item__meeting_id__in=ids
        ).count()
        == n * args.topics,
        f"{n} minutes issued, none late": len(minutes) == n
        and all(mi.state == Minutes.State.ISSUED and not mi.issued_late for mi in minutes),
        f"{n} issue deadlines met": met == n,
        f"numbers {expected[0] if expected else '?'}…{n}号 gap-free and unique": bool(expected)
        and numbers == expected
        and len(set(numbers)) == n
        and seq_last == n,
        f"{n_decisions} decisions, all handed over (handover_at set)": decisions.count() == n_decisions
        and not decisions.filter(handover_at__isnull=True).exists(),
        "every decision: stances = present attendees, none written": all(
            s == present[mid] and w == 0 for mid, s, w in per_decision
        )
        and len(per_decision) == n_decisions,
        f"stances = Σ present × decisions = {sum(present.values()) * args.topics:,}": stance_total
        == sum(present.values()) * args.topics,
        f"{n} disagreeing stances (one per meeting)": disagree == n,
        f"{n} absences with reason and written opinion": absent.exclude(written_opinion="").count() == n,
    }
    audit_written = AuditEvent.objects.count() - audit_before
    print(f"audit events:  {audit_written:,} written ({audit_written / n:.1f} per meeting)")
    started = time.perf_counter()
    report = verify_chain()
    verify_seconds = time.perf_counter() - started
    print(
        f"verify_chain:  ok={report.ok}, {report.events:,} events in {report.shards} shards, {verify_seconds:.2f} s"
        f" ({report.events / verify_seconds:,.0f} events/s)"
    )
    if not report.ok:
        print(f"  first break: {report.first_break}")
    checks["verify_chain() ok"] = report.ok
    print("checks:")
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAILED'}] {name}")
        failed += not ok

    figures, page_failed = time_pages(args, ids)
    failed += page_failed
    mp, mins = figures["meeting page"], figures["minutes page"]
    print(
        f"RESULT meetings={n} wall_s={wall:.1f} ms_per_meeting={1000 * busy / n:.0f}"
        f" statements_per_meeting={sql_total / n:.1f} meeting_p95_ms={mp['p95']:.1f} minutes_p95_ms={mins['p95']:.1f}"
        f" verify_s={verify_seconds:.2f}"
    )
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help=f"Django settings (default {DEFAULT_SETTINGS})")
    parser.add_argument("--meetings", type=int, default=52, help="executive meetings (default 52)")
    parser.add_argument("--topics", type=int, default=10, help="topics, so decisions, per meeting (default 10)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up requests per page (default 20)")
    parser.add_argument(
        "--start", type=dt.date.fromisoformat, default=dt.date(2026, 1, 5), help="first meeting (default 2026-01-05)"
    )
    parser.add_argument(
        "--every", type=int, default=0, help="days between meetings (default 7, less if 7 ends after now)"
    )
    args = parser.parse_args(argv)
    if args.meetings < 1 or args.topics < 1 or args.requests < 1 or args.warmup < 0 or args.every < 0:
        parser.error("need --meetings, --topics, --requests >= 1 and --warmup, --every >= 0")
    setup_django(args.settings)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
