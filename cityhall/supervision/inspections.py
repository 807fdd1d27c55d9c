"""Supervision, inspection and evaluation activities (Art 60–61).

A planned activity files its plan with the office by the 5th working day before it starts
(``inspection.plan-filing``; a late one is flagged with the rule, the filing still stands) and its report
within 20 working days after it ends (``inspection.report``, a live deadline). Activities aimed at the
grassroots spend at least half their time on unannounced visits and random checks
(``inspection.unannounced-share``; less warns, 原则上). Unplanned field inspections need the office's
approval, and a department may not run a cross-department field inspection or send inspection notices to
the county governments (``inspection.unplanned``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cityhall.documents.services import general_office, is_office
from cityhall.org.models import Person, Position, Unit
from cityhall.org.selectors import positions_held
from cityhall.rulebase.selectors import rule_deadline, rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.models import Deadline, InboxItem
from cityhall.workflow.registry import DeadlineKind, register
from cityhall.workflow.services import deadline_close, deadline_schedule

from .models import Inspection, PlanEntry
from .plans import plan_for

REPORT_KIND = "supervision.inspection-report"


class InspectionError(RuleViolation):
    pass


def _rule(rule_id: str):  # type: ignore[no-untyped-def]
    return rulebook().rule(rule_id)


@dataclass(frozen=True)
class InspectionForm:
    host_unit: Unit
    title: str
    methods: list[str]
    starts_on: dt.date
    ends_on: dt.date
    planned: bool = True
    grassroots: bool = False
    total_days: int = 0
    unannounced_days: int = 0
    county_wide: bool = False
    cross_department: bool = False
    notice_to_counties: bool = False
    plan_entry: PlanEntry | None = None
    sector_basis: str = ""


@applies("inspection.unplanned", "inspection.unannounced-share")
def check_inspection(form: InspectionForm) -> list[str]:
    """Refuse what Art 61 forbids; return the warnings (the 50% share is 原则上)."""
    if not form.title.strip():
        raise InvalidInput("请填写督查检查考核事项", "title")
    if form.ends_on < form.starts_on:
        raise InvalidInput("完成日期不能早于开展日期", "ends_on")
    unknown = [m for m in form.methods if m not in dict(Inspection.METHODS)]
    if unknown or not form.methods:
        raise InvalidInput("请选择方式方法", "methods")
    unplanned = _rule("inspection.unplanned")
    is_department = form.host_unit.kind in (Unit.Kind.DEPARTMENT, Unit.Kind.AFFILIATED)
    if form.notice_to_counties and form.host_unit.kind != Unit.Kind.GENERAL_OFFICE:
        raise InspectionError("notice_to_counties", unplanned.citation, "不得向各县（区）政府下发督查通知")
    if form.cross_department and is_department:
        raise InspectionError("cross_department", unplanned.citation, "不得以部门名义组织开展跨部门实地督查活动")
    if form.unannounced_days > form.total_days:
        raise InvalidInput("“四不两直”和随机抽查时间不能多于实地时间", "unannounced_days")
    warnings = []
    if form.grassroots and form.total_days:
        share = _rule("inspection.unannounced-share")
        minimum = float(share.record.params["min_share"].value)
        actual = 100 * form.unannounced_days / form.total_days
        if actual < minimum:
            warnings.append(
                f"面向基层的督查检查考核，原则上{minimum:.0f}%以上时间用于“四不两直”检查和随机抽查；"
                f"本次为{actual:.0f}%（{form.unannounced_days}/{form.total_days}天）（{share.short_citation}）"
            )
    return warnings


def _open_item(inspection: Inspection, title: str, key: str, at: dt.datetime, *, unit: Unit, deadline=None) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.contenttypes.models import ContentType

    InboxItem.objects.create(
        title=f"{title}｜{inspection.title}"[:200],
        kind="supervision.inspection",
        key=key,
        url=f"/supervision/inspections/{inspection.pk}/",
        subject_type=ContentType.objects.get_for_model(Inspection),
        subject_id=str(inspection.pk),
        unit=unit,
        deadline=deadline,
        created_at=at,
    )


def _close_items(inspection: Inspection, keys: list[str], actor: Person, at: dt.datetime) -> None:
    InboxItem.objects.filter(
        kind="supervision.inspection", subject_id=str(inspection.pk), key__in=keys, state=InboxItem.State.OPEN
    ).update(state=InboxItem.State.DONE, done_at=at, done_by=actor)


def _start_report_clock(inspection: Inspection, actor: Person, at: dt.datetime) -> None:
    head = Position.objects.filter(unit=inspection.host_unit, kind=Position.Kind.PRINCIPAL_HEAD).first()
    inspection.report_deadline = deadline_schedule(
        actor=actor,
        subject=inspection,
        subject_label=f"督查检查考核情况报告：{inspection.title}",
        kind=REPORT_KIND,
        rule_id="inspection.report",
        anchor=inspection.ends_on,
        assignee_position=head,
    )
    inspection.save(update_fields=["report_deadline"])
    _open_item(
        inspection,
        "报送督查检查考核情况报告",
        "inspection:report",
        at,
        unit=inspection.host_unit,
        deadline=inspection.report_deadline,
    )


def _check_plan_entry(form: InspectionForm) -> None:
    """A planned activity is one on the year's plan (Art 59): the city's, or the county's own (Art 60)."""
    rule = _rule("inspection.annual-plan")
    entry = form.plan_entry
    if entry is not None:
        if entry.host_unit_id != form.host_unit.pk:
            raise InvalidInput(f"所选计划事项由{entry.host_unit.name}组织，不是{form.host_unit.name}", "plan_entry")
        if entry.plan.year != form.starts_on.year:
            raise InvalidInput(f"所选计划事项属于{entry.plan.year}年度计划，开展日期不在该年度", "plan_entry")
        return
    if not form.planned or form.sector_basis:
        return
    plan = plan_for(form.host_unit, form.starts_on.year)
    if plan is not None:
        raise InspectionError(
            "not_in_plan",
            rule.citation,
            f"{plan.title}中没有选定对应事项；不在计划中的，请勾选“计划外”报市政府办公室批准",
        )


@applies(
    "inspection.plan-filing",
    "inspection.report",
    "inspection.unplanned",
    "inspection.unannounced-share",
    "inspection.annual-plan",
    "inspection.sector-filing",
)
def inspection_file(*, actor: Person, form: InspectionForm, at: dt.datetime | None = None) -> Inspection:
    """File the plan with the office. Late filing is flagged (Art 60); an unplanned activity waits for the
    office's approval (Art 61); the report clock starts once the plan stands."""
    at = at or timezone.now()
    warnings = check_inspection(form)
    if not any(p.unit_id == form.host_unit.pk for p in positions_held(actor, at)):
        raise InspectionError(
            "not_host",
            _rule("inspection.plan-filing").citation,
            f"只能以本单位名义报送，您不在{form.host_unit.name}任职",
        )
    _check_plan_entry(form)
    sector = bool(form.sector_basis)
    if sector and form.sector_basis not in dict(Inspection.SectorBasis.choices):
        raise InvalidInput("请选择行业系统督查检查考核的依据", "sector_basis")
    due = rule_deadline("inspection.plan-filing", form.starts_on).due
    late = at.astimezone(LOCAL_TZ).date() > due
    if late:
        warnings.insert(
            0,
            f"开展方案应于开展前5个工作日内（最迟{due:%Y-%m-%d}）报送市政府办公室备案，本次于"
            f"{at.astimezone(LOCAL_TZ):%Y-%m-%d}报送，已逾期（{_rule('inspection.plan-filing').short_citation}）",
        )
    needs_approval = not form.planned and not sector
    state = (
        Inspection.State.AWAITING_REVIEW
        if sector
        else Inspection.State.AWAITING_APPROVAL
        if needs_approval
        else Inspection.State.FILED
    )
    with audit.atomic():
        inspection = Inspection.objects.create(
            host_unit=form.host_unit,
            title=form.title.strip(),
            methods=form.methods,
            starts_on=form.starts_on,
            ends_on=form.ends_on,
            planned=form.planned and not sector,
            grassroots=form.grassroots,
            total_days=form.total_days,
            unannounced_days=form.unannounced_days,
            county_wide=form.county_wide,
            plan_entry=form.plan_entry,
            sector_basis=form.sector_basis,
            state=state,
            filed_by=actor,
            filed_at=at,
            filing_due=due,
            filed_late=late,
            warnings=warnings,
        )
        if sector:
            _open_item(inspection, "行业系统督查检查考核备案审查", "inspection:review", at, unit=general_office())
        elif needs_approval:
            _open_item(inspection, "审批计划外督查检查考核", "inspection:approve", at, unit=general_office())
        else:
            _start_report_clock(inspection, actor, at)
        audit_record(
            actor=actor,
            action="inspection.file",
            subject=inspection,
            after={"title": inspection.title, "start": form.starts_on.isoformat(), "late": late, "warnings": warnings},
            rule_ids=["inspection.plan-filing"]
            + (["inspection.sector-filing"] if sector else [])
            + (["inspection.unplanned"] if needs_approval else [])
            + (["inspection.annual-plan"] if form.plan_entry else []),
            at=at,
        )
    return inspection


@applies("inspection.unplanned")
def inspection_approve(*, actor: Person, inspection: Inspection, at: dt.datetime | None = None) -> Inspection:
    at = at or timezone.now()
    if not is_office(actor, at):
        raise InspectionError("not_office", _rule("inspection.unplanned").citation, "计划外实地督查由市政府办公室批准")
    with audit.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if locked.state != Inspection.State.AWAITING_APPROVAL:
            raise InspectionError("not_waiting", _rule("inspection.unplanned").citation, "这项活动不在待批准状态")
        locked.state, locked.approved_by, locked.approved_at = Inspection.State.FILED, actor, at
        locked.save(update_fields=["state", "approved_by", "approved_at"])
        _close_items(locked, ["inspection:approve"], actor, at)
        _start_report_clock(locked, actor, at)
        audit_record(
            actor=actor,
            action="inspection.approve",
            subject=locked,
            after={"state": locked.state},
            rule_ids=["inspection.unplanned"],
            at=at,
        )
    return locked


@applies("inspection.sector-filing")
def inspection_review(
    *, actor: Person, inspection: Inspection, accept: bool, note: str = "", at: dt.datetime | None = None
) -> Inspection:
    """The office's 备案审查 of a sector inspection (Art 61 ¶2): accepted, the plan stands and its report
    clock starts; otherwise it goes back with the office's note."""
    at = at or timezone.now()
    rule = _rule("inspection.sector-filing")
    if not is_office(actor, at):
        raise InspectionError("not_office", rule.citation, "行业系统督查检查考核由市政府办公室备案审查")
    if not accept and not note.strip():
        raise InvalidInput("退回须写明审查意见", "note")
    with audit.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if locked.state != Inspection.State.AWAITING_REVIEW:
            raise InspectionError("not_waiting", rule.citation, f"这项活动{locked.get_state_display()}，不在待审查状态")
        locked.state = Inspection.State.FILED if accept else Inspection.State.RETURNED
        locked.approved_by, locked.approved_at, locked.review_note = actor, at, note.strip()[:300]
        locked.save(update_fields=["state", "approved_by", "approved_at", "review_note"])
        _close_items(locked, ["inspection:review"], actor, at)
        if accept:
            _start_report_clock(locked, actor, at)
        else:
            _open_item(locked, "行业系统督查检查考核备案审查未通过", "inspection:returned", at, unit=locked.host_unit)
        audit_record(
            actor=actor,
            action="inspection.review",
            subject=locked,
            after={"state": locked.state, "note": locked.review_note},
            rule_ids=["inspection.sector-filing"],
            at=at,
        )
    return locked


@applies("inspection.report")
def inspection_report(*, actor: Person, inspection: Inspection, text: str, at: dt.datetime | None = None) -> Inspection:
    at = at or timezone.now()
    if not text.strip():
        raise InvalidInput("请填写情况报告", "text")
    with audit.atomic():
        locked = (
            Inspection.objects.select_for_update(of=("self",)).select_related("report_deadline").get(pk=inspection.pk)
        )
        if not any(p.unit_id == locked.host_unit_id for p in positions_held(actor, at)):
            raise InspectionError(
                "not_host", _rule("inspection.report").citation, f"情况报告由{locked.host_unit.name}报送"
            )
        if locked.state != Inspection.State.FILED:
            raise InspectionError(
                "not_filed", _rule("inspection.report").citation, f"这项活动{locked.get_state_display()}"
            )
        deadline = locked.report_deadline
        locked.reported_late = deadline is not None and (
            deadline.state == Deadline.State.MISSED or deadline.is_overdue(at)
        )
        locked.state, locked.report, locked.reported_at = Inspection.State.REPORTED, text.strip(), at
        locked.save(update_fields=["state", "report", "reported_at", "reported_late"])
        if deadline is not None and deadline.state == Deadline.State.PENDING and not locked.reported_late:
            deadline_close(deadline=deadline, actor=actor, state=Deadline.State.MET, note="情况报告已备案")
        _close_items(locked, ["inspection:report"], actor, at)
        audit_record(
            actor=actor,
            action="inspection.report",
            subject=locked,
            after={"late": locked.reported_late},
            rule_ids=["inspection.report"],
            at=at,
        )
    return locked


register(DeadlineKind(key=REPORT_KIND, label="督查检查考核情况报告"))
