"""cityhall rules list|show|deadline — browse the rulebook and compute deadlines."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cityhall.rulebase.presenters import rule_dict
from cityhall.rulebase.selectors import rule_deadline, rulebook

from ._util import dumps, guarded, parse_anchor


class Command(BaseCommand):
    help = "规则库：列出规则、查看规则、计算期限（rules: list, show, deadline）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,show,deadline}")
        p = sub.add_parser("list", help="列出全部规则")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("show", help="显示一条规则及其引用条文")
        p.add_argument("rule_id")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("deadline", help="按规则计算期限：RULE_ID YYYY-MM-DD")
        p.add_argument("rule_id")
        p.add_argument("anchor", metavar="YYYY-MM-DD")
        p.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        with guarded():
            getattr(self, f"_{opts['action']}")(opts)

    def _list(self, opts: dict[str, Any]) -> None:
        book = rulebook()
        if opts["json"]:
            self.stdout.write(dumps([rule_dict(r, book, full=False) for r in book]))
            return
        for rule in book:
            flag = "⏱" if rule.record.computes else " "
            self.stdout.write(f"{rule.id:<32} {flag} {rule.citation_en:<28} {rule.record.title}")
        self.stdout.write(f"共 {len(book)} 条规则（{book.title}）。⏱ = 可计算期限")

    def _show(self, opts: dict[str, Any]) -> None:
        book = rulebook()
        rule = book.rule(opts["rule_id"])
        data = rule_dict(rule, book)
        if opts["json"]:
            self.stdout.write(dumps(data))
            return
        out = [
            f"{rule.id}（第{rule.version}版）{rule.record.title}",
            f"  {rule.record.title_en}",
            f"依据：{rule.citation}（{rule.citation_en}）",
            f"条文：“{rule.record.clause}”",
            f"类型：{data['kind_label']}（{data['kind']}）",
        ]
        if rule.record.anchor:
            out.append(f"基准事件：{rule.record.anchor.label}（{rule.record.anchor.code}）")
        for name, p in data["params"].items():
            out.append(f"参数 {name}：{p['summary']}")
            if p["basis_summary"]:
                out.append(f"  数值依据：{p['basis_summary']}")
        if rule.record.interpretation:
            out.append(f"适用解释：{rule.record.interpretation}")
        out.append(
            f"生效：{data['effective_from']} 起" + (f"，至 {data['effective_to']}" if data["effective_to"] else "")
        )
        if not rule.source.quotes_verified:
            out.append("注意：该来源的条文尚未与官方文本逐字核对。")
        self.stdout.write("\n".join(out))

    def _deadline(self, opts: dict[str, Any]) -> None:
        anchor = parse_anchor(opts["anchor"])
        result = rule_deadline(opts["rule_id"], anchor)
        if opts["json"]:
            self.stdout.write(dumps(result.as_dict()))
            return
        # The first line is the due date alone, so scripts can read it.
        lines = [result.due.isoformat()]
        if result.rule.record.computes and result.due_at.time().strftime("%H:%M:%S") != "23:59:59":
            lines.append(f"时刻：{result.due_at:%Y-%m-%d %H:%M}")
        if result.provisional:
            years = "、".join(str(y) for y in result.provisional_years)
            lines.append(f"暂定（provisional）：{years}年放假安排尚未公布")
        lines += [f"  {step.text}" for step in result.trace]
        self.stdout.write("\n".join(lines))
