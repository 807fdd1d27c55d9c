"""Meetings and activities planned ahead (Art 45–46).

In the city government's name: the host unit asks its supervising leader to approve (核准), and the entry
reaches the office, which must have it by the 20th of the month before (``meeting-plan.submission``;
later ones are flagged with the rule, not refused). The office compiles the month's plan and the mayor
approves it (``meeting-plan.approval``). Inviting Party committee, People's Congress or CPPCC leaders needs
the secretaries-general joint meeting's coordination first (``meeting.invite-leaders``).

In the department's own name, a city-wide meeting needs its supervising leader's consent and then a
formal 请示 through the documents module, and it invites no county heads (``meeting.department-citywide``).
Every city-wide meeting lasts at most 2 hours, by video where possible (``meeting.citywide-duration``). A
national or provincial meeting arranged to be held in Fushun needs the city government's consent before
anyone replies to the organiser (``meeting.national-in-fushun``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cityhall.documents.models import Document
from cityhall.documents.services import general_office, is_office
from cityhall.org.models import Person, Position, Unit
from cityhall.org.selectors import positions_held, supervising_positions
from cityhall.rulebase.selectors import rule_deadline, rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.models import InboxItem
from cityhall.workflow.services import inbox_close, inbox_open

from .models import MonthlyPlan, PlanEntry

INBOX_KIND = "meetings.plan"
CATEGORY_RULE: dict[str, str] = {
    PlanEntry.Category.GOVERNMENT.value: "meeting-plan.approval",
    PlanEntry.Category.DEPARTMENT.value: "meeting.department-citywide",
    PlanEntry.Category.NATIONAL.value: "meeting.national-in-fushun",
}


class PlanError(RuleViolation):
    pass


def _cite(rule_id: str) -> str:
    return rulebook().rule(rule_id).citation


def _short(rule_id: str) -> str:
    return rulebook().rule(rule_id).short_citation


def month_of(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LOCAL_TZ).date().replace(day=1)


def _open(
    entry: PlanEntry,
    title: str,
    key: str,
    at: dt.datetime,
    *,
    position: Position | None = None,
    unit: Unit | None = None,
    person: Person | None = None,
) -> None:
    inbox_open(
        entry,
        kind=INBOX_KIND,
        key=key,
        title=f"{title}｜{entry.title}",
        url=f"/meetings/plan/entries/{entry.pk}/",
        at=at,
        position=position,
        person=person,
        unit=unit,
    )


@dataclass(frozen=True)
class EntryForm:
    category: str
    host_unit: Unit
    title: str
    starts_at: dt.datetime
    duration_minutes: int
    venue: str = ""
    video: bool = False
    citywide: bool = False
    invites_county_heads: bool = False
    invites_leaders: bool = False
    organiser: str = ""


@dataclass(frozen=True)
class Warning:
    message: str
    rule_id: str


@applies("meeting.citywide-duration", "meeting.department-citywide")
def check_entry(form: EntryForm) -> list[Warning]:
    """Refuse what the Rules forbid; return what they only advise against (应尽可能, 原则上)."""
    if form.category not in CATEGORY_RULE:
        raise InvalidInput("请选择类别", "category")
    if not form.title.strip():
        raise InvalidInput("请填写会议（活动）名称", "title")
    if form.duration_minutes <= 0:
        raise InvalidInput("请填写时长（分钟）", "duration_minutes")
    if form.category == PlanEntry.Category.NATIONAL and not form.organiser.strip():
        raise InvalidInput("请填写主办方（如国家部委、省直部门）", "organiser")
    citywide = form.citywide or form.category == PlanEntry.Category.DEPARTMENT
    warnings = []
    if citywide:
        limit = rule_deadline("meeting.citywide-duration", form.starts_at)
        ends = form.starts_at + dt.timedelta(minutes=form.duration_minutes)
        if ends > limit.due_at:
            raise PlanError(
                "too_long",
                _cite("meeting.citywide-duration"),
                f"全市性会议时长不超过2小时：本次安排{form.duration_minutes}分钟，最迟应于"
                f"{limit.due_at.astimezone(LOCAL_TZ):%H:%M}结束",
            )
        if not form.video:
            warnings.append(
                Warning(
                    f"全市性会议应尽可能采取视频会议形式召开（{_short('meeting.citywide-duration')}）",
                    "meeting.citywide-duration",
                )
            )
    if form.category == PlanEntry.Category.DEPARTMENT and form.invites_county_heads:
        raise PlanError(
            "county_heads",
            _cite("meeting.department-citywide"),
            "应由各部门召开的全市性会议，不以市政府名义召开，不邀请县（区）政府负责人出席",
        )
    return warnings


def _leader_of(unit: Unit, at: dt.datetime) -> Position:
    leaders = supervising_positions(unit, at)
    if leaders:
        return leaders[0]
    mayor = Position.objects.filter(kind=Position.Kind.MAYOR).first()
    if mayor is None:
        raise PlanError("no_leader", _cite("meeting-plan.approval"), f"{unit.name}没有分管的市政府领导同志")
    return mayor


def submission_due(starts_at: dt.datetime) -> dt.date:
    return rule_deadline("meeting-plan.submission", starts_at.astimezone(LOCAL_TZ).date()).due


@applies(
    "meeting-plan.approval", "meeting-plan.submission", "meeting.department-citywide", "meeting.national-in-fushun"
)
def entry_apply(*, actor: Person, form: EntryForm, at: dt.datetime | None = None) -> tuple[PlanEntry, list[Warning]]:
    """The host unit applies; the entry goes to its supervising leader for 核准 (or consent)."""
    at = at or timezone.now()
    warnings = check_entry(form)
    if not any(p.unit_id == form.host_unit.pk for p in positions_held(actor, at)):
        raise PlanError(
            "not_host", _cite(CATEGORY_RULE[form.category]), f"只能以本单位名义申报，您不在{form.host_unit.name}任职"
        )
    due = submission_due(form.starts_at) if form.category == PlanEntry.Category.GOVERNMENT else None
    if due is not None and at.astimezone(LOCAL_TZ).date() > due:
        warnings.append(
            Warning(
                f"该会议（活动）应于{due:%Y-%m-%d}前送市政府办公室（{_short('meeting-plan.submission')}），现已逾期，"
                "核准后将标注为逾期报送",
                "meeting-plan.submission",
            )
        )
    leader = _leader_of(form.host_unit, at)
    with audit.atomic():
        entry = PlanEntry.objects.create(
            category=form.category,
            host_unit=form.host_unit,
            title=form.title.strip(),
            starts_at=form.starts_at,
            duration_minutes=form.duration_minutes,
            venue=form.venue.strip(),
            video=form.video,
            citywide=form.citywide or form.category == PlanEntry.Category.DEPARTMENT,
            invites_county_heads=form.invites_county_heads,
            invites_leaders=form.invites_leaders,
            organiser=form.organiser.strip(),
            applicant=actor,
            applied_at=at,
            leader=leader,
            submission_due=due,
        )
        _open(entry, "核准会议（活动）" if due else "同意会议", "plan:leader", at, position=leader)
        audit_record(
            actor=actor,
            action="plan.apply",
            subject=entry,
            after={
                "category": entry.category,
                "title": entry.title,
                "start": entry.starts_at.isoformat(),
                "leader": leader.title,
                "warnings": [w.message for w in warnings],
            },
            rule_ids=[CATEGORY_RULE[form.category]],
            at=at,
        )
    return entry, warnings


def seat(actor: Person, position: Position, at: dt.datetime) -> tuple[bool, Person | None]:
    from .services import Assignee, _may_act

    return _may_act(actor, Assignee("chair", position, None), at)


def may_decide_entry(actor: Person, entry: PlanEntry, at: dt.datetime) -> tuple[bool, Person | None]:
    return seat(actor, entry.leader, at) if entry.state == PlanEntry.State.WITH_LEADER else (False, None)


@applies(
    "meeting-plan.approval", "meeting-plan.submission", "meeting.department-citywide", "meeting.national-in-fushun"
)
def entry_decide(
    *, actor: Person, entry: PlanEntry, approve: bool, note: str = "", at: dt.datetime | None = None
) -> PlanEntry:
    """The supervising leader approves (核准/同意) or returns the entry. An approved government entry
    reaches the office now, and is flagged if that is after the 20th of the month before."""
    at = at or timezone.now()
    rule = CATEGORY_RULE[entry.category]
    with audit.atomic():
        locked = PlanEntry.objects.select_for_update(of=("self",)).select_related("leader").get(pk=entry.pk)
        if locked.state != PlanEntry.State.WITH_LEADER:
            raise PlanError("not_with_leader", _cite(rule), "这项申报已经办理过，请刷新页面")
        may, on_behalf_of = seat(actor, locked.leader, at)
        if not may:
            raise PlanError("not_leader", _cite(rule), f"这项申报由分管的{locked.leader.title}核准")
        if not approve and not note.strip():
            raise InvalidInput("退回须写明理由", "note")
        locked.leader_by, locked.leader_on_behalf_of, locked.leader_at = actor, on_behalf_of, at
        locked.leader_note = note.strip()[:200]
        if not approve:
            locked.state = PlanEntry.State.RETURNED
            _open(locked, "会议（活动）申报被退回", "plan:returned", at, person=locked.applicant)
        elif locked.category == PlanEntry.Category.GOVERNMENT:
            locked.state, locked.submitted_at = PlanEntry.State.SUBMITTED, at
            locked.late = locked.submission_due is not None and at.astimezone(LOCAL_TZ).date() > locked.submission_due
            _open(
                locked,
                "会议（活动）计划申报" + ("（逾期报送）" if locked.late else ""),
                "plan:office",
                at,
                unit=general_office(),
            )
            if locked.invites_leaders:
                secretary = Position.objects.filter(kind=Position.Kind.SECRETARY_GENERAL).first()
                _open(locked, "报市秘书长联席会议协调确定", "plan:coordinate", at, position=secretary)
        elif locked.category == PlanEntry.Category.DEPARTMENT:
            locked.state = PlanEntry.State.AWAITING_REQUEST
            _open(locked, "正式向市政府报送请示", "plan:request", at, person=locked.applicant)
        else:
            locked.state = PlanEntry.State.CONSENTED
            _open(locked, "市政府已同意，可答复主办方", "plan:reply", at, person=locked.applicant)
        locked.save()
        inbox_close(locked, ["plan:leader"], actor=actor, at=at, on_behalf_of=on_behalf_of)
        audit_record(
            actor=actor,
            on_behalf_of=on_behalf_of,
            action="plan.approve" if approve else "plan.return",
            subject=locked,
            after={"state": locked.state, "late": locked.late, "note": locked.leader_note},
            rule_ids=[rule] + (["meeting-plan.submission"] if locked.late else []),
            at=at,
        )
    return locked


@applies("meeting.invite-leaders")
def entry_coordinate(*, actor: Person, entry: PlanEntry, note: str, at: dt.datetime | None = None) -> PlanEntry:
    """The secretary-general records what the secretaries-general joint meeting settled."""
    at = at or timezone.now()
    if not any(p.kind == Position.Kind.SECRETARY_GENERAL for p in positions_held(actor, at)):
        raise PlanError("not_secretary_general", _cite("meeting.invite-leaders"), "由秘书长报市秘书长联席会议协调确定")
    if not note.strip():
        raise InvalidInput("请填写联席会议协调确定的结果", "note")
    with audit.atomic():
        locked = PlanEntry.objects.select_for_update(of=("self",)).get(pk=entry.pk)
        if not locked.invites_leaders:
            raise PlanError(
                "no_invitation", _cite("meeting.invite-leaders"), "这项会议（活动）没有邀请市委、市人大、市政协领导同志"
            )
        if locked.coordinated_at is not None:
            raise PlanError("done", _cite("meeting.invite-leaders"), "已经记录过协调结果")
        locked.coordinated_by, locked.coordinated_at, locked.coordination_note = actor, at, note.strip()[:200]
        locked.save(update_fields=["coordinated_by", "coordinated_at", "coordination_note"])
        inbox_close(locked, ["plan:coordinate"], actor=actor, at=at)
        audit_record(
            actor=actor,
            action="plan.coordinate",
            subject=locked,
            after={"note": locked.coordination_note},
            rule_ids=["meeting.invite-leaders"],
            at=at,
        )
    return locked


@applies("meeting.department-citywide")
def entry_link_request(
    *, actor: Person, entry: PlanEntry, document: Document, at: dt.datetime | None = None
) -> PlanEntry:
    """After the leader's consent, the department's formal 请示 to the city government (documents module)."""
    at = at or timezone.now()
    with audit.atomic():
        locked = PlanEntry.objects.select_for_update(of=("self",)).get(pk=entry.pk)
        if locked.state != PlanEntry.State.AWAITING_REQUEST:
            raise PlanError(
                "not_consented", _cite("meeting.department-citywide"), "须先报经市政府分管领导同志同意，再正式报送请示"
            )
        if not any(p.unit_id == locked.host_unit_id for p in positions_held(actor, at)):
            raise PlanError("not_host", _cite("meeting.department-citywide"), f"请示由{locked.host_unit.name}报送")
        if document.kind != "请示" or document.issuer_unit_id != locked.host_unit_id or document.submitted_at is None:
            raise InvalidInput(f"请选择{locked.host_unit.name}已报送市政府的请示", "document")
        locked.request_document, locked.state = document, PlanEntry.State.REQUESTED
        locked.save(update_fields=["request_document", "state"])
        inbox_close(locked, ["plan:request"], actor=actor, at=at)
        audit_record(
            actor=actor,
            action="plan.request",
            subject=locked,
            after={"document": document.title},
            rule_ids=["meeting.department-citywide"],
            at=at,
        )
    return locked


@applies("meeting.national-in-fushun")
def entry_reply(*, actor: Person, entry: PlanEntry, at: dt.datetime | None = None) -> PlanEntry:
    """The department replies to the organiser: only once the city government has consented."""
    at = at or timezone.now()
    with audit.atomic():
        locked = PlanEntry.objects.select_for_update(of=("self",)).get(pk=entry.pk)
        if locked.category != PlanEntry.Category.NATIONAL:
            raise InvalidInput("只有在抚召开的全国性、全省性会议需要答复主办方", "category")
        if locked.state != PlanEntry.State.CONSENTED:
            raise PlanError(
                "not_consented", _cite("meeting.national-in-fushun"), "须提前报告市政府，经同意后方可答复和安排"
            )
        if not any(p.unit_id == locked.host_unit_id for p in positions_held(actor, at)):
            raise PlanError("not_host", _cite("meeting.national-in-fushun"), f"由{locked.host_unit.name}答复主办方")
        locked.state, locked.replied_at = PlanEntry.State.REPLIED, at
        locked.save(update_fields=["state", "replied_at"])
        inbox_close(locked, ["plan:reply"], actor=actor, at=at)
        audit_record(
            actor=actor,
            action="plan.reply",
            subject=locked,
            after={"organiser": locked.organiser},
            rule_ids=["meeting.national-in-fushun"],
            at=at,
        )
    return locked


# -- the month's plan ----------------------------------------------------------------------------


def entries_for(month: dt.date):  # type: ignore[no-untyped-def]
    end = (month + dt.timedelta(days=32)).replace(day=1)
    start_at = dt.datetime.combine(month, dt.time(0), tzinfo=LOCAL_TZ)
    end_at = dt.datetime.combine(end, dt.time(0), tzinfo=LOCAL_TZ)
    return PlanEntry.objects.filter(
        category=PlanEntry.Category.GOVERNMENT, starts_at__gte=start_at, starts_at__lt=end_at
    ).select_related("host_unit", "leader")


@applies("meeting-plan.approval", "meeting-plan.submission")
def plan_compile(*, actor: Person, month: dt.date, at: dt.datetime | None = None) -> MonthlyPlan:
    """The office compiles the month's plan from every entry that reached it; it goes to the mayor."""
    at = at or timezone.now()
    if not is_office(actor, at):
        raise PlanError("not_office", _cite("meeting-plan.approval"), "会议（活动）月份计划由市政府办公室汇总制定")
    month = month.replace(day=1)
    with audit.atomic():
        plan = MonthlyPlan.objects.select_for_update().filter(month=month).first()
        if plan is not None and plan.state == MonthlyPlan.State.APPROVED:
            raise PlanError("approved", _cite("meeting-plan.approval"), f"{month:%Y年%m月}计划已经市长审定")
        entries = list(entries_for(month).filter(state=PlanEntry.State.SUBMITTED).select_for_update(of=("self",)))
        if not entries:
            raise PlanError("empty", _cite("meeting-plan.approval"), f"{month:%Y年%m月}没有已送达的会议（活动）")
        if plan is None:
            plan = MonthlyPlan.objects.create(month=month, compiled_by=actor, compiled_at=at)
        else:
            plan.compiled_by, plan.compiled_at = actor, at
            plan.save(update_fields=["compiled_by", "compiled_at"])
        PlanEntry.objects.filter(pk__in=[e.pk for e in entries]).update(plan=plan)
        for e in entries:
            inbox_close(e, ["plan:office"], actor=actor, at=at)
        mayor = Position.objects.filter(kind=Position.Kind.MAYOR).first()
        InboxItem.objects.filter(kind=INBOX_KIND, key=f"plan:mayor:{plan.pk}", state=InboxItem.State.OPEN).delete()
        inbox_open(
            plan,
            kind=INBOX_KIND,
            key=f"plan:mayor:{plan.pk}",
            title=f"审定{month:%Y年%m月}会议（活动）计划（{len(entries)}项）",
            url=f"/meetings/plan/{month:%Y-%m}/",
            at=at,
            position=mayor,
        )
        audit_record(
            actor=actor,
            action="plan.compile",
            subject=plan,
            after={"entries": [e.title for e in entries], "late": [e.title for e in entries if e.late]},
            rule_ids=["meeting-plan.approval"],
            at=at,
        )
    return plan


def plan_refusals(plan: MonthlyPlan) -> list[str]:
    """Why the mayor may not approve yet: invitations the joint meeting has not settled (Art 45 ¶2)."""
    waiting = plan.entries.filter(invites_leaders=True, coordinated_at__isnull=True)
    return [f"“{e.title}”邀请市委、市人大、市政协领导同志出席，尚未经市秘书长联席会议协调确定" for e in waiting]


@applies("meeting-plan.approval", "meeting.invite-leaders")
def plan_approve(*, actor: Person, plan: MonthlyPlan, at: dt.datetime | None = None) -> MonthlyPlan:
    at = at or timezone.now()
    mayor = Position.objects.filter(kind=Position.Kind.MAYOR).first()
    if mayor is None:
        raise PlanError("no_mayor", _cite("meeting-plan.approval"), "没有人担任市长职务")
    may, on_behalf_of = seat(actor, mayor, at)
    if not may:
        raise PlanError("not_mayor", _cite("meeting-plan.approval"), "会议（活动）月份计划报市长审定")
    with audit.atomic():
        locked = MonthlyPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.state == MonthlyPlan.State.APPROVED:
            raise PlanError("approved", _cite("meeting-plan.approval"), "计划已经审定")
        refusals = plan_refusals(locked)
        if refusals:
            raise PlanError("not_coordinated", _cite("meeting.invite-leaders"), "；".join(refusals))
        locked.state, locked.approved_by, locked.approved_on_behalf_of, locked.approved_at = (
            MonthlyPlan.State.APPROVED,
            actor,
            on_behalf_of,
            at,
        )
        locked.save()
        locked.entries.update(state=PlanEntry.State.IN_PLAN)
        InboxItem.objects.filter(kind=INBOX_KIND, key=f"plan:mayor:{locked.pk}", state=InboxItem.State.OPEN).update(
            state=InboxItem.State.DONE, done_at=at, done_by=actor, done_on_behalf_of=on_behalf_of
        )
        audit_record(
            actor=actor,
            on_behalf_of=on_behalf_of,
            action="plan.approve_month",
            subject=locked,
            after={"month": locked.month.isoformat(), "entries": locked.entries.count()},
            rule_ids=["meeting-plan.approval"],
            at=at,
        )
    return locked


def month_grid(month: dt.date, entries: list[PlanEntry]) -> list[list[tuple[dt.date, list[PlanEntry]]]]:
    """Weeks (Monday first) of the month, each day with its entries; days outside the month are kept
    so every week has seven cells."""
    first = month.replace(day=1)
    start = first - dt.timedelta(days=first.weekday())
    following = (first + dt.timedelta(days=32)).replace(day=1)
    by_day: dict[dt.date, list[PlanEntry]] = {}
    for e in entries:
        by_day.setdefault(e.starts_at.astimezone(LOCAL_TZ).date(), []).append(e)
    weeks, day = [], start
    while day < following or day.weekday() != 0:
        week = []
        for _ in range(7):
            week.append((day, by_day.get(day, [])))
            day += dt.timedelta(days=1)
        weeks.append(week)
    return weeks
