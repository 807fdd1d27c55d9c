"""cityhall worker [--once] — fire due deadlines exactly once (any number of workers may run)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cityhall.workflow.worker import run_forever, run_once


class Command(BaseCommand):
    help = "期限工作进程：处理到期的期限与催办（--once 适合 cron）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="处理完当前到期事项后退出")
        parser.add_argument(
            "--interval", type=float, default=2.0, help="两轮之间的秒数（突发事件报告以分钟计，默认2秒）"
        )
        parser.add_argument("--batch", type=int, default=2000, help="每个事务领取的条数")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["once"]:
            stats = run_once(batch=opts["batch"])
            self.stdout.write(
                f"已处理：按规则处理 {stats.fired}，逾期 {stats.missed}，催办 {stats.reminded}，失败 {stats.failed}"
            )
            return
        run_forever(interval=opts["interval"], batch=opts["batch"])
