"""cityhall meetings list|minutes|topics|import-topics — meetings and their topics (议题) from the command line.

list [--json]: every meeting, one entry each, in the product's list shape (id, title, state,
state_label, due, overdue), where ``due`` is the date the minutes must be issued by (Art 44 ¶3).
minutes ID --docx|--pdf [--out FILE] [--as USERNAME]: write the meeting's minutes in GB/T 9704 纪要
form (the documents renderer); secret minutes need --as a user cleared to read them (Art 69).
topics [--json]: every topic with its state and the step it waits at.
import-topics FILE.json --as USERNAME: apply for each topic of the file (one object, or a list) as
USERNAME, through the same service as the form and the API. All or nothing: the first refusal names
the topic and the rule, and nothing is saved. Exit 0 on success, 2 on bad input or a refusal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from cityhall.accounts.permissions import actor_for, allowed
from cityhall.meetings.api import TopicIn, _out, topic_form
from cityhall.meetings.minutes import meeting_summary
from cityhall.meetings.minutes_views import minutes_response
from cityhall.meetings.models import Meeting, Minutes, Topic
from cityhall.meetings.services import topic_submit
from cityhall.rules import RulesError


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Command(BaseCommand):
    help = "会议：列出（list）、输出纪要（minutes）；议题：列出（topics）和从 JSON 导入申报（import-topics）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        meetings = sub.add_parser("list", help="列出全部会议及纪要印发时限")
        meetings.add_argument("--json", action="store_true", help="以 JSON 输出")
        minutes = sub.add_parser("minutes", help="输出一次会议的纪要文件")
        minutes.add_argument("meeting_id", type=int)
        fmt = minutes.add_mutually_exclusive_group(required=True)
        fmt.add_argument("--docx", action="store_true")
        fmt.add_argument("--pdf", action="store_true")
        minutes.add_argument("--out", help="输出文件（默认 meeting-ID-minutes.docx）")
        minutes.add_argument("--as", dest="username", help="涉密纪要须以有保密资格的账号输出")
        listing = sub.add_parser("topics", help="列出全部议题")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        imp = sub.add_parser("import-topics", help="从 JSON 文件申报议题")
        imp.add_argument("file")
        imp.add_argument("--as", dest="username", required=True, help="以哪个账号申报（须在承办单位任职）")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "list":
            self._meetings(opts["json"])
        elif opts["action"] == "minutes":
            self._minutes(opts["meeting_id"], "pdf" if opts["pdf"] else "docx", opts["out"], opts["username"])
        elif opts["action"] == "topics":
            self._list(opts["json"])
        else:
            self._import(Path(opts["file"]), opts["username"])

    def _meetings(self, as_json: bool) -> None:
        now = timezone.now()
        rows = [
            meeting_summary(m, now)
            for m in Meeting.objects.select_related("chair", "minutes__deadline").order_by("starts_at", "pk")
        ]
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        for r in rows:
            minutes = r["minutes"]
            clock = ""
            if minutes:
                clock = f"  纪要{minutes['number'] or minutes['state_label']}"
                if r["due"]:
                    clock += f"，应于{r['due']}前印发" + ("（已逾期）" if r["overdue"] else "")
                elif minutes["issued_late"]:
                    clock += "（逾期印发）"
            self.stdout.write(f"{r['id']:>5}  {r['starts_at'][:16]}  {r['state_label']}  {r['title']}{clock}")
        if not rows:
            self.stdout.write("还没有会议。")

    def _minutes(self, meeting_id: int, fmt: str, out: str | None, username: str | None) -> None:
        minutes = Minutes.objects.select_related("meeting").filter(meeting_id=meeting_id).first()
        if minutes is None:
            raise _fail(f"会议 {meeting_id} 没有纪要（会议尚未结束，或没有这次会议）")
        if minutes.secret:
            user = get_user_model().objects.filter(username=username or "").first()
            if user is None or not allowed(actor_for(user), "minutes.content", minutes):
                raise _fail("这份会议纪要涉密：须以有保密资格的账号（--as）输出（工作规则第六十九条）")
        if not minutes.body.strip():
            raise _fail("纪要尚未起草")
        path = Path(out or f"meeting-{meeting_id}-minutes.{fmt}")
        path.write_bytes(minutes_response(minutes, fmt).content)
        label = minutes.number or f"{minutes.get_state_display()}的纪要稿"
        self.stdout.write(f"已输出 {path}（{label}）")

    def _list(self, as_json: bool) -> None:
        topics = [_out(t) for t in Topic.objects.select_related("host_unit", "reporting_unit").order_by("pk")]
        if as_json:
            self.stdout.write(json.dumps(topics, ensure_ascii=False, default=str, indent=1))
            return
        for t in topics:
            where = f"，在“{t['step_label']}”" if t["step_label"] else ""
            self.stdout.write(f"{t['id']:>5}  {t['state_label']}{where}  {t['host_unit']}  {t['matter']}")
        if not topics:
            self.stdout.write("还没有议题。")

    def _import(self, path: Path, username: str) -> None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise _fail(f"找不到文件 {path}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _fail(f"{path} 不是 UTF-8 编码的 JSON：{exc}") from None
        items = raw if isinstance(raw, list) else [raw]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise _fail(f"没有账号“{username}”")
        actor = actor_for(user)
        if not allowed(actor, "topic.apply") or actor.person is None:
            raise _fail("只有县（区）政府和市政府各部门可以申报会议议题。")
        created = []
        with transaction.atomic():
            for n, item in enumerate(items, start=1):
                try:
                    data = TopicIn.model_validate(item)
                except ValidationError as exc:
                    fields = "、".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
                    raise _fail(f"第{n}项议题输入有误：{fields}") from None
                try:
                    created.append(topic_submit(actor=actor.person, form=topic_form(data)))
                except RulesError as exc:
                    citation = getattr(exc, "citation", "")
                    where = f"（依据 {citation}）" if citation else ""
                    raise _fail(f"第{n}项议题“{data.matter}”未导入：{exc.message}{where}") from None
        for t in created:
            self.stdout.write(f"已申报 {t.pk}：{t.matter}（送市政府办公室征集、汇总）")
