"""Topics through their approval chain (Art 39, Art 40 ¶2), and the gate before a meeting (Art 43 ¶1, Art 26).

Each step of a plenary or executive topic's chain has one assignee: the General Office collects
(its clerks' shared queue), then the secretary-general checks, the executive vice mayor reviews and
the mayor decides. A step passes the topic on, returns it to the applicant with a reason, or defers
it (it stays on the step's desk). A returned topic, once corrected, starts the chain again at the
office, so that every step sees what it approves. The inbox follows the topic: the step's assignee
has one open item, and it closes when the step is done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from cityhall.documents.services import general_office, is_office
from cityhall.org.models import Person, Position, Unit
from cityhall.org.selectors import acting_for, executive_vice_mayor_at, holders_at, positions_held
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.rules.schema import Terms
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.models import InboxItem

from .kinds import EXECUTIVE, KIND_NAMES, PLENARY, ROLE_LABELS, meeting_kind
from .minutes import expected_attendance
from .models import AgendaItem, Attendance, Consultation, Meeting, Topic, TopicAction

INBOX_KIND = "meetings.topic"
OFFICE_STEP = "office_collects"
_STEP_POSITION = {"secretary_general_checks": Position.Kind.SECRETARY_GENERAL, "mayor_decides": Position.Kind.MAYOR}


class TopicError(RuleViolation):
    pass


def _cite(rule_id: str) -> str:
    return rulebook().rule(rule_id).citation


def chain_rule_id(kind: str) -> str:
    """The rule that says how a kind's topics are set: the chain (Art 39–40) or the chair (Art 41–42)."""
    return f"meeting.{kind}-topics" if kind in (PLENARY, EXECUTIVE) else _KIND_RULE[kind]


def chain(kind: str) -> tuple[str, ...]:
    topic_chain = meeting_kind(rulebook(), kind).topic_chain
    if topic_chain is None:
        raise InvalidInput(f"{ROLE_LABELS.get(kind, kind)}的议题不走申报程序", "meeting_kind")
    return topic_chain.roles


def chain_progress(topic: Topic, actions: Sequence[TopicAction]) -> list[dict]:
    """Each step of the topic's chain as it stands: done (with the act that passed it, counted since the
    last submission, as a resubmitted topic starts again), the current one, or pending."""
    if meeting_kind(rulebook(), topic.meeting_kind).topic_chain is None:
        return []  # set by the chair (Art 41–42): no chain
    since = max((i for i, a in enumerate(actions) if a.decision in ("submit", "resubmit")), default=0)
    passed = {a.step: a for a in actions[since:] if a.decision == TopicAction.Decision.PASS}
    return [
        {
            "code": code,
            "label": ROLE_LABELS[code],
            "state": "done" if code in passed else "current" if code == topic.step else "pending",
            "act": passed.get(code),
        }
        for code in chain(topic.meeting_kind)
    ]


@dataclass(frozen=True)
class Assignee:
    """Who a step waits for: a position (whoever holds or acts for it), or the office's shared queue."""

    step: str
    position: Position | None
    unit: Unit | None

    @property
    def label(self) -> str:
        return ROLE_LABELS[self.step]


def step_assignee(step: str, at: dt.datetime) -> Assignee:
    if step == OFFICE_STEP:
        return Assignee(step, None, general_office())
    if step == "executive_vice_mayor_reviews":
        position = executive_vice_mayor_at(at)
    else:
        position = Position.objects.filter(kind=_STEP_POSITION[step]).order_by("rank", "id").first()
    if position is None:
        raise TopicError("no_assignee", _cite("meeting.executive-topics"), f"没有人担任“{ROLE_LABELS[step]}”的职务")
    return Assignee(step, position, None)


def _may_act(person: Person, assignee: Assignee, at: dt.datetime) -> tuple[bool, Person | None]:
    """Whether ``person`` may do the step, and for whom (代) if they act for an absent holder."""
    held = positions_held(person, at)
    if assignee.unit is not None:
        return any(p.unit_id == assignee.unit.pk for p in held), None
    assert assignee.position is not None  # noqa: S101 - an assignee is a unit or a position
    if any(p.pk == assignee.position.pk for p in held):
        return True, None
    if assignee.position.kind in (Position.Kind.MAYOR, Position.Kind.VICE_MAYOR):
        result = acting_for(assignee.position, at)
        if result.is_acting and result.acting_person_id == person.pk:
            holder = holders_at(at, [assignee.position]).get(assignee.position.pk)
            return True, holder
    return False, None


def _content_type() -> ContentType:
    return ContentType.objects.get_for_model(Topic)


def _sync_inbox(topic: Topic, *, actor: Person, on_behalf_of: Person | None, at: dt.datetime) -> None:
    """Close the topic's open item and open the one now due (at most one is open at a time)."""
    ct = _content_type()
    open_items = list(
        InboxItem.objects.select_for_update().filter(
            subject_type=ct, subject_id=str(topic.pk), state=InboxItem.State.OPEN
        )
    )
    want: InboxItem | None = None
    name = f"议题：{topic.matter}"
    if topic.state in (Topic.State.IN_REVIEW, Topic.State.DEFERRED):
        assignee = step_assignee(topic.step, at)
        prefix = "暂缓" if topic.state == Topic.State.DEFERRED else ROLE_LABELS[topic.step]
        want = InboxItem(
            title=f"{prefix}｜{name}",
            key=f"topic:{topic.step}:{topic.state}",
            assignee_position=assignee.position,
            unit=assignee.unit if assignee.unit else assignee.position.unit if assignee.position else None,
            not_for=topic.applicant if assignee.unit else None,
        )
    elif topic.state == Topic.State.RETURNED:
        want = InboxItem(title=f"退回修改｜{name}", key="topic:returned", assignee_person=topic.applicant)
    keep = [
        i
        for i in open_items
        if want is not None
        and i.key == want.key
        and i.assignee_position_id == want.assignee_position_id
        and i.assignee_person_id == want.assignee_person_id
    ]
    done = [i.pk for i in open_items if i not in keep]
    if done:
        InboxItem.objects.filter(pk__in=done).update(
            state=InboxItem.State.DONE, done_at=at, done_by=actor, done_on_behalf_of=on_behalf_of
        )
    if want is not None and not keep:
        want.kind = INBOX_KIND
        want.url = f"/meetings/topics/{topic.pk}/"
        want.subject_type = ct
        want.subject_id = str(topic.pk)
        want.created_at = at
        want.save()


def _record(
    topic: Topic,
    decision: str,
    actor: Person,
    *,
    step: str,
    reason: str,
    on_behalf_of: Person | None,
    at: dt.datetime,
    before: dict | None,
) -> None:
    TopicAction.objects.create(
        topic=topic, step=step, decision=decision, reason=reason, actor=actor, on_behalf_of=on_behalf_of, at=at
    )
    audit_record(
        actor=actor,
        on_behalf_of=on_behalf_of,
        action=f"topic.{decision}",
        subject=topic,
        before=before,
        after={"state": topic.state, "step": topic.step, "reason": reason},
        rule_ids=[chain_rule_id(topic.meeting_kind)] + (["acting.ab-partner"] if on_behalf_of else []),
        at=at,
    )


@dataclass(frozen=True)
class TopicForm:
    meeting_kind: str
    matter: str
    host_unit: Unit
    reporting_unit: Unit
    basis: str
    legality_review_needed: bool
    legality_review_done: bool
    materials: str
    consultations: Sequence[tuple[Unit, str]]


def _validate(form: TopicForm) -> None:
    if form.meeting_kind not in dict(Topic.KIND_CHOICES):
        raise InvalidInput("请选择会议类型：市政府全体会议或市政府常务会议", "meeting_kind")
    for field, label in (("matter", "议题名称"), ("basis", "提请审议的依据和理由")):
        if not getattr(form, field).strip():
            raise InvalidInput(f"请填写{label}", field)
    if form.legality_review_done and not form.legality_review_needed:
        raise InvalidInput("未勾选“需要合法性审查”，就不能勾选“已完成合法性审查”", "legality_review_done")
    for unit, opinion in form.consultations:
        if not opinion.strip():
            raise InvalidInput(f"请填写{unit.name}的意见", "consultations")


@applies("meeting.executive-topics", "meeting.plenary-topics")
def topic_submit(*, actor: Person, form: TopicForm, at: dt.datetime | None = None) -> Topic:
    """Apply for a topic (《市政府常务会议议题申报单》): it goes to the office, the chain's first step."""
    at = at or timezone.now()
    _validate(form)
    if not any(p.unit_id == form.host_unit.pk for p in positions_held(actor, at)):
        raise TopicError(
            "not_host_unit",
            _cite(chain_rule_id(form.meeting_kind)),
            f"只能以本单位名义申报议题，您不在{form.host_unit.name}任职",
        )
    steps = chain(form.meeting_kind)
    with audit.atomic():
        topic = Topic.objects.create(
            meeting_kind=form.meeting_kind,
            matter=form.matter.strip(),
            host_unit=form.host_unit,
            reporting_unit=form.reporting_unit,
            basis=form.basis.strip(),
            legality_review_needed=form.legality_review_needed,
            legality_review_done=form.legality_review_done,
            materials=form.materials.strip(),
            step=steps[0],
            applicant=actor,
            submitted_at=at,
        )
        Consultation.objects.bulk_create(
            [Consultation(topic=topic, unit=u, opinion=o.strip()) for u, o in form.consultations]
        )
        _record(topic, TopicAction.Decision.SUBMIT, actor, step="", reason="", on_behalf_of=None, at=at, before=None)
        _sync_inbox(topic, actor=actor, on_behalf_of=None, at=at)
    return topic


@applies("meeting.executive-topics", "meeting.plenary-topics", "meeting.topic-approved")
def topic_decide(
    *, actor: Person, topic: Topic, decision: str, reason: str = "", step: str = "", at: dt.datetime | None = None
) -> Topic:
    """The current step passes the topic on (the last step's pass is the mayor's 确定), returns it or defers it."""
    at = at or timezone.now()
    if decision not in (TopicAction.Decision.PASS, TopicAction.Decision.RETURN, TopicAction.Decision.DEFER):
        raise InvalidInput("处理意见只能是同意、退回修改或暂缓", "decision")
    if decision != TopicAction.Decision.PASS and not reason.strip():
        raise InvalidInput("退回修改或暂缓须写明理由", "reason")
    rule = chain_rule_id(topic.meeting_kind)
    with audit.atomic():
        locked = Topic.objects.select_for_update().get(pk=topic.pk)
        if locked.state not in (Topic.State.IN_REVIEW, Topic.State.DEFERRED) or (step and step != locked.step):
            raise TopicError("step_done", _cite(rule), "该议题的这一环节已经办理过，请刷新页面查看当前状态")
        assignee = step_assignee(locked.step, at)
        may, on_behalf_of = _may_act(actor, assignee, at)
        if not may:
            raise TopicError("not_assignee", _cite(rule), f"这一环节是“{assignee.label}”，不由您办理")
        before = {"state": locked.state, "step": locked.step}
        steps = chain(locked.meeting_kind)
        done_step = locked.step
        if decision == TopicAction.Decision.PASS:
            following = steps.index(locked.step) + 1
            if following < len(steps):
                locked.state, locked.step = Topic.State.IN_REVIEW, steps[following]
            else:
                locked.state, locked.step, locked.decided_at = Topic.State.APPROVED, "", at
        elif decision == TopicAction.Decision.RETURN:
            locked.state, locked.step = Topic.State.RETURNED, ""
        else:
            locked.state = Topic.State.DEFERRED
        locked.save(update_fields=["state", "step", "decided_at"])
        _record(
            locked,
            decision,
            actor,
            step=done_step,
            reason=reason.strip(),
            on_behalf_of=on_behalf_of,
            at=at,
            before=before,
        )
        _sync_inbox(locked, actor=actor, on_behalf_of=on_behalf_of, at=at)
    return locked


@applies("meeting.executive-topics", "meeting.plenary-topics")
def topic_resubmit(*, actor: Person, topic: Topic, form: TopicForm, at: dt.datetime | None = None) -> Topic:
    """The applicant's unit corrects a returned topic; it starts the chain again at the office."""
    at = at or timezone.now()
    _validate(form)
    rule = chain_rule_id(topic.meeting_kind)
    with audit.atomic():
        locked = Topic.objects.select_for_update().get(pk=topic.pk)
        if locked.state != Topic.State.RETURNED:
            raise TopicError("not_returned", _cite(rule), "只有退回修改的议题才能修改后重新申报")
        if not any(p.unit_id == locked.host_unit_id for p in positions_held(actor, at)):
            raise TopicError("not_host_unit", _cite(rule), f"只有{locked.host_unit.name}可以修改这项议题")
        if form.meeting_kind != locked.meeting_kind or form.host_unit.pk != locked.host_unit_id:
            raise InvalidInput("重新申报不能改变会议类型和承办单位；请另行申报", "meeting_kind")
        before = {"state": locked.state, "matter": locked.matter, "basis": locked.basis}
        for field in ("matter", "basis", "materials"):
            setattr(locked, field, getattr(form, field).strip())
        locked.reporting_unit = form.reporting_unit
        locked.legality_review_needed = form.legality_review_needed
        locked.legality_review_done = form.legality_review_done
        locked.state, locked.step = Topic.State.IN_REVIEW, chain(locked.meeting_kind)[0]
        # Corrected materials are reviewed again (Art 43 ¶2).
        locked.materials_reviewed_at, locked.materials_reviewed_by, locked.materials_review_note = None, None, ""
        locked.save()
        locked.consultations.all().delete()
        Consultation.objects.bulk_create(
            [Consultation(topic=locked, unit=u, opinion=o.strip()) for u, o in form.consultations]
        )
        _record(
            locked, TopicAction.Decision.RESUBMIT, actor, step="", reason="", on_behalf_of=None, at=at, before=before
        )
        _sync_inbox(locked, actor=actor, on_behalf_of=None, at=at)
    return locked


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    rule_id: str
    citation: str


@applies("meeting.materials-review")
def materials_review(*, actor: Person, topic: Topic, note: str = "", at: dt.datetime | None = None) -> Topic:
    """The office's pre-review of the topic's materials (前置审核, Art 43 ¶2) passes."""
    at = at or timezone.now()
    if not is_office(actor, at):
        raise TopicError("not_office", _cite("meeting.materials-review"), "会议材料由市政府办公室前置审核把关")
    with audit.atomic():
        locked = Topic.objects.select_for_update().get(pk=topic.pk)
        if locked.state == Topic.State.RETURNED:
            raise TopicError("returned", _cite("meeting.materials-review"), "议题已退回修改，请待重新申报后再审核材料")
        if locked.materials_reviewed_at is not None:
            raise TopicError("reviewed", _cite("meeting.materials-review"), "会议材料已经前置审核通过")
        locked.materials_reviewed_at, locked.materials_reviewed_by = at, actor
        locked.materials_review_note = note.strip()[:200]
        locked.save(update_fields=["materials_reviewed_at", "materials_reviewed_by", "materials_review_note"])
        audit_record(
            actor=actor,
            action="topic.materials_review",
            subject=locked,
            after={"note": locked.materials_review_note},
            rule_ids=["meeting.materials-review"],
            at=at,
        )
    return locked


@applies("meeting.topic-approved", "decision.legality-review", "meeting.materials-review")
def schedule_refusals(topic: Topic) -> list[Refusal]:
    """Why the office may not yet put ``topic`` on a meeting's agenda; empty when it may."""
    out = []
    if topic.state != Topic.State.APPROVED:
        where = f"目前在“{ROLE_LABELS[topic.step]}”环节" if topic.step else f"目前{topic.get_state_display()}"
        out.append(
            Refusal(
                "not_approved",
                f"议题尚未经市政府领导同志审核同意（{where}），市政府办公室不予安排会议审议",
                "meeting.topic-approved",
                _cite("meeting.topic-approved"),
            )
        )
    if topic.legality_review_needed and not topic.legality_review_done:
        out.append(
            Refusal(
                "legality_review",
                "议题须经合法性审查，审查尚未完成，不得提交市政府集体讨论",
                "decision.legality-review",
                _cite("decision.legality-review"),
            )
        )
    if topic.materials_reviewed_at is None:
        out.append(
            Refusal(
                "materials_review",
                "会议材料尚未经市政府办公室前置审核",
                "meeting.materials-review",
                _cite("meeting.materials-review"),
            )
        )
    return out


# -- scheduling a meeting (Art 38–43) ----------------------------------------------------------

_KIND_RULE = {
    "plenary": "meeting.plenary",
    "executive": "meeting.executive",
    "mayor_office": "meeting.mayor-office",
    "business": "meeting.business",
}
_CHAIR_KINDS = {
    "mayor": Position.Kind.MAYOR,
    "vice_mayor": Position.Kind.VICE_MAYOR,
    "secretary_general": Position.Kind.SECRETARY_GENERAL,
}


def chair_options(kind: str, at: dt.datetime) -> list[tuple[Position, bool]]:
    """The positions that may chair a meeting of ``kind``: (position, chairs only on the mayor's entrustment)."""
    described = meeting_kind(rulebook(), kind)
    chairs, entrusted = described.fact("chairs"), described.fact("entrusted_chairs")
    out: list[tuple[Position, bool]] = []
    kinds = [_CHAIR_KINDS[r] for r in (chairs.roles if chairs else ()) if r in _CHAIR_KINDS]
    out += [(p, False) for p in Position.objects.filter(kind__in=kinds).order_by("rank", "id")]
    if entrusted and "executive_vice_mayor" in entrusted.roles:
        evm = executive_vice_mayor_at(at)
        if evm is not None and all(p.pk != evm.pk for p, _ in out):
            out.append((evm, True))
    return out


@dataclass(frozen=True)
class MeetingForm:
    kind: str
    title: str
    starts_at: dt.datetime
    venue: str
    video: bool
    chair: Position
    topics: Sequence[Topic]
    # A mayor's office or business meeting's topics, as the chair set them (Art 41–42): one per line.
    chair_topics: Sequence[str] = ()
    # Leaders of the city Party committee, People's Congress or CPPCC invited (Art 38 ¶2).
    invited: str = ""


RESERVED_RULES = ("decision.collective", *(f"meeting.reserved-item-{n}" for n in (2, 3, 4, 5, 6, 7, 9)))


@applies(
    "decision.collective",
    "meeting.reserved-item-2",
    "meeting.reserved-item-3",
    "meeting.reserved-item-4",
    "meeting.reserved-item-5",
    "meeting.reserved-item-6",
    "meeting.reserved-item-7",
    "meeting.reserved-item-9",
)
def reserved_matter(matter: str) -> Refusal | None:
    """Whether ``matter`` is one the Rules give the executive or plenary meeting (Art 24, Art 40 ¶2's
    items), so that a business meeting may not take it; the refusal names the item that applies."""
    book = rulebook()
    for rule_id in RESERVED_RULES:
        rule = book.rule(rule_id)
        terms = rule.record.params["matters"]
        assert isinstance(terms, Terms)  # noqa: S101 - the rulebook's schema
        hit = next((term for term in terms.values if term in matter), None)
        if hit is not None:
            where = f"第四十条第二款{terms.label}所列事项" if rule_id != "decision.collective" else "重大决策事项"
            return Refusal(
                "reserved",
                f"“{matter}”含“{hit}”，属于{where}，应由市政府全体会议或常务会议讨论决定，不能列为业务会议议题",
                rule_id,
                rule.citation,
            )
    return None


def _send_notice(meeting: Meeting, attendance: Sequence[Attendance], at: dt.datetime) -> None:
    """The meeting notice (会议通知): a reading item for everyone on the attendance list."""
    from cityhall.rules.deadlines import LOCAL_TZ

    when = meeting.starts_at.astimezone(LOCAL_TZ)
    where = meeting.venue + ("（视频会议）" if meeting.video else "")
    ct = ContentType.objects.get_for_model(Meeting)
    InboxItem.objects.bulk_create(
        [
            InboxItem(
                title=f"会议通知｜{meeting.title}，{when:%m月%d日 %H:%M}，{where or '地点另行通知'}"[:200],
                kind="meetings.notice",
                key="meeting:notice",
                url=f"/meetings/{meeting.pk}/",
                subject_type=ct,
                subject_id=str(meeting.pk),
                assignee_position=a.position,
                unit=a.position.unit if a.position else None,
                for_reading=True,
                created_at=at,
            )
            for a in attendance
            if a.position is not None
        ]
    )


@applies(
    "meeting.topic-approved",
    "decision.legality-review",
    "meeting.materials-review",
    "meeting.invite",
    "meeting.plenary",
    "meeting.executive",
    "meeting.mayor-office",
    "meeting.business",
)
def meeting_schedule(*, actor: Person, form: MeetingForm, at: dt.datetime | None = None) -> Meeting:
    """The office schedules a meeting with its agenda. Every topic must have been decided by the mayor
    (Art 43 ¶1) and, where needed, have passed legality review (Art 26); the chair must be one the
    kind's article names (Art 39–42), the executive vice mayor only on the mayor's entrustment (Art 40 ¶1)."""
    at = at or timezone.now()
    if form.kind not in _KIND_RULE:
        raise InvalidInput("请选择会议类型", "kind")
    if not form.title.strip():
        raise InvalidInput("请填写会议名称", "title")
    if not is_office(actor, at):
        raise TopicError("not_office", _cite("meeting.topic-approved"), "会议的组织工作由市政府办公室负责")
    kind_rule = _KIND_RULE[form.kind]
    options = {p.pk: entrusted for p, entrusted in chair_options(form.kind, form.starts_at)}
    if form.chair.pk not in options:
        raise TopicError("chair", _cite(kind_rule), f"{form.chair.title}不能主持{KIND_NAMES[form.kind]}")
    chair_set = [line.strip() for line in form.chair_topics if line.strip()]
    if chair_set and meeting_kind(rulebook(), form.kind).topic_chain is not None:
        raise InvalidInput(f"{KIND_NAMES[form.kind]}的议题须经申报和审核，请从已确定的议题中选择", "chair_topics")
    if form.kind == "business":
        for line in chair_set:
            reserved = reserved_matter(line)
            if reserved is not None:
                raise TopicError(reserved.code, reserved.citation, reserved.message)
    for topic in form.topics:
        if topic.meeting_kind != form.kind:
            raise TopicError(
                "wrong_kind", _cite(kind_rule), f"议题“{topic.matter}”申报的是{topic.get_meeting_kind_display()}"
            )
        refusals = schedule_refusals(topic)
        if refusals:
            r = refusals[0]
            raise TopicError(r.code, r.citation, f"议题“{topic.matter}”不能安排：{r.message}")
    with audit.atomic():
        locked = list(Topic.objects.select_for_update().filter(pk__in=[t.pk for t in form.topics]).order_by("pk"))
        taken = AgendaItem.objects.filter(topic__in=locked).select_related("topic", "meeting").first()
        if taken is not None:
            raise TopicError(
                "already_scheduled",
                _cite("meeting.topic-approved"),
                f"议题“{taken.topic.matter}”已列入{taken.meeting.title}",
            )
        meeting = Meeting.objects.create(
            kind=form.kind,
            title=form.title.strip(),
            starts_at=form.starts_at,
            venue=form.venue.strip(),
            video=form.video,
            invited=form.invited.strip()[:200],
            chair=form.chair,
            entrusted=options[form.chair.pk],
            scheduled_by=actor,
            scheduled_at=at,
        )
        order = {t.pk: i for i, t in enumerate(form.topics, start=1)}
        AgendaItem.objects.bulk_create([AgendaItem(meeting=meeting, topic=t, order=order[t.pk]) for t in locked])
        office = general_office()
        for n, line in enumerate(chair_set, start=len(order) + 1):
            topic = Topic.objects.create(
                meeting_kind=form.kind,
                matter=line[:200],
                host_unit=office,
                reporting_unit=office,
                basis=f"议题由主持会议的{form.chair.title}提出（{_cite(kind_rule)}）",
                state=Topic.State.APPROVED,
                step="",
                applicant=actor,
                submitted_at=at,
                decided_at=at,
            )
            AgendaItem.objects.create(meeting=meeting, topic=topic, order=n)
            locked.append(topic)
        expected = expected_attendance(meeting, locked)
        Attendance.objects.bulk_create(expected)
        _send_notice(meeting, expected, at)
        audit_record(
            actor=actor,
            action="meeting.schedule",
            subject=meeting,
            after={
                "title": meeting.title,
                "start": meeting.starts_at.isoformat(),
                "chair": form.chair.code,
                "entrusted": meeting.entrusted,
                "invited": meeting.invited,
                "topics": [t.matter for t in form.topics] + chair_set,
            },
            rule_ids=[kind_rule, "meeting.topic-approved"] + (["meeting.invite"] if meeting.invited else []),
            at=at,
        )
    return meeting


# -- frequency (Art 39 ¶1, Art 40 ¶2) ----------------------------------------------------------


@dataclass(frozen=True)
class FrequencyAlert:
    kind: str
    message: str
    rule_id: str
    citation: str
    period_end: dt.date


@applies("meeting.plenary-frequency", "meeting.executive-frequency")
def frequency_alerts(at: dt.datetime) -> list[FrequencyAlert]:
    """Warnings (the Rules say 一般, so never refusals): no executive meeting in this calendar week,
    no plenary meeting in this half-year. The period comes from the frequency rule itself."""
    from cityhall.rulebase.selectors import rule_deadline
    from cityhall.rules.deadlines import LOCAL_TZ

    today = at.astimezone(LOCAL_TZ).date()
    out = []
    for kind, rule_id, start_of in (
        ("executive", "meeting.executive-frequency", lambda d: d - dt.timedelta(days=d.weekday())),
        ("plenary", "meeting.plenary-frequency", lambda d: d.replace(month=1 if d.month <= 6 else 7, day=1)),
    ):
        result = rule_deadline(rule_id, today)
        first = start_of(today)
        held = Meeting.objects.filter(
            kind=kind,
            starts_at__date__gte=first,
            starts_at__date__lte=result.due,
        ).exclude(state=Meeting.State.CANCELLED)
        if not held.exists():
            period = "本周" if kind == "executive" else "本半年"
            out.append(
                FrequencyAlert(
                    kind,
                    f"{period}（{first:%m-%d}至{result.due:%m-%d}）尚未安排{KIND_NAMES[kind]}；"
                    f"{result.rule.record.clause.rstrip('。')}",
                    rule_id,
                    result.rule.citation,
                    result.due,
                )
            )
    return out
