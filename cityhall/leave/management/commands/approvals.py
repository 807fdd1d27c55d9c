"""cityhall approvals list [--json] — the leaders' approvals (Ch. 12–13): speeches and articles (Art 67),
departments' releases (Art 68), reception plans, delegations abroad and meeting activities (Art 72),
congratulatory letters (Art 77), newest first, in the product's list shape."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cityhall.leave.selectors import all_approvals


class Command(BaseCommand):
    help = "领导审批事项：列出讲话文章、信息发布、公务接待、因公出国（境）、会议活动和贺信题词的审批（list）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="列出审批事项")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **opts: Any) -> None:
        rows = all_approvals()
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        for r in rows:
            approver = f"（{r['approver']}审批）" if r["approver"] else ""
            self.stdout.write(
                f"{r['id']:>6}  {r['requested_at'][:16]}  {r['state_label']}{approver}  {r['title'][:50]}"
            )
        if not rows:
            self.stdout.write("没有审批事项。")
