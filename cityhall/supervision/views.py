"""Ledger pages: the list with its traffic lights, an item with its history, reports and the office's check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cityhall.accounts.permissions import LEADER, OFFICE, Actor, actor_for, check
from cityhall.org.models import Unit
from cityhall.org.selectors import portfolio_at
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import RulesError, refusal_text

from . import services as svc
from .dashboard import figures
from .models import Evidence, Item

LEDGER_ROWS = 500


def visible_items(actor: Actor) -> QuerySet[Item]:
    """The office sees the whole ledger; a leader the units in their portfolio (分管); a unit its own items,
    as lead or partner."""
    qs = Item.objects.select_related("lead_unit", "deadline")
    if OFFICE in actor.roles or "admin" in actor.roles:
        return qs
    units = set(actor.unit_ids)
    if LEADER in actor.roles:
        now = timezone.now()
        units |= set(portfolio_at(now).filter(position__in=actor.position_ids).values_list("unit_id", flat=True))
        if any(p.kind in ("mayor", "secretary_general") for p in actor.positions):
            return qs
    return qs.filter(Q(lead_unit__in=units) | Q(partner_units__in=units)).distinct()


def ledger(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "supervision.view")
    qs = visible_items(actor)
    state = request.GET.get("state", "")
    if state in dict(Item.State.choices):
        qs = qs.filter(state=state)
    unit = request.GET.get("unit", "")
    if unit.isdigit():
        qs = qs.filter(lead_unit_id=int(unit))
    today = timezone.localdate()
    if request.GET.get("overdue"):
        qs = qs.exclude(state=Item.State.CLOSED).filter(due_date__lt=today)
    soon = svc.soon_until(today)
    items = list(qs.order_by("state", "due_date", "id")[:LEDGER_ROWS])
    rows = [(i, svc.light(i, today, soon)) for i in items]
    # The lights are counted over the whole filtered ledger in the database, not over the rows shown.
    counts = qs.order_by().aggregate(
        **{name: Count("id", distinct=True, filter=f) for name, f in svc.light_filters(today, soon).items()}
    )
    return render(
        request,
        "supervision/ledger.html",
        {
            "rows": rows,
            "counts": counts,
            "shown": len(rows),
            "total": sum(counts.values()),
            "states": Item.State.choices,
            "units": Unit.objects.filter(pk__in=qs.values("lead_unit")).order_by("kind", "id"),
            "filters": request.GET,
            "can_create": OFFICE in actor.roles,
            "this_year": today.year,
            "rules": [
                rulebook().rule(r)
                for r in ("supervision.ordinary", "supervision.complex", "supervision.annual", "supervision.ledger")
            ],
        },
    )


def dashboard(request: HttpRequest) -> HttpResponse:
    """Where people would rather look than read: the ledger by unit, source, 710 category and year end.
    A leader sees their portfolio (分管); the office and the mayor the whole ledger."""
    actor = actor_for(request.user)
    check(actor, "supervision.view")
    today = timezone.localdate()
    qs = visible_items(actor)
    whole = OFFICE in actor.roles or any(p.kind in ("mayor", "secretary_general") for p in actor.positions)
    return render(
        request,
        "supervision/dashboard.html",
        {
            "data": figures(qs, today, svc.soon_until(today)),
            "scope": "" if whole else "（本人分管和本单位的事项）",
            "annual_rule": rulebook().rule("supervision.annual"),
            "period_start": today.replace(day=1),
            "period_end": today,
        },
    )


def report_pdf(request: HttpRequest) -> HttpResponse:
    """The supervision report for the executive meeting (Art 59), as a PDF for a period (default: this month)."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from .dashboard import report

    actor = actor_for(request.user)
    check(actor, "supervision.view")
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("from", "")) if request.GET.get("from") else today.replace(day=1)
        end = dt.date.fromisoformat(request.GET.get("to", "")) if request.GET.get("to") else today
    except ValueError:
        messages.error(request, "日期格式不对（例如 2026-12-01）。")
        return redirect("supervision:dashboard")
    if end < start:
        messages.error(request, "截止日期不能早于起始日期。")
        return redirect("supervision:dashboard")
    html = render_to_string(
        "supervision/report.html",
        {
            "r": report(visible_items(actor), start, end, today),
            "start": start,
            "end": end,
            "generated": timezone.localtime(),
            "hear": rulebook().rule("supervision.review"),
            "clock": rulebook().rule("supervision.ordinary"),
        },
    )
    return HttpResponse(
        HTML(string=html).write_pdf(),
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="supervision-report-{start}-{end}.pdf"'},
    )


def _item(request: HttpRequest, pk: int) -> tuple[Actor, Item]:
    actor = actor_for(request.user)
    check(actor, "supervision.view")
    item = get_object_or_404(
        Item.objects.select_related("lead_unit", "deadline", "meeting_decision__meeting", "document"), pk=pk
    )
    if not visible_items(actor).filter(pk=pk).exists():
        check(actor, "supervision.item", None)
    return actor, item


def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor, item = _item(request, pk)
    now = timezone.now()
    today = timezone.localdate()
    is_lead = item.lead_unit_id in actor.unit_ids
    return render(
        request,
        "supervision/item.html",
        {
            "item": item,
            "light": svc.light(item, today, svc.soon_until(today)),
            "events": list(item.events.select_related("by").prefetch_related("evidence")),
            "partners": list(item.partner_units.all()),
            "rule": rulebook().rule(svc.CATEGORY_RULE[item.category]),
            "ledger_rule": rulebook().rule("supervision.ledger"),
            "can_report": is_lead and item.state == Item.State.OPEN,
            "can_review": OFFICE in actor.roles and item.state == Item.State.REPORTED,
            "escalate_to": svc.escalation_targets(item, actor.person, now) if actor.person else {},
            "escalation_rule": rulebook().rule("supervision.escalation"),
            "now": now,
            "draft": request.session.pop("supervision_draft", ""),
        },
    )


@require_POST
def item_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor, item = _item(request, pk)
    assert actor.person is not None  # noqa: S101 - supervision.view needs a person
    text = request.POST.get("text", "")
    try:
        if action == "progress":
            svc.progress_report(actor=actor.person, item=item, text=text)
            messages.success(request, "进展已报告。")
        elif action == "complete":
            svc.completion_report(actor=actor.person, item=item, text=text, files=request.FILES.getlist("evidence"))
            messages.success(request, "办结报告已报送市政府办公室复核。")
        elif action in ("close", "return"):
            svc.review(actor=actor.person, item=item, close=action == "close", reason=request.POST.get("reason", ""))
            messages.success(request, "已销号。" if action == "close" else "已退回责任单位继续办理。")
        elif action == "escalate":
            item = svc.escalate_further(
                actor=actor.person, item=item, to=request.POST.get("to", ""), reason=request.POST.get("reason", "")
            )
            messages.success(request, f"已报{item.escalated_to.title if item.escalated_to else ''}协调。")
        else:
            raise Http404
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
        request.session["supervision_draft"] = text  # nothing typed is lost
    return redirect("supervision:item", pk=pk)


def notice_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The 督办通知 in GB/T 9704 form (DOCX or PDF), from the documents renderer."""
    from cityhall.documents.render import render_docx, render_pdf

    if fmt not in ("docx", "pdf"):
        raise Http404
    _, item = _item(request, pk)
    doc = svc.notice_document(item)
    content, kind = (
        (render_pdf(doc), "application/pdf")
        if fmt == "pdf"
        else (render_docx(doc), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    )
    return HttpResponse(
        content,
        content_type=kind,
        headers={"Content-Disposition": f'attachment; filename="supervision-notice-{item.pk}.{fmt}"'},
    )


def evidence_file(request: HttpRequest, pk: int, evidence_id: int) -> FileResponse:
    _, item = _item(request, pk)
    evidence = get_object_or_404(Evidence, pk=evidence_id, event__item=item)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.name)


def item_new(request: HttpRequest) -> HttpResponse:
    """The office enters an item directly (交办), with its lead unit and 710 category."""
    actor = actor_for(request.user)
    check(actor, "supervision.create")
    values: dict[str, Any] = {
        k: request.POST.get(k, "")
        for k in ("task", "lead_unit", "responsible", "category", "deployed_on", "due_by", "due_by_reason")
    }
    values["partner_units"] = [int(v) for v in request.POST.getlist("partner_units") if v.isdigit()]
    error = ""
    if request.method == "POST":
        lead = Unit.objects.filter(pk=int(values["lead_unit"])).first() if values["lead_unit"].isdigit() else None
        try:
            deployed = dt.date.fromisoformat(values["deployed_on"]) if values["deployed_on"] else timezone.localdate()
            due_by = dt.date.fromisoformat(values["due_by"]) if values["due_by"] else None
        except ValueError:
            deployed, due_by, error = timezone.localdate(), None, "日期格式不对（例如 2026-12-07）。"
        if lead is None and not error:
            error = "请选择牵头单位。"
        if not error:
            assert actor.person is not None and lead is not None  # noqa: S101
            try:
                item = svc.item_create(
                    actor=actor.person,
                    form=svc.ItemForm(
                        source="direct",
                        task=values["task"],
                        lead_unit=lead,
                        responsible=values["responsible"],
                        category=values["category"],
                        deployed_on=deployed,
                        partner_units=list(Unit.objects.filter(pk__in=values["partner_units"])),
                        due_by=due_by,
                        due_by_reason=values["due_by_reason"],
                    ),
                )
            except RulesError as exc:
                error = refusal_text(exc)
            else:
                messages.success(request, f"已立项，督办通知已送{lead.name}；{item.due_date:%Y-%m-%d}前办结。")
                return redirect("supervision:item", pk=item.pk)
    context = {
        "values": values,
        "error": error,
        "units": Unit.objects.filter(kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.COUNTY, Unit.Kind.AFFILIATED]).order_by(
            "kind", "id"
        ),
        "categories": Item.Category.choices,
        "rules": [rulebook().rule(r) for r in svc.CATEGORY_RULE.values()],
    }
    return render(request, "supervision/item_form.html", context, status=422 if error else 200)
