"""The five document journeys of issue 7, each walked through the pages as the real roles, starting
from each person's 待办. One browser for the module; each role logs in once (tests/e2e/office.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cityhall.documents.models import Countersign, Document, Instruction
from cityhall.org.models import Absence, Person
from cityhall.workflow.models import AuditEvent, InboxItem

from .office import actions, as_user, done, history, inbox_item, module_server, office, open_from_inbox, orm, screenshot

pytestmark = pytest.mark.e2e
__all__ = ["as_user", "module_server", "office", "orm"]  # fixtures

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _doc_id(page: Page) -> int:
    match = re.search(r"/documents/(\d+)/", page.url)
    assert match, page.url
    return int(match.group(1))


def test_journey_1_a_county_request_is_answered_by_a_reply_that_closes_it(as_user, orm):  # 48, 49, 50, 51-0-5
    title = "关于新宾满族自治县永陵镇农村公路安全防护工程补助资金的请示"
    # -- xinbin drafts, pre-checks, saves, and later submits.
    xinbin = as_user("xinbin")
    xinbin.goto("/documents/")
    xinbin.locator("#new-incoming").click()
    form = xinbin.locator("#new-document")
    form.locator("#id_kind").select_option("请示")
    form.locator("#id_title").fill(title)
    form.locator("#id_sender_number").fill("新政发〔2026〕23号")
    form.locator("#id_matter_unit").select_option(label="抚顺市交通运输局")
    form.locator("#id_body").fill(
        "为消除永陵镇农村公路安全隐患，拟实施安全防护工程，特申请市级补助资金300万元。\n妥否，请批示。"
    )
    form.locator("#id_contact_phone").fill("024-55012345")
    form.locator("#precheck-button").click()
    expect(xinbin.locator("#precheck-result")).to_contain_text("预审通过")
    form.locator("#save-draft").click()
    done(xinbin, "草稿")
    request_id = _doc_id(xinbin)
    # Later: the draft waits in xinbin's 待办 until it is submitted.
    row = inbox_item(xinbin, title)
    expect(row).to_contain_text("草稿待报送")
    row.get_by_role("link").first.click()
    actions(xinbin).locator("#submit-draft").click()
    done(xinbin, "待收文登记")

    # -- The clerk registers it with a 拟办意见 from the 常用语 and asks three departments to countersign.
    clerk = as_user("clerk")
    open_from_inbox(clerk, f"收文待登记：{title}")
    register = actions(clerk).locator("#register-form")
    register.locator("select[data-phrase-target='a-handling']").select_option("拟请相关部门会签后呈批。")
    expect(register.locator("#a-handling")).to_have_value("拟请相关部门会签后呈批。")
    register.get_by_role("button", name="收文登记").click()
    done(clerk, "已登记待呈批")
    expect(clerk.locator("#receipt-number")).to_contain_text("抚政办收〔")
    expect(clerk.locator("#box-handling")).to_contain_text("拟请相关部门会签后呈批。")
    expect(clerk.locator("#box-handling")).to_contain_text("温小禾")
    cs_form = actions(clerk).locator("#countersign-form")
    cs_form.locator("#a-units").select_option(label=["抚顺市财政局", "抚顺市自然资源局", "抚顺市生态环境局"])
    cs_form.get_by_role("button", name="发起会签").click()
    done(clerk, "会签中")
    expect(clerk.locator("#countersigns tbody tr")).to_have_count(3)

    # -- Finance replies.
    finance = as_user("finance")
    open_from_inbox(finance, f"会签：{title}")
    reply = actions(finance).locator(".reply-form").first
    reply.locator("textarea[name='reply']").fill("同意，资金从农村公路专项中统筹。")
    reply.get_by_role("button", name="回复会签").click()
    done(finance)
    expect(finance.locator("#countersigns tr[data-unit='finance'] .cs-state")).to_contain_text("同意")

    # -- Natural resources cannot reply in time and asks; the clerk agrees a new date.
    resources = as_user("natural-resources")
    open_from_inbox(resources, f"会签：{title}")
    later = (timezone.localdate() + dt.timedelta(days=9)).isoformat()
    actions(resources).locator("summary", has_text="申请延期").click()
    ask = actions(resources).locator(".extension-request")
    ask.locator("input[name='due_by']").fill(later)
    ask.locator("input[name='reason']").fill("需核实项目用地情况")
    ask.get_by_role("button", name="申请延期").click()
    done(resources)
    open_from_inbox(clerk, "会签延期申请")
    manage = clerk.locator("[data-manage='natural-resources']")
    manage.locator("summary").click()
    extend = manage.locator(".extend-form")
    expect(extend.locator("input[name='due_by']")).to_have_value(later)
    extend.get_by_role("button", name="同意延期").click()
    done(clerk)
    expect(clerk.locator("#countersigns tr[data-unit='natural-resources']")).to_contain_text(later)

    # -- Ecology answers by phone; the clerk records the reply on its behalf.
    manage = clerk.locator("[data-manage='ecology']")
    manage.locator("summary").click()
    record = manage.locator(".record-form")
    record.locator("select[name='channel']").select_option("电话")
    record.locator("input[name='replier']").fill("郁清澜")
    record.locator("textarea[name='reply']").fill("无不同意见。")
    record.get_by_role("button", name="登记回复").click()
    done(clerk)
    expect(clerk.locator("#countersigns tr[data-unit='ecology']")).to_contain_text("电话回复")

    # Natural resources replies within the agreed date: the countersign is complete.
    open_from_inbox(resources, f"会签：{title}")
    reply = actions(resources).locator(".reply-form").first
    reply.get_by_role("button", name="回复会签").click()
    done(resources, "已登记待呈批")

    # -- The clerk routes it to the vice mayor in charge; he instructs and passes it to the mayor.
    open_from_inbox(clerk, f"会签已完成，待呈批：{title}")
    route = actions(clerk).locator("#route-form")
    expect(route).to_contain_text("贺长松")  # transport is vice mayor 5's portfolio
    route.get_by_role("button", name="呈批").click()
    done(clerk, "待领导批示")
    vm5 = as_user("vm5")
    open_from_inbox(vm5, title)
    pass_on = actions(vm5).locator("#pass-on-form")
    pass_on.locator("#a-pass").select_option(label="市长 林望川")
    pass_on.locator("textarea[name='text']").fill("拟同意，请市长阅示。")
    pass_on.get_by_role("button", name="转批").click()
    done(vm5, "待领导批示")
    mayor = as_user("mayor")
    open_from_inbox(mayor, title)
    instruct = actions(mayor).locator("#instruct-form")
    instruct.locator("#a-opinion").select_option("批示")
    instruct.locator("#a-text").fill("同意。请市交通运输局指导实施，确保年内完工。")
    instruct.get_by_role("button", name="签署意见").click()
    done(mayor, "领导已批示")
    boxes = mayor.locator("#box-instructions .instruction-box")
    expect(boxes).to_have_count(2)
    expect(boxes.nth(0)).to_contain_text("副市长 贺长松")
    expect(boxes.nth(1)).to_contain_text("市长 林望川")

    # -- The clerk drafts the reply (批复) from the request.
    open_from_inbox(clerk, f"领导已批示（批示），待办理：{title}")
    actions(clerk).locator("#draft-reply").click()
    form = clerk.locator("#new-outgoing")
    expect(form.locator("#id_title")).to_have_value(re.compile("永陵镇农村公路安全防护工程补助资金的批复$"))
    expect(form.locator("#id_addressees")).to_have_value("新宾满族自治县人民政府")
    expect(form.locator("#id_body")).to_have_value(re.compile("新政发〔2026〕23号"))
    form.locator("#id_body").press("End")
    form.locator("#id_body").type("一、同意你县实施永陵镇农村公路安全防护工程，市级补助资金300万元。")
    form.locator("#id_touched_leaders").select_option(label="常务副市长 周启航")
    form.locator("#prepare-outgoing").click()
    done(clerk, "待核稿")
    reply_id = _doc_id(clerk)
    expect(clerk.locator("#related")).to_contain_text(title)

    # 审核 → 会签 → 签发 → numbering → 印发.
    clerk2 = as_user("clerk2")
    open_from_inbox(clerk2, "待核稿：抚顺市人民政府关于新宾满族自治县永陵镇")
    actions(clerk2).locator("#check-ok").click()
    done(clerk2, "待签发")
    open_from_inbox(vm5, "审核：抚顺市人民政府关于新宾满族自治县永陵镇")
    actions(vm5).locator("#review").click()
    done(vm5)
    vm1 = as_user("vm1")
    open_from_inbox(vm1, "领导会签：抚顺市人民政府关于新宾满族自治县永陵镇")
    actions(vm1).locator("#co-sign").click()
    done(vm1)
    open_from_inbox(mayor, "签发：抚顺市人民政府关于新宾满族自治县永陵镇")
    actions(mayor).locator("#sign-button").click()
    done(mayor, "已签发待印发")
    number = mayor.locator("#doc-number").inner_text()
    assert re.fullmatch(r"抚政发〔\d{4}〕\d+号", number)
    open_from_inbox(clerk, "已签发，待印发")
    actions(clerk).locator("#issue").click()
    done(clerk, "已印发")

    # -- xinbin sees the reply in its 待办 and opens it; the request is closed.
    open_from_inbox(xinbin, "来文：抚顺市人民政府关于新宾满族自治县永陵镇")
    expect(xinbin.locator("#doc-number")).to_have_text(number)
    expect(xinbin.locator("#related")).to_contain_text(title)
    actions(xinbin).locator("#mark-read").click()
    done(xinbin)
    xinbin.goto(f"/documents/{request_id}/")
    expect(xinbin.locator("#doc-state")).to_have_text("已办结")
    expect(xinbin.locator("#box-result")).to_contain_text(number)

    # -- The clerk archives the closed request.
    open_from_inbox(clerk, f"待归档：{title}")
    actions(clerk).locator("#archive").click()
    done(clerk, "已归档")
    screenshot(clerk, "journey-1-county-request.png")
    open_from_inbox(clerk, "待归档：抚顺市人民政府关于新宾满族自治县永陵镇")
    actions(clerk).locator("#archive").click()
    done(clerk, "已归档")

    request = Document.objects.get(pk=request_id)
    assert request.state == "archived" and request.replies.get().pk == reply_id
    assert Instruction.objects.filter(document=request).count() == 2
    ecology = Countersign.objects.get(document=request, unit__code="ecology")
    assert ecology.recorded_by.name == "温小禾" and ecology.reply_channel == "电话"
    # Nothing is left open for the request or the reply.
    assert not InboxItem.objects.filter(
        subject_id__in=[str(request_id), str(reply_id)], state="open", for_reading=False
    )


def test_journey_2_an_outgoing_notice_from_scratch_reaches_its_addressees(as_user, orm, tmp_path):  # 51-0-5
    title = "抚顺市人民政府关于做好2027年春季农村公路养护工作的通知"
    pdf = tmp_path / "养护任务分解表.pdf"
    pdf.write_bytes(_tiny_pdf())
    clerk = as_user("clerk")
    clerk.goto("/documents/")
    clerk.locator("#new-outgoing-link").click()
    form = clerk.locator("#new-outgoing")
    form.locator("#id_issuer").select_option(label="抚顺市人民政府")
    form.locator("#id_kind").select_option("通知")
    form.locator("#id_signing_category").select_option("government_downward")
    form.locator("#id_title").fill(title)
    form.locator("#id_addressees").fill("各县（区）人民政府、市政府各部门")
    form.locator("#id_matter_unit").select_option(label="抚顺市交通运输局")
    form.locator("#id_touched_leaders").select_option(label="常务副市长 周启航")
    form.locator("#id_body").fill(
        "各县（区）人民政府，市政府各部门：\n    为做好2027年春季农村公路养护工作，现将有关事项通知如下。\n    一、全面排查路况。"
    )
    form.locator("#id_attachment_note").fill("1.养护任务分解表")
    form.locator("#o-attachments").set_input_files(str(pdf))
    form.locator("#prepare-outgoing").click()
    done(clerk, "待核稿")
    doc_id = _doc_id(clerk)
    # The attachment is previewed inside the page, not only downloaded.
    expect(clerk.locator("#body iframe.attachment-preview")).to_have_count(1)
    # The drafter does not check their own draft (分岗设权).
    expect(actions(clerk).locator("#check-ok")).to_have_count(0)
    expect(actions(clerk)).to_contain_text("核稿须由办公室其他同志办理")

    clerk2 = as_user("clerk2")
    open_from_inbox(clerk2, f"待核稿：{title}")
    actions(clerk2).locator("#check-ok").click()
    done(clerk2, "待签发")
    # Every role sees only its own button: the mayor cannot sign before the review and co-signature.
    mayor = as_user("mayor")
    mayor.goto(f"/documents/{doc_id}/")
    expect(actions(mayor).locator("#sign-button")).to_have_count(0)
    vm5 = as_user("vm5")
    open_from_inbox(vm5, f"审核：{title}")
    expect(actions(vm5).locator("#sign-button")).to_have_count(0)
    actions(vm5).locator("#review").click()
    done(vm5)
    vm1 = as_user("vm1")
    open_from_inbox(vm1, f"领导会签：{title}")
    actions(vm1).locator("#co-sign").click()
    done(vm1)
    open_from_inbox(mayor, f"签发：{title}")
    actions(mayor).locator("#sign-button").click()
    done(mayor, "已签发待印发")
    expect(mayor.locator("#box-sign")).to_contain_text("林望川")
    open_from_inbox(clerk, f"已签发，待印发：{title}")
    actions(clerk).locator("#issue").click()
    done(clerk, "已印发")
    screenshot(clerk, "journey-2-outgoing-notice.png")

    # Each addressee finds it in its 待办: a county and a department.
    for username in ("qingyuan", "education"):
        page = as_user(username)
        open_from_inbox(page, f"来文：{title}")
        expect(page.locator("#doc-state")).to_have_text("已印发")
    counties = InboxItem.objects.filter(subject_id=str(doc_id), for_reading=True, unit__kind="county").count()
    assert counties == 7  # the 7 counties and districts


def test_journey_3_departments_that_disagree_list_their_grounds_and_the_government_decides(as_user, orm):  # 50-1, 52-3
    title = "抚顺市人民政府关于加快推进数字经济发展的若干措施的通知"
    fgw = as_user("fgw")
    fgw.goto("/documents/outgoing/new/")
    form = fgw.locator("#new-outgoing")
    form.locator("#id_issuer").select_option(label="抚顺市人民政府")
    form.locator("#id_title").fill(title)
    form.locator("#id_addressees").fill("各县（区）人民政府、市政府各部门")
    form.locator("#id_matter_unit").select_option(label="抚顺市发展和改革委员会")
    form.locator("#id_body").fill(
        "各县（区）人民政府，市政府各部门：\n    为加快数字经济发展，提出以下措施。\n    一、设立数字经济发展专项资金。"
    )
    form.locator("#save-outgoing").click()
    done(fgw, "草稿")
    doc_id = _doc_id(fgw)
    cs = actions(fgw).locator("#countersign-form")
    cs.locator("#a-units").select_option(label=["抚顺市财政局", "抚顺市工业和信息化局"])
    cs.get_by_role("button", name="发起会签").click()
    done(fgw, "会签中")

    finance = as_user("finance")
    open_from_inbox(finance, f"会签：{title}")
    reply = actions(finance).locator(".reply-form").first
    reply.get_by_role("radio", name="有不同意见").check()
    reply.locator("textarea[name='reply']").fill("设立新的专项资金不符合预算管理规定，建议在现有产业发展资金中统筹。")
    reply.get_by_role("button", name="回复会签").click()
    done(finance)
    industry = as_user("industry")
    open_from_inbox(industry, f"会签：{title}")
    actions(industry).locator(".reply-form").first.get_by_role("button", name="回复会签").click()
    done(industry, "草稿")

    # No downward document while they disagree: sending it on is refused until the grounds are listed.
    open_from_inbox(fgw, f"会签有分歧，待列明各方理据和办理建议：{title}")
    actions(fgw).locator("#prepare").click()
    expect(fgw.locator("[role='alert']").first).to_contain_text("第五十条第一款")
    listing = actions(fgw).locator("#disagreement-form")
    listing.locator("#a-grounds").fill("数字经济是我市重点产业，单列资金便于考核绩效。")
    listing.locator("#a-proposal").fill("建议设立专项，首年规模控制在现有产业资金的20%以内。")
    listing.get_by_role("button", name="列明分歧并提出建议").click()
    done(fgw)
    expect(fgw.locator("#disagreement")).to_contain_text("市财政局" if False else "抚顺市财政局")
    # The other heads countersign the statement.
    for page in (finance, industry):
        open_from_inbox(page, f"会签分歧情况（请确认）：{title}")
        page.locator(".confirm-form button").first.click()
        done(page)
    fgw.goto(f"/documents/{doc_id}/")
    actions(fgw).locator("#prepare").click()
    done(fgw, "待核稿")
    clerk2 = as_user("clerk2")
    open_from_inbox(clerk2, f"待核稿：{title}")
    actions(clerk2).locator("#check-ok").click()
    done(clerk2, "待签发")
    # The mayor has no signing button yet, and is told why (Art 52 ¶3).
    mayor = as_user("mayor")
    mayor.goto(f"/documents/{doc_id}/")
    expect(actions(mayor).locator("#sign-button")).to_have_count(0)
    expect(actions(mayor)).to_contain_text("第五十二条第三款")
    # A signing request anyway is refused with the article.
    token = mayor.locator("input[name='csrfmiddlewaretoken']").first.get_attribute("value")
    response = mayor.request.post(f"/documents/{doc_id}/act/sign/", form={"csrfmiddlewaretoken": token or ""})
    assert response.status == 409 and "第五十二条第三款" in response.text()

    # The office submits the listed disagreement for decision; the vice mayor in charge decides.
    clerk = as_user("clerk")
    open_from_inbox(clerk, f"分歧情况已会签，待报市政府决定：{title}")
    actions(clerk).locator("#route-form").get_by_role("button", name="呈批").click()
    done(clerk, "待领导批示")
    vm1 = as_user("vm1")
    open_from_inbox(vm1, f"分歧事项待决定：{title}")
    instruct = actions(vm1).locator("#instruct-form")
    instruct.locator("#a-opinion").select_option("批示")
    instruct.locator("#a-text").fill("同意市发展改革委的建议，首年规模控制在20%以内。")
    instruct.get_by_role("button", name="签署意见").click()
    done(vm1, "领导已批示")
    open_from_inbox(vm1, f"审核：{title}")
    actions(vm1).locator("#review").click()
    done(vm1)
    open_from_inbox(mayor, f"签发：{title}")
    actions(mayor).locator("#sign-button").click()
    done(mayor, "已签发待印发")
    screenshot(mayor, "journey-3-disagreement.png")
    doc = Document.objects.get(pk=doc_id)
    assert doc.disagreement["decided"] and doc.document_number
    assert AuditEvent.objects.filter(subject_id=str(doc_id), action="countersign.disagreement_confirmed").count() == 2


def test_journey_4_the_ab_partner_acts_for_an_absent_vice_mayor_and_the_work_returns(as_user, orm):  # 7-2, 49
    vm3 = Person.objects.get(holdings__position__code="vice-mayor-3")
    from cityhall.leave.models import LeaveRequest, ReportDuty

    ReportDuty.objects.filter(person=vm3).delete()
    LeaveRequest.objects.filter(person=vm3).delete()  # the demo trip, approved through the leave chain
    Absence.objects.filter(person=vm3).delete()  # start from vm3 at work; the office records the trip
    clerk = as_user("clerk")
    clerk.goto("/org/")
    form = clerk.locator("#absence-form")
    now = timezone.localtime()
    form.locator("[name='position']").select_option("vice-mayor-3")
    form.locator("[name='start']").fill((now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    form.locator("[name='end']").fill((now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    form.locator("[name='reason']").fill("赴省参加全省应急管理工作会议")
    form.get_by_role("button", name="登记").click()
    expect(clerk.locator("[role='status']").first).to_contain_text("宁致和")

    # vm3's pending 批示 appears in vm4's 待办 marked 代; vm4 acts, and the record keeps both people.
    title = "关于顺城区增设应急避难场所的请示"
    vm4 = as_user("vm4")
    row = inbox_item(vm4, title)
    expect(row).to_contain_text("代副市长宁致和办理")
    row.get_by_role("link").first.click()
    expect(actions(vm4)).to_contain_text("您正代宁致和办理")
    instruct = actions(vm4).locator("#instruct-form")
    instruct.locator("#a-opinion").select_option("同意")
    instruct.get_by_role("button", name="签署意见").click()
    done(vm4, "领导已批示")
    expect(vm4.locator("#box-instructions")).to_contain_text("苏映雪（代宁致和）")
    expect(history(vm4, "document.instruct")).to_contain_text("苏映雪（代宁致和）")
    screenshot(vm4, "journey-4-acting.png")
    vm4.goto("/?state=done")
    expect(vm4.locator("#inbox tbody tr", has_text=title)).to_contain_text("代宁致和")
    event = AuditEvent.objects.filter(action="document.instruct", subject_label__contains="顺城区").get()
    assert (event.actor_label, event.on_behalf_of_label) == ("苏映雪", "宁致和")

    # The office routes another request to vm3 while he is away: vm4 has it, marked 代.
    other = "关于东洲区老旧小区改造项目资金拨付的请示"
    open_from_inbox(clerk, f"已登记，待呈批：{other}")
    route = actions(clerk).locator("#route-form")
    route.locator("#a-to").select_option(label="副市长 宁致和")
    route.get_by_role("button", name="呈批").click()
    done(clerk, "待领导批示")
    expect(clerk.locator("#holders")).to_contain_text("由副市长 苏映雪代行")
    expect(inbox_item(vm4, other)).to_contain_text("代")

    # vm3 comes back (销假): the remaining work returns to him.
    clerk.goto("/org/")
    clerk.locator(f"[data-absence-person='{vm3.pk}']").get_by_role("button", name="销假").click()
    expect(clerk.locator("[role='status']").first).to_contain_text("销假")
    vm4.goto("/")
    expect(vm4.locator("#inbox tbody tr", has_text=other)).to_have_count(0)
    vm3_page = as_user("vm3")
    row = inbox_item(vm3_page, other)
    expect(row).not_to_contain_text("代副市长")


def test_journey_5_a_report_carrying_a_request_is_refused_and_the_same_draft_is_corrected(as_user, orm):  # 48
    title = "关于清原满族自治县2026年秋冬季森林防火工作情况的报告"
    qingyuan = as_user("qingyuan")
    qingyuan.goto("/documents/new/")
    form = qingyuan.locator("#new-document")
    form.locator("#id_kind").select_option("报告")
    form.locator("#id_title").fill(title)
    form.locator("#id_body").fill("现将我县森林防火工作情况报告如下。……另，申请市级防火专项资金200万元，妥否，请批示。")
    form.locator("#precheck-button").click()
    expect(qingyuan.locator("#precheck-result")).to_contain_text("预审未通过")
    expect(qingyuan.locator("#precheck-result")).to_contain_text("第四十八条")
    form.locator("#submit-document").click()
    alert = qingyuan.locator("[role='alert']").first
    expect(alert).to_contain_text("未能报送")
    expect(alert).to_contain_text("第四十八条")
    expect(qingyuan).to_have_url(re.compile(r"/documents/\d+/edit/$"))
    # Nothing is lost: the same draft comes back as typed.
    form = qingyuan.locator("#new-document")
    expect(form.locator("#id_body")).to_have_value(re.compile("妥否，请批示。$"))
    form.locator("#id_body").fill("现将我县2026年秋冬季森林防火工作情况报告如下。……\n特此报告。")
    form.locator("#submit-document").click()
    done(qingyuan, "待收文登记")
    screenshot(qingyuan, "journey-5-returned-at-intake.png")
    assert Document.objects.filter(title=title).count() == 1
    assert Document.objects.get(title=title).state == "submitted"


def _tiny_pdf() -> bytes:
    """A one-page PDF, enough for the browser's viewer to show it inline."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
        b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n165\n%%EOF\n"
    )
