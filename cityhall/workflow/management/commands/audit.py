"""cityhall audit verify — check the hash chains and name the first broken event."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityhall.workflow.audit import verify_chain


class Command(BaseCommand):
    help = "审计记录：校验哈希链（audit verify）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{verify}")
        sub.add_parser("verify", help="校验全部审计记录的哈希链")

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.perf_counter()
        report = verify_chain()
        seconds = time.perf_counter() - started
        rate = report.events / seconds if seconds else 0.0
        if report.ok:
            self.stdout.write(
                f"审计链完整：{report.events} 条记录，{report.shards} 条链，用时 {seconds:.2f} 秒（{rate:,.0f} 条/秒）"
            )
            return
        lines = [f"审计链已被破坏：共发现 {len(report.breaks)} 处。"]
        for b in sorted(report.breaks, key=lambda b: (b.event_id == 0, b.event_id)):
            where = f"记录 #{b.event_id}" if b.event_id else "链尾"
            lines.append(f"  第 {b.shard} 链 第 {b.seq} 条（{where}）：{b.problem}")
        raise CommandError("\n".join(lines), returncode=1)
