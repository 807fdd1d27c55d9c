"""The meetings pages in a real browser, as department staff and as the office."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from cityhall.org.demo import DEMO_PASSWORD, load_demo

pytestmark = pytest.mark.e2e

MAYOR_NAME = "林望川"  # cityhall/org/demo.py
EXECUTIVE_VICE_MAYOR = "vice-mayor-1"


@pytest.fixture
def demo(transactional_db) -> None:
    load_demo()


def login(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("#login-form").get_by_role("button", name="登录").click()


@pytest.mark.rule("meeting.kinds", "meeting.executive", "meeting.executive-topics")
def test_department_staff_read_who_chairs_an_executive_meeting_and_where_the_rules_say_so(page: Page, demo):
    from cityhall.org.models import Holding

    evm = Holding.objects.get(position__code=EXECUTIVE_VICE_MAYOR, end__isnull=True).person.name
    login(page, "finance")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="会议").click()
    expect(page).to_have_url(re.compile(r"/meetings/$"))
    expect(page.locator("section.meeting-kind")).to_have_count(4)

    executive = page.locator("#kind-executive")
    expect(executive.get_by_role("heading")).to_contain_text("市政府常务会议")
    expect(executive.get_by_role("heading")).to_contain_text("第四十条")
    chair = executive.locator("tr[data-fact='chairs']")
    expect(chair).to_contain_text(f"市长：{MAYOR_NAME}")
    entrusted = executive.locator("tr[data-fact='entrusted_chairs']")
    expect(entrusted).to_contain_text("受市长委托召集和主持")
    expect(entrusted).to_contain_text(evm)
    entrusted.locator("summary").click()
    expect(entrusted.locator("details")).to_contain_text("由市长或由市长委托负责日常工作的副市长召集和主持")

    chain = executive.locator("tr[data-fact='topic_chain'] ol.chain li")
    expect(chain).to_have_text(["市政府办公室征集、汇总", "秘书长初核", "负责日常工作的副市长审核", "市长确定"])
    expect(executive.locator("tr[data-fact='frequency']")).to_contain_text("一般每周召开1次")
    expect(page.locator("#kind-business tr[data-fact='frequency']")).to_contain_text("不定期召开")


def switch_to(page: Page, username: str) -> None:
    page.context.clear_cookies()
    login(page, username)
    expect(page).to_have_url(re.compile(r"/$"))


def open_from_inbox(page: Page, title_part: str) -> None:
    row = page.locator("#inbox tr", has_text=title_part).first
    expect(row).to_be_visible()
    row.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/meetings/topics/\d+/$"))


def decide(page: Page, button: str, reason: str = "") -> None:
    if reason:
        page.locator("#reason").fill(reason)
    page.locator("#decide-form").get_by_role("button", name=button).click()


@pytest.mark.rule("meeting.executive-topics", "meeting.topic-approved", "meeting.materials-review")
def test_journey_1_fgw_applies_for_a_topic_it_is_returned_corrected_and_decided(page: Page, demo):
    matter = "关于2027年市级重大项目谋划储备的议题"
    # 发改委 fills in the 议题申报单.
    login(page, "fgw")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="会议").click()
    page.locator("#apply-topic").click()
    form = page.locator("#topic-form")
    form.get_by_label("会议类型").select_option("executive")
    form.get_by_label("议题名称").fill(matter)
    form.get_by_label("提请审议的依据和理由").fill("")
    form.get_by_label("征求意见单位1").select_option(label="抚顺市财政局")
    form.get_by_role("button", name="申报").click()
    # Nothing typed is lost on a refusal, and each problem is named in Chinese.
    expect(page.locator("#topic-form")).to_contain_text("请填写提请审议的依据和理由")
    expect(page.locator("#topic-form")).to_contain_text("请填写抚顺市财政局的意见")
    expect(page.get_by_label("议题名称")).to_have_value(matter)
    page.get_by_label("提请审议的依据和理由").fill("依据“十四五”规划，提请审议2027年重大项目储备清单。")
    page.get_by_label("单位1的意见").fill("同意，资金按年度预算安排。")
    page.locator("#topic-form").get_by_role("button", name="申报").click()
    expect(page.locator("#topic-state")).to_have_text("审核中")
    expect(page.locator("#chain li[data-step='office_collects']")).to_have_attribute("data-state", "current")
    expect(page.locator("#schedule-check")).to_contain_text("第四十三条第一款")
    topic_url = page.url

    # The office collects it; the secretary-general returns it with a reason.
    switch_to(page, "clerk")
    open_from_inbox(page, matter)
    decide(page, "同意")
    expect(page.locator("#chain li[data-step='office_collects']")).to_have_attribute("data-state", "done")
    switch_to(page, "sg")
    open_from_inbox(page, matter)
    decide(page, "退回修改")  # no reason: refused, and nothing happens
    expect(page.locator("[role='alert'], .alert-danger").first).to_contain_text("须写明理由")
    decide(page, "退回修改", "请补充市财政局对资金来源的意见。")
    expect(page.locator("#topic-state")).to_have_text("已退回修改")

    # 发改委 finds it in its inbox, corrects it and applies again.
    switch_to(page, "fgw")
    open_from_inbox(page, "退回修改")
    page.locator("#edit-topic").click()
    expect(page.locator("[role='status']").first).to_contain_text("请补充市财政局对资金来源的意见")
    page.get_by_label("提请审议的依据和理由").fill("依据“十四五”规划；资金来源为市级预算内投资。")
    page.locator("#topic-form").get_by_role("button", name="重新申报").click()
    expect(page.locator("#topic-basis")).to_contain_text("市级预算内投资")
    expect(page.locator("#chain li[data-step='office_collects']")).to_have_attribute("data-state", "current")

    # Through the chain again, to the mayor's decision.
    for username in ("clerk", "sg", "vm1"):
        switch_to(page, username)
        open_from_inbox(page, matter)
        decide(page, "同意")
    switch_to(page, "mayor")
    open_from_inbox(page, matter)
    decide(page, "确定上会")
    expect(page.locator("#topic-state")).to_have_text("已确定上会")
    # Decided, but the office has still to pre-review the materials (Art 43 ¶2).
    expect(page.locator("#schedule-check")).to_contain_text("会议材料尚未经市政府办公室前置审核")
    expect(page.locator("#schedule-check")).to_contain_text("第四十三条第二款")
    switch_to(page, "clerk")
    page.goto(topic_url)
    page.locator("#materials-note").fill("材料齐全，符合前置审核要求。")
    page.locator("#materials-form").get_by_role("button", name="材料前置审核通过").click()
    expect(page.locator("#materials-review")).to_contain_text("已前置审核")
    expect(page.locator("#schedule-check")).to_contain_text("可以安排")
    history = page.locator("#topic-history tbody tr")
    # 申报, the office's pass, the return, 重新申报, then the four passes of the chain.
    expect(history).to_have_count(8)
    expect(history.nth(2)).to_contain_text("退回修改")
    expect(history.nth(7)).to_contain_text("市长确定")
    assert page.url == topic_url


@pytest.mark.rule("meeting.topic-approved", "meeting.executive")
def test_the_office_schedules_an_executive_meeting_from_decided_topics_chaired_on_entrustment(page: Page, demo):
    from cityhall.meetings.demo import load_topics

    load_topics()
    login(page, "clerk")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="会议").click()
    page.locator("#schedule-meeting").click()
    form = page.locator("#meeting-form")
    decided = form.locator("#candidates tr", has_text="老旧小区改造计划")
    pending = form.locator("#candidates tr", has_text="重大项目谋划储备")
    expect(pending.locator("input[type=checkbox]")).to_be_disabled()
    expect(pending).to_contain_text("第四十三条第一款")
    expect(form.locator("#candidates tr", has_text="财政专项资金管理办法")).to_contain_text("第二十六条第一款")
    form.get_by_label("会议名称").fill("市政府第12次常务会议")
    form.get_by_role("button", name="安排会议").click()
    expect(page.locator("#meeting-form [role='alert']")).to_contain_text("请填写会议开始时间")
    expect(page.get_by_label("会议名称")).to_have_value("市政府第12次常务会议")  # kept
    page.get_by_label("开始时间").fill("2026-12-14T09:00")
    page.get_by_label("主持").select_option(label="常务副市长（受市长委托）")
    decided.locator("input[type=checkbox]").check()
    page.locator("#meeting-form").get_by_role("button", name="安排会议").click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+/$"))
    expect(page.locator("#meeting-chair")).to_contain_text("受市长委托")
    expect(page.locator("#meeting-chair")).to_contain_text("第四十条第一款")
    expect(page.locator("#agenda li")).to_have_text([re.compile("老旧小区改造计划")])
