"""Reads: the rulebook in force and the working calendar (package seed + loaded schedules)."""

from __future__ import annotations

import datetime as dt
import threading

from django.conf import settings
from django.db.models import Count, Max

from cityhall.org.memo import memoised
from cityhall.rules import (
    DeadlineResult,
    Rulebook,
    WorkingCalendar,
    YearSchedule,
    deadline,
    get_rulebook,
    seed_schedules,
)

from .models import OfficialDay, OfficialYear

_lock = threading.Lock()
_calendar: WorkingCalendar | None = None


def rulebook() -> Rulebook:
    return get_rulebook(settings.CITYHALL_RULEBOOK)


def calendar_revision() -> str:
    """Changes whenever a schedule is loaded, edited or removed, on any node. Asked once per
    transaction or request (the memo of cityhall/org/memo.py): a deadline scheduled for each of
    twenty departments needs one answer, not twenty."""

    def compute() -> str:
        agg = OfficialYear.objects.aggregate(n=Count("id"), latest=Max("loaded_at"))
        latest = agg["latest"].isoformat() if agg["latest"] else "-"
        return f"seed+{agg['n']}@{latest}"

    return memoised("calendar_revision", compute)


def loaded_schedules() -> list[YearSchedule]:
    schedules: dict[int, dict[str, dict[dt.date, str]]] = {}
    sources = dict(OfficialYear.objects.values_list("year", "source"))
    for year in sources:
        schedules[year] = {"holiday": {}, "makeup_working_day": {}}
    for day in OfficialDay.objects.select_related("schedule").only("date", "kind", "name", "schedule__year"):
        schedules[day.schedule.year][day.kind][day.date] = day.name
    return [
        YearSchedule(year=y, holidays=d["holiday"], makeup_working_days=d["makeup_working_day"], source=sources[y])
        for y, d in schedules.items()
    ]


def working_calendar() -> WorkingCalendar:
    """The calendar in force. Each call checks the revision in the database, so a
    schedule loaded through another app server is seen here at once."""
    global _calendar
    revision = calendar_revision()
    current = _calendar
    if current is not None and current.revision == revision:
        return current
    with _lock:
        if _calendar is None or _calendar.revision != revision:
            seed = seed_schedules()
            for schedule in loaded_schedules():
                seed[schedule.year] = schedule
            _calendar = WorkingCalendar(seed.values(), revision=revision)
        return _calendar


def rule_deadline(rule_id: str, anchor: dt.date | dt.datetime) -> DeadlineResult:
    return deadline(rule_id, anchor, rulebook=rulebook(), calendar=working_calendar())
