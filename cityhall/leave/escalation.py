"""A department's major problems, reported up level by level (逐级请示报告, Art 55 ¶1).

「市政府各工作部门工作中遇有重大问题,要及时逐级请示报告。」 The chain is the department's principal head
(when someone else reports), then its supervising vice mayor, then the executive vice mayor or the mayor
(the same upper levels as an emergency, Art 56, which alone may skip them). It is fixed when the report is
made. Only the level holding the report acts on it: it sends it on to the next level, or gives its
instruction (批示), which goes back to the reporter and closes the chain. No level can be skipped, and the
top level can only answer.

The rule says 及时 and gives no period, so no deadline is set; each level sees the report in its 待办.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cityhall.org.models import Person, Position, Unit
from cityhall.org.selectors import holders_at, positions_held
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.services import inbox_close, inbox_open

from . import emergencies as em
from .models import ProblemReport, ProblemStep
from .seats import principal_head, sits_at

RULE = "report.escalation"
LEVEL_HEAD = "本部门主要负责人"


class EscalationError(RuleViolation):
    pass


def _cite() -> str:
    return rulebook().rule(RULE).citation


def _url(report: ProblemReport) -> str:
    return f"/leave/problems/{report.pk}/"


@dataclass(frozen=True)
class ChainLevel:
    label: str
    position: Position


@applies("report.escalation")
def problem_levels(unit: Unit, reporter: Person, at: dt.datetime) -> list[ChainLevel]:
    """The levels a department's major problem goes up, in order."""
    chain: list[ChainLevel] = []
    head = principal_head(unit)
    if head is not None and head.pk not in {p.pk for p in positions_held(reporter, at)}:
        chain.append(ChainLevel(LEVEL_HEAD, head))
    chain += [ChainLevel(lv.label, lv.position) for lv in em.levels(unit, unit, at)]
    return chain


def chain_of(report: ProblemReport) -> list[ChainLevel]:
    seats = Position.objects.in_bulk([c["position"] for c in report.chain])
    return [ChainLevel(c["label"], seats[c["position"]]) for c in report.chain]


def current_step(report: ProblemReport) -> ProblemStep | None:
    """The step at the level that holds the report now, or None once it is answered."""
    if report.state != ProblemReport.State.OPEN:
        return None
    return report.steps.filter(acted_at__isnull=True).select_related("recipient").first()


def _send(report: ProblemReport, level: int, at: dt.datetime, by: Person) -> ProblemStep:
    target = chain_of(report)[level]
    step = ProblemStep.objects.create(
        report=report, level=level, level_label=target.label, recipient=target.position, sent_at=at, sent_by=by
    )
    inbox_open(
        report,
        key=f"level-{level}",
        title=f"重大问题请示报告：{report.unit.short_name or report.unit.name}｜{report.title}",
        url=_url(report),
        at=at,
        position=target.position,
    )
    return step


@applies("report.escalation")
def problem_report(
    *, actor: Person, unit: Unit, title: str, body: str, proposal: str = "", at: dt.datetime | None = None
) -> ProblemReport:
    """The department reports a major problem; it goes to the first level of its chain."""
    at = at or timezone.now()
    title, body = title.strip(), body.strip()
    if unit.pk not in {p.unit_id for p in positions_held(actor, at)}:
        raise InvalidInput(f"您不在{unit.name}任职，不能以该单位名义报告。", "unit")
    if unit.kind != Unit.Kind.DEPARTMENT:
        raise EscalationError(
            "escalation.not_department",
            _cite(),
            "逐级请示报告由市政府各工作部门提出；县（区）政府向市政府请示，请按公文报送。",
        )
    if not title:
        raise InvalidInput("请写明事项。", "title")
    if not body:
        raise InvalidInput("请写明情况和请示事项。", "body")
    chain = problem_levels(unit, actor, at)
    if not chain:
        raise EscalationError("escalation.no_chain", _cite(), "找不到可报送的层级：请联系市政府办公室。")
    with audit.atomic():
        report = ProblemReport.objects.create(
            unit=unit,
            title=title[:120],
            body=body[:20000],
            proposal=proposal.strip()[:4000],
            reported_by=actor,
            reported_at=at,
            chain=[{"label": lv.label, "position": lv.position.pk} for lv in chain],
        )
        _send(report, 0, at, actor)
        audit_record(
            actor=actor,
            action="problem.report",
            subject=report,
            after={"chain": [f"{lv.label}：{lv.position.title}" for lv in chain]},
            rule_ids=[RULE],
            at=at,
        )
    return report


@applies("report.escalation")
def problem_act(
    *, actor: Person, report: ProblemReport, action: str, note: str = "", at: dt.datetime | None = None
) -> ProblemReport:
    """The level holding the report sends it on to the next level, or answers it (批示)."""
    at = at or timezone.now()
    note = note.strip()
    if action not in ProblemStep.Action.values:
        raise InvalidInput("请选择转报上一级或批示。", "action")
    with audit.atomic():
        locked = ProblemReport.objects.select_for_update().get(pk=report.pk)
        step = current_step(locked)
        if step is None:
            raise EscalationError("escalation.done", _cite(), "这份报告已经批示，不能再办理。")
        may, behalf = sits_at(actor, step.recipient, at)
        if not may:
            raise EscalationError(
                "escalation.not_holder",
                _cite(),
                f"这份报告现在在{step.level_label}（{step.recipient.title}）处：重大问题须逐级请示报告，"
                "由该层级转报或批示。",
            )
        last = step.level == len(locked.chain) - 1
        if action == ProblemStep.Action.FORWARD and last:
            raise EscalationError("escalation.top", _cite(), f"{step.level_label}是报告链的最后一级，请批示。")
        if action == ProblemStep.Action.INSTRUCT and not note:
            raise InvalidInput("请写明批示意见。", "note")
        step.action, step.acted_at, step.acted_by, step.acted_for, step.note = action, at, actor, behalf, note[:1000]
        step.save()
        inbox_close(locked, [f"level-{step.level}"], actor=actor, at=at)
        if action == ProblemStep.Action.FORWARD:
            _send(locked, step.level + 1, at, actor)
        else:
            locked.state, locked.answer, locked.answered_at = ProblemReport.State.ANSWERED, note[:4000], at
            locked.save(update_fields=["state", "answer", "answered_at"])
            inbox_open(
                locked,
                key="answer",
                title=f"{step.recipient.title}批示：{locked.title}",
                url=_url(locked),
                at=at,
                person=locked.reported_by,
                reading=True,
            )
        audit_record(
            actor=actor,
            on_behalf_of=behalf,
            action=f"problem.{action}",
            subject=locked,
            after={"level": step.level_label, "note": note},
            rule_ids=[RULE] + (["acting.ab-partner"] if behalf else []),
            at=at,
        )
    return locked


def chain_rows(report: ProblemReport, at: dt.datetime) -> list[dict[str, object]]:
    """Each level of the chain with when it received and acted, and the ones not yet reached."""
    steps = {s.level: s for s in report.steps.select_related("recipient", "acted_by", "acted_for", "sent_by")}
    chain = chain_of(report)
    holders = holders_at(at, [lv.position for lv in chain])
    rows: list[dict[str, object]] = []
    for n, lv in enumerate(chain):
        holder = holders.get(lv.position.pk)
        rows.append(
            {
                "level": n,
                "label": lv.label,
                "seat": f"{lv.position.title}（{holder.name}）" if holder else lv.position.title,
                "step": steps.get(n),
            }
        )
    return rows
