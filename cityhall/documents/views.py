"""Document pages: the list, drafting (收文报送、发文拟稿), the processing sheet (办理笺 / 发文稿纸) with
the actions open to the viewer, the print view, and the GB/T 9704 preview and downloads.

Forms post, redirect and get (PRG) with an idempotency key; a refused action re-renders the page with
what the user typed, so nothing is lost."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from cityhall.accounts.permissions import OFFICE, Actor, actor_for, allowed, check
from cityhall.org.models import Holding, Person, Position, Unit
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import InvalidInput, RulesError, RuleViolation
from cityhall.rules import document_flow as flow
from cityhall.rules.intake import Draft, check_draft
from cityhall.rules.signing import CATEGORIES
from cityhall.supervision.models import Item
from cityhall.workflow import audit
from cityhall.workflow.models import AuditEvent

from . import policy, services
from .actions import LABELS as ACTION_NAMES
from .actions import UnknownAction, perform
from .forms import IncomingForm, OutgoingForm
from .models import (
    Attachment,
    BriefKind,
    ClassifiedAccess,
    CommonPhrase,
    CountersignDelegate,
    Document,
    SubmissionKey,
)
from .render import render_docx, render_html, render_pdf
from .selectors import DocumentFilter, visible_documents

# What each recorded step is called on the page (the audit trail keeps the stable codes).
ACTION_LABELS = {
    **{f"document.{t.action}": t.label for t in flow.TRANSITIONS},
    "document.draft": "起草",
    "document.edit": "修改草稿",
    "document.delete_draft": "删除草稿",
    "document.clear_warning": "清除收文提示",
    "document.review": "分管领导审核",
    "document.co_sign": "领导会签",
    "document.authorise": "市长授权分管领导签发",
    "document.circulate": "传阅",
    "document.relate": "关联文件",
    "countersign.agreed": "会签：同意",
    "countersign.objected": "会签：有不同意见",
    "countersign.agreed_recorded": "会签：同意（办公室代为登记）",
    "countersign.objected_recorded": "会签：有不同意见（办公室代为登记）",
    "countersign.deemed_no_objection": "会签：逾期视为无不同意见",
    "countersign.extend": "会签：商定延期",
    "countersign.extension_requested": "会签：申请延期",
    "countersign.remind": "会签：催办",
    "countersign.disagreement_submitted": "列明分歧并提出办理建议",
    "countersign.disagreement_confirmed": "会签分歧情况",
}
DEFAULT_PHRASES: dict[str, list[str]] = {
    CommonPhrase.Use.HANDLING: [
        "拟请分管副市长阅示。",
        "拟请市长阅示。",
        "拟请相关部门会签后呈批。",
        "拟转请相关部门研究办理。",
    ],
    CommonPhrase.Use.INSTRUCTION: ["同意。", "请市政府办公室按程序办理。", "请有关部门抓紧研究办理。", "请市长阅示。"],
    CommonPhrase.Use.COUNTERSIGN: ["同意。", "无不同意见。", "原则同意，建议进一步明确资金来源。"],
}


def _phrases(actor: Actor, use: str) -> list[str]:
    own = (
        list(CommonPhrase.objects.filter(person=actor.person, use=use).values_list("text", flat=True))
        if actor.person
        else []
    )
    shared = list(CommonPhrase.objects.filter(person__isnull=True, use=use).values_list("text", flat=True))
    return list(dict.fromkeys(own + shared + DEFAULT_PHRASES.get(use, [])))


def _can_read(actor: Actor, doc: Document) -> bool:
    return allowed(actor, "document.read", doc)


def _title_for(actor: Actor, doc: Document) -> str:
    return doc.title if not doc.classification or _can_read(actor, doc) else doc.safe_title


def _log_classified(request: HttpRequest, actor: Actor, doc: Document, what: str) -> None:
    """Art 69: every view of classified content is recorded with person and time."""
    if doc.classification:
        ClassifiedAccess.objects.create(
            document=doc,
            person=actor.person,
            username=getattr(request.user, "username", "")[:150],
            what=what,
            at=timezone.now(),
            ip=request.META.get("REMOTE_ADDR") or None,
        )


# -- the list -----------------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    data = request.GET.copy()
    data.setdefault("queue", "open")
    filterset = DocumentFilter(data, queryset=visible_documents(actor))
    qs = filterset.qs if filterset.is_valid() else visible_documents(actor).none()
    if not data.get("sort"):
        qs = qs.order_by("-created_at", "-id")
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    rows = [(d, _title_for(actor, d)) for d in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "rows": rows,
        "count": page.paginator.count,
        "query": query.urlencode(),
        "is_office": OFFICE in actor.roles,
        "can_submit": bool(actor.person and policy.submit_units(actor)),
        "can_draft_outgoing": bool(actor.person and policy.outgoing_issuers(actor)),
        "can_delegate": any(p.unit.kind in DELEGATING_UNIT_KINDS for p in actor.positions),
        "states": flow.STATE_LABELS,
    }
    return render(request, "documents/index.html", context)


# -- drafting -----------------------------------------------------------------------------------


def _new_key() -> str:
    return uuid.uuid4().hex


def _claim(request: HttpRequest, key: str) -> SubmissionKey | None:
    """The earlier submission with this key (the back button, a double click), or None after claiming it."""
    if not key:
        return None
    found = SubmissionKey.objects.filter(key=key).first()
    if found is not None:
        return found
    try:
        with audit.atomic():
            SubmissionKey.objects.create(key=key, user_id=int(request.user.pk or 0))
    except IntegrityError:
        return SubmissionKey.objects.filter(key=key).first()
    return None


def _duplicate(request: HttpRequest, earlier: SubmissionKey) -> HttpResponse:
    messages.info(request, "这张表单已经提交过，没有重复办理。")
    if earlier.document_id:
        return redirect("documents:detail", pk=earlier.document_id)
    return redirect("documents:index")


def _draft_for_edit(request: HttpRequest, actor: Actor, pk: int | None) -> Document | None:
    if pk is None:
        return None
    doc = get_object_or_404(Document, pk=pk)
    check(actor, "document.draft", doc)
    if doc.state not in (flow.DRAFT, flow.RETURNED):
        raise PermissionDenied(f"这份公文已是“{flow.STATE_LABELS[doc.state]}”，只有草稿或被退回的公文可以修改。")
    return doc


def new(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Draft (and later submit) a document to the city government: save, pre-check, submit."""
    actor = actor_for(request.user)
    units = policy.submit_units(actor)
    draft = _draft_for_edit(request, actor, pk)
    if draft is not None and draft.direction == Document.Direction.OUTGOING:
        return redirect("documents:edit_outgoing", pk=draft.pk)
    if not units and draft is None:
        raise PermissionDenied("只有县（区）政府和市政府部门可以向市政府报送公文。")
    if draft is not None and draft.issuer_unit not in units:
        units.append(draft.issuer_unit)
    initial: dict[str, Any] = {"idem": _new_key(), "addressees": "抚顺市人民政府", "signed_by_title": "主要负责人"}
    if actor.person is not None:
        initial["signer_name"] = actor.person.name
    if draft is not None:
        initial.update(
            {f: getattr(draft, f) for f in IncomingForm.base_fields if hasattr(draft, f) and f not in ("idem",)}
        )
        initial["issuer"] = draft.issuer_unit_id
    form = IncomingForm(request.POST or None, initial=initial, units=units)
    findings = None
    if request.method == "POST":
        intent = request.POST.get("intent", "save")
        if form.is_valid():
            if intent == "check":
                findings = check_draft(_draft_for_check(form), rulebook())
            else:
                earlier = _claim(request, form.cleaned_data.get("idem", ""))
                if earlier is not None and draft is None:
                    return _duplicate(request, earlier)
                try:
                    with audit.atomic():
                        fields = form.service_fields()
                        if draft is None:
                            draft = services.document_create_incoming(
                                actor=actor.person, issuer_unit=form.cleaned_data["issuer"], **fields
                            )
                            SubmissionKey.objects.filter(key=form.cleaned_data.get("idem", "")).update(document=draft)
                        else:
                            fields["matter_unit"] = fields.get("matter_unit") or draft.issuer_unit
                            draft = services.document_update_draft(actor=actor.person, document=draft, **fields)
                        _save_attachments(request, draft)
                    if intent == "submit":
                        services.document_submit(actor=actor.person, document=draft)
                        messages.success(request, "已报送市政府办公室。")
                    else:
                        messages.success(request, "草稿已保存。可以稍后在“待办”或“公文 › 草稿”中继续修改并报送。")
                    return redirect("documents:detail", pk=draft.pk)
                except RuleViolation as exc:
                    _refusal(request, exc, prefix="未能报送：")
                    if draft is not None:
                        # The draft holds exactly what was typed: correct it in place and submit again.
                        messages.info(request, "草稿已保存；修改下面的内容后可以重新报送。")
                        return redirect("documents:edit", pk=draft.pk)
                except InvalidInput as exc:
                    _bad_input(form, exc)
        status = 200 if findings is not None else 422
    context = {
        "form": form,
        "draft": draft,
        "findings": findings,
        "attachments": draft.attachments.all() if draft else [],
    }
    return render(request, "documents/new.html", context, status=status if request.method == "POST" else 200)


def _bad_input(form: Any, exc: InvalidInput) -> None:
    if exc.field and exc.field in form.fields:
        form.add_error(exc.field, exc.message)
    else:
        form.add_error(None, exc.message)


def _draft_for_check(form: IncomingForm) -> Draft:
    d = form.cleaned_data
    return Draft(
        kind=d["kind"],
        title=d["title"],
        body=d["body"],
        issuer=d["issuer"].name,
        addressees=form.addressee_list("addressees"),
        signed_by=d["signed_by_title"],
        copied_to=form.addressee_list("copied_to"),
        classification=d.get("classification", ""),
    )


@require_POST
def precheck(request: HttpRequest) -> HttpResponse:
    """htmx: the pre-check (预审) of the form as typed, without saving anything."""
    actor = actor_for(request.user)
    form = IncomingForm(request.POST, units=policy.submit_units(actor))
    if not form.is_valid():
        return render(request, "documents/_precheck.html", {"form_errors": form.errors})
    return render(request, "documents/_precheck.html", {"findings": check_draft(_draft_for_check(form), rulebook())})


def new_outgoing(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """发文拟稿: the office or a department drafts; ``?reply_to=`` drafts the 批复 of a request."""
    actor = actor_for(request.user)
    issuers = policy.outgoing_issuers(actor)
    draft = _draft_for_edit(request, actor, pk)
    if not issuers and draft is None:
        raise PermissionDenied("您的账号不能拟写发文。")
    request_doc = None
    reply_to = request.GET.get("reply_to") or request.POST.get("reply_to")
    if draft is not None:
        request_doc = draft.reply_to
        if draft.issuer_unit not in issuers:
            issuers.append(draft.issuer_unit)
    elif reply_to and str(reply_to).isdigit():
        request_doc = get_object_or_404(Document, pk=int(reply_to), kind="请示")
        check(actor, "document.view", request_doc)
    initial: dict[str, Any] = {"idem": _new_key(), "disclosure": "proactive", "copies": 1}
    city = Unit.objects.filter(kind=Unit.Kind.CITY_GOVERNMENT).first()
    if city in issuers:
        initial["issuer"] = city.pk if city else None
    if request_doc is not None and draft is None:
        defaults = services.reply_defaults(request_doc)
        initial.update(
            kind="批复",
            title=defaults["title"],
            addressees=defaults["addressees"],
            body=defaults["body"],
            signing_category=defaults["category"],
            matter_unit=request_doc.matter_unit_id,
            reply_to=request_doc.pk,
        )
    if draft is not None:
        initial.update(
            {
                f: getattr(draft, f)
                for f in OutgoingForm.base_fields
                if hasattr(draft, f) and f not in ("idem", "reply_to", "touched_leaders")
            }
        )
        initial.update(
            issuer=draft.issuer_unit_id,
            touched_leaders=list(Position.objects.filter(code__in=draft.touched_leaders)),
            **{
                k: bool((draft.issuing_facts or {}).get(k))
                for k in ("department_matter", "government_approved", "directive", "normative")
            },
        )
    form = OutgoingForm(request.POST or None, initial=initial, issuers=issuers)
    if request.method == "POST" and form.is_valid():
        earlier = _claim(request, form.cleaned_data.get("idem", ""))
        if earlier is not None and draft is None:
            return _duplicate(request, earlier)
        intent = request.POST.get("intent", "save")
        try:
            with audit.atomic():
                fields = form.service_fields()
                if draft is None:
                    issuer = form.cleaned_data["issuer"]
                    drafting = next((u for u in policy.submit_units(actor) if u.kind != Unit.Kind.COUNTY), None)
                    draft = services.document_create_outgoing(
                        actor=actor.person,
                        issuer_unit=issuer,
                        category=form.cleaned_data["signing_category"],
                        drafting_unit=drafting,
                        reply_to=request_doc,
                        **fields,
                    )
                    SubmissionKey.objects.filter(key=form.cleaned_data.get("idem", "")).update(document=draft)
                else:
                    fields["signing_category"] = form.cleaned_data["signing_category"]
                    draft = services.document_update_draft(actor=actor.person, document=draft, **fields)
                _save_attachments(request, draft)
            if intent == "prepare":
                assert actor.person is not None  # noqa: S101
                services.document_prepare(actor=actor.person, document=draft)
                messages.success(request, "已送市政府办公室核稿。")
            else:
                messages.success(request, "文稿已保存。")
            return redirect("documents:detail", pk=draft.pk)
        except RuleViolation as exc:
            _refusal(request, exc, prefix="未能保存：")
            if draft is not None:
                return redirect("documents:detail", pk=draft.pk)
        except InvalidInput as exc:
            _bad_input(form, exc)
    context = {
        "form": form,
        "draft": draft,
        "request_doc": request_doc,
        "attachments": draft.attachments.all() if draft else [],
    }
    return render(request, "documents/new_outgoing.html", context, status=422 if request.method == "POST" else 200)


def _refusal(request: HttpRequest, exc: RulesError, prefix: str = "") -> None:
    citation = getattr(exc, "citation", "")
    messages.error(request, f"{prefix}{exc.message}" + (f"（依据 {citation}）" if citation else ""))


MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def _save_attachments(request: HttpRequest, doc: Document) -> None:
    for upload in request.FILES.getlist("attachments"):
        if upload.size and upload.size > MAX_ATTACHMENT_BYTES:
            raise InvalidInput(f"附件“{upload.name}”超过 20MB，请压缩或拆分后再上传。", "attachments")
        name = upload.name or "附件"
        services.check_lengths(Attachment, {"name": name})
        Attachment.objects.create(document=doc, file=upload, name=name)


# -- one document ---------------------------------------------------------------------------------


def _events(doc: Document) -> list[tuple[AuditEvent, str, list[tuple[str, str]]]]:
    book = rulebook()
    history = AuditEvent.objects.filter(subject_type="documents.document", subject_id=str(doc.pk)).order_by(
        "occurred_at", "id"
    )
    return [
        (e, ACTION_LABELS.get(e.action, "办理"), [(r, book.rule(r).short_citation) for r in e.rules if r in book])
        for e in history
    ]


def _sheet(doc: Document, actor: Actor, now: Any) -> dict[str, Any]:
    """The boxes of the processing sheet: who wrote what, when, with 代 where acting."""
    events = list(
        AuditEvent.objects.filter(subject_type="documents.document", subject_id=str(doc.pk)).order_by(
            "occurred_at", "id"
        )
    )
    register = next((e for e in reversed(events) if e.action == "document.register"), None)
    drafted = next((e for e in events if e.action == "document.draft"), None)
    checked = next((e for e in reversed(events) if e.action == "document.check"), None)
    reviewed = next((e for e in reversed(events) if e.action == "document.review"), None)
    signed = next((e for e in reversed(events) if e.action == "document.sign"), None)
    co_signs = [e for e in events if e.action == "document.co_sign"]
    return {
        "register_event": register,
        "draft_event": drafted,
        "check_event": checked,
        "review_event": reviewed,
        "sign_event": signed,
        "co_sign_events": co_signs,
        "instructions": list(doc.instructions.select_related("position", "person", "on_behalf_of", "passed_to")),
        "countersigns": [
            (c, services.principal_of(c.unit))
            for c in doc.countersigns.select_related("unit", "deadline", "replied_by", "recorded_by")
        ],
    }


def _context(request: HttpRequest, actor: Actor, doc: Document, **extra: Any) -> dict[str, Any]:
    now = timezone.now()
    can_read = _can_read(actor, doc)
    offer = policy.offer(actor, doc, now)
    leaders = list(Position.objects.filter(rank__isnull=False).order_by("rank"))
    context = {
        "doc": doc,
        "title": _title_for(actor, doc),
        "can_read": can_read,
        "offer": offer,
        "holding": policy.holding(doc, now),
        "steps": policy.flow_steps(doc),
        "findings": doc.findings.all(),
        "events": _events(doc),
        "sheet": _sheet(doc, actor, now),
        "leaders": [(p, services.position_label(p, now)) for p in leaders],
        "departments": Unit.objects.filter(kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.AFFILIATED]).exclude(
            pk=services.host_unit(doc).pk
        ),
        "state_label": flow.STATE_LABELS.get(doc.state, doc.state),
        "category_label": CATEGORIES.get(doc.signing_category, ("", ""))[1],
        "opinions": ["同意", "不同意", "批示"],
        "supervise_units": Unit.objects.filter(
            kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.COUNTY, Unit.Kind.AFFILIATED]
        ).order_by("kind", "id"),
        "supervision_items": list(Item.objects.filter(document=doc).select_related("lead_unit")),
        "phrases_handling": _phrases(actor, CommonPhrase.Use.HANDLING),
        "phrases_instruction": _phrases(actor, CommonPhrase.Use.INSTRUCTION),
        "phrases_countersign": _phrases(actor, CommonPhrase.Use.COUNTERSIGN),
        "channels": services.REPLY_CHANNELS,
        "urgencies": Document.Urgency.choices,
        "routed_label": services.position_label(doc.routed_to, now) if doc.routed_to else "",
        "route_suggestion": _route_suggestion(doc, now),
        "related": [(d, _title_for(actor, d)) for d in doc.related.all() if allowed(actor, "document.view", d)],
        "replies": [(d, _title_for(actor, d)) for d in doc.replies.all() if allowed(actor, "document.view", d)],
        "reply_to": doc.reply_to if doc.reply_to and allowed(actor, "document.view", doc.reply_to) else None,
        "attachments": list(doc.attachments.all()) if can_read else [],
        "idem": _new_key(),
        "posted": {},
        "action_names": ACTION_NAMES,
        "is_office": OFFICE in actor.roles,
    }
    context.update(extra)
    return context


def _route_suggestion(doc: Document, now: Any) -> str:
    try:
        target, why = services.route_target(doc, now)
    except Position.DoesNotExist:
        return ""
    return f"{services.position_label(target, now)}（{'；'.join(why)}）"


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request.user)
    doc = get_object_or_404(
        Document.objects.select_related("issuer_unit", "routed_to", "matter_unit", "reply_to"), pk=pk
    )
    check(actor, "document.view", doc)
    if _can_read(actor, doc):
        _log_classified(request, actor, doc, "page")
    return render(request, "documents/detail.html", _context(request, actor, doc))


def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The processing sheet for printing on A4 (收文处理笺 / 发文稿纸)."""
    actor = actor_for(request.user)
    doc = get_object_or_404(Document, pk=pk)
    check(actor, "document.view", doc)
    if _can_read(actor, doc):
        _log_classified(request, actor, doc, "sheet")
    return render(request, "documents/sheet_print.html", _context(request, actor, doc))


@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Thin: the action table checks who may ask and dispatches; the service checks the rule."""
    actor = actor_for(request.user)
    doc = get_object_or_404(Document, pk=pk)
    params: dict[str, Any] = {
        k: request.POST.getlist(k) if k in ("units", "positions") else request.POST.get(k) for k in request.POST
    }
    earlier = _claim(request, request.POST.get("idem", ""))
    if earlier is not None:
        messages.info(request, "这项操作已经提交过，没有重复办理。")
        return redirect("documents:detail", pk=pk)
    try:
        with audit.atomic():
            result = perform(actor, doc, action, params)
    except (RulesError, UnknownAction) as exc:
        # Undo the claim so that the corrected form can be sent again with the same key.
        SubmissionKey.objects.filter(key=request.POST.get("idem", "")).delete()
        if isinstance(exc, UnknownAction):
            messages.error(request, exc.message)
        else:
            _refusal(request, exc)
        if not Document.objects.filter(pk=pk).exists():
            return redirect("documents:index")
        doc.refresh_from_db()
        context = _context(
            request,
            actor,
            doc,
            posted={"action": action, **{k: v for k, v in params.items() if k != "csrfmiddlewaretoken"}},
        )
        return render(request, "documents/detail.html", context, status=409 if isinstance(exc, RuleViolation) else 422)
    if action == "delete":
        messages.success(request, "草稿已删除。")
        return redirect("documents:index")
    messages.success(request, f"已{ACTION_NAMES.get(action, '办理')}。")
    if isinstance(result, Document) and result.pk != doc.pk:
        return redirect("documents:detail", pk=result.pk)
    return HttpResponseRedirect(reverse("documents:detail", args=[pk]))


# -- output: preview, downloads, attachments ---------------------------------------------------------


def _readable(request: HttpRequest, pk: int, what: str) -> Document:
    actor = actor_for(request.user)
    doc = get_object_or_404(Document.objects.select_related("issuer_unit"), pk=pk)
    check(actor, "document.view", doc)
    check(actor, "document.read", doc)
    _log_classified(request, actor, doc, what)
    return doc


@xframe_options_sameorigin
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    doc = _readable(request, pk, "attachment")
    item = get_object_or_404(Attachment, pk=attachment_id, document=doc)
    inline = request.GET.get("inline") == "1"
    response = FileResponse(item.file.open("rb"), as_attachment=not inline, filename=item.name)
    response["X-Content-Type-Options"] = "nosniff"
    # A file, not a page: the browser's own PDF viewer must run in the preview frame, and an uploaded HTML
    # file must not run scripts as our origin, so no script sources at all, only framing by our pages.
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
    )
    return response


def preview(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(render_html(_readable(request, pk, "preview")))


def download_docx(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _readable(request, pk, "docx")
    response = HttpResponse(
        render_docx(doc), content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = f"attachment; filename=document-{doc.pk}.docx"
    return response


def download_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _readable(request, pk, "pdf")
    response = HttpResponse(render_pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename=document-{doc.pk}.pdf"
    return response


# -- briefs, classified access log, phrases ----------------------------------------------------------


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
                raw = request.POST.get("brief", "")
                if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
                    raise InvalidInput("所选的简报编号无效。", "brief")
                brief = get_object_or_404(BriefKind, pk=int(raw))
                services.brief_kind_decide(
                    actor=actor.person, brief=brief, approve=request.POST.get("action") == "approve"
                )
        except RulesError as exc:
            _refusal(request, exc)
        else:
            messages.success(request, "已办理。")
        return redirect("documents:briefs")
    qs = BriefKind.objects.select_related("unit").order_by("unit__sort_order", "id")
    if not is_office:
        qs = qs.filter(unit_id__in=actor.unit_ids)
    units = sorted({p.unit for p in actor.positions if p.unit.kind == Unit.Kind.DEPARTMENT}, key=lambda u: u.sort_order)
    return render(request, "documents/briefs.html", {"briefs": qs, "is_office": is_office, "units": units})


# The units whose countersign is asked for: departments, counties and affiliated units (Art 50).
DELEGATING_UNIT_KINDS = (Unit.Kind.DEPARTMENT, Unit.Kind.COUNTY, Unit.Kind.AFFILIATED)


def delegates(request: HttpRequest) -> HttpResponse:
    """会签授权 (Art 50 ¶1): a department's or county's head names who may countersign for it."""
    actor = actor_for(request.user)
    now = timezone.now()
    units = sorted(
        {
            p.unit
            for p in actor.positions
            if p.unit.kind in (Unit.Kind.DEPARTMENT, Unit.Kind.COUNTY, Unit.Kind.AFFILIATED)
        },
        key=lambda u: u.sort_order,
    )
    if not units:
        raise PermissionDenied("会签授权由各部门、各县（区）办理；您的职务不在部门或县（区）。")
    headed = {u.pk for u in units if actor.person is not None and services.is_head_of(actor.person, u, now)}
    if request.method == "POST" and actor.person is not None:
        unit = next((u for u in units if str(u.pk) == request.POST.get("unit")), None)
        try:
            if unit is None:
                raise PermissionDenied("只能为本单位办理会签授权。")
            if request.POST.get("action") == "grant":
                person = Person.objects.filter(pk=_int_or_none(request.POST.get("person")) or 0).first()
                if person is None:
                    raise InvalidInput("请选择要授权的人员。", "person")
                services.countersign_delegate_grant(actor=actor.person, unit=unit, person=person)
                messages.success(request, f"已授权{person.name}代表{unit.name}办理会签。")
            else:
                delegate = get_object_or_404(
                    CountersignDelegate, pk=_int_or_none(request.POST.get("delegate")) or 0, unit=unit
                )
                services.countersign_delegate_revoke(actor=actor.person, delegate=delegate)
                messages.success(request, f"已撤销{delegate.person.name}的会签授权。")
        except RulesError as exc:
            _refusal(request, exc)
        return redirect("documents:delegates")
    rows = []
    for unit in units:
        members = {
            h.person
            for h in Holding.objects.at(now).filter(position__unit=unit).select_related("person")
            if h.person_id != (actor.person.pk if actor.person else None)
        }
        active = services.countersign_delegates(unit)
        authorised = {d.person_id for d in active}
        rows.append(
            {
                "unit": unit,
                "head": services.is_head_of(actor.person, unit, now) if actor.person else False,
                "delegates": active,
                "candidates": sorted((m for m in members if m.pk not in authorised), key=lambda m: m.pk),
                "me_authorised": actor.person is not None and actor.person.pk in authorised,
            }
        )
    return render(request, "documents/delegates.html", {"rows": rows, "headed": headed})


def _int_or_none(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 12 else None


def access_log(request: HttpRequest) -> HttpResponse:
    """The security officer's view of who saw classified content, when (Art 69)."""
    actor = actor_for(request.user)
    check(actor, "security.access_log")
    qs = ClassifiedAccess.objects.select_related("document", "person").order_by("-at", "-id")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "documents/access_log.html", {"page": page})


@require_POST
def phrase_add(request: HttpRequest) -> HttpResponse:
    """Save a phrase of one's own (常用语)."""
    actor = actor_for(request.user)
    if actor.person is None:
        raise PermissionDenied("您的账号尚未关联人员信息。")
    use = request.POST.get("use", "")
    text = (request.POST.get("text") or "").strip()
    if use not in CommonPhrase.Use.values or not text or len(text) > 200:
        messages.error(request, "常用语须为1至200个字。")
    else:
        CommonPhrase.objects.get_or_create(person=actor.person, use=use, text=text)
        messages.success(request, "已加入常用语。")
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/documents/") else "documents:index")
