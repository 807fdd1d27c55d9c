"""cityhall disclosure list [--json] [--overdue] | purge [--days N] — disclosure requests (依申请公开) on
their statutory clock. Identity numbers are masked: the command is for monitoring, not for handling."""

from __future__ import annotations

from typing import Any

from cityhall.openness.management.listing import ListCommand
from cityhall.openness.selectors import disclosure_rows


class Command(ListCommand):
    help = "政府信息公开申请：列出申请及其答复期限（list），删除超过保存期限的个人信息（purge）"
    empty = "没有政府信息公开申请。"

    def rows(self, now):  # type: ignore[no-untyped-def]
        return disclosure_rows(now)

    def add_more(self, sub: Any) -> None:
        purge = sub.add_parser("purge", help="删除超过保存期限的申请人个人信息（docs/privacy.md）")
        purge.add_argument("--days", type=int, default=None, help="保存天数，默认取 CITYHALL_DISCLOSURE_RETENTION_DAYS")

    def handle_more(self, opts: dict[str, Any]) -> bool:
        if opts["action"] != "purge":
            return False
        from cityhall.openness.disclosure import purge_personal

        n = purge_personal(days=opts["days"])
        self.stdout.write(f"已删除 {n} 份已答复申请中的申请人证件号码、电话（保留后四位）、邮箱和地址。")
        return True
