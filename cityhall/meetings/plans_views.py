"""Pages for planned meetings and activities (Art 45–46): apply, approve, the month's plan as a calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cityhall.accounts.permissions import LEADER, OFFICE, Actor, actor_for, allowed, check
from cityhall.documents.models import Document
from cityhall.org.models import Position, Unit
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import RulesError, refusal_text

from . import plans as svc
from .models import MonthlyPlan, PlanEntry

_RULES = (
    "meeting-plan.approval",
    "meeting-plan.submission",
    "meeting.citywide-duration",
    "meeting.department-citywide",
    "meeting.invite-leaders",
    "meeting.national-in-fushun",
)


def _visible(actor: Actor):  # type: ignore[no-untyped-def]
    qs = PlanEntry.objects.select_related("host_unit", "leader", "plan")
    if OFFICE in actor.roles or LEADER in actor.roles or "admin" in actor.roles:
        return qs
    return qs.filter(Q(host_unit__in=actor.unit_ids))


def plan_index(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "meetings.view")
    entries = list(_visible(actor).order_by("-starts_at")[:200])
    today = timezone.localdate()
    months = sorted(
        {svc.month_of(e.starts_at) for e in entries if e.category == PlanEntry.Category.GOVERNMENT}
        | {today.replace(day=1), (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)}
    )
    plans = {p.month: p for p in MonthlyPlan.objects.filter(month__in=months)}
    return render(
        request,
        "meetings/plan_index.html",
        {
            "entries": entries,
            "months": [(m, plans.get(m)) for m in months],
            "can_apply": allowed(actor, "plan.apply"),
            "rules": [rulebook().rule(r) for r in _RULES],
        },
    )


def _host_units(actor: Actor) -> list[Unit]:
    return [
        p.unit for p in actor.positions if p.unit.kind in (Unit.Kind.DEPARTMENT, Unit.Kind.COUNTY, Unit.Kind.AFFILIATED)
    ]


def entry_new(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "plan.apply")
    units = _host_units(actor)
    post = request.POST
    values: dict[str, Any] = {
        k: post.get(k, "")
        for k in ("category", "host_unit", "title", "starts_at", "duration_minutes", "venue", "organiser")
    }
    for flag in ("video", "citywide", "invites_county_heads", "invites_leaders"):
        values[flag] = bool(post.get(flag))
    error = ""
    if request.method == "POST":
        unit = next((u for u in units if str(u.pk) == values["host_unit"]), units[0] if len(units) == 1 else None)
        try:
            starts_at = dt.datetime.fromisoformat(values["starts_at"]) if values["starts_at"] else None
        except ValueError:
            starts_at = None
        minutes = int(values["duration_minutes"]) if str(values["duration_minutes"]).isdigit() else 0
        if unit is None:
            error = "请选择承办单位。"
        elif starts_at is None:
            error = "请填写开始时间（例如 2027-01-15 09:00）。"
        else:
            if timezone.is_naive(starts_at):
                starts_at = timezone.make_aware(starts_at)
            assert actor.person is not None  # noqa: S101 - plan.apply needs a person
            try:
                entry, warnings = svc.entry_apply(
                    actor=actor.person,
                    form=svc.EntryForm(
                        category=values["category"],
                        host_unit=unit,
                        title=values["title"],
                        starts_at=starts_at,
                        duration_minutes=minutes,
                        venue=values["venue"],
                        video=values["video"],
                        citywide=values["citywide"],
                        invites_county_heads=values["invites_county_heads"],
                        invites_leaders=values["invites_leaders"],
                        organiser=values["organiser"],
                    ),
                )
            except RulesError as exc:
                error = refusal_text(exc)
            else:
                for w in warnings:
                    messages.warning(request, w.message)
                messages.success(request, f"已申报，送{entry.leader.title}核准。")
                return redirect("meetings:plan_entry", pk=entry.pk)
    context = {
        "values": values,
        "units": units,
        "categories": PlanEntry.Category.choices,
        "error": error,
        "rules": [rulebook().rule(r) for r in _RULES],
    }
    return render(request, "meetings/plan_entry_form.html", context, status=422 if error else 200)


def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request.user)
    entry = get_object_or_404(
        PlanEntry.objects.select_related("host_unit", "leader", "plan", "request_document"), pk=pk
    )
    check(actor, "plan_entry.view", entry)
    now = timezone.now()
    person = actor.person
    can_decide = bool(person) and svc.may_decide_entry(person, entry, now)[0]  # type: ignore[arg-type]
    is_host = entry.host_unit_id in actor.unit_ids
    is_sg = any(p.kind == Position.Kind.SECRETARY_GENERAL for p in actor.positions)
    requests = (
        Document.objects.filter(issuer_unit=entry.host_unit, kind="请示", submitted_at__isnull=False).order_by(
            "-submitted_at"
        )[:20]
        if is_host and entry.state == PlanEntry.State.AWAITING_REQUEST
        else []
    )
    return render(
        request,
        "meetings/plan_entry.html",
        {
            "entry": entry,
            "can_decide": can_decide,
            "can_coordinate": is_sg
            and entry.invites_leaders
            and entry.coordinated_at is None
            and entry.state in (PlanEntry.State.SUBMITTED, PlanEntry.State.IN_PLAN),
            "requests": requests,
            "can_reply": is_host and entry.state == PlanEntry.State.CONSENTED,
            "rule": rulebook().rule(svc.CATEGORY_RULE[entry.category]),
            "submission_rule": rulebook().rule("meeting-plan.submission"),
            "invite_rule": rulebook().rule("meeting.invite-leaders"),
        },
    )


@require_POST
def entry_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = actor_for(request.user)
    entry = get_object_or_404(PlanEntry, pk=pk)
    check(actor, "plan_entry.view", entry)
    assert actor.person is not None  # noqa: S101
    try:
        if action in ("approve", "return"):
            entry = svc.entry_decide(
                actor=actor.person, entry=entry, approve=action == "approve", note=request.POST.get("note", "")
            )
            messages.success(request, f"{'已核准' if action == 'approve' else '已退回'}：{entry.get_state_display()}。")
            if entry.late:
                messages.warning(
                    request,
                    f"送达市政府办公室晚于{entry.submission_due:%Y-%m-%d}，已标注为逾期报送（{rulebook().rule('meeting-plan.submission').short_citation}）。",
                )
        elif action == "coordinate":
            svc.entry_coordinate(actor=actor.person, entry=entry, note=request.POST.get("note", ""))
            messages.success(request, "已记录市秘书长联席会议协调确定的结果。")
        elif action == "request":
            doc_id = request.POST.get("document", "")
            document = get_object_or_404(Document, pk=int(doc_id)) if doc_id.isdigit() else None
            if document is None:
                messages.error(request, "请选择请示。")
                return redirect("meetings:plan_entry", pk=pk)
            svc.entry_link_request(actor=actor.person, entry=entry, document=document)
            messages.success(request, "已关联正式报送的请示。")
        elif action == "reply":
            svc.entry_reply(actor=actor.person, entry=entry)
            messages.success(request, "已记录答复主办方。")
        else:
            raise Http404
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    return redirect("meetings:plan_entry", pk=pk)


def _month(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise Http404 from None


def month_page(request: HttpRequest, month: str) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "meetings.view")
    first = _month(month)
    plan = MonthlyPlan.objects.filter(month=first).select_related("approved_by", "compiled_by").first()
    entries = [e for e in svc.entries_for(first) if _visible(actor).filter(pk=e.pk).exists()]
    shown = [e for e in entries if e.state in (PlanEntry.State.SUBMITTED, PlanEntry.State.IN_PLAN)]
    person = actor.person
    office = OFFICE in actor.roles
    mayor = Position.objects.filter(kind=Position.Kind.MAYOR).first()
    may_approve = bool(person and mayor and svc.seat(person, mayor, timezone.now())[0])
    prev_month = (first - dt.timedelta(days=1)).replace(day=1)
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "meetings/plan_month.html",
        {
            "month": first,
            "plan": plan,
            "weeks": svc.month_grid(first, shown),
            "entries": shown,
            "pending": [e for e in entries if e.state == PlanEntry.State.WITH_LEADER],
            "can_compile": office
            and (plan is None or plan.state == MonthlyPlan.State.COMPILED)
            and any(e.state == PlanEntry.State.SUBMITTED and e.plan_id is None for e in entries),
            "can_approve": may_approve and plan is not None and plan.state == MonthlyPlan.State.COMPILED,
            "refusals": svc.plan_refusals(plan)
            if plan is not None and plan.state == MonthlyPlan.State.COMPILED
            else [],
            "rule": rulebook().rule("meeting-plan.approval"),
            "submission_due": svc.submission_due(dt.datetime.combine(first, dt.time(9), tzinfo=dt.UTC)),
            "prev": prev_month,
            "next": next_month,
            "weekdays": "一二三四五六日",
            "today": timezone.localdate(),
        },
    )


@require_POST
def month_act(request: HttpRequest, month: str, action: str) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "meetings.view")
    first = _month(month)
    assert actor.person is not None  # noqa: S101
    try:
        if action == "compile":
            plan = svc.plan_compile(actor=actor.person, month=first)
            messages.success(request, f"已汇总{first:%Y年%m月}会议（活动）计划{plan.entries.count()}项，报市长审定。")
        elif action == "approve":
            plan = get_object_or_404(MonthlyPlan, month=first)
            svc.plan_approve(actor=actor.person, plan=plan)
            messages.success(request, f"{first:%Y年%m月}会议（活动）计划已审定，按计划实施。")
        else:
            raise Http404
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    return redirect("meetings:plan_month", month=month)
