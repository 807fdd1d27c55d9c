"""cityhall org acting|absent|positions — who acts for whom, and recording absences."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cityhall.org.models import Position
from cityhall.org.selectors import UnknownPosition, acting_for, flags_of, holders_at, position_by_code
from cityhall.org.services import OrgError, absence_record
from cityhall.rules.deadlines import LOCAL_TZ


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def _moment(text: str, name: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise _fail(f"{name} 的时间格式有误：“{text}”。应为 ISO 格式，例如 2026-10-03T09:00。") from None
    return value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)


class Command(BaseCommand):
    help = "组织机构：代行查询、登记外出（org: acting, absent, positions）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{acting,absent,positions}")
        p = sub.add_parser("acting", help="某一时刻由谁代行该职务")
        p.add_argument("position")
        p.add_argument("--at", default=None, help="ISO 时间，默认现在")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("absent", help="登记该职务任职人员的外出（离抚/请假）")
        p.add_argument("position")
        p.add_argument("--from", dest="start", required=True)
        p.add_argument("--to", dest="end", required=True)
        p.add_argument("--reason", default="外出")
        p.add_argument("--in-city", action="store_true", help="在抚（病假、市内会议等）；不写则为离抚")
        p.add_argument(
            "--designate", default=None, metavar="POSITION", help="市长离抚时，指定主持日常工作的副市长（职务代码）"
        )
        p.add_argument("--mayor-consented", action="store_true", help="市长已同意副市长与对应副秘书长同时离抚")
        p = sub.add_parser("positions", help="列出全部职务代码")
        p.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except (UnknownPosition, OrgError) as exc:
            raise _fail(exc.message) from None

    def _acting(self, opts: dict[str, Any]) -> None:
        at = _moment(opts["at"], "--at") if opts["at"] else timezone.now()
        position = position_by_code(opts["position"])
        result = acting_for(position, at)
        data = {"at": at.isoformat(), **result.as_dict()}
        if opts["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        who = f"{result.acting_person}（{result.acting_position}）" if result.acting_person else "无人"
        self.stdout.write(f"{who}")
        self.stdout.write(f"{result.message}")
        for step in result.trace:
            self.stdout.write(f"  - {step.text}")

    def _absent(self, opts: dict[str, Any]) -> None:
        position = position_by_code(opts["position"])
        start, end = _moment(opts["start"], "--from"), _moment(opts["end"], "--to")
        absence = absence_record(
            actor=None,
            position=position,
            start=start,
            end=end,
            reason=opts["reason"],
            away_from_city=not opts["in_city"],
            designated=position_by_code(opts["designate"]) if opts["designate"] else None,
            mayor_consented=opts["mayor_consented"],
        )
        self.stdout.write(
            f"已登记：{absence.person.name}（{position.title}）{start:%Y-%m-%d %H:%M} 至 {end:%Y-%m-%d %H:%M} {absence.reason}"
        )
        result = acting_for(position, start)
        self.stdout.write(f"期间代行：{result.message}")
        for flag in flags_of(absence):
            self.stdout.write(f"提示：{flag.message}（{flag.citation}）")

    def _positions(self, opts: dict[str, Any]) -> None:
        positions = list(Position.objects.select_related("unit"))
        holders = holders_at(timezone.now(), positions)
        rows = [
            {
                "code": p.code,
                "title": p.title,
                "kind": p.kind,
                "unit": p.unit.name,
                "rank": p.rank,
                "holder": holders[p.pk].name if p.pk in holders else None,
            }
            for p in positions
        ]
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for r in rows:
            self.stdout.write(f"{r['code']:<30} {r['title']:<16} {r['holder'] or '（空缺）'}")
