"""The supervision ledger (Art 58 ¶3, Art 59, Art 62, Art 8(3)).

An item is created from a meeting decision (when the minutes are issued), a leader's instruction, a
major decision or an inspection finding, or entered by the office. Its deadline comes from the 710 rule
(``supervision.ordinary`` 7 days, ``supervision.complex`` 1 month, ``supervision.annual`` the year's end),
counting the day of deployment as day 1 (Art 62 ¶2); a host-set date may stand instead, with its reason.
The lead unit reports progress, then a completion report with evidence; the office checks it and closes
the item (销号) or sends it back (Art 59, Art 62 ¶1). An item still open when its deadline passes goes to
the lead unit's supervising vice mayor and onto the office's overdue list (Art 8(3)).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.db.models import Q
from django.utils import timezone

from cityhall.documents.services import belongs_to, format_number, general_office, is_office, number_allocate
from cityhall.org.models import Person, Position, Unit
from cityhall.org.selectors import executive_vice_mayor_at, positions_held, supervising_positions
from cityhall.rulebase.selectors import rule_deadline, rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.models import Deadline, InboxItem
from cityhall.workflow.registry import DeadlineKind, register
from cityhall.workflow.services import deadline_close, deadline_schedule, inbox_close, inbox_open, reminders_close

from .models import Event, Evidence, Item

if TYPE_CHECKING:
    from cityhall.documents.models import Document
    from cityhall.meetings.models import Decision

DEADLINE_KIND = "supervision.item"
INBOX_KIND = "supervision.item"
CATEGORY_RULE = {
    Item.Category.ORDINARY.value: "supervision.ordinary",
    Item.Category.COMPLEX.value: "supervision.complex",
    Item.Category.ANNUAL.value: "supervision.annual",
}
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
NOTICE_CODE = "抚政办督"


class SupervisionError(RuleViolation):
    pass


def _cite(rule_id: str) -> str:
    return rulebook().rule(rule_id).citation


def _ct() -> ContentType:
    return ContentType.objects.get_for_model(Item)


def _head(unit: Unit) -> Position | None:
    return Position.objects.filter(unit=unit, kind=Position.Kind.PRINCIPAL_HEAD).order_by("rank", "id").first()


def _open(
    item: Item,
    title: str,
    key: str,
    at: dt.datetime,
    *,
    position: Position | None = None,
    unit: Unit | None = None,
    reading: bool = False,
) -> None:
    inbox_open(
        item,
        kind=INBOX_KIND,
        key=key,
        title=f"{title}｜{item.task[:60]}",
        url=f"/supervision/{item.pk}/",
        at=at,
        position=position,
        unit=unit,
        reading=reading,
        deadline=item.deadline,
    )


def _event(item: Item, kind: str, text: str, by: Person | None, at: dt.datetime) -> Event:
    return Event.objects.create(item=item, kind=kind, text=text, by=by, at=at)


@dataclass(frozen=True)
class ItemForm:
    source: str
    task: str
    lead_unit: Unit
    responsible: str
    category: str
    deployed_on: dt.date
    partner_units: Sequence[Unit] = ()
    due_by: dt.date | None = None
    due_by_reason: str = ""


def category_for(deployed_on: dt.date, due: dt.date | None) -> str:
    """The 710 category a date set by the meeting falls in: within the 7 days, within the month, or later."""
    if due is None:
        return Item.Category.COMPLEX
    if due <= rule_deadline("supervision.ordinary", deployed_on).due:
        return Item.Category.ORDINARY
    return Item.Category.COMPLEX


@applies(
    "supervision.ledger", "supervision.reporting", "supervision.ordinary", "supervision.complex", "supervision.annual"
)
def item_create(
    *,
    actor: Person,
    form: ItemForm,
    meeting_decision: Decision | None = None,
    document: Document | None = None,
    at: dt.datetime | None = None,
) -> Item:
    """Put an item on the ledger with its 710 deadline and send the lead unit its 督办通知."""
    at = at or timezone.now()
    if form.source not in dict(Item.Source.choices):
        raise InvalidInput("请选择事项来源", "source")
    if form.category not in CATEGORY_RULE:
        raise InvalidInput("请选择事项类别：一般事项、复杂事项或年初确定事项", "category")
    if not form.task.strip():
        raise InvalidInput("请填写任务", "task")
    if not form.responsible.strip():
        raise InvalidInput("请填写责任人（工作规则第五十八条第三款：明确相关负责人负责落实）", "responsible")
    if any(u.pk == form.lead_unit.pk for u in form.partner_units):
        raise InvalidInput("牵头单位不必再列为配合单位", "partner_units")
    with audit.atomic():
        item = Item.objects.create(
            source=form.source,
            task=form.task.strip(),
            lead_unit=form.lead_unit,
            responsible=form.responsible.strip()[:40],
            category=form.category,
            deployed_on=form.deployed_on,
            due_date=form.deployed_on,  # set from the deadline below
            meeting_decision=meeting_decision,
            document=document,
            created_by=actor,
            created_at=at,
        )
        item.partner_units.set(form.partner_units)
        deadline = deadline_schedule(
            actor=actor,
            subject=item,
            subject_label=f"督办：{item.task[:60]}",
            kind=DEADLINE_KIND,
            rule_id=CATEGORY_RULE[form.category],
            anchor=form.deployed_on,
            assignee_position=_head(form.lead_unit),
            due_by=form.due_by,
            due_by_reason=form.due_by_reason,
        )
        year = form.deployed_on.year
        seq = number_allocate(code=NOTICE_CODE, year=year)
        item.deadline, item.due_date = deadline, deadline.due_date
        item.notice_number = format_number(NOTICE_CODE, year, seq)
        item.save(update_fields=["deadline", "due_date", "notice_number"])
        _event(
            item,
            Event.Kind.CREATED,
            f"{item.get_source_display()}；{item.get_category_display()}，{item.due_date:%Y-%m-%d}前",
            actor,
            at,
        )
        _open(item, "督办通知", "supervision:lead", at, unit=form.lead_unit)
        for unit in form.partner_units:
            _open(item, "督办通知（配合）", "supervision:partner", at, unit=unit, reading=True)
        audit_record(
            actor=actor,
            action="supervision.create",
            subject=item,
            after={
                "source": item.source,
                "task": item.task,
                "lead": form.lead_unit.name,
                "partners": [u.name for u in form.partner_units],
                "responsible": item.responsible,
                "category": item.category,
                "due": item.due_date.isoformat(),
            },
            rule_ids=[CATEGORY_RULE[form.category], "supervision.ledger"],
            at=at,
        )
    return item


@applies("supervision.reporting")
def items_from_decisions(*, actor: Person, decisions: Sequence[Decision], at: dt.datetime) -> list[Item]:
    """Issuing the minutes puts each decision on the ledger: one item per decision, linked back to it."""
    made = []
    deployed = at.astimezone(LOCAL_TZ).date()
    for d in decisions:
        if Item.objects.filter(meeting_decision=d).exists():
            continue
        category = category_for(deployed, d.due_date)
        default_due = rule_deadline(CATEGORY_RULE[category], deployed).due
        due_by = d.due_date if d.due_date and d.due_date != default_due else None
        made.append(
            item_create(
                actor=actor,
                form=ItemForm(
                    source=Item.Source.MEETING,
                    task=d.text,
                    lead_unit=d.lead_unit,
                    responsible=d.responsible,
                    category=category,
                    deployed_on=deployed,
                    partner_units=list(d.partner_units.all()),
                    due_by=due_by,
                    due_by_reason=f"{d.meeting.title}决定的完成时限" if due_by else "",
                ),
                meeting_decision=d,
                at=at,
            )
        )
    return made


@applies("supervision.reporting")
def item_from_instruction(
    *,
    actor: Person,
    document: Document,
    text: str,
    lead_unit: Unit,
    responsible: str,
    category: str,
    at: dt.datetime | None = None,
) -> Item:
    """A leader's 批示 on a document becomes a ledger item in the same step (批示件, Art 58 ¶3)."""
    at = at or timezone.now()
    return item_create(
        actor=actor,
        form=ItemForm(
            source=Item.Source.INSTRUCTION,
            task=f"{document.title}：{text.strip()}" if text.strip() else document.title,
            lead_unit=lead_unit,
            responsible=responsible,
            category=category,
            deployed_on=at.astimezone(LOCAL_TZ).date(),
        ),
        document=document,
        at=at,
    )


def _lock(item: Item) -> Item:
    return (
        Item.objects.select_for_update(of=("self",))
        .select_related("deadline", "lead_unit", "escalated_to")
        .get(pk=item.pk)
    )


@applies("supervision.reporting")
def progress_report(*, actor: Person, item: Item, text: str, at: dt.datetime | None = None) -> Event:
    at = at or timezone.now()
    if not text.strip():
        raise InvalidInput("请填写进展情况", "text")
    with audit.atomic():
        locked = _lock(item)
        if not belongs_to(actor, locked.lead_unit, at):
            raise SupervisionError(
                "not_lead", _cite("supervision.reporting"), f"进展由牵头单位{locked.lead_unit.name}报告"
            )
        if locked.state == Item.State.CLOSED:
            raise SupervisionError("closed", _cite("supervision.ledger"), "事项已销号")
        event = _event(locked, Event.Kind.PROGRESS, text.strip(), actor, at)
        audit_record(
            actor=actor,
            action="supervision.progress",
            subject=locked,
            after={"text": event.text},
            rule_ids=["supervision.reporting"],
            at=at,
        )
    return event


@applies("supervision.reporting", "supervision.ledger")
def completion_report(
    *, actor: Person, item: Item, text: str, files: Sequence[File], at: dt.datetime | None = None
) -> Event:
    """The lead unit reports the item done, with evidence; it goes to the office to check (复核)."""
    at = at or timezone.now()
    if not text.strip():
        raise InvalidInput("请填写办结情况", "text")
    if not files:
        raise SupervisionError(
            "no_evidence",
            _cite("supervision.ledger"),
            "实行销号管理：办结报告须附证明材料（如验收报告、照片、文件），才能报请销号",
        )
    for f in files:
        if f.size and f.size > MAX_EVIDENCE_BYTES:
            raise InvalidInput(f"证明材料“{f.name}”超过 20MB，请压缩或拆分后再上传", "files")
    with audit.atomic():
        locked = _lock(item)
        if not belongs_to(actor, locked.lead_unit, at):
            raise SupervisionError(
                "not_lead", _cite("supervision.reporting"), f"办结报告由牵头单位{locked.lead_unit.name}报送"
            )
        if locked.state != Item.State.OPEN:
            raise SupervisionError("not_open", _cite("supervision.ledger"), f"事项{locked.get_state_display()}")
        event = _event(locked, Event.Kind.COMPLETION, text.strip(), actor, at)
        for f in files:
            Evidence.objects.create(event=event, file=f, name=(f.name or "证明材料")[:200], size=f.size or 0)
        locked.state = Item.State.REPORTED
        locked.save(update_fields=["state"])
        inbox_close(locked, ["supervision:lead", "supervision:returned"], actor=actor, at=at)
        _open(locked, "复核销号", "supervision:review", at, unit=general_office())
        audit_record(
            actor=actor,
            action="supervision.completion",
            subject=locked,
            after={"text": event.text, "evidence": [f.name for f in files]},
            rule_ids=["supervision.reporting", "supervision.ledger"],
            at=at,
        )
    return event


@applies("supervision.review", "supervision.ledger")
def review(*, actor: Person, item: Item, close: bool, reason: str = "", at: dt.datetime | None = None) -> Item:
    """The office checks the completion report: closes the item (销号) or sends it back with a reason."""
    at = at or timezone.now()
    if not is_office(actor, at):
        raise SupervisionError("not_office", _cite("supervision.review"), "检查复核由市政府办公室负责")
    if not close and not reason.strip():
        raise InvalidInput("退回须写明理由", "reason")
    with audit.atomic():
        locked = _lock(item)
        if locked.state != Item.State.REPORTED:
            raise SupervisionError("not_reported", _cite("supervision.review"), "事项尚未报送办结报告，不能复核")
        deadline = locked.deadline
        inbox_close(locked, ["supervision:review"], actor=actor, at=at)
        if close:
            locked.state, locked.closed_at = Item.State.CLOSED, at
            locked.closed_late = deadline is not None and (
                deadline.state == Deadline.State.MISSED or deadline.is_overdue(at)
            )
            locked.save(update_fields=["state", "closed_at", "closed_late"])
            _event(locked, Event.Kind.CLOSED, reason.strip() or "复核通过，销号", actor, at)
            if deadline is not None and deadline.state == Deadline.State.PENDING and not locked.closed_late:
                deadline_close(deadline=deadline, actor=actor, state=Deadline.State.MET, note="销号")
            inbox_close(locked, ["supervision:overdue", "supervision:escalated"], actor=actor, at=at)
            reminders_close(deadline, actor=actor, at=at)
        else:
            locked.state = Item.State.OPEN
            locked.save(update_fields=["state"])
            _event(locked, Event.Kind.RETURNED, reason.strip(), actor, at)
            _open(locked, "复核退回，继续办理", "supervision:returned", at, unit=locked.lead_unit)
        audit_record(
            actor=actor,
            action="supervision.close" if close else "supervision.return",
            subject=locked,
            after={"state": locked.state, "reason": reason.strip(), "late": locked.closed_late},
            rule_ids=["supervision.review", "supervision.ledger"],
            at=at,
        )
    return locked


@applies("supervision.escalation")
def escalate_many(deadlines: list[Deadline], now: dt.datetime) -> dict[int, str]:
    """Due and still open: to the lead unit's supervising vice mayor, and onto the office's overdue list
    (Art 8(3)). The deadline is marked overdue ("missed"), so it stays red wherever it is shown."""
    ids = {int(d.subject_id): d for d in deadlines if d.subject_id.isdigit()}
    items = {
        i.pk: i for i in Item.objects.select_for_update(of=("self",)).select_related("lead_unit").filter(pk__in=ids)
    }
    office = general_office()
    out: dict[int, str] = {}
    for item_id, d in ids.items():
        item = items.get(item_id)
        out[d.pk] = Deadline.State.MISSED
        if item is None or item.state == Item.State.CLOSED or item.escalated_at is not None:
            continue
        leaders = supervising_positions(item.lead_unit, now)
        leader = leaders[0] if leaders else None
        item.escalated_at = now
        item.save(update_fields=["escalated_at"])
        where = f"{leader.title}" if leader else "市长"
        _event(
            item, Event.Kind.ESCALATED, f"逾期未办结，报牵头单位分管的{where}，并列入市政府办公室逾期清单", None, now
        )
        if leader is not None:
            _open(item, "逾期督办事项（请协调）", "supervision:escalated", now, position=leader)
        _open(item, "逾期督办事项", "supervision:overdue", now, unit=office)
        audit_record(
            actor=None,
            action="supervision.escalate",
            subject=item,
            after={"to": where, "due": item.due_date.isoformat()},
            rule_ids=["supervision.escalation"],
            at=now,
        )
    return out


ESCALATION_TARGETS = {"executive": "负责日常工作的副市长", "mayor": "市长"}


def escalation_targets(item: Item, actor: Person, at: dt.datetime) -> dict[str, Position]:
    """Whom the supervising vice mayor may pass an overdue item on to (Art 8(3)): the executive vice mayor
    or the mayor; the executive vice mayor themself passes it to the mayor. Empty when ``actor`` is not a
    leader holding the item's escalation."""
    if item.escalated_further_at is not None or item.state == Item.State.CLOSED:
        return {}
    held = {p.pk for p in positions_held(actor, at)}
    waiting = InboxItem.objects.filter(
        subject_type=_ct(),
        subject_id=str(item.pk),
        key="supervision:escalated",
        state=InboxItem.State.OPEN,
        assignee_position__in=held,
    ).exists()
    if not waiting:
        return {}
    out: dict[str, Position] = {}
    executive = executive_vice_mayor_at(at)
    if executive is not None and executive.pk not in held:
        out["executive"] = executive
    mayor = Position.objects.filter(kind=Position.Kind.MAYOR).order_by("rank", "id").first()
    if mayor is not None and mayor.pk not in held:
        out["mayor"] = mayor
    return out


@applies("supervision.escalation")
def escalate_further(*, actor: Person, item: Item, to: str, reason: str, at: dt.datetime | None = None) -> Item:
    """The second step of Art 8(3): 如有必要, the lead unit's supervising vice mayor reports the overdue
    item to the executive vice mayor or the mayor. It is that leader's decision, so it takes a reason."""
    at = at or timezone.now()
    if not reason.strip():
        raise InvalidInput("请写明报请协调的理由", "reason")
    with audit.atomic():
        locked = _lock(item)
        if locked.state == Item.State.CLOSED:
            raise SupervisionError("closed", _cite("supervision.escalation"), "事项已销号，无需报请协调")
        if locked.escalated_further_at is not None and locked.escalated_to is not None:
            raise SupervisionError(
                "already",
                _cite("supervision.escalation"),
                f"已于{locked.escalated_further_at.astimezone(LOCAL_TZ):%Y-%m-%d}报{locked.escalated_to.title}协调",
            )
        targets = escalation_targets(locked, actor, at)
        if not targets:
            raise SupervisionError(
                "not_escalated_to_you",
                _cite("supervision.escalation"),
                "逾期事项先报牵头单位分管副市长协调；由该分管副市长视情况报负责日常工作的副市长或市长",
            )
        target = targets.get(to)
        if target is None:
            raise InvalidInput("请选择报请协调的领导：" + "或".join(ESCALATION_TARGETS[k] for k in targets), "to")
        locked.escalated_further_at, locked.escalated_to = at, target
        locked.save(update_fields=["escalated_further_at", "escalated_to"])
        _event(locked, Event.Kind.ESCALATED, f"分管副市长协调后，报{target.title}协调：{reason.strip()}", actor, at)
        inbox_close(locked, ["supervision:escalated"], actor=actor, at=at)
        _open(locked, "逾期督办事项（报请协调）", "supervision:escalated", at, position=target)
        audit_record(
            actor=actor,
            action="supervision.escalate_further",
            subject=locked,
            after={"to": target.title, "reason": reason.strip()},
            rule_ids=["supervision.escalation"],
            at=at,
        )
    return locked


register(
    DeadlineKind(key=DEADLINE_KIND, label="督办事项", on_due_many=escalate_many, remind_before=dt.timedelta(days=1))
)


def soon_until(today: dt.date) -> dt.date:
    """The last day that counts as due within one working day (amber), as the inbox counts it."""
    from cityhall.rulebase.selectors import working_calendar
    from cityhall.rules import RulesError

    try:
        return working_calendar().add_working_days(today, 1)
    except RulesError:  # a year with no published schedule: one calendar day
        return today + dt.timedelta(days=1)


def light_filters(today: dt.date, soon: dt.date) -> dict[str, Q]:
    """The lights of :func:`light` as database filters, for counting them over a whole ledger."""
    is_open = ~Q(state=Item.State.CLOSED)
    return {
        "red": is_open & Q(due_date__lt=today),
        "amber": is_open & Q(due_date__gte=today, due_date__lte=soon),
        "green": is_open & Q(due_date__gt=soon),
        "closed": Q(state=Item.State.CLOSED),
    }


def light(item: Item, today: dt.date, soon: dt.date) -> str:
    """红黄绿灯: red overdue, amber due within one working day, green otherwise; closed items are grey."""
    if item.state == Item.State.CLOSED:
        return "closed"
    if item.due_date < today:
        return "red"
    return "amber" if item.due_date <= soon else "green"


# -- the 督办通知 (Art 62 ¶1), as a GB/T 9704 document through the documents renderer ----------------


def _numeral_list(lines: Sequence[str]) -> list[str]:
    numerals = "一二三四五六七八九十"
    return [f"{numerals[i]}、{line}" for i, line in enumerate(lines)]


@applies("supervision.ledger", "supervision.reporting")
def notice_document(item: Item) -> Document:
    """The supervision notice: its task, responsibility and deadline lists (任务清单、责任清单、时限清单),
    as an unsaved 通知 from the General Office, so the one GB/T 9704 renderer prints it."""
    from cityhall.documents.models import Document as Doc

    office = general_office()
    partners = "、".join(u.name for u in item.partner_units.all()) or "无"
    origin = {
        Item.Source.MEETING: f"{item.meeting_decision.meeting.title}决定" if item.meeting_decision else "会议议定事项",
        Item.Source.INSTRUCTION: f"市政府领导同志对《{item.document.title}》的批示"
        if item.document
        else "市政府领导同志批示",
    }.get(Item.Source(item.source), item.get_source_display())
    verb = "有结果" if item.category == Item.Category.COMPLEX else "办结"
    lists = rulebook().rule("supervision.ledger")
    clock = rulebook().rule(CATEGORY_RULE[item.category])
    body = [
        f"根据{origin}，现将有关事项督办如下，请明确{'、'.join(lists.record.params['lists'].values)}（{lists.short_citation}）。",  # type: ignore[union-attr]
        *_numeral_list(
            [
                f"任务清单：{item.task}",
                f"责任清单：牵头单位{item.lead_unit.name}；配合单位{partners}；责任人{item.responsible}。",
                f"时限清单：{item.get_category_display()}，{item.deployed_on.year}年{item.deployed_on.month}月"
                f"{item.deployed_on.day}日部署，{item.due_date.year}年{item.due_date.month}月{item.due_date.day}日前{verb}"
                f"（{clock.short_citation}，事项落实起始时间从部署当日算起）。",
            ]
        ),
        f"请按要求抓紧办理，办理完毕后向市政府报告办理情况，重要进展情况要及时报告（{rulebook().rule('supervision.reporting').short_citation}）；"
        "办结时附证明材料报市政府办公室检查复核，复核通过后销号。",
    ]
    return Doc(
        direction=Doc.Direction.OUTGOING,
        kind="通知",
        issuer_unit=office,
        issuer_mark=f"{office.name}文件",
        document_number=item.notice_number,
        title=f"关于督办“{item.task[:30]}”的通知",
        addressees=item.lead_unit.name,
        body="\n".join(body),
        issuer_signature=office.name,
        dated=item.deployed_on,
        printed_by=office.name,
        printed_on=item.deployed_on,
        copied_to=partners if partners != "无" else "",
    )
