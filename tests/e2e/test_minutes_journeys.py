"""Journeys 2–4 of the meetings issue in a real browser: attendance and stances, minutes on the clock,
and an amendment to a recorded stance (Art 44, Art 54 ¶4)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cityhall.org.demo import load_demo

from .test_meeting_pages import login, switch_to

pytestmark = pytest.mark.e2e


def _meeting(title: str, started: dt.datetime, matter_part: str):  # type: ignore[no-untyped-def]
    from cityhall.meetings.demo import load_topics
    from cityhall.meetings.models import Topic
    from cityhall.meetings.services import MeetingForm, meeting_schedule
    from cityhall.org.models import Person, Position

    if not Topic.objects.exists():
        load_topics()
    topic = Topic.objects.filter(matter__contains=matter_part).first() or _approved_topic(matter_part)
    clerk = Person.objects.get(holdings__position__code="office-clerk-1", holdings__end__isnull=True)
    return meeting_schedule(
        actor=clerk,
        form=MeetingForm(
            kind="executive",
            title=title,
            starts_at=started,
            venue="市政府第一会议室",
            video=False,
            chair=Position.objects.get(code="mayor"),
            topics=[topic],
        ),
    )


def _approved_topic(subject: str):  # type: ignore[no-untyped-def]
    from cityhall.meetings.services import TopicForm, materials_review, topic_decide, topic_submit
    from cityhall.org.models import Person, Unit

    def person(code: str) -> Person:
        return Person.objects.get(holdings__position__code=code, holdings__end__isnull=True)

    fgw = Unit.objects.get(code="fgw")
    form = TopicForm(
        "executive",
        f"关于{subject}的议题",
        fgw,
        fgw,
        "依据城市更新行动实施方案。",
        False,
        False,
        "",
        [(Unit.objects.get(code="finance"), "同意，资金纳入年度预算。")],
    )
    topic = topic_submit(actor=person("head-fgw"), form=form)
    for who in ("office-clerk-1", "secretary-general", "vice-mayor-1", "mayor"):
        topic = topic_decide(actor=person(who), topic=topic, decision="pass")
    return materials_review(actor=person("office-clerk-1"), topic=topic)


@pytest.fixture
def demo(transactional_db) -> None:
    load_demo()


def _record_meeting(page: Page, meeting_id: int, *, absent_opinion: str = "") -> None:
    """The office records attendance, one decision and everyone's stance, then ends the meeting."""
    page.goto(f"/meetings/{meeting_id}/")
    form = page.locator("#attendance-form")
    for select in form.locator("select[name^='present-']").all():
        select.select_option("yes")
    if absent_opinion:
        row = form.locator("tr[data-attendee='vice-mayor-2']")
        row.locator("select[name^='present-']").select_option("no")
        row.locator("select[name^='reason-']").select_option("因公出访或出差")
        row.locator("textarea").fill(absent_opinion)
    form.get_by_role("button", name="保存出席情况").click()
    expect(page.locator("[role='status']").first).to_contain_text("出席情况")
    expect(page.locator("#record-gaps")).to_contain_text("尚未记录决定事项")

    if not page.locator("#decision-form").is_visible():
        page.locator("#decision-new summary").click()
    dform = page.locator("#decision-form")
    dform.get_by_label("决定事项").fill("原则同意该计划，由市住房城乡建设局按程序组织实施")
    dform.get_by_label("议题").select_option(index=1)
    dform.get_by_label("牵头单位").select_option(label="抚顺市住房和城乡建设局")
    dform.get_by_label("配合单位（可多选）").select_option(label="抚顺市财政局")
    dform.get_by_label("责任人").fill("住建局局长")
    dform.get_by_label("完成时限").fill("2027-06-30")
    dform.get_by_role("button", name="保存决定事项").click()
    decision = page.locator("#decision-1")
    expect(decision).to_contain_text("牵头单位：抚顺市住房和城乡建设局")
    for select in decision.locator("select[name^='stance-']").all():
        select.select_option("agree")
    if absent_opinion:
        decision.locator("tr[data-attendee='vice-mayor-3'] select").select_option("disagree")
        decision.locator("tr[data-attendee='vice-mayor-3'] input").fill("")
        decision.get_by_role("button", name="保存表态").click()
        expect(page.locator(".alert-danger, [role='alert']").first).to_contain_text("请记录其意见")
        decision = page.locator("#decision-1")
        for select in decision.locator("select[name^='stance-']").all():
            select.select_option("agree")
        decision.locator("tr[data-attendee='vice-mayor-3'] select").select_option("disagree")
        decision.locator("tr[data-attendee='vice-mayor-3'] input").fill("建议分年度实施")
    decision.get_by_role("button", name="保存表态").click()
    expect(page.locator("#record-gaps")).to_have_count(0)


@pytest.mark.rule("meeting.attendance", "minutes.opinions", "minutes.issue", "minutes.sign")
def test_journeys_2_and_3_attendance_stances_and_minutes_on_time_and_overdue(page: Page, demo):
    from cityhall.meetings.models import Meeting

    now = timezone.now()
    on_time = _meeting("市政府第31次常务会议", now - dt.timedelta(hours=3), "老旧小区改造")
    # Journey 2: the office records attendance, with one absentee's written opinion, and the stances.
    login(page, "clerk")
    _record_meeting(page, on_time.pk, absent_opinion="同意该计划，建议加快进度。")
    vm2 = page.locator("#decision-1 tr[data-attendee='vice-mayor-2']")
    expect(vm2).to_contain_text("（书面意见）")
    expect(page.locator("#decision-1 tr[data-attendee='vice-mayor-3']")).to_contain_text("建议分年度实施")
    expect(page.locator("#attendance-record tr[data-attendee='vice-mayor-2']")).to_contain_text("向市长请假")

    # Journey 3: end the meeting; the 3-working-day clock starts; draft, circulate, sign, issue.
    page.locator("#end-form").get_by_role("button", name="会议结束，起草纪要").click()
    expect(page).to_have_url(re.compile(rf"/meetings/{on_time.pk}/minutes/$"))
    expect(page.locator("[role='status']").first).to_contain_text("第四十四条第三款")
    expect(page.locator("#clock-state")).to_have_text("未到期")
    body = page.locator("#minutes-body")
    expect(body).to_contain_text("不同意：")
    expect(body).to_contain_text("书面意见：")
    page.locator("#circulate").click()
    expect(page.locator("#minutes-state")).to_have_text("已分送与会单位")

    switch_to(page, "mayor")
    page.locator("#inbox tr", has_text="签发会议纪要").first.get_by_role("link").first.click()
    page.locator("#sign-form").get_by_role("button").click()
    year = timezone.localdate().year
    expect(page.locator("#minutes-number")).to_have_text(f"市政府常务会议纪要〔{year}〕1号")

    switch_to(page, "clerk")
    page.locator("#inbox tr", has_text="印发会议纪要").first.get_by_role("link").first.click()
    page.locator("#issue-form").get_by_role("button", name="印发").click()
    expect(page.locator("#clock-state")).to_have_text("按期印发")
    expect(page.locator("#minutes-publishable")).to_contain_text("应主动公开")
    with page.expect_download() as download:
        page.locator("#download-docx").click()
    assert download.value.suggested_filename.endswith(".docx")

    # A second meeting, ended a week ago: its minutes are overdue, and the office and the chair see it.
    second = _meeting("市政府第29次常务会议", now - dt.timedelta(days=8), "城市更新")
    _record_meeting(page, second.pk)
    page.locator("#ended_at").fill(
        (now - dt.timedelta(days=8) + dt.timedelta(hours=2)).astimezone().strftime("%Y-%m-%dT%H:%M")
    )
    page.locator("#end-form").get_by_role("button", name="会议结束，起草纪要").click()
    expect(page.locator("#clock-state")).to_have_text("已逾期")
    expect(page.locator("#overdue-note")).to_contain_text("3个工作日内印发")
    page.goto("/")
    overdue_row = page.locator("#inbox tr", has_text="起草会议纪要｜市政府第29次常务会议")
    expect(overdue_row).to_have_attribute("data-colour", "red")
    page.goto("/meetings/")
    expect(page.locator(f"#meeting-list tr[data-meeting='{second.pk}']")).to_contain_text("逾期")
    page.goto(f"/meetings/{second.pk}/minutes/")
    page.locator("#circulate").click()
    switch_to(page, "mayor")
    expect(page.locator("#inbox tr", has_text="签发会议纪要｜市政府第29次常务会议")).to_have_attribute(
        "data-colour", "red"
    )
    assert Meeting.objects.get(pk=second.pk).minutes.deadline.is_overdue()


def _circulated(title: str, started: dt.datetime, subject: str):  # type: ignore[no-untyped-def]
    """A meeting recorded, ended and its draft circulated, through the services (journey 4's setting)."""
    from cityhall.meetings import minutes as svc
    from cityhall.org.models import Person, Unit

    def person(code: str) -> Person:
        return Person.objects.get(holdings__position__code=code, holdings__end__isnull=True)

    clerk = person("office-clerk-1")
    meeting = _meeting(title, started, subject)
    svc.attendance_record(
        actor=clerk, meeting=meeting, rows=[svc.AttendanceInput(a.pk, True) for a in meeting.attendance.all()]
    )
    decision = svc.decision_add(
        actor=clerk,
        meeting=meeting,
        form=svc.DecisionInput(
            text="原则同意，抓紧组织实施",
            lead_unit=Unit.objects.get(code="fgw"),
            responsible="发改委主任",
            agenda_item=meeting.agenda.first(),
        ),
    )
    svc.stances_record(
        actor=clerk,
        decision=decision,
        rows=[
            svc.StanceInput(
                a.pk,
                "disagree" if a.position.code == "head-fgw" else "agree",
                "建议暂缓" if a.position.code == "head-fgw" else "",
            )
            for a in meeting.attendance.select_related("position")
        ],
    )
    minutes = svc.meeting_end(actor=clerk, meeting=meeting, ended_at=started + dt.timedelta(hours=2))
    svc.minutes_save(actor=clerk, minutes=minutes, body=svc.draft_text(meeting))
    svc.minutes_circulate(actor=clerk, minutes=minutes, at=started + dt.timedelta(hours=3))
    return meeting


def _request_amendment(page: Page, meeting_id: int) -> None:
    page.goto(f"/meetings/{meeting_id}/minutes/")
    page.locator("#amend-new summary").click()
    form = page.locator("#amend-form")
    form.get_by_label("修改理由").select_option(label="其他原因")
    form.get_by_label("修改说明").fill("会后再考虑，改为同意。")
    form.get_by_label("修改后表态").select_option("agree")
    form.get_by_role("button", name="提出修改说明").click()
    expect(page.locator(".alert-danger, [role='alert']").first).to_contain_text("除与现行法规、政策不符外")
    expect(page.locator(".alert-danger, [role='alert']").first).to_contain_text("第四十四条第三款")
    page.locator("#amend-new summary").click()
    form = page.locator("#amend-form")
    form.get_by_label("修改理由").select_option(label="与现行政策不符")
    form.get_by_label("修改说明").fill("原表态与省政府新出台的项目审批政策不符，按新政策应表示同意。")
    form.get_by_label("修改后表态").select_option("agree")
    form.get_by_label("修改后意见").fill("按省新政策同意")
    form.get_by_role("button", name="提出修改说明").click()
    expect(page.locator("#amendments article")).to_contain_text("会签中")


@pytest.mark.rule("minutes.protected", "minutes.amend")
def test_journey_4_an_amendment_is_countersigned_and_approved_and_a_late_chair_is_named(page: Page, demo):
    now = timezone.now()
    meeting = _circulated("市政府第32次常务会议", now - dt.timedelta(hours=4), "老旧小区改造")
    login(page, "fgw")
    _request_amendment(page, meeting.pk)
    expect(page.locator("#amendments article")).not_to_contain_text("已超过时限")

    # The other participating unit (市财政局, consulted on the topic) countersigns from its inbox.
    switch_to(page, "finance")
    page.locator("#inbox tr", has_text="会签纪要修改说明").first.get_by_role("link").first.click()
    page.locator(".countersign-form").get_by_role("button", name="同意", exact=True).click()
    expect(page.locator("#amendments article")).to_contain_text("待主持人审定")

    # The chair approves in time; the stance changes and the earlier one is kept.
    switch_to(page, "mayor")
    page.locator("#inbox tr", has_text="审定纪要修改").first.get_by_role("link").first.click()
    page.locator(".decide-form").get_by_role("button", name="同意修改", exact=True).click()
    expect(page.locator("[role='status']").first).to_contain_text("原表态保留在历史中")
    expect(page.locator("#amendments article")).to_contain_text("已审定同意")
    expect(page.locator("#amendments article")).not_to_contain_text("审定超过时限")
    page.goto(f"/meetings/{meeting.pk}/")
    fgw = page.locator("#decision-1 tr[data-attendee='head-fgw']")
    expect(fgw).to_contain_text("同意")
    expect(fgw).to_contain_text("已依程序修改")
    expect(fgw).to_contain_text("按省新政策同意")

    # A second meeting whose draft went out a week ago: the chair decides after the 2 working days.
    late = _circulated("市政府第28次常务会议", now - dt.timedelta(days=8), "城市更新")
    switch_to(page, "fgw")
    _request_amendment(page, late.pk)
    expect(page.locator("#amendments article")).to_contain_text("已超过时限")
    switch_to(page, "finance")
    page.goto(f"/meetings/{late.pk}/minutes/")
    page.locator(".countersign-form").get_by_role("button", name="同意", exact=True).click()
    switch_to(page, "mayor")
    row = page.locator("#inbox tr", has_text="审定纪要修改｜市政府第28次常务会议")
    expect(row).to_have_attribute("data-colour", "red")
    row.get_by_role("link").first.click()
    page.locator(".decide-form").get_by_role("button", name="同意修改", exact=True).click()
    expect(page.locator("[role='status'], .alert-warning").first).to_contain_text("审定晚于时限")
    expect(page.locator("#amendments article")).to_contain_text("审定超过时限")


@pytest.mark.rule("meeting.executive", "minutes.sign")
def test_journey_6_the_mayor_is_away_and_the_executive_vice_mayor_chairs_by_entrustment(page: Page, demo):
    from cityhall.org.models import Absence, Holding, Person

    now = timezone.now()
    mayor = Holding.objects.get(position__code="mayor", end__isnull=True).person
    evm = Holding.objects.get(position__code="vice-mayor-1", end__isnull=True).person
    clerk = Person.objects.get(holdings__position__code="office-clerk-1", holdings__end__isnull=True)
    Absence.objects.create(
        person=mayor,
        start=now - dt.timedelta(days=1),
        end=now + dt.timedelta(days=2),
        reason="赴省参加全省经济工作会议",
        recorded_by=clerk,
    )
    from cityhall.meetings.demo import load_topics

    load_topics()
    login(page, "clerk")
    page.goto("/meetings/new/")
    form = page.locator("#meeting-form")
    form.get_by_label("会议名称").fill("市政府第33次常务会议")
    page.get_by_label("开始时间").fill((now - dt.timedelta(hours=3)).astimezone().strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("主持").select_option(label="常务副市长（受市长委托）")
    form.locator("#candidates tr", has_text="老旧小区改造计划").locator("input[type=checkbox]").check()
    form.get_by_role("button", name="安排会议").click()
    expect(page.locator("#meeting-chair")).to_contain_text(f"{evm.name}")
    expect(page.locator("#meeting-chair")).to_contain_text("受市长委托")
    # The mayor's recorded absence is offered in the attendance: 请假, 已登记外出.
    mayor_row = page.locator("#attendance tr[data-attendee='mayor']")
    expect(mayor_row).to_contain_text("已登记外出：赴省参加全省经济工作会议")
    expect(mayor_row.locator("select[name^='present-']")).to_have_value("no")
    meeting_id = int(page.url.rstrip("/").split("/")[-1])

    form = page.locator("#attendance-form")
    for select in form.locator("select[name^='present-']").all():
        if select.input_value() != "no":
            select.select_option("yes")
    mayor_row.locator("select[name^='reason-']").select_option("参加国家、省和市委重要会议及活动")
    form.get_by_role("button", name="保存出席情况").click()
    page.locator("#decision-form").get_by_label("决定事项").fill("原则同意老旧小区改造计划")
    page.locator("#decision-form").get_by_label("牵头单位").select_option(label="抚顺市住房和城乡建设局")
    page.locator("#decision-form").get_by_label("责任人").fill("住建局局长")
    page.locator("#decision-form").get_by_role("button", name="保存决定事项").click()
    for select in page.locator("#decision-1 select[name^='stance-']").all():
        select.select_option("agree")
    page.locator("#decision-1").get_by_role("button", name="保存表态").click()
    page.locator("#end-form").get_by_role("button", name="会议结束，起草纪要").click()
    expect(page.locator("#minutes-body")).to_contain_text(f"受市长委托，常务副市长{evm.name}主持召开")
    page.locator("#circulate").click()

    # The chair who signs is the one who chaired: the executive vice mayor, in his own name.
    switch_to(page, "vm1")
    page.locator("#inbox tr", has_text="签发会议纪要").first.get_by_role("link").first.click()
    page.locator("#sign-form").get_by_role("button", name="签发").click()
    expect(page.locator("#minutes-signed")).to_contain_text(evm.name)
    expect(page.locator("#minutes-signed")).not_to_contain_text("代")
    page.goto(f"/meetings/{meeting_id}/minutes/")
    expect(page.locator("#facts")).to_contain_text("受市长委托")


@pytest.mark.rule("meeting-plan.submission", "meeting-plan.approval")
def test_journey_5_a_late_entry_is_flagged_the_office_compiles_and_the_mayor_approves_the_month(page: Page, demo):
    today = timezone.localdate()
    # This month's 20th-of-the-month-before has passed (as next month's has on the 21st): the entry is late.
    late_day = today + dt.timedelta(days=1) if today.month == (today + dt.timedelta(days=1)).month else today
    month = late_day.strftime("%Y-%m")
    login(page, "fgw")
    page.goto("/meetings/")
    page.locator("#plan-link").click()
    page.locator("#plan-apply").click()
    form = page.locator("#plan-form")
    form.get_by_label("类别").select_option("government")
    form.get_by_label("会议（活动）名称").fill("全市重点项目建设推进会议")
    form.get_by_label("开始时间").fill(f"{late_day:%Y-%m-%d}T15:00")
    form.get_by_label("时长（分钟）").fill("150")
    form.get_by_label("全市性会议").check()
    form.get_by_role("button", name="申报，送分管领导核准").click()
    # Over 2 hours: refused with the article, and nothing typed is lost.
    expect(page.locator("#plan-form [role='alert']")).to_contain_text("全市性会议时长不超过2小时")
    expect(page.locator("#plan-form [role='alert']")).to_contain_text("第四十五条第一款")
    expect(page.get_by_label("会议（活动）名称")).to_have_value("全市重点项目建设推进会议")
    page.get_by_label("时长（分钟）").fill("90")
    page.get_by_label("视频会议").check()
    page.locator("#plan-form").get_by_role("button", name="申报，送分管领导核准").click()
    expect(page.locator("#entry-state")).to_have_text("待分管领导核准")
    expect(page.locator(".alert-warning, [role='status']").first).to_contain_text("现已逾期")

    # The supervising vice mayor approves it from the inbox: it reaches the office, flagged late.
    switch_to(page, "vm1")
    page.locator("#inbox tr", has_text="核准会议（活动）").first.get_by_role("link").first.click()
    page.locator("#entry-decide-form").get_by_role("button", name="核准，送市政府办公室").click()
    expect(page.locator("#entry-late")).to_have_text("逾期报送")
    expect(page.locator("#entry-due")).to_contain_text("第四十五条第二款")

    # The office compiles the month's plan; the mayor approves it; the calendar shows it.
    switch_to(page, "clerk")
    page.locator("#inbox tr", has_text="会议（活动）计划申报（逾期报送）").first.get_by_role("link").first.click()
    page.goto(f"/meetings/plan/{month}/")
    page.locator("#compile-form").get_by_role("button").click()
    expect(page.locator("#plan-state")).to_have_text("已汇总，待市长审定")
    switch_to(page, "mayor")
    page.locator("#inbox tr", has_text="会议（活动）计划").first.get_by_role("link").first.click()
    page.locator("#approve-form").get_by_role("button", name="审定").click()
    expect(page.locator("#plan-state")).to_have_text("市长已审定")
    cell = page.locator(f"#calendar td[data-date='{late_day:%Y-%m-%d}']")
    expect(cell).to_contain_text("全市重点项目建设推进会议（逾期报送）")
    expect(page.locator("#calendar tbody tr").first.locator("td")).to_have_count(7)
