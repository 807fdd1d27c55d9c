"""Signing authority (Art 51) and the issuing rules of Art 52, as pure checks.

The matrix lives in the rulebook (signing.item-1 … signing.item-6): for each
category of document, who must review first and who may sign. A check returns
every refusal with the item it applies, e.g. 第五十一条第（五）项.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .rulebook import Rulebook
from .schema import Terms

MAYOR = "mayor"
SUPERVISING = "supervising_leader"
OTHER = "other_leader"

# category → (rule id, label)
CATEGORIES: dict[str, tuple[str, str]] = {
    "upward": ("signing.item-1", "以市政府名义报省委、省政府或市委的请示、报告，涉及重大方针政策的事项"),
    "bill_rule_decision_order": ("signing.item-2", "提请市人大及其常委会的议案，市政府规章、决定、命令"),
    "personnel": ("signing.item-3", "市政府人事任免公文"),
    "overseas_trip": ("signing.item-4", "县（区）政府、部门主要负责人出国审批公文"),
    "government_downward": ("signing.item-5", "以市政府名义下发的公文"),
    "government_letter": ("signing.item-6", "以市政府名义制发的函件"),
    "office_document": ("signing.item-6", "以市政府办公室名义制发的公文"),
}
ROLE_LABELS = {MAYOR: "市长", SUPERVISING: "分管领导", OTHER: "其他领导"}


@dataclass(frozen=True)
class SigningCase:
    category: str
    signer_role: str
    reviewed_by_supervising: bool = False
    important: bool = False
    executive_decided_or_routine: bool = False
    authorised_by_mayor: bool = False
    touched_leaders: frozenset[str] = frozenset()
    co_signed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Refusal:
    code: str
    rule_id: str
    citation: str
    message: str


@dataclass
class _Out:
    book: Rulebook
    refusals: list[Refusal] = field(default_factory=list)

    def refuse(self, code: str, rule_id: str, message: str) -> None:
        self.refusals.append(Refusal(code, rule_id, self.book.rule(rule_id).citation, message))

    def terms(self, rule_id: str, name: str) -> list[str]:
        param = self.book.rule(rule_id).record.params.get(name)
        return list(param.values) if isinstance(param, Terms) else []


def allowed_signers(case: SigningCase, book: Rulebook) -> tuple[str, list[str], list[str]]:
    """(rule id, roles allowed to sign, roles that must review first) for this case."""
    rule_id, _ = CATEGORIES[case.category]
    out = _Out(book)
    signers, review = out.terms(rule_id, "signer"), out.terms(rule_id, "prior_review")
    if rule_id == "signing.item-5" and case.executive_decided_or_routine:
        signers = [MAYOR] + ([SUPERVISING] if case.authorised_by_mayor else [])
        review = []
    if rule_id == "signing.item-6":
        if case.important:
            signers = out.terms(rule_id, "important_signer")
        else:
            review = []
    return rule_id, signers, review


def check_signing(case: SigningCase, book: Rulebook) -> list[Refusal]:
    out = _Out(book)
    if case.category not in CATEGORIES:
        out.refuse(
            "unknown_category",
            "signing.item-5",
            f"未知的签发类别“{case.category}”，应为：{'、'.join(label for _, label in CATEGORIES.values())}。",
        )
        return out.refusals
    rule_id, signers, review = allowed_signers(case, book)
    label = CATEGORIES[case.category][1]
    if case.signer_role not in signers:
        who = "或".join(ROLE_LABELS[s] for s in signers)
        extra = ""
        if rule_id == "signing.item-5" and case.executive_decided_or_routine and not case.authorised_by_mayor:
            extra = "（分管领导签发须经市长授权）"
        out.refuse(
            "not_authorised_signer",
            rule_id,
            f"{label}应由{who}签发{extra}，{ROLE_LABELS.get(case.signer_role, case.signer_role)}无权签发。",
        )
    if SUPERVISING in review and not case.reviewed_by_supervising and case.signer_role != SUPERVISING:
        out.refuse("review_missing", rule_id, f"{label}须经分管领导同志审核后再签发，尚未审核。")
    if rule_id == "signing.item-5":
        missing = sorted(case.touched_leaders - case.co_signed)
        if missing:
            out.refuse(
                "co_sign_missing",
                rule_id,
                f"内容涉及数名市政府领导同志分管范围，还需以下领导会签：{'、'.join(missing)}。",
            )
    return out.refusals


@dataclass(frozen=True)
class OutgoingFacts:
    """What Art 52 needs to know about an outgoing document."""

    issuer_kind: str  # Unit.Kind value of the issuing unit
    body: str
    addressees: Sequence[str]
    department_matter: bool = False  # a matter within one department's powers
    government_approved: bool = False  # approved by a city government leader
    directive: bool = False  # gives instructions (指令性要求)
    normative: bool = False  # a normative document (行政规范性文件)
    internal_unit: bool = False  # issued in the name of a department's internal unit
    county_names: Sequence[str] = ()
    party_track: bool = False  # for a Party committee meeting, or joint Party–government issue
    government_duties: bool = False  # mainly concerns government duties, drafted by a government department
    government_procedure_done: bool = False  # already deliberated or approved by the city government


def check_outgoing(facts: OutgoingFacts, book: Rulebook) -> list[Refusal]:
    out = _Out(book)
    government_name = facts.issuer_kind in ("city_government", "general_office")
    if government_name and facts.department_matter:
        out.refuse(
            "department_matter_in_government_name",
            "documents.approved-note",
            "属部门职权范围内的事务，应由部门自行发文或联合发文，不以市政府或市政府办公室名义发文。",
        )
    if not government_name and facts.government_approved:
        phrase = out.terms("documents.approved-note", "phrase")[0]
        if phrase not in facts.body:
            out.refuse(
                "approved_note_missing",
                "documents.approved-note",
                f"经市政府领导同志批准的部门发文，须在文中注明“{phrase}”。",
            )
    to_counties = [a for a in facts.addressees if any(c in a for c in facts.county_names)]
    if (
        facts.issuer_kind in ("department", "coordinating_body", "affiliated")
        and facts.directive
        and to_counties
        and not facts.government_approved
    ):
        out.refuse(
            "directive_to_counties",
            "documents.no-directive-to-counties",
            f"未经市政府批准，部门不得直接向县（区）政府（{'、'.join(to_counties)}）发布指令性公文。",
        )
    if facts.party_track and facts.government_duties and not facts.government_procedure_done:
        out.refuse(
            "party_draft_first",
            "documents.party-drafts-first",
            "拟提请市委会议审议或以市委、市政府名义联合印发、主要涉及政府职责的文件稿，须先报市政府履行审议或审批程序。",
        )
    if facts.normative and facts.internal_unit:
        out.refuse(
            "normative_by_internal_unit",
            "documents.internal-unit-normative",
            "部门内设机构不得以内设机构名义制发行政规范性文件。",
        )
    return out.refusals
