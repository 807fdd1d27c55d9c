"""Signing authority (Art 51) and the issuing rules (Art 50 ¶3, Art 52) checked whole (issue 16).

``golden/signing.json`` holds, for each case, every refusal as the clerk sees it (code, rule,
citation, message) together with who may sign and who must review first; ``golden/outgoing.json``
the same for the Art 52 checks on an outgoing document. Pure rules: no database.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest

from cityhall.rules.signing import (
    CATEGORIES,
    MAYOR,
    OTHER,
    SUPERVISING,
    OutgoingFacts,
    SigningCase,
    allowed_signers,
    check_outgoing,
    check_signing,
)

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def check_golden(name: str, cases: dict[str, Any]) -> None:
    path = GOLDEN_DIR / f"{name}.json"
    actual = json.loads(json.dumps(cases, ensure_ascii=False))
    if os.environ.get("CITYHALL_WRITE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(actual, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(actual) == sorted(expected), "golden cases differ: rerun with CITYHALL_WRITE_GOLDEN=1 and review"
    for case in expected:
        assert actual[case] == expected[case], f"{name}.json case {case!r} differs"


TOUCHED = frozenset({"vice-mayor-3", "vice-mayor-1"})

# case id → SigningCase keyword arguments
SIGNING_CASES: dict[str, dict[str, Any]] = {
    # 51-0-1 … 51-0-4: the mayor signs; items 1 and 2 after the supervising leader's review.
    "51-0-1-mayor-reviewed": {"category": "upward", "signer_role": MAYOR, "reviewed_by_supervising": True},
    "51-0-1-mayor-unreviewed": {"category": "upward", "signer_role": MAYOR},
    "51-0-1-supervising": {"category": "upward", "signer_role": SUPERVISING},
    "51-0-1-other-unreviewed": {"category": "upward", "signer_role": OTHER},
    "51-0-1-touched-leaders-need-no-co-sign": {
        "category": "upward",
        "signer_role": MAYOR,
        "reviewed_by_supervising": True,
        "touched_leaders": TOUCHED,
    },
    "51-0-2-mayor-unreviewed": {"category": "bill_rule_decision_order", "signer_role": MAYOR},
    "51-0-2-other-reviewed": {
        "category": "bill_rule_decision_order",
        "signer_role": OTHER,
        "reviewed_by_supervising": True,
    },
    "51-0-3-mayor": {"category": "personnel", "signer_role": MAYOR},
    "51-0-3-supervising": {"category": "personnel", "signer_role": SUPERVISING},
    "51-0-4-mayor": {"category": "overseas_trip", "signer_role": MAYOR},
    "51-0-4-other": {"category": "overseas_trip", "signer_role": OTHER},
    # 51-0-5
    "51-0-5-mayor-reviewed": {"category": "government_downward", "signer_role": MAYOR, "reviewed_by_supervising": True},
    "51-0-5-mayor-unreviewed": {"category": "government_downward", "signer_role": MAYOR},
    "51-0-5-supervising": {"category": "government_downward", "signer_role": SUPERVISING},
    "51-0-5-co-sign-missing": {
        "category": "government_downward",
        "signer_role": MAYOR,
        "reviewed_by_supervising": True,
        "touched_leaders": TOUCHED,
    },
    "51-0-5-co-sign-partly-missing": {
        "category": "government_downward",
        "signer_role": MAYOR,
        "reviewed_by_supervising": True,
        "touched_leaders": TOUCHED,
        "co_signed": frozenset({"vice-mayor-3"}),
    },
    "51-0-5-co-signed": {
        "category": "government_downward",
        "signer_role": MAYOR,
        "reviewed_by_supervising": True,
        "touched_leaders": TOUCHED,
        "co_signed": TOUCHED,
    },
    "51-0-5-executive-decision-mayor": {
        "category": "government_downward",
        "signer_role": MAYOR,
        "executive_decided_or_routine": True,
    },
    "51-0-5-executive-decision-supervising-unauthorised": {
        "category": "government_downward",
        "signer_role": SUPERVISING,
        "executive_decided_or_routine": True,
    },
    "51-0-5-executive-decision-supervising-authorised": {
        "category": "government_downward",
        "signer_role": SUPERVISING,
        "executive_decided_or_routine": True,
        "authorised_by_mayor": True,
    },
    "51-0-5-executive-decision-other-authorised": {
        "category": "government_downward",
        "signer_role": OTHER,
        "executive_decided_or_routine": True,
        "authorised_by_mayor": True,
    },
    "51-0-5-executive-decision-other-unauthorised": {
        "category": "government_downward",
        "signer_role": OTHER,
        "executive_decided_or_routine": True,
    },
    "51-0-5-authorisation-alone-lets-nobody-else-sign": {
        "category": "government_downward",
        "signer_role": SUPERVISING,
        "reviewed_by_supervising": True,
        "authorised_by_mayor": True,
    },
    "51-0-5-executive-decision-still-co-signed": {
        "category": "government_downward",
        "signer_role": MAYOR,
        "executive_decided_or_routine": True,
        "touched_leaders": TOUCHED,
        "co_signed": frozenset({"vice-mayor-1"}),
    },
    "51-0-5-unknown-signer-role": {"category": "government_downward", "signer_role": "deputy_secretary_general"},
    # 51-0-6
    "51-0-6-letter-supervising": {"category": "government_letter", "signer_role": SUPERVISING},
    "51-0-6-letter-mayor": {"category": "government_letter", "signer_role": MAYOR},
    "51-0-6-office-other": {"category": "office_document", "signer_role": OTHER},
    "51-0-6-office-executive-decision-is-item-6": {
        "category": "office_document",
        "signer_role": SUPERVISING,
        "executive_decided_or_routine": True,
    },
    "51-0-6-important-mayor-unreviewed": {"category": "government_letter", "signer_role": MAYOR, "important": True},
    "51-0-6-important-mayor-reviewed": {
        "category": "office_document",
        "signer_role": MAYOR,
        "important": True,
        "reviewed_by_supervising": True,
    },
    "51-0-6-important-supervising": {"category": "office_document", "signer_role": SUPERVISING, "important": True},
    "51-0-6-important-other-unreviewed": {"category": "government_letter", "signer_role": OTHER, "important": True},
    "51-0-6-important-touched-leaders-need-no-co-sign": {
        "category": "government_letter",
        "signer_role": MAYOR,
        "important": True,
        "reviewed_by_supervising": True,
        "touched_leaders": TOUCHED,
    },
    # Not a category of Art 51.
    "unknown-category": {"category": "meeting_minutes", "signer_role": MAYOR, "reviewed_by_supervising": True},
}


def signing_result(book, case: SigningCase) -> dict[str, Any]:
    out: dict[str, Any] = {"refusals": [dataclasses.asdict(r) for r in check_signing(case, book)]}
    if case.category in CATEGORIES:
        rule_id, signers, review = allowed_signers(case, book)
        out["allowed"] = {"rule": rule_id, "signers": signers, "review": review}
    return out


@pytest.mark.rule(
    "signing.item-1", "signing.item-2", "signing.item-3", "signing.item-4", "signing.item-5", "signing.item-6"
)
def test_51_every_signing_check_explains_itself_as_golden_data(book):
    check_golden("signing", {cid: signing_result(book, SigningCase(**kw)) for cid, kw in SIGNING_CASES.items()})


@pytest.mark.rule("signing.item-5")
def test_51_an_unknown_category_is_refused_naming_the_known_ones(book):
    [r] = check_signing(SigningCase(category="meeting_minutes", signer_role=MAYOR), book)
    assert (r.code, r.rule_id) == ("unknown_category", "signing.item-5")
    assert r.citation == book.rule("signing.item-5").citation
    labels = "、".join(label for _, label in CATEGORIES.values())
    assert r.message == f"未知的签发类别“meeting_minutes”，应为：{labels}。"


@pytest.mark.rule("signing.item-5")
def test_51_0_5_an_unauthorised_supervising_leader_is_told_the_mayor_must_authorise(book):
    case = {"category": "government_downward", "executive_decided_or_routine": True}
    [r] = check_signing(SigningCase(**case, signer_role=SUPERVISING), book)
    assert r.message.endswith("应由市长签发（分管领导签发须经市长授权），分管领导无权签发。")
    # Authorised, another leader is still refused, and the hint about authorisation is not given.
    [r] = check_signing(SigningCase(**case, signer_role=OTHER, authorised_by_mayor=True), book)
    assert r.message.endswith("应由市长或分管领导签发，其他领导无权签发。")
    # Without an executive meeting decision the hint is not given either.
    [r] = check_signing(SigningCase(category="government_downward", signer_role=SUPERVISING), book)
    assert r.message.endswith("应由市长签发，分管领导无权签发。")


@pytest.mark.rule("signing.item-5")
def test_51_0_5_co_signing_is_asked_only_of_the_leaders_still_missing_in_order(book):
    case = SigningCase(
        category="government_downward",
        signer_role=MAYOR,
        reviewed_by_supervising=True,
        touched_leaders=frozenset({"vice-mayor-4", "vice-mayor-2", "vice-mayor-1"}),
        co_signed=frozenset({"vice-mayor-2"}),
    )
    [r] = check_signing(case, book)
    assert r.message == "内容涉及数名市政府领导同志分管范围，还需以下领导会签：vice-mayor-1、vice-mayor-4。"


@pytest.mark.rule("signing.item-6")
def test_51_0_6_the_supervising_leader_signing_an_important_letter_is_not_also_told_to_review(book):
    [r] = check_signing(SigningCase(category="government_letter", signer_role=SUPERVISING, important=True), book)
    assert r.code == "not_authorised_signer"
    codes = [
        r.code
        for r in check_signing(SigningCase(category="government_letter", signer_role=OTHER, important=True), book)
    ]
    assert codes == ["not_authorised_signer", "review_missing"]


def outgoing(**facts: Any) -> OutgoingFacts:
    base: dict[str, Any] = {
        "issuer_kind": "department",
        "body": "各县（区）人民政府：……",
        "addressees": ["新宾满族自治县人民政府"],
        "county_names": ["新宾满族自治县", "清原满族自治县"],
    }
    return OutgoingFacts(**{**base, **facts})


APPROVED = "经市政府同意，现将有关事项通知如下：……"

# case id → OutgoingFacts keyword arguments (over the department default above)
OUTGOING_CASES: dict[str, dict[str, Any]] = {
    "plain-department-document": {},
    # 52-1
    "52-1-department-matter-city-government": {"issuer_kind": "city_government", "department_matter": True},
    "52-1-department-matter-general-office": {"issuer_kind": "general_office", "department_matter": True},
    "52-1-department-matter-department": {"department_matter": True},
    "52-1-approved-department-without-note": {"government_approved": True},
    "52-1-approved-department-with-note": {"government_approved": True, "body": APPROVED},
    "52-1-approved-coordinating-body-without-note": {"issuer_kind": "coordinating_body", "government_approved": True},
    "52-1-approved-affiliated-without-note": {"issuer_kind": "affiliated", "government_approved": True},
    "52-1-city-government-needs-no-note": {"issuer_kind": "city_government", "government_approved": True},
    "52-1-general-office-needs-no-note": {"issuer_kind": "general_office", "government_approved": True},
    # 52-2
    "52-2-department-directive": {"directive": True},
    "52-2-coordinating-body-directive": {"issuer_kind": "coordinating_body", "directive": True},
    "52-2-affiliated-directive": {"issuer_kind": "affiliated", "directive": True},
    "52-2-directive-to-two-counties": {
        "directive": True,
        "addressees": ["清原满族自治县人民政府", "市交通运输局", "新宾满族自治县人民政府"],
    },
    "52-2-directive-approved": {"directive": True, "government_approved": True, "body": APPROVED},
    "52-2-directive-not-to-counties": {"directive": True, "addressees": ["市交通运输局"]},
    "52-2-city-government-directive": {"issuer_kind": "city_government", "directive": True},
    "52-2-general-office-directive": {"issuer_kind": "general_office", "directive": True},
    "52-2-county-directive": {"issuer_kind": "county", "directive": True},
    "52-2-other-unit-directive": {"issuer_kind": "other", "directive": True},
    # 50-3
    "50-3-party-track-government-duties": {"party_track": True, "government_duties": True},
    "50-3-procedure-done": {"party_track": True, "government_duties": True, "government_procedure_done": True},
    "50-3-party-track-party-duties": {"party_track": True},
    "50-3-government-duties-not-party-track": {"government_duties": True},
    # 52-3
    "52-3-internal-unit-normative": {"normative": True, "internal_unit": True},
    "52-3-department-normative": {"normative": True},
    "52-3-internal-unit-ordinary": {"internal_unit": True},
    # Everything at once: each refusal, in the order of the articles checked.
    "all-refusals": {
        "issuer_kind": "general_office",
        "department_matter": True,
        "party_track": True,
        "government_duties": True,
        "normative": True,
        "internal_unit": True,
    },
    "department-all-refusals": {
        "government_approved": False,
        "directive": True,
        "party_track": True,
        "government_duties": True,
        "normative": True,
        "internal_unit": True,
    },
}


@pytest.mark.rule(
    "documents.approved-note",
    "documents.no-directive-to-counties",
    "documents.party-drafts-first",
    "documents.internal-unit-normative",
)
def test_50_3_and_52_every_outgoing_check_explains_itself_as_golden_data(book):
    check_golden(
        "outgoing",
        {
            cid: [dataclasses.asdict(r) for r in check_outgoing(outgoing(**kw), book)]
            for cid, kw in OUTGOING_CASES.items()
        },
    )


@pytest.mark.rule("documents.internal-unit-normative")
def test_52_3_a_departments_own_normative_document_is_not_refused(book):
    assert check_outgoing(outgoing(normative=True), book) == []
    assert check_outgoing(outgoing(internal_unit=True), book) == []
    [r] = check_outgoing(outgoing(normative=True, internal_unit=True), book)
    assert r.message == "部门内设机构不得以内设机构名义制发行政规范性文件。"


@pytest.mark.rule("documents.approved-note")
def test_52_1_the_general_office_issues_in_the_governments_name(book):
    [r] = check_outgoing(outgoing(issuer_kind="general_office", department_matter=True), book)
    assert r.code == "department_matter_in_government_name"
    assert check_outgoing(outgoing(issuer_kind="general_office", government_approved=True), book) == []


@pytest.mark.rule("documents.no-directive-to-counties")
def test_52_2_coordinating_bodies_and_affiliated_units_send_no_directive_to_counties(book):
    for kind in ("coordinating_body", "affiliated"):
        [r] = check_outgoing(outgoing(issuer_kind=kind, directive=True), book)
        assert r.code == "directive_to_counties"
        assert r.message == "未经市政府批准，部门不得直接向县（区）政府（新宾满族自治县人民政府）发布指令性公文。"
