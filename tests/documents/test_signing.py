"""Signing authority (Art 51 items 1–6) and the issuing rules of Art 52."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cityhall.documents.models import Countersign, Document
from cityhall.documents.services import (
    document_authorise,
    document_check,
    document_co_sign,
    document_create_outgoing,
    document_issue,
    document_prepare,
    document_review,
    document_sign,
)
from cityhall.org.demo import load_demo
from cityhall.org.models import Person, Position, Unit
from cityhall.org.services import absence_record
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import RuleViolation
from cityhall.rules.signing import MAYOR, OTHER, SUPERVISING, OutgoingFacts, SigningCase, check_outgoing, check_signing
from cityhall.workflow.models import AuditEvent


def refusals(book, **case):
    return [(r.code, r.rule_id) for r in check_signing(SigningCase(**case), book)]


@pytest.mark.parametrize(
    ("category", "rule", "item"),
    [
        ("upward", "signing.item-1", 1),
        ("bill_rule_decision_order", "signing.item-2", 2),
        ("personnel", "signing.item-3", 3),
        ("overseas_trip", "signing.item-4", 4),
        ("government_downward", "signing.item-5", 5),
    ],
    ids=["51-0-1", "51-0-2", "51-0-3", "51-0-4", "51-0-5"],
)
@pytest.mark.rule("signing.item-1", "signing.item-2", "signing.item-3", "signing.item-4", "signing.item-5")
def test_these_are_signed_by_the_mayor_only(book, category, rule, item):
    assert ("not_authorised_signer", rule) in refusals(
        book, category=category, signer_role=SUPERVISING, reviewed_by_supervising=True
    )
    assert refusals(book, category=category, signer_role=MAYOR, reviewed_by_supervising=True) == []
    [r] = check_signing(SigningCase(category=category, signer_role=OTHER, reviewed_by_supervising=True), book)
    assert r.citation.endswith(f"第五十一条第（{'一二三四五'[item - 1]}）项")


@pytest.mark.parametrize(
    ("category", "item"),
    [("upward", 1), ("bill_rule_decision_order", 2), ("government_downward", 5)],
    ids=["51-0-1", "51-0-2", "51-0-5"],
)
def test_the_supervising_leader_reviews_before_the_mayor_signs(book, category, item):
    assert ("review_missing", f"signing.item-{item}") in refusals(book, category=category, signer_role=MAYOR)


def test_personnel_and_overseas_trips_need_no_prior_review(book):  # 51-0-3, 51-0-4
    assert refusals(book, category="personnel", signer_role=MAYOR) == []
    assert refusals(book, category="overseas_trip", signer_role=MAYOR) == []


@pytest.mark.rule("signing.item-5")
def test_leaders_whose_areas_are_touched_co_sign(book):  # 51-0-5
    case = {
        "category": "government_downward",
        "signer_role": MAYOR,
        "reviewed_by_supervising": True,
        "touched_leaders": frozenset({"vice-mayor-1", "vice-mayor-3"}),
    }
    assert ("co_sign_missing", "signing.item-5") in refusals(book, **case)
    assert refusals(book, **case, co_signed=frozenset({"vice-mayor-1", "vice-mayor-3"})) == []


@pytest.mark.rule("signing.item-5")
def test_executive_meeting_decisions_may_be_signed_by_an_authorised_supervising_leader(book):  # 51-0-5
    case = {"category": "government_downward", "executive_decided_or_routine": True}
    assert refusals(book, **case, signer_role=MAYOR) == []
    assert ("not_authorised_signer", "signing.item-5") in refusals(book, **case, signer_role=SUPERVISING)
    assert refusals(book, **case, signer_role=SUPERVISING, authorised_by_mayor=True) == []


@pytest.mark.rule("signing.item-6")
def test_letters_and_office_documents_are_signed_by_the_supervising_leader_and_important_ones_by_the_mayor(book):
    # 51-0-6
    for category in ("government_letter", "office_document"):
        assert refusals(book, category=category, signer_role=SUPERVISING) == []
        assert ("not_authorised_signer", "signing.item-6") in refusals(book, category=category, signer_role=MAYOR)
        important = {"category": category, "important": True}
        assert ("not_authorised_signer", "signing.item-6") in refusals(book, **important, signer_role=SUPERVISING)
        assert ("review_missing", "signing.item-6") in refusals(book, **important, signer_role=MAYOR)
        assert refusals(book, **important, signer_role=MAYOR, reviewed_by_supervising=True) == []


def outgoing(**facts) -> OutgoingFacts:
    base = {
        "issuer_kind": "department",
        "body": "各县（区）人民政府：……",
        "addressees": ["新宾满族自治县人民政府"],
        "county_names": ["新宾满族自治县人民政府"],
    }
    return OutgoingFacts(**{**base, **facts})


@pytest.mark.rule("documents.approved-note")
def test_a_departments_own_matter_is_not_issued_in_the_governments_name(book):  # 52-1
    [r] = check_outgoing(outgoing(issuer_kind="city_government", department_matter=True), book)
    assert (r.code, r.rule_id) == ("department_matter_in_government_name", "documents.approved-note")


def test_an_approved_department_document_says_so(book):  # 52-1
    [r] = check_outgoing(outgoing(government_approved=True), book)
    assert r.code == "approved_note_missing" and "经市政府同意" in r.message
    assert check_outgoing(outgoing(government_approved=True, body="经市政府同意，现将……通知如下"), book) == []


@pytest.mark.rule("documents.no-directive-to-counties")
def test_departments_send_no_directive_to_counties_without_approval(book):  # 52-2
    [r] = check_outgoing(outgoing(directive=True), book)
    assert (r.code, r.rule_id) == ("directive_to_counties", "documents.no-directive-to-counties")
    assert check_outgoing(outgoing(directive=True, government_approved=True, body="经市政府同意，……"), book) == []


@pytest.mark.rule("documents.internal-unit-normative")
def test_internal_units_issue_no_normative_documents(book):  # 52-3
    [r] = check_outgoing(outgoing(normative=True, internal_unit=True), book)
    assert (r.code, r.rule_id) == ("normative_by_internal_unit", "documents.internal-unit-normative")


# -- the services ------------------------------------------------------------------------------


def person(code: str) -> Person:
    return Person.objects.get(holdings__position__code=code)


def checked(doc):
    """The drafter sends it for 核稿 and another office clerk checks it: it is then ready for signing."""
    doc = document_prepare(actor=person("office-clerk-1"), document=doc)
    return document_check(actor=person("office-clerk-2"), document=doc)


@pytest.fixture
def notice(db):
    load_demo()
    return checked(
        document_create_outgoing(
            actor=person("office-clerk-1"),
            issuer_unit=Unit.objects.get(code="city-government"),
            kind="通知",
            category="government_downward",
            title="抚顺市人民政府关于加强农村公路养护管理的通知",
            body="各县（区）人民政府，市政府各部门：为加强农村公路养护管理……",
            addressees=["各县（区）人民政府"],
            matter_unit=Unit.objects.get(code="transport"),
            touched_leaders=["vice-mayor-1"],
        )
    )


@pytest.mark.django_db
@pytest.mark.rule("signing.item-5")
def test_a_government_notice_is_reviewed_co_signed_then_signed_by_the_mayor_and_numbered(notice):  # 51-0-5
    assert notice.state == "signing"
    with pytest.raises(RuleViolation) as err:
        document_sign(actor=person("vice-mayor-5"), document=notice)
    assert "第五十一条第（五）项" in err.value.citation and "无权签发" in err.value.message
    with pytest.raises(RuleViolation, match="尚未审核"):
        document_sign(actor=person("mayor"), document=notice)
    notice = document_review(actor=person("vice-mayor-5"), document=notice)
    with pytest.raises(RuleViolation, match="常务副市长 周启航"):
        document_sign(actor=person("mayor"), document=notice)
    with pytest.raises(RuleViolation, match="不涉及您的分管范围"):
        document_co_sign(actor=person("vice-mayor-2"), document=notice)
    notice = document_co_sign(actor=person("vice-mayor-1"), document=notice)
    signed = document_sign(actor=person("mayor"), document=notice, at=dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC))
    assert signed.state == "signed" and signed.document_number == "抚政发〔2026〕1号"
    assert signed.signer_name == "林望川"
    event = AuditEvent.objects.get(action="document.sign")
    assert "signing.item-5" in event.rules
    issued = document_issue(actor=person("office-clerk-1"), document=signed)
    assert issued.state == "issued" and issued.printed_on is not None


@pytest.mark.django_db
def test_the_acting_mayor_signs_with_dai_and_the_record_keeps_both_people(notice):  # 51-0-5, 6-2
    now = timezone.now()
    absence_record(
        actor=None,
        position=Position.objects.get(code="mayor"),
        start=now - dt.timedelta(hours=1),
        end=now + dt.timedelta(days=1),
        reason="赴京汇报",
    )
    notice = document_review(actor=person("vice-mayor-5"), document=notice)
    notice = document_co_sign(actor=person("vice-mayor-1"), document=notice)
    signed = document_sign(actor=person("vice-mayor-1"), document=notice)
    assert signed.signer_name == "周启航（代林望川）"
    event = AuditEvent.objects.get(action="document.sign")
    assert (event.actor, event.on_behalf_of) == (person("vice-mayor-1"), person("mayor"))


@pytest.mark.django_db
def test_a_mayor_authorisation_lets_the_supervising_leader_sign_an_executive_meeting_decision(db):  # 51-0-5
    load_demo()
    doc = checked(
        document_create_outgoing(
            actor=person("office-clerk-1"),
            issuer_unit=Unit.objects.get(code="city-government"),
            kind="通知",
            category="government_downward",
            title="关于印发农村公路养护实施方案的通知",
            body="经市政府常务会议研究同意……",
            addressees=["各县（区）人民政府"],
            matter_unit=Unit.objects.get(code="transport"),
            executive_decided_or_routine=True,
        )
    )
    with pytest.raises(RuleViolation, match="须经市长授权"):
        document_sign(actor=person("vice-mayor-5"), document=doc)
    with pytest.raises(RuleViolation, match="只有市长"):
        document_authorise(actor=person("vice-mayor-5"), document=doc)
    doc = document_authorise(actor=person("mayor"), document=doc)
    assert document_sign(actor=person("vice-mayor-5"), document=doc).document_number.startswith("抚政发〔")
    assert AuditEvent.objects.filter(action="document.authorise").exists()


@pytest.mark.django_db
def test_art_52_refusals_come_before_anything_is_saved(db):  # 52-2
    load_demo()
    from cityhall.documents.models import Document

    with pytest.raises(RuleViolation) as err:
        document_create_outgoing(
            actor=None,
            issuer_unit=Unit.objects.get(code="transport"),
            kind="通知",
            category="office_document",
            title="关于立即开展道路排查的通知",
            body="请各县区立即开展排查。",
            addressees=["新宾满族自治县人民政府"],
            issuing_facts={"directive": True},
        )
    assert "第五十二条第二款" in err.value.citation
    assert not Document.objects.exists()


@pytest.mark.rule("documents.party-drafts-first")
def test_a_party_track_draft_on_government_duties_goes_through_the_government_first(book):  # 50-3
    [r] = check_outgoing(outgoing(party_track=True, government_duties=True, addressees=[]), book)
    assert (r.code, r.rule_id) == ("party_draft_first", "documents.party-drafts-first")
    assert r.citation.endswith("第五十条第三款")
    assert (
        check_outgoing(
            outgoing(party_track=True, government_duties=True, government_procedure_done=True, addressees=[]), book
        )
        == []
    )


@pytest.mark.django_db
@pytest.mark.rule("documents.no-unilateral-issue")
def test_52_3_nothing_is_signed_while_departments_disagree_and_the_city_has_not_decided(notice):  # Art 52 ¶3
    Countersign.objects.create(
        document=notice, unit=Unit.objects.get(code="finance"), state=Countersign.State.OBJECTED, reply="不同意。"
    )
    notice = document_review(actor=person("vice-mayor-5"), document=notice)
    notice = document_co_sign(actor=person("vice-mayor-1"), document=notice)
    with pytest.raises(RuleViolation) as err:
        document_sign(actor=person("mayor"), document=notice)
    assert err.value.code == "departments_disagree"
    assert err.value.citation == rulebook().rule("documents.no-unilateral-issue").citation
    Document.objects.filter(pk=notice.pk).update(disagreement={"decided": True, "decision": "按主办部门意见办理"})
    signed = document_sign(actor=person("mayor"), document=Document.objects.get(pk=notice.pk))
    assert signed.state == "signed"
