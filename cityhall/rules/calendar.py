"""The official working-day calendar (工作日历).

Working days follow the State Council General Office's yearly notice: weekends
are rest days, statutory holidays are rest days, and make-up working days
(调休上班日) turn a weekend day into a working day.

A year whose schedule has been published (seeded from ``chinesecalendar`` or
loaded by an administrator) is *exact*. A year with no published schedule is
never guessed: it is counted on weekends only and every answer that touches it
is marked *provisional* (requirements.md §0).

The index is precomputed once: ``cum[i]`` is the number of working days in
``[FIRST_DAY, FIRST_DAY + i]``, so "the Nth working day after d" is one array
lookup instead of a day-by-day loop.
"""

from __future__ import annotations

import bisect
import datetime as dt
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .errors import CalendarRangeError

FIRST_YEAR = 1990
LAST_YEAR = 2100
FIRST_DAY = dt.date(FIRST_YEAR, 1, 1)
LAST_DAY = dt.date(LAST_YEAR, 12, 31)
_BASE = FIRST_DAY.toordinal()


class DayKind(StrEnum):
    HOLIDAY = "holiday"
    MAKEUP_WORKING_DAY = "makeup_working_day"


DAY_KIND_LABELS = {
    DayKind.HOLIDAY: "法定节假日",
    DayKind.MAKEUP_WORKING_DAY: "调休上班日",
}

# chinesecalendar names its festivals in English; the UI speaks Chinese.
FESTIVAL_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class SpecialDay:
    date: dt.date
    kind: DayKind
    name: str

    @property
    def label(self) -> str:
        return f"{self.date.isoformat()} {self.name}（{DAY_KIND_LABELS[self.kind]}）"


@dataclass(frozen=True)
class YearSchedule:
    """One year's official schedule: its holidays and make-up working days."""

    year: int
    holidays: Mapping[dt.date, str] = field(default_factory=dict)
    makeup_working_days: Mapping[dt.date, str] = field(default_factory=dict)
    source: str = ""

    def special_days(self) -> list[SpecialDay]:
        days = [SpecialDay(d, DayKind.HOLIDAY, n) for d, n in self.holidays.items()]
        days += [SpecialDay(d, DayKind.MAKEUP_WORKING_DAY, n) for d, n in self.makeup_working_days.items()]
        return sorted(days, key=lambda s: s.date)


def seed_schedules() -> dict[int, YearSchedule]:
    """The schedules published in the ``chinesecalendar`` package (2004 onwards)."""
    from chinese_calendar import constants

    holidays: dict[int, dict[dt.date, str]] = {}
    workdays: dict[int, dict[dt.date, str]] = {}
    for day, name in constants.holidays.items():
        holidays.setdefault(day.year, {})[day] = FESTIVAL_NAMES_ZH.get(str(name), str(name))
    for day, name in constants.workdays.items():
        workdays.setdefault(day.year, {})[day] = FESTIVAL_NAMES_ZH.get(str(name), str(name))
    years = range(min(holidays), max(holidays) + 1)
    return {
        y: YearSchedule(
            year=y,
            holidays=holidays.get(y, {}),
            makeup_working_days=workdays.get(y, {}),
            source="chinesecalendar（国务院办公厅放假安排通知）",
        )
        for y in years
    }


class WorkingCalendar:
    """Working days across published and unpublished years, with a precomputed index."""

    def __init__(self, schedules: Iterable[YearSchedule], *, revision: str = "") -> None:
        self.revision = revision
        self.schedules: dict[int, YearSchedule] = {}
        for schedule in schedules:
            # A later schedule for the same year replaces the earlier one: an
            # administrator's loaded notice overrides the package seed.
            self.schedules[schedule.year] = schedule
        self.published_years = frozenset(self.schedules)
        specials: list[SpecialDay] = []
        for schedule in self.schedules.values():
            for s in schedule.special_days():
                if s.date.year != schedule.year:
                    raise ValueError(f"{s.date} is not in year {schedule.year}")
                if not FIRST_DAY <= s.date <= LAST_DAY:
                    # Outside the index: 2101 would not fit it, 1989 would wrap round to 2100.
                    raise CalendarRangeError(s.date, FIRST_DAY, LAST_DAY)
                specials.append(s)
        specials.sort(key=lambda s: s.date)
        self._specials = specials
        self._special_ords = [s.date.toordinal() for s in specials]
        self._special_by_date = {s.date: s for s in specials}

        size = LAST_DAY.toordinal() - _BASE + 1
        is_work = bytearray(size)
        for i in range(size):
            # Ordinal 1 (0001-01-01) was a Monday, so (ordinal - 1) % 7 is the weekday.
            is_work[i] = 1 if (_BASE + i - 1) % 7 < 5 else 0
        for s in specials:
            is_work[s.date.toordinal() - _BASE] = 0 if s.kind is DayKind.HOLIDAY else 1
        cum = array("i", bytes(4 * size))
        work_index = array("i")
        running = 0
        for i in range(size):
            if is_work[i]:
                running += 1
                work_index.append(i)
            cum[i] = running
        self._is_work = is_work
        self._cum = cum
        self._work_index = work_index

    # -- single days ---------------------------------------------------------

    def _offset(self, day: dt.date) -> int:
        if not FIRST_DAY <= day <= LAST_DAY:
            raise CalendarRangeError(day, FIRST_DAY, LAST_DAY)
        return day.toordinal() - _BASE

    def is_working_day(self, day: dt.date) -> bool:
        return bool(self._is_work[self._offset(day)])

    def is_published(self, year: int) -> bool:
        return year in self.published_years

    def special_day(self, day: dt.date) -> SpecialDay | None:
        return self._special_by_date.get(day)

    # -- arithmetic ----------------------------------------------------------

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The nth working day after ``day`` (n > 0), or before it (n < 0).

        ``day`` itself is never counted (Civil Code art 201: the start day is
        not counted), whether or not it is a working day.
        """
        if n == 0:
            raise ValueError("n must not be zero")
        i = self._offset(day)
        k = self._cum[i] + n - 1 if n > 0 else self._cum[i] - self._is_work[i] + n
        if not 0 <= k < len(self._work_index):
            raise CalendarRangeError(day, FIRST_DAY, LAST_DAY)
        return dt.date.fromordinal(_BASE + self._work_index[k])

    def next_working_day_on_or_after(self, day: dt.date) -> dt.date:
        i = self._offset(day)
        if self._is_work[i]:
            return day
        return self.add_working_days(day, 1)

    def find_workday(self, delta_days: int, day: dt.date) -> dt.date:
        """Same answer as ``chinese_calendar.find_workday`` for ``delta_days >= 0``."""
        first = self.next_working_day_on_or_after(day)
        return first if delta_days == 0 else self.add_working_days(first, delta_days)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in ``(start, end]``."""
        return self._cum[self._offset(end)] - self._cum[self._offset(start)]

    def special_days_between(self, start: dt.date, end: dt.date) -> list[SpecialDay]:
        """Holidays and make-up working days in ``[start, end]``."""
        lo = bisect.bisect_left(self._special_ords, start.toordinal())
        hi = bisect.bisect_right(self._special_ords, end.toordinal())
        return self._specials[lo:hi]

    def unpublished_years_between(self, start: dt.date, end: dt.date) -> list[int]:
        lo, hi = sorted((start.year, end.year))
        return [y for y in range(lo, hi + 1) if y not in self.published_years]

    def month(self, year: int, month: int) -> list[CalendarDay]:
        first = dt.date(year, month, 1)
        days = []
        day = first
        while day.month == month:
            days.append(
                CalendarDay(
                    date=day,
                    working=self.is_working_day(day),
                    special=self.special_day(day),
                    provisional=not self.is_published(year),
                )
            )
            day += dt.timedelta(days=1)
        return days


@dataclass(frozen=True)
class CalendarDay:
    date: dt.date
    working: bool
    special: SpecialDay | None
    provisional: bool

    @property
    def label(self) -> str:
        if self.special:
            return f"{self.special.name}{'放假' if self.special.kind is DayKind.HOLIDAY else '调休上班'}"
        return "工作日" if self.working else "休息日"


_default: WorkingCalendar | None = None


def default_calendar() -> WorkingCalendar:
    """The calendar from the package seed alone (no administrator overrides)."""
    global _default
    if _default is None:
        _default = WorkingCalendar(seed_schedules().values(), revision="seed")
    return _default
