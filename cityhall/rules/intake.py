"""Intake checks on documents sent to the city government (Art 48, Art 49 ¶1): 公文预审.

Pure: a draft in, findings out. Each finding names its rule and article, says
what it matched, and is either a refusal (``refuse``) or a warning (``warn``)
that a clerk must clear with a reason. The words each check looks for are
parameters of the rule records, so another city can change them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .rulebook import Rulebook
from .schema import Terms

REFUSE = "refuse"
WARN = "warn"

# 党政机关公文处理工作条例 art 8 uses 命令（令）; people write either.
_KIND_ALIASES = {"命令（令）": "命令", "命令(令)": "命令"}
_PUNCT = str.maketrans({"，": ",", "；": ";", "：": ":", "（": "(", "）": ")", "！": "!", "？": "?", "。": "."})


def _norm(text: str) -> str:
    """Full-width punctuation to ASCII and no whitespace, so 妥否，请批复 matches 妥否, 请批复."""
    return re.sub(r"\s+", "", text.translate(_PUNCT))


@dataclass(frozen=True)
class Draft:
    kind: str
    title: str
    body: str
    issuer: str
    addressees: Sequence[str]
    signed_by: str
    copied_to: Sequence[str] = ()
    # Facts that open the exceptions of Art 48; a clerk confirms them.
    classification: str = ""
    leader_assigned: bool = False
    major_emergency: bool = False
    urgent_foreign_affairs: bool = False
    level_skip_approved: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        def strings(value: Any) -> list[str]:
            if value is None:
                return []
            if isinstance(value, str):
                return [v for v in re.split(r"[、,，;；\n]", value) if v.strip()]
            return [str(v) for v in value]

        return cls(
            kind=str(data.get("kind", "")).strip(),
            title=str(data.get("title", "")).strip(),
            body=str(data.get("body", "")),
            issuer=str(data.get("issuer", "")).strip(),
            addressees=[a.strip() for a in strings(data.get("addressees")) if a.strip()],
            signed_by=str(data.get("signed_by", "")).strip(),
            copied_to=[a.strip() for a in strings(data.get("copied_to")) if a.strip()],
            classification=str(data.get("classification", "") or ""),
            leader_assigned=bool(data.get("leader_assigned", False)),
            major_emergency=bool(data.get("major_emergency", False)),
            urgent_foreign_affairs=bool(data.get("urgent_foreign_affairs", False)),
            level_skip_approved=bool(data.get("level_skip_approved", False)),
        )


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    rule_id: str
    citation: str
    citation_en: str
    message: str
    matched: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "rule": self.rule_id,
            "citation": self.citation,
            "citation_en": self.citation_en,
            "message": self.message,
            "matched": list(self.matched),
        }


@dataclass(frozen=True)
class CheckResult:
    findings: tuple[Finding, ...]

    @property
    def refused(self) -> bool:
        return any(f.severity == REFUSE for f in self.findings)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == WARN)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": not self.refused,
            "refused": self.refused,
            "summary": (
                "将被退回：存在不符合规定的问题"
                if self.refused
                else ("可以报送，但有需经办人核实的提示" if self.findings else "未发现问题，可以报送")
            ),
            "findings": [f.as_dict() for f in self.findings],
        }


class _Checker:
    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self.findings: list[Finding] = []

    def terms(self, rule_id: str, name: str) -> list[str]:
        param = self.book.rule(rule_id).record.params[name]
        assert isinstance(param, Terms)  # noqa: S101 - the rulebook schema guarantees the type
        return list(param.values)

    def add(self, rule_id: str, code: str, severity: str, message: str, matched: Sequence[str] = ()) -> None:
        rule = self.book.rule(rule_id)
        self.findings.append(Finding(code, severity, rule_id, rule.citation, rule.citation_en, message, tuple(matched)))


def _found(text: str, phrases: Sequence[str]) -> list[str]:
    norm = _norm(text)
    hits = [p for p in phrases if _norm(p) in norm]
    # Report 妥否，请批复 rather than also its part 请批复.
    return [h for h in hits if not any(h != o and _norm(h) in _norm(o) for o in hits)]


def _snippet(text: str, phrase: str, width: int = 12) -> str:
    norm_phrase = _norm(phrase)
    flat = re.sub(r"\s+", "", text)
    idx = _norm(flat).find(norm_phrase)
    if idx < 0:
        return phrase
    start = max(0, idx - width)
    return ("…" if start else "") + flat[start : idx + len(norm_phrase) + width] + "…"


def check_draft(draft: Draft, book: Rulebook) -> CheckResult:
    c = _Checker(book)
    kinds = c.terms("documents.kinds", "kinds")
    kind = _KIND_ALIASES.get(draft.kind, draft.kind)

    if not draft.title or not draft.body.strip():
        missing = "、".join(n for n, v in (("标题", draft.title), ("正文", draft.body.strip())) if not v)
        c.add("documents.kinds", "missing_elements", REFUSE, f"公文缺少{missing}。")
    if kind not in kinds:
        c.add(
            "documents.kinds",
            "unknown_kind",
            REFUSE,
            f"文种“{draft.kind or '（未填写）'}”不是规定的公文种类，应为：{'、'.join(kinds)}。",
            [draft.kind],
        )

    text = f"{draft.title}\n{draft.body}"
    if kind == "报告":
        hits = _found(text, c.terms("documents.report-no-request", "request_phrases"))
        if hits:
            c.add(
                "documents.report-no-request",
                "report_with_request",
                REFUSE,
                "报告中夹带了请示事项："
                + "；".join(f"“{h}”（{_snippet(text, h)}）" for h in hits)
                + "。需要上级批准的事项应另行请示。",
                hits,
            )

    if kind == "请示":
        phrases = c.terms("documents.one-matter", "ask_phrases")
        asks = _found(draft.body, phrases)
        # One ask per sentence: "妥否，请批示。" is one request, not two.
        count = sum(1 for sentence in re.split(r"[。！？!?；;\n]", draft.body) if _found(sentence, phrases))
        topics = re.findall(r"关于(.+?)的请示", draft.title)
        joined = [j for j in c.terms("documents.one-matter", "joiners") if topics and j in topics[0]]
        if count > 1:
            c.add(
                "documents.one-matter",
                "one_matter",
                WARN,
                f"正文有{count}处请求批准的用语（{'、'.join(asks)}），可能一文多事；请核实是否只请示一个事项。",
                asks,
            )
        elif joined:
            c.add(
                "documents.one-matter",
                "one_matter",
                WARN,
                f"标题“{draft.title}”用“{'、'.join(joined)}”连接多项内容，可能一文多事；请核实是否只请示一个事项。",
                joined,
            )

    if len(draft.addressees) > 1:
        c.add(
            "documents.no-multiple-submission",
            "multiple_submission",
            REFUSE,
            f"主送机关有{len(draft.addressees)}个（{'、'.join(draft.addressees)}），属于多头报文；"
            "主送机关只能有一个，需要知悉的机关列为抄送。",
            list(draft.addressees),
        )
    elif not draft.addressees:
        c.add("documents.no-multiple-submission", "no_addressee", REFUSE, "没有填写主送机关。")

    higher = [
        a for a in draft.addressees if any(b in a for b in c.terms("documents.no-level-skipping", "higher_bodies"))
    ]
    if higher:
        if draft.level_skip_approved:
            c.add(
                "documents.no-level-skipping",
                "level_skipping",
                WARN,
                f"主送上级机关（{'、'.join(higher)}），已声明经批准越级行文；请经办人核实批准文件。",
                higher,
            )
        else:
            c.add(
                "documents.no-level-skipping",
                "level_skipping",
                REFUSE,
                f"越级行文：主送{'、'.join(higher)}，越过了市政府；未经批准不得越级行文。",
                higher,
            )

    titles = c.terms("documents.not-to-individual", "leader_titles")
    individuals = [
        a
        for a in draft.addressees
        if not re.search(r"(政府|委员会|办公室|局|厅|委|部|中心|机关)$", a)
        and any(a.endswith(t) or t in a for t in titles)
    ]
    if individuals:
        exception = next(
            (
                label
                for flag, label in (
                    (draft.leader_assigned, "市政府领导同志交办事项"),
                    (draft.classification == "绝密", "必须直接报送的绝密事项"),
                    (draft.major_emergency, "重大突发事件"),
                    (draft.urgent_foreign_affairs, "紧急敏感涉外事项"),
                )
                if flag
            ),
            None,
        )
        if exception:
            c.add(
                "documents.not-to-individual",
                "addressed_to_individual",
                WARN,
                f"直接报送领导同志个人（{'、'.join(individuals)}），声明属于“{exception}”；请经办人核实。",
                individuals,
            )
        else:
            c.add(
                "documents.not-to-individual",
                "addressed_to_individual",
                REFUSE,
                f"直接报送领导同志个人（{'、'.join(individuals)}）。除领导同志交办事项、绝密事项、重大突发事件和"
                "紧急敏感涉外事项外，应主送市政府。",
                individuals,
            )

    signer = draft.signed_by
    principal = c.terms("documents.principal-signs", "principal_titles")
    if not signer:
        c.add("documents.principal-signs", "not_signed", REFUSE, "没有签发人。报送市政府的公文须由主要负责人签发。")
    elif "副" in signer:
        c.add(
            "documents.principal-signs",
            "not_principal",
            REFUSE,
            f"签发人“{signer}”不是主要负责人。报送市政府的公文须由主要负责人签发。",
            [signer],
        )
    elif not any(p in signer for p in principal):
        c.add(
            "documents.principal-signs",
            "signer_unrecognised",
            WARN,
            f"无法确认签发人“{signer}”是否为主要负责人，请经办人核实。",
            [signer],
        )

    return CheckResult(tuple(c.findings))
