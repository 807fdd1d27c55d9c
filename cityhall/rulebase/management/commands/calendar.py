"""cityhall calendar show|load|years — the official working-day calendar."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cityhall.rulebase.models import OfficialYear
from cityhall.rulebase.selectors import working_calendar
from cityhall.rulebase.services import official_year_load
from cityhall.rules.calendar import DayKind
from cityhall.rules.schedule_file import read_schedule_file

from ._util import dumps, fail, guarded


class Command(BaseCommand):
    help = "工作日历：查看月历、导入年度放假安排（calendar: show, load, years）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{show,load,years}")
        p = sub.add_parser("show", help="显示某月的工作日、放假和调休：YYYY-MM")
        p.add_argument("month", metavar="YYYY-MM")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("load", help="导入一年的放假安排文件（YAML 或 JSON）")
        p.add_argument("file")
        p.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        sub.add_parser("years", help="列出已公布放假安排的年份")

    def handle(self, *args: Any, **opts: Any) -> None:
        with guarded():
            getattr(self, f"_{opts['action']}")(opts)

    def _show(self, opts: dict[str, Any]) -> None:
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", opts["month"].strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise fail(f"月份格式有误：“{opts['month']}”。应为 YYYY-MM（例如 2026-10）。")
        year, month = int(m.group(1)), int(m.group(2))
        cal = working_calendar()
        try:
            days = cal.month(year, month)
        except Exception as exc:  # out of the calendar's range
            raise fail(str(exc)) from None
        provisional = not cal.is_published(year)
        if opts["json"]:
            self.stdout.write(
                dumps(
                    {
                        "month": f"{year:04d}-{month:02d}",
                        "provisional": provisional,
                        "days": [
                            {
                                "date": d.date.isoformat(),
                                "working": d.working,
                                "kind": d.special.kind.value if d.special else None,
                                "name": d.special.name if d.special else None,
                            }
                            for d in days
                        ],
                    }
                )
            )
            return
        out = [
            f"{year}年{month}月" + ("（暂定：该年放假安排尚未公布，仅按周末推算）" if provisional else ""),
            "".join(f" {c}  " for c in "一二三四五六日"),
        ]
        # Cells are 5 columns wide: a CJK character is 2 columns in a terminal.
        row = ["     "] * days[0].date.weekday()
        for d in days:
            mark = "  "
            if d.special:
                mark = "休" if d.special.kind is DayKind.HOLIDAY else "班"
            row.append(f"{d.date.day:>2}{mark} ")
            if d.date.weekday() == 6:
                out.append("".join(row).rstrip())
                row = []
        if row:
            out.append("".join(row).rstrip())
        out.append("休 = 法定节假日放假   班 = 调休上班日")
        for d in days:
            if d.special:
                out.append(f"  {d.date.isoformat()} {d.label}")
        self.stdout.write("\n".join(out))

    def _load(self, opts: dict[str, Any]) -> None:
        schedule = read_schedule_file(opts["file"])
        parsed = schedule.to_schedule()
        summary = f"{schedule.year}年：放假{len(parsed.holidays)}天，调休上班{len(parsed.makeup_working_days)}天（{schedule.source}）"
        if opts["dry_run"]:
            self.stdout.write(f"校验通过，未写入。{summary}")
            return
        result = official_year_load(schedule=schedule, actor=None)
        verb = "已导入" if result.created else "已替换"
        self.stdout.write(f"{verb}{summary}。涉及{schedule.year}年的暂定期限将按正式安排重新计算。")

    def _years(self, opts: dict[str, Any]) -> None:
        cal = working_calendar()
        loaded = {y.year: y for y in OfficialYear.objects.all()}
        years = sorted(cal.published_years)
        self.stdout.write(f"已公布放假安排的年份：{years[0]}–{years[-1]}（共{len(years)}年）")
        for y in sorted(loaded):
            self.stdout.write(f"  {y}：管理员导入，依据 {loaded[y].source}，{loaded[y].loaded_at:%Y-%m-%d %H:%M}")
        this_year = dt.date.today().year  # noqa: DTZ011 - display only
        missing = [y for y in range(this_year, this_year + 2) if y not in cal.published_years]
        if missing:
            self.stdout.write("尚未公布（按周末推算并标记为暂定）：" + "、".join(f"{y}年" for y in missing))
