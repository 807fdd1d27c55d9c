"""One table of document actions, shared by the pages and the API: each maps request parameters to
the service that applies the rule. The service refuses with its citation; this only dispatches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from cityhall.accounts.permissions import Actor, check
from cityhall.org.models import Person, Position, Unit

from . import services
from .models import Countersign, Document, IntakeFinding

# Actions only the General Office takes (intake, routing, countersign requests, issuing).
OFFICE_ACTIONS = frozenset(
    {"register", "return", "route", "request_countersign", "issue", "clear", "extend", "disagreement"}
)


class UnknownAction(LookupError):
    def __init__(self, action: str) -> None:
        super().__init__(f"没有名为“{action}”的公文操作。")
        self.message = str(self)


def _position(code: Any) -> Position | None:
    return Position.objects.filter(code=str(code)).first() if code else None


def _units(values: Any) -> list[Unit]:
    keys = [str(v) for v in (values or [])]
    return list(Unit.objects.filter(code__in=keys)) + list(Unit.objects.filter(pk__in=[k for k in keys if k.isdigit()]))


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value else None


def _handlers(person: Person, doc: Document, p: Mapping[str, Any]) -> dict[str, Callable[[], Any]]:
    return {
        "submit": lambda: services.document_submit(actor=person, document=doc),
        "clear": lambda: services.finding_clear(
            actor=person,
            finding=get_object_or_404(IntakeFinding, pk=int(p.get("finding") or 0), document=doc),
            reason=str(p.get("reason", "")),
        ),
        "register": lambda: services.document_register(
            actor=person, document=doc, proposed_handling=str(p.get("proposed_handling", ""))
        ),
        "return": lambda: services.document_return(actor=person, document=doc, reason=str(p.get("reason", ""))),
        "route": lambda: services.document_route(
            actor=person, document=doc, major=bool(p.get("major")), to=_position(p.get("to"))
        ),
        "pass_on": lambda: services.document_pass_on(
            actor=person, document=doc, to=get_object_or_404(Position, code=str(p.get("to", "")))
        ),
        "instruct": lambda: services.document_instruct(
            actor=person, document=doc, opinion=str(p.get("opinion", "")), text=str(p.get("text", ""))
        ),
        "request_countersign": lambda: services.countersign_request(
            actor=person, document=doc, units=_units(p.get("units")), due_by=_date(p.get("due_by"))
        ),
        "reply": lambda: services.countersign_reply(
            actor=person,
            countersign=get_object_or_404(Countersign, pk=int(p.get("countersign") or 0), document=doc),
            agree=bool(p.get("agree")),
            reply=str(p.get("reply", "")),
        ),
        "extend": lambda: services.countersign_extend(
            actor=person,
            countersign=get_object_or_404(Countersign, pk=int(p.get("countersign") or 0), document=doc),
            new_due=_date(p.get("due_by")) or doc.created_at.date(),
            reason=str(p.get("reason", "")),
        ),
        "disagreement": lambda: services.disagreement_submit(
            actor=person, document=doc, host_grounds=str(p.get("reason", "")), proposal=str(p.get("text", ""))
        ),
        "review": lambda: services.document_review(actor=person, document=doc),
        "co_sign": lambda: services.document_co_sign(actor=person, document=doc),
        "authorise": lambda: services.document_authorise(actor=person, document=doc),
        "sign": lambda: services.document_sign(actor=person, document=doc),
        "issue": lambda: services.document_issue(actor=person, document=doc),
    }


def perform(actor: Actor, doc: Document, action: str, params: Mapping[str, Any]) -> Any:
    check(actor, "document.view", doc)
    if actor.person is None:
        raise PermissionDenied("您的账号尚未关联人员信息，请联系系统管理员。")
    if action in OFFICE_ACTIONS:
        check(actor, "document.intake", doc)
    handler = _handlers(actor.person, doc, params).get(action)
    if handler is None:
        raise UnknownAction(action)
    return handler()
