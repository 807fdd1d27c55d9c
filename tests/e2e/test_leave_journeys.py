"""Leave, reports and emergencies (Art 54–56) in a real browser, as the real roles: an application up the
chain that becomes the absence acting follows, the pairing consent, a late application, the report
after a trip, and a flood reported straight to the supervising vice mayor from a phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cityhall.org.demo import load_demo
from cityhall.rules.deadlines import LOCAL_TZ

from .test_meeting_pages import login, switch_to

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db) -> None:
    load_demo()


def person(code: str):  # type: ignore[no-untyped-def]
    from cityhall.org.models import Person

    return Person.objects.get(holdings__position__code=code, holdings__end__isnull=True)


def local_input(moment: dt.datetime) -> str:
    return f"{moment.astimezone(LOCAL_TZ):%Y-%m-%dT%H:%M}"


def day(days: int, hour: int) -> dt.datetime:
    return (timezone.now().astimezone(LOCAL_TZ) + dt.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def apply(page: Page, start: dt.datetime, end: dt.datetime, reason: str, destination: str = "沈阳") -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="请销假与报告").click()
    page.locator("#leave-new").click()
    page.locator("#reason").fill(reason)
    page.locator("#start").fill(local_input(start))
    page.locator("#end").fill(local_input(end))
    page.locator("#destination").fill(destination)
    page.locator("#leave-submit").click()
    expect(page).to_have_url(re.compile(r"/leave/\d+/$"))


def open_from_inbox(page: Page, text: str) -> None:
    row = page.locator("#inbox tr", has_text=text).first
    expect(row).to_be_visible()
    row.get_by_role("link").first.click()


def approved_trip(code: str, start: dt.datetime, end: dt.datetime, applied: dt.datetime):  # type: ignore[no-untyped-def]
    from cityhall.leave import services as svc
    from cityhall.org.models import Position

    req = svc.leave_submit(
        actor=person(code),
        form=svc.LeaveForm(
            position=Position.objects.get(code=code),
            kind="trip",
            purpose="official",
            reason="赴省参加全省营商环境工作会议",
            start=start,
            end=end,
            destination="沈阳",
        ),
        at=applied,
    )
    while req.state in req.PENDING:
        seat = svc.next_seat(req)
        req = svc.leave_act(
            actor=person(seat.code), request=req, action="approve" if req.state == "deciding" else "forward", at=applied
        )
    return req


@pytest.mark.rule("leave.report-to-mayor", "acting.ab-partner")
def test_journey_1_vm3_applies_the_secretary_general_compiles_the_mayor_approves_and_vm4_acts(page: Page, demo):
    from cityhall.leave.models import LeaveRequest
    from cityhall.org.models import Absence, Position
    from cityhall.workflow.services import inbox_item_create

    login(page, "vm3")
    apply(page, day(5, 8), day(7, 18), "赴省参加全省安全生产工作会议")
    expect(page.locator("#leave-state")).to_have_text("待秘书长汇总")
    expect(page.locator("#leave-late")).to_have_count(0)

    switch_to(page, "sg")
    open_from_inbox(page, "请假汇总")
    page.locator("#leave-forward").click()
    expect(page.locator("#leave-state")).to_have_text("待市长审批")

    switch_to(page, "mayor")
    open_from_inbox(page, "请假审批")
    page.locator("#leave-approve").click()
    expect(page.locator(".messages .alert-success")).to_contain_text("外出记录已生成")
    expect(page.locator("#leave-state")).to_have_text("已批准")
    expect(page.locator("#leave-absence")).to_contain_text("代行按此计算")

    # The other leaders are told (知会), as Art 54 ¶1 has the office do.
    switch_to(page, "vm2")
    expect(page.locator("#inbox")).to_contain_text("知会：宁致和离抚外出")

    # The day comes: the approved dates move to now (the live server keeps the real clock), and work for vm3 arrives.
    req = LeaveRequest.objects.get(person=person("vice-mayor-3"))
    shift = req.start - (timezone.now() - dt.timedelta(hours=1))
    LeaveRequest.objects.filter(pk=req.pk).update(start=req.start - shift, end=req.end - shift)
    Absence.objects.filter(pk=req.absence_id).update(start=req.start - shift, end=req.end - shift)
    inbox_item_create(
        actor=None,
        title="请示待批示：关于顺城区增设应急避难场所的请示",
        kind="document.instruct",
        assignee_position=Position.objects.get(code="vice-mayor-3"),
    )
    switch_to(page, "vm4")
    row = page.locator("#inbox tr", has_text="增设应急避难场所")
    expect(row).to_contain_text("代")
    expect(page.locator("main")).to_contain_text("您今天代行：副市长宁致和")

    # vm3 comes back a day early: 销假, and acting ends then.
    switch_to(page, "vm3")
    page.goto(f"/leave/{req.pk}/")
    page.locator("#leave-return-submit").click()
    expect(page.locator(".messages .alert-success")).to_contain_text("已销假")
    expect(page.locator("#leave-returned")).to_have_text("已销假")
    switch_to(page, "vm4")
    expect(page.locator("main")).not_to_contain_text("您今天代行")
    expect(page.locator("#inbox")).not_to_contain_text("增设应急避难场所")


@pytest.mark.rule("leave.pairing")
def test_journey_2_the_paired_deputy_secretary_general_waits_for_the_mayors_consent(page: Page, demo):
    approved_trip("vice-mayor-3", day(5, 8), day(7, 18), timezone.now())
    login(page, "dsg3")
    apply(page, day(5, 8), day(7, 18), "随同赴省对接安全生产专项检查")
    expect(page.locator("#leave-pairing")).to_contain_text("与宁致和同时离抚")
    expect(page.locator(".messages .alert-warning").first).to_contain_text("须经市长同意")

    switch_to(page, "vm3")
    open_from_inbox(page, "请假审核")
    page.locator("#leave-forward").click()
    switch_to(page, "sg")
    open_from_inbox(page, "请假汇总")
    page.locator("#leave-forward").click()

    switch_to(page, "mayor")
    open_from_inbox(page, "待市长同意")
    page.locator("#leave-approve").click()
    expect(page.locator(".messages .alert-danger")).to_contain_text("请勾选“同意同时离抚”")
    expect(page.locator(".messages .alert-danger")).to_contain_text("第五十四条第二款")
    expect(page.locator("#leave-state")).to_have_text("待市长审批")
    page.locator("#consent").check()
    page.locator("#leave-approve").click()
    expect(page.locator("#leave-state")).to_have_text("已批准")
    expect(page.locator("#leave-pairing")).to_contain_text("市长已同意")


@pytest.mark.rule("leave.notice")
def test_journey_3_the_xinbin_county_head_applies_two_days_ahead_and_is_flagged(page: Page, demo):
    login(page, "xinbin")
    apply(page, day(2, 8), day(4, 18), "赴北京参加全国民族地区乡村振兴培训", destination="北京")
    expect(page.locator(".messages .alert-warning").first).to_contain_text("应提前3天请假（报备）")
    expect(page.locator("#leave-late")).to_contain_text("工作规则第五十四条第二款")
    switch_to(page, "sg")
    open_from_inbox(page, "未按时申请")
    expect(page.locator("#leave-late")).to_contain_text("提前2天")
    page.goto("/leave/")
    expect(page.locator("#leave-waiting")).to_contain_text("未按时申请")


@pytest.mark.rule("trip.return-report")
def test_journey_4_vm5_returns_from_a_four_day_trip_and_files_the_report_on_time(page: Page, demo):
    from cityhall.leave.models import ReportDuty
    from cityhall.workflow.worker import run_once

    req = approved_trip("vice-mayor-5", day(-5, 8), day(-1, 23), timezone.now() - dt.timedelta(days=10))
    login(page, "vm5")
    page.goto(f"/leave/{req.pk}/")
    back = day(-2, 18)  # back a day early: the 4-day trip still needs its report
    page.locator("#returned_at").fill(local_input(back))
    page.locator("#leave-return-submit").click()
    expect(page.locator("#leave-returned")).to_have_text("已销假")
    duty = ReportDuty.objects.get(leave_request=req)
    assert duty.anchor_date == back.date()
    run_once(duty.deadline.remind_at + dt.timedelta(seconds=1))  # the day before it falls due

    page.goto("/")
    expect(page.locator("#inbox tr", has_text="书面报告：").first).to_contain_text(f"{duty.due_date:%Y-%m-%d}")
    expect(page.locator("#inbox")).to_contain_text("催办：")
    open_from_inbox(page, "书面报告：")
    expect(page.locator("#report-due")).to_contain_text("工作规则第五十五条第四款")
    page.locator("#text").fill("考察了上海城市更新项目的做法，建议我市在老旧街区改造中试点“微更新”模式。")
    page.locator("#report-submit").click()
    expect(page.locator("#report-state")).to_have_text("已报告")
    page.goto("/")
    expect(page.locator("#inbox")).not_to_contain_text("催办：")
    duty.refresh_from_db()
    assert duty.deadline.state == "met"


@pytest.mark.rule("emergency.direct-report")
def test_journey_5_a_flood_in_qingyuan_goes_straight_to_the_vice_mayor_from_a_phone(
    page: Page, demo, browser, live_server
):
    from cityhall.leave.models import EmergencyReport

    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, base_url=live_server.url
    )
    field = phone.new_page()
    try:
        login(field, "qingyuan")
        field.goto("/leave/emergencies/new/")
        field.locator("#category").select_option("disaster")
        field.locator("#title").fill("清原县南口前镇山洪")
        field.locator("#place").fill("清原满族自治县南口前镇")
        began = timezone.now() - dt.timedelta(minutes=30)
        field.locator("#occurred_at").fill(local_input(began))
        field.locator("#competent_unit").select_option(label="抚顺市水务局")
        field.locator("#summary").fill("强降雨引发山洪，冲毁乡道两处，已转移群众120人。")
        field.locator("#plan_activated").fill("清原县防汛应急预案（Ⅲ级响应）")
        field.locator("#on_scene").fill("县长、分管副县长")
        field.locator("#direct_to").select_option(label="副市长（贺长松）")
        field.locator("#emergency-submit").click()
        expect(field.locator(".alert-danger")).to_contain_text("越级直报的，请写明")
        expect(field.locator("#title")).to_have_value("清原县南口前镇山洪")  # nothing typed is lost
        field.locator("#reason").fill("情况紧急")
        field.locator("#emergency-submit").click()
        expect(field.locator("#emergency-timeline")).to_contain_text("越级直报（越过：市政府相关部门（市水务局局长））")
        width = field.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the phone page scrolls sideways ({width}px)"
    finally:
        phone.close()

    login(page, "vm5")
    open_from_inbox(page, "【紧急】越级直报")
    page.locator("#emergency-ack button, #emergency-ack [id^=ack-]").first.click()
    expect(page.locator(".messages .alert-success")).to_contain_text("已签收")
    timeline = page.locator("#emergency-timeline")
    expect(timeline).to_contain_text("情况紧急")
    expect(timeline).to_contain_text("签收：副市长贺长松")
    expect(timeline).to_contain_text("负责日常工作的副市长或市长：常务副市长周启航")
    minutes = [int(m) for m in timeline.locator("li").evaluate_all("els => els.map(e => e.dataset.minutes)")]
    assert minutes[0] == 0 and minutes == sorted(minutes) and 29 <= minutes[1] <= 32
    report = EmergencyReport.objects.get()
    assert [s.recipient.code for s in report.steps.order_by("sent_at", "id")] == ["vice-mayor-5", "vice-mayor-1"]


@pytest.mark.rule("meeting.attendance")
def test_a_vice_mayor_asks_the_mayor_to_miss_an_executive_meeting_and_it_shows_in_the_attendance(page: Page, demo):
    from .test_minutes_journeys import _meeting

    meeting = _meeting("市政府第41次常务会议", timezone.now() + dt.timedelta(days=2), "老旧小区改造")
    login(page, "vm2")
    page.goto(f"/meetings/{meeting.pk}/")
    page.locator("#my-absence a").click()
    page.locator("#reason-other").check()
    page.locator("#other").fill("陪同客商考察")
    page.locator("#meeting-absence-form button[type=submit]").click()
    expect(page.locator(".messages .alert-warning")).to_contain_text("原则上不应请假")
    expect(page.locator("#absence-state")).to_have_text("待批准")

    switch_to(page, "mayor")
    open_from_inbox(page, "会议请假（原因不在所列情形）")
    page.locator("#absence-decide button[value='1']").click()
    expect(page.locator("#absence-state")).to_have_text("已同意")
    page.goto(f"/meetings/{meeting.pk}/")
    row = page.locator("tr[data-attendee='vice-mayor-2']").first
    expect(row).to_contain_text("陪同客商考察")
    expect(row).to_contain_text("经市长同意")


@pytest.mark.rule("speech.approval", "release.review")
def test_journey_6_vm1s_speech_is_approved_by_the_mayor_and_a_departments_release_goes_out(page: Page, demo):
    login(page, "clerk")
    page.goto("/leave/approvals/undecided/")
    page.locator("#term").fill("沈抚同城化新区规划")
    page.locator("#undecided-form button").click()
    expect(page.locator("#undecided")).to_contain_text("沈抚同城化新区规划")

    switch_to(page, "vm1")
    page.goto("/leave/approvals/new/")
    page.locator("#kind").select_option("speech")
    page.locator("#title").fill("在全市经济工作会议上的讲话")
    page.locator("#body").fill("明年要加快推进沈抚同城化新区规划……")
    page.locator("#on_behalf").check()
    page.locator("#approval-submit").click()
    expect(page.locator("#approval-state")).to_have_text("待审批")
    expect(page.locator("#approval-flags")).to_contain_text("涉及未经市政府研究决定的重大事项：沈抚同城化新区规划")

    switch_to(page, "mayor")
    open_from_inbox(page, "讲话或文章审批")
    page.locator("#approve").click()
    expect(page.locator("#approval-state")).to_have_text("已批准")

    switch_to(page, "finance2")
    page.goto("/leave/approvals/new/")
    page.locator("#kind").select_option("release")
    page.locator("#title").fill("2026年全市一般公共预算收支情况")
    page.locator("#body").fill("1—11月，全市一般公共预算收入……")
    page.locator("#major").check()
    page.locator("#approval-submit").click()
    expect(page.locator("#approval-flags")).to_contain_text("同时报告市政府")
    switch_to(page, "finance")
    open_from_inbox(page, "部门发布重要信息审批")
    page.locator("#approve").click()
    expect(page.locator("#approval-state")).to_have_text("已批准")
    switch_to(page, "clerk")
    expect(page.locator("#inbox")).to_contain_text("重大情况报告：2026年全市一般公共预算收支情况")


@pytest.mark.rule("greeting.exception")
def test_journey_7_a_congratulatory_letter_needs_a_special_need_and_is_never_published(page: Page, demo):
    from cityhall.leave.approvals import publishable
    from cityhall.leave.models import LeaderApproval

    login(page, "culture-tourism")
    page.goto("/leave/approvals/new/")
    page.locator("#kind").select_option("congratulatory_letter")
    page.locator("#title").fill("为抚顺旅游节开幕发贺信")
    page.locator("#leader").select_option(label="副市长（阮嘉禾）")
    page.locator("#approval-submit").click()
    expect(page.locator("#form-error")).to_contain_text("不为部门和县（区）的会议活动等发贺信")
    expect(page.locator("#form-error")).to_contain_text("第七十七条")
    expect(page.locator("#title")).to_have_value("为抚顺旅游节开幕发贺信")
    page.locator("#special_need").fill("国家级节会，文化和旅游部主办")
    page.locator("#approval-submit").click()
    expect(page.locator("#not-published")).to_have_text("不公开发表")

    switch_to(page, "vm6")
    open_from_inbox(page, "贺信、贺电、题词审批")
    page.locator("#approve").click()
    expect(page.locator("#approval-state")).to_have_text("已批准")
    letter = LeaderApproval.objects.get(kind="congratulatory_letter")
    assert publishable([letter]) == []


@pytest.mark.rule("report.escalation")
def test_a_finance_bureau_clerks_major_problem_goes_up_level_by_level_to_the_mayors_instruction(page: Page, demo):
    """Art 55 ¶1: staff → the bureau head → the supervising (here the executive) vice mayor → the mayor,
    with no level skipped; the instruction comes back to the reporter's 待办."""
    login(page, "finance2")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="请销假与报告").click()
    page.get_by_role("link", name="重大问题请示报告").click()
    page.locator("#problem-new").click()
    expect(page.locator("#problem-form")).to_contain_text("本部门主要负责人")
    page.locator("#title").fill("某县专项债券资金拨付困难")
    page.locator("#problem-submit").click()
    # Nothing typed is lost when the body is missing (the browser's own check is bypassed by a blank body).
    page.locator("#body").fill("  ")
    page.locator("#problem-submit").click()
    expect(page.locator("#form-error")).to_contain_text("请写明情况和请示事项")
    expect(page.locator("#title")).to_have_value("某县专项债券资金拨付困难")
    page.locator("#body").fill("两个县的专项债券资金到位后拨付滞后，需市政府协调。")
    page.locator("#problem-submit").click()
    expect(page.locator("#level-0")).to_contain_text("待办理")
    expect(page.locator("#problem-act")).to_have_count(0)

    switch_to(page, "vm1")  # the level above cannot take it yet
    expect(page.locator("#inbox")).not_to_contain_text("某县专项债券资金拨付困难")

    for username in ("finance", "vm1"):
        switch_to(page, username)
        row = page.locator("#inbox tr", has_text="重大问题请示报告").first
        row.get_by_role("link").first.click()
        page.locator("#note").fill("情况属实，请示")
        page.locator("#problem-forward").click()
        expect(page.locator(".alert-success, [role=status]").first).to_contain_text("已转报上一级")

    switch_to(page, "mayor")
    page.locator("#inbox tr", has_text="重大问题请示报告").first.get_by_role("link").first.click()
    expect(page.locator("#problem-forward")).to_have_count(0)  # the top level only answers
    page.locator("#problem-instruct").click()
    expect(page.locator("[role=alert], .alert-danger").first).to_contain_text("请写明批示意见")
    page.locator("#note").fill("请市财政局会同两县研究，一周内报方案")
    page.locator("#problem-instruct").click()
    expect(page.locator("#problem-state")).to_have_text("已批示")
    for n in range(3):
        expect(page.locator(f"#level-{n}")).to_contain_text("收到")

    switch_to(page, "finance2")
    expect(page.locator("#inbox")).to_contain_text("市长批示：某县专项债券资金拨付困难")
    switch_to(page, "water")  # another department has no business with it
    page.goto(page.url.rstrip("/") + "/leave/problems/")
    expect(page.locator("#problem-table")).not_to_contain_text("某县专项债券资金拨付困难")
