"""cityhall leave list [--json] — leave applications (请假（报备）), newest first."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from cityhall.leave.selectors import all_leave, leave_summary


class Command(BaseCommand):
    help = "请销假：列出请假（报备）申请（list）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="列出请假申请")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **opts: Any) -> None:
        now = timezone.now()
        rows = [leave_summary(r, now) for r in all_leave()]
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        for r in rows:
            flags = ("（未按时申请）" if r["late"] else "") + ("（同时离抚）" if r["pairing"] else "")
            self.stdout.write(f"{r['id']:>6}  {r['start'][:16]}  {r['state_label']}{flags}  {r['title'][:50]}")
        if not rows:
            self.stdout.write("没有请假（报备）申请。")
