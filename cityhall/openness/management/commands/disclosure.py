"""cityhall disclosure list [--json] — disclosure requests (依申请公开) on their statutory clock, in the
product's list shape. Identity numbers are masked: the command is for monitoring, not for handling."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from cityhall.openness.selectors import disclosure_rows


class Command(BaseCommand):
    help = "政府信息公开申请：列出申请及其答复期限（list）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="列出申请")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        listing.add_argument("--overdue", action="store_true", help="只列逾期未答复的")
        purge = sub.add_parser("purge", help="删除超过保存期限的申请人个人信息（docs/privacy.md）")
        purge.add_argument("--days", type=int, default=None, help="保存天数，默认取 CITYHALL_DISCLOSURE_RETENTION_DAYS")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "purge":
            from cityhall.openness.disclosure import purge_personal

            n = purge_personal(days=opts["days"])
            self.stdout.write(f"已删除 {n} 份已答复申请中的申请人证件号码、电话（保留后四位）、邮箱和地址。")
            return
        rows = disclosure_rows(timezone.now())
        if opts["overdue"]:
            rows = [r for r in rows if r["overdue"]]
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        for r in rows:
            flag = "（逾期）" if r["overdue"] else ""
            self.stdout.write(f"{r['id']:<14} {r['due'] or '—':<10}{flag}  {r['state_label']:<8} {r['title'][:40]}")
        if not rows:
            self.stdout.write("没有政府信息公开申请。")
