from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cityhall.accounts.permissions import actor_for, check
from cityhall.org.models import Position, Unit
from cityhall.org.selectors import executive_vice_mayor_at, holders_at
from cityhall.rulebase.selectors import rulebook

from .kinds import Fact, meeting_kinds

# Roles that name positions, and the positions they name.
_POSITION_KINDS = {
    "mayor": Position.Kind.MAYOR,
    "vice_mayor": Position.Kind.VICE_MAYOR,
    "secretary_general": Position.Kind.SECRETARY_GENERAL,
    "deputy_secretary_general": Position.Kind.DEPUTY_SECRETARY_GENERAL,
}


def _who(now: dt.datetime) -> dict[str, str]:
    """Each role → who fills it now, as a clerk would write it ("副市长 宁致和、…")."""
    positions = list(
        Position.objects.filter(kind__in=[*_POSITION_KINDS.values(), Position.Kind.PRINCIPAL_HEAD]).select_related(
            "unit"
        )
    )
    holders = holders_at(now, positions)
    out: dict[str, str] = {}
    for role, kind in _POSITION_KINDS.items():
        names = [holders[p.pk].name for p in positions if p.kind == kind and p.pk in holders]
        out[role] = "、".join(names) if names else "（空缺）"
    heads = [p for p in positions if p.kind == Position.Kind.PRINCIPAL_HEAD and p.unit.kind == Unit.Kind.DEPARTMENT]
    out["department_head"] = f"{len(heads)}个工作部门的主要负责人"
    executive = executive_vice_mayor_at(now)
    if executive is not None:
        out["executive_vice_mayor"] = f"{executive.title} {holders_at(now, [executive]).get(executive.pk, '（空缺）')}"
    return out


def index(request: HttpRequest) -> HttpResponse:
    """The four kinds of meeting, each line with the article that says it (Art 38–42)."""
    check(actor_for(request.user), "meetings.view")
    now = timezone.now()
    who = _who(now)

    def rows(facts: tuple[Fact, ...]) -> list[tuple[Fact, list[tuple[str, str]]]]:
        return [
            (f, [(label, who.get(role, "")) for role, label in zip(f.roles, f.role_labels, strict=True)]) for f in facts
        ]

    kinds = [(k, rows(k.facts)) for k in meeting_kinds(rulebook())]
    return render(request, "meetings/index.html", {"kinds": kinds, "now": now})
