"""cityhall documents check FILE.json [--json] — 公文预审 before sending a document to the city government.

Exit status: 0 when nothing would be refused, 1 when something would, 2 on bad input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityhall.rulebase.selectors import rulebook
from cityhall.rules.intake import REFUSE, Draft, check_draft


class Command(BaseCommand):
    help = "公文：预审（documents check）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{check}")
        p = sub.add_parser("check", help="按第四十八条、第四十九条检查一份待报送公文（JSON 文件，- 表示标准输入）")
        p.add_argument("file")
        p.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            text = sys.stdin.read() if opts["file"] == "-" else Path(opts["file"]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取文件 {opts['file']}：{exc}", returncode=2) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{opts['file']} 不是合法的 JSON：{exc}", returncode=2) from None
        if not isinstance(data, dict):
            raise CommandError(
                "JSON 顶层必须是一个对象，包含 kind、title、body、issuer、addressees、signed_by。", returncode=2
            )
        result = check_draft(Draft.from_dict(data), rulebook())
        if opts["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(result.as_dict()["summary"])
            for f in result.findings:
                mark = "退回" if f.severity == REFUSE else "提示"
                self.stdout.write(f"  [{mark}] {f.message}（依据 {f.citation}）")
        if result.refused:
            sys.exit(1)
