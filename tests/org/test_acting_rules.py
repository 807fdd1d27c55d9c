"""Acting resolution (Art 6 ¶2, Art 7 ¶2) as pure rules on a snapshot: no database."""

from __future__ import annotations

import pytest

from cityhall.rules.acting import Seat, resolve_acting

NAMES = {"mayor": "市长甲", **{f"vice-mayor-{n}": f"副市长{n}" for n in range(1, 7)}}
PARTNER = {1: 2, 2: 1, 3: 4, 4: 3, 5: 6, 6: 5}


def seats(*away: str, vacant: tuple[str, ...] = ()) -> dict[str, Seat]:
    out = {"mayor": Seat("mayor", "市长", "mayor", 1, 1, NAMES["mayor"], "mayor" not in away)}
    for n in range(1, 7):
        code = f"vice-mayor-{n}"
        holder = None if code in vacant else 100 + n
        out[code] = Seat(
            code,
            "副市长",
            "vice_mayor",
            n + 1,
            holder,
            NAMES[code] if holder else None,
            code not in away,
            "外出" if code in away else None,
            f"vice-mayor-{PARTNER[n]}",
        )
    out["secretary-general"] = Seat(
        "secretary-general", "秘书长", "secretary_general", 8, 9, "秘书长乙", "secretary-general" not in away
    )
    return out


def act(book, position: str, snapshot: dict[str, Seat], executive: str | None = "vice-mayor-1"):
    return resolve_acting(position, snapshot, executive_vice_mayor=executive, rulebook=book)


@pytest.mark.parametrize(
    ("position", "away", "acting", "reason"),
    [
        ("mayor", (), "mayor", "present"),
        ("mayor", ("mayor",), "vice-mayor-1", "designated_vice_mayor"),
        ("mayor", ("mayor", "vice-mayor-1"), "vice-mayor-2", "ranking_order"),
        ("mayor", ("mayor", "vice-mayor-1", "vice-mayor-2"), "vice-mayor-3", "ranking_order"),
    ],
    ids=["6-2-present", "6-2-designated", "6-2-designated-away", "6-2-next-in-ranking"],
)
@pytest.mark.rule("acting.mayor-away")
def test_while_the_mayor_is_away_the_designated_vice_mayor_presides(book, position, away, acting, reason):
    result = act(book, position, seats(*away))
    assert result.acting_position == acting
    assert result.reason == reason
    if reason != "present":
        assert "acting.mayor-away" in result.rule_ids
        assert any("第六条第二款" in (s.citation or "") for s in result.trace)


@pytest.mark.parametrize(
    ("position", "away", "acting", "reason"),
    [
        ("vice-mayor-3", ("vice-mayor-3",), "vice-mayor-4", "ab_partner"),
        ("vice-mayor-4", ("vice-mayor-4",), "vice-mayor-3", "ab_partner"),
        # Both away: the next present vice mayor *below* the absent one.
        ("vice-mayor-3", ("vice-mayor-3", "vice-mayor-4"), "vice-mayor-5", "ranking_order"),
        ("vice-mayor-4", ("vice-mayor-3", "vice-mayor-4"), "vice-mayor-5", "ranking_order"),
        # Wrapping round to the top; the mayor is never a substitute.
        ("vice-mayor-5", ("vice-mayor-5", "vice-mayor-6"), "vice-mayor-1", "ranking_order"),
        ("vice-mayor-6", ("vice-mayor-5", "vice-mayor-6", "vice-mayor-1"), "vice-mayor-2", "ranking_order"),
        ("vice-mayor-1", ("vice-mayor-1", "vice-mayor-2"), "vice-mayor-3", "ranking_order"),
    ],
    ids=[
        "7-2-partner",
        "7-2-partner-reverse",
        "7-2-next-below",
        "7-2-next-below-b",
        "7-2-wraps",
        "7-2-wraps-skipping-absent",
        "7-2-executive-pair",
    ],
)
@pytest.mark.rule("acting.ab-partner")
def test_a_vice_mayors_ab_partner_acts_and_failing_that_the_next_in_ranking_order(book, position, away, acting, reason):
    result = act(book, position, seats(*away))
    assert result.acting_position == acting
    assert result.reason == reason
    assert result.acting_position != "mayor"
    assert "acting.ab-partner" in result.rule_ids
    assert any("第七条第二款" in (s.citation or "") for s in result.trace)


@pytest.mark.rule("acting.ranking-order")
def test_the_executive_vice_mayor_coordinates_when_the_partner_is_also_away(book):  # 7-2
    result = act(book, "vice-mayor-3", seats("vice-mayor-3", "vice-mayor-4"))
    assert result.coordinated_by == "vice-mayor-1"
    assert "acting.ranking-order" in result.rule_ids
    away_coordinator = act(book, "vice-mayor-3", seats("vice-mayor-3", "vice-mayor-4", "vice-mayor-1"))
    assert away_coordinator.coordinated_by is None
    assert away_coordinator.acting_position == "vice-mayor-5"


@pytest.mark.parametrize(
    ("position", "away"),
    [
        ("mayor", ("mayor", *tuple(f"vice-mayor-{n}" for n in range(1, 7)))),
        ("vice-mayor-2", tuple(f"vice-mayor-{n}" for n in range(1, 7))),
    ],
    ids=["6-2-nobody", "7-2-nobody"],
)
def test_when_nobody_is_present_the_answer_says_so_without_an_exception(book, position, away):
    result = act(book, position, seats(*away))
    assert result.acting_position is None and result.acting_person is None
    assert result.reason == "no_one_present"
    assert "无人" in result.message


@pytest.mark.rule("acting.ab-partner")
def test_a_vacant_seat_is_treated_as_absent(book):  # 7-2
    # The seat is vacant yet marked present: nobody holds it, so its A/B partner acts.
    result = act(book, "vice-mayor-5", seats(vacant=("vice-mayor-5",)))
    assert (result.acting_position, result.reason) == ("vice-mayor-6", "ab_partner")
    # The label already says （空缺）; the state after the colon is the vacancy check's own answer.
    assert result.trace[0].text == "副市长（空缺）：空缺"
    assert result.trace[1].text.startswith("互为AB角的副市长一位外出期间由另一位代行：副市长副市长6，在岗")


def test_positions_without_an_acting_rule_say_so(book):
    result = act(book, "secretary-general", seats("secretary-general"))
    assert result.reason == "no_rule" and result.acting_position is None


def test_without_a_designation_the_mayors_duty_goes_by_ranking_order(book):  # 6-2
    result = act(book, "mayor", seats("mayor"), executive=None)
    assert result.acting_position == "vice-mayor-1" and result.reason == "ranking_order"


def test_the_result_serialises_with_the_cli_and_api_keys(book):
    data = act(book, "vice-mayor-3", seats("vice-mayor-3")).as_dict()
    assert {"position", "acting_position", "acting_person", "reason", "trace"} <= set(data)
    assert data["acting_person"] == "副市长4" and data["is_acting"] is True


def _in_city(snapshot: dict[str, Seat], code: str, reason: str = "病假") -> dict[str, Seat]:
    from dataclasses import replace

    return {**snapshot, code: replace(snapshot[code], absence=reason, away_from_city=False)}


@pytest.mark.rule("acting.mayor-away")
def test_6_2_nobody_presides_for_the_mayor_absent_inside_fushun(book):  # Art 6 ¶2 「市长离抚期间」
    result = act(book, "mayor", _in_city(seats("mayor"), "mayor"))
    assert result.acting_position is None and result.reason == "mayor_in_city"
    assert not result.is_acting
    assert "在抚" in result.message and "病假" in result.message
    assert "acting.mayor-away" in result.rule_ids
    assert not any("市长离抚期间，由指定" in s.text for s in result.trace)


@pytest.mark.rule("acting.mayor-away")
def test_6_2_the_mayor_may_designate_another_vice_mayor_for_one_absence(book):  # Art 6 ¶2 「或其他副市长」
    from dataclasses import replace

    snapshot = seats("mayor")
    snapshot["mayor"] = replace(snapshot["mayor"], designated="vice-mayor-4")
    result = act(book, "mayor", snapshot)
    assert (result.acting_position, result.reason) == ("vice-mayor-4", "mayor_designated")
    assert any("市长指定本次离抚期间由副市长副市长4主持日常工作" in s.text for s in result.trace)
    # The designated vice mayor is away too: the executive vice mayor presides, as without a designation.
    snapshot = seats("mayor", "vice-mayor-4")
    snapshot["mayor"] = replace(snapshot["mayor"], designated="vice-mayor-4")
    result = act(book, "mayor", snapshot)
    assert (result.acting_position, result.reason) == ("vice-mayor-1", "designated_vice_mayor")


@pytest.mark.rule("acting.ab-partner")
def test_7_2_a_vice_mayor_absent_inside_fushun_still_has_the_ab_partner_act(book):  # Art 7 ¶2 「外出」
    result = act(book, "vice-mayor-3", _in_city(seats("vice-mayor-3"), "vice-mayor-3", "市内调研"))
    assert (result.acting_position, result.reason) == ("vice-mayor-4", "ab_partner")
