"""Reads about the organisation at a moment: holders, absences, the designated vice mayor, acting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from cityhall.rulebase.selectors import rulebook
from cityhall.rules.acting import MAYOR, VICE_MAYOR, ActingResult, Seat, resolve_acting
from cityhall.rules.applies import applies

from .models import Absence, ExecutiveDesignation, Holding, Person, Portfolio, Position, Unit


class UnknownPosition(LookupError):
    def __init__(self, code: str) -> None:
        super().__init__(f"没有职务代码为“{code}”的职务。用 `cityhall org positions` 查看全部职务代码。")
        self.code = code
        self.message = str(self)


def position_by_code(code: str) -> Position:
    try:
        return Position.objects.select_related("unit", "ab_partner", "assists").get(code=code)
    except Position.DoesNotExist:
        raise UnknownPosition(code) from None


def holders_at(at: dt.datetime, positions: Iterable[Position] | None = None) -> dict[int, Person]:
    """Position id → the person holding it at ``at``."""
    qs = Holding.objects.at(at).select_related("person")
    if positions is not None:
        qs = qs.filter(position__in=list(positions))
    return {h.position_id: h.person for h in qs}


def absences_at(at: dt.datetime, people: Iterable[Person]) -> dict[int, Absence]:
    qs = Absence.objects.filter(person__in=list(people), start__lte=at, end__gt=at, cancelled=False)
    return {a.person_id: a for a in qs.order_by("start")}


def executive_vice_mayor_at(at: dt.datetime) -> Position | None:
    designation = (
        ExecutiveDesignation.objects.filter(Q(start__lte=at), Q(end__isnull=True) | Q(end__gt=at))
        .select_related("position")
        .order_by("-start")
        .first()
    )
    return designation.position if designation else None


def leadership_seats(at: dt.datetime, extra: Iterable[Position] = ()) -> dict[str, Seat]:
    """A snapshot of the mayor and vice mayors (plus ``extra`` positions) at ``at``."""
    positions = list(Position.objects.filter(kind__in=[MAYOR, VICE_MAYOR]).select_related("ab_partner"))
    codes = {p.code for p in positions}
    positions += [p for p in extra if p.code not in codes]
    holders = holders_at(at, positions)
    away = absences_at(at, holders.values())
    seats = {}
    for p in positions:
        person = holders.get(p.pk)
        absence = away.get(person.pk) if person else None
        seats[p.code] = Seat(
            code=p.code,
            title=p.title,
            kind=p.kind,
            rank=p.rank,
            holder_id=person.pk if person else None,
            holder=person.name if person else None,
            present=person is not None and absence is None,
            absence=absence.reason if absence else None,
            ab_partner=p.ab_partner.code if p.ab_partner else None,
        )
    return seats


@applies("acting.mayor-away", "acting.ab-partner", "acting.ranking-order")
def acting_for(position: Position, at: dt.datetime) -> ActingResult:
    seats = leadership_seats(at, extra=[position])
    executive = executive_vice_mayor_at(at)
    return resolve_acting(
        position.code, seats, executive_vice_mayor=executive.code if executive else None, rulebook=rulebook()
    )


@dataclass(frozen=True)
class ActingAssignment:
    """Someone doing another position's duty at a moment (代)."""

    position: Position
    result: ActingResult


def acting_assignments(at: dt.datetime) -> list[ActingAssignment]:
    """Every leader position whose duty someone else does at ``at``."""
    seats = leadership_seats(at)
    executive = executive_vice_mayor_at(at)
    book = rulebook()
    by_code = {p.code: p for p in Position.objects.filter(code__in=list(seats)).select_related("unit")}
    out = []
    for code, seat in seats.items():
        if seat.available:
            continue
        result = resolve_acting(code, seats, executive_vice_mayor=executive.code if executive else None, rulebook=book)
        out.append(ActingAssignment(by_code[code], result))
    return sorted(out, key=lambda a: a.position.rank or 0)


def positions_held(person: Person, at: dt.datetime) -> list[Position]:
    return [h.position for h in Holding.objects.at(at).filter(person=person).select_related("position__unit")]


def positions_acted_for(person: Person, at: dt.datetime) -> list[ActingAssignment]:
    return [a for a in acting_assignments(at) if a.result.acting_person_id == person.pk]


def portfolio_at(at: dt.datetime) -> QuerySet[Portfolio]:
    return Portfolio.objects.filter(Q(start__lte=at), Q(end__isnull=True) | Q(end__gt=at)).select_related(
        "position", "unit"
    )


def supervising_positions(unit: Unit, at: dt.datetime) -> list[Position]:
    """The leaders whose division of labour covers ``unit`` (Art 7 ¶1, used for routing under Art 49)."""
    return [p.position for p in portfolio_at(at).filter(unit=unit).order_by("position__rank")]
