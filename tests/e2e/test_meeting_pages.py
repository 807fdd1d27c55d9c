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
