"""The working-day calendar, continued (issue 16): its range edges, the seed's names, the month view.

The holiday dates and names below are those of the State Council General Office's notices on the
holiday schedules for 2025 (国办发明电〔2024〕12号) and 2026 (国办发明电〔2025〕7号), and of the
2015 notice on the 70th anniversary of the victory of the War of Resistance (3–4 September 2015).
"""

from __future__ import annotations

import datetime as dt

import pytest

from cityhall.rules import CalendarRangeError, DayKind, WorkingCalendar, YearSchedule, seed_schedules
from cityhall.rules import calendar as calendar_module
from cityhall.rules.calendar import (
    DAY_KIND_LABELS,
    FIRST_DAY,
    LAST_DAY,
    CalendarDay,
    SpecialDay,
    default_calendar,
)

from .golden import check_golden

D = dt.date.fromisoformat
ONE_DAY = dt.timedelta(days=1)
RANGE_MESSAGE = "超出工作日历的范围（1990-01-01 至 2100-12-31）"


# -- the range: 1990-01-01 to 2100-12-31, both days included -------------------------------


def test_the_calendar_runs_from_1990_01_01_to_2100_12_31():
    assert (dt.date(1990, 1, 1), dt.date(2100, 12, 31)) == (FIRST_DAY, LAST_DAY)


def test_the_first_and_last_days_are_in_the_calendar(cal):
    assert cal.is_working_day(D("1990-01-01"))  # a Monday, no schedule published: weekends only
    assert cal.is_working_day(D("2100-12-31"))  # a Friday
    assert not cal.is_working_day(D("1990-01-06"))  # a Saturday


@pytest.mark.parametrize("day", ["1989-12-31", "2101-01-01"])
def test_a_day_just_outside_the_calendar_is_refused_naming_the_day_and_the_range(cal, day):
    with pytest.raises(CalendarRangeError) as raised:
        cal.is_working_day(D(day))
    assert raised.value.message == f"日期 {day} {RANGE_MESSAGE}。"
    assert raised.value.code == "calendar_out_of_range"


def test_counting_to_the_first_and_last_working_days_of_the_calendar(cal):
    assert cal.add_working_days(D("1990-01-02"), -1) == D("1990-01-01")
    assert cal.add_working_days(D("1990-01-03"), -2) == D("1990-01-01")
    assert cal.add_working_days(D("2100-12-30"), 1) == D("2100-12-31")
    assert cal.add_working_days(D("2100-12-29"), 2) == D("2100-12-31")
    assert cal.add_working_days(D("1990-01-01"), 1) == D("1990-01-02")
    assert cal.add_working_days(D("2100-12-31"), -1) == D("2100-12-30")


@pytest.mark.parametrize(
    ("day", "n"),
    [("1990-01-01", -1), ("1990-01-02", -2), ("2100-12-31", 1), ("2100-12-30", 2), ("2100-12-28", 5)],
)
def test_counting_past_either_end_of_the_calendar_is_refused(cal, day, n):
    with pytest.raises(CalendarRangeError, match=RANGE_MESSAGE):
        cal.add_working_days(D(day), n)


def test_counting_past_either_end_from_a_rest_day(cal):
    cal2 = WorkingCalendar([YearSchedule(1990, holidays={D("1990-01-01"): "元旦"})])
    assert cal2.add_working_days(D("1990-01-03"), -1) == D("1990-01-02")
    with pytest.raises(CalendarRangeError):
        cal2.add_working_days(D("1990-01-02"), -1)  # 1990-01-01 is a holiday: nothing before it
    cal3 = WorkingCalendar([YearSchedule(2100, holidays={D("2100-12-31"): "测试"})])
    assert not cal3.is_working_day(D("2100-12-31"))
    with pytest.raises(CalendarRangeError):
        cal3.add_working_days(D("2100-12-30"), 1)  # 2100-12-31 is a holiday: nothing after it
    with pytest.raises(CalendarRangeError):
        cal.next_working_day_on_or_after(D("2101-01-01"))
    assert cal.next_working_day_on_or_after(D("2100-12-31")) == D("2100-12-31")


def test_counting_zero_working_days_is_a_programming_error(cal):
    with pytest.raises(ValueError, match=r"^n must not be zero$"):
        cal.add_working_days(D("2026-10-09"), 0)


def test_a_schedule_outside_the_calendar_is_refused_not_written_out_of_bounds():
    # It once raised IndexError (2101) or silently marked a day of 2100 as a holiday (1989).
    with pytest.raises(CalendarRangeError, match=r"^日期 2101-01-03 超出工作日历的范围"):
        WorkingCalendar([YearSchedule(2101, holidays={D("2101-01-03"): "测试"})])
    with pytest.raises(CalendarRangeError, match=r"^日期 1989-01-03 超出工作日历的范围"):
        WorkingCalendar([YearSchedule(1989, holidays={D("1989-01-03"): "测试"})])


def test_a_schedule_listing_a_day_of_another_year_is_refused():
    with pytest.raises(ValueError, match=r"^2027-01-01 is not in year 2026$"):
        WorkingCalendar([YearSchedule(2026, holidays={D("2027-01-01"): "元旦"})])


# -- building a calendar --------------------------------------------------------------------


def test_a_calendar_keeps_its_revision_and_its_published_years():
    cal = WorkingCalendar([YearSchedule(2026), YearSchedule(2025)], revision="r7")
    assert cal.revision == "r7"
    assert cal.published_years == frozenset({2025, 2026})
    assert cal.is_published(2025) and not cal.is_published(2024)
    assert WorkingCalendar([]).revision == ""
    assert WorkingCalendar([]).published_years == frozenset()
    # A published year with no special days is counted on weekends, but exactly.
    assert [d.provisional for d in cal.month(2026, 2)] == [False] * 28


def test_a_calendar_with_no_schedules_counts_weekends_only():
    cal = WorkingCalendar([])
    assert [cal.is_working_day(D("2026-10-01") + i * ONE_DAY) for i in range(7)] == [
        True,  # Thu
        True,  # Fri
        False,  # Sat
        False,  # Sun
        True,  # Mon
        True,  # Tue
        True,  # Wed
    ]
    assert cal.special_day(D("2026-10-01")) is None
    assert cal.working_days_between(D("2026-10-01"), D("2026-10-31")) == 21


def test_holidays_and_makeup_days_given_out_of_order_are_indexed_in_date_order():
    later = YearSchedule(2026, holidays={D("2026-10-02"): "国庆节", D("2026-10-01"): "国庆节"})
    earlier = YearSchedule(2025, makeup_working_days={D("2025-10-11"): "国庆节"}, holidays={D("2025-10-01"): "国庆节"})
    cal = WorkingCalendar([later, earlier])
    between = cal.special_days_between(D("2025-01-01"), D("2026-12-31"))
    assert [s.date for s in between] == [D("2025-10-01"), D("2025-10-11"), D("2026-10-01"), D("2026-10-02")]
    assert [s.kind for s in between] == [DayKind.HOLIDAY, DayKind.MAKEUP_WORKING_DAY, DayKind.HOLIDAY, DayKind.HOLIDAY]
    assert cal.is_working_day(D("2025-10-11")) and not cal.is_working_day(D("2025-10-01"))
    assert cal.special_days_between(D("2025-10-02"), D("2025-10-10")) == []


def test_the_later_of_two_schedules_for_a_year_replaces_the_earlier():
    cal = WorkingCalendar(
        [YearSchedule(2026, holidays={D("2026-11-25"): "甲"}), YearSchedule(2026, holidays={D("2026-11-26"): "乙"})]
    )
    assert cal.is_working_day(D("2026-11-25")) and not cal.is_working_day(D("2026-11-26"))
    assert cal.special_day(D("2026-11-26")).name == "乙"
    assert cal.special_day(D("2026-11-25")) is None


def test_the_default_calendar_is_built_once_from_the_seed():
    assert default_calendar() is default_calendar()
    assert default_calendar().revision == "seed"
    assert calendar_module._default is default_calendar()


# -- the seed: the State Council's published schedules -------------------------------------


def test_the_seed_holds_the_years_2004_to_2026_each_with_its_source():
    schedules = seed_schedules()
    assert sorted(schedules) == list(range(2004, 2027))
    for year, schedule in schedules.items():
        assert schedule.year == year
        assert schedule.source == "chinesecalendar（国务院办公厅放假安排通知）"
        assert all(d.year == year for d in schedule.holidays)
        assert all(d.year == year for d in schedule.makeup_working_days)
        assert schedule.holidays and all(isinstance(n, str) and n for n in schedule.holidays.values())


@pytest.mark.parametrize(
    ("day", "name", "kind"),
    [
        ("2026-01-01", "元旦", DayKind.HOLIDAY),
        ("2026-01-04", "元旦", DayKind.MAKEUP_WORKING_DAY),
        ("2026-02-17", "春节", DayKind.HOLIDAY),
        ("2026-02-28", "春节", DayKind.MAKEUP_WORKING_DAY),
        ("2026-04-05", "清明节", DayKind.HOLIDAY),
        ("2026-05-01", "劳动节", DayKind.HOLIDAY),
        ("2026-05-09", "劳动节", DayKind.MAKEUP_WORKING_DAY),
        ("2026-06-19", "端午节", DayKind.HOLIDAY),
        ("2026-09-25", "中秋节", DayKind.HOLIDAY),
        ("2026-10-07", "国庆节", DayKind.HOLIDAY),
        ("2026-09-20", "国庆节", DayKind.MAKEUP_WORKING_DAY),
        ("2025-10-06", "中秋节", DayKind.HOLIDAY),  # 2025: 中秋 fell inside the National Day week
        ("2015-09-03", "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日", DayKind.HOLIDAY),
    ],
)
def test_the_seed_names_the_festivals_in_chinese(cal, day, name, kind):
    special = cal.special_day(D(day))
    assert (special.date, special.name, special.kind) == (D(day), name, kind)


def test_the_2025_and_2026_schedules_are_those_the_state_council_published():
    # Reviewed day by day against 国办发明电〔2024〕12号 and 国办发明电〔2025〕7号.
    schedules = seed_schedules()
    check_golden(
        "seed_schedules",
        {str(y): [s.label for s in schedules[y].special_days()] for y in (2025, 2026)},
    )


# -- the views: special days, labels and the month ------------------------------------------


def test_a_special_day_is_labelled_with_its_date_its_festival_and_its_kind(cal):
    assert cal.special_day(D("2026-10-01")).label == "2026-10-01 国庆节（法定节假日）"
    assert cal.special_day(D("2026-10-10")).label == "2026-10-10 国庆节（调休上班日）"
    assert DAY_KIND_LABELS == {DayKind.HOLIDAY: "法定节假日", DayKind.MAKEUP_WORKING_DAY: "调休上班日"}
    assert (DayKind.HOLIDAY.value, DayKind.MAKEUP_WORKING_DAY.value) == ("holiday", "makeup_working_day")


def test_special_days_between_includes_both_ends(cal):
    week = cal.special_days_between(D("2026-10-01"), D("2026-10-07"))
    assert [s.date.day for s in week] == [1, 2, 3, 4, 5, 6, 7]
    assert [s.date.day for s in cal.special_days_between(D("2026-10-02"), D("2026-10-06"))] == [2, 3, 4, 5, 6]
    assert cal.special_days_between(D("2026-10-08"), D("2026-10-09")) == []


def test_unpublished_years_between_takes_the_dates_in_either_order(cal):
    assert cal.unpublished_years_between(D("2029-03-01"), D("2026-03-01")) == [2027, 2028, 2029]
    assert cal.unpublished_years_between(D("2026-03-01"), D("2029-03-01")) == [2027, 2028, 2029]
    assert cal.unpublished_years_between(D("2027-03-01"), D("2027-04-01")) == [2027]
    assert cal.unpublished_years_between(D("2025-03-01"), D("2026-04-01")) == []


def _month_row(d: CalendarDay) -> str:
    return f"{d.date.day}:{d.label}{'（暂定）' if d.provisional else ''}"


def test_a_published_month_is_exact_and_its_days_are_labelled(cal):
    october = cal.month(2026, 10)
    assert [d.date for d in october] == [D("2026-10-01") + i * ONE_DAY for i in range(31)]
    assert not any(d.provisional for d in october)
    assert [_month_row(d) for d in october[:12]] == [
        "1:国庆节放假",
        "2:国庆节放假",
        "3:国庆节放假",
        "4:国庆节放假",
        "5:国庆节放假",
        "6:国庆节放假",
        "7:国庆节放假",
        "8:工作日",
        "9:工作日",
        "10:国庆节调休上班",
        "11:休息日",
        "12:工作日",
    ]
    assert [d.working for d in october[6:12]] == [False, True, True, True, False, True]
    assert october[9].special == SpecialDay(D("2026-10-10"), DayKind.MAKEUP_WORKING_DAY, "国庆节")
    assert october[7].special is None


def test_an_unpublished_month_is_provisional_and_counted_on_weekends(cal):
    january = cal.month(2027, 1)
    assert len(january) == 31 and january[0].date == D("2027-01-01") and january[-1].date == D("2027-01-31")
    assert all(d.provisional for d in january)
    assert [_month_row(d) for d in january[:3]] == ["1:工作日（暂定）", "2:休息日（暂定）", "3:休息日（暂定）"]


def test_a_month_has_its_own_days_only(cal):
    assert [len(cal.month(2026, m)) for m in (2, 4, 12)] == [28, 30, 31]
    assert len(cal.month(2024, 2)) == 29
    assert cal.month(2026, 12)[-1].date == D("2026-12-31")


def test_a_calendar_built_from_one_schedule_counts_to_its_ends_and_over_makeup_days():
    # Built here, not taken from the session fixture, so that a mutant of the constructor meets it.
    cal = WorkingCalendar([YearSchedule(2026, makeup_working_days={D("2026-10-10"): "国庆节"})])
    assert cal.add_working_days(D("2026-10-10"), -1) == D("2026-10-09")
    assert cal.add_working_days(D("2026-10-10"), 1) == D("2026-10-12")
    assert cal.add_working_days(D("2026-10-11"), -1) == D("2026-10-10")
    assert cal.working_days_between(D("2026-10-09"), D("2026-10-12")) == 2
    assert cal.add_working_days(D("2100-12-30"), 1) == D("2100-12-31")
    with pytest.raises(CalendarRangeError):
        cal.add_working_days(D("2100-12-31"), 1)
    with pytest.raises(CalendarRangeError):
        cal.add_working_days(D("1990-01-01"), -1)
    with pytest.raises(CalendarRangeError):
        cal.is_working_day(D("2101-01-01"))
