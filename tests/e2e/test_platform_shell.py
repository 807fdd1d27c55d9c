"""The signed-in platform in a real browser: login, inbox, organisation, audit trail and language switch."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from cityhall.org.demo import DEMO_PASSWORD, load_demo
from cityhall.org.models import Position
from cityhall.org.services import absence_record
from cityhall.workflow.services import deadline_schedule, inbox_item_create

pytestmark = pytest.mark.e2e

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-results"
SHANGHAI = ZoneInfo("Asia/Shanghai")
ITEM_TITLE = "会签：关于进一步加强安全生产工作的意见（征求意见稿）"

# Demo people (cityhall/org/demo.py).
VM3_NAME = "宁致和"  # vice-mayor-3, absent in the journey
VM4_NAME = "苏映雪"  # vice-mayor-4, vm3's A/B partner
VM5_NAME = "贺长松"  # vice-mayor-5


@pytest.fixture
def demo(transactional_db) -> None:
    load_demo()


@pytest.fixture
def vm3_absent_with_overdue_item(demo) -> int:
    """Vice mayor 3 is away right now, and an overdue countersign item waits in vice-mayor-3's inbox."""
    now = timezone.now().astimezone(SHANGHAI)
    vm3 = Position.objects.get(code="vice-mayor-3")
    absence_record(
        actor=None,
        position=vm3,
        start=now - dt.timedelta(hours=2),
        end=now + dt.timedelta(days=2),
        reason="赴省参加会议",
    )
    deadline = deadline_schedule(
        actor=None,
        subject=None,
        subject_label=ITEM_TITLE,
        kind="test",
        rule_id="countersign.reply",
        anchor=dt.date(2025, 3, 3),
        assignee_position=vm3,
    )
    item = inbox_item_create(
        actor=None, title=ITEM_TITLE, kind="test", assignee_position=vm3, deadline=deadline, for_reading=True
    )
    return item.pk


def login(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("#login-form").get_by_role("button", name="登录").click()


def nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="主导航")


def test_acting_vice_mayor_completes_an_overdue_item_and_finds_it_on_org_and_audit_pages(
    page: Page, vm3_absent_with_overdue_item: int
):
    item_id = vm3_absent_with_overdue_item
    login(page, "vm4")
    expect(page).to_have_url(re.compile(r"/$"))

    # Inbox: the absent partner's item, marked 代 and overdue.
    expect(page.locator("main [role='status']")).to_contain_text("您今天代行")
    row = page.locator(f"#inbox tr[data-item='{item_id}']")
    expect(row).to_be_visible()
    expect(row).to_contain_text(ITEM_TITLE)
    expect(row.locator(".badge.acting")).to_have_text("代")
    expect(row).to_contain_text("已逾期")
    expect(row).to_have_attribute("data-colour", "red")
    expect(page.locator("#count-overdue")).to_have_text("1")

    row.get_by_role("button", name="已阅").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(f"#inbox tr[data-item='{item_id}']")).to_have_count(0)
    expect(page.locator("#inbox")).to_contain_text("没有待办事项")

    # 已办: done on behalf of the absent vice mayor.
    page.get_by_role("tablist").get_by_role("link", name="已办").click()
    expect(page).to_have_url(re.compile(r"\?state=done$"))
    done = page.locator(f"#inbox tr[data-item='{item_id}']")
    expect(done).to_be_visible()
    expect(done).to_contain_text(f"代{VM3_NAME}")
    expect(done.get_by_role("button", name="已阅")).to_have_count(0)

    # 组织与分工: vm4 acts for vice-mayor-3 today.
    nav(page).get_by_role("link", name="组织与分工").click()
    expect(page).to_have_url(re.compile(r"/org/$"))
    acting = page.locator("#acting-today")
    expect(acting).to_contain_text("代行")
    expect(acting).to_contain_text(VM4_NAME)
    expect(acting).to_contain_text(VM3_NAME)
    expect(page.locator("#absence-form")).to_have_count(0)  # a vice mayor does not record absences

    # 审计记录: vm4 sees their own completion, signed 代 vm3.
    nav(page).get_by_role("link", name="审计记录").click()
    expect(page).to_have_url(re.compile(r"/audit/$"))
    expect(page.locator("h1")).to_contain_text("仅显示您本人")
    complete = page.locator("#audit tr[data-event][data-action='inbox.complete']")
    expect(complete).to_have_count(1)
    expect(complete).to_contain_text(ITEM_TITLE)
    actor_cell = complete.locator("td").nth(1)
    expect(actor_cell).to_contain_text(VM4_NAME)
    expect(actor_cell).to_contain_text(f"代 {VM3_NAME}")
    # Events by others (the system creating the item) stay hidden from a vice mayor.
    expect(complete.locator(".action-name")).to_have_text("办结待办")
    expect(page.locator("#audit")).not_to_contain_text("inbox.complete")
    expect(page.locator("#audit tr[data-action='inbox.create']")).to_have_count(0)
    expect(page.get_by_role("button", name="校验哈希链")).to_have_count(0)


def test_five_wrong_passwords_lock_the_account_even_against_the_right_password(page: Page, demo):
    for _ in range(5):
        login(page, "vm5", "wrong-password")
        error = page.locator("#login-form p.error[role='alert']")
        expect(error).to_contain_text("用户名或密码不正确")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    login(page, "vm5")
    error = page.locator("#login-form p.error[role='alert']")
    expect(error).to_contain_text("锁定")
    expect(error).to_contain_text("连续5次登录失败")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    # Still anonymous: the signed-in navigation never appears.
    expect(nav(page).get_by_role("link", name="待办")).to_have_count(0)


@pytest.mark.parametrize("path", ["/org/", "/audit/"])
def test_anonymous_visitor_is_sent_to_the_login_page_and_back_after_signing_in(page: Page, demo, path: str):
    page.goto(path)
    expect(page).to_have_url(re.compile(rf"/accounts/login/\?next={re.escape(path)}$"))
    expect(page.locator("#id_username")).to_be_visible()
    expect(page.locator("#login-form input[name='next']")).to_have_value(path)

    # Signing in from there goes back to the page that was asked for.
    page.locator("#id_username").fill("clerk")
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("#login-form").get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(path)}$"))


def test_rulebook_stays_public_for_anonymous_visitors(page: Page):
    page.goto("/rules/")
    expect(page).to_have_url(re.compile(r"/rules/$"))
    expect(page.locator("article.rule[id='countersign.reply']")).to_be_visible()
    expect(nav(page).get_by_role("link", name="登录")).to_be_visible()


def test_clerk_records_an_absence_and_a_department_head_sees_no_form(page: Page, demo):
    start = (timezone.now().astimezone(SHANGHAI) + dt.timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    end = start.replace(hour=17, minute=30)
    login(page, "clerk")
    page.goto("/org/")
    form = page.locator("#absence-form")
    expect(form).to_be_visible()
    form.locator("#ab-position").select_option("vice-mayor-5")
    form.locator("#ab-start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    form.locator("#ab-end").fill(end.strftime("%Y-%m-%dT%H:%M"))
    form.locator("#ab-reason").fill("赴沈阳参加全省生态环境工作会议")
    form.get_by_role("button", name="登记").click()

    expect(page).to_have_url(re.compile(r"/org/$"))
    message = page.locator(".messages [role='status']")
    expect(message).to_contain_text(f"已登记 {VM5_NAME} {start:%m-%d %H:%M} 至 {end:%m-%d %H:%M} 外出")
    row = page.locator("#absences tbody tr").filter(has_text=VM5_NAME)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"{start:%Y-%m-%d %H:%M} — {end:%Y-%m-%d %H:%M}")
    expect(row).to_contain_text("赴沈阳参加全省生态环境工作会议")

    # A department head sees the organisation page but not the form.
    page.locator("header form").get_by_role("button", name="退出").click()
    login(page, "fgw")
    page.goto("/org/")
    expect(page.locator("#leaders tr[data-position='vice-mayor-5']")).to_be_visible()
    expect(page.locator("#absences")).to_contain_text(VM5_NAME)
    expect(page.locator("#absence-form")).to_have_count(0)
    expect(page.get_by_role("button", name="登记")).to_have_count(0)


def test_clerk_filters_the_audit_trail_and_verifies_the_hash_chain(page: Page, vm3_absent_with_overdue_item: int):
    login(page, "clerk")
    page.goto("/audit/")
    rows = page.locator("#audit tr[data-event]")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 2  # the absence and the inbox item (the office sees everyone's events)

    page.locator("#f-subject").fill("安全生产工作")
    page.locator("#audit-filter").get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"/audit/\?subject=.+"))
    expect(page.locator("#f-subject")).to_have_value("安全生产工作")
    # The deadline and the inbox item both carry the title; the absence does not.
    expect(rows).to_have_count(2)
    expect(rows.locator(".action-name")).to_have_text(["送达待办", "设定期限"])
    for i in range(2):
        expect(rows.nth(i)).to_contain_text(ITEM_TITLE)
    expect(page.locator("#audit tr[data-action='absence.record']")).to_have_count(0)

    page.get_by_role("button", name="校验哈希链").click()
    result = page.locator("#verify-result")
    expect(result).to_contain_text("审计链完整")
    # htmx swapped the report in; the page did not navigate to /audit/verify/.
    assert "/audit/verify/" not in page.url


def test_language_switch_turns_the_interface_english_and_back(page: Page, demo):
    login(page, "clerk")
    switch = page.locator("#switch-language")
    expect(switch).to_have_text("English")
    expect(nav(page).get_by_role("link", name="待办")).to_be_visible()

    switch.click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisation")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(switch).to_have_text("中文")

    switch.click()
    expect(nav(page).get_by_role("link", name="待办")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(switch).to_have_text("English")


def test_screenshots_of_inbox_org_and_audit_pages_for_humans(page: Page, vm3_absent_with_overdue_item: int):
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    login(page, "vm4")
    expect(page.locator(f"#inbox tr[data-item='{vm3_absent_with_overdue_item}'] .badge.acting")).to_be_visible()
    page.screenshot(path=str(SCREENSHOT_DIR / "inbox.png"), full_page=False)

    page.goto("/org/")
    expect(page.locator("#acting-today")).to_contain_text("代行")
    page.screenshot(path=str(SCREENSHOT_DIR / "org.png"), full_page=True)

    # The audit page as the General Office sees it: every event, the person filter, the chain check.
    page.locator("header form").get_by_role("button", name="退出").click()
    login(page, "clerk")
    page.goto("/audit/")
    page.get_by_role("button", name="校验哈希链").click()
    expect(page.locator("#verify-result")).to_contain_text("审计链完整")
    page.screenshot(path=str(SCREENSHOT_DIR / "audit.png"), full_page=False)
