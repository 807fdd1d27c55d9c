"""Reads about the organisation at a moment: holders, absences, the designated vice mayor, acting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from cityhall.rulebase.selectors import rulebook
from cityhall.rules.acting import MAYOR, VICE_MAYOR, ActingResult, Seat, resolve_acting
from cityhall.rules.applies import applies

from .memo import memoised
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
    pks = None if positions is None else tuple(sorted(p.pk for p in positions))

    def compute() -> dict[int, Person]:
        qs = Holding.objects.at(at).select_related("person")
        if pks is not None:
            qs = qs.filter(position__in=pks)
        return {h.position_id: h.person for h in qs}

    return dict(memoised(("holders_at", at, pks), compute))


def absences_at(at: dt.datetime, people: Iterable[Person]) -> dict[int, Absence]:
    pks = tuple(sorted(p.pk for p in people))

    def compute() -> dict[int, Absence]:
        qs = Absence.objects.filter(person__in=pks, start__lte=at, end__gt=at, cancelled=False)
        return {a.person_id: a for a in qs.order_by("start")}

    return dict(memoised(("absences_at", at, pks), compute))


def executive_vice_mayor_at(at: dt.datetime) -> Position | None:
    def compute() -> Position | None:
        designation = (
            ExecutiveDesignation.objects.filter(Q(start__lte=at), Q(end__isnull=True) | Q(end__gt=at))
            .select_related("position")
            .order_by("-start")
            .first()
        )
        return designation.position if designation else None

    return memoised(("executive_vice_mayor_at", at), compute)


def _leaders() -> list[Position]:
    return memoised(
        "leaders", lambda: list(Position.objects.filter(kind__in=[MAYOR, VICE_MAYOR]).select_related("ab_partner"))
    )


def leadership_seats(at: dt.datetime, extra: Iterable[Position] = ()) -> dict[str, Seat]:
    """A snapshot of the mayor and vice mayors (plus ``extra`` positions) at ``at``."""
    extra = list(extra)
    key = ("leadership_seats", at, tuple(sorted(p.pk for p in extra)))
    return dict(memoised(key, lambda: _leadership_seats(at, extra)))


def _leadership_seats(at: dt.datetime, extra: list[Position]) -> dict[str, Seat]:
    positions = list(_leaders())
    codes = {p.code for p in positions}
    positions += [p for p in extra if p.code not in codes]
    holders = holders_at(at, positions)
    away = absences_at(at, holders.values())
    code_of = {p.pk: p.code for p in positions}
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
            away_from_city=absence.away_from_city if absence else True,
            designated=code_of.get(absence.designated_id) if absence and absence.designated_id else None,
        )
    return seats


@applies("acting.mayor-away", "acting.ab-partner", "acting.ranking-order")
def acting_for(position: Position, at: dt.datetime) -> ActingResult:
    def compute() -> ActingResult:
        seats = leadership_seats(at, extra=[position])
        executive = executive_vice_mayor_at(at)
        return resolve_acting(
            position.code, seats, executive_vice_mayor=executive.code if executive else None, rulebook=rulebook()
        )

    return memoised(("acting_for", position.pk, at), compute)


@dataclass(frozen=True)
class ActingAssignment:
    """Someone doing another position's duty at a moment (代)."""

    position: Position
    result: ActingResult


def acting_assignments(at: dt.datetime) -> list[ActingAssignment]:
    """Every leader position whose duty someone else does at ``at``."""
    return list(memoised(("acting_assignments", at), lambda: _acting_assignments(at)))


def _acting_assignments(at: dt.datetime) -> list[ActingAssignment]:
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
    def compute() -> list[Position]:
        return [h.position for h in Holding.objects.at(at).filter(person=person).select_related("position__unit")]

    return list(memoised(("positions_held", person.pk, at), compute))


def positions_acted_for(person: Person, at: dt.datetime) -> list[ActingAssignment]:
    return [a for a in acting_assignments(at) if a.result.acting_person_id == person.pk]


def portfolio_at(at: dt.datetime) -> QuerySet[Portfolio]:
    return Portfolio.objects.filter(Q(start__lte=at), Q(end__isnull=True) | Q(end__gt=at)).select_related(
        "position", "unit"
    )


def supervising_positions(unit: Unit, at: dt.datetime) -> list[Position]:
    """The leaders whose division of labour covers ``unit`` (Art 7 ¶1, used for routing under Art 49)."""

    def compute() -> list[Position]:
        return [p.position for p in portfolio_at(at).filter(unit=unit).order_by("position__rank")]

    return list(memoised(("supervising_positions", unit.pk, at), compute))


@dataclass(frozen=True)
class AbsenceFlag:
    """Something the Work Rules would have had done differently about a recorded absence. The office
    records what happened; the flag says what the rule asked, with its citation."""

    code: str
    message: str
    rule_id: str
    citation: str


# Art 54 ¶2 names 市政府组成人员、副秘书长和县(区)政府主要负责人; the vice mayors and the
# secretary-general report to the mayor under ¶1 instead, with no lead time.
NOTICE_UNIT_KINDS = (Unit.Kind.DEPARTMENT, Unit.Kind.COUNTY)


def _needs_notice(positions: Iterable[Position]) -> bool:
    return any(
        p.kind == Position.Kind.DEPUTY_SECRETARY_GENERAL
        or (p.kind == Position.Kind.PRINCIPAL_HEAD and p.unit.kind in NOTICE_UNIT_KINDS)
        for p in positions
    )


@applies("leave.notice", "leave.pairing", "org.deputy-secretary-general")
def absence_flags(absences: Iterable[Absence]) -> dict[int, list[AbsenceFlag]]:
    """Absence id → its flags: a departure from Fushun with less than 3 days' notice (Art 54 ¶2), and
    a vice mayor and their paired deputy secretary-general away together without the mayor's consent
    (Art 54 ¶2, the pairing of Art 7 ¶3)."""
    from cityhall.rulebase.selectors import rule_deadline
    from cityhall.rules.deadlines import LOCAL_TZ

    absences = [a for a in absences if a.away_from_city and not a.cancelled]
    flags: dict[int, list[AbsenceFlag]] = {a.pk: [] for a in absences}
    if not absences:
        return flags
    book = rulebook()
    people = {a.person_id for a in absences}
    # Holdings that overlap any of the absences: the positions the person held while away.
    earliest, latest_end = min(a.start for a in absences), max(a.end for a in absences)
    held: dict[int, list[Position]] = {}
    holdings = Holding.objects.filter(
        Q(person_id__in=people), Q(start__lt=latest_end), Q(end__isnull=True) | Q(end__gt=earliest)
    ).select_related("position__unit")
    for h in holdings:
        held.setdefault(h.person_id, []).append(h.position)

    notice = book.rule("leave.notice")
    for a in absences:
        if not _needs_notice(held.get(a.person_id, [])):
            continue
        departure = a.start.astimezone(LOCAL_TZ).date()
        latest = rule_deadline("leave.notice", departure).due
        applied = a.recorded_at.astimezone(LOCAL_TZ).date()
        if applied > latest:
            days = (departure - applied).days
            flags[a.pk].append(
                AbsenceFlag(
                    "late_notice",
                    f"离抚外出应提前3天请假（报备），最迟 {latest:%Y-%m-%d}；本次于 {applied:%Y-%m-%d} 登记，"
                    f"{'当天出发' if days <= 0 else f'提前{days}天'}",
                    notice.id,
                    notice.citation,
                )
            )

    pairing = book.rule("leave.pairing")
    by_person: dict[int, list[Absence]] = {}
    for a in absences:
        by_person.setdefault(a.person_id, []).append(a)
    vice_mayor_of: dict[int, int] = {}  # deputy's person id → the vice mayor position they assist
    holder_of: dict[int, int] = {}  # vice mayor position id → its holder's person id
    for person_id, positions in held.items():
        for p in positions:
            if p.kind == Position.Kind.DEPUTY_SECRETARY_GENERAL and p.assists_id:
                vice_mayor_of[person_id] = p.assists_id
            if p.kind == Position.Kind.VICE_MAYOR:
                holder_of[p.pk] = person_id
    for deputy_id, vice_mayor_position in vice_mayor_of.items():
        vice_mayor_id = holder_of.get(vice_mayor_position)
        if vice_mayor_id is None:
            continue
        for d in by_person.get(deputy_id, []):
            for v in by_person.get(vice_mayor_id, []):
                if d.start < v.end and v.start < d.end and not (d.mayor_consented or v.mayor_consented):
                    for mine, other in ((d, v), (v, d)):
                        flags[mine.pk].append(
                            AbsenceFlag(
                                "paired_absence",
                                f"与{other.person.name}同时离抚（{max(d.start, v.start).astimezone(LOCAL_TZ):%m-%d}起），"
                                "副市长和与其对应的副秘书长原则上不能同时离抚外出，未登记市长同意",
                                pairing.id,
                                pairing.citation,
                            )
                        )
    return flags


def flags_of(absence: Absence) -> list[AbsenceFlag]:
    """The flags of one absence, judged against the absences that overlap it (the pairing needs them)."""
    overlapping = Absence.objects.filter(end__gt=absence.start, start__lt=absence.end)
    return absence_flags(overlapping).get(absence.pk, [])
