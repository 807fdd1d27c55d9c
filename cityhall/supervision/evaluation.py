"""The year's performance evaluation (Art 63), scored from the ledger where it can be.

Counties and departments are ranked in their own category. The ledger gives each unit's on-time closing
rate over the items due in the year and the items still overdue; the office enters the score for the other
indicators, each with its basis. The weights are the rule record's parameters (``evaluation.performance``),
so another city can change them. The best of each category are commended in a notice (通报) in the General
Office's name, as a GB/T 9704 document.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from cityhall.documents.models import Document
from cityhall.documents.services import format_number, general_office, number_allocate
from cityhall.org.models import Person, Unit
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.rules.schema import Quantity
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record

from .models import EvaluationRun, Item, Score
from .services import is_office

RULE = "evaluation.performance"
NOTICE_CODE = "抚政办发"
_CATEGORY: dict[str, str] = {
    Unit.Kind.COUNTY.value: Score.Category.COUNTY.value,
    Unit.Kind.DEPARTMENT.value: Score.Category.DEPARTMENT.value,
}


class EvaluationError(RuleViolation):
    pass


def _param(name: str) -> float:
    value = rulebook().rule(RULE).record.params[name]
    assert isinstance(value, Quantity)  # noqa: S101 - the rulebook's schema
    return float(value.value)


def _total(rate: float, other: float, overdue: int) -> float:
    score = rate * _param("weight_on_time") / 100 + other * _param("weight_other") / 100
    return round(max(score - overdue * _param("overdue_deduction"), 0.0), 2)


def _rank(run: EvaluationRun) -> None:
    for category in Score.Category.values:
        scores = list(run.scores.filter(category=category).order_by("-total", "-on_time_rate", "unit__name"))
        for n, s in enumerate(scores, start=1):
            s.rank = n
        Score.objects.bulk_update(scores, ["rank"])


def _office(actor: Person, at: dt.datetime) -> None:
    if not is_office(actor, at):
        raise EvaluationError("not_office", rulebook().rule(RULE).citation, "绩效考评由市政府办公室组织")


@applies("evaluation.performance")
def evaluation_compute(*, actor: Person, year: int, at: dt.datetime | None = None) -> EvaluationRun:
    """Score every county and department that had ledger items due in ``year``; scores the office already
    entered for the other indicators are kept."""
    at = at or timezone.now()
    _office(actor, at)
    today = at.date()
    rows = (
        Item.objects.filter(due_date__year=year, lead_unit__kind__in=list(_CATEGORY))
        .order_by()
        .values("lead_unit", "lead_unit__kind")
        .annotate(
            n=Count("id"),
            on_time=Count("id", filter=Q(state=Item.State.CLOSED, closed_late=False)),
            overdue=Count("id", filter=~Q(state=Item.State.CLOSED) & Q(due_date__lt=today)),
        )
    )
    with audit.atomic():
        run, _ = EvaluationRun.objects.select_for_update().get_or_create(
            year=year, defaults={"computed_by": actor, "computed_at": at}
        )
        if run.issued_at is not None:
            raise EvaluationError("issued", rulebook().rule(RULE).citation, f"{year}年度考评结果已通报，不再重新计算")
        run.computed_by, run.computed_at = actor, at
        run.save(update_fields=["computed_by", "computed_at"])
        kept = {s.unit_id: (s.other_score, s.other_basis) for s in run.scores.all()}
        run.scores.all().delete()
        scores = []
        for r in rows:
            rate = round(100 * r["on_time"] / r["n"], 1)
            other, basis = kept.get(r["lead_unit"], (0.0, ""))
            scores.append(
                Score(
                    run=run,
                    unit_id=r["lead_unit"],
                    category=_CATEGORY[r["lead_unit__kind"]],
                    items=r["n"],
                    closed_on_time=r["on_time"],
                    overdue_open=r["overdue"],
                    on_time_rate=rate,
                    other_score=other,
                    other_basis=basis,
                    total=_total(rate, other, r["overdue"]),
                    rank=0,
                )
            )
        Score.objects.bulk_create(scores)
        _rank(run)
        audit_record(
            actor=actor,
            action="evaluation.compute",
            subject=run,
            after={"year": year, "units": len(scores)},
            rule_ids=[RULE],
            at=at,
        )
    return run


@applies("evaluation.performance")
def score_other(*, actor: Person, score: Score, value: float, basis: str, at: dt.datetime | None = None) -> Score:
    at = at or timezone.now()
    _office(actor, at)
    if not 0 <= value <= 100:
        raise InvalidInput("其他指标得分应在0到100之间", "value")
    if not basis.strip():
        raise InvalidInput("请写明其他指标得分的依据", "basis")
    with audit.atomic():
        locked = Score.objects.select_for_update().select_related("run").get(pk=score.pk)
        if locked.run.issued_at is not None:
            raise EvaluationError("issued", rulebook().rule(RULE).citation, "考评结果已通报，不能修改")
        locked.other_score, locked.other_basis = value, basis.strip()[:300]
        locked.total = _total(locked.on_time_rate, value, locked.overdue_open)
        locked.save(update_fields=["other_score", "other_basis", "total"])
        _rank(locked.run)
        audit_record(
            actor=actor,
            action="evaluation.score",
            subject=locked.run,
            after={"unit": locked.unit.name, "other": value, "basis": locked.other_basis},
            rule_ids=[RULE],
            at=at,
        )
    return locked


def commended(run: EvaluationRun) -> dict[str, list[Score]]:
    top = int(_param("commended"))
    return {
        label: list(run.scores.filter(category=code, rank__lte=top).select_related("unit").order_by("rank"))
        for code, label in Score.Category.choices
    }


@applies("evaluation.performance")
def notice_issue(*, actor: Person, run: EvaluationRun, at: dt.datetime | None = None) -> EvaluationRun:
    """Issue the commendation notice in the General Office's name (以市政府办公室名义通报); the results are final."""
    at = at or timezone.now()
    _office(actor, at)
    with audit.atomic():
        locked = EvaluationRun.objects.select_for_update().get(pk=run.pk)
        if locked.issued_at is not None:
            raise EvaluationError("issued", rulebook().rule(RULE).citation, "通报已经印发")
        if not locked.scores.exists():
            raise EvaluationError("empty", rulebook().rule(RULE).citation, "没有考评结果，不能通报")
        seq = number_allocate(code=NOTICE_CODE, year=at.year)
        locked.notice_number, locked.issued_at = format_number(NOTICE_CODE, at.year, seq), at
        locked.save(update_fields=["notice_number", "issued_at"])
        audit_record(
            actor=actor,
            action="evaluation.notice",
            subject=locked,
            after={
                "number": locked.notice_number,
                "commended": {k: [s.unit.name for s in v] for k, v in commended(locked).items()},
            },
            rule_ids=[RULE],
            at=at,
        )
    return locked


def notice_document(run: EvaluationRun) -> Document:
    office = general_office()
    rule = rulebook().rule(RULE)
    lines = [
        f"根据{rule.short_citation}，市政府办公室对{run.year}年度各县（区）和市政府各部门落实市政府重大决策、重要工作部署和重点工作任务情况进行了分类考评。"
        "经考评，以下地方和部门落实重点工作成效明显，现予以通报表扬。",
    ]
    numerals = "一二三"
    for n, (label, scores) in enumerate(commended(run).items()):
        names = "、".join(s.unit.name for s in scores) or "无"
        lines.append(f"{numerals[n]}、{label}：{names}。")
    lines.append("希望受到通报表扬的地方和部门再接再厉；各地、各部门要以先进为榜样，抓好各项工作落实。")
    issued = run.issued_at.date() if run.issued_at else None
    return Document(
        direction=Document.Direction.OUTGOING,
        kind="通报",
        issuer_unit=office,
        issuer_mark=f"{office.name}文件",
        document_number=run.notice_number,
        title=f"关于通报表扬{run.year}年度落实重点工作成效明显的县（区）和部门的通报",
        addressees="各县（区）人民政府，市政府各部门",
        body="\n".join(lines),
        issuer_signature=office.name,
        dated=issued,
        printed_by=office.name,
        printed_on=issued,
        disclosure=Document.Disclosure.PROACTIVE,
    )
