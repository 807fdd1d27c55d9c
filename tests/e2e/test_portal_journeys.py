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


def local(day: str, hour: int = 10):  # type: ignore[no-untyped-def]
    import datetime as dt

    from cityhall.rules.deadlines import LOCAL_TZ

    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=LOCAL_TZ)


@pytest.mark.rule("disclosure.reply", "disclosure.third-party", "disclosure.reply-forms")
def test_journey_3_a_late_september_request_crosses_national_day_pauses_for_a_third_party_and_is_answered(
    page: Page, portal
):
    import time_machine

    # The whole process (the live server's thread included) lives on these days; tick keeps the clock moving.
    with time_machine.travel(local("2026-09-24"), tick=True) as clock:
        page.goto("/portal/apply/")
        page.locator("#name").fill("赵明远")
        page.locator("#id_number").fill("210402198801012345")
        page.locator("#phone").fill("13904136789")
        page.locator("#email").fill("zhao@example.cn")
        page.locator("#description").fill("新宾满族自治县永陵镇农村供水工程的立项批复及建设合同")
        page.locator("#delivery").select_option("email")
        assert axe_violations(page) == []
        page.locator("#apply-submit").click()
        code = page.locator("#query-code strong").inner_text()
        assert re.fullmatch(r"GK[A-Z0-9]{10}", code)
        expect(page.locator("#reply-due")).to_contain_text("2026年10月29日")
        trace = page.locator("#deadline-trace")
        expect(trace).to_contain_text("2026-10-01 国庆节（法定节假日），不计为工作日")
        expect(trace).to_contain_text("2026-10-10 国庆节（调休上班日），计为工作日")

        clock.move_to(local("2026-09-28"))
        login(page, "clerk")
        page.locator("#inbox tr", has_text=f"政府信息公开申请（{code}）").first.get_by_role("link").first.click()
        expect(page.locator("#full-id")).to_have_text("210402198801012345")  # the handler's page only
        page.locator("#third_party").fill("抚顺某供水工程有限公司")
        page.locator("#matter").fill("建设合同中的商业条款")
        page.locator("#sent_on").fill("2026-09-28")
        page.locator("#consult-submit").click()
        expect(page.locator("#disclosure-due")).to_contain_text("暂停计算")

        # Ten working days later the third party replies: the clock resumes with 19 working days left.
        clock.move_to(local("2026-10-16"))
        page.context.clear_cookies()
        login(page, "clerk")
        page.goto("/openness/disclosure/")
        expect(page.locator("#disclosure-table")).to_contain_text("210***********2345")  # masked in the list
        page.locator("#disclosure-table").get_by_role("link", name=code).click()
        page.locator("#replied_on").fill("2026-10-16")
        page.locator("#opinion").fill("同意公开，合同单价除外")
        page.locator("#consulted-submit").click()
        expect(page.locator("#disclosure-due")).to_contain_text("2026-11-12")
        expect(page.locator("#deadline-trace")).to_contain_text("2026-09-28（星期一）暂停计算")
        expect(page.locator("#deadline-trace")).to_contain_text("其间10个工作日不计入期限")
        page.locator("#outcome").select_option("partly")
        page.locator("#ground").fill("合同单价属于第三方商业秘密，依据《政府信息公开条例》第十五条不予公开")
        page.locator("#reply-submit").click()
        expect(page.locator("#disclosure-reply")).to_contain_text("抚政办依申请〔2026〕1号")

        page.context.clear_cookies()  # the citizen, with the code
        page.goto("/portal/status/")
        page.locator("#code").fill(code)
        page.locator("#phone_suffix").fill("0000")
        page.locator("#status-submit").click()
        expect(page.locator("#status-error")).to_contain_text("没有找到")
        expect(page.locator("#status-result")).to_have_count(0)
        page.locator("#code").fill(code)
        page.locator("#phone_suffix").fill("6789")
        page.locator("#status-submit").click()
        expect(page.locator("#status-state")).to_have_text("已答复")
        expect(page.locator("#status-letter")).to_contain_text("部分公开")
        expect(page.locator("#status-letter")).to_contain_text("合同单价属于第三方商业秘密")
        expect(page.locator("#status-result")).not_to_contain_text("210402")  # no identity number in public
        assert axe_violations(page) == []


@pytest.mark.rule("suggestion.handle", "suggestion.publish")
def test_journey_4_a_cppcc_proposal_assigned_to_education_is_answered_rated_and_published(page: Page, portal):
    login(page, "clerk")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="政务公开").click()
    page.get_by_role("link", name="建议提案").click()
    page.locator("#suggestion-new").click()
    page.locator("#kind").select_option("proposal")
    page.locator("#number").fill("市政协十三届五次会议第0188号")
    page.locator("#title").fill("关于加快城区中小学校舍改造的提案")
    page.locator("#proposer").fill("政协委员 吴清泉")
    page.locator("#body").fill("建议统筹资金，分批改造城区老旧校舍。")
    page.locator("#lead_unit").select_option(label="抚顺市教育局")
    page.locator("#suggestion-submit").click()
    expect(page.locator("#suggestion-state")).to_have_text("办理中")
    due = page.locator("#suggestion-due").inner_text()
    assert re.match(r"\d{4}-\d{2}-\d{2}", due)

    page.context.clear_cookies()
    login(page, "education")
    page.locator("#inbox tr", has_text="主办政协委员提案").first.get_by_role("link").first.click()
    page.locator("#text").fill("已将城区12所学校校舍改造列入2027年计划。")
    page.locator("#reply-submit").click()
    expect(page.locator(".alert-danger, [role=alert]").first).to_contain_text("答复前须与代表（委员）沟通")
    page.locator("#way").fill("当面座谈")
    page.locator("#note").fill("听取委员对改造顺序的意见")
    page.locator("#contact-submit").click()
    expect(page.locator("#contacts")).to_contain_text("当面座谈")
    page.locator("#text").fill("已将城区12所学校校舍改造列入2027年计划。")
    page.locator("#reply-submit").click()
    expect(page.locator("#suggestion-reply")).to_contain_text("提复〔")
    page.locator("#satisfaction").select_option("satisfied")
    page.locator("#rate-submit").click()
    expect(page.locator("#suggestion-state")).to_have_text("已公开办理结果")
    expect(page.locator("#suggestion-satisfaction")).to_contain_text("满意")

    page.context.clear_cookies()  # the public reads the result
    page.goto("/portal/search/?q=校舍改造")
    expect(page.locator("#search-results")).to_contain_text("关于政协委员提案市政协十三届五次会议第0188号")
    page.locator("#search-results").get_by_role("link").first.click()
    expect(page.locator("#item-body")).to_contain_text("列入2027年计划")


@pytest.mark.rule("petition.accept", "petition.handle", "petition.leader-reading")
def test_journey_5_a_letter_accepted_on_day_10_is_instructed_by_the_mayor_handled_and_read_by_the_petitioner(
    page: Page, portal
):
    import time_machine

    with time_machine.travel(local("2026-11-02"), tick=True) as clock:
        login(page, "clerk")
        page.goto("/openness/petitions/")
        page.locator("#petition-new").click()
        page.locator("#name").fill("周大山")
        page.locator("#phone").fill("13504132468")
        page.locator("#subject").fill("望花区某小区冬季供暖不热")
        page.locator("#body").fill("今冬室温一直不足16度，多次反映未解决。")
        page.locator("#petition-submit").click()
        expect(page.locator("#petition-state")).to_have_text("待决定是否受理")
        code = page.locator(".alert-success, [role=status]").first.inner_text().split("查询码 ")[1][:12]

        clock.move_to(local("2026-11-12"))  # day 10 of the 15
        page.context.clear_cookies()
        login(page, "clerk")
        page.locator("#inbox tr", has_text=f"信访事项（{code}）待决定是否受理").first.get_by_role("link").first.click()
        page.locator("#handling_unit").select_option(label="抚顺市住房和城乡建设局")
        page.locator("#important").check()
        page.locator("#reader").select_option(label="市长")
        page.locator("#decide-submit").click()
        expect(page.locator("#petition-state")).to_have_text("已受理，办理中")
        expect(page.locator("#petition-due")).to_contain_text("2027-01-11")  # 60 days from 11-12

        page.context.clear_cookies()
        login(page, "mayor")
        page.locator("#inbox tr", has_text="重要来信阅批").first.get_by_role("link").first.click()
        page.locator("#instruction").fill("请市住建局三日内上门核查，确保室温达标。")
        page.locator("#supervise").check()
        page.locator("#instruct-submit").click()
        expect(page.locator("#petition-instruction")).to_contain_text("已转督办")

        clock.move_to(local("2026-12-10"))
        page.context.clear_cookies()
        login(page, "housing")
        page.locator("#inbox tr", has_text=f"办理信访事项（{code}）").first.get_by_role("link").first.click()
        page.locator("#result").fill("已协调供热企业更换二次管网，经回访室温达到18度。")
        page.locator("#close-submit").click()
        expect(page.locator("#petition-state")).to_have_text("已办结")

        page.context.clear_cookies()
        page.goto("/portal/petition/status/")
        page.locator("#code").fill(code)
        page.locator("#phone_suffix").fill("2468")
        page.locator("#status-submit").click()
        expect(page.locator("#status-state")).to_have_text("已办结")
        expect(page.locator("#status-result-text")).to_contain_text("室温达到18度")
        assert axe_violations(page) == []


@pytest.mark.rule("services.catalogue", "opinion.response")
def test_the_public_reads_the_service_catalogue_and_a_major_emergencys_release_and_the_office_keeps_the_registers(
    page: Page, portal
):
    from cityhall.openness.demo import load_oversight

    load_oversight()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/portal/services/")
    section = page.get_by_role("region", name="建设工程规划许可")
    for label in ("设定依据", "实施主体", "办理流程", "收费标准", "办理时限", "办理结果", "监督方式"):
        expect(section).to_contain_text(label)
    assert no_sideways_scroll(page)
    assert axe_violations(page) == []
    page.goto("/portal/search/?q=" + "储罐起火")
    expect(page.locator("#search-results")).to_contain_text("情况通报")
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "finance")
    page.goto("/openness/registers/")
    expect(page.locator("#register-table")).to_contain_text("专项资金拨付滞后")
    expect(page.locator("#register-table")).not_to_contain_text("储罐起火")  # another unit's case
    expect(page.locator("#register-form")).to_have_count(0)  # only the office registers
