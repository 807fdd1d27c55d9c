"""cityhall meetings topics|import-topics — meeting topics (议题) from the command line.

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
from pydantic import ValidationError

from cityhall.accounts.permissions import actor_for, allowed
from cityhall.meetings.api import TopicIn, _out, topic_form
from cityhall.meetings.models import Topic
from cityhall.meetings.services import topic_submit
from cityhall.rules import RulesError


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Command(BaseCommand):
    help = "会议议题：列出（topics）和从 JSON 导入申报（import-topics）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("topics", help="列出全部议题")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        imp = sub.add_parser("import-topics", help="从 JSON 文件申报议题")
        imp.add_argument("file")
        imp.add_argument("--as", dest="username", required=True, help="以哪个账号申报（须在承办单位任职）")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "topics":
            self._list(opts["json"])
        else:
            self._import(Path(opts["file"]), opts["username"])

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
