"""cityhall supervision list [--overdue] [--json] | export --year YEAR --xlsx [--out FILE] — the ledger.

One entry per ledger item, in the product's list shape (id, title, state, state_label, due, overdue),
with the lead unit, the source and the 710 category.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from cityhall.supervision.models import Item
from cityhall.supervision.services import light, soon_until


def item_summary(item: Item, today, soon) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    colour = light(item, today, soon)
    return {
        "id": item.pk,
        "title": item.task,
        "state": item.state,
        "state_label": item.get_state_display(),
        "due": item.due_date.isoformat(),
        "overdue": colour == "red",
        "light": colour,
        "lead_unit": item.lead_unit.name,
        "responsible": item.responsible,
        "source": item.source,
        "category": item.category,
        "rule": item.deadline.rule_id if item.deadline else None,
        "escalated": item.escalated_at is not None,
        "url": f"/supervision/{item.pk}/",
    }


class Command(BaseCommand):
    help = "督查督办台账：列出（list）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="列出督办事项")
        listing.add_argument("--overdue", action="store_true", help="只列逾期未销号的")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        export = sub.add_parser("export", help="导出一年的台账")
        export.add_argument("--year", type=int, required=True)
        export.add_argument("--xlsx", action="store_true", required=True, help="Excel 格式")
        export.add_argument("--out", help="输出文件（默认 supervision-YEAR.xlsx）")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "export":
            self._export(opts["year"], opts["out"])
            return
        today = timezone.localdate()
        soon = soon_until(today)
        qs = Item.objects.select_related("lead_unit", "deadline").order_by("due_date", "pk")
        if opts["overdue"]:
            qs = qs.exclude(state=Item.State.CLOSED).filter(due_date__lt=today)
        rows = [item_summary(i, today, soon) for i in qs]
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        for r in rows:
            flag = "（逾期）" if r["overdue"] else ""
            self.stdout.write(
                f"{r['id']:>6}  {r['due']}{flag}  {r['state_label']}  {r['lead_unit']}  {r['title'][:40]}"
            )
        if not rows:
            self.stdout.write("台账中没有督办事项。" if not opts["overdue"] else "没有逾期的督办事项。")

    def _export(self, year: int, out: str | None) -> None:
        from pathlib import Path

        from cityhall.supervision.export import workbook

        items = Item.objects.filter(deployed_on__year=year)
        path = Path(out or f"supervision-{year}.xlsx")
        path.write_bytes(workbook(items, year, timezone.localdate()))
        self.stdout.write(f"已导出 {path}（{year}年督办事项{items.count()}项）")
