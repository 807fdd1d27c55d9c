"""cityhall documents check|export|import — 公文预审, and documents as JSON.

check FILE.json [--json]: exit 0 when nothing would be refused, 1 when something would, 2 on bad input.
export ID [--output FILE]: one document with its GB/T 9704 fields, countersigns and history.
import FILE.json --as USERNAME: a draft submitted to the city government (runs the intake check).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from ninja import Schema
from pydantic import ValidationError

from cityhall.accounts.permissions import actor_for
from cityhall.documents.api import DocumentIn, DraftIn
from cityhall.documents.models import Document
from cityhall.documents.services import document_create_incoming, document_submit
from cityhall.org.models import Unit
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import RulesError, RuleViolation
from cityhall.rules.intake import REFUSE, Draft, check_draft
from cityhall.web.middleware import UNSAFE, text_values
from cityhall.workflow import audit
from cityhall.workflow.models import AuditEvent

EXPORTED_FIELDS = (
    "direction",
    "kind",
    "state",
    "copy_number",
    "classification",
    "classification_period",
    "urgency",
    "issuer_mark",
    "document_number",
    "signer_name",
    "title",
    "addressees",
    "body",
    "attachment_note",
    "issuer_signature",
    "dated",
    "note",
    "copied_to",
    "printed_by",
    "printed_on",
    "disclosure",
    "disclosure_reason",
    "signed_by_title",
    "proposed_handling",
    "opinion",
    "instruction",
    "signing_category",
)


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def _read_json(name: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"无法读取文件 {name}：{exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(f"{name} 不是合法的 JSON：{exc}") from None
    except RecursionError:
        raise _fail(f"{name} 的 JSON 嵌套层数过多，无法处理。") from None
    if not isinstance(data, dict):
        raise _fail("JSON 顶层必须是一个对象，包含 kind、title、body、issuer、addressees、signed_by。")
    try:
        if any(UNSAFE.search(s) for s in text_values(data)):
            raise _fail(f"{name} 含有无法保存的字符（空字符 NUL 或不成对的代理字符），请删除后重试。")
    except RecursionError:
        raise _fail(f"{name} 的 JSON 嵌套层数过多，无法处理。") from None
    return data


def _typed(schema: type[Schema], data: dict[str, Any]) -> dict[str, Any]:
    """The same typing as the API: a list where a list is due, true/false for a yes-or-no (never "false")."""
    try:
        return schema.model_validate(data).model_dump()
    except ValidationError as exc:
        problems = "；".join(f"{'.'.join(str(p) for p in e['loc']) or '内容'}：{_problem(e)}" for e in exc.errors()[:5])
        raise _fail(f"字段类型有误：{problems}") from None


def _problem(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "缺少此项"
    if kind.startswith("bool"):
        return "应为 true 或 false"
    if kind.startswith("list"):
        return '应为列表，如 ["抚顺市人民政府"]'
    if kind.startswith("string"):
        return "应为文字"
    return str(error["msg"])


class Command(BaseCommand):
    help = "公文：预审、导出、导入（documents check|export|import）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{check,export,import}")
        p = sub.add_parser("check", help="按第四十八条、第四十九条检查一份待报送公文（JSON 文件，- 表示标准输入）")
        p.add_argument("file")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("export", help="导出一份公文为 JSON")
        p.add_argument("id", type=int)
        p.add_argument("--output", default="-")
        p = sub.add_parser("import", help="以某账号的单位名义导入并报送一份公文（JSON）")
        p.add_argument("file")
        p.add_argument("--as", dest="username", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, f"_{opts['action']}")(opts)

    def _check(self, opts: dict[str, Any]) -> None:
        data = _read_json(opts["file"])
        _typed(DraftIn, data)
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

    def _export(self, opts: dict[str, Any]) -> None:
        doc = Document.objects.select_related("issuer_unit", "matter_unit").filter(pk=opts["id"]).first()
        if doc is None:
            raise _fail(f"没有编号为 {opts['id']} 的公文。")
        data: dict[str, Any] = {f: getattr(doc, f) for f in EXPORTED_FIELDS}
        data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
        data.update(
            {
                "id": doc.pk,
                "issuer": doc.issuer_unit.code,
                "matter_unit": doc.matter_unit.code if doc.matter_unit else None,
                "countersigns": [
                    {"unit": c.unit.code, "state": c.state, "reply": c.reply}
                    for c in doc.countersigns.select_related("unit")
                ],
                "history": [
                    {
                        "at": e.occurred_at.isoformat(),
                        "actor": e.actor_label,
                        "on_behalf_of": e.on_behalf_of_label,
                        "action": e.action,
                        "rules": e.rules,
                    }
                    for e in AuditEvent.objects.filter(
                        subject_type="documents.document", subject_id=str(doc.pk)
                    ).order_by("occurred_at", "id")
                ],
            }
        )
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if opts["output"] == "-":
            self.stdout.write(text)
        else:
            try:
                Path(opts["output"]).write_text(text + "\n", encoding="utf-8")
            except OSError as exc:
                raise _fail(f"无法写入 {opts['output']}：{exc.strerror}。") from None
            self.stdout.write(f"已导出到 {opts['output']}")

    def _import(self, opts: dict[str, Any]) -> None:
        raw = _read_json(opts["file"])
        _typed(DraftIn, raw)  # the intake flags too (leader_assigned…), as the check reads them
        data = _typed(DocumentIn, raw)
        user = get_user_model().objects.filter(username=opts["username"]).first()
        if user is None:
            raise _fail(f"没有用户名为“{opts['username']}”的账号。")
        actor = actor_for(user)
        issuer = (
            Unit.objects.filter(code=data.get("issuer", "")).first()
            or Unit.objects.filter(name=data.get("issuer", "")).first()
        )
        if issuer is None or issuer.pk not in actor.unit_ids:
            raise _fail("issuer 必须是该账号任职单位的代码或名称。")
        matter = Unit.objects.filter(code=data.get("matter_unit") or "").first()
        try:
            # One transaction: a draft that cannot be submitted is not kept either.
            with audit.atomic():
                doc = document_create_incoming(
                    actor=actor.person,
                    issuer_unit=issuer,
                    kind=data["kind"],
                    title=data["title"],
                    body=data["body"],
                    addressees=data["addressees"],
                    signed_by_title=data["signed_by"],
                    copied_to=data["copied_to"],
                    matter_unit=matter,
                    classification=data["classification"],
                    classification_period=data["classification_period"],
                )
                document_submit(actor=actor.person, document=doc)
        except RuleViolation as exc:
            raise _fail(f"未能报送，未保存任何内容：{exc.message}（依据 {exc.citation}）") from None
        except RulesError as exc:
            raise _fail(f"未能报送，未保存任何内容：{exc.message}") from None
        self.stdout.write(f"已报送：编号 {doc.pk}《{doc.title}》")
