"""Every deadline explains itself: whole results, trace and all, checked as data (issue 16).

``golden/deadline_traces.json`` holds each case's ``as_dict()``: the rule and its citation, the
convention, every step of the trace with its date, the holidays and make-up days passed, and the
exact ``due_at``. The cases are chosen for the edges: periods that end on a holiday, a weekend or a
make-up working day, anchors on holidays, months without the corresponding day, half-years and weeks
around their ends, UTC anchors, and conventions that only another city's rulebook would use. The
dates in the named tests below were counted by hand on the State Council's schedules.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cityhall.rules import compute_deadline, deadline
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.rules.schema import DayOfMonth, Period

from .golden import check_golden

D = dt.date.fromisoformat
UTC = dt.UTC
REPO = Path(__file__).resolve().parents[2]

# (rule, anchor): an ISO date, or an ISO datetime for the hour rules.
FUSHUN_CASES: list[tuple[str, str]] = [
    ("minutes.issue", "2026-02-13"),  # across the Spring Festival, with the make-up Saturday
    ("minutes.issue", "2026-11-27"),  # over a plain weekend
    ("minutes.amend", "2026-04-30"),  # across Labour Day
    ("countersign.reply", "2026-10-03"),  # requested on a holiday: the anchor day is not passed over
    ("countersign.reply", "2026-09-30"),
    ("supervision.ordinary", "2026-09-25"),  # 7 days counting the anchor: ends on 10-01, moves to 10-08
    ("supervision.ordinary", "2026-11-25"),  # ends on a Tuesday: no move
    ("supervision.ordinary", "2026-11-28"),  # ends on a Friday
    ("supervision.ordinary", "2026-11-22"),  # ends on Saturday 11-28: moves over the weekend
    ("supervision.complex", "2026-03-30"),  # 04-30 exists: ends the day before
    ("supervision.complex", "2026-01-28"),  # 02-28 exists: ends 02-27
    ("supervision.complex", "2026-01-31"),  # no 02-31: the month's last day
    ("supervision.complex", "2026-12-31"),  # into the next year
    ("supervision.annual", "2026-03-01"),
    ("trip.return-report", "2026-09-28"),  # ends on National Day: moves to 10-08
    ("trip.return-report", "2026-11-23"),
    ("suggestion.handle", "2025-11-30"),  # ends on the make-up Saturday 2026-02-28: stays
    ("suggestion.handle", "2023-11-30"),  # leap February
    ("suggestion.handle-complex", "2026-04-30"),
    ("petition.accept", "2026-09-20"),
    ("disclosure.third-party", "2026-12-20"),  # runs into 2027, whose schedule is not published
    ("inspection.plan-filing", "2026-10-09"),  # a lead time of working days, back over National Day
    ("inspection.report", "2026-09-20"),
    ("leave.notice", "2026-10-09"),  # a lead time of calendar days ending on a holiday: never moves
    ("leave.annual-notice", "2026-12-07"),  # a lead time of a week
    ("meeting-plan.submission", "2026-03-31"),  # the 20th of the month before
    ("meeting-plan.submission", "2027-01-05"),  # across the year
    ("meeting.plenary-frequency", "2026-06-30"),  # the last day of the first half
    ("meeting.plenary-frequency", "2026-07-01"),
    ("meeting.executive-frequency", "2026-11-29"),  # a Sunday closes its own week
    ("meeting.executive-frequency", "2026-11-30"),
    ("meeting.citywide-duration", "2026-11-25T09:00:00+08:00"),
    ("meeting.citywide-duration", "2026-11-25T01:00:00+00:00"),  # a UTC anchor
    ("meeting.citywide-duration", "2026-11-25T23:30:00+08:00"),  # past midnight
    ("meeting.citywide-duration", "2026-11-25T09:00:00"),  # a naive anchor is Fushun time, not the machine's
    ("minutes.issue", "2026-11-27T23:30:00"),  # naive, late on a Friday: still Friday in Fushun
    ("minutes.issue", "2026-11-27T20:00:00+00:00"),  # Friday evening in UTC is Saturday in Fushun
    ("disclosure.third-party", "2027-12-20"),  # two unpublished years, 2027 and 2028
]


def _anchor(text: str) -> dt.date | dt.datetime:
    return dt.datetime.fromisoformat(text) if "T" in text else D(text)


def with_period(book, rule_id: str, **changes: Any):
    """``rule_id`` with its period (or day of month) changed: the conventions another city's
    rulebook could use."""
    rule = book.rule(rule_id)
    name = rule.record.computes
    param = rule.record.params[name]
    assert isinstance(param, Period | DayOfMonth)
    params = {**rule.record.params, name: type(param).model_validate({**param.model_dump(), **changes})}
    return dataclasses.replace(rule, record=rule.record.model_copy(update={"params": params}))


# (case id, rule, period changes, anchor): periods the Fushun rules do not use, on Fushun's rules.
OTHER_CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("working-days-counting-the-anchor", "minutes.issue", {"start_day_counted": True}, "2026-02-13"),
    ("working-days-counting-a-holiday-anchor", "minutes.issue", {"start_day_counted": True}, "2026-10-01"),
    ("hours-before", "meeting.citywide-duration", {"direction": "before"}, "2026-11-25T01:00:00+08:00"),
    ("weeks-after", "trip.return-report", {"unit": "week", "value": 2}, "2026-09-17"),
    (
        "weeks-after-counting-the-anchor",
        "trip.return-report",
        {"unit": "week", "start_day_counted": True},
        "2026-09-24",
    ),
    ("days-after-kept-on-a-holiday", "trip.return-report", {"on_non_working_end": "keep"}, "2026-09-28"),
    ("months-before", "suggestion.handle", {"direction": "before", "on_non_working_end": "keep"}, "2026-03-31"),
    (
        "months-before-counting-the-anchor",
        "suggestion.handle",
        {"direction": "before", "on_non_working_end": "keep", "start_day_counted": True},
        "2026-05-15",
    ),
    ("half-year-after", "suggestion.handle", {"unit": "half_year", "value": 1}, "2026-08-31"),
    ("year-after", "suggestion.handle", {"unit": "year", "value": 1}, "2024-02-29"),
    ("days-before-counting-the-anchor", "leave.notice", {"start_day_counted": True}, "2026-10-09"),
    ("day-of-this-month", "meeting-plan.submission", {"month_offset": 0, "day": 31}, "2026-02-10"),
    ("day-of-next-month", "meeting-plan.submission", {"month_offset": 1}, "2026-12-31"),
    ("day-two-months-on", "meeting-plan.submission", {"month_offset": 2, "day": 30}, "2026-12-05"),
]


def _all_cases(book, cal) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for rule_id, anchor in FUSHUN_CASES:
        out[f"{rule_id}@{anchor}"] = deadline(rule_id, _anchor(anchor), rulebook=book, calendar=cal).as_dict()
    for case, rule_id, changes, anchor in OTHER_CASES:
        out[case] = compute_deadline(with_period(book, rule_id, **changes), _anchor(anchor), cal).as_dict()
    return out


@pytest.mark.rule(*sorted({rule_id for rule_id, _ in FUSHUN_CASES}))
def test_each_deadline_explains_itself_step_by_step(book, cal):
    check_golden("deadline_traces", _all_cases(book, cal))


@pytest.mark.rule(*sorted({rule_id for rule_id, _ in FUSHUN_CASES}))
def test_the_explanation_does_not_depend_on_the_machines_timezone(book, cal):
    # Django pins the process to Asia/Shanghai, which would hide code that reads the machine's
    # timezone: recompute every case in a process on New York time (with its DST) and no Django.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | {"TZ": "America/New_York"}
    code = (
        "import json, sys; sys.path.insert(0, 'tests'); "
        "from rules.test_deadline_traces import _all_cases; "
        "from cityhall.rules import load_rulebook, default_calendar; "
        "print(json.dumps(_all_cases(load_rulebook('fushun-2022'), default_calendar()), ensure_ascii=False))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=os.getcwd(), capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == json.loads(json.dumps(_all_cases(book, cal), ensure_ascii=False))


def due(book, cal, rule_id: str, anchor: str):
    return deadline(rule_id, _anchor(anchor), rulebook=book, calendar=cal)


@pytest.mark.parametrize(
    ("deployed", "expected"),
    [("2026-03-30", "2026-04-29"), ("2026-01-28", "2026-02-27"), ("2026-01-31", "2026-02-28")],
    ids=["62-2-april", "62-2-february", "62-2-no-corresponding-day"],
)
@pytest.mark.rule("supervision.complex")
def test_62_2_a_month_counted_from_deployment_ends_the_day_before_the_corresponding_day(book, cal, deployed, expected):
    # Art 62: the day of deployment is day 1, so a month from 03-30 is 03-30..04-29. With no 02-31,
    # the month from 01-31 ends on 02-28, the month's last day: a Saturday, but a make-up working day
    # of the 2026 Spring Festival, so it does not move.
    result = due(book, cal, "supervision.complex", deployed)
    assert result.due == D(expected)
    assert result.due_at == dt.datetime.combine(D(expected), dt.time(23, 59, 59), tzinfo=LOCAL_TZ)


@pytest.mark.parametrize(
    ("day", "end"), [("2026-06-15", "2026-06-30"), ("2026-06-30", "2026-06-30"), ("2026-12-31", "2026-12-31")]
)
@pytest.mark.rule("meeting.plenary-frequency")
def test_39_1_june_belongs_to_the_first_half_year(book, cal, day, end):
    assert due(book, cal, "meeting.plenary-frequency", day).due == D(end)


@pytest.mark.rule("meeting.citywide-duration")
def test_45_1_an_anchor_in_another_timezone_keeps_its_instant(book, cal):
    result = due(book, cal, "meeting.citywide-duration", "2026-11-25T01:00:00+00:00")
    assert result.due_at == dt.datetime(2026, 11, 25, 11, 0, tzinfo=LOCAL_TZ)
    assert result.due_at.utcoffset() == dt.timedelta(hours=8)
    naive = due(book, cal, "meeting.citywide-duration", "2026-11-25T09:00:00")  # naive: Fushun time
    assert naive.due_at == dt.datetime(2026, 11, 25, 11, 0, tzinfo=LOCAL_TZ)


@pytest.mark.rule("minutes.issue")
def test_44_3_a_day_rule_is_due_at_the_last_second_of_its_day_in_fushun(book, cal):
    result = due(book, cal, "minutes.issue", "2026-11-25")
    assert result.due_at == dt.datetime(2026, 11, 30, 23, 59, 59, tzinfo=LOCAL_TZ)
    assert result.due_at.astimezone(UTC) == dt.datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC)


@pytest.mark.rule("countersign.reply")
def test_50_2_a_request_made_on_a_holiday_does_not_list_that_day_as_passed(book, cal):
    result = due(book, cal, "countersign.reply", "2026-10-03")
    passed = [s.date for s in result.special_days]
    assert D("2026-10-03") not in passed
    # National Day 2026 is 10-01..10-07, with the make-up Saturday 10-10: the three working days
    # after 10-03 are 10-08, 09 and 10.
    assert passed == [D(f"2026-10-0{d}") for d in range(4, 8)] + [D("2026-10-10")]
    assert result.due == D("2026-10-10")


@pytest.mark.rule("inspection.unannounced-share")
def test_a_rule_that_is_not_a_deadline_is_refused_even_with_an_anchor_event(book, cal):
    from cityhall.rules import NotComputable
    from cityhall.rules.schema import Anchor

    rule = book.rule("inspection.unannounced-share")
    anchored = dataclasses.replace(
        rule, record=rule.record.model_copy(update={"anchor": Anchor(code="planned", label="计划")})
    )
    with pytest.raises(NotComputable, match="不是期限类规则"):
        compute_deadline(anchored, D("2026-11-25"), cal)
