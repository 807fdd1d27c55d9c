"""The working-day calendar: seed data, the index, and properties that must always hold."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityhall.rules import CalendarRangeError, DayKind, WorkingCalendar, YearSchedule, seed_schedules

D = dt.date.fromisoformat
published_days = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2026, 8, 31))
any_days = st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2095, 12, 31))
counts = st.integers(min_value=1, max_value=80)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-10-01", False),  # National Day
        ("2026-10-10", True),  # Saturday, make-up working day
        ("2026-09-20", True),  # Sunday, make-up working day
        ("2026-09-26", False),  # Mid-autumn Festival, a Saturday
        ("2026-11-25", True),
        ("2026-11-28", False),
        ("2025-01-26", True),  # Sunday, make-up for Spring Festival 2025
        ("2025-10-08", False),  # National Day 2025 ran to Oct 8
    ],
)
def test_the_official_schedule_decides_working_days(cal, day, working):
    assert cal.is_working_day(D(day)) is working


def test_published_years_are_the_seeded_years_and_nothing_is_guessed(cal):
    assert min(cal.published_years) == 2004
    assert 2026 in cal.published_years
    assert 2027 not in cal.published_years
    assert cal.unpublished_years_between(D("2026-12-30"), D("2027-01-04")) == [2027]


def test_an_unpublished_year_is_counted_on_weekends_only(cal):
    assert cal.is_working_day(D("2027-01-01"))  # a Friday; its holiday is not yet known
    assert not cal.is_working_day(D("2027-01-02"))


def test_a_loaded_schedule_replaces_the_seed_for_that_year():
    schedules = seed_schedules()
    schedules[2026] = YearSchedule(
        2026, holidays={D("2026-11-25"): "测试"}, makeup_working_days={D("2026-11-28"): "测试"}
    )
    cal = WorkingCalendar(schedules.values())
    assert not cal.is_working_day(D("2026-11-25"))
    assert cal.is_working_day(D("2026-11-28"))
    assert cal.is_working_day(D("2026-10-01"))  # the seed's 2026 holidays are gone with the seed's 2026
    assert cal.special_day(D("2026-11-25")).kind is DayKind.HOLIDAY


def test_dates_outside_the_calendar_are_refused_with_a_message(cal):
    with pytest.raises(CalendarRangeError, match="超出工作日历的范围"):
        cal.is_working_day(dt.date(1980, 1, 1))


@settings(max_examples=300, deadline=None)
@given(day=published_days, n=st.integers(min_value=0, max_value=60))
def test_the_index_agrees_with_chinese_calendar_find_workday(cal, day, n):
    assert cal.find_workday(n, day) == chinese_calendar.find_workday(n, day)


@settings(max_examples=300, deadline=None)
@given(day=published_days)
def test_the_index_agrees_with_chinese_calendar_is_workday(cal, day):
    assert cal.is_working_day(day) == chinese_calendar.is_workday(day)


@settings(max_examples=300, deadline=None)
@given(day=any_days, n=counts, m=counts)
def test_adding_n_then_m_working_days_equals_adding_n_plus_m(cal, day, n, m):
    assert cal.add_working_days(cal.add_working_days(day, n), m) == cal.add_working_days(day, n + m)


@settings(max_examples=300, deadline=None)
@given(day=any_days, n=counts)
def test_the_nth_working_day_after_is_a_working_day_with_exactly_n_between(cal, day, n):
    result = cal.add_working_days(day, n)
    assert result > day
    assert cal.is_working_day(result)
    assert cal.working_days_between(day, result) == n


@settings(max_examples=300, deadline=None)
@given(day=any_days, n=counts)
def test_the_nth_working_day_before_is_a_working_day_with_n_minus_1_strictly_between(cal, day, n):
    back = cal.add_working_days(day, -n)
    assert back < day and cal.is_working_day(back)
    # Working days strictly between back and day: (back, day - 1].
    assert cal.working_days_between(back, day - dt.timedelta(days=1)) == n - 1


def test_the_month_view_marks_holidays_and_makeup_days(cal):
    october = {d.date.day: d for d in cal.month(2026, 10)}
    assert october[1].special.kind is DayKind.HOLIDAY and october[1].label == "国庆节放假"
    assert october[10].working and october[10].label == "国庆节调休上班"
    assert october[12].label == "工作日" and october[11].label == "休息日"
    assert all(d.provisional for d in cal.month(2027, 1))
