"""Documents API: the pre-submission check (公文预审), drafting incoming and outgoing documents, the list
a person may see, one document with the actions open to the caller, its history, and every action.

A classified document's texts (title, body, opinions, instructions, replies) are given only to callers
cleared to read it (Art 69); everyone else gets its 密级 title and nulls."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from cityhall.accounts.permissions import actor_for, allowed, check
from cityhall.org.models import Position, Unit
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import document_flow as flow
from cityhall.rules.intake import Draft, check_draft
from cityhall.workflow import audit
from cityhall.workflow.models import AuditEvent

from . import policy
from .actions import LABELS, UnknownAction, perform
from .forms import OutgoingForm
from .models import Document
from .selectors import DocumentFilter, visible_documents
from .services import document_create_incoming, document_create_outgoing

router = Router(tags=["documents"])


class BodyIn(Schema):
    # JSON bodies are typed strictly: "false" or 1 is not a boolean, "3" is not a number. A lax reading
    # would accept what the schema forbids and guess at what the caller meant.
    model_config = ConfigDict(strict=True)


class DraftIn(BodyIn):
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
    response={200: CheckOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="公文预审：按工作规则第四十八条、第四十九条检查待报送的公文",
)
def post_check(request: HttpRequest, draft: DraftIn) -> dict[str, Any]:
    return check_draft(Draft.from_dict(draft.dict()), rulebook()).as_dict()


# -- documents and their actions -------------------------------------------------------------------


class DocumentIn(BodyIn):
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


class ActionIn(BodyIn):
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


class InstructionOut(Schema):
    position: str
    person: str
    on_behalf_of: str | None
    kind: str = Field(description="decision 批示 / pass_on 转批 / return 退回")
    opinion: str | None
    text: str | None
    at: str


class ActionOffered(Schema):
    code: str
    label: str


class DocumentOut(Schema):
    id: int
    direction: str
    kind: str
    state: str
    state_label: str
    title: str = Field(description="标题；涉密且您无权阅读时为“（机密）公文”之类的替代标题")
    issuer: str
    issuer_name: str
    document_number: str
    receipt_number: str
    routed_to: str | None
    opinion: str | None
    proposed_handling: str | None
    classification: str
    urgency: str
    readable: bool = Field(description="您能否阅读正文与意见（工作规则第六十九条）")
    body: str | None = Field(description="正文；涉密且您的涉密等级不够时为 null（工作规则第六十九条）")
    reply_to: int | None
    related: list[int]
    findings: list[dict[str, Any]]
    countersigns: list[dict[str, Any]]
    instructions: list[InstructionOut]
    actions: list[ActionOffered] = Field(description="您现在可以办理的操作（POST …/actions/{code}）")


class DocumentRow(Schema):
    id: int
    direction: str
    kind: str
    state: str
    state_label: str
    title: str
    issuer: str
    document_number: str
    receipt_number: str
    classification: str
    urgency: str
    updated_at: str


class DocumentPage(Schema):
    count: int
    page: int
    pages: int
    results: list[DocumentRow]


class OutgoingIn(BodyIn):
    issuer: str = Field(description="发文机关的单位代码，如 city-government、general-office 或本部门代码")
    kind: str = Field(description="文种，如 通知、批复、意见、函")
    signing_category: str = Field(description="签发类别（第五十一条），见 OpenAPI 说明或页面选项")
    title: str
    body: str
    addressees: list[str]
    copied_to: list[str] = []
    matter_unit: str | None = Field(None, description="涉及的主管部门代码")
    touched_leaders: list[str] = Field([], description="涉及分管领导的职务代码")
    important: bool = False
    executive_decided_or_routine: bool = False
    department_matter: bool = False
    government_approved: bool = False
    directive: bool = False
    normative: bool = False
    urgency: str = ""
    classification: str = ""
    classification_period: str = ""
    disclosure: str = "proactive"
    disclosure_reason: str = ""
    attachment_note: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    copies: int = Field(1, ge=1, le=9999)
    reply_to: int | None = Field(None, ge=1, le=2**31 - 1, description="所答复的请示的编号（拟批复时）")


class HistoryOut(Schema):
    at: str
    actor: str
    on_behalf_of: str
    action: str
    rules: list[str]
    citations: list[str]
    after: Any


def _readable(actor: Any, doc: Document) -> bool:
    return allowed(actor, "document.read", doc)


def _title(actor: Any, doc: Document, readable: bool) -> str:
    return doc.title if not doc.classification or readable else doc.safe_title


def _out(actor: Any, doc: Any) -> dict[str, Any]:
    readable = _readable(actor, doc)
    offered = policy.offer(actor, doc)
    return {
        "id": doc.pk,
        "direction": doc.direction,
        "kind": doc.kind,
        "state": doc.state,
        "state_label": flow.STATE_LABELS.get(doc.state, doc.state),
        "title": _title(actor, doc, readable),
        "issuer": doc.issuer_unit.code,
        "issuer_name": doc.issuer_unit.name,
        "document_number": doc.document_number,
        "receipt_number": doc.receipt_number,
        "routed_to": doc.routed_to.code if doc.routed_to else None,
        "opinion": doc.opinion if readable else None,
        "proposed_handling": doc.proposed_handling if readable else None,
        "classification": doc.classification,
        "urgency": doc.urgency,
        "readable": readable,
        "body": doc.body if readable else None,
        "reply_to": doc.reply_to_id,
        "related": sorted(doc.related.values_list("pk", flat=True)),
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
                "unit_name": c.unit.name,
                "state": c.state,
                "state_label": c.get_state_display(),
                "due_date": c.deadline.due_date.isoformat() if c.deadline else None,
                "reply": c.reply if readable else None,
            }
            for c in doc.countersigns.select_related("unit", "deadline")
        ],
        "instructions": [
            {
                "position": i.position.title,
                "person": i.person.name,
                "on_behalf_of": i.on_behalf_of.name if i.on_behalf_of else None,
                "kind": i.kind,
                "opinion": i.opinion if readable else None,
                "text": i.text if readable else None,
                "at": i.at.isoformat(),
            }
            for i in doc.instructions.select_related("position", "person", "on_behalf_of").order_by("at", "pk")
        ],
        "actions": [{"code": c, "label": LABELS.get(c, c)} for c in sorted(offered.codes) if c in LABELS]
        + [{"code": "reply", "label": LABELS["reply"]}] * bool(offered.countersigns_to_reply),
    }


def _document(request: HttpRequest, pk: int) -> tuple[Any, Any]:
    actor = actor_for(request.user)
    doc = get_object_or_404(Document.objects.select_related("issuer_unit", "routed_to"), pk=pk)
    check(actor, "document.view", doc)
    return actor, doc


RESPONSES = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.get("", response={200: DocumentPage, **RESPONSES}, summary="您可以查看的公文（可按关键词、状态等筛选，分页）")
def list_documents(
    request: HttpRequest,
    q: str = "",
    state: str = "",
    direction: str = "",
    kind: str = "",
    queue: str = "all",
    page: int = Query(1, ge=1, le=100000),
    size: int = Query(50, ge=1, le=200),
) -> dict[str, Any]:
    actor = actor_for(request.user)
    data = {"q": q, "state": state, "direction": direction, "kind": kind, "queue": queue}
    filterset = DocumentFilter({k: v for k, v in data.items() if v}, queryset=visible_documents(actor))
    if not filterset.is_valid():
        problems = "；".join(f"{k}：{'、'.join(str(m) for m in v)}" for k, v in filterset.errors.items())
        raise HttpError(422, f"筛选条件有误：{problems}")
    pages = Paginator(filterset.qs.order_by("-created_at", "-id"), size)
    chosen = pages.get_page(page)
    return {
        "count": pages.count,
        "page": chosen.number,
        "pages": pages.num_pages,
        "results": [
            {
                "id": d.pk,
                "direction": d.direction,
                "kind": d.kind,
                "state": d.state,
                "state_label": flow.STATE_LABELS.get(d.state, d.state),
                "title": d.title if not d.classification else _title(actor, d, _readable(actor, d)),
                "issuer": d.issuer_unit.code,
                "document_number": d.document_number,
                "receipt_number": d.receipt_number,
                "classification": d.classification,
                "urgency": d.urgency,
                "updated_at": d.updated_at.isoformat(),
            }
            for d in chosen.object_list
        ],
    }


@router.post(
    "/outgoing", response={201: DocumentOut, **RESPONSES}, summary="发文拟稿：以市政府、市政府办公室或本部门名义起草"
)
def create_outgoing(request: HttpRequest, data: OutgoingIn) -> Status[dict[str, Any]]:
    actor = actor_for(request.user)
    issuers = policy.outgoing_issuers(actor) if actor.person else []
    issuer = next((u for u in issuers if u.code == data.issuer), None)
    if issuer is None:
        names = "、".join(u.code for u in issuers) or "（无）"
        raise PermissionDenied(f"您不能以该单位名义发文。可选的发文机关代码：{names}。")
    request_doc = None
    if data.reply_to is not None:
        request_doc = get_object_or_404(Document, pk=data.reply_to)
        check(actor, "document.view", request_doc)
    # The API goes through the page's own form, so both give the same checks and the same Chinese messages.
    form_data: dict[str, Any] = data.dict(exclude={"issuer", "matter_unit", "touched_leaders", "reply_to"})
    form_data["addressees"] = "、".join(data.addressees)
    form_data["copied_to"] = "、".join(data.copied_to)
    form_data["issuer"] = str(issuer.pk)
    if data.matter_unit:
        matter = Unit.objects.filter(code=data.matter_unit).first()
        if matter is None:
            raise HttpError(422, f"没有代码为“{data.matter_unit}”的部门。")
        form_data["matter_unit"] = str(matter.pk)
    leaders = dict(Position.objects.filter(code__in=data.touched_leaders).values_list("code", "pk"))
    missing = [c for c in data.touched_leaders if c not in leaders]
    if missing:
        raise HttpError(422, f"没有这些领导职务：{'、'.join(missing)}。")
    form_data["touched_leaders"] = [str(leaders[c]) for c in data.touched_leaders]
    for flag in (
        "important",
        "executive_decided_or_routine",
        "department_matter",
        "government_approved",
        "directive",
        "normative",
    ):
        if not form_data[flag]:
            form_data.pop(flag)
    form = OutgoingForm(form_data, issuers=issuers)
    if not form.is_valid():
        problems = "；".join(
            f"{form.fields[k].label if k in form.fields else k}：{'、'.join(str(m) for m in v)}"
            for k, v in form.errors.items()
        )
        raise HttpError(422, f"输入有误：{problems}")
    drafting = next((u for u in policy.submit_units(actor) if u.kind != Unit.Kind.COUNTY), None)
    with audit.atomic():
        doc = document_create_outgoing(
            actor=actor.person,
            issuer_unit=issuer,
            category=form.cleaned_data["signing_category"],
            drafting_unit=drafting,
            reply_to=request_doc,
            **form.service_fields(),
        )
    return Status(201, _out(actor, doc))


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
