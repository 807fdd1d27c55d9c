"""Pages for supervision, inspection and evaluation activities (Art 60–61)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cityhall.accounts.permissions import OFFICE, actor_for, check
from cityhall.org.models import Unit
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import RulesError, refusal_text

from . import inspections as svc
from .models import Inspection, PlanEntry

RULES = (
    "inspection.annual-plan",
    "inspection.plan-filing",
    "inspection.report",
    "inspection.unannounced-share",
    "inspection.unplanned",
    "inspection.sector-filing",
)


def _visible(actor):  # type: ignore[no-untyped-def]
    qs = Inspection.objects.select_related("host_unit", "report_deadline", "plan_entry__plan")
    if OFFICE in actor.roles or "leader" in actor.roles or "admin" in actor.roles:
        return qs
    return qs.filter(host_unit__in=actor.unit_ids)


def inspection_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "supervision.view")
    return render(
        request,
        "supervision/inspections.html",
        {
            "inspections": list(_visible(actor)[:300]),
            "can_file": any(
                p.unit.kind in (Unit.Kind.DEPARTMENT, Unit.Kind.COUNTY, Unit.Kind.AFFILIATED, Unit.Kind.GENERAL_OFFICE)
                for p in actor.positions
            ),
            "rules": [rulebook().rule(r) for r in RULES],
        },
    )


def inspection_new(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "supervision.view")
    units = [
        p.unit
        for p in actor.positions
        if p.unit.kind in (Unit.Kind.DEPARTMENT, Unit.Kind.COUNTY, Unit.Kind.AFFILIATED, Unit.Kind.GENERAL_OFFICE)
    ]
    post = request.POST
    values: dict[str, Any] = {
        k: post.get(k, "")
        for k in (
            "host_unit",
            "title",
            "starts_on",
            "ends_on",
            "total_days",
            "unannounced_days",
            "plan_entry",
            "sector_basis",
        )
    }
    this_year = timezone.localdate().year
    entries = list(
        PlanEntry.objects.filter(host_unit__in=units, plan__year__in=[this_year, this_year + 1])
        .select_related("plan", "host_unit")
        .order_by("plan__year", "month", "id")
    )
    values["methods"] = post.getlist("methods")
    for flag in ("unplanned", "grassroots", "county_wide", "cross_department", "notice_to_counties"):
        values[flag] = bool(post.get(flag))
    error = ""
    if request.method == "POST":
        unit = next((u for u in units if str(u.pk) == values["host_unit"]), units[0] if len(units) == 1 else None)
        starts: dt.date | None
        try:
            starts = dt.date.fromisoformat(values["starts_on"])
            ends = dt.date.fromisoformat(values["ends_on"] or values["starts_on"])
        except ValueError:
            starts, ends = None, dt.date.min
        if unit is None:
            error = "请选择组织单位。"
        elif starts is None:
            error = "请填写开展日期和完成日期（例如 2026-12-15）。"
        else:
            assert actor.person is not None  # noqa: S101
            try:
                inspection = svc.inspection_file(
                    actor=actor.person,
                    form=svc.InspectionForm(
                        host_unit=unit,
                        title=values["title"],
                        methods=values["methods"],
                        starts_on=starts,
                        ends_on=ends,
                        planned=not values["unplanned"],
                        grassroots=values["grassroots"],
                        total_days=int(values["total_days"] or 0) if str(values["total_days"] or "0").isdigit() else 0,
                        unannounced_days=int(values["unannounced_days"] or 0)
                        if str(values["unannounced_days"] or "0").isdigit()
                        else 0,
                        county_wide=values["county_wide"],
                        cross_department=values["cross_department"],
                        notice_to_counties=values["notice_to_counties"],
                        plan_entry=next((e for e in entries if str(e.pk) == values["plan_entry"]), None),
                        sector_basis=values["sector_basis"],
                    ),
                )
            except RulesError as exc:
                error = refusal_text(exc)
            else:
                for w in inspection.warnings:
                    messages.warning(request, w)
                messages.success(request, f"已报送{inspection.get_state_display()}。")
                return redirect("supervision:inspection", pk=inspection.pk)
    context = {
        "values": values,
        "units": units,
        "methods": Inspection.METHODS,
        "entries": entries,
        "sector_bases": [c for c in Inspection.SectorBasis.choices if c[0]],
        "error": error,
        "rules": [rulebook().rule(r) for r in RULES],
    }
    return render(request, "supervision/inspection_form.html", context, status=422 if error else 200)


def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "supervision.view")
    inspection = get_object_or_404(_visible(actor), pk=pk) if _visible(actor).filter(pk=pk).exists() else None
    if inspection is None:
        get_object_or_404(Inspection, pk=pk)
        check(actor, "supervision.item", None)
    assert inspection is not None  # noqa: S101
    return render(
        request,
        "supervision/inspection.html",
        {
            "i": inspection,
            "can_report": inspection.state == Inspection.State.FILED and inspection.host_unit_id in actor.unit_ids,
            "can_approve": inspection.state == Inspection.State.AWAITING_APPROVAL and OFFICE in actor.roles,
            "can_review": inspection.state == Inspection.State.AWAITING_REVIEW and OFFICE in actor.roles,
            "sector_rule": rulebook().rule("inspection.sector-filing"),
            "filing_rule": rulebook().rule("inspection.plan-filing"),
            "report_rule": rulebook().rule("inspection.report"),
        },
    )


@require_POST
def inspection_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "supervision.view")
    inspection = get_object_or_404(Inspection, pk=pk)
    assert actor.person is not None  # noqa: S101
    try:
        if action == "report":
            svc.inspection_report(actor=actor.person, inspection=inspection, text=request.POST.get("text", ""))
            messages.success(request, "情况报告已报送备案。")
        elif action in ("accept", "return"):
            svc.inspection_review(
                actor=actor.person, inspection=inspection, accept=action == "accept", note=request.POST.get("note", "")
            )
            messages.success(
                request, "备案审查通过，情况报告时限开始计算。" if action == "accept" else "已退回组织单位。"
            )
        elif action == "approve":
            svc.inspection_approve(actor=actor.person, inspection=inspection)
            messages.success(request, "已批准，情况报告时限开始计算。")
        else:
            raise Http404
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    return redirect("supervision:inspection", pk=pk)
