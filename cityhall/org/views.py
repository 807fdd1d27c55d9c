from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cityhall.accounts.permissions import actor_for, allowed, check
from cityhall.rules.deadlines import LOCAL_TZ

from .models import Absence, Position, Unit
from .selectors import (
    NOTICE_UNIT_KINDS,
    UnknownPosition,
    absence_flags,
    acting_assignments,
    executive_vice_mayor_at,
    flags_of,
    holders_at,
    portfolio_at,
    position_by_code,
)
from .services import OrgError, absence_end, absence_record


def index(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "org.view")
    now = timezone.now()
    positions = list(Position.objects.select_related("unit", "ab_partner", "assists"))
    holders = holders_at(now, positions)
    executive = executive_vice_mayor_at(now)
    leaders = [p for p in positions if p.rank is not None]
    portfolio: dict[int, list[Any]] = defaultdict(list)
    for item in portfolio_at(now):
        portfolio[item.position_id].append(item)
    units_by_kind: dict[str, list[Unit]] = defaultdict(list)
    for unit in Unit.objects.all():
        units_by_kind[unit.get_kind_display()].append(unit)
    # People read titles with names ("副市长 宁致和"), never position codes.
    label = {p.pk: f"{p.title} {holders[p.pk].name}" if p.pk in holders else f"{p.title}（空缺）" for p in positions}
    for p in positions:
        p.label = label[p.pk]  # type: ignore[attr-defined]
        for other in (p.ab_partner, p.assists):
            if other is not None:
                other.label = label[other.pk]  # type: ignore[attr-defined]
    if executive is not None:
        executive.label = label.get(executive.pk, executive.title)  # type: ignore[attr-defined]
    absences = list(
        Absence.objects.filter(end__gt=now, cancelled=False)
        .select_related("person", "designated")
        .order_by("start")[:50]
    )
    for a in absences:
        if a.designated is not None:
            a.designated.label = label.get(a.designated.pk, a.designated.title)  # type: ignore[attr-defined]
    flags = absence_flags(absences)
    pairs, seen = [], set()
    for p in leaders:
        if p.ab_partner and p.pk not in seen:
            pairs.append((p, p.ab_partner))
            seen |= {p.pk, p.ab_partner.pk}
    context = {
        "now": now,
        "leaders": [(p, holders.get(p.pk), portfolio.get(p.pk, [])) for p in leaders],
        "deputies": [(p, holders.get(p.pk)) for p in positions if p.kind == Position.Kind.DEPUTY_SECRETARY_GENERAL],
        "pairs": pairs,
        "executive": executive,
        "executive_holder": holders.get(executive.pk) if executive else None,
        "acting": acting_assignments(now),
        "units_by_kind": dict(units_by_kind),
        "absences": [(a, flags.get(a.pk, [])) for a in absences],
        "can_record": allowed(actor, "org.record_absence"),
        "leader_positions": leaders,
        "vice_mayor_positions": [p for p in leaders if p.kind == Position.Kind.VICE_MAYOR],
        "deputy_positions": [p for p in positions if p.kind == Position.Kind.DEPUTY_SECRETARY_GENERAL],
        "head_positions": [
            p for p in positions if p.kind == Position.Kind.PRINCIPAL_HEAD and p.unit.kind in NOTICE_UNIT_KINDS
        ],
    }
    return render(request, "org/index.html", context)


def _moment(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).replace(tzinfo=LOCAL_TZ)


@require_POST
def record_absence(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "org.record_absence")
    try:
        position = position_by_code(request.POST.get("position", ""))
        designated_code = request.POST.get("designated", "")
        designated = position_by_code(designated_code) if designated_code else None
        start, end = _moment(request.POST.get("start", "")), _moment(request.POST.get("end", ""))
        absence = absence_record(
            actor=actor.person,
            position=position,
            start=start,
            end=end,
            reason=request.POST.get("reason", ""),
            away_from_city=request.POST.get("away_from_city") == "on",
            designated=designated,
            mayor_consented=request.POST.get("mayor_consented") == "on",
        )
    except ValueError:
        messages.error(request, "请填写正确的开始和结束时间。")
    except (UnknownPosition, OrgError) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"已登记 {absence.person.name} {absence.start:%m-%d %H:%M} 至 {absence.end:%m-%d %H:%M} 外出。"
        )
        for flag in flags_of(absence):
            messages.warning(request, f"请注意：{flag.message}（{flag.citation}）。")
    return redirect("org:index")


@require_POST
def end_absence(request: HttpRequest, absence_id: int) -> HttpResponse:
    """销假: the leader is back; work addressed to their position returns to them."""
    actor = actor_for(request.user)
    check(actor, "org.record_absence")
    absence = get_object_or_404(Absence, pk=absence_id)
    absence_end(actor=actor.person, absence=absence)
    messages.success(request, f"{absence.person.name}已销假，其待办事项回到本人。")
    return redirect("org:index")
