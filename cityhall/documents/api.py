"""Documents API. Slice 1: the pre-submission check (公文预审)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from cityhall.accounts.permissions import actor_for, allowed, check
from cityhall.org.models import Unit
from cityhall.rulebase.selectors import rulebook
from cityhall.rules.intake import Draft, check_draft
from cityhall.workflow.models import AuditEvent

from .actions import UnknownAction, perform
from .models import Document
from .services import document_create_incoming

router = Router(tags=["documents"])


class DraftIn(Schema):
    kind: str = Field(description="文种，党政机关公文处理工作条例第八条规定的15种之一，如 请示、报告、函")
    title: str
    body: str
    issuer: str = Field(description="报送单位名称")
    addressees: list[str] = Field(description="主送机关（单位名称或领导同志称谓）")
    signed_by: str = Field(description="签发人职务，如 主要负责人")
    copied_to: list[str] = []
    classification: str = ""
    leader_assigned: bool = False
    major_emergency: bool = False
    urgent_foreign_affairs: bool = False
    level_skip_approved: bool = False


class FindingOut(Schema):
    code: str
    severity: str = Field(description="refuse = 将被退回；warn = 需经办人核实并说明理由")
    rule: str
    citation: str
    citation_en: str
    message: str
    matched: list[str]


class CheckOut(Schema):
    ok: bool
    refused: bool
    summary: str
    findings: list[FindingOut]


class ErrorOut(Schema):
    code: str
    message: str


@router.post(
    "/check",
    response={200: CheckOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="公文预审：按工作规则第四十八条、第四十九条检查待报送的公文",
)
def post_check(request: HttpRequest, draft: DraftIn) -> dict[str, Any]:
    return check_draft(Draft.from_dict(draft.dict()), rulebook()).as_dict()


# -- documents and their actions -------------------------------------------------------------------


class DocumentIn(Schema):
    kind: str
    title: str
    body: str
    issuer: str = Field(description="报送单位代码（如 xinbin）；须是您任职的单位")
    addressees: list[str]
    signed_by: str
    copied_to: list[str] = []
    matter_unit: str | None = Field(None, description="事项主管部门代码（用于按分工呈批）")
    classification: str = ""
    classification_period: str = ""
    disclosure: str = Field("on_request", pattern="^(proactive|on_request|withheld)$")
    disclosure_reason: str = ""


class ActionIn(Schema):
    proposed_handling: str = ""
    reason: str = ""
    to: str = Field("", description="职务代码：呈批或转批对象")
    major: bool = False
    opinion: str = Field("", description="同意、不同意 或 批示")
    text: str = ""
    units: list[str] = Field([], description="会签部门代码")
    due_by: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    countersign: int | None = Field(None, ge=1, le=2**31 - 1)
    agree: bool = True
    reply: str = ""
    finding: int | None = Field(None, ge=1, le=2**31 - 1)


class DocumentOut(Schema):
    id: int
    direction: str
    kind: str
    state: str
    title: str
    issuer: str
    document_number: str
    routed_to: str | None
    opinion: str
    classification: str
    body: str | None = Field(description="正文；涉密且您的涉密等级不够时为 null（工作规则第六十九条）")
    findings: list[dict[str, Any]]
    countersigns: list[dict[str, Any]]


class HistoryOut(Schema):
    at: str
    actor: str
    on_behalf_of: str
    action: str
    rules: list[str]
    citations: list[str]
    after: Any


def _out(actor: Any, doc: Any) -> dict[str, Any]:
    return {
        "id": doc.pk,
        "direction": doc.direction,
        "kind": doc.kind,
        "state": doc.state,
        "title": doc.title,
        "issuer": doc.issuer_unit.code,
        "document_number": doc.document_number,
        "routed_to": doc.routed_to.code if doc.routed_to else None,
        "opinion": doc.opinion,
        "classification": doc.classification,
        "body": doc.body if allowed(actor, "document.read", doc) else None,
        "findings": [
            {
                "id": f.pk,
                "code": f.code,
                "severity": f.severity,
                "citation": f.citation,
                "message": f.message,
                "cleared": f.cleared_at is not None,
            }
            for f in doc.findings.all()
        ],
        "countersigns": [
            {
                "id": c.pk,
                "unit": c.unit.code,
                "state": c.state,
                "due_date": c.deadline.due_date.isoformat() if c.deadline else None,
                "reply": c.reply,
            }
            for c in doc.countersigns.select_related("unit", "deadline")
        ],
    }


def _document(request: HttpRequest, pk: int) -> tuple[Any, Any]:
    actor = actor_for(request.user)
    doc = get_object_or_404(Document.objects.select_related("issuer_unit", "routed_to"), pk=pk)
    check(actor, "document.view", doc)
    return actor, doc


RESPONSES = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post("", response={201: DocumentOut, **RESPONSES}, summary="起草一份报送市政府的公文（收文草稿）")
def create_document(request: HttpRequest, data: DocumentIn) -> Status[dict[str, Any]]:
    actor = actor_for(request.user)
    issuer = Unit.objects.filter(code=data.issuer).first()
    if issuer is None or issuer.pk not in actor.unit_ids:
        raise PermissionDenied("只能以本单位名义报送公文（issuer 须是您任职的单位代码）。")
    matter = Unit.objects.filter(code=data.matter_unit).first() if data.matter_unit else None
    doc = document_create_incoming(
        actor=actor.person,
        issuer_unit=issuer,
        kind=data.kind,
        title=data.title,
        body=data.body,
        addressees=data.addressees,
        signed_by_title=data.signed_by,
        copied_to=data.copied_to,
        matter_unit=matter,
        classification=data.classification,
        classification_period=data.classification_period,
        disclosure=data.disclosure,
        disclosure_reason=data.disclosure_reason,
    )
    return Status(201, _out(actor, doc))


@router.get("/{pk}", response={200: DocumentOut, **RESPONSES}, summary="一份公文")
def get_document(request: HttpRequest, pk: int) -> dict[str, Any]:
    actor, doc = _document(request, pk)
    return _out(actor, doc)


@router.get("/{pk}/history", response={200: list[HistoryOut], **RESPONSES}, summary="公文的全部办理过程及依据")
def get_history(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    _, doc = _document(request, pk)
    book = rulebook()
    events = AuditEvent.objects.filter(subject_type="documents.document", subject_id=str(doc.pk))
    return [
        {
            "at": e.occurred_at.isoformat(),
            "actor": e.actor_label,
            "on_behalf_of": e.on_behalf_of_label,
            "action": e.action,
            "rules": e.rules,
            "citations": [book.rule(r).citation for r in e.rules if r in book],
            "after": e.after,
        }
        for e in events.order_by("occurred_at", "id")
    ]


@router.post(
    "/{pk}/actions/{action}",
    response={200: DocumentOut, **RESPONSES},
    summary="办理：submit、register、return、route、pass_on、instruct、request_countersign、reply、clear、"
    "review、co_sign、authorise、sign、issue",
)
def post_action(request: HttpRequest, pk: int, action: str, data: ActionIn) -> dict[str, Any]:
    actor, doc = _document(request, pk)
    try:
        perform(actor, doc, action, data.dict())
    except UnknownAction as exc:
        raise HttpError(422, exc.message) from None
    except ValueError:
        raise HttpError(422, "输入有误，请检查日期等字段。") from None
    doc.refresh_from_db()
    return _out(actor, doc)
