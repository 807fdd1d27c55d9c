"""Who sits where, as the leave, emergency and approval flows ask it: one definition each."""

from __future__ import annotations

import datetime as dt

from cityhall.org.models import Person, Position, Unit
from cityhall.org.selectors import holders_at, positions_acted_for, positions_held, supervising_positions


def first_seat(kind: str) -> Position | None:
    """The seat of a kind there is one of (the mayor, the secretary-general)."""
    return Position.objects.filter(kind=kind).order_by("rank", "id").first()


def principal_head(unit: Unit) -> Position | None:
    return Position.objects.filter(unit=unit, kind=Position.Kind.PRINCIPAL_HEAD).order_by("id").first()


def supervising_vice_mayor(unit: Unit, at: dt.datetime) -> Position | None:
    """The vice mayor whose portfolio covers ``unit`` (Art 7 ¶1); the mayor's own portfolio does not count."""
    return next((p for p in supervising_positions(unit, at) if p.kind == Position.Kind.VICE_MAYOR), None)


def seats_of(actor: Person, at: dt.datetime) -> set[int]:
    """The positions the actor holds or acts for (代, Art 6–7)."""
    return {p.pk for p in positions_held(actor, at)} | {a.position.pk for a in positions_acted_for(actor, at)}


def sits_at(actor: Person, seat: Position, at: dt.datetime) -> tuple[bool, Person | None]:
    """Whether the actor may act at ``seat``, and for whom: (True, None) in their own seat, (True, holder)
    when acting for its absent holder, (False, None) otherwise. The caller refuses with its own rule."""
    if seat.pk in {p.pk for p in positions_held(actor, at)}:
        return True, None
    if seat.pk in {a.position.pk for a in positions_acted_for(actor, at)}:
        return True, holders_at(at, [seat]).get(seat.pk)
    return False, None


def is_office_staff(actor: Person, at: dt.datetime) -> bool:
    """A clerk or secretary of the General Office (not its leaders), who do the office's part of a flow."""
    return any(
        p.unit.kind == Unit.Kind.GENERAL_OFFICE and p.kind not in Position.LEADER_KINDS
        for p in positions_held(actor, at)
    )
