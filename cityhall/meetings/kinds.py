"""The four kinds of city government meeting (Art 38–42), read from the rulebook.

Who sits on each kind of meeting, who convenes and chairs it, who attends without a vote and who
decides on those attendees, who sets its topics, and how often it is held are rule records
(``meeting.*`` in the rulebook), so every line a clerk reads comes with the article it quotes.
This module turns those records into one ``MeetingKind`` per kind; it needs no database.
"""

from __future__ import annotations

from dataclasses import dataclass

from cityhall.rules import Rulebook
from cityhall.rules.applies import applies
from cityhall.rules.rulebook import Rule
from cityhall.rules.schema import Terms

PLENARY, EXECUTIVE, MAYOR_OFFICE, BUSINESS = "plenary", "executive", "mayor_office", "business"

KIND_NAMES = {
    PLENARY: "市政府全体会议",
    EXECUTIVE: "市政府常务会议",
    MAYOR_OFFICE: "市长办公会议",
    BUSINESS: "市政府业务会议",
}

# The rule that describes each kind, its topic chain (if the Rules give one) and its frequency.
_DESCRIBED_BY = {
    PLENARY: ("meeting.plenary", "meeting.plenary-topics", "meeting.plenary-frequency"),
    EXECUTIVE: ("meeting.executive", "meeting.executive-topics", "meeting.executive-frequency"),
    MAYOR_OFFICE: ("meeting.mayor-office", None, None),
    BUSINESS: ("meeting.business", None, None),
}

# The words the rule records use for people and steps, and how a clerk reads them.
ROLE_LABELS = {
    "mayor": "市长",
    "vice_mayor": "副市长",
    "secretary_general": "秘书长",
    "executive_vice_mayor": "负责日常工作的副市长",
    "deputy_secretary_general": "副秘书长",
    "department_head": "市政府工作部门主要负责人",
    "unit_head_as_needed": "根据需要安排的有关单位负责人",
    "host_unit": "议题承办单位",
    "chair": "主持召开会议的市政府领导同志",
    "office_collects": "市政府办公室征集、汇总",
    "secretary_general_checks": "秘书长初核",
    "executive_vice_mayor_reviews": "负责日常工作的副市长审核",
    "mayor_decides": "市长确定",
}

# The order a kind's facts are shown in, with the heading each is shown under.
FACTS = (
    "members",
    "chairs",
    "entrusted_chairs",
    "non_voting",
    "attendees_proposed_by",
    "attendees_checked_by",
    "attendees_decided_by",
    "topics_set_by",
)


# The rule records name people and steps in the Rules' own words; the code works with these codes.
_ROLE_CODES = {label: code for code, label in ROLE_LABELS.items()}
_KIND_CODES = {name: code for code, name in KIND_NAMES.items()}


@dataclass(frozen=True)
class Fact:
    """One thing a rule says about a kind of meeting: who, under which heading, and where it is written."""

    name: str
    label: str
    roles: tuple[str, ...]
    rule: Rule

    @property
    def role_labels(self) -> list[str]:
        return [ROLE_LABELS[r] for r in self.roles]


@dataclass(frozen=True)
class MeetingKind:
    code: str
    name: str
    rule: Rule
    facts: tuple[Fact, ...]
    topic_chain: Fact | None
    frequency: Rule | None

    def fact(self, name: str) -> Fact | None:
        return next((f for f in self.facts if f.name == name), None)


class UnknownRole(ValueError):
    pass


def _terms(rule: Rule, name: str) -> Fact | None:
    param = rule.record.params.get(name)
    if param is None:
        return None
    if not isinstance(param, Terms):
        raise TypeError(f"{rule.id}.{name} 应为 terms 参数")
    unknown = [v for v in param.values if v not in _ROLE_CODES]
    if unknown:
        raise UnknownRole(f"规则 {rule.id} 的 {name} 含有未定义的角色：{'、'.join(unknown)}")
    return Fact(name, param.label, tuple(_ROLE_CODES[v] for v in param.values), rule)


@applies(
    "meeting.kinds",
    "meeting.plenary",
    "meeting.plenary-topics",
    "meeting.executive",
    "meeting.executive-topics",
    "meeting.mayor-office",
    "meeting.business",
)
def meeting_kinds(book: Rulebook) -> list[MeetingKind]:
    """The kinds of meeting Art 38 lists, each described by its own article, in the order of Art 38."""
    listed = book.rule("meeting.kinds").record.params["kinds"]
    assert isinstance(listed, Terms)  # noqa: S101 - the rulebook's schema; a wrong type is a broken rulebook
    kinds = []
    for listed_name in listed.values:
        code = _KIND_CODES.get(listed_name, "")
        if code not in _DESCRIBED_BY:
            raise UnknownRole(f"规则 meeting.kinds 列出了未定义的会议种类：{listed_name}")
        described, chain, frequency = _DESCRIBED_BY[code]
        rule = book.rule(described)
        facts = tuple(f for f in (_terms(rule, name) for name in FACTS) if f is not None)
        kinds.append(
            MeetingKind(
                code=code,
                name=KIND_NAMES[code],
                rule=rule,
                facts=facts,
                topic_chain=_terms(book.rule(chain), "chain") if chain else None,
                frequency=book.rule(frequency) if frequency else None,
            )
        )
    return kinds


def meeting_kind(book: Rulebook, code: str) -> MeetingKind:
    for kind in meeting_kinds(book):
        if kind.code == code:
            return kind
    raise KeyError(code)
