"""The rendered GB/T 9704 output itself: the PDF read back with pdfplumber, the DOCX's XML, and the
DOCX laid out by LibreOffice. Documents are built in memory (no database) to keep these fast."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pdfplumber
import pytest
from django.conf import settings

from cityhall.documents import render
from cityhall.documents.models import Document
from cityhall.org.demo import UNITS
from cityhall.org.models import Unit

COUNTIES = [(name, short) for _code, name, short, kind, _doc_code in UNITS if kind == "county"]
CITY = "抚顺市人民政府"
BODY_LINE = "为加强农村公路养护管理，压实县级主体责任，保障养护资金，现就有关事项通知如下。"


def make(
    paragraphs: int = 3,
    *,
    unit: str = CITY,
    kind: str = "通知",
    body: str | None = None,
    addressees: str = "各县（区）人民政府、市政府各部门",
    dated: dt.date | None = dt.date(2026, 11, 25),
    **fields,
) -> Document:
    if body is None:
        body = "\n".join(
            f"{'一二三四五六七八九十'[i % 10]}、第{i + 1}项。{BODY_LINE}"
            if i % 4 == 0
            else f"{i + 1}号事项：{BODY_LINE}"
            for i in range(paragraphs)
        )
    doc = Document(
        pk=1,
        direction=Document.Direction.OUTGOING if kind not in render.UPWARD_KINDS else Document.Direction.INCOMING,
        kind=kind,
        title=f"{unit}关于加强农村公路养护管理的{kind}",
        addressees=addressees,
        body=body,
        dated=dated,
        copied_to="市委办公室、市人大常委会办公室",
        printed_by=f"{unit}办公室",
        printed_on=dt.date(2026, 11, 26),
        **fields,
    )
    doc.issuer_unit = Unit(code="u", name=unit, kind=Unit.Kind.COUNTY)
    return doc


def pdf_pages(doc: Document) -> list[dict]:
    """Each page as its lines of text with their positions, and the red characters."""
    result = render.render_pdf_result(doc)
    with pdfplumber.open(io.BytesIO(result.content)) as pdf:
        assert len(pdf.pages) == result.pages
        pages = read_pages(pdf)
        pages[0]["meta"] = pdf.metadata
    return pages


def squash(text: str) -> str:
    """Text without spaces: LibreOffice's PDF puts spaces between digits and CJK, ours doesn't."""
    return re.sub(r"\s", "", text)


def read_pages(pdf) -> list[dict]:
    pages = []
    for page in pdf.pages:
        lines = page.extract_text_lines()
        for line in lines:
            line["text"] = squash(line["text"])
        red = [c for c in page.chars if _is_red(c.get("non_stroking_color"))]
        pages.append({"lines": lines, "texts": [ln["text"] for ln in lines], "red": red, "page": page})
    return pages


def _is_red(color) -> bool:
    return isinstance(color, (tuple, list)) and len(color) == 3 and color[0] > 0.7 and color[1] < 0.2


def tail_texts(doc: Document) -> set[str]:
    parts = render.parts_of(doc)
    return {squash(parts.signature), squash(parts.dated), f"抄送：{doc.copied_to}。"}


def body_lines_on(page: dict, doc: Document) -> list[str]:
    """The lines of a page that are neither page number, signature, date nor 版记."""
    parts = render.parts_of(doc)
    skip = tail_texts(doc)
    return [
        t
        for t in page["texts"]
        if t not in skip and not re.fullmatch(r"—\d+—", t) and not t.startswith(parts.printed_by)
    ]


def assert_gbt_pages(doc: Document, pages: list[dict]) -> None:
    parts = render.parts_of(doc)
    for i, page in enumerate(pages, 1):
        height, width = page["page"].height, page["page"].width
        numbers = [ln for ln in page["lines"] if ln["text"] == f"—{i}—"]
        assert numbers, f"第{i}页没有页码“— {i} —”：{page['texts'][-3:]}"
        number = numbers[0]
        # Under the type area (bottom margin 35 mm), its top about 7 mm below it.
        type_bottom = height - 35 * 72 / 25.4
        assert type_bottom < number["top"] < type_bottom + 12 * 72 / 25.4
        if i % 2:
            assert number["x0"] > width / 2, "单页码居右"
        else:
            assert number["x1"] < width / 2, "双页码居左"
        if squash(parts.signature) in page["texts"] or squash(parts.dated) in page["texts"]:
            assert body_lines_on(page, doc), f"第{i}页只有署名和成文日期，没有正文"
    last = pages[-1]
    banji = [ln for ln in last["lines"] if ln["text"].startswith("抄送：") or ln["text"].endswith("印发")]
    assert len(banji) == 2, f"版记不在最后一页：{last['texts']}"
    # At the foot: the 印发 line ends at the type area's bottom edge.
    assert banji[-1]["bottom"] > last["page"].height - 35 * 72 / 25.4 - 15
    for page in pages[:-1]:
        assert not any(t.endswith("印发") for t in page["texts"])
    assert squash(parts.dated) in last["texts"] and squash(parts.signature) in last["texts"]


def test_a_one_page_notice():
    doc = make(2)
    pages = pdf_pages(doc)
    assert len(pages) == 1
    assert_gbt_pages(doc, pages)
    texts = pages[0]["texts"]
    assert "抄送：市委办公室、市人大常委会办公室。" in texts
    assert any(t.endswith("2026年11月26日印发") for t in texts)


def test_the_signature_never_stands_alone_on_the_next_page():
    # Sweep the body's length across the first page's end: at one of these the signature and date
    # would fall alone onto page 2 if they were not kept with the last body lines.
    seen_two_pages = False
    for n in range(2, 7):
        doc = make(n)
        pages = pdf_pages(doc)
        assert_gbt_pages(doc, pages)
        seen_two_pages |= len(pages) == 2
    assert seen_two_pages


def test_a_long_document_is_numbered_odd_right_even_left_and_ends_with_the_banji():
    doc = make(40)
    pages = pdf_pages(doc)
    assert len(pages) >= 5
    assert_gbt_pages(doc, pages)


@pytest.mark.parametrize(("name", "short"), COUNTIES)
def test_a_countys_red_head_is_on_one_line(name, short):
    doc = make(
        2, unit=name, kind="请示", addressees=CITY, signer_name="乌云岚", sender_number=f"{short[:2]}政〔2026〕3号"
    )
    pages = pdf_pages(doc)
    red = pages[0]["red"]
    assert "".join(c["text"] for c in red) == f"{name}文件"
    assert len({round(c["top"]) for c in red}) == 1, "发文机关标志折行了"
    assert min(c["x0"] for c in red) >= 28 * 72 / 25.4 - 1 and max(c["x1"] for c in red) <= (210 - 26) * 72 / 25.4 + 1


def test_a_request_has_the_signer_line_and_a_date():
    doc = make(
        2,
        unit="新宾满族自治县人民政府",
        kind="请示",
        addressees=CITY,
        signer_name="乌云岚",
        sender_number="新政〔2026〕3号",
    )
    pages = pdf_pages(doc)
    line = next(ln for ln in pages[0]["lines"] if "签发人" in ln["text"])
    assert line["text"].startswith("新政〔2026〕3号") and line["text"].endswith("签发人：乌云岚")
    assert "2026年11月25日" in pages[-1]["texts"]
    # A draft, not yet submitted: the lines are there with blanks to fill, not missing.
    draft = render.parts_of(make(2, kind="请示", unit="新宾满族自治县人民政府", dated=None))
    assert draft.upward and "年" in draft.dated and "月" in draft.dated


def test_the_salutation_the_user_typed_is_printed_once():
    doc = make(
        body="抚顺市人民政府：\n我县拟于明年实施农村公路改造工程，特此请示。",
        unit="新宾满族自治县人民政府",
        kind="请示",
        addressees=CITY,
    )
    pages = pdf_pages(doc)
    text = "\n".join(pages[0]["texts"])
    assert text.count("抚顺市人民政府：") == 1
    docx = _docx_texts(render.render_docx(doc))
    assert docx.count("抚顺市人民政府：") == 1
    # A first line that merely ends with a colon is body text, not a salutation.
    assert not render.is_salutation("现将有关事项通知如下：", "各县（区）人民政府")
    assert render.is_salutation("各县（区）人民政府，市政府各部门：", "各县（区）人民政府、市政府各部门")


def test_fonts_fall_back_to_a_named_installed_font():
    noto = frozenset({"Noto Serif CJK SC", "Noto Sans CJK SC"})
    fonts = render.choose_fonts(noto)
    assert fonts["body"].fallback and fonts["body"].used == "Noto Serif CJK SC"
    assert fonts["hei"].fallback and fonts["hei"].used == "Noto Sans CJK SC"
    assert not fonts["song"].fallback  # Noto Serif CJK is a 宋体 design
    note = render.fallback_note(fonts)
    assert "仿宋" in note and "小标宋" in note and "Noto Serif CJK SC" in note
    real = render.choose_fonts(frozenset({"FangSong_GB2312", "方正小标宋简体", "SimHei", "KaiTi_GB2312", "SimSun"}))
    assert not any(f.fallback for f in real.values()) and render.fallback_note(real) == ""


def test_the_pdf_uses_and_names_the_fonts_it_has(caplog):
    doc = make(4)
    fonts = render.choose_fonts()
    with caplog.at_level("WARNING", logger="cityhall.documents.render"):
        pages = pdf_pages(doc)

    def squash(name: str) -> str:
        return re.sub(r"[\s-]", "", name)

    used = {squash(c["fontname"].split("+")[-1]) for page in pages for c in page["page"].chars}
    assert any(squash(fonts["body"].used) in name for name in used), used
    hei = [c for c in pages[0]["page"].chars if c["text"] == "项"]  # in "一、第1项。", a 黑体 heading
    assert any(squash(fonts["hei"].used) in squash(c["fontname"]) for c in hei)
    if render.fallback_note(fonts):
        assert render.fallback_note(fonts) in caplog.text
        assert pages[0]["meta"].get("Subject") == render.fallback_note(fonts)


def test_the_preview_is_a_sheet_with_a_print_button():
    html = render.render_html(make(3))
    assert 'id="print-button"' in html and "/static/documents/print.js" in html
    assert "@media screen" in html and "box-shadow" in html
    assert "cdn" not in html.lower() and "http" not in html.lower().replace("http-equiv", "")
    note = render.fallback_note(render.choose_fonts())
    if note:
        assert 'id="font-note"' in html and note in html
    assert (Path(settings.BASE_DIR) / "cityhall/documents/static/documents/print.js").exists()


def _docx_texts(data: bytes) -> str:
    from docx import Document as Docx

    return "\n".join(p.text for p in Docx(io.BytesIO(data)).paragraphs)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def test_the_docx_has_page_fields_a_foot_banji_and_keeps_the_signature_with_the_body():
    from lxml import etree

    data = render.render_docx(make(12))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        footers = [etree.fromstring(z.read(n)) for n in names if re.fullmatch(r"word/footer\d+\.xml", n)]
        settings_xml = etree.fromstring(z.read("word/settings.xml"))
        body = etree.fromstring(z.read("word/document.xml"))
    assert settings_xml.find(f"{W}evenAndOddHeaders") is not None
    refs = {ref.get(f"{W}type") for ref in body.iter(f"{W}footerReference")}
    assert refs >= {"default", "even"}
    aligns = set()
    for footer in footers:
        kinds = [f.get(f"{W}fldCharType") for f in footer.iter(f"{W}fldChar")]
        assert kinds == ["begin", "separate", "end"]
        assert [t.text.strip() for t in footer.iter(f"{W}instrText")] == ["PAGE"]
        text = "".join(t.text or "" for t in footer.iter(f"{W}t"))
        assert text == "— 1 —"
        aligns |= {j.get(f"{W}val") for j in footer.iter(f"{W}jc")}
    assert aligns == {"right", "left"}
    paragraphs = list(body.iter(f"{W}p"))
    banji = [p for p in paragraphs if "抄送" in "".join(t.text or "" for t in p.iter(f"{W}t"))]
    frame = banji[0].find(f"{W}pPr/{W}framePr")
    assert frame is not None and frame.get(f"{W}yAlign") == "bottom" and frame.get(f"{W}vAnchor") == "margin"

    def text(p) -> str:
        return "".join(t.text or "" for t in p.iter(f"{W}t"))

    last_body = next(p for p in paragraphs if text(p).startswith("12号事项"))  # make(12)'s last paragraph
    assert last_body.find(f"{W}pPr/{W}keepNext") is not None
    signature = next(p for p in paragraphs if squash(text(p)) == CITY)
    assert signature.find(f"{W}pPr/{W}keepNext") is not None


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice（soffice）未安装：跳过 DOCX 版式的 LibreOffice 检查"
)
def test_libreoffice_lays_the_docx_out_like_the_pdf(tmp_path):
    doc = make(
        11,
        unit="新宾满族自治县人民政府",
        kind="请示",
        addressees=CITY,
        signer_name="乌云岚",
        sender_number="新政〔2026〕3号",
    )
    source = tmp_path / "doc.docx"
    source.write_bytes(render.render_docx(doc))
    subprocess.run(
        [
            shutil.which("soffice") or "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with pdfplumber.open(tmp_path / "doc.pdf") as pdf:
        pages = read_pages(pdf)
        assert len(pages) >= 2
        red = pages[0]["red"]
        assert "".join(c["text"] for c in red) == "新宾满族自治县人民政府文件"
        assert len({round(c["top"]) for c in red}) == 1
        assert "新政〔2026〕3号签发人：乌云岚" in pages[0]["texts"]  # 发文字号 and 签发人 on one line
        assert_gbt_pages(doc, pages)
