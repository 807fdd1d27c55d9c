"""One table of document actions, shared by the pages, the API and the CLI: each maps request
parameters to the service that applies the rule, after one permission check per action.

The services refuse with their citation; this module only checks who may ask and dispatches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from cityhall.accounts.permissions import OFFICE, Actor, check
from cityhall.org.models import Person, Position, Unit
from cityhall.rules import InvalidInput

from . import policy, services
from .models import Countersign, Document, IntakeFinding


def _instruct(actor: Person, doc: Document, p: Mapping[str, Any]) -> Document:
    """The leader's opinion; a 批示 may also put the document on the supervision ledger in the same step
    (批示件, Art 58 ¶3), with the lead unit, the person responsible and the 710 category."""
    if not p.get("supervise"):
        return services.document_instruct(actor=actor, document=doc, opinion=_text(p, "opinion"), text=_text(p, "text"))
    from cityhall.supervision.services import item_from_instruction
    from cityhall.workflow import audit

    lead_code = _text(p, "lead_unit")
    lead = Unit.objects.filter(code=lead_code).first() or (
        Unit.objects.filter(pk=int(lead_code)).first() if lead_code.isdigit() else None
    )
    if lead is None:
        raise InvalidInput("转督办须选择牵头单位。", "lead_unit")
    with audit.atomic():
        doc = services.document_instruct(actor=actor, document=doc, opinion=_text(p, "opinion"), text=_text(p, "text"))
        item_from_instruction(
            actor=actor,
            document=doc,
            text=_text(p, "text"),
            lead_unit=lead,
            responsible=_text(p, "responsible"),
            category=_text(p, "category") or "ordinary",
        )
    return doc


class UnknownAction(LookupError):
    def __init__(self, action: str) -> None:
        super().__init__(f"没有名为“{action}”的公文操作。")
        self.message = str(self)


@dataclass(frozen=True)
class Action:
    label: str
    who: str  # office, host, drafter, submitter, anyone (the service checks the seat or the unit)
    handler: Callable[[Person, Document, Mapping[str, Any]], Any]


def _text(p: Mapping[str, Any], name: str) -> str:
    value = p.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"“{name}”应为文字。", name)
    return value


def _bool(p: Mapping[str, Any], name: str) -> bool:
    value = p.get(name, False)
    if isinstance(value, bool):
        return value
    if value in ("on", "yes", "true", "1"):
        return True
    if value in ("", "no", "false", "0", None):
        return False
    raise InvalidInput(f"“{name}”只能是是或否（true/false）。", name)


def _int(p: Mapping[str, Any], name: str) -> int:
    value = p.get(name)
    if isinstance(value, bool):
        raise InvalidInput(f"“{name}”应为编号（数字）。", name)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        return int(value)
    raise InvalidInput(f"“{name}”应为编号（数字）。", name)


def _date(p: Mapping[str, Any], name: str, *, required: bool = False) -> dt.date | None:
    value = p.get(name)
    if not value:
        if required:
            raise InvalidInput("请选择日期。", name)
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"日期“{value}”无效，请按 年-月-日 填写（如 2026-12-10）。", name) from None


def _required_date(p: Mapping[str, Any], name: str) -> dt.date:
    value = _date(p, name)
    if value is None:
        raise InvalidInput("请选择日期。", name)
    return value


def _required_position(p: Mapping[str, Any], message: str) -> Position:
    found = _position(p)
    if found is None:
        raise InvalidInput(message, "to")
    return found


def _position(p: Mapping[str, Any], name: str = "to") -> Position | None:
    code = _text(p, name)
    if not code:
        return None
    found = Position.objects.filter(code=code).first() or (
        Position.objects.filter(pk=int(code)).first() if code.isascii() and code.isdigit() and len(code) < 12 else None
    )
    if found is None:
        raise InvalidInput("所选的领导职务不存在。", name)
    return found


def _positions(p: Mapping[str, Any], name: str) -> list[Position]:
    values = p.get(name) or []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or len(values) > 100:
        raise InvalidInput("领导职务应为列表（最多100个）。", name)
    keys = [str(v) for v in values]
    found = list(Position.objects.filter(code__in=keys)) + list(
        Position.objects.filter(pk__in=[k for k in keys if k.isascii() and k.isdigit() and len(k) < 12])
    )
    return list({x.pk: x for x in found}.values())


def _units(p: Mapping[str, Any]) -> list[Unit]:
    values = p.get("units") or []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or len(values) > 100:
        raise InvalidInput("会签部门应为列表（最多100个）。", "units")
    keys = [str(v) for v in values]
    found = list(Unit.objects.filter(code__in=keys)) + list(
        Unit.objects.filter(pk__in=[k for k in keys if k.isascii() and k.isdigit() and len(k) < 12])
    )
    unknown = len(set(keys)) - len({u.pk for u in found})
    if unknown > 0 and not found:
        raise InvalidInput("所选的会签部门不存在。", "units")
    return list({u.pk: u for u in found}.values())


def _countersign(doc: Document, p: Mapping[str, Any]) -> Countersign:
    return get_object_or_404(
        Countersign.objects.select_related("unit", "deadline"), pk=_int(p, "countersign"), document=doc
    )


def _unit(p: Mapping[str, Any]) -> Unit:
    return get_object_or_404(Unit, pk=_int(p, "unit"))


def _mark_read(person: Person, doc: Document, p: Mapping[str, Any], actor: Actor) -> Any:
    item = policy.inbox_for_reading(actor, doc)
    if item is None:
        raise InvalidInput("这份公文在您的待办中没有待阅事项。", "item")
    on_behalf_of = None
    if item.assignee_position_id in actor.acting_position_ids and item.assignee_position_id not in actor.position_ids:
        from django.utils import timezone

        from cityhall.org.selectors import holders_at

        position = item.assignee_position
        assert position is not None  # noqa: S101
        on_behalf_of = holders_at(timezone.now(), [position]).get(position.pk)
    return services.document_mark_read(actor=person, item=item, on_behalf_of=on_behalf_of)


ACTIONS: dict[str, Action] = {
    "submit": Action("报送", "submitter", lambda a, d, p: services.document_submit(actor=a, document=d)),
    "recall": Action(
        "撤回", "submitter", lambda a, d, p: services.document_recall(actor=a, document=d, reason=_text(p, "reason"))
    ),
    "delete": Action("删除草稿", "drafter", lambda a, d, p: services.document_delete_draft(actor=a, document=d)),
    "prepare": Action("送核稿", "drafter", lambda a, d, p: services.document_prepare(actor=a, document=d)),
    "clear": Action(
        "清除提示",
        "office",
        lambda a, d, p: services.finding_clear(
            actor=a,
            finding=get_object_or_404(IntakeFinding, pk=_int(p, "finding"), document=d),
            reason=_text(p, "reason"),
        ),
    ),
    "register": Action(
        "收文登记",
        "office",
        lambda a, d, p: services.document_register(
            actor=a,
            document=d,
            proposed_handling=_text(p, "proposed_handling"),
            handling_due=_date(p, "handling_due"),
            urgency=_text(p, "urgency") if "urgency" in p else None,
            sender_number=_text(p, "sender_number") if p.get("sender_number") else None,
        ),
    ),
    "return": Action(
        "退回", "office", lambda a, d, p: services.document_return(actor=a, document=d, reason=_text(p, "reason"))
    ),
    "check": Action(
        "核稿",
        "office",
        lambda a, d, p: services.document_check(
            actor=a, document=d, approve=not _bool(p, "send_back"), reason=_text(p, "reason")
        ),
    ),
    "route": Action(
        "呈批",
        "office",
        lambda a, d, p: services.document_route(actor=a, document=d, major=_bool(p, "major"), to=_position(p)),
    ),
    "pass_on": Action(
        "转批",
        "anyone",
        lambda a, d, p: services.document_pass_on(
            actor=a,
            document=d,
            to=_required_position(p, "请选择转批的领导同志。"),
            text=_text(p, "text"),
        ),
    ),
    "leader_return": Action(
        "退回办公室",
        "anyone",
        lambda a, d, p: services.document_leader_return(actor=a, document=d, reason=_text(p, "reason")),
    ),
    "instruct": Action("签署意见", "anyone", lambda a, d, p: _instruct(a, d, p)),
    "request_countersign": Action(
        "发起会签",
        "host",
        lambda a, d, p: services.countersign_request(
            actor=a, document=d, units=_units(p), due_by=_date(p, "due_by"), reason=_text(p, "reason")
        ),
    ),
    "reply": Action(
        "回复会签",
        "anyone",
        lambda a, d, p: services.countersign_reply(
            actor=a, countersign=_countersign(d, p), agree=_bool(p, "agree"), reply=_text(p, "reply")
        ),
    ),
    "request_extension": Action(
        "申请延期",
        "anyone",
        lambda a, d, p: services.countersign_request_extension(
            actor=a,
            countersign=_countersign(d, p),
            until=_required_date(p, "due_by"),
            reason=_text(p, "reason"),
        ),
    ),
    "extend": Action(
        "商定延期",
        "host",
        lambda a, d, p: services.countersign_extend(
            actor=a,
            countersign=_countersign(d, p),
            new_due=_required_date(p, "due_by"),
            reason=_text(p, "reason"),
        ),
    ),
    "record_reply": Action(
        "代为登记回复",
        "host",
        lambda a, d, p: services.countersign_record_reply(
            actor=a,
            countersign=_countersign(d, p),
            agree=_bool(p, "agree"),
            reply=_text(p, "reply"),
            channel=_text(p, "channel"),
            replier=_text(p, "replier"),
        ),
    ),
    "remind": Action(
        "催办", "host", lambda a, d, p: services.countersign_remind(actor=a, countersign=_countersign(d, p))
    ),
    "disagreement": Action(
        "列明分歧",
        "host",
        lambda a, d, p: services.disagreement_submit(
            actor=a, document=d, host_grounds=_text(p, "reason"), proposal=_text(p, "text")
        ),
    ),
    "confirm": Action(
        "会签分歧情况", "anyone", lambda a, d, p: services.disagreement_confirm(actor=a, document=d, unit=_unit(p))
    ),
    "review": Action("审核", "anyone", lambda a, d, p: services.document_review(actor=a, document=d)),
    "co_sign": Action("领导会签", "anyone", lambda a, d, p: services.document_co_sign(actor=a, document=d)),
    "authorise": Action("授权签发", "anyone", lambda a, d, p: services.document_authorise(actor=a, document=d)),
    "sign": Action("签发", "anyone", lambda a, d, p: services.document_sign(actor=a, document=d)),
    "issue": Action("印发", "office", lambda a, d, p: services.document_issue(actor=a, document=d)),
    "close": Action(
        "办结", "office", lambda a, d, p: services.document_close(actor=a, document=d, result=_text(p, "result"))
    ),
    "archive": Action("归档", "office", lambda a, d, p: services.document_archive(actor=a, document=d)),
    "circulate": Action(
        "传阅",
        "office",
        lambda a, d, p: services.document_circulate(
            actor=a, document=d, positions=_positions(p, "positions"), note=_text(p, "text")
        ),
    ),
    "relate": Action(
        "关联文件",
        "office",
        lambda a, d, p: services.documents_relate(
            actor=a, document=d, other=get_object_or_404(Document, pk=_int(p, "other"))
        ),
    ),
}
# mark_read needs the actor, not only the person.
READ_ACTION = "mark_read"


def _check_who(actor: Actor, doc: Document, who: str, action: str) -> None:
    if who == "office":
        check(actor, "document.intake", doc)
    elif who == "submitter":
        check(actor, "document.submit", doc)
    elif who == "drafter":
        check(actor, "document.draft", doc)
    elif who == "host":
        # The General Office hosts what it handles; a department hosts the outgoing draft it wrote.
        host = services.host_unit(doc)
        in_host = host.pk in actor.unit_ids if host.kind != Unit.Kind.GENERAL_OFFICE else OFFICE in actor.roles
        if not (in_host or OFFICE in actor.roles):
            raise PermissionDenied(f"只有主办单位（{host.name}）或市政府办公室可以{ACTIONS[action].label}。")


def perform(actor: Actor, doc: Document, action: str, params: Mapping[str, Any]) -> Any:
    check(actor, "document.view", doc)
    if actor.person is None:
        raise PermissionDenied("您的账号尚未关联人员信息，请联系系统管理员。")
    if action == READ_ACTION:
        return _mark_read(actor.person, doc, params, actor)
    spec = ACTIONS.get(action)
    if spec is None:
        raise UnknownAction(action)
    _check_who(actor, doc, spec.who, action)
    return spec.handler(actor.person, doc, params)


LABELS = {code: a.label for code, a in ACTIONS.items()} | {READ_ACTION: "已阅"}
