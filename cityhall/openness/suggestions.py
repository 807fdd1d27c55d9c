"""Deputies' suggestions and CPPCC proposals (建议提案, Art 32 ¶2).

The office assigns each to a lead unit and its partners, on the clock of ``suggestion.handle`` (3 months
from assignment; the 代表法 art 43 and the CPPCC proposal rules give the same) or, for one found broad or
difficult with its reason, ``suggestion.handle-complex`` (6 months). The lead unit records each contact
with the deputy or member (加强与代表委员沟通), answers with a numbered reply letter, records the deputy's
view of it, and the result goes on the portal (主动公开办理结果).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from cityhall.documents.services import check_lengths, number_allocate
from cityhall.org.models import Person, Unit
from cityhall.org.selectors import positions_held
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.models import Deadline
from cityhall.workflow.registry import DeadlineKind, register
from cityhall.workflow.services import deadline_close, deadline_schedule, inbox_close, inbox_open

from . import services as pub
from .models import Publication, Suggestion, SuggestionContact

S = Suggestion
DEADLINE_KIND = "openness.suggestion"
register(DeadlineKind(key=DEADLINE_KIND, label="建议提案答复", remind_before=dt.timedelta(days=7)))


class SuggestionError(RuleViolation):
    pass


def _cite(rule_id: str) -> str:
    return rulebook().rule(rule_id).citation


def _url(item: Suggestion) -> str:
    return f"/openness/suggestions/{item.pk}/"


def _in_unit(actor: Person, unit: Unit, at: dt.datetime) -> bool:
    return unit.pk in {p.unit_id for p in positions_held(actor, at)}


@dataclass(frozen=True)
class SuggestionForm:
    kind: str
    number: str
    title: str
    proposer: str
    body: str
    lead_unit: Unit
    assigned_on: dt.date
    partner_units: Sequence[Unit] = field(default_factory=tuple)
    complex: bool = False
    complex_reason: str = ""


@applies("suggestion.handle", "suggestion.handle-complex")
def suggestion_assign(*, actor: Person, form: SuggestionForm, at: dt.datetime | None = None) -> Suggestion:
    """The office assigns the item; its deadline is 3 months, or 6 with the reason it is broad or difficult."""
    at = at or timezone.now()
    if not pub.is_office(actor, at):
        raise SuggestionError("suggestion.office", _cite("suggestion.handle"), "建议提案由市政府办公室交办。")
    if form.kind not in S.Kind.values:
        raise InvalidInput("请选择人大代表建议或政协委员提案。", "kind")
    values = {
        "number": pub.plain_text(form.number),
        "title": pub.plain_text(form.title),
        "proposer": pub.plain_text(form.proposer),
        "body": pub.plain_text(form.body),
    }
    for name, label in (("number", "编号"), ("title", "案由"), ("proposer", "代表（委员）"), ("body", "内容")):
        if not values[name]:
            raise InvalidInput(f"请填写{label}。", name)
    check_lengths(S, {k: v for k, v in values.items() if k != "body"})
    if form.lead_unit.kind not in (Unit.Kind.DEPARTMENT, Unit.Kind.AFFILIATED, Unit.Kind.COUNTY):
        raise InvalidInput("主办单位请选择市政府工作部门、直属单位或县（区）政府。", "lead_unit")
    if form.lead_unit in form.partner_units:
        raise InvalidInput("主办单位不能同时是协办单位。", "partner_units")
    reason = pub.plain_text(form.complex_reason)
    if form.complex and not reason:
        raise InvalidInput("认定为涉及面广、处理难度大（6个月办复）的，请写明理由。", "complex_reason")
    if form.assigned_on > timezone.localdate(at):
        raise InvalidInput("交办日期不能晚于今天。", "assigned_on")
    if S.objects.filter(kind=form.kind, number=values["number"]).exists():
        raise InvalidInput(f"编号“{values['number']}”已经登记。", "number")
    rule_id = "suggestion.handle-complex" if form.complex else "suggestion.handle"
    with audit.atomic():
        item = S.objects.create(
            kind=form.kind,
            lead_unit=form.lead_unit,
            complex=form.complex,
            complex_reason=reason[:200],
            assigned_on=form.assigned_on,
            assigned_by=actor,
            **values,
        )
        item.partner_units.set(form.partner_units)
        item.deadline = deadline_schedule(
            actor=actor,
            subject=item,
            subject_label=f"{item.get_kind_display()}答复：{item.number}",
            kind=DEADLINE_KIND,
            rule_id=rule_id,
            anchor=form.assigned_on,
        )
        item.save(update_fields=["deadline"])
        inbox_open(
            item,
            key="handle",
            title=f"主办{item.get_kind_display()}：{item.number}《{item.title[:40]}》",
            url=_url(item),
            at=at,
            unit=item.lead_unit,
            deadline=item.deadline,
        )
        for partner in form.partner_units:
            inbox_open(
                item,
                key=f"partner-{partner.pk}",
                title=f"协办{item.get_kind_display()}：{item.number}《{item.title[:40]}》（主办：{item.lead_unit.name}）",
                url=_url(item),
                at=at,
                unit=partner,
                reading=True,
            )
        audit_record(
            actor=actor,
            action="suggestion.assign",
            subject=item,
            after={"lead": item.lead_unit.code, "due": item.deadline.due_date.isoformat(), "complex": item.complex},
            rule_ids=[rule_id],
            at=at,
        )
    return item


@applies("suggestion.publish")
def suggestion_contact(
    *, actor: Person, item: Suggestion, on: dt.date, way: str, note: str, at: dt.datetime | None = None
) -> SuggestionContact:
    at = at or timezone.now()
    if not _in_unit(actor, item.lead_unit, at):
        raise SuggestionError(
            "suggestion.lead", _cite("suggestion.publish"), f"与代表（委员）的沟通由主办单位{item.lead_unit.name}登记。"
        )
    way, note = pub.plain_text(way), pub.plain_text(note)
    if not way or not note:
        raise InvalidInput("请写明沟通方式和情况。", "note")
    if not item.assigned_on <= on <= timezone.localdate(at):
        raise InvalidInput("沟通日期应在交办之后、今天之前。", "on")
    check_lengths(SuggestionContact, {"way": way, "note": note})
    with audit.atomic():
        contact = SuggestionContact.objects.create(suggestion=item, on=on, way=way, note=note, by=actor)
        audit_record(
            actor=actor,
            action="suggestion.contact",
            subject=item,
            after={"on": on.isoformat(), "way": way},
            rule_ids=["suggestion.publish"],
            at=at,
        )
    return contact


@applies("suggestion.handle", "suggestion.handle-complex", "suggestion.publish")
def suggestion_reply(*, actor: Person, item: Suggestion, text: str, at: dt.datetime | None = None) -> Suggestion:
    """The lead unit answers, with a numbered reply letter; there must have been contact first."""
    at = at or timezone.now()
    text = pub.plain_text(text)
    if not _in_unit(actor, item.lead_unit, at):
        raise SuggestionError(
            "suggestion.lead", _cite("suggestion.handle"), f"答复由主办单位{item.lead_unit.name}作出。"
        )
    if not text:
        raise InvalidInput("请填写答复内容。", "text")
    with audit.atomic():
        locked = S.objects.select_for_update(of=("self",)).select_related("lead_unit", "deadline").get(pk=item.pk)
        if locked.state != S.State.ASSIGNED:
            raise SuggestionError("suggestion.done", _cite("suggestion.handle"), "已经答复。")
        if not locked.contacts.exists():
            raise SuggestionError(
                "suggestion.no_contact",
                _cite("suggestion.publish"),
                "答复前须与代表（委员）沟通，并登记沟通情况（加强与代表委员沟通）。",
            )
        local = at.astimezone(LOCAL_TZ)
        code = f"{locked.lead_unit.document_code or locked.lead_unit.short_name}{'建' if locked.kind == S.Kind.SUGGESTION else '提'}复"
        seq = number_allocate(code=code, year=local.year)
        locked.reply, locked.reply_number = text[:20000], f"{code}〔{local.year}〕{seq}号"
        locked.state, locked.replied_at, locked.replied_by = S.State.REPLIED, at, actor
        locked.save(update_fields=["reply", "reply_number", "state", "replied_at", "replied_by"])
        if locked.deadline is not None:
            deadline_close(deadline=locked.deadline, actor=actor, state=Deadline.State.MET, note=locked.reply_number)
        inbox_close(locked, ["handle"], actor=actor, at=at)
        audit_record(
            actor=actor,
            action="suggestion.reply",
            subject=locked,
            after={"number": locked.reply_number},
            rule_ids=["suggestion.handle"],
            at=at,
        )
    return locked


@applies("suggestion.publish")
def suggestion_satisfaction(
    *, actor: Person, item: Suggestion, satisfaction: str, at: dt.datetime | None = None
) -> Suggestion:
    """The deputy's (member's) view of the answer, recorded; then the result is published on the portal."""
    at = at or timezone.now()
    if satisfaction not in S.Satisfaction.values:
        raise InvalidInput("请选择代表（委员）对答复的意见。", "satisfaction")
    if not (_in_unit(actor, item.lead_unit, at) or pub.is_office(actor, at)):
        raise SuggestionError(
            "suggestion.lead", _cite("suggestion.publish"), "代表（委员）的意见由主办单位或市政府办公室登记。"
        )
    with audit.atomic():
        locked = S.objects.select_for_update(of=("self",)).select_related("lead_unit").get(pk=item.pk)
        if locked.state != S.State.REPLIED:
            raise SuggestionError("suggestion.state", _cite("suggestion.publish"), "答复后才能登记代表（委员）的意见。")
        locked.satisfaction = satisfaction
        publication = pub.publication_create(
            actor=actor,
            form=pub.PublicationForm(
                kind=Publication.Kind.NOTICE,
                title=f"关于{locked.get_kind_display()}{locked.number}《{locked.title}》的答复",
                subject="general",
                issued_on=timezone.localdate(locked.replied_at or at),
                body=locked.reply,
                issuer=locked.lead_unit,
                document_number=locked.reply_number,
            ),
            at=at,
        )
        publication = pub.publication_publish(actor=actor, publication=publication, at=at)
        locked.publication, locked.state = publication, S.State.PUBLISHED
        locked.save(update_fields=["satisfaction", "publication", "state"])
        audit_record(
            actor=actor,
            action="suggestion.publish",
            subject=locked,
            after={"satisfaction": satisfaction, "publication": publication.pk},
            rule_ids=["suggestion.publish"],
            at=at,
        )
    return locked
