"""Who acts for an absent leader (代行), with the reasoning (Art 6 ¶2, Art 7 ¶2).

Pure: the caller passes a snapshot of the leadership at one moment (who holds
each seat, who is present, the A/B pairs, the ranking order and the designated
executive vice mayor). The answer is never an exception: when nobody can act,
the result says so.

The reading of "依次替代" follows requirements.md (Art 7 ¶2): take the next
present vice mayor *below* the absent one in ranking order, wrapping round to
the top; the mayor is never a substitute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .rulebook import Rulebook

MAYOR = "mayor"
VICE_MAYOR = "vice_mayor"

RULE_MAYOR_AWAY = "acting.mayor-away"
RULE_AB_PARTNER = "acting.ab-partner"
RULE_RANKING_ORDER = "acting.ranking-order"


@dataclass(frozen=True)
class Seat:
    """A position at one moment: its holder and whether the holder is present."""

    code: str
    title: str
    kind: str
    rank: int | None = None
    holder_id: int | None = None
    holder: str | None = None
    present: bool = False
    absence: str | None = None  # why the holder is away, if they are
    ab_partner: str | None = None
    # Whether the absence takes the holder out of Fushun (离抚): Art 6 ¶2 only applies then.
    away_from_city: bool = True
    # The vice mayor the mayor designated for this absence (Art 6 ¶2 「或其他副市长」), if any.
    designated: str | None = None

    @property
    def available(self) -> bool:
        return self.holder_id is not None and self.present

    @property
    def label(self) -> str:
        return f"{self.title}{self.holder or '（空缺）'}"


@dataclass(frozen=True)
class ActingStep:
    text: str
    rule_id: str | None = None
    citation: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "rule": self.rule_id, "citation": self.citation}


@dataclass(frozen=True)
class ActingResult:
    position: str
    acting_position: str | None
    acting_person_id: int | None
    acting_person: str | None
    reason: str
    message: str
    coordinated_by: str | None = None
    rule_ids: tuple[str, ...] = ()
    trace: tuple[ActingStep, ...] = field(default_factory=tuple)

    @property
    def is_acting(self) -> bool:
        """True when someone other than the holder does the duty (signs "代")."""
        return self.acting_position is not None and self.acting_position != self.position

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "acting_position": self.acting_position,
            "acting_person": self.acting_person,
            "acting_person_id": self.acting_person_id,
            "is_acting": self.is_acting,
            "reason": self.reason,
            "message": self.message,
            "coordinated_by": self.coordinated_by,
            "rules": list(self.rule_ids),
            "trace": [s.as_dict() for s in self.trace],
        }


class _Trace:
    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self.steps: list[ActingStep] = []
        self.rules: list[str] = []

    def add(self, text: str, rule_id: str | None = None) -> None:
        citation = None
        if rule_id is not None:
            rule = self.book.rule(rule_id)
            citation = rule.citation
            text = f"{text}（依据 {rule.short_citation}）"
            if rule_id not in self.rules:
                self.rules.append(rule_id)
        self.steps.append(ActingStep(text, rule_id, citation))


def _state(seat: Seat) -> str:
    if seat.holder_id is None:
        return "空缺"
    if seat.present:
        return "在岗"
    return f"不在岗（{seat.absence or '外出'}{'，离抚' if seat.away_from_city else '，在抚'}）"


def resolve_acting(
    position: str,
    seats: dict[str, Seat],
    *,
    executive_vice_mayor: str | None,
    rulebook: Rulebook,
) -> ActingResult:
    """Who acts for ``position`` given the snapshot ``seats`` (keyed by position code)."""
    trace = _Trace(rulebook)
    seat = seats[position]
    trace.add(f"{seat.label}：{_state(seat)}")

    def result(acting: Seat | None, reason: str, message: str, coordinated_by: str | None = None) -> ActingResult:
        trace.add(f"结论：{message}")
        return ActingResult(
            position=position,
            acting_position=acting.code if acting else None,
            acting_person_id=acting.holder_id if acting else None,
            acting_person=acting.holder if acting else None,
            reason=reason,
            message=message,
            coordinated_by=coordinated_by,
            rule_ids=tuple(trace.rules),
            trace=tuple(trace.steps),
        )

    if seat.available:
        return result(seat, "present", f"{seat.label}在岗，由本人履职")

    vice_mayors = sorted(
        (s for s in seats.values() if s.kind == VICE_MAYOR and s.rank is not None), key=lambda s: s.rank or 0
    )

    if seat.kind == MAYOR:
        if seat.holder_id is not None and not seat.away_from_city:
            # 「市长离抚期间」: an absence inside Fushun (sick leave, a meeting in the city) leaves the
            # mayor in charge; nobody presides in the mayor's place.
            trace.add("市长未离抚，不适用“市长离抚期间由副市长主持日常工作”的规定", RULE_MAYOR_AWAY)
            return result(
                None,
                "mayor_in_city",
                f"{seat.label}在抚（{seat.absence or '不在岗'}），不由副市长代行；需市长办理的事项待市长处理",
            )
        chosen = seats.get(seat.designated) if seat.designated else None
        if chosen is not None:
            trace.add(f"市长指定本次离抚期间由{chosen.label}主持日常工作：{_state(chosen)}", RULE_MAYOR_AWAY)
            if chosen.available:
                return result(chosen, "mayor_designated", f"由市长指定的{chosen.label}代行市长主持日常工作")
        designated = seats.get(executive_vice_mayor) if executive_vice_mayor else None
        if designated is None:
            trace.add("当前没有指定负责日常工作的副市长", RULE_MAYOR_AWAY)
        elif designated is not chosen:
            trace.add(
                f"市长离抚期间，由指定负责日常工作的副市长主持日常工作：{designated.label}，{_state(designated)}",
                RULE_MAYOR_AWAY,
            )
            if designated.available:
                return result(
                    designated, "designated_vice_mayor", f"由负责日常工作的{designated.label}代行市长主持日常工作"
                )
        for candidate in vice_mayors:
            if candidate.code in (executive_vice_mayor, seat.designated):
                continue
            trace.add(f"按市政府领导班子成员排序依次替代：{candidate.label}，{_state(candidate)}", RULE_RANKING_ORDER)
            if candidate.available:
                return result(
                    candidate,
                    "ranking_order",
                    f"市长和负责日常工作的副市长均不在岗，按班子成员排序由{candidate.label}主持日常工作",
                )
        return result(
            None, "no_one_present", "市长、负责日常工作的副市长和其他副市长均不在岗，目前无人可以代行，请报市长另行指定"
        )

    if seat.kind == VICE_MAYOR:
        partner = seats.get(seat.ab_partner) if seat.ab_partner else None
        if partner is None:
            trace.add("该副市长没有登记AB角", RULE_AB_PARTNER)
        else:
            trace.add(f"互为AB角的副市长一位外出期间由另一位代行：{partner.label}，{_state(partner)}", RULE_AB_PARTNER)
            if partner.available:
                return result(partner, "ab_partner", f"由AB角{partner.label}代行{seat.label}的政务活动职责")
        coordinator = seats.get(executive_vice_mayor) if executive_vice_mayor else None
        coordinated_by = coordinator.code if coordinator and coordinator.available else None
        if coordinated_by and coordinator is not None:
            trace.add(f"需协调其他领导同志代行的，由负责日常工作的{coordinator.label}协调", RULE_RANKING_ORDER)
        else:
            trace.add("负责日常工作的副市长也不在岗，协调工作报市长", RULE_RANKING_ORDER)
        codes = [s.code for s in vice_mayors]
        start = codes.index(seat.code) + 1 if seat.code in codes else 0
        for offset in range(len(codes)):
            candidate = vice_mayors[(start + offset) % len(codes)]
            if candidate.code in (seat.code, seat.ab_partner):
                continue
            trace.add(
                f"原则上按市政府领导班子成员排序依次替代（自其后一位起，循环至首位）：{candidate.label}，{_state(candidate)}",
                RULE_RANKING_ORDER,
            )
            if candidate.available:
                return result(
                    candidate,
                    "ranking_order",
                    f"AB角也不在岗，按班子成员排序由{candidate.label}代行{seat.label}的政务活动职责",
                    coordinated_by,
                )
        return result(
            None,
            "no_one_present",
            f"{seat.label}、其AB角和其他副市长均不在岗，目前无人可以代行，请报市长协调",
            coordinated_by,
        )

    return result(None, "no_rule", f"工作规则未规定{seat.title}不在岗时的代行人，事项留待本人返回或由分管领导另行安排")
