"""cityhall reports list [--json] — reporting duties: trip and meeting reports (Art 55) and emergency
reports (Art 56), in the product's list shape."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from cityhall.leave.selectors import all_reports


class Command(BaseCommand):
    help = "请示报告：列出书面报告事项和突发事件报告（list）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="列出报告事项")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **opts: Any) -> None:
        rows = all_reports(timezone.now())
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        for r in rows:
            flag = "（逾期）" if r["overdue"] else ""
            self.stdout.write(f"{r['id']:>14}  {r['due'] or '—':<10}{flag}  {r['state_label']}  {r['title'][:50]}")
        if not rows:
            self.stdout.write("没有报告事项。")
