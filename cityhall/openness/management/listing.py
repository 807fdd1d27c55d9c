"""The openness registers' `list [--json] [--overdue]` commands, in the product's list shape (product.md §4)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone


class ListCommand(BaseCommand):
    empty = "没有事项。"

    def rows(self, now: dt.datetime) -> list[dict[str, Any]]:
        raise NotImplementedError

    def add_more(self, sub: Any) -> None:
        """Subcommands beyond ``list``."""

    def handle_more(self, opts: dict[str, Any]) -> bool:
        return False

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="列出")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        listing.add_argument("--overdue", action="store_true", help="只列逾期的")
        self.add_more(sub)

    def handle(self, *args: Any, **opts: Any) -> None:
        if self.handle_more(opts):
            return
        rows = self.rows(timezone.now())
        if opts["overdue"]:
            rows = [r for r in rows if r["overdue"]]
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        for r in rows:
            flag = "（逾期）" if r["overdue"] else ""
            self.stdout.write(f"{r['id']:<16} {r['due'] or '—':<10}{flag}  {r['state_label']:<8} {r['title'][:40]}")
        if not rows:
            self.stdout.write(self.empty)


def list_command(help_text: str, empty: str, rows: Callable[[dt.datetime], list[dict[str, Any]]]) -> type[ListCommand]:
    return type("Command", (ListCommand,), {"help": help_text, "empty": empty, "rows": lambda self, now: rows(now)})
