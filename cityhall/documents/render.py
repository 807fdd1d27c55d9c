"""GB/T 9704-2012 output: DOCX (python-docx) and PDF (WeasyPrint), both from the same fields.

Page: A4; 天头 (top margin) 37 mm, 订口 (binding margin) 28 mm, type area 156 × 225 mm, so the
right margin is 26 mm and the bottom 35 mm. Body: 3号 (16 pt) 仿宋, 22 lines of 28 characters.
The red header (发文机关标志) on one line, and the red separator line above the title; the 版记
(抄送, 印发机关和印发日期) at the foot of the last page between thin lines; page numbers "— 1 —"
in 4号 宋体 under the type area, odd pages right and even pages left (§7.5).

Fonts: the DOCX names 仿宋_GB2312 / 方正小标宋简体 / 黑体 / 楷体_GB2312 as Word users have them.
The PDF is drawn here, so it can only use installed fonts: each role takes the first installed
font of its kind, else the closest installed one, and every such fallback is named (preview
note, PDF subject, log line, RenderResult.fonts) so that no one mistakes it for the real face.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import shutil
import subprocess
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from docx import Document as Docx
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from .models import Document

logger = logging.getLogger(__name__)

RED = RGBColor(0xD0, 0x00, 0x00)
BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEI_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
SONG_FONT = "宋体"
SIZE_2 = Pt(22)  # 2号
SIZE_3 = Pt(16)  # 3号
SIZE_4 = Pt(14)  # 4号
# 225 mm / 22 lines = 10.227 mm = 28.99 pt a line.
LINE_PITCH = Pt(28.95)
PT_PER_MM = 72 / 25.4


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
    # §7.5: the page number's 一字线 is 7 mm under the type area.
    page_number_gap_mm: float = 7

    @property
    def type_width_mm(self) -> float:
        return self.page_width_mm - self.binding_mm - self.right_mm


LAYOUT = Layout()

# -- fonts -------------------------------------------------------------------------------------------

# role: (the face GB/T 9704 asks for, installed names of that face, closest stand-ins in order).
# Noto Serif CJK SC is a 宋体 (Song/Ming) design, so it is the real face for 宋体 only.
FONT_ROLES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "body": (
        "仿宋",
        ("FangSong_GB2312", "仿宋_GB2312", "FangSong", "仿宋", "STFangsong", "华文仿宋", "FZFangSong-Z02S"),
        ("Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"),
    ),
    "title": (
        "小标宋",
        ("FZXiaoBiaoSong-B05S", "方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05"),
        ("Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"),
    ),
    "hei": (
        "黑体",
        ("SimHei", "黑体", "STHeiti", "华文黑体"),
        ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei"),
    ),
    "kai": (
        "楷体",
        ("KaiTi_GB2312", "楷体_GB2312", "KaiTi", "楷体", "STKaiti", "华文楷体", "AR PL UKai CN", "LXGW WenKai"),
        ("Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"),
    ),
    "song": (
        "宋体",
        ("SimSun", "宋体", "STSong", "华文宋体", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"),
        ("Noto Sans CJK SC",),
    ),
}
ROLE_LABELS = {"body": "正文", "title": "标题和发文机关标志", "hei": "一级标题", "kai": "二级标题", "song": "页码"}


@dataclass(frozen=True)
class FontChoice:
    role: str
    wanted: str  # the face GB/T 9704 asks for, e.g. 仿宋
    used: str  # the installed family the PDF uses
    fallback: bool  # True when `used` is a stand-in, not the face asked for

    @property
    def note(self) -> str:
        return f"{ROLE_LABELS[self.role]}应为{self.wanted}，本机未安装，以“{self.used}”代替"


@functools.cache
def installed_families() -> frozenset[str]:
    """Font families fontconfig knows (cached: fonts don't change while the process runs)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return frozenset()
    try:
        out = subprocess.run(  # noqa: S603 - fixed arguments
            [fc_list, "--format", "%{family}\n"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(",") if name.strip())


def choose_fonts(families: frozenset[str] | None = None) -> dict[str, FontChoice]:
    have = installed_families() if families is None else families
    chosen = {}
    for role, (wanted, real, stand_ins) in FONT_ROLES.items():
        used = next((name for name in real if name in have), None)
        if used is not None:
            chosen[role] = FontChoice(role, wanted, used, fallback=False)
        else:
            # Nothing of the kind installed: the closest stand-in, or its name if none at all is
            # (then the renderer's own default draws it, and the note still says what was wanted).
            used = next((name for name in stand_ins if name in have), stand_ins[0])
            chosen[role] = FontChoice(role, wanted, used, fallback=True)
    return chosen


def fallback_note(fonts: dict[str, FontChoice]) -> str:
    notes = [f.note for f in fonts.values() if f.fallback]
    return "字体替代：" + "；".join(notes) + "。" if notes else ""


# -- the parts of a document, shared by the DOCX and the PDF ---------------------------------------

UPWARD_KINDS = ("请示", "报告")
LEVEL_1 = re.compile(r"^[一二三四五六七八九十百]+、")
LEVEL_2 = re.compile(r"^[（(][一二三四五六七八九十百]+[）)]")
LEVEL_3 = re.compile(r"^\d+[.．]")
ORGAN_END = re.compile(
    r"(政府|人民政府|委员会|委|局|厅|办|办公室|部门|单位|院|会|处|室|中心|公司|集团|部|署|所|站|队|组)$"
)
SENTENCE_MARKS = re.compile(r"[。；！？]")


@dataclass(frozen=True)
class BodyLine:
    text: str
    level: int = 0  # 0 body text; 1 一、 (黑体); 2 （一） (楷体); 3 1. (仿宋)
    heading: str = ""  # the leading heading sentence drawn in the level's face
    rest: str = ""


def _chinese_date(d: object) -> str:
    if d is None:
        return ""
    return f"{d.year}年{d.month}月{d.day}日"  # type: ignore[attr-defined]


def _norm(text: str) -> str:
    return re.sub(r"[\s　、，,：:]", "", text)


def is_salutation(line: str, addressees: str) -> bool:
    """Does the body's first line already say the 主送机关 ("抚顺市人民政府："), as users type it?"""
    text = line.strip()
    if not text.endswith(("：", ":")) or SENTENCE_MARKS.search(text) or len(text) > 120:
        return False
    head = text[:-1].strip()
    if addressees and _norm(head) == _norm(addressees):
        return True
    parts = [p for p in re.split(r"[、，,]", addressees) if p.strip()]
    if parts and any(p.strip() in head for p in parts) and "，" not in head:
        return True
    return "，" not in head and bool(ORGAN_END.search(head.split("、")[-1]))


def _body_line(text: str) -> BodyLine:
    for level, pattern in ((1, LEVEL_1), (2, LEVEL_2), (3, LEVEL_3)):
        if pattern.match(text):
            # Only the heading sentence takes the level's face; the text run on after it stays 仿宋.
            end = text.find("。")
            heading, rest = (text, "") if end < 0 else (text[: end + 1], text[end + 1 :])
            return BodyLine(text, level, heading, rest)
    return BodyLine(text)


def fit_mark(mark: str, width_mm: float = LAYOUT.type_width_mm) -> tuple[float, float]:
    """Font size and letter spacing (pt) that keep the 发文机关标志 on one line of the type area.

    A county's name is long ("新宾满族自治县人民政府文件", 13 characters): at the city's 44 pt it would
    wrap and lose "文件". We keep a small safety margin for the glyphs' side bearings.
    """
    width = width_mm * PT_PER_MM * 0.94
    n = max(len(mark), 1)
    size, spacing = 44.0, 2.0
    if n * size + n * spacing <= width:
        return size, spacing
    spacing = 0.0
    return min(size, int(width / n * 2) / 2), spacing


@dataclass(frozen=True)
class Parts:
    mark: str
    mark_size: float
    mark_spacing: float
    upward: bool
    number: str
    signer: str
    salutation: str
    body: list[BodyLine]
    signature: str
    dated: str
    printed_by: str
    printed_on: str


def parts_of(doc: Document) -> Parts:
    lines = [ln.strip() for ln in doc.body.splitlines() if ln.strip()]
    salutation = f"{doc.addressees}：" if doc.addressees else ""
    if lines and is_salutation(lines[0], doc.addressees):
        # The user typed the salutation as the body's first line: print it once, as the 主送 line.
        salutation, lines = lines[0], lines[1:]
    mark = doc.issuer_mark or f"{doc.issuer_unit.name}文件"
    size, spacing = fit_mark(mark)
    upward = doc.kind in UPWARD_KINDS
    return Parts(
        mark=mark,
        mark_size=size,
        mark_spacing=spacing,
        upward=upward,
        number=doc.document_number or doc.sender_number or ("" if upward else "（未编号）"),
        signer=doc.signer_name,
        salutation=salutation,
        body=[_body_line(ln) for ln in lines],
        signature=doc.issuer_signature or doc.issuer_unit.name,
        # A draft has no 成文日期 yet: leave the blanks a clerk fills in, never drop the line.
        dated=_chinese_date(doc.dated) or "　　年　　月　　日",
        printed_by=doc.printed_by or doc.issuer_unit.name,
        printed_on=_chinese_date(doc.printed_on),
    )


@dataclass
class RenderResult:
    content: bytes
    fonts: dict[str, FontChoice] = field(default_factory=dict)
    pages: int = 0

    @property
    def fallback_note(self) -> str:
        return fallback_note(self.fonts)


# -- DOCX ----------------------------------------------------------------------------------------------


def _run(paragraph, text: str, font: str = BODY_FONT, size=SIZE_3, bold: bool = False, color=None):  # type: ignore[no-untyped-def]
    run = paragraph.add_run(text)
    run.font.size = size
    run.font.bold = bold
    run.font.name = font
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    if color is not None:
        run.font.color.rgb = color
    return run


def _para(container, align=WD_ALIGN_PARAGRAPH.LEFT, indent_chars: int = 0, keep: bool = False):  # type: ignore[no-untyped-def]
    p = container.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if indent_chars:
        fmt.first_line_indent = Pt(16 * indent_chars)
    if keep:
        fmt.keep_with_next = True
    return p


# Schema order of the pPr / rPr children that follow the ones we add: Word refuses (or "repairs")
# a file whose children are out of order, so each is inserted before its first successor.
_AFTER_PBDR = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
_AFTER_FRAMEPR = ("w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", *_AFTER_PBDR)
_AFTER_RSPACING = (
    "w:w",
    "w:kern",
    "w:position",
    "w:sz",
    "w:szCs",
    "w:highlight",
    "w:u",
    "w:effect",
    "w:bdr",
    "w:shd",
    "w:fitText",
    "w:vertAlign",
    "w:rtl",
    "w:cs",
    "w:em",
    "w:lang",
    "w:eastAsianLayout",
    "w:specVanish",
    "w:oMath",
)


def _border(paragraph, side: str, color: str, size_eighths: int) -> None:  # type: ignore[no-untyped-def]
    p_pr = paragraph._p.get_or_add_pPr()
    borders = p_pr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        p_pr.insert_element_before(borders, *_AFTER_PBDR)
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size_eighths))
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), color)
    # pBdr's own children: top, left, bottom, right, between, bar.
    order = ["top", "left", "bottom", "right", "between", "bar"]
    later = [qn(f"w:{t}") for t in order[order.index(side) + 1 :]]
    successor = next((child for child in borders if child.tag in later), None)
    if successor is None:
        borders.append(line)
    else:
        successor.addprevious(line)


def _at_foot(paragraph) -> None:  # type: ignore[no-untyped-def]
    """Put the paragraph in a frame at the foot of the type area: the 版记 sits at the bottom of the
    last page, wherever the body ends. Consecutive paragraphs with the same frame share one frame."""
    frame = OxmlElement("w:framePr")
    frame.set(qn("w:w"), str(int(LAYOUT.type_width_mm * 1440 / 25.4)))  # twips
    frame.set(qn("w:wrap"), "around")
    frame.set(qn("w:vAnchor"), "margin")
    frame.set(qn("w:hAnchor"), "margin")
    frame.set(qn("w:xAlign"), "center")
    frame.set(qn("w:yAlign"), "bottom")
    paragraph._p.get_or_add_pPr().insert_element_before(frame, *_AFTER_FRAMEPR)


def _page_field(paragraph, size=SIZE_4) -> None:  # type: ignore[no-untyped-def]
    """ "— N —" with N a real PAGE field, so Word and LibreOffice number every page themselves."""
    _run(paragraph, "— ", SONG_FONT, size)
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "1"), ("end", None)):
        run = _run(paragraph, "", SONG_FONT, size)
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        elif kind == "text":
            run.text = text or ""
        else:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
    _run(paragraph, " —", SONG_FONT, size)


def _footers(docx, section) -> None:  # type: ignore[no-untyped-def]
    # §7.5: odd pages' numbers right, even pages' left, each one 字 in from the type area's edge.
    docx.settings.odd_and_even_pages_header_footer = True
    # The number's line starts 7 mm under the type area (35 mm bottom margin, about 5 mm for 4号).
    section.footer_distance = Mm(LAYOUT.bottom_mm - LAYOUT.page_number_gap_mm - 5)
    for footer, align, side in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left"),
    ):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        if side == "right":
            p.paragraph_format.right_indent = SIZE_4
        else:
            p.paragraph_format.left_indent = SIZE_4
        _page_field(p)


def render_docx(doc: Document) -> bytes:
    parts = parts_of(doc)
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
    _footers(docx, section)

    # 版头: 份号, 密级和保密期限, 紧急程度.
    if doc.copy_number:
        _run(_para(docx), doc.copy_number.zfill(6), HEI_FONT)
    if doc.classification:
        _run(_para(docx), doc.classification_mark, HEI_FONT)
    if doc.urgency:
        _run(_para(docx), doc.urgency, HEI_FONT)
    mark = _para(docx, WD_ALIGN_PARAGRAPH.CENTER)
    mark.paragraph_format.line_spacing = Pt(max(60, parts.mark_size * 1.3))
    mark_run = _run(mark, parts.mark, TITLE_FONT, Pt(parts.mark_size), color=RED)
    if parts.mark_spacing:
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), str(int(parts.mark_spacing * 20)))
        mark_run._r.get_or_add_rPr().insert_element_before(spacing, *_AFTER_RSPACING)
    _para(docx)
    number_line = _para(docx, WD_ALIGN_PARAGRAPH.CENTER)
    if parts.upward:
        # §7.2.4 上行文: 发文字号 left, 签发人 right, each one 字 in from the edge, on one line.
        number_line.alignment = WD_ALIGN_PARAGRAPH.LEFT
        fmt = number_line.paragraph_format
        fmt.left_indent = fmt.right_indent = SIZE_3
        fmt.tab_stops.add_tab_stop(Mm(LAYOUT.type_width_mm) - SIZE_3, alignment=WD_TAB_ALIGNMENT.RIGHT)
        _run(number_line, parts.number)
        _run(number_line, "\t签发人：")
        _run(number_line, parts.signer or "　　　", KAI_FONT)
    else:
        _run(number_line, parts.number)
    # The red separator line under the document number (版头中的分隔线).
    _border(number_line, "bottom", "D00000", 18)
    _para(docx)

    title = _para(docx, WD_ALIGN_PARAGRAPH.CENTER)
    title.paragraph_format.line_spacing = Pt(36)
    _run(title, doc.title, TITLE_FONT, SIZE_2)
    _para(docx)
    if parts.salutation:
        _run(_para(docx), parts.salutation)
    for i, line in enumerate(parts.body):
        # The last body paragraph keeps with the signature and date, so they never stand alone (§7.3.5).
        p = _para(docx, indent_chars=2, keep=i == len(parts.body) - 1)
        if line.level in (1, 2):
            _run(p, line.heading, HEI_FONT if line.level == 1 else KAI_FONT)
            if line.rest:
                _run(p, line.rest)
        else:
            _run(p, line.text)
    if doc.attachment_note:
        _para(docx, keep=True)
        _run(_para(docx, indent_chars=2, keep=True), f"附件：{doc.attachment_note}")
    _para(docx, keep=True)
    _para(docx, keep=True)
    _run(_para(docx, WD_ALIGN_PARAGRAPH.RIGHT, keep=True), f"{parts.signature}　　")
    _run(_para(docx, WD_ALIGN_PARAGRAPH.RIGHT, keep=bool(doc.note)), f"{parts.dated}　　")
    if doc.note:
        _run(_para(docx, indent_chars=2), f"（{doc.note}）")

    # 版记: 抄送 and 印发机关和印发日期, framed at the foot of the last page between the rules.
    # Every 版记 paragraph carries the same borders: LibreOffice drops the frame (and the 版记 falls
    # back into the flow) when framed paragraphs' borders differ or use a "between" rule, so the thin
    # rule between 抄送 and 印发 (GB/T 9704 §7.4.1) is not drawn in the DOCX; the PDF has it.
    banji = []
    if doc.copied_to:
        banji.append(_para(docx))
        _run(banji[-1], f"抄送：{doc.copied_to}。", size=SIZE_4)
    printed = _para(docx)
    banji.append(printed)
    printed.paragraph_format.tab_stops.add_tab_stop(Mm(LAYOUT.type_width_mm - 4), alignment=WD_TAB_ALIGNMENT.RIGHT)
    _run(printed, f" {parts.printed_by}", size=SIZE_4)
    _run(printed, f"\t{parts.printed_on}印发", size=SIZE_4)
    for p in banji:
        _at_foot(p)
        _border(p, "top", "000000", 8)
        _border(p, "bottom", "000000", 8)
    # LibreOffice makes the frame only when a paragraph outside it follows; this one stays empty.
    tail = _para(docx)
    tail.paragraph_format.line_spacing = Pt(1)

    buffer = io.BytesIO()
    docx.save(buffer)
    return buffer.getvalue()


# -- HTML preview and PDF --------------------------------------------------------------------------


def render_html(doc: Document, fonts: dict[str, FontChoice] | None = None) -> str:
    fonts = fonts or choose_fonts()
    return render_to_string(
        "documents/gbt9704.html",
        {
            "doc": doc,
            "parts": parts_of(doc),
            "layout": LAYOUT,
            "fonts": fonts,
            "font_note": fallback_note(fonts),
            "printed_on": _chinese_date(doc.printed_on),
        },
    )


def render_pdf_result(doc: Document) -> RenderResult:
    from weasyprint import HTML

    fonts = choose_fonts()
    note = fallback_note(fonts)
    if note:
        # Operators see it in the log: install the fonts and the PDF uses them.
        logger.warning("公文 %s 的 PDF %s", doc.pk, note)
    rendered = HTML(string=render_html(doc, fonts)).render()
    return RenderResult(content=rendered.write_pdf(), fonts=fonts, pages=len(rendered.pages))


def render_pdf(doc: Document) -> bytes:
    return render_pdf_result(doc).content
