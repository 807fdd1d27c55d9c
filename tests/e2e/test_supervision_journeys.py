"""Supervision journey 1 in a real browser: a meeting's three decisions on the ledger; one closed with
evidence, one sent back at closing, one overdue and escalated to the supervising vice mayor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cityhall.org.demo import load_demo

from .test_meeting_pages import login, switch_to
from .test_minutes_journeys import _meeting

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db) -> None:
    load_demo()


def _issued_with_three_decisions():  # type: ignore[no-untyped-def]
    from cityhall.meetings import minutes as m
    from cityhall.org.models import Person, Unit

    def person(code: str) -> Person:
        return Person.objects.get(holdings__position__code=code, holdings__end__isnull=True)

    clerk = person("office-clerk-1")
    started = timezone.now() - dt.timedelta(hours=4)
    meeting = _meeting("市政府第34次常务会议", started, "老旧小区改造")
    m.attendance_record(
        actor=clerk, meeting=meeting, rows=[m.AttendanceInput(a.pk, True) for a in meeting.attendance.all()]
    )
    fgw, finance = Unit.objects.get(code="fgw"), Unit.objects.get(code="finance")
    today = timezone.localdate()
    for text, due in (
        ("编制2027年老旧小区改造项目清单", today + dt.timedelta(days=5)),
        ("落实老旧小区改造中央预算内投资配套资金", today + dt.timedelta(days=20)),
        ("报送老旧小区改造年度进展情况", today + dt.timedelta(days=3)),
    ):
        d = m.decision_add(
            actor=clerk,
            meeting=meeting,
            form=m.DecisionInput(
                text=text,
                lead_unit=fgw,
                responsible="发改委主任",
                partner_units=[finance],
                due_date=due,
                agenda_item=meeting.agenda.first(),
            ),
        )
        m.stances_record(actor=clerk, decision=d, rows=[m.StanceInput(a.pk, "agree") for a in meeting.attendance.all()])
    minutes = m.meeting_end(actor=clerk, meeting=meeting, ended_at=started + dt.timedelta(hours=2))
    m.minutes_save(actor=clerk, minutes=minutes, body=m.draft_text(meeting))
    m.minutes_circulate(actor=clerk, minutes=minutes)
    m.minutes_sign(actor=person("mayor"), minutes=minutes)
    m.minutes_issue(actor=clerk, minutes=minutes)
    return meeting


@pytest.mark.rule("supervision.reporting", "supervision.ledger", "supervision.review", "supervision.escalation")
def test_journey_1_three_decisions_on_the_ledger_one_closed_one_sent_back_one_overdue(page: Page, demo, tmp_path):
    from cityhall.supervision.models import Item
    from cityhall.workflow.worker import run_once

    meeting = _issued_with_three_decisions()
    login(page, "clerk")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="督办").click()
    rows = page.locator("#ledger tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#ledger")).to_contain_text("会议议定事项")
    first = page.locator("#ledger tr", has_text="编制2027年老旧小区改造项目清单")
    expect(first).to_contain_text("发改委主任")
    first.get_by_role("link").click()
    expect(page.locator("#item-origin")).to_contain_text("市政府第34次常务会议第1项决定")
    expect(page.locator("#item-due")).to_contain_text("第六十二条第二款")

    # 发改委 reports the first done: without evidence it is refused, with evidence it goes to the office.
    switch_to(page, "fgw")
    page.locator("#inbox tr", has_text="督办通知｜编制2027年老旧小区改造项目清单").first.get_by_role(
        "link"
    ).first.click()
    page.locator("#text").fill("项目清单已编制完成，共42个小区。")
    page.locator("#complete").click()
    expect(page.locator(".alert-danger, [role='alert']").first).to_contain_text("须附证明材料")
    expect(page.locator(".alert-danger, [role='alert']").first).to_contain_text("第六十二条第一款")
    expect(page.locator("#text")).to_have_value("项目清单已编制完成，共42个小区。")  # kept
    proof = tmp_path / "项目清单.pdf"
    proof.write_bytes(b"%PDF-1.4 list")
    page.locator("#evidence").set_input_files(str(proof))
    page.locator("#complete").click()
    expect(page.locator("#item-state")).to_have_text("已报办结，待复核")
    page.goto(f"/supervision/{Item.objects.get(task__startswith='落实').pk}/")
    page.locator("#text").fill("配套资金已落实。")
    page.locator("#evidence").set_input_files(str(proof))
    page.locator("#complete").click()

    # The office closes the first and sends the second back for missing evidence.
    switch_to(page, "clerk")
    page.locator("#inbox tr", has_text="复核销号｜编制2027年老旧小区改造项目清单").first.get_by_role(
        "link"
    ).first.click()
    page.locator("#review-form").get_by_role("button", name="复核通过，销号").click()
    expect(page.locator("#item-state")).to_have_text("已销号")
    page.goto("/")
    page.locator("#inbox tr", has_text="复核销号｜落实老旧小区改造").first.get_by_role("link").first.click()
    page.locator("#reason").fill("证明材料不足：缺少资金拨付凭证")
    page.locator("#review-form").get_by_role("button", name="退回继续办理").click()
    expect(page.locator("#item-state")).to_have_text("办理中")
    expect(page.locator("#history tr[data-event='returned']")).to_contain_text("缺少资金拨付凭证")
    switch_to(page, "fgw")
    expect(page.locator("#inbox tr", has_text="复核退回，继续办理｜落实老旧小区改造")).to_be_visible()

    # The third passes its deadline: it goes to the supervising vice mayor, red, and onto the office's list.
    third = Item.objects.get(task__startswith="报送")
    run_once(now=third.deadline.due_at + dt.timedelta(minutes=1))
    switch_to(page, "vm1")
    escalated = page.locator("#inbox tr", has_text="逾期督办事项（请协调）｜报送老旧小区改造年度进展情况")
    expect(escalated).to_be_visible()
    escalated.get_by_role("link").first.click()
    expect(page.locator("#history tr[data-event='escalated']")).to_contain_text("常务副市长")
    # 如有必要 the executive vice mayor, who supervises 发改委 here, passes it on to the mayor (Art 8(3)).
    page.locator("#escalate-reason").fill("涉及多部门资金统筹")
    page.locator("#escalate-form").get_by_role("button", name="报请协调").click()
    expect(page.locator("#history")).to_contain_text("报市长协调：涉及多部门资金统筹")
    expect(page.locator("#escalate-form")).to_have_count(0)
    switch_to(page, "mayor")
    expect(page.locator("#inbox tr", has_text="逾期督办事项（报请协调）｜报送老旧小区改造年度进展情况")).to_be_visible()
    switch_to(page, "clerk")
    expect(page.locator("#inbox tr", has_text="逾期督办事项｜报送老旧小区改造年度进展情况")).to_be_visible()
    assert meeting.decisions.count() == 3


@pytest.mark.rule("supervision.reporting", "documents.clear-opinion")
def test_journey_2_a_leaders_instruction_becomes_a_ledger_item_in_one_step_and_closes(page: Page, demo, tmp_path):
    from cityhall.documents.demo import load_documents

    load_documents()
    login(page, "vm5")
    page.locator("#inbox tr", has_text="关于抚顺县农村饮水安全巩固提升工程的请示").first.get_by_role(
        "link"
    ).first.click()
    form = page.locator("#instruct-form")
    form.get_by_label("意见（须明确，第四十九条）").select_option("批示")
    form.locator("#a-text").fill("请发改委牵头落实，抓紧推进工程前期工作。")
    form.locator("#supervise summary").click()
    form.get_by_label("同时列入督查督办台账").check()
    form.get_by_label("牵头单位").select_option(label="抚顺市发展和改革委员会")
    form.get_by_label("责任人").fill("发改委分管副主任")
    form.get_by_role("button", name="签署意见").click()
    link = page.locator("#supervision-link")
    expect(link).to_contain_text("已转督办")
    expect(link).to_contain_text("市发展改革委牵头")

    switch_to(page, "fgw")
    page.locator("#inbox tr", has_text="督办通知｜关于抚顺县农村饮水安全巩固提升工程的请示").first.get_by_role(
        "link"
    ).first.click()
    expect(page.locator("#item-facts")).to_contain_text("领导批示件")
    expect(page.locator("#item-origin")).to_contain_text("关于抚顺县农村饮水安全巩固提升工程的请示")
    page.locator("#text").fill("已会同水务局完成工程初步设计。")
    page.locator("#report-form").get_by_role("button", name="报告进展").click()
    expect(page.locator("#history tr[data-event='progress']")).to_contain_text("完成工程初步设计")
    proof = tmp_path / "初步设计批复.pdf"
    proof.write_bytes(b"%PDF-1.4 approval")
    page.locator("#text").fill("前期工作已完成，初步设计已批复。")
    page.locator("#evidence").set_input_files(str(proof))
    page.locator("#complete").click()
    switch_to(page, "clerk")
    page.locator("#inbox tr", has_text="复核销号｜关于抚顺县农村饮水安全巩固提升工程的请示").first.get_by_role(
        "link"
    ).first.click()
    page.locator("#review-form").get_by_role("button", name="复核通过，销号").click()
    expect(page.locator("#item-state")).to_have_text("已销号")
    expect(page.locator("#history")).to_contain_text("初步设计批复.pdf")


@pytest.mark.rule("supervision.annual", "supervision.ordinary", "supervision.review")
def test_journey_6_the_mayor_opens_the_dashboard_and_prints_the_supervision_report(page: Page, demo):
    from cityhall.org.models import Person, Unit
    from cityhall.supervision.services import ItemForm, item_create

    clerk = Person.objects.get(holdings__position__code="office-clerk-1", holdings__end__isnull=True)
    today = timezone.localdate()
    for code, category, deployed in (
        ("housing", "ordinary", today - dt.timedelta(days=30)),  # overdue
        ("fgw", "annual", today.replace(month=1, day=5)),
        ("finance", "complex", today),
    ):
        item_create(
            actor=clerk,
            form=ItemForm("direct", f"{code}的督办事项", Unit.objects.get(code=code), "主要负责人", category, deployed),
        )
    login(page, "mayor")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="督办").click()
    page.locator("#dashboard-link").click()
    expect(page.locator("#total-overdue")).to_have_text("1")
    expect(page.locator("#countdown")).to_contain_text(f"{(today.replace(month=12, day=31) - today).days} 天")
    for kind in ("units", "sources", "rates", "categories", "year-end"):
        expect(page.locator(f"[data-chart='{kind}'] svg").first).to_be_attached()
    expect(page.locator("[data-chart='units']")).to_contain_text("市住房城乡建")  # the axis truncates long names
    expect(page.locator("#unit-table")).to_contain_text("市住房城乡建设局")
    # The report the executive meeting hears (Art 59): a PDF for the period.
    with page.expect_download() as download:
        page.locator("#print-report").click()
    path = download.value.path()
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages)
    assert "督查工作汇报" in text and "逾期 1 项" in text and "housing的督办事项" in text


@pytest.mark.rule("inspection.plan-filing", "inspection.report")
def test_journey_3_a_plan_filed_three_working_days_ahead_is_flagged_and_its_report_clock_runs(page: Page, demo):
    from cityhall.rulebase.selectors import rule_deadline, working_calendar

    today = timezone.localdate()
    starts = working_calendar().add_working_days(today, 3)
    login(page, "market-regulation")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="督办").click()
    page.locator("#inspections-link").click()
    page.locator("#inspection-new").click()
    form = page.locator("#inspection-form")
    form.get_by_label("督查检查考核事项").fill("全市特种设备安全专项督查")
    form.get_by_label("开展日期").fill(starts.isoformat())
    form.get_by_label("完成日期").fill(starts.isoformat())
    form.get_by_label("“四不两直”暗访").check()
    form.get_by_role("button", name="报送市政府办公室备案").click()
    expect(page.locator("#inspection-late")).to_have_text("方案逾期报送")
    expect(page.locator(".alert-warning, [role='status']").first).to_contain_text("第六十条")
    due = rule_deadline("inspection.report", starts).due
    expect(page.locator("#inspection-report-due")).to_contain_text(due.isoformat())
    page.goto("/")
    expect(page.locator("#inbox tr", has_text="报送督查检查考核情况报告｜全市特种设备安全专项督查")).to_be_visible()


@pytest.mark.rule("inspection.unplanned")
def test_journey_4_a_department_trying_to_send_an_inspection_notice_to_the_counties_is_refused(page: Page, demo):
    login(page, "market-regulation")
    page.goto("/supervision/inspections/new/")
    form = page.locator("#inspection-form")
    form.get_by_label("督查检查考核事项").fill("各县区食品安全督查")
    form.get_by_label("开展日期").fill("2027-01-18")
    form.get_by_label("完成日期").fill("2027-01-22")
    form.get_by_label("线索核查法").check()
    form.get_by_label("向各县（区）政府下发督查通知").check()
    form.get_by_role("button", name="报送市政府办公室备案").click()
    alert = page.locator("#inspection-form [role='alert']")
    expect(alert).to_contain_text("不得向各县（区）政府下发督查通知")
    expect(alert).to_contain_text("第六十一条第一款")
    expect(page.get_by_label("督查检查考核事项")).to_have_value("各县区食品安全督查")  # kept


@pytest.mark.rule("evaluation.performance")
def test_journey_5_the_office_runs_the_years_evaluation_views_the_ranking_and_issues_the_notice(
    page: Page, demo, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cityhall.org.models import Person, Unit
    from cityhall.supervision.services import ItemForm, completion_report, item_create, review

    def person(code: str) -> Person:
        return Person.objects.get(holdings__position__code=code, holdings__end__isnull=True)

    year = timezone.localdate().year
    for unit in ("fgw", "finance", "xinbin"):
        item = item_create(
            actor=person("office-clerk-1"),
            form=ItemForm(
                "direct", f"{unit}年度任务", Unit.objects.get(code=unit), "负责人", "ordinary", dt.date(year, 6, 1)
            ),
        )
        when = dt.datetime.combine(item.due_date, dt.time(10), tzinfo=timezone.get_current_timezone())
        completion_report(
            actor=person(f"head-{unit}"),
            item=item,
            text="完成",
            files=[SimpleUploadedFile("证明.pdf", b"%PDF-1.4", content_type="application/pdf")],
            at=when,
        )
        review(actor=person("office-clerk-1"), item=item, close=True, at=when)
    login(page, "clerk")
    page.goto("/supervision/")
    page.locator("#evaluation-link").click()
    page.locator("#compute-form").get_by_role("button").click()
    expect(page.locator("#evaluation-state")).to_have_text("已计算，待通报")
    departments = page.locator("#ranking-2 tbody tr")
    expect(departments).to_have_count(2)
    row = page.locator("#ranking-2 tr[data-unit='finance']")
    row.get_by_label("抚顺市财政局其他指标得分").fill("95")
    row.get_by_label("抚顺市财政局得分依据").fill("年度重点任务第三方评估")
    row.get_by_role("button", name="录入").click()
    expect(page.locator("#ranking-2 tbody tr").first).to_contain_text("抚顺市财政局")  # now first
    expect(page.locator("#ranking-1 tr[data-unit='xinbin']")).to_contain_text("1")
    page.locator("#issue-form").get_by_role("button").click()
    expect(page.locator("#evaluation-state")).to_have_text("已通报")
    expect(page.locator("#notice")).to_contain_text(f"抚政办发〔{year}〕")
    expect(page.locator("#ranking-2")).to_contain_text("通报表扬")
    with page.expect_download() as download:
        page.locator("#notice-docx").click()
    assert download.value.suggested_filename.endswith(".docx")


@pytest.mark.rule("inspection.annual-plan", "inspection.county-plans", "inspection.sector-filing")
def test_journey_7_the_annual_plan_a_planned_activity_a_county_spot_check_and_a_sector_review(page: Page, demo):
    import hashlib

    from cityhall.org.models import Person, Unit
    from cityhall.supervision.plans import plan_file

    year = timezone.localdate().year
    # The office makes the city plan and puts 市场监管局's activity on it.
    login(page, "clerk")
    page.goto("/supervision/inspections/")
    page.locator("#plans-link").click()
    page.locator("#city-plan-create").click()
    entry = page.locator("#entry-form")
    entry.get_by_label("组织单位").select_option(label="抚顺市市场监督管理局")
    entry.get_by_label("督查检查考核事项").fill("全市食品安全专项督查")
    entry.get_by_label("计划开展月份").select_option(label="12月")
    entry.get_by_label("“四不两直”暗访").check()
    entry.get_by_role("button", name="列入计划").click()
    expect(page.locator("#entry-list")).to_contain_text("全市食品安全专项督查")

    # 市场监管局 files it as planned: without naming the entry it is refused, with it the plan stands.
    switch_to(page, "market-regulation")
    page.goto("/supervision/inspections/new/")
    form = page.locator("#inspection-form")
    form.get_by_label("督查检查考核事项").fill("全市食品安全专项督查")
    form.get_by_label("开展日期").fill(f"{year}-12-28")
    form.get_by_label("完成日期").fill(f"{year}-12-30")
    form.get_by_label("“四不两直”暗访").check()
    form.get_by_role("button", name="报送市政府办公室备案").click()
    expect(page.locator("#inspection-form [role='alert']")).to_contain_text("第五十九条")
    page.locator("#plan_entry").select_option(index=1)
    page.locator("#inspection-form").get_by_role("button", name="报送市政府办公室备案").click()
    expect(page.locator("#inspection-plan")).to_contain_text("全市食品安全专项督查")

    # A sector inspection goes to the office for review first (Art 61 ¶2).
    page.goto("/supervision/inspections/new/")
    form = page.locator("#inspection-form")
    form.get_by_label("督查检查考核事项").fill("省局部署的电梯安全检查")
    form.get_by_label("开展日期").fill(f"{year + 1}-03-09")
    form.get_by_label("完成日期").fill(f"{year + 1}-03-13")
    form.get_by_role("checkbox", name="随机抽查").check()
    form.get_by_label("行业系统督查检查考核").select_option("above")
    form.get_by_role("button", name="报送市政府办公室备案").click()
    expect(page.locator("#inspection-state")).to_contain_text("待市政府办公室备案审查")

    # Three counties file their plans; the office reviews the sector inspection and draws two counties.
    for code in ("xinbin", "qingyuan", "shuncheng"):
        head = Person.objects.get(holdings__position__code=f"head-{code}", holdings__end__isnull=True)
        plan_file(actor=head, unit=Unit.objects.get(code=code), year=year)
    switch_to(page, "clerk")
    page.locator("#inbox tr", has_text="行业系统督查检查考核备案审查｜省局部署的电梯安全检查").first.get_by_role(
        "link"
    ).first.click()
    page.locator("#review-form").get_by_role("button", name="审查通过，予以备案").click()
    expect(page.locator("#inspection-state")).to_have_text("方案已备案")
    page.goto(f"/supervision/plans/?year={year}")
    expect(page.locator("#county-count")).to_contain_text("3/7")
    draw = page.locator("#draw-form")
    draw.get_by_label("抽取数量").fill("2")
    draw.get_by_label("随机种子（可预先公布；留空则随机生成）").fill("公开种子-1")
    draw.get_by_role("button", name="抽取").click()
    expect(page.locator("#seed")).to_have_text("公开种子-1")
    by_hand = sorted(
        ("xinbin", "qingyuan", "shuncheng"), key=lambda c: hashlib.sha256(f"公开种子-1:{c}".encode()).hexdigest()
    )
    first = Unit.objects.get(code=by_hand[0]).name
    expect(page.locator("#draw-table tr[data-drawn='1']")).to_contain_text(first)
    finding = page.locator("#finding-form")
    finding.get_by_label("被抽查的县（区）").select_option(label=first)
    finding.get_by_label("责任人").fill("县政府办公室主任")
    finding.get_by_label("发现的问题").fill("乡镇检查记录不全")
    finding.get_by_role("button", name="记入台账，督促整改").click()
    expect(page.locator("#findings")).to_contain_text("乡镇检查记录不全")
    switch_to(page, by_hand[0])
    expect(page.locator("#inbox tr", has_text="督办通知｜督促整改：乡镇检查记录不全")).to_be_visible()
