"""Rule tests: each computed date is checked against a worked example, named by citation.

The expected dates were counted by hand on the State Council's published
schedules (2025: 国办发明电〔2024〕12号; 2026: the 2026 notice), not produced by
the code under test.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cityhall.rules import NotComputable, WorkingCalendar, YearSchedule, compute_deadline, deadline, seed_schedules
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.rules.schema import Unit

D = dt.date.fromisoformat


def due(book, cal, rule_id: str, anchor: str):
    return deadline(rule_id, D(anchor), rulebook=book, calendar=cal)


def steps(result, kind: str) -> list[str]:
    return [s.date.isoformat() for s in result.trace if s.step == kind and s.date]


# -- Art 44 ¶3: minutes -----------------------------------------------------


@pytest.mark.parametrize(
    ("meeting", "expected"),
    [
        ("2026-11-25", "2026-11-30"),  # Wed → Mon: the weekend is skipped
        ("2026-11-27", "2026-12-02"),  # Fri → Wed
        ("2026-02-13", "2026-02-25"),  # Fri before Spring Festival: Sat 14 is a make-up day, 15–23 off
        ("2026-09-30", "2026-10-10"),  # before National Day: Oct 8, 9 and make-up Sat Oct 10
    ],
    ids=["44-3-weekday", "44-3-friday", "44-3-spring-festival", "44-3-national-day"],
)
@pytest.mark.rule("minutes.issue")
def test_minutes_are_due_three_working_days_after_the_meeting(book, cal, meeting, expected):
    result = due(book, cal, "minutes.issue", meeting)
    assert result.due == D(expected)
    assert result.provisional is False
    assert result.rule.citation.endswith("第四十四条第三款")


@pytest.mark.rule("minutes.issue")
def test_minutes_trace_lists_the_makeup_day_that_was_counted_and_holidays_skipped(book, cal):
    result = due(book, cal, "minutes.issue", "2026-02-13")
    assert steps(result, "makeup_working_day") == ["2026-02-14"]
    assert steps(result, "holiday") == [f"2026-02-{d}" for d in range(15, 24)]
    assert any("会议纪要原则上在会议结束后3个工作日内印发" in s.text for s in result.trace)


@pytest.mark.parametrize(("circulated", "expected"), [("2026-04-30", "2026-05-07")], ids=["44-3-labour-day"])
@pytest.mark.rule("minutes.amend")
def test_a_minutes_amendment_goes_to_the_chair_within_two_working_days(book, cal, circulated, expected):
    assert due(book, cal, "minutes.amend", circulated).due == D(expected)


@pytest.mark.rule("minutes.amend", "minutes.issue")
def test_44_3_the_amendment_clock_runs_from_the_draft_minutes_so_it_fits_the_issue_clock(book, cal):  # Art 44 ¶3
    # Anchored on the amendment request, an amendment asked for late would run past the 3-working-day
    # issue clock. Anchored on the circulation of the draft, on the day of the meeting or the next
    # working day, it always ends on or before the day the minutes are due, whatever the holidays.
    record = book.rule("minutes.amend").record
    assert record.anchor is not None and record.anchor.code == "draft_minutes_circulated"
    day = dt.date(2025, 1, 1)
    while day <= dt.date(2026, 12, 31):
        issue = due(book, cal, "minutes.issue", day.isoformat()).due
        for circulated in (day, cal.add_working_days(day, 1)):
            amend = due(book, cal, "minutes.amend", circulated.isoformat()).due
            assert amend <= issue, (day, circulated, amend, issue)
        day += dt.timedelta(days=1)


# -- Art 50 ¶2: countersign ---------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("2026-09-30", "2026-10-10"),  # National Day 2026: Oct 1–7 off, Sat Oct 10 worked
        ("2025-09-30", "2025-10-11"),  # National Day 2025: Oct 1–8 off, Sat Oct 11 worked
        ("2025-01-24", "2025-02-05"),  # Spring Festival 2025: Sun Jan 26 worked, Jan 28–Feb 4 off
        ("2026-10-10", "2026-10-14"),  # requested on a make-up Saturday: the day itself is not counted
        ("2026-10-03", "2026-10-10"),  # requested during the holiday: Oct 8, 9 and make-up Sat Oct 10
    ],
    ids=[
        "50-2-national-day-2026",
        "50-2-national-day-2025",
        "50-2-spring-festival-2025",
        "50-2-on-makeup-day",
        "50-2-during-holiday",
    ],
)
@pytest.mark.rule("countersign.reply")
def test_countersign_replies_are_due_three_working_days_after_the_request(book, cal, requested, expected):
    result = due(book, cal, "countersign.reply", requested)
    assert result.due == D(expected)
    assert "逾期不回复视为无不同意见" in result.rule.record.clause


@pytest.mark.rule("countersign.reply")
def test_countersign_on_the_eve_of_national_day_explains_each_day_passed(book, cal):
    result = due(book, cal, "countersign.reply", "2026-09-30")
    assert steps(result, "holiday") == [f"2026-10-0{d}" for d in range(1, 8)]
    assert steps(result, "makeup_working_day") == ["2026-10-10"]
    data = result.as_dict()
    assert data["rule"] == "countersign.reply" and data["version"] == 1
    assert "第五十条第二款" in data["citation"]
    assert data["convention"]["start_day_counted"] is False
    assert data["due"] == "2026-10-10" and data["provisional"] is False


# -- Art 62 ¶2: the 710 rule ------------------------------------------------------


@pytest.mark.parametrize(
    ("deployed", "expected"),
    [
        ("2026-11-25", "2026-12-01"),  # day 1 is the deployment day: Wed 25 … Tue Dec 1 is day 7
        ("2026-11-20", "2026-11-26"),
        ("2026-09-28", "2026-10-08"),  # day 7 is Oct 4, a holiday: moves to Thu Oct 8
        ("2026-11-22", "2026-11-30"),  # day 7 is Sat Nov 28: moves to Mon Nov 30
    ],
    ids=["62-2-weekday", "62-2-friday", "62-2-ends-in-holiday", "62-2-ends-on-weekend"],
)
@pytest.mark.rule("supervision.ordinary")
def test_ordinary_supervision_items_are_done_within_seven_days_counting_the_deployment_day(
    book, cal, deployed, expected
):
    result = due(book, cal, "supervision.ordinary", deployed)
    assert result.due == D(expected)
    assert result.convention["start_day_counted"] is True


@pytest.mark.parametrize(
    ("deployed", "expected", "provisional"),
    [
        ("2026-03-01", "2026-03-31", False),  # Mar 1 is day 1; the month ends Mar 31
        ("2026-01-15", "2026-02-14", False),  # ends Sat Feb 14, a make-up working day: no move
        ("2026-01-31", "2026-02-28", False),  # no Feb 31: the month's last day, Sat Feb 28, is worked
        ("2026-09-05", "2026-10-08", False),  # ends Oct 4 (holiday) → Thu Oct 8
        ("2028-01-31", "2028-02-29", True),  # leap year; 2028 not yet published
        ("2026-12-15", "2027-01-14", True),
    ],
    ids=[
        "62-2-month",
        "62-2-ends-on-makeup-day",
        "62-2-short-month",
        "62-2-month-ends-in-holiday",
        "62-2-leap-year",
        "62-2-into-unpublished-year",
    ],
)
@pytest.mark.rule("supervision.complex")
def test_complex_supervision_items_have_a_result_within_one_month_counting_the_deployment_day(
    book, cal, deployed, expected, provisional
):
    result = due(book, cal, "supervision.complex", deployed)
    assert result.due == D(expected)
    assert result.provisional is provisional


@pytest.mark.parametrize(
    ("deployed", "expected"),
    [("2026-03-01", "2026-12-31"), ("2026-12-31", "2026-12-31")],
    ids=["62-2-annual", "62-2-annual-last-day"],
)
@pytest.mark.rule("supervision.annual")
def test_items_set_at_the_start_of_the_year_are_cleared_by_the_year_end(book, cal, deployed, expected):
    assert due(book, cal, "supervision.annual", deployed).due == D(expected)


# -- Art 54: leave -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("departure", "latest"),
    [("2026-11-30", "2026-11-27"), ("2026-10-08", "2026-10-05")],  # a lead time never moves off a holiday
    ids=["54-2", "54-2-holiday-does-not-move"],
)
@pytest.mark.rule("leave.notice")
def test_leave_to_be_away_is_requested_three_days_before_departure(book, cal, departure, latest):
    result = due(book, cal, "leave.notice", departure)
    assert result.due == D(latest)
    assert result.is_latest_allowed
    assert result.as_dict()["due_meaning"] == "latest_allowed"


@pytest.mark.parametrize(("start", "latest"), [("2026-12-01", "2026-11-24")], ids=["54-3"])
@pytest.mark.rule("leave.annual-notice")
def test_annual_leave_is_requested_one_week_before(book, cal, start, latest):
    assert due(book, cal, "leave.annual-notice", start).due == D(latest)


# -- Art 55 ¶4: trip reports ---------------------------------------------------------


@pytest.mark.parametrize(
    ("returned", "expected"),
    [("2026-11-23", "2026-11-26"), ("2026-09-28", "2026-10-08")],  # Oct 1 is a holiday: moves to Oct 8
    ids=["55-4", "55-4-ends-in-holiday"],
)
@pytest.mark.rule("trip.return-report")
def test_a_trip_is_reported_in_writing_within_three_days_of_return(book, cal, returned, expected):
    assert due(book, cal, "trip.return-report", returned).due == D(expected)


@pytest.mark.parametrize(
    ("left", "returned", "required"),
    [("2026-11-23", "2026-11-25", True), ("2026-11-23", "2026-11-24", False), ("2026-11-23", "2026-11-23", False)],
    ids=["55-4-three-days-both-ends", "55-4-two-days", "55-4-same-day"],
)
@pytest.mark.rule("trip.return-report")
def test_only_trips_of_three_days_or_more_counting_both_ends_need_a_report(book, left, returned, required):
    from cityhall.rules.deadlines import inclusive_days

    minimum = book.rule("trip.return-report").record.params["min_trip_length"]
    assert (inclusive_days(D(left), D(returned)) >= minimum.value) is required


# -- Art 60: inspections -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "latest"),
    [("2026-10-09", "2026-09-24"), ("2026-11-30", "2026-11-23")],  # skips National Day and Mid-autumn
    ids=["60-plan-across-holidays", "60-plan"],
)
@pytest.mark.rule("inspection.plan-filing")
def test_an_inspection_plan_is_filed_by_the_fifth_working_day_before_it_starts(book, cal, start, latest):
    assert due(book, cal, "inspection.plan-filing", start).due == D(latest)


@pytest.mark.parametrize(("ended", "expected"), [("2026-09-20", "2026-10-23")], ids=["60-report"])
@pytest.mark.rule("inspection.report")
def test_an_inspection_report_is_filed_within_twenty_working_days_after_it_ends(book, cal, ended, expected):
    assert due(book, cal, "inspection.report", ended).due == D(expected)


# -- Art 45: meetings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meeting", "latest"),
    [("2026-03-10", "2026-02-20"), ("2027-01-05", "2026-12-20"), ("2026-03-31", "2026-02-20")],
    ids=["45-2-holiday-does-not-move", "45-2-across-year", "45-2-month-end"],
)
@pytest.mark.rule("meeting-plan.submission")
def test_meetings_in_the_governments_name_are_planned_by_the_twentieth_of_the_month_before(book, cal, meeting, latest):
    assert due(book, cal, "meeting-plan.submission", meeting).due == D(latest)


@pytest.mark.rule("meeting.citywide-duration")
def test_a_citywide_meeting_lasts_at_most_two_hours(book, cal):  # 45-1
    start = dt.datetime(2026, 11, 25, 9, 0, tzinfo=LOCAL_TZ)
    result = deadline("meeting.citywide-duration", start, rulebook=book, calendar=cal)
    assert result.due_at == dt.datetime(2026, 11, 25, 11, 0, tzinfo=LOCAL_TZ)
    with pytest.raises(NotComputable, match="小时"):
        due(book, cal, "meeting.citywide-duration", "2026-11-25")


# -- Art 56: emergencies, counted in minutes on the clock ------------------------------------


@pytest.mark.parametrize(
    ("reported", "escalates"),
    [
        (dt.datetime(2026, 12, 7, 9, 3), dt.datetime(2026, 12, 7, 9, 18)),
        # A holiday night: minutes run the same, nothing waits for a working day.
        (dt.datetime(2026, 10, 1, 23, 50), dt.datetime(2026, 10, 2, 0, 5)),
    ],
    ids=["56-minutes", "56-holiday-midnight"],
)
@pytest.mark.rule("emergency.acknowledge")
def test_an_unacknowledged_emergency_report_goes_up_after_fifteen_minutes(book, cal, reported, escalates):
    result = deadline("emergency.acknowledge", reported.replace(tzinfo=LOCAL_TZ), rulebook=book, calendar=cal)
    assert result.due_at == escalates.replace(tzinfo=LOCAL_TZ)
    assert result.due == escalates.date()
    texts = [s.text for s in result.trace]
    assert any("15分钟，至" in t for t in texts), texts
    assert any("自基准时刻起15分钟" in t for t in texts), texts
    with pytest.raises(NotComputable, match="以分钟计"):
        due(book, cal, "emergency.acknowledge", "2026-12-07")


@pytest.mark.rule("emergency.acknowledge")
def test_a_lead_time_in_minutes_counts_back_on_the_clock():
    from cityhall.rules.deadlines import _convention_text
    from cityhall.rules.schema import Direction, NonWorkingEnd, Period

    p = Period(
        value=30,
        unit=Unit.MINUTE,
        direction=Direction.BEFORE,
        start_day_counted=False,
        on_non_working_end=NonWorkingEnd.KEEP,
    )
    assert _convention_text(p) == "提前期限：应在基准时刻前30分钟或更早完成"
    with pytest.raises(ValueError, match="minutes"):
        Period(
            value=30,
            unit=Unit.MINUTE,
            direction=Direction.AFTER,
            start_day_counted=True,
            on_non_working_end=NonWorkingEnd.KEEP,
        )


@pytest.mark.parametrize(
    ("day", "end"),
    [("2026-03-15", "2026-06-30"), ("2026-07-01", "2026-12-31")],
    ids=["39-1-first-half", "39-1-second-half"],
)
@pytest.mark.rule("meeting.plenary-frequency")
def test_a_plenary_meeting_is_held_every_half_year(book, cal, day, end):
    assert due(book, cal, "meeting.plenary-frequency", day).due == D(end)


@pytest.mark.parametrize(
    ("day", "end"), [("2026-11-25", "2026-11-29"), ("2026-11-30", "2026-12-06")], ids=["40-2-wednesday", "40-2-monday"]
)
@pytest.mark.rule("meeting.executive-frequency")
def test_an_executive_meeting_is_held_every_week(book, cal, day, end):
    assert due(book, cal, "meeting.executive-frequency", day).due == D(end)


# -- National regulations referred to by the Work Rules -------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "anchor", "expected", "provisional"),
    [
        ("disclosure.reply", "2026-09-21", "2026-10-26", False),
        ("disclosure.extension", "2026-10-26", "2026-11-23", False),
        ("disclosure.third-party", "2026-12-20", "2027-01-08", True),
        ("petition.accept", "2026-09-20", "2026-10-08", False),
        ("petition.handle", "2026-08-01", "2026-09-30", False),
        ("petition.extension", "2026-09-30", "2026-10-30", False),
        ("suggestion.handle", "2026-07-04", "2026-10-08", False),
        ("suggestion.handle", "2023-11-30", "2024-02-29", False),
        ("suggestion.handle", "2025-11-30", "2026-02-28", False),
        ("suggestion.handle-complex", "2026-04-30", "2026-10-30", False),
    ],
    ids=[
        "disclosure-33-2",
        "disclosure-33-2-extension",
        "disclosure-32-third-party",
        "petition-25-accept",
        "petition-32-handle",
        "petition-32-extension",
        "32-2-ends-in-holiday",
        "32-2-leap-month-end",
        "32-2-ends-on-makeup-saturday",
        "32-2-complex",
    ],
)
@pytest.mark.rule(
    "disclosure.extension",
    "disclosure.reply",
    "disclosure.third-party",
    "petition.accept",
    "petition.extension",
    "petition.handle",
    "suggestion.handle",
    "suggestion.handle-complex",
)
def test_referenced_regulation_periods_are_counted_by_their_own_rules(
    book, cal, rule_id, anchor, expected, provisional
):
    result = due(book, cal, rule_id, anchor)
    assert result.due == D(expected)
    assert result.provisional is provisional


# -- the provisional path --------------------------------------------------------------------


@pytest.mark.rule("minutes.issue")
def test_a_deadline_in_an_unpublished_year_is_provisional_and_becomes_exact_once_loaded(book, cal):  # 44-3
    before = due(book, cal, "minutes.issue", "2026-12-30")
    assert before.due == D("2027-01-04")  # Dec 31, Jan 1 (a weekday, not yet known as a holiday), Jan 4
    assert before.provisional and before.provisional_years == (2027,)
    assert any(s.step == "provisional" for s in before.trace)

    # A hypothetical 2027 notice (test data only): Jan 1–3 off.
    schedules = seed_schedules()
    schedules[2027] = YearSchedule(
        2027, holidays={D("2027-01-01"): "元旦", D("2027-01-02"): "元旦", D("2027-01-03"): "元旦"}, source="test"
    )
    loaded = WorkingCalendar(schedules.values())
    after = due(book, loaded, "minutes.issue", "2026-12-30")
    assert after.due == D("2027-01-05")
    assert after.provisional is False
    assert steps(after, "holiday") == ["2027-01-01", "2027-01-02", "2027-01-03"]


@pytest.mark.rule("petition.handle")
def test_a_calendar_day_period_is_provisional_only_when_its_end_falls_in_an_unpublished_year(book, cal):
    assert due(book, cal, "petition.handle", "2026-10-01").provisional is False  # ends 2026-11-30
    assert due(book, cal, "petition.handle", "2026-12-01").provisional is True  # ends 2027-01-30


@pytest.mark.rule("leave.notice", "meeting.plenary-frequency")
def test_a_lead_time_or_frequency_rule_does_not_consult_the_calendar(book, cal):
    assert due(book, cal, "leave.notice", "2027-06-01").provisional is False
    assert due(book, cal, "meeting.plenary-frequency", "2027-06-01").provisional is False


@pytest.mark.rule("countersign.reply")
def test_a_datetime_anchor_counts_from_its_local_date(book, cal):
    late_evening_utc = dt.datetime(2026, 9, 29, 17, 30, tzinfo=dt.UTC)  # 01:30 on Sep 30 in Fushun
    result = deadline("countersign.reply", late_evening_utc, rulebook=book, calendar=cal)
    assert result.due == D("2026-10-10")


@pytest.mark.rule("minutes.issue")
def test_a_rule_is_applied_in_the_version_in_force_on_the_anchor_day(book, cal):
    from cityhall.rules import RuleNotInForce

    with pytest.raises(RuleNotInForce):
        due(book, cal, "minutes.issue", "2021-06-01")  # before the 2022 Work Rules were issued


def test_a_rule_without_a_period_cannot_be_computed(book, cal):
    with pytest.raises(NotComputable, match="不是期限类规则"):
        compute_deadline(book.rule("inspection.unannounced-share"), D("2026-11-25"), cal)


# -- a clock that does not count a pause (disclosure regulation art 33 ¶3) ---------------------


@pytest.mark.rule("disclosure.reply", "disclosure.third-party")
def test_33_3_a_third_party_consultation_pauses_the_reply_clock_and_the_days_left_run_on_after(book, cal):
    from cityhall.rules import resume_after_pause

    # Received on Tuesday 2026-09-15: 20 working days, with Sunday 9-20 and Saturday 10-10 worked and
    # 中秋 (9-25…27) and 国庆 (10-1…7) off → 10-19.
    reply = due(book, cal, "disclosure.reply", "2026-09-15")
    assert reply.due == D("2026-10-19")
    # Sent for the third party's views on 9-22 (6 working days used: 16, 17, 18, 20, 21, 22), back on 9-29.
    new_due, trace = resume_after_pause(reply.due, D("2026-09-22"), D("2026-09-29"), cal, what="征求第三方意见")
    assert new_due == D("2026-10-23")  # 14 left: 9-30; 10-8, 9, 10; 12–16; 19–23
    pause = trace[0]
    assert pause.step == "pause" and pause.data == {"from": "2026-09-22", "to": "2026-09-29", "working_days": 4}
    assert "征求第三方意见" in pause.text and "4个工作日不计入期限" in pause.text
    assert trace[1].data == {"working_days_left": 14}
    assert steps_of(trace, "holiday") == [f"2026-10-0{n}" for n in range(1, 8)]
    assert steps_of(trace, "makeup_working_day") == ["2026-10-10"]
    assert trace[-1].step == "result" and trace[-1].date == D("2026-10-23")


@pytest.mark.rule("disclosure.reply")
def test_33_3_a_pause_on_the_last_day_ends_on_the_day_it_resumes_and_a_pause_after_the_end_is_refused(cal):
    from cityhall.rules import resume_after_pause

    assert resume_after_pause(D("2026-11-16"), D("2026-11-16"), D("2026-11-30"), cal, what="x")[0] == D("2026-11-30")
    one_left, _ = resume_after_pause(D("2026-11-17"), D("2026-11-16"), D("2026-11-30"), cal, what="x")
    assert one_left == D("2026-12-01")
    with pytest.raises(NotComputable, match="不能早于"):
        resume_after_pause(D("2026-11-17"), D("2026-11-16"), D("2026-11-15"), cal, what="x")
    with pytest.raises(NotComputable, match="已于"):
        resume_after_pause(D("2026-11-17"), D("2026-11-18"), D("2026-11-20"), cal, what="x")


@pytest.mark.rule("disclosure.reply")
def test_33_3_a_resumed_clock_running_into_an_unpublished_year_is_provisional(cal):
    from cityhall.rules import resume_after_pause

    new_due, trace = resume_after_pause(D("2026-12-31"), D("2026-12-10"), D("2026-12-24"), cal, what="x")
    assert new_due > D("2026-12-31")
    assert any(s.step == "provisional" and s.data == {"years": [2027]} for s in trace)
    assert trace[-1].text.endswith("（暂定）")
    _, inside = resume_after_pause(D("2026-11-30"), D("2026-11-10"), D("2026-11-12"), cal, what="x")
    assert not any(s.step == "provisional" for s in inside) and not inside[-1].text.endswith("（暂定）")


def steps_of(trace, kind: str) -> list[str]:
    return [s.date.isoformat() for s in trace if s.step == kind and s.date]


def _rows(trace) -> list[tuple]:
    return [(s.step, s.text, s.date, s.data) for s in trace]


@pytest.mark.rule("disclosure.reply", "disclosure.third-party")
def test_33_3_the_resumed_clocks_trace_reads_in_full_naming_each_holiday_and_make_up_day(cal):
    from cityhall.rules import resume_after_pause

    holiday = {"kind": "holiday", "name": "国庆节"}
    new_due, trace = resume_after_pause(D("2026-10-19"), D("2026-09-22"), D("2026-09-29"), cal, what="征求第三方意见")
    assert new_due == D("2026-10-23")
    assert _rows(trace) == [
        (
            "pause",
            "征求第三方意见：2026-09-22（星期二）暂停计算，2026-09-29（星期二）恢复，其间4个工作日不计入期限",
            D("2026-09-22"),
            {"from": "2026-09-22", "to": "2026-09-29", "working_days": 4},
        ),
        (
            "count",
            "暂停时尚余14个工作日，自2026-09-29（星期二）次日起数第14个工作日，为2026-10-23（星期五）",
            D("2026-10-23"),
            {"working_days_left": 14},
        ),
        *[
            ("holiday", f"经过 2026-10-0{n} 国庆节（法定节假日），不计为工作日", D(f"2026-10-0{n}"), holiday)
            for n in range(1, 8)
        ],
        (
            "makeup_working_day",
            "经过 2026-10-10 国庆节（调休上班日），计为工作日",
            D("2026-10-10"),
            {"kind": "makeup_working_day", "name": "国庆节"},
        ),
        ("result", "结论：截止于2026-10-23（星期五）", D("2026-10-23"), {}),
    ]


@pytest.mark.rule("disclosure.reply")
def test_33_3_resuming_on_a_holiday_names_only_the_special_days_after_it(cal):
    from cityhall.rules import resume_after_pause

    # Left at the pause on 9-28: 31 working days to 11-16 (29, 30; 10-8, 9, 10; …); from 10-05 they end on 11-18.
    new_due, trace = resume_after_pause(D("2026-11-16"), D("2026-09-28"), D("2026-10-05"), cal, what="x")
    assert new_due == D("2026-11-18")
    assert [(s.step, s.date) for s in trace[2:-1]] == [
        ("holiday", D("2026-10-06")),
        ("holiday", D("2026-10-07")),
        ("makeup_working_day", D("2026-10-10")),
    ]
    # Resuming the next day over a holiday eve: 10-01 is named though it is the first day after the resumption.
    _, eve = resume_after_pause(D("2026-10-19"), D("2026-09-29"), D("2026-09-30"), cal, what="x")
    assert next(s.date for s in eve if s.step == "holiday") == D("2026-10-01")


@pytest.mark.rule("disclosure.reply")
def test_33_3_a_same_day_pause_and_the_last_day_and_the_provisional_year_read_exactly(cal):
    from cityhall.rules import resume_after_pause

    same, trace = resume_after_pause(D("2026-11-20"), D("2026-11-10"), D("2026-11-10"), cal, what="x")
    assert same == D("2026-11-20") and trace[0].data["working_days"] == 0
    last, trace = resume_after_pause(D("2026-11-16"), D("2026-11-16"), D("2026-11-30"), cal, what="x")
    assert last == D("2026-11-30")
    assert _rows(trace)[1] == (
        "count",
        "暂停时已是期限最后一日，恢复当日2026-11-30（星期一）届满",
        D("2026-11-30"),
        {"working_days_left": 0},
    )
    # The last day, resumed in an unpublished year: the day is the resumption's own, not counted on a calendar.
    _, into_2027 = resume_after_pause(D("2026-12-31"), D("2026-12-31"), D("2027-01-04"), cal, what="x")
    assert not any(s.step == "provisional" for s in into_2027)
    assert into_2027[-1].text == "结论：截止于2027-01-04（星期一）"
    _, provisional = resume_after_pause(D("2026-12-31"), D("2026-12-10"), D("2026-12-24"), cal, what="x")
    note = next(s for s in provisional if s.step == "provisional")
    assert note.text == "暂定（provisional）：2027年的放假调休安排尚未公布，暂按周末推算；管理员导入该年安排后自动重算"
    assert provisional[-1].text.startswith("结论：截止于2027-") and provisional[-1].text.endswith("（暂定）")
