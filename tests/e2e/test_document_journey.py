"""An official request (请示) walked through the browser, from the county's submission to a numbered DOCX.

The server-side version of the same walk is tests/documents/test_pages_and_output.py.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from docx import Document as Docx
from playwright.sync_api import Locator, Page, expect

from cityhall.documents.models import Countersign, Document
from cityhall.documents.services import document_co_sign, document_create_outgoing, document_review
from cityhall.org.demo import DEMO_PASSWORD, load_demo
from cityhall.org.models import Person, Position, Unit
from cityhall.org.services import absence_record
from cityhall.workflow.worker import run_once

pytestmark = pytest.mark.e2e

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-results"
SHANGHAI = ZoneInfo("Asia/Shanghai")

REQUEST_TITLE = "关于新宾县农村公路养护资金的请示"
NOTICE_TITLE = "抚顺市人民政府关于加强农村公路养护管理的通知"
VM5_NAME = "贺长松"  # vice-mayor-5, away during the walk
VM6_NAME = "阮嘉禾"  # vice-mayor-6, vm5's A/B partner


def person(code: str) -> Person:
    return Person.objects.get(holdings__position__code=code)


def login(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("#login-form").get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/$"))


def logout(page: Page) -> None:
    nav(page).get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="主导航")


def actions(page: Page) -> Locator:
    return page.locator("#actions")


def history(page: Page, action: str) -> Locator:
    return page.locator(f"#history li[data-action='{action}']")


def expect_done(page: Page, state: str) -> None:
    expect(page.locator("p.notice[role='status']")).to_contain_text("已办理")
    expect(page.locator("#doc-state")).to_have_text(state)


@pytest.fixture
def vm5_away(transactional_db) -> None:
    load_demo()
    now = timezone.now().astimezone(SHANGHAI)
    absence_record(
        actor=None,
        position=Position.objects.get(code="vice-mayor-5"),
        start=now - dt.timedelta(hours=1),
        end=now + dt.timedelta(days=2),
        reason="赴省参加交通工作会议",
    )


def test_a_county_request_reaches_the_acting_vice_mayor_and_a_signed_notice_downloads_with_its_number(
    page: Page, vm5_away: None
):
    # -- 1. The county submits. A 报告 asking for approval is refused (Art 48); its text is kept as a draft.
    login(page, "xinbin")
    nav(page).get_by_role("link", name="公文").click()
    expect(page).to_have_url(re.compile(r"/documents/$"))
    page.get_by_role("link", name="报送公文（含预审）").click()
    expect(page).to_have_url(re.compile(r"/documents/new/$"))

    form = page.locator("#new-document")
    form.locator("#d-kind").select_option("报告")
    form.locator("#d-title").fill("关于防汛工作的报告")
    form.locator("#d-body").fill("今年汛期防汛工作情况报告如下。妥否，请批复。")
    form.locator("#d-signed").fill("县长")
    form.get_by_role("button", name="预审并报送").click()
    refusal = page.locator("p.error[role='alert']")
    expect(refusal).to_contain_text("未能报送")
    expect(refusal).to_contain_text("第四十八条")
    expect(page.locator("p.notice[role='status']").first).to_contain_text("草稿已保存")
    # Nothing is lost: the form comes back as it was typed, tied to the saved draft.
    form = page.locator("#new-document")
    expect(form.locator("#d-body")).to_have_value("今年汛期防汛工作情况报告如下。妥否，请批复。")
    expect(form.locator("input[name='draft']")).to_have_count(1)

    # The county corrects the same draft into a request and submits it again.
    form.locator("#d-kind").select_option("请示")
    form.locator("#d-title").fill(REQUEST_TITLE)
    form.locator("#d-body").fill("我县农村公路养护资金缺口较大，特申请市级补助资金。妥否，请批示。")
    form.locator("#d-addressees").fill("抚顺市人民政府")
    form.locator("#d-signed").fill("县长")
    form.locator("#d-matter").select_option(label="抚顺市交通运输局")
    form.get_by_role("button", name="预审并报送").click()
    expect(page).to_have_url(re.compile(r"/documents/\d+/$"))
    expect(page.locator("p.notice[role='status']")).to_contain_text("已报送市政府办公室")
    expect(page.locator("h1")).to_have_text(REQUEST_TITLE)
    expect(page.locator("#doc-state")).to_have_text("待收文审核")
    doc = Document.objects.get(title=REQUEST_TITLE)
    assert Document.objects.count() == 1  # the refused draft became the request: no orphan left behind
    doc_url = f"/documents/{doc.pk}/"
    expect(page).to_have_url(re.compile(re.escape(doc_url) + "$"))
    logout(page)

    # -- 2. The General Office: intake, then countersign with finance and transport (Art 50).
    login(page, "clerk")
    nav(page).get_by_role("link", name="公文").click()
    queued = page.locator(f"#documents tr[data-document='{doc.pk}']")
    expect(queued).to_contain_text("待收文审核")
    queued.get_by_role("link", name=REQUEST_TITLE).click()
    expect(page).to_have_url(re.compile(re.escape(doc_url) + "$"))

    actions(page).locator("#a-handling").fill("拟请分管交通的贺副市长阅示，并请市财政局、市交通运输局会签。")
    actions(page).get_by_role("button", name="收文登记").click()
    expect_done(page, "已登记待呈批")
    expect(page.locator("dl")).to_contain_text("拟请分管交通的贺副市长阅示")

    actions(page).locator("#a-units").select_option(label=["抚顺市财政局", "抚顺市交通运输局"])
    actions(page).get_by_role("button", name="发起会签").click()
    expect_done(page, "会签中")
    expect(page.locator("#countersigns tr[data-unit]")).to_have_count(2)
    expect(page.locator("#countersigns tr[data-unit='finance'] .cs-state")).to_have_text("待回复")
    logout(page)

    # -- 3. Finance agrees; transport stays silent.
    login(page, "finance")
    page.goto(doc_url)
    reply = page.locator("#reply-form")
    expect(reply).to_contain_text("抚顺市财政局会签")
    expect(reply.get_by_role("radio", name="同意", exact=True)).to_be_checked()
    reply.locator("textarea[name='reply']").fill("同意")
    reply.get_by_role("button", name="回复会签").click()
    expect(page.locator("p.notice[role='status']")).to_contain_text("已办理")
    expect(page.locator("#countersigns tr[data-unit='finance'] .cs-state")).to_have_text("同意")
    expect(page.locator("#reply-form")).to_have_count(0)
    logout(page)

    # -- 4. The worker runs once past transport's deadline: 视为无不同意见 (Art 50 ¶2).
    due_at = Countersign.objects.get(document=doc, unit__code="transport").deadline.due_at
    run_once(now=due_at + dt.timedelta(minutes=1))

    login(page, "clerk")
    page.goto(doc_url)
    transport = page.locator("#countersigns tr[data-unit='transport']")
    expect(transport.locator(".cs-state")).to_have_text("视为无不同意见")
    expect(transport).to_contain_text("第五十条第二款")
    expect(history(page, "countersign.deemed_no_objection")).to_have_count(1)
    expect(page.locator("#doc-state")).to_have_text("已登记待呈批")

    # -- 5. Routed by division of labour: transport is vice-mayor-5's, who is away.
    actions(page).locator("#a-to").select_option("")  # 按领导分工
    expect(actions(page).get_by_label("重大事项（报市长）")).not_to_be_checked()
    actions(page).get_by_role("button", name="呈批").click()
    expect_done(page, "待领导批示")
    expect(page.locator("dl")).to_contain_text(f"副市长{VM5_NAME}")
    logout(page)

    # -- 6. vm6 acts for vm5: the item carries 代; the instruction is recorded on vm5's behalf.
    login(page, "vm6")
    expect(page.locator("p.notice[role='status']")).to_contain_text("您今天代行")
    item = page.locator("#inbox tr[data-item]").filter(has_text=f"呈批：{REQUEST_TITLE}")
    expect(item).to_have_count(1)
    expect(item.locator(".badge.acting")).to_have_text("代")
    item.get_by_role("link", name=f"呈批：{REQUEST_TITLE}").click()
    expect(page).to_have_url(re.compile(re.escape(doc_url) + "$"))

    instruct = page.locator("#instruct-form")
    instruct.locator("#a-opinion").select_option("批示")
    instruct.locator("#a-text").fill("请市财政局会同市交通运输局研究提出补助方案。")
    instruct.get_by_role("button", name="签署意见").click()
    expect_done(page, "领导已批示")
    expect(page.locator("#doc-opinion")).to_have_text("批示：请市财政局会同市交通运输局研究提出补助方案。")
    instructed = history(page, "document.instruct")
    expect(instructed).to_contain_text(VM6_NAME)
    expect(instructed).to_contain_text(f"（代{VM5_NAME}）")
    logout(page)

    # -- 7. The outgoing notice: reviewed by vm6 for the absent vm5, co-signed by vm1, then the mayor signs.
    notice = document_create_outgoing(
        actor=person("office-clerk-1"),
        issuer_unit=Unit.objects.get(code="city-government"),
        kind="通知",
        category="government_downward",
        title=NOTICE_TITLE,
        body="为加强农村公路养护管理，现就有关事项通知如下。\n一、压实县级主体责任。\n二、保障养护资金。",
        addressees=["各县（区）人民政府", "市政府各部门"],
        copied_to=["市委办公室", "市人大常委会办公室"],
        matter_unit=Unit.objects.get(code="transport"),
        touched_leaders=["vice-mayor-1"],
    )
    notice = document_review(actor=person("vice-mayor-6"), document=notice)
    notice = document_co_sign(actor=person("vice-mayor-1"), document=notice)

    login(page, "mayor")
    page.goto(f"/documents/{notice.pk}/")
    expect(page.locator("#doc-state")).to_have_text("已登记待呈批")
    page.locator("#sign-button").click()
    expect_done(page, "已签发")
    year = timezone.now().astimezone(SHANGHAI).year
    number = page.locator("#doc-number")
    expect(number).to_have_text(re.compile(rf"^抚政发〔{year}〕\d+号$"))
    document_number = number.inner_text()
    expect(history(page, "document.sign")).to_have_count(1)
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "document.png"), full_page=True)

    with page.expect_download() as download_info:
        page.locator("#download-docx").click()
    download = download_info.value
    assert download.suggested_filename == f"document-{notice.pk}.docx"
    texts = [p.text for p in Docx(io.BytesIO(Path(download.path()).read_bytes())).paragraphs]
    assert NOTICE_TITLE in texts
    assert document_number in texts
