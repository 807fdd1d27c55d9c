"""The public rulebook pages in a real browser: browse, search, compute a deadline, read the calendar."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-results"


def compute(page: Page, rule_id: str, start: str, time: str | None = None) -> None:
    """Fill the calculator on the current page and submit it (htmx swaps the result in)."""
    calculator = page.locator("#calculator")
    calculator.locator("#calc-rule").select_option(rule_id)
    calculator.locator("#calc-start").fill(start)
    if time is not None:
        calculator.locator("#calc-time").fill(time)
    calculator.get_by_role("button", name="计算").click()


@pytest.mark.rule("countersign.reply")
def test_clerk_computes_countersign_deadline_across_national_day(page: Page):
    page.goto("/rules/")
    rule = page.locator("article.rule[id='countersign.reply']")
    expect(rule).to_be_visible()
    expect(rule.locator("blockquote.clause")).to_contain_text("逾期不回复视为无不同意见")

    compute(page, "countersign.reply", "2026-09-30")

    result = page.locator("#calc-result")
    due = result.locator(".due")
    expect(due).to_be_visible()
    expect(due).to_have_attribute("data-due", "2026-10-10")
    # htmx swapped the result into the page; the browser did not navigate to /rules/calculate/.
    assert page.url.endswith("/rules/")
    expect(result.locator(".cite")).to_contain_text("第五十条")
    expect(result.locator(".provisional")).to_have_count(0)

    holidays = result.locator("li[data-step='holiday']")
    expect(holidays).to_have_count(7)  # 2026-10-01 … 2026-10-07
    for text in holidays.all_inner_texts():
        assert "国庆节" in text
    expect(holidays.first).to_contain_text("2026-10-01")
    makeup = result.locator("li[data-step='makeup_working_day']")
    expect(makeup).to_have_count(1)
    expect(makeup).to_contain_text("2026-10-10")
    expect(makeup).to_contain_text("国庆节")

    steps = result.locator("li[data-step]")
    names = [steps.nth(i).get_attribute("data-step") for i in range(steps.count())]
    assert names[0] == "rule"
    assert names[-1] == "result"
    assert {"citation", "anchor", "convention", "count"} <= set(names)


@pytest.mark.rule("minutes.issue")
def test_minutes_issued_at_year_end_are_provisional_while_next_year_is_unpublished(page: Page):
    page.goto("/rules/")
    compute(page, "minutes.issue", "2026-12-30")

    result = page.locator("#calc-result")
    expect(result.locator(".due")).to_have_attribute("data-due", "2027-01-04")
    warning = result.locator("p.provisional")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("2027")
    expect(result.locator("li[data-step='provisional']")).to_have_count(1)


def test_browser_refuses_to_submit_calculator_without_a_date(page: Page):
    page.goto("/rules/")
    start = page.locator("#calc-start")
    start.fill("")
    page.locator("#calculator").get_by_role("button", name="计算").click()

    assert start.evaluate("el => el.validity.valueMissing")
    expect(page.locator("#calc-result")).to_be_empty()
    assert page.url.endswith("/rules/")


@pytest.mark.parametrize("bad_start", ["", "2026-02-30", "明天"], ids=["empty", "no-such-day", "words"])
def test_calculator_explains_an_invalid_date_in_chinese(page: Page, bad_start: str):
    page.goto("/rules/")
    # Bypass the browser's own date validation, as a client without HTML5 forms would.
    page.locator("#calc-start").evaluate(
        "(el, value) => { el.removeAttribute('required'); el.type = 'text'; el.value = value; }", bad_start
    )
    page.locator("#calculator").get_by_role("button", name="计算").click()

    error = page.locator("#calc-result p.error[role='alert']")
    expect(error).to_be_visible()
    expect(error).to_contain_text("请填写正确的日期")
    expect(page.locator("#calc-result .due")).to_have_count(0)


@pytest.mark.rule("meeting.citywide-duration")
def test_hour_rule_without_a_start_time_asks_for_the_time(page: Page):
    page.goto("/rules/")
    compute(page, "meeting.citywide-duration", "2026-03-02")

    error = page.locator("#calc-result p.error[role='alert']")
    expect(error).to_be_visible()
    expect(error).to_contain_text("小时")
    expect(page.locator("#calc-result .due")).to_have_count(0)

    # With the time given, the same rule computes.
    page.locator("#calc-time").fill("09:00")
    page.locator("#calculator").get_by_role("button", name="计算").click()
    expect(page.locator("#calc-result .due")).to_have_attribute("data-due", "2026-03-02")
    expect(page.locator("#calc-result .error")).to_have_count(0)


def test_searching_710_lists_the_supervision_rules_only(page: Page):
    page.goto("/rules/")
    page.locator("input[name='q']").fill("710")
    page.get_by_role("button", name="筛选").click()

    expect(page).to_have_url(re.compile(r"/rules/\?.*q=710"))
    expect(page.locator("article.rule[id='supervision.ordinary']")).to_be_visible()
    expect(page.locator("article.rule[id='minutes.issue']")).to_have_count(0)
    expect(page.locator("input[name='q']")).to_have_value("710")


def test_calendar_marks_national_day_holidays_and_makeup_working_day(page: Page):
    page.goto("/rules/calendar/?month=2026-10")
    expect(page.locator("td[data-date='2026-10-01']")).to_have_class(re.compile(r"\bholiday\b"))
    expect(page.locator("td[data-date='2026-10-07']")).to_have_class(re.compile(r"\bholiday\b"))
    expect(page.locator("td[data-date='2026-10-10']")).to_have_class(re.compile(r"\bmakeup\b"))
    expect(page.locator("td[data-date='2026-10-12']")).not_to_have_class(re.compile(r"\b(holiday|makeup|rest)\b"))
    expect(page.locator("p.provisional")).to_have_count(0)


def test_calendar_warns_that_an_unpublished_year_is_provisional(page: Page):
    page.goto("/rules/calendar/?month=2027-03")
    expect(page.locator("td[data-date='2027-03-01']")).to_be_visible()
    warning = page.locator("p.provisional")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("2027")


def test_rule_detail_page_quotes_the_clause(page: Page):
    page.goto("/rules/")
    page.locator("article.rule[id='countersign.reply'] h3 a").click()
    expect(page).to_have_url(re.compile(r"/rules/countersign\.reply/$"))
    expect(page.locator("blockquote.clause").first).to_contain_text("逾期不回复视为无不同意见")


@pytest.mark.rule("countersign.reply")
def test_screenshot_of_rules_page_after_a_calculation_for_humans(page: Page):
    page.goto("/rules/")
    compute(page, "countersign.reply", "2026-09-30")
    expect(page.locator("#calc-result .due")).to_have_attribute("data-due", "2026-10-10")
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "rules-page.png"), full_page=False)
