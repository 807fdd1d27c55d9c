"""Pages for the annual plans (Art 59), the county plans and their spot checks (Art 60)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cityhall.accounts.permissions import LEADER, OFFICE, Actor, actor_for, check
from cityhall.documents.services import general_office
from cityhall.org.models import Unit
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import RulesError, refusal_text

from . import plans as svc
from .models import Inspection, InspectionPlan, Item, SpotCheck

RULES = ("inspection.annual-plan", "inspection.county-plans", "inspection.plan-filing")


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "") or request.POST.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year


def _sees_all(actor: Actor) -> bool:
    return bool({OFFICE, LEADER, "admin"} & set(actor.roles))


def _counties_of(actor: Actor) -> list[Unit]:
    return [p.unit for p in actor.positions if p.unit.kind == Unit.Kind.COUNTY]


def plan_list(request: HttpRequest) -> HttpResponse:
    """The year's city plan, the county plans filed, and the spot checks drawn."""
    actor = actor_for(request.user)
    check(actor, "supervision.view")
    year = _year(request)
    plans = (
        InspectionPlan.objects.filter(year=year).select_related("unit", "filed_by").order_by("unit__kind", "unit__id")
    )
    counties = _counties_of(actor)
    if not _sees_all(actor):
        plans = plans.filter(unit__kind=Unit.Kind.GENERAL_OFFICE) | plans.filter(unit__in=counties)
    filed = {p.unit_id for p in plans}
    return render(
        request,
        "supervision/plans.html",
        {
            "year": year,
            "plans": sorted(plans, key=lambda p: (not p.is_city, p.unit_id)),  # the city's plan first
            "city_missing": OFFICE in actor.roles and general_office().pk not in filed,
            "office_pk": general_office().pk,
            "counties_to_file": [u for u in counties if u.pk not in filed],
            "county_total": Unit.objects.filter(kind=Unit.Kind.COUNTY).count(),
            "county_filed": sum(1 for p in plans if p.unit.kind == Unit.Kind.COUNTY),
            "checks": list(SpotCheck.objects.filter(year=year)) if _sees_all(actor) else [],
            "can_draw": OFFICE in actor.roles,
            "rules": [rulebook().rule(r) for r in RULES],
        },
    )


@require_POST
def plan_create(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "supervision.view")
    assert actor.person is not None  # noqa: S101
    year = _year(request)
    unit = get_object_or_404(Unit, pk=request.POST.get("unit", "0") or 0)
    try:
        plan = svc.plan_file(actor=actor.person, unit=unit, year=year)
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
        return redirect(f"/supervision/plans/?year={year}")
    messages.success(request, f"已建立{plan.title}，请逐项列入活动。")
    return redirect("supervision:plan", pk=plan.pk)


def _plan(request: HttpRequest, pk: int) -> tuple[Actor, InspectionPlan]:
    actor = actor_for(request.user)
    check(actor, "supervision.view")
    plan = get_object_or_404(InspectionPlan.objects.select_related("unit", "filed_by"), pk=pk)
    if not (_sees_all(actor) or plan.is_city or plan.unit_id in actor.unit_ids):
        check(actor, "supervision.plan", plan)
    return actor, plan


def plan_detail(
    request: HttpRequest, pk: int, *, error: str = "", values: dict[str, Any] | None = None
) -> HttpResponse:
    actor, plan = _plan(request, pk)
    entries = list(plan.entries.select_related("host_unit").prefetch_related("activities"))
    hosts = (
        Unit.objects.filter(kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.AFFILIATED, Unit.Kind.GENERAL_OFFICE]).order_by(
            "kind", "id"
        )
        if plan.is_city
        else Unit.objects.filter(pk=plan.unit_id)
    )
    return render(
        request,
        "supervision/plan.html",
        {
            "plan": plan,
            "entries": entries,
            "can_edit": actor.person is not None and svc.may_edit(actor.person, plan, timezone.now()),
            "hosts": hosts,
            "methods": Inspection.METHODS,
            "months": range(1, 13),
            "values": values or {},
            "error": error,
            "rule": rulebook().rule("inspection.annual-plan" if plan.is_city else "inspection.county-plans"),
        },
        status=422 if error else 200,
    )


@require_POST
def entry_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor, plan = _plan(request, pk)
    assert actor.person is not None  # noqa: S101
    post = request.POST
    values: dict[str, Any] = {k: post.get(k, "") for k in ("host_unit", "title", "month")}
    values["methods"] = post.getlist("methods")
    values["grassroots"] = bool(post.get("grassroots"))
    host = Unit.objects.filter(pk=int(values["host_unit"])).first() if values["host_unit"].isdigit() else None
    if host is None:
        return plan_detail(request, pk, error="请选择组织单位。", values=values)
    try:
        entry = svc.entry_add(
            actor=actor.person,
            plan=plan,
            entry=svc.EntryForm(
                host_unit=host,
                title=values["title"],
                month=int(values["month"]) if values["month"].isdigit() else 0,
                methods=values["methods"],
                grassroots=values["grassroots"],
            ),
        )
    except RulesError as exc:
        return plan_detail(request, pk, error=refusal_text(exc), values=values)
    messages.success(request, f"已列入：{entry.month}月 {entry.title}（{host.name}）。")
    return redirect("supervision:plan", pk=pk)


@require_POST
def spot_check_create(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "supervision.create")
    assert actor.person is not None  # noqa: S101
    year = _year(request)
    size = request.POST.get("size", "")
    try:
        spot = svc.spot_check_draw(
            actor=actor.person, year=year, size=int(size) if size.isdigit() else 0, seed=request.POST.get("seed", "")
        )
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
        return redirect(f"/supervision/plans/?year={year}")
    messages.success(request, f"已抽取{len(spot.drawn)}个县（区），随机种子 {spot.seed}。")
    return redirect("supervision:spot_check", pk=spot.pk)


def spot_check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "supervision.view")
    spot = get_object_or_404(SpotCheck.objects.select_related("drawn_by"), pk=pk)
    if not _sees_all(actor):
        check(actor, "supervision.plan", spot)
    order = {pk: n for n, pk in enumerate(spot.drawn, 1)}
    rows = sorted(
        (
            {**p, "key": svc.draw_key(spot.seed, str(p["unit_code"])), "drawn": order.get(int(str(p["plan"])))}
            for p in spot.population
        ),
        key=lambda r: r["key"],
    )
    plans = {p.pk: p for p in InspectionPlan.objects.filter(pk__in=spot.drawn).select_related("unit")}
    return render(
        request,
        "supervision/spot_check.html",
        {
            "spot": spot,
            "rows": rows,
            "drawn_plans": [plans[pk] for pk in spot.drawn if pk in plans],
            "findings": list(spot.findings.select_related("plan__unit", "item")),
            "can_record": OFFICE in actor.roles,
            "categories": [c for c in Item.Category.choices if c[0] != Item.Category.ANNUAL],
            "rule": rulebook().rule("inspection.county-plans"),
            "example": next(iter(spot.population), None),
            "draft": request.session.pop("finding_draft", ""),
        },
    )


@require_POST
def finding_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "supervision.create")
    assert actor.person is not None  # noqa: S101
    spot = get_object_or_404(SpotCheck, pk=pk)
    plan = get_object_or_404(InspectionPlan, pk=request.POST.get("plan", "0") or 0)
    try:
        finding = svc.finding_record(
            actor=actor.person,
            check=spot,
            plan=plan,
            text=request.POST.get("text", ""),
            responsible=request.POST.get("responsible", ""),
            category=request.POST.get("category", Item.Category.ORDINARY),
        )
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
        request.session["finding_draft"] = request.POST.get("text", "")
        return redirect("supervision:spot_check", pk=pk)
    messages.success(
        request, f"已记入督查督办台账，督办通知已送{plan.unit.name}；{finding.item.due_date:%Y-%m-%d}前整改到位。"
    )
    return redirect("supervision:spot_check", pk=pk)
