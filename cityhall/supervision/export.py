"""The ledger as an Excel workbook (openpyxl), because offices live in Excel."""

from __future__ import annotations

import datetime as dt
import io

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from cityhall.rulebase.selectors import rulebook

from .models import Item
from .services import CATEGORY_RULE, light, soon_until

HEADERS = [
    "编号",
    "任务",
    "来源",
    "牵头单位",
    "配合单位",
    "责任人",
    "类别",
    "部署日期",
    "截止日期",
    "状态",
    "红黄绿灯",
    "销号日期",
    "时限依据",
]
LIGHTS = {"red": "红灯（逾期）", "amber": "黄灯（1个工作日内到期）", "green": "绿灯", "closed": "已销号"}
FILLS = {"red": "FADBD8", "amber": "FDEBD0", "green": "D5F5E3"}


def workbook(items: QuerySet[Item], year: int, today: dt.date) -> bytes:
    soon = soon_until(today)
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = f"{year}年督办台账"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    rules = {code: rulebook().rule(rule_id).short_citation for code, rule_id in CATEGORY_RULE.items()}
    per_unit: dict[str, list[int]] = {}
    for item in items.select_related("lead_unit").prefetch_related("partner_units").order_by("due_date", "pk"):
        colour = light(item, today, soon)
        sheet.append(
            [
                item.pk,
                item.task,
                item.get_source_display(),
                item.lead_unit.name,
                "、".join(u.name for u in item.partner_units.all()),
                item.responsible,
                item.get_category_display(),
                item.deployed_on,
                item.due_date,
                item.get_state_display() + ("（逾期销号）" if item.closed_late else ""),
                LIGHTS[colour],
                item.closed_at.date() if item.closed_at else None,
                rules[item.category],
            ]
        )
        if colour in FILLS:
            sheet.cell(sheet.max_row, 11).fill = PatternFill("solid", fgColor=FILLS[colour])
        counts = per_unit.setdefault(item.lead_unit.name, [0, 0, 0, 0])
        counts[0] += 1
        counts[1] += colour == "red"
        counts[2] += item.state == Item.State.CLOSED
        counts[3] += item.state == Item.State.CLOSED and not item.closed_late
    for col, width in enumerate([8, 48, 14, 26, 30, 16, 22, 12, 12, 18, 20, 12, 30], start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = "A2"
    summary = book.create_sheet("按牵头单位统计")
    summary.append(["牵头单位", "事项", "逾期", "已销号", "按期销号", "按期销号率"])
    for cell in summary[1]:
        cell.font = Font(bold=True)
    for unit, (total, overdue, closed, on_time) in sorted(per_unit.items(), key=lambda kv: -kv[1][1]):
        summary.append([unit, total, overdue, closed, on_time, f"{100 * on_time / closed:.1f}%" if closed else "—"])
    summary.column_dimensions["A"].width = 30
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
