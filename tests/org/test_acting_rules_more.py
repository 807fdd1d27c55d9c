"""Acting resolution (Art 6 ¶2, Art 7 ¶2) checked whole: the explanation a clerk reads (issue 16).

``golden/acting.json`` holds each case's ``ActingResult.as_dict()``: who acts, why, the message, who
coordinates, the rules applied and every step of the trace with its citation. The snapshot here is
deliberately *not* inserted in ranking order (the ranks are 副市长一 … 副市长六 = 2 … 7, the dict
order is 5, 2, 6, 1, 4, 3), so that "依次替代" is only right if the seats are sorted by rank.

Pure rules on a snapshot: no database.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cityhall.rules.acting import MAYOR, VICE_MAYOR, ActingResult, ActingStep, Seat, resolve_acting

GOLDEN = Path(__file__).resolve().parent / "golden" / "acting.json"

NAMES = {1: "赵一", 2: "钱二", 3: "孙三", 4: "李四", 5: "周五", 6: "吴六"}
PARTNER = {1: 2, 2: 1, 3: 4, 4: 3, 5: 6, 6: 5}
INSERTION_ORDER = (5, 2, 6, 1, 4, 3)
EXECUTIVE = "vm-1"


def vm(n: int) -> str:
    return f"vm-{n}"


def snapshot(*away: str, vacant: tuple[str, ...] = (), in_city: dict[str, str] | None = None) -> dict[str, Seat]:
    """The mayor, six vice mayors (A/B pairs 1–2, 3–4, 5–6) out of ranking order, and the secretary general.

    ``away`` are absent and out of Fushun; ``in_city`` maps a code to the reason of an absence inside
    Fushun; ``vacant`` seats have no holder.
    """
    in_city = in_city or {}
    out: dict[str, Seat] = {}

    def put(code: str, title: str, kind: str, rank: int, holder_id: int, holder: str, partner: str | None) -> None:
        absent = code in away or code in in_city
        out[code] = Seat(
            code,
            title,
            kind,
            rank,
            None if code in vacant else holder_id,
            None if code in vacant else holder,
            present=not absent,
            absence=in_city.get(code, "出差" if code in away else None),
            ab_partner=partner,
            away_from_city=code not in in_city,
        )

    put("mayor", "市长", MAYOR, 1, 1, "林甲", None)
    for n in INSERTION_ORDER:
        put(vm(n), "副市长", VICE_MAYOR, n + 1, 100 + n, NAMES[n], vm(PARTNER[n]))
    put("secretary-general", "秘书长", "secretary_general", 8, 9, "秘书长乙", None)
    return out


def with_(seats: dict[str, Seat], code: str, **changes: Any) -> dict[str, Seat]:
    return {**seats, code: replace(seats[code], **changes)}


def act(book, position: str, seats: dict[str, Seat], executive: str | None = EXECUTIVE) -> ActingResult:
    return resolve_acting(position, seats, executive_vice_mayor=executive, rulebook=book)


ALL_VMS = tuple(vm(n) for n in range(1, 7))

# case id → (position, snapshot, executive vice mayor)
CASES: dict[str, tuple[str, dict[str, Seat], str | None]] = {
    # Present holders act themselves: no acting, no rule.
    "present-mayor": ("mayor", snapshot(), EXECUTIVE),
    "present-vice-mayor": (vm(3), snapshot(), EXECUTIVE),
    # Art 6 ¶2
    "6-2-executive-presides": ("mayor", snapshot("mayor"), EXECUTIVE),
    "6-2-vacant-mayor": ("mayor", snapshot(vacant=("mayor",)), EXECUTIVE),
    "6-2-executive-away-next-by-rank": ("mayor", snapshot("mayor", vm(1)), EXECUTIVE),
    "6-2-executive-and-next-away": ("mayor", snapshot("mayor", vm(1), vm(2)), EXECUTIVE),
    "6-2-no-executive-designated": ("mayor", snapshot("mayor"), None),
    "6-2-executive-code-unknown": ("mayor", snapshot("mayor"), "vm-9"),
    "6-2-mayor-designates-another": ("mayor", with_(snapshot("mayor"), "mayor", designated=vm(4)), EXECUTIVE),
    "6-2-designated-away-executive-presides": (
        "mayor",
        with_(snapshot("mayor", vm(4)), "mayor", designated=vm(4)),
        EXECUTIVE,
    ),
    "6-2-designated-and-executive-away": (
        "mayor",
        with_(snapshot("mayor", vm(4), vm(1)), "mayor", designated=vm(4)),
        EXECUTIVE,
    ),
    "6-2-designated-is-the-executive-away": (
        "mayor",
        with_(snapshot("mayor", vm(1)), "mayor", designated=vm(1)),
        EXECUTIVE,
    ),
    "6-2-designated-unknown-code": ("mayor", with_(snapshot("mayor"), "mayor", designated="vm-9"), EXECUTIVE),
    "6-2-in-city-sick": ("mayor", snapshot(in_city={"mayor": "病假"}), EXECUTIVE),
    "6-2-in-city-no-reason": ("mayor", with_(snapshot(in_city={"mayor": "病假"}), "mayor", absence=None), EXECUTIVE),
    "6-2-nobody": ("mayor", snapshot("mayor", *ALL_VMS), EXECUTIVE),
    # Art 7 ¶2
    "7-2-partner": (vm(3), snapshot(vm(3)), EXECUTIVE),
    "7-2-partner-of-the-executive": (vm(1), snapshot(vm(1)), EXECUTIVE),
    "7-2-in-city-partner": (vm(3), snapshot(in_city={vm(3): "市内调研"}), EXECUTIVE),
    "7-2-pair-away-next-below": (vm(3), snapshot(vm(3), vm(4)), EXECUTIVE),
    "7-2-pair-away-next-below-skips-absent": (vm(3), snapshot(vm(3), vm(4), vm(5)), EXECUTIVE),
    "7-2-wraps-to-the-top": (vm(5), snapshot(vm(5), vm(6)), EXECUTIVE),
    "7-2-executive-away-reports-to-mayor": (vm(5), snapshot(vm(5), vm(6), vm(1)), EXECUTIVE),
    "7-2-no-executive": (vm(3), snapshot(vm(3), vm(4)), None),
    "7-2-no-partner-registered": (vm(3), with_(snapshot(vm(3)), vm(3), ab_partner=None), EXECUTIVE),
    "7-2-partner-code-unknown": (vm(3), with_(snapshot(vm(3)), vm(3), ab_partner="vm-9"), EXECUTIVE),
    "7-2-vacant-seat": (vm(5), snapshot(vacant=(vm(5),)), EXECUTIVE),
    "7-2-vacant-partner": (vm(5), snapshot(vm(5), vacant=(vm(6),)), EXECUTIVE),
    "7-2-unranked-vice-mayor": (vm(6), with_(snapshot(vm(6), vm(5)), vm(6), rank=None), EXECUTIVE),
    "7-2-nobody": (vm(2), snapshot(*ALL_VMS), EXECUTIVE),
    # Neither article names an acting holder for the secretary general.
    "no-rule-secretary-general": ("secretary-general", snapshot("secretary-general"), EXECUTIVE),
}


def check_golden(cases: dict[str, Any]) -> None:
    actual = json.loads(json.dumps(cases, ensure_ascii=False))
    if os.environ.get("CITYHALL_WRITE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(actual, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(actual) == sorted(expected), "golden cases differ: rerun with CITYHALL_WRITE_GOLDEN=1 and review"
    for case in expected:
        assert actual[case] == expected[case], f"acting.json case {case!r} differs"


@pytest.mark.rule("acting.mayor-away", "acting.ab-partner", "acting.ranking-order")
def test_6_2_and_7_2_every_acting_result_explains_itself_as_golden_data(book):
    check_golden({case: act(book, *args).as_dict() for case, args in CASES.items()})


@pytest.mark.rule("acting.ranking-order")
def test_7_2_ranking_order_is_the_rank_not_the_order_the_seats_were_listed_in(book):
    # Listed 5, 2, 6, 1, 4, 3: the first present vice mayor in the listing would be 副市长周五 (rank 6).
    result = act(book, "mayor", snapshot("mayor", vm(1)))
    assert (result.acting_position, result.acting_person, result.reason) == (vm(2), "钱二", "ranking_order")
    result = act(book, vm(3), snapshot(vm(3), vm(4)))
    assert result.acting_position == vm(5)
    result = act(book, vm(5), snapshot(vm(5), vm(6), vm(1)))
    assert result.acting_position == vm(2)  # wraps round to the top, skipping the absent 副市长赵一


@pytest.mark.rule("acting.mayor-away")
def test_6_2_a_present_holder_acts_themselves_and_is_not_acting(book):
    for position in ("mayor", vm(3)):
        result = act(book, position, snapshot())
        assert result.position == position
        assert result.acting_position == position
        assert result.is_acting is False
        assert result.as_dict()["is_acting"] is False
        assert result.reason == "present" and result.rule_ids == ()
    acting = act(book, vm(3), snapshot(vm(3)))
    assert (acting.position, acting.acting_position, acting.acting_person_id) == (vm(3), vm(4), 104)
    assert acting.is_acting is True
    nobody = act(book, vm(2), snapshot(*ALL_VMS))
    assert nobody.acting_position is None and nobody.is_acting is False


@pytest.mark.rule("acting.ab-partner")
def test_7_2_a_vacant_seat_has_its_partner_act_and_says_it_is_vacant(book):
    result = act(book, vm(5), snapshot(vacant=(vm(5),)))
    assert (result.acting_position, result.reason) == (vm(6), "ab_partner")
    assert result.trace[0].text == "副市长（空缺）：空缺"
    # A vacant partner cannot act, even though the seat is marked present.
    seats = snapshot(vm(5), vacant=(vm(6),))
    assert seats[vm(6)].present is True and seats[vm(6)].available is False
    result = act(book, vm(5), seats)
    assert (result.acting_position, result.reason) == (vm(1), "ranking_order")


def test_a_seat_is_available_only_when_held_and_present():
    held = Seat("vm-1", "副市长", VICE_MAYOR, 2, 101, "赵一", present=True)
    assert held.available is True
    assert replace(held, present=False).available is False
    assert replace(held, holder_id=None).available is False
    assert replace(held, holder_id=None, present=False).available is False
    assert held.label == "副市长赵一" and replace(held, holder=None).label == "副市长（空缺）"


def test_a_step_serialises_with_its_rule_and_citation():
    step = ActingStep("结论：由本人履职", "acting.ab-partner", "第七条第二款")
    assert step.as_dict() == {"text": "结论：由本人履职", "rule": "acting.ab-partner", "citation": "第七条第二款"}
    assert ActingStep("x").as_dict() == {"text": "x", "rule": None, "citation": None}


@pytest.mark.rule("acting.ranking-order")
def test_7_2_a_rank_of_zero_comes_first_in_ranking_order(book):
    # Position.rank is a PositiveSmallIntegerField: 0 is a rank like any other, and ranks first.
    seats = {
        "mayor": Seat("mayor", "市长", MAYOR, None, 1, "林甲", present=False, absence="出差"),
        "vm-b": Seat("vm-b", "副市长", VICE_MAYOR, 1, 102, "钱二", present=True),
        "vm-a": Seat("vm-a", "副市长", VICE_MAYOR, 0, 101, "赵一", present=True),
    }
    result = act(book, "mayor", seats, executive=None)
    assert (result.acting_position, result.reason) == ("vm-a", "ranking_order")


@pytest.mark.rule("acting.ranking-order")
def test_7_2_when_nobody_can_act_the_present_executive_vice_mayor_still_coordinates(book):
    # An executive vice mayor without a rank is outside the ranking order, but coordinates (Art 7 ¶2).
    seats = with_(snapshot(*(code for code in ALL_VMS if code != EXECUTIVE)), EXECUTIVE, rank=None)
    result = act(book, vm(3), seats)
    assert (result.acting_position, result.reason) == (None, "no_one_present")
    assert result.coordinated_by == EXECUTIVE
    assert result.as_dict()["coordinated_by"] == EXECUTIVE
