"""GB/T 9704-2012 output: DOCX (python-docx) and PDF (WeasyPrint), both from the same fields.

Page: A4; 天头 (top margin) 37 mm, 订口 (binding margin) 28 mm, type area 156 × 225 mm, so the
right margin is 26 mm and the bottom 35 mm. Body: 3号 (16 pt) 仿宋, 22 lines of 28 characters.
The red header (发文机关标志) and the red separator line above the title; the 版记 (抄送, 印发机关
and 印发日期) at the end between thin lines. Fonts: the documents name 仿宋_GB2312 / 方正小标宋
as Word users have them; rendering here falls back to the free Noto CJK fonts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.template.loader import render_to_string
from docx import Document as Docx
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from .models import Document

RED = RGBColor(0xD0, 0x00, 0x00)
BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEI_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
SIZE_2 = Pt(22)  # 2号
SIZE_3 = Pt(16)  # 3号
SIZE_4 = Pt(14)  # 4号
# 225 mm / 22 lines = 10.227 mm = 28.99 pt a line.
LINE_PITCH = Pt(28.95)


@dataclass(frozen=True)
class Layout:
    page_width_mm: float = 210
    page_height_mm: float = 297
    top_mm: float = 37
    binding_mm: float = 28
    right_mm: float = 26
    bottom_mm: float = 35
    lines_per_page: int = 22
    chars_per_line: int = 28


LAYOUT = Layout()


def _chinese_date(d: object) -> str:
    if d is None:
        return ""
    return f"{d.year}年{d.month}月{d.day}日"  # type: ignore[attr-defined]


def _run(paragraph, text: str, font: str = BODY_FONT, size=SIZE_3, bold: bool = False, color=None):  # type: ignore[no-untyped-def]
    run = paragraph.add_run(text)
    run.font.size = size
    run.font.bold = bold
    run.font.name = font
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    if color is not None:
        run.font.color.rgb = color
    return run


def _para(docx, align=WD_ALIGN_PARAGRAPH.LEFT, indent_chars: int = 0):  # type: ignore[no-untyped-def]
    p = docx.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if indent_chars:
        fmt.first_line_indent = Pt(16 * indent_chars)
    return p


def _border(paragraph, side: str, color: str, size_eighths: int) -> None:  # type: ignore[no-untyped-def]
    p_pr = paragraph._p.get_or_add_pPr()
    borders = p_pr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        p_pr.append(borders)
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size_eighths))
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), color)
    borders.append(line)


def render_docx(doc: Document) -> bytes:
    docx = Docx()
    section = docx.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(LAYOUT.page_width_mm), Mm(LAYOUT.page_height_mm)
    section.top_margin, section.bottom_margin = Mm(LAYOUT.top_mm), Mm(LAYOUT.bottom_mm)
    section.left_margin, section.right_margin = Mm(LAYOUT.binding_mm), Mm(LAYOUT.right_mm)
    # The document grid fixes 22 lines a page and 28 characters a line (GB/T 9704 §5.2.2).
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(int(LINE_PITCH.pt * 20)))
    grid.set(qn("w:charSpace"), "0")
    style = docx.styles["Normal"]
    style.font.name = BODY_FONT
    style.font.size = SIZE_3
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    # 版头: 份号, 密级和保密期限, 紧急程度.
    if doc.copy_number:
        _run(_para(docx), doc.copy_number.zfill(6), HEI_FONT)
    if doc.classification:
        _run(_para(docx), f"{doc.classification}★{doc.classification_period}", HEI_FONT)
    if doc.urgency:
        _run(_para(docx), doc.urgency, HEI_FONT)
    mark = _para(docx, WD_ALIGN_PARAGRAPH.CENTER)
    mark.paragraph_format.line_spacing = Pt(60)
    _run(mark, doc.issuer_mark or f"{doc.issuer_unit.name}文件", TITLE_FONT, Pt(48), color=RED)
    _para(docx)
    number_line = _para(docx, WD_ALIGN_PARAGRAPH.CENTER)
    if doc.direction == Document.Direction.INCOMING and doc.signer_name:
        number_line.alignment = WD_ALIGN_PARAGRAPH.LEFT
        _run(number_line, doc.document_number or "")
        _run(number_line, "　　签发人：")
        _run(number_line, doc.signer_name, KAI_FONT)
    else:
        _run(number_line, doc.document_number or "（未编号）")
    # The red separator line under the document number (版头中的分隔线).
    _border(number_line, "bottom", "D00000", 18)
    _para(docx)

    title = _para(docx, WD_ALIGN_PARAGRAPH.CENTER)
    title.paragraph_format.line_spacing = Pt(36)
    _run(title, doc.title, TITLE_FONT, SIZE_2)
    _para(docx)
    if doc.addressees:
        _run(_para(docx), f"{doc.addressees}：")
    for line in [ln.strip() for ln in doc.body.splitlines() if ln.strip()]:
        _run(_para(docx, indent_chars=2), line)
    if doc.attachment_note:
        _para(docx)
        _run(_para(docx, indent_chars=2), f"附件：{doc.attachment_note}")
    _para(docx)
    _para(docx)
    _run(_para(docx, WD_ALIGN_PARAGRAPH.RIGHT), f"{doc.issuer_signature or doc.issuer_unit.name}　　")
    _run(_para(docx, WD_ALIGN_PARAGRAPH.RIGHT), f"{_chinese_date(doc.dated)}　　")
    if doc.note:
        _run(_para(docx, indent_chars=2), f"（{doc.note}）")

    # 版记: 抄送 and 印发机关和印发日期, between lines.
    _para(docx)
    first = _para(docx)
    _border(first, "top", "000000", 8)
    if doc.copied_to:
        _run(first, f"抄送：{doc.copied_to}。", size=SIZE_4)
        printed = _para(docx)
        _border(printed, "top", "000000", 4)
    else:
        printed = first
    _run(printed, f" {doc.printed_by or doc.issuer_unit.name}", size=SIZE_4)
    _run(printed, f"\t{_chinese_date(doc.printed_on)}印发", size=SIZE_4)
    _border(printed, "bottom", "000000", 8)

    buffer = io.BytesIO()
    docx.save(buffer)
    return buffer.getvalue()


def render_html(doc: Document) -> str:
    return render_to_string(
        "documents/gbt9704.html",
        {
            "doc": doc,
            "layout": LAYOUT,
            "dated": _chinese_date(doc.dated),
            "printed_on": _chinese_date(doc.printed_on),
            "body_lines": [ln.strip() for ln in doc.body.splitlines() if ln.strip()],
        },
    )


def render_pdf(doc: Document) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(doc)).write_pdf()
