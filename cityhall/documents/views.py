"""Document pages: the intake queue, a document's page with the actions open to the viewer and its
full history with every citation, drafting, and the GB/T 9704 preview and downloads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cityhall.accounts.permissions import OFFICE, Actor, actor_for, allowed, check
from cityhall.org.models import Position, Unit
from cityhall.org.selectors import holders_at
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import RuleViolation
from cityhall.rules import document_flow as flow
from cityhall.rules.signing import CATEGORIES
from cityhall.workflow.models import AuditEvent

from . import services
from .actions import UnknownAction, perform
from .models import Attachment, BriefKind, Countersign, Document
from .render import render_docx, render_html, render_pdf

# What each recorded step is called on the page (the audit trail keeps the stable codes).
ACTION_LABELS = {
    **{f"document.{t.action}": t.label for t in flow.TRANSITIONS},
    "document.draft": "起草",
    "document.edit": "修改草稿",
    "document.clear_warning": "清除收文提示",
    "document.review": "分管领导审核",
    "document.co_sign": "领导会签",
    "document.authorise": "市长授权签发",
    "countersign.agreed": "会签：同意",
    "countersign.objected": "会签：有不同意见",
    "countersign.deemed_no_objection": "会签：逾期视为无不同意见",
    "countersign.extend": "会签：商定延期",
    "countersign.disagreement_submitted": "列明分歧并提出办理建议",
}

KINDS = [
    "请示",
    "报告",
    "函",
    "意见",
    "通知",
    "通报",
    "决定",
    "纪要",
    "议案",
    "批复",
    "公告",
    "通告",
    "公报",
    "决议",
    "命令",
]


def _visible(actor: Actor) -> Any:
    qs = Document.objects.select_related("issuer_unit", "routed_to")
    if OFFICE in actor.roles or "admin" in actor.roles:
        return qs
    seats = actor.position_ids | actor.acting_position_ids
    return qs.filter(
        Q(issuer_unit_id__in=actor.unit_ids) | Q(routed_to_id__in=seats) | Q(countersigns__unit_id__in=actor.unit_ids)
    ).distinct()


def index(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    state = request.GET.get("state", "")
    qs = _visible(actor)
    if state in flow.STATE_LABELS:
        qs = qs.filter(state=state)
    elif OFFICE in actor.roles:
        qs = qs.filter(state__in=[flow.SUBMITTED, flow.REGISTERED, flow.DECIDED, flow.SIGNED])  # the office's queue
    context = {
        "documents": qs.order_by("-created_at")[:200],
        "state": state,
        "states": flow.STATE_LABELS,
        "is_office": OFFICE in actor.roles,
        "can_submit": bool(actor.person),
    }
    return render(request, "documents/index.html", context)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request.user)
    doc = get_object_or_404(Document.objects.select_related("issuer_unit", "routed_to", "matter_unit"), pk=pk)
    check(actor, "document.view", doc)
    history = AuditEvent.objects.filter(subject_type="documents.document", subject_id=str(doc.pk)).order_by(
        "occurred_at", "id"
    )
    book = rulebook()
    events = [
        (e, ACTION_LABELS.get(e.action, e.action), [(r, book.rule(r).short_citation) for r in e.rules if r in book])
        for e in history
    ]
    context = {
        "doc": doc,
        "can_read": allowed(actor, "document.read", doc),
        "is_office": OFFICE in actor.roles,
        "actions": [t.action for t in flow.actions_from(doc.state)],
        "findings": doc.findings.all(),
        "countersigns": doc.countersigns.select_related("unit", "deadline"),
        "my_countersigns": [c for c in doc.countersigns.all() if c.unit_id in actor.unit_ids and c.state == "pending"],
        "events": events,
        "leaders": Position.objects.filter(rank__isnull=False).order_by("rank"),
        "departments": Unit.objects.filter(kind=Unit.Kind.DEPARTMENT),
        "state_label": flow.STATE_LABELS.get(doc.state, doc.state),
        "category_label": CATEGORIES.get(doc.signing_category, ("", ""))[1],
        "opinions": ["同意", "不同意", "批示"],
        "has_objection": doc.countersigns.filter(state=Countersign.State.OBJECTED).exists(),
        "routed_holder": holders_at(timezone.now(), [doc.routed_to]).get(doc.routed_to.pk) if doc.routed_to else None,
    }
    return render(request, "documents/detail.html", context)


def _units(request: HttpRequest, name: str) -> list[Unit]:
    return list(Unit.objects.filter(pk__in=[v for v in request.POST.getlist(name) if v.isdigit()]))


@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Thin: the action table dispatches, the service checks the rule and says why it refuses."""
    actor = actor_for(request.user)
    doc = get_object_or_404(Document, pk=pk)
    params: dict[str, Any] = {k: request.POST.getlist(k) if k == "units" else request.POST.get(k) for k in request.POST}
    # HTML forms send checkboxes as "on" and radio buttons as strings.
    params["major"] = request.POST.get("major") == "on"
    params["agree"] = request.POST.get("agree") == "yes"
    try:
        perform(actor, doc, action, params)
    except RuleViolation as exc:
        messages.error(request, f"{exc.message}（依据 {exc.citation}）")
    except UnknownAction as exc:
        messages.error(request, exc.message)
    except ValueError:
        messages.error(request, "输入有误，请检查日期等字段。")
    else:
        messages.success(request, "已办理。")
    return redirect("documents:detail", pk=pk)


def new(request: HttpRequest) -> HttpResponse:
    """Draft and submit a document to the city government (a county or a department).

    A refused submission comes back here with every field as the user typed it and the
    reason; the draft is kept and the next attempt updates it (nothing is lost).
    """
    actor = actor_for(request.user)
    units = sorted({p.unit for p in actor.positions}, key=lambda u: u.sort_order)
    draft = None
    draft_id = request.POST.get("draft") or request.GET.get("draft")
    if draft_id and str(draft_id).isdigit():
        draft = Document.objects.filter(pk=int(draft_id), state__in=[flow.DRAFT, flow.RETURNED]).first()
        if draft is not None:
            check(actor, "document.submit", draft)
    form: dict[str, Any] = {"kind": "请示", "addressees": "抚顺市人民政府", "signed_by_title": "主要负责人"}
    if draft is not None and request.method != "POST":
        form = {
            "kind": draft.kind,
            "title": draft.title,
            "body": draft.body,
            "addressees": draft.addressees,
            "copied_to": draft.copied_to,
            "signed_by_title": draft.signed_by_title,
            "issuer": str(draft.issuer_unit_id),
            "matter": str(draft.matter_unit_id or ""),
        }
    if request.method == "POST":
        form = {
            k: request.POST.get(k, "")
            for k in ("kind", "title", "body", "addressees", "copied_to", "signed_by_title", "issuer", "matter")
        }
        issuer = next((u for u in units if str(u.pk) == form["issuer"]), units[0] if units else None)
        if issuer is None:
            messages.error(request, "您的账号没有所属单位，不能报送公文。")
        else:
            matter = Unit.objects.filter(pk=form["matter"]).first() if form["matter"].isdigit() else None
            fields = {
                "kind": form["kind"],
                "title": form["title"].strip(),
                "body": form["body"],
                "addressees": [a.strip() for a in form["addressees"].split("、") if a.strip()],
                "copied_to": [a.strip() for a in form["copied_to"].split("、") if a.strip()],
                "signed_by_title": form["signed_by_title"].strip(),
                "matter_unit": matter,
            }
            try:
                if draft is None:
                    draft = services.document_create_incoming(actor=actor.person, issuer_unit=issuer, **fields)
                else:
                    draft = services.document_update_draft(actor=actor.person, document=draft, **fields)
                _save_attachments(request, draft)
                services.document_submit(actor=actor.person, document=draft)
            except RuleViolation as exc:
                messages.error(request, f"未能报送：{exc.message}（依据 {exc.citation}）")
                if draft is not None:
                    messages.info(request, "草稿已保存；修改下面的内容后可以重新报送。")
            else:
                messages.success(request, "已报送市政府办公室。")
                return redirect("documents:detail", pk=draft.pk)
    context = {
        "form": form,
        "units": units,
        "kinds": KINDS,
        "draft": draft,
        "departments": Unit.objects.exclude(kind__in=[Unit.Kind.CITY_GOVERNMENT, Unit.Kind.COUNTY]),
    }
    return render(request, "documents/new.html", context)


def briefs(request: HttpRequest) -> HttpResponse:
    """简报 kinds (Art 53 ¶2): departments ask, the General Office approves at most one per department."""
    actor = actor_for(request.user)
    is_office = OFFICE in actor.roles
    if request.method == "POST" and actor.person is not None:
        try:
            if request.POST.get("action") == "request":
                unit = next((p.unit for p in actor.positions if str(p.unit_id) == request.POST.get("unit")), None)
                if unit is None:
                    raise PermissionDenied("只能为本单位申请简报。")
                services.brief_kind_request(actor=actor.person, unit=unit, name=request.POST.get("name", ""))
            else:
                check(actor, "document.intake")
                brief = get_object_or_404(BriefKind, pk=request.POST.get("brief", "0"))
                services.brief_kind_decide(
                    actor=actor.person, brief=brief, approve=request.POST.get("action") == "approve"
                )
        except RuleViolation as exc:
            messages.error(request, f"{exc.message}（依据 {exc.citation}）")
        else:
            messages.success(request, "已办理。")
        return redirect("documents:briefs")
    qs = BriefKind.objects.select_related("unit").order_by("unit__sort_order", "id")
    if not is_office:
        qs = qs.filter(unit_id__in=actor.unit_ids)
    units = sorted({p.unit for p in actor.positions if p.unit.kind == Unit.Kind.DEPARTMENT}, key=lambda u: u.sort_order)
    return render(request, "documents/briefs.html", {"briefs": qs, "is_office": is_office, "units": units})


MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def _save_attachments(request: HttpRequest, doc: Document) -> None:
    for upload in request.FILES.getlist("attachments"):
        if upload.size and upload.size > MAX_ATTACHMENT_BYTES:
            messages.error(request, f"附件“{upload.name}”超过 20MB，未上传。")
            continue
        Attachment.objects.create(document=doc, file=upload, name=(upload.name or "附件")[:200])


def attachment(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    doc = _readable(request, pk)
    item = get_object_or_404(Attachment, pk=attachment_id, document=doc)
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)


def _readable(request: HttpRequest, pk: int) -> Document:
    actor = actor_for(request.user)
    doc = get_object_or_404(Document.objects.select_related("issuer_unit"), pk=pk)
    check(actor, "document.read", doc)
    return doc


def preview(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(render_html(_readable(request, pk)))


def download_docx(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _readable(request, pk)
    response = HttpResponse(
        render_docx(doc), content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = f"attachment; filename=document-{doc.pk}.docx"
    return response


def download_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _readable(request, pk)
    response = HttpResponse(render_pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename=document-{doc.pk}.pdf"
    return response
