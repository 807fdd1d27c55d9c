"""Document pages through real HTTP, the GB/T 9704 DOCX and PDF, and classified content (Art 69)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from docx import Document as Docx
from docx.shared import Mm

from cityhall.documents.models import Countersign, Document
from cityhall.documents.services import (
    document_check,
    document_co_sign,
    document_create_incoming,
    document_create_outgoing,
    document_issue,
    document_prepare,
    document_review,
    document_sign,
)
from cityhall.org.demo import load_demo
from cityhall.org.models import Person, Position, Unit
from cityhall.workflow.worker import run_once

pytestmark = pytest.mark.django_db


def person(code: str) -> Person:
    return Person.objects.get(holdings__position__code=code)


def login(client, username: str) -> None:
    client.force_login(get_user_model().objects.get(username=username))


@pytest.fixture
def issued():
    load_demo()
    doc = document_create_outgoing(
        actor=person("office-clerk-1"),
        issuer_unit=Unit.objects.get(code="city-government"),
        kind="通知",
        category="government_downward",
        title="抚顺市人民政府关于加强农村公路养护管理的通知",
        body="为加强农村公路养护管理，现就有关事项通知如下。\n一、压实县级主体责任。\n二、保障养护资金。",
        addressees=["各县（区）人民政府", "市政府各部门"],
        copied_to=["市委办公室", "市人大常委会办公室"],
        matter_unit=Unit.objects.get(code="transport"),
        touched_leaders=["vice-mayor-1"],
    )
    doc = document_prepare(actor=person("office-clerk-1"), document=doc)
    doc = document_check(actor=person("office-clerk-2"), document=doc)
    doc = document_review(actor=person("vice-mayor-5"), document=doc)
    doc = document_co_sign(actor=person("vice-mayor-1"), document=doc)
    doc = document_sign(actor=person("mayor"), document=doc, at=dt.datetime(2026, 11, 25, 2, tzinfo=dt.UTC))
    return document_issue(actor=person("office-clerk-1"), document=doc, at=dt.datetime(2026, 11, 26, 2, tzinfo=dt.UTC))


def test_the_docx_follows_the_gbt_9704_page_setup_and_has_every_element(issued, client):
    login(client, "clerk")
    response = client.get(f"/documents/{issued.pk}/docx/")
    assert response.status_code == 200
    docx = Docx(io.BytesIO(response.content))
    section = docx.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28
    assert abs(section.top_margin - Mm(37)) < Mm(1) and abs(section.left_margin - Mm(28)) < Mm(1)
    grid = section._sectPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}docGrid")
    assert (
        grid is not None
        and grid.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}type") == "linesAndChars"
    )
    texts = [p.text for p in docx.paragraphs]
    header = next(p for p in docx.paragraphs if p.text == "抚顺市人民政府文件")
    assert header.runs[0].font.color.rgb is not None and str(header.runs[0].font.color.rgb) == "D00000"
    assert "抚政发〔2026〕1号" in texts
    assert "抚顺市人民政府关于加强农村公路养护管理的通知" in texts
    assert "各县（区）人民政府、市政府各部门：" in texts
    assert "一、压实县级主体责任。" in texts
    body = next(p for p in docx.paragraphs if p.text == "一、压实县级主体责任。")
    assert round(body.runs[0].font.size.pt) == 16  # 3号
    assert any(t.startswith("2026年11月25日") for t in texts)
    assert "抄送：市委办公室、市人大常委会办公室。" in texts
    assert any("2026年11月26日印发" in t for t in texts)


def test_the_pdf_and_the_preview_come_from_the_same_fields(issued, client):
    login(client, "clerk")
    import io

    import pdfplumber

    pdf = client.get(f"/documents/{issued.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    html = client.get(f"/documents/{issued.pk}/preview/").content.decode()
    assert "抚政发〔2026〕1号" in html and "size: A4" in html and "37mm" in html and "28mm" in html
    with pdfplumber.open(io.BytesIO(pdf.content)) as doc:
        page = doc.pages[0]
        text = "".join(p.extract_text() or "" for p in doc.pages).replace(" ", "").replace("\n", "")
        # A4 is 210 × 297 mm = 595.3 × 841.9 pt; the same fields as the preview, read back from the PDF.
        assert (round(page.width), round(page.height)) == (595, 842)
    for field in ("抚政发〔2026〕1号", issued.title, "各县（区）人民政府", "压实县级主体责任", "市委办公室"):
        assert field in text and field in html, field


@pytest.mark.rule("security.classified-access")
def test_classified_content_is_hidden_from_people_without_clearance(client):  # Art 69
    load_demo()
    doc = document_create_incoming(
        actor=person("head-xinbin"),
        issuer_unit=Unit.objects.get(code="xinbin"),
        kind="请示",
        title="关于某涉密事项的请示",
        body="涉密正文内容XYZ",
        addressees=["抚顺市人民政府"],
        signed_by_title="县长",
        classification="机密",
        classification_period="10年",
    )
    Person.objects.filter(user__username="clerk").update(clearance=Person.Clearance.NONE)
    login(client, "clerk")  # a clerk with no clearance
    page = client.get(f"/documents/{doc.pk}/").content.decode()
    assert "涉密正文内容XYZ" not in page and "无权查看正文" in page
    assert client.get(f"/documents/{doc.pk}/docx/").status_code == 403
    login(client, "mayor")  # cleared to 机密
    Document.objects.filter(pk=doc.pk).update(routed_to=Position.objects.get(code="mayor"))
    assert client.get(f"/documents/{doc.pk}/docx/").status_code == 200


def test_a_classified_document_needs_a_period_and_a_withheld_one_a_reason(db):
    load_demo()
    from cityhall.rules import RuleViolation

    with pytest.raises(RuleViolation, match="保密期限"):
        document_create_incoming(
            actor=None,
            issuer_unit=Unit.objects.get(code="xinbin"),
            kind="请示",
            title="x",
            body="y",
            addressees=["抚顺市人民政府"],
            signed_by_title="县长",
            classification="秘密",
        )


@pytest.mark.rule("disclosure.publish")
def test_28_a_document_withheld_from_disclosure_without_a_reason_is_refused_citing_article_28(db):  # Art 28
    load_demo()
    from cityhall.rulebase.selectors import rulebook
    from cityhall.rules import RuleViolation

    fields = {
        "actor": None,
        "issuer_unit": Unit.objects.get(code="xinbin"),
        "kind": "请示",
        "title": "x",
        "body": "y",
        "addressees": ["抚顺市人民政府"],
        "signed_by_title": "县长",
        "disclosure": "withheld",
    }
    with pytest.raises(RuleViolation) as err:
        document_create_incoming(**fields)
    assert err.value.code == "disclosure_reason" and "写明依法不予公开的理由" in err.value.message
    assert err.value.citation == rulebook().rule("disclosure.publish").citation
    assert err.value.citation.endswith("第二十八条")
    doc = document_create_incoming(**fields, disclosure_reason="涉及尚未公开的国有土地出让计划")
    assert doc.disclosure_reason == "涉及尚未公开的国有土地出让计划"


def test_a_county_submits_and_the_office_walks_it_through_the_pages(client):  # 48, 49, 50-2
    load_demo()
    login(client, "xinbin")
    refused = client.post(
        "/documents/new/",
        {
            "issuer": Unit.objects.get(code="xinbin").pk,
            "intent": "submit",
            "kind": "报告",
            "title": "关于防汛工作的报告",
            "body": "……妥否，请批复。",
            "addressees": "抚顺市人民政府",
            "signed_by_title": "县长",
        },
        follow=True,
    )
    html = refused.content.decode()
    assert "未能报送" in html and "第四十八条" in html and "草稿已保存" in html
    response = client.post(
        "/documents/new/",
        {
            "kind": "请示",
            "title": "关于新宾县农村公路养护资金的请示",
            "body": "特申请补助资金。妥否，请批示。",
            "addressees": "抚顺市人民政府",
            "signed_by_title": "县长",
            "issuer": Unit.objects.get(code="xinbin").pk,
            "intent": "submit",
            "matter_unit": str(Unit.objects.get(code="transport").pk),
        },
        follow=True,
    )
    doc = Document.objects.get(title="关于新宾县农村公路养护资金的请示")
    assert doc.state == "submitted" and "已报送" in response.content.decode()
    assert client.get(f"/documents/{doc.pk}/").status_code == 200
    # Another county cannot see it.
    login(client, "fgw")
    assert client.get(f"/documents/{doc.pk}/").status_code == 403

    login(client, "clerk")
    assert "关于新宾县农村公路养护资金的请示" in client.get("/documents/").content.decode()
    client.post(f"/documents/{doc.pk}/act/register/", {"proposed_handling": "拟请贺副市长阅示。"})
    finance, transport = Unit.objects.get(code="finance"), Unit.objects.get(code="transport")
    client.post(f"/documents/{doc.pk}/act/request_countersign/", {"units": [finance.pk, transport.pk]})
    assert Countersign.objects.filter(document=doc).count() == 2
    login(client, "finance")
    cs = Countersign.objects.get(document=doc, unit=finance)
    client.post(f"/documents/{doc.pk}/act/reply/", {"countersign": cs.pk, "agree": "yes", "reply": "同意"})
    run_once(now=Countersign.objects.get(document=doc, unit=transport).deadline.due_at + dt.timedelta(minutes=1))
    assert Countersign.objects.get(document=doc, unit=transport).state == "deemed"
    login(client, "clerk")
    client.post(f"/documents/{doc.pk}/act/route/", {"to": ""})
    login(client, "vm5")
    no_opinion = client.post(f"/documents/{doc.pk}/act/instruct/", {"opinion": ""}, follow=True).content.decode()
    assert "须签署明确意见" in no_opinion and "第四十九条" in no_opinion
    client.post(f"/documents/{doc.pk}/act/instruct/", {"opinion": "同意", "text": ""})
    doc.refresh_from_db()
    assert (doc.state, doc.opinion) == ("decided", "同意")
    history = client.get(f"/documents/{doc.pk}/").content.decode()
    for action in (
        "document.submit",
        "document.register",
        "countersign.deemed_no_objection",
        "document.route",
        "document.instruct",
    ):
        assert f'data-action="{action}"' in history
    assert "工作规则第五十条第二款" in history
    assert "会签：逾期视为无不同意见" in history and "领导批示" in history


def test_the_pdf_pages_follow_the_gbt_9704_page_setup(issued):
    from weasyprint import HTML

    from cityhall.documents.render import render_html

    mm = 96 / 25.4  # CSS pixels per millimetre
    layout = HTML(string=render_html(issued)).render()
    page = layout.pages[0]
    box = page._page_box
    assert (round(page.width / mm), round(page.height / mm)) == (210, 297)
    assert (round(box.margin_top / mm), round(box.margin_left / mm)) == (37, 28)  # 天头 37mm, 订口 28mm
    assert (round(box.margin_right / mm), round(box.margin_bottom / mm)) == (26, 35)  # type area 156 × 225 mm
    text = layout.write_pdf()
    assert text.startswith(b"%PDF")


@pytest.mark.rule("security.classified-access")
def test_69_work_and_commercial_secrets_are_levels_below_the_state_secrets_and_gated_like_them(client):
    """Art 69 「国家秘密、工作秘密或因履行职责掌握的商业秘密」: all five levels control who sees the content,
    every view is logged, and an administrator without clearance is no exception."""
    from cityhall.accounts.permissions import CLEARANCE_LEVELS
    from cityhall.documents.models import ClassifiedAccess
    from cityhall.rulebase.selectors import rulebook

    load_demo()
    levels = rulebook().rule("security.classified-access").record.params["levels"].values
    assert list(levels) == [k for k in CLEARANCE_LEVELS if k]
    assert {c for c, _ in Document.Classification.choices} == set(CLEARANCE_LEVELS)

    def incoming(level: str, period: str = "") -> Document:
        return document_create_incoming(
            actor=person("head-xinbin"),
            issuer_unit=Unit.objects.get(code="xinbin"),
            kind="请示",
            title=f"关于某{level}事项的请示",
            body=f"{level}正文内容QQ",
            addressees=["抚顺市人民政府"],
            signed_by_title="县长",
            classification=level,
            classification_period=period,
        )

    work = incoming("工作秘密")  # not a state secret: no ★, no period needed
    trade = incoming("商业秘密")
    assert (work.classification_mark, trade.classification_mark) == ("工作秘密", "商业秘密")
    assert incoming("秘密", "5年").classification_mark == "秘密★5年"
    clerk = Person.objects.get(user__username="clerk")
    get_user_model().objects.filter(username="admin").update(is_superuser=True)
    for username in ("clerk", "admin"):
        Person.objects.filter(user__username=username).update(clearance=Person.Clearance.NONE)
        login(client, username)
        for doc in (work, trade):
            page = client.get(f"/documents/{doc.pk}/").content.decode()
            assert doc.body not in page and doc.title not in page and "无权查看正文" in page, (username, doc)
            assert client.get(f"/documents/{doc.pk}/docx/").status_code == 403
    Person.objects.filter(pk=clerk.pk).update(clearance=Person.Clearance.WORK_SECRET)
    login(client, "clerk")
    before = ClassifiedAccess.objects.filter(person=clerk).count()
    for doc in (work, trade):
        page = client.get(f"/documents/{doc.pk}/").content.decode()
        assert doc.body in page and doc.title in page and doc.classification in page
    assert ClassifiedAccess.objects.filter(person=clerk).count() >= before + 2
    # 工作秘密 clearance does not reach a state secret.
    secret = incoming("秘密", "5年")
    assert secret.body not in client.get(f"/documents/{secret.pk}/").content.decode()
