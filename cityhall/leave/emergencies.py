"""Major emergencies: direct reporting (重大突发事件直报, Art 56).

The county or department reports up level by level: the city department concerned (for a county) →
its supervising vice mayor → the executive vice mayor, or the mayor when the supervising vice mayor is
the executive one. When there is no time, the report goes straight to the secretary-general, the
supervising vice mayor or the mayor, and the levels skipped and the reason are recorded.

Every report and acknowledgement carries its time. A level that has not acknowledged within
``emergency.acknowledge`` (minutes, on the clock) is passed over: the worker sends the report on to the
next level and tells the secretary-general.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cityhall.org.models import Person, Position, Unit
from cityhall.org.selectors import (
    executive_vice_mayor_at,
    holders_at,
    positions_held,
)
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.models import Deadline
from cityhall.workflow.registry import DeadlineKind, register
from cityhall.workflow.services import deadline_close, deadline_schedule, inbox_close, inbox_open

from .models import EmergencyReport, EmergencyStep
from .seats import first_seat, principal_head, sits_at, supervising_vice_mayor

DEADLINE_KIND = "emergency.acknowledge"
LEVEL_UNIT = "市政府相关部门"
LEVEL_VICE_MAYOR = "分管副市长"
LEVEL_TOP = "负责日常工作的副市长或市长"
LEVEL_SG = "秘书长"


class EmergencyError(RuleViolation):
    pass


def _cite() -> str:
    return rulebook().rule("emergency.direct-report").citation


@dataclass(frozen=True)
class Level:
    label: str
    position: Position


@applies("emergency.direct-report")
def levels(reporting_unit: Unit, competent_unit: Unit, at: dt.datetime) -> list[Level]:
    """The levels a report goes up, in order (Art 56 「逐级请示报告」)."""
    chain: list[Level] = []
    if reporting_unit.pk != competent_unit.pk:
        head = principal_head(competent_unit)
        if head is not None:
            chain.append(Level(LEVEL_UNIT, head))
    vice = supervising_vice_mayor(competent_unit, at)
    if vice is not None:
        chain.append(Level(LEVEL_VICE_MAYOR, vice))
    executive = executive_vice_mayor_at(at)
    top = (
        executive
        if executive is not None and (vice is None or executive.pk != vice.pk)
        else first_seat(Position.Kind.MAYOR)
    )
    if top is not None:
        chain.append(Level(LEVEL_TOP, top))
    return chain


@applies("emergency.direct-report")
def direct_targets(reporting_unit: Unit, competent_unit: Unit, at: dt.datetime) -> list[Level]:
    """Whom a report may go straight to when there is no time: 秘书长、分管副市长或市长."""
    out = []
    chain = levels(reporting_unit, competent_unit, at)
    vice = next((lv for lv in chain if lv.label == LEVEL_VICE_MAYOR), None)
    for label, position in (
        (LEVEL_SG, first_seat(Position.Kind.SECRETARY_GENERAL)),
        (LEVEL_VICE_MAYOR, vice.position if vice else None),
        ("市长", first_seat(Position.Kind.MAYOR)),
    ):
        if position is not None:
            out.append(Level(label, position))
    return out


def _url(report: EmergencyReport) -> str:
    return f"/leave/emergencies/{report.pk}/"


def minutes_since(report: EmergencyReport, moment: dt.datetime | None) -> int | None:
    if moment is None:
        return None
    return int((moment - report.occurred_at).total_seconds() // 60)


def _send(
    report: EmergencyReport,
    level: int,
    label: str,
    recipient: Position,
    at: dt.datetime,
    *,
    by: Person | None,
    direct: bool = False,
    skipped: str = "",
    reason: str = "",
    automatic: bool = False,
) -> EmergencyStep | None:
    if report.steps.filter(recipient=recipient).exists():
        return None  # that level already has it
    step = EmergencyStep.objects.create(
        report=report,
        level=level,
        level_label=label,
        recipient=recipient,
        sent_at=at,
        sent_by=by,
        direct=direct,
        skipped=skipped[:200],
        reason=reason[:300],
        automatic=automatic,
    )
    deadline = deadline_schedule(
        actor=by,
        subject=step,
        subject_label=f"突发事件报告签收：{report.title}",
        kind=DEADLINE_KIND,
        rule_id="emergency.acknowledge",
        anchor=at,
        assignee_position=recipient,
    )
    step.deadline = deadline
    step.save(update_fields=["deadline"])
    prefix = "【紧急】" + ("超时转报：" if automatic else "越级直报：" if direct else "突发事件报告：")
    inbox_open(
        report,
        key=f"ack-{step.pk}",
        title=f"{prefix}{report.get_category_display()}｜{report.title}",
        url=_url(report),
        at=at,
        position=recipient,
        deadline=deadline,
    )
    return step


@dataclass(frozen=True)
class EmergencyForm:
    category: str
    title: str
    place: str
    occurred_at: dt.datetime
    reporting_unit: Unit
    competent_unit: Unit
    summary: str
    plan_activated: str
    on_scene: str
    on_scene_at: dt.datetime | None = None
    direct_to: Position | None = None
    reason: str = ""


def _validate(form: EmergencyForm, at: dt.datetime) -> None:
    if form.category not in EmergencyReport.Category.values:
        raise InvalidInput("请选择突发事件类别（安全生产、自然灾害、重大疫情、社会安全）。", "category")
    for field, label in (
        ("title", "事件名称"),
        ("place", "地点"),
        ("summary", "基本情况"),
        ("plan_activated", "启动的应急预案"),
        ("on_scene", "赶赴现场的负责人"),
    ):
        if not str(getattr(form, field)).strip():
            raise InvalidInput(f"请填写{label}。", field)
    if form.occurred_at > at + dt.timedelta(minutes=5):
        raise InvalidInput("事发时间不能晚于现在。", "occurred_at")
    if form.occurred_at < at - dt.timedelta(days=30):
        raise InvalidInput("事发时间早于30天前：请核对日期。", "occurred_at")
    if form.on_scene_at is not None and not (form.occurred_at <= form.on_scene_at <= at + dt.timedelta(minutes=5)):
        raise InvalidInput("到达现场时间应在事发之后、现在之前。", "on_scene_at")
    if form.competent_unit.kind != Unit.Kind.DEPARTMENT:
        raise InvalidInput("“市政府相关部门”请选择市政府工作部门。", "competent_unit")


@applies("emergency.direct-report", "emergency.acknowledge")
def emergency_report(*, actor: Person, form: EmergencyForm, at: dt.datetime | None = None) -> EmergencyReport:
    """首报: the county or department reports the event to the first level, or straight to one of the
    three direct targets with the reason."""
    at = at or timezone.now()
    if form.reporting_unit.pk not in {p.unit_id for p in positions_held(actor, at)}:
        raise InvalidInput(f"您不在{form.reporting_unit.name}任职，不能以该单位名义报告。", "reporting_unit")
    if form.reporting_unit.kind not in (Unit.Kind.COUNTY, Unit.Kind.DEPARTMENT):
        raise EmergencyError("emergency.not_reporter", _cite(), "突发事件由事发县（区）政府或市政府相关部门报告。")
    _validate(form, at)
    chain = levels(form.reporting_unit, form.competent_unit, at)
    if not chain:
        raise EmergencyError("emergency.no_chain", _cite(), "找不到可报送的层级：请联系市政府办公室。")
    with audit.atomic():
        report = EmergencyReport.objects.create(
            category=form.category,
            title=form.title.strip()[:120],
            place=form.place.strip()[:120],
            occurred_at=form.occurred_at,
            reporting_unit=form.reporting_unit,
            competent_unit=form.competent_unit,
            summary=form.summary.strip()[:4000],
            plan_activated=form.plan_activated.strip()[:160],
            on_scene=form.on_scene.strip()[:160],
            on_scene_at=form.on_scene_at,
            reported_by=actor,
            created_at=at,
        )
        if form.direct_to is not None:
            targets = direct_targets(form.reporting_unit, form.competent_unit, at)
            target = next((t for t in targets if t.position.pk == form.direct_to.pk), None)
            if target is None:
                raise EmergencyError(
                    "emergency.direct_target",
                    _cite(),
                    f"来不及逐级报告的，可直报秘书长、分管副市长（本事件为{next((t.position.title for t in targets if t.label == LEVEL_VICE_MAYOR), '—')}）或市长；"
                    f"{form.direct_to.title}不在其列。",
                )
            reason = form.reason.strip()
            if not reason:
                raise InvalidInput("越级直报的，请写明来不及逐级报告的理由。", "reason")
            index = next((i for i, lv in enumerate(chain) if lv.position.pk == target.position.pk), None)
            if index is None:  # the secretary-general stands beside the chain, at the vice mayor's height
                index = next((i for i, lv in enumerate(chain) if lv.label == LEVEL_VICE_MAYOR), len(chain) - 1)
            skipped = "、".join(f"{lv.label}（{lv.position.title}）" for lv in chain[:index])
            _send(
                report,
                index + 1,
                target.label,
                target.position,
                at,
                by=actor,
                direct=True,
                skipped=skipped or "无",
                reason=reason,
            )
        else:
            _send(report, 1, chain[0].label, chain[0].position, at, by=actor)
        audit_record(
            actor=actor,
            action="emergency.report",
            subject=report,
            after={
                "category": report.category,
                "occurred_at": report.occurred_at.isoformat(),
                "direct": form.direct_to is not None,
                "reason": form.reason.strip(),
            },
            rule_ids=["emergency.direct-report"],
            at=at,
        )
    return report


def _next_level(report: EmergencyReport, step: EmergencyStep, at: dt.datetime) -> tuple[int, Level] | None:
    chain = levels(report.reporting_unit, report.competent_unit, report.created_at)
    if step.level_label == LEVEL_SG:
        # The secretary-general passes it to the top of the chain.
        return (len(chain), chain[-1]) if chain else None
    for i, lv in enumerate(chain):
        if i + 1 > step.level and lv.position.pk != step.recipient_id:
            return i + 1, lv
    return None


@applies("emergency.direct-report", "acting.ab-partner")
def emergency_acknowledge(
    *, actor: Person, step: EmergencyStep, note: str = "", at: dt.datetime | None = None
) -> EmergencyStep:
    """签收: the level takes the report, and it goes on up to the next level."""
    at = at or timezone.now()
    with audit.atomic():
        locked = (
            EmergencyStep.objects.select_for_update(of=("self",)).select_related("report", "recipient").get(pk=step.pk)
        )
        may, behalf = sits_at(actor, locked.recipient, at)
        if not may:
            raise EmergencyError(
                "emergency.not_recipient", _cite(), f"这份报告报送{locked.recipient.title}，您不能签收。"
            )
        if locked.acknowledged_at is not None:
            return locked
        locked.acknowledged_at = at
        locked.acknowledged_by = actor
        locked.acknowledged_for = behalf
        locked.note = note.strip()[:300]
        locked.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledged_for", "note"])
        if locked.deadline is not None:
            deadline_close(deadline=locked.deadline, actor=actor, state=Deadline.State.MET, note="已签收")
        report = locked.report
        inbox_close(report, [f"ack-{locked.pk}"], actor=actor, at=at)
        nxt = _next_level(report, locked, at)
        if nxt is not None:
            _send(report, nxt[0], nxt[1].label, nxt[1].position, at, by=actor)
        audit_record(
            actor=actor,
            on_behalf_of=behalf,
            action="emergency.acknowledge",
            subject=report,
            after={"step": locked.pk, "level": locked.level_label, "minutes": minutes_since(report, at)},
            rule_ids=["emergency.direct-report"] + (["acting.ab-partner"] if behalf else []),
            at=at,
        )
    return locked


@applies("emergency.acknowledge")
def escalate_unacknowledged(deadline: Deadline, now: dt.datetime) -> str:
    """The worker's handler: a level that has not acknowledged in time is passed over."""
    step = EmergencyStep.objects.select_related("report", "recipient").filter(pk=deadline.subject_id).first()
    if step is None or step.acknowledged_at is not None:
        return "missed"
    report = step.report
    nxt = _next_level(report, step, now)
    waited = rulebook().rule("emergency.acknowledge").record.params["period"].value  # type: ignore[union-attr]
    if nxt is not None:
        _send(
            report,
            nxt[0],
            nxt[1].label,
            nxt[1].position,
            now,
            by=None,
            automatic=True,
            reason=f"{step.recipient.title}{waited}分钟未签收，自动报送上一层级",
        )
    sg = first_seat(Position.Kind.SECRETARY_GENERAL)
    if sg is not None and sg.pk != step.recipient_id:
        inbox_open(
            report,
            key=f"overdue-{step.pk}",
            title=f"【紧急】{step.recipient.title}{waited}分钟未签收：{report.title}",
            url=_url(report),
            at=now,
            position=sg,
            reading=True,
        )
    audit_record(
        actor=None,
        action="emergency.escalate",
        subject=report,
        after={"step": step.pk, "to": nxt[1].position.code if nxt else None, "minutes": minutes_since(report, now)},
        rule_ids=["emergency.acknowledge"],
        at=now,
    )
    return "fired"


register(DeadlineKind(key=DEADLINE_KIND, label="突发事件报告签收", on_due=escalate_unacknowledged, remind_before=None))


def seat_label(position: Position, at: dt.datetime) -> str:
    """副市长贺长松: several seats share a title, so the holder's name goes with it."""
    holder = holders_at(at, [position]).get(position.pk)
    return f"{position.title}{holder.name}" if holder else position.title


def timeline(report: EmergencyReport) -> list[dict[str, object]]:
    """The timeline's rows: each event with its time and the minutes since the event began."""
    rows: list[dict[str, object]] = [
        {"at": report.occurred_at, "what": f"事发：{report.place}", "who": report.reporting_unit.name, "minutes": 0},
    ]
    if report.on_scene_at:
        rows.append(
            {
                "at": report.on_scene_at,
                "what": "负责人到达现场",
                "who": report.on_scene,
                "minutes": minutes_since(report, report.on_scene_at),
            }
        )
    for s in report.steps.select_related("recipient", "sent_by", "acknowledged_by", "acknowledged_for"):
        how = "超时自动转报" if s.automatic else f"越级直报（越过：{s.skipped}）" if s.direct else "报送"
        rows.append(
            {
                "at": s.sent_at,
                "what": f"{how} → {s.level_label}：{seat_label(s.recipient, s.sent_at)}",
                "who": s.sent_by.name if s.sent_by else "系统",
                "minutes": minutes_since(report, s.sent_at),
                "reason": s.reason,
                "step": s,
            }
        )
        if s.acknowledged_at:
            by = s.acknowledged_by.name if s.acknowledged_by else ""
            if s.acknowledged_for:
                by += f"（代{s.acknowledged_for.name}）"
            rows.append(
                {
                    "at": s.acknowledged_at,
                    "what": f"签收：{seat_label(s.recipient, s.acknowledged_at)}",
                    "who": by,
                    "minutes": minutes_since(report, s.acknowledged_at),
                    "reason": s.note,
                }
            )
    rows.sort(key=lambda r: r["at"])  # type: ignore[arg-type, return-value]
    return rows


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(LOCAL_TZ)
