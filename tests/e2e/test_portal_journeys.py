"""The public portal (Art 28–30) in a real browser: a citizen searches and reads a policy with its
interpretation; a department is refused publishing a policy without one, writes it, and publishes.
Each public page is checked with axe-core, and on a phone's width."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cityhall.openness.demo import load_openness
from cityhall.org.demo import load_demo

from .test_meeting_pages import login

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# The WCAG 2.1 A and AA rules; every violation found is printed with the page, and none is allowed.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def portal(transactional_db) -> None:
    from django.core.cache import cache

    cache.clear()  # the portal's page cache outlives one test's database
    load_demo()
    load_openness()


def axe_violations(page: Page) -> list[dict]:
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
    page.evaluate(AXE.read_text(encoding="utf-8") + ";0")
    result = page.evaluate(f"async () => (await axe.run(document, {{runOnly: {json.dumps(AXE_TAGS)}}})).violations")
    found = [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]} for v in result]
    print(f"axe {page.url}: {len(found)} violations {found}")
    return found


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.rule("disclosure.publish", "openness.interpretation")
def test_journey_1_a_citizen_searches_for_zhuanxiangzhai_and_reads_the_policy_and_its_interpretation(
    page: Page, portal
):
    page.goto("/portal/")
    assert axe_violations(page) == []
    page.get_by_role("search").get_by_label("全文检索").fill("专项债")
    page.get_by_role("search").get_by_role("button", name="搜索").click()
    expect(page).to_have_url(re.compile(r"/portal/search/\?q="))
    expect(page.locator("#search-count")).to_contain_text("共 2 条结果")
    first = page.locator("#search-results li").first
    expect(first).to_contain_text("关于下达2026年新增专项债券额度的通知")
    expect(first.locator("mark").first).to_have_text("专项债")
    expect(page.locator("#search-results")).to_contain_text("永陵镇")  # the body match, in its snippet
    assert axe_violations(page) == []
    first.get_by_role("link").first.click()
    expect(page.locator("#item-meta")).to_contain_text("抚财发〔2026〕12号")
    expect(page.locator("#item-meta")).to_contain_text("主动公开")
    interpretation = page.locator("#interpretation")
    for heading in ("背景依据", "目标任务", "主要内容", "涉及范围", "执行标准", "注意事项", "惠民利民举措"):
        expect(interpretation.get_by_role("heading", name=heading)).to_be_visible()
    expect(interpretation.locator("[data-chart=figures] svg")).to_be_visible()  # the chart is drawn
    assert axe_violations(page) == []
    # On a phone: the search, the results and the policy read without sideways scrolling.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/portal/search/?q=永陵镇")
    expect(page.locator("#search-count")).to_contain_text("共 1 条结果")
    assert no_sideways_scroll(page)
    page.goto("/portal/catalogue/?subject=finance")
    expect(page.locator("#catalogue")).to_contain_text("抚财发〔2026〕12号")
    assert no_sideways_scroll(page)
    assert axe_violations(page) == []
    # The draft waiting for its interpretation is nowhere on the portal.
    page.goto("/portal/search/?q=政府采购管理")
    expect(page.locator("#search-count")).to_contain_text("共 0 条结果")


@pytest.mark.rule("openness.interpretation")
def test_journey_2_a_department_is_refused_a_policy_without_interpretation_then_writes_it_and_publishes(
    page: Page, portal
):
    login(page, "finance")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="政务公开").click()
    page.locator("#publication-table").get_by_role("link", name="关于进一步加强政府采购管理的通知").click()
    expect(page.locator("#interpretation-missing")).to_contain_text("背景依据")
    page.locator("#publication-publish").click()
    refusal = page.locator(".alert-danger, [role=alert]").first
    expect(refusal).to_contain_text("须同时发布起草单位（抚顺市财政局）的政策解读")
    expect(refusal).to_contain_text("第三十条第二款")
    expect(page.locator("#publication-state")).to_have_text("待发布")

    texts = {
        "background": "依据《政府采购法》和省政府采购管理有关规定。",
        "goals": "规范政府采购行为，提高财政资金使用效益。",
        "main_content": "明确采购计划、意向公开和履约验收要求。",
        "scope": "全市各级预算单位。",
        "standards": "按年度集中采购目录和限额标准执行。",
        "notes": "",
        "benefits": "不涉及",
    }
    for name, text in texts.items():
        page.locator(f"#{name}").fill(text)
    page.locator("#interpretation-save").click()
    expect(page.locator(".alert-warning, [role=status]").first).to_contain_text("尚缺：注意事项")
    expect(page.locator("#background")).to_have_value(texts["background"])  # nothing typed is lost
    page.locator("#notes").fill("采购意向应提前30日公开。")
    page.locator("input[name=chart_label]").nth(0).fill("货物类")
    page.locator("input[name=chart_value]").nth(0).fill("1.2")
    page.locator("#interpretation-save").click()
    expect(page.locator("#interpretation-complete")).to_be_visible()
    page.locator("#publication-publish").click()
    expect(page.locator("#publication-state")).to_have_text("已发布")

    page.context.clear_cookies()  # as the public
    page.goto("/portal/search/?q=政府采购")
    expect(page.locator("#search-results")).to_contain_text("关于进一步加强政府采购管理的通知")
    page.locator("#search-results").get_by_role("link").first.click()
    expect(page.locator("#interpretation")).to_contain_text("采购意向应提前30日公开")
