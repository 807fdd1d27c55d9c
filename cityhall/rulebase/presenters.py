"""Plain-data views of rules, shared by the CLI, the API and the pages."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from cityhall.rules import Rule, Rulebook
from cityhall.rules.applies import STATUS_LABELS
from cityhall.rules.numerals import article_citation
from cityhall.rules.schema import KIND_LABELS, UNIT_LABELS, CalendarPeriodEnd, DayOfMonth, Period, Quantity, Terms
from cityhall.rules.signing import ROLE_LABELS as SIGNER_LABELS


def param_summary(name: str, param: Any) -> str:
    if isinstance(param, Quantity):
        return f"{param.label}：{param.value}{UNIT_LABELS[param.unit]}"
    if isinstance(param, Period):
        counted = "当日计入" if param.start_day_counted else "当日不计入"
        where = "之前" if param.direction.value == "before" else "之后"
        moves = "，遇法定休假日顺延" if param.on_non_working_end.value == "next_working_day" else ""
        return f"基准日{where}{param.value}{UNIT_LABELS[param.unit]}（{counted}{moves}）"
    if isinstance(param, CalendarPeriodEnd):
        return f"每{ {'week': '周', 'half_year': '半年', 'year': '年'}[param.unit.value] }至少{param.times}次（按自然周期）"
    if isinstance(param, Terms):
        # Some terms are codes the signing rules use (mayor, supervising_leader): show their names.
        return f"{param.label}：{'、'.join(SIGNER_LABELS.get(v, v) for v in param.values)}"
    if isinstance(param, DayOfMonth):
        return f"基准日所在月{param.month_offset:+d}个月的{param.day}日（含）之前"
    return name


TRACE_FILE = Path(__file__).resolve().parent / "trace.json"
STATUS_NOTES = {
    "enforced": "系统的业务流程按本条办理，并有测试核验。",
    "calculator_only": "可以按本条计算期限，但尚无业务流程据此自动排期。",
    "recorded": "本条已收录并可查阅，系统尚未据此办理。",
}


@cache
def trace() -> dict[str, Any]:
    """The rule trace that script/rule_trace.py generates from the @applies declarations and the
    marked tests: each rule's status, the functions that apply it and the tests that check it."""
    data: dict[str, Any] = json.loads(TRACE_FILE.read_text(encoding="utf-8"))
    return data


def status_of(rule_id: str) -> dict[str, Any]:
    entry = trace()["rules"].get(rule_id, {"status": "recorded", "applied_by": [], "tests": []})
    status = entry["status"]
    return {
        "status": status,
        "status_label": STATUS_LABELS[status],
        "status_note": STATUS_NOTES[status],
        "applied_by": entry["applied_by"],
        "tests": entry["tests"],
    }


def basis_summary(param: Any, book: Rulebook) -> str | None:
    """Where a parameter's number comes from when the rule's own quote does not state it."""
    basis = getattr(param, "basis", None)
    if basis is None:
        return None
    if basis.reading:
        return f"本规则的解释：{basis.reading}"
    source = book.sources[basis.source]
    where = article_citation(basis.article, basis.paragraph, basis.item)
    unverified = "" if source.quotes_verified else "（该来源的条文尚未与官方文本逐字核对）"
    return f"《{source.title}》{where}：“{basis.clause}”{unverified}"


def rule_dict(rule: Rule, book: Rulebook, *, full: bool = True) -> dict[str, Any]:
    r = rule.record
    chapter = book.chapter_of(rule)
    data: dict[str, Any] = {
        "id": rule.id,
        "version": rule.version,
        "title": r.title,
        "title_en": r.title_en,
        "kind": r.kind.value,
        "kind_label": KIND_LABELS[r.kind],
        "citation": rule.citation,
        "citation_en": rule.citation_en,
        "source": {
            "key": rule.source_key,
            "title": rule.source.title,
            "document_number": rule.source.document_number,
            "issued": rule.source.issued.isoformat(),
            "quotes_verified": rule.source.quotes_verified,
        },
        "article": r.article,
        "paragraph": r.paragraph,
        "item": r.item,
        "chapter": {"number": chapter.number, "title": chapter.title} if chapter else None,
        "clause": r.clause,
        "computable": r.computes is not None,
        "effective_from": r.effective_from.isoformat(),
        "effective_to": r.effective_to.isoformat() if r.effective_to else None,
        **status_of(rule.id),
    }
    if full:
        data.update(
            {
                "anchor": r.anchor.model_dump() if r.anchor else None,
                "computes": r.computes,
                "params": {
                    k: {
                        **v.model_dump(mode="json"),
                        "summary": param_summary(k, v),
                        "basis_summary": basis_summary(v, book),
                    }
                    for k, v in r.params.items()
                },
                "interpretation": r.interpretation,
                "tags": list(r.tags),
                "versions": [
                    {
                        "version": v.version,
                        "effective_from": v.record.effective_from.isoformat(),
                        "effective_to": v.record.effective_to.isoformat() if v.record.effective_to else None,
                    }
                    for v in book.versions(rule.id)
                ],
                "file": rule.file,
            }
        )
    return data
