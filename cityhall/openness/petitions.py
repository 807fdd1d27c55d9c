"""Petitions (信访, Art 37; 信访工作条例 2022 art 25, 32).

A letter, a visit or an online petition is decided on within 15 days of receipt (``petition.accept``),
and once accepted handled within 60 days (``petition.handle``), extendable once by at most 30 days with
the reason (``petition.extension``). An important letter goes to the supervising leader, or the mayor, to
read and instruct in person (亲自阅批, ``petition.leader-reading``); the instruction can become a
supervision item. The petitioner follows it all with the query code and the phone's last four digits.
The regulation's article numbers are not yet verified against its official text (sources.yaml).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cityhall.documents.services import check_lengths
from cityhall.org.models import Person, Position, Unit
from cityhall.rulebase.selectors import rule_deadline, rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.models import Deadline
from cityhall.workflow.registry import DeadlineKind, register
from cityhall.workflow.services import (
    deadline_close,
    deadline_extend,
    deadline_schedule,
    inbox_close,
    inbox_open,
)

from . import codes
from . import services as pub
from .disclosure import PHONE
from .models import Petition

P = Petition
CODE_PREFIX = "XF"
ACCEPT_KIND = "openness.petition-accept"
HANDLE_KIND = "openness.petition-handle"
register(DeadlineKind(key=ACCEPT_KIND, label="信访事项受理告知"))
register(DeadlineKind(key=HANDLE_KIND, label="信访事项办结", remind_before=dt.timedelta(days=5)))


class PetitionError(RuleViolation):
    pass


def _cite(rule_id: str) -> str:
    return rulebook().rule(rule_id).citation


def _url(p: Petition) -> str:
    return f"/openness/petitions/{p.pk}/"


def _office_only(actor: Person, at: dt.datetime, what: str) -> None:
    if not pub.is_office(actor, at):
        raise PetitionError("petition.office", _cite("petition.accept"), f"{what}由市政府办公室（信访工作机构）办理。")


@dataclass(frozen=True)
class PetitionForm:
    name: str
    phone: str
    subject: str
    body: str
    address: str = ""


@applies("petition.accept")
def petition_receive(
    *,
    form: PetitionForm,
    channel: str = P.Channel.ONLINE,
    received_on: dt.date | None = None,
    entered_by: Person | None = None,
    at: dt.datetime | None = None,
) -> Petition:
    at = at or timezone.now()
    today = timezone.localdate(at)
    values = {k: pub.plain_text(getattr(form, k)) for k in ("name", "subject", "body", "address")}
    values["phone"] = form.phone.strip().replace(" ", "")
    pub.refuse_unreadable(values)
    for name, label in (("name", "姓名"), ("subject", "事项"), ("body", "诉求和事实理由")):
        if not values[name]:
            raise InvalidInput(f"请填写{label}。", name)
    if not PHONE.match(values["phone"]):
        raise InvalidInput("请填写正确的联系电话（7至20位数字）。", "phone")
    if len(values["body"]) > 8000:
        raise InvalidInput(f"诉求和事实理由最多8000字，您输入了{len(values['body'])}字。", "body")
    check_lengths(P, {k: v for k, v in values.items() if k != "body"})
    if channel not in P.Channel.values:
        raise InvalidInput("请选择信访方式。", "channel")
    if channel == P.Channel.ONLINE:
        received_on = today
    else:
        if entered_by is None or not pub.is_office(entered_by, at):
            raise PetitionError("petition.office", _cite("petition.accept"), "来信、来访由市政府办公室登记。")
        if received_on is None or not today - dt.timedelta(days=90) <= received_on <= today:
            raise InvalidInput("请填写收到之日（90天内，不能晚于今天）。", "received_on")
    with audit.atomic():
        item = P.objects.create(
            code=codes.new_code(CODE_PREFIX),
            channel=channel,
            received_on=received_on,
            entered_by=entered_by,
            created_at=at,
            **values,
        )
        item.accept_deadline = deadline_schedule(
            actor=entered_by,
            subject=item,
            subject_label=f"信访事项是否受理：{item.code}",
            kind=ACCEPT_KIND,
            rule_id="petition.accept",
            anchor=received_on,
        )
        item.save(update_fields=["accept_deadline"])
        inbox_open(
            item,
            key="accept",
            title=f"信访事项（{item.code}）待决定是否受理：{item.subject[:40]}",
            url=_url(item),
            at=at,
            unit=pub.general_office(),
            deadline=item.accept_deadline,
        )
        audit_record(
            actor=entered_by,
            action="petition.receive",
            subject=item,
            after={"code": item.code, "received_on": received_on.isoformat()},
            rule_ids=["petition.accept"],
            at=at,
        )
    return item


def _locked(item: Petition) -> Petition:
    return (
        P.objects.select_for_update(of=("self",)).select_related("accept_deadline", "handle_deadline").get(pk=item.pk)
    )


@applies("petition.accept", "petition.handle", "petition.leader-reading")
def petition_decide(
    *,
    actor: Person,
    petition: Petition,
    accept: bool,
    handling_unit: Unit | None = None,
    reason: str = "",
    important: bool = False,
    reader: Position | None = None,
    on: dt.date | None = None,
    at: dt.datetime | None = None,
) -> Petition:
    """Accept (the 60 days start) or not (with the reason); an important letter goes to a leader too."""
    at = at or timezone.now()
    on = on or timezone.localdate(at)
    _office_only(actor, at, "决定是否受理")
    reason = pub.plain_text(reason)
    with audit.atomic():
        item = _locked(petition)
        if item.state != P.State.RECEIVED:
            raise PetitionError("petition.state", _cite("petition.accept"), f"这件信访事项{item.get_state_display()}。")
        if not item.received_on <= on <= timezone.localdate(at):
            raise InvalidInput("受理日期应在收到之后、今天之前。", "on")
        if accept:
            if handling_unit is None:
                raise InvalidInput("请选择办理单位。", "handling_unit")
            item.state, item.accepted_on, item.handling_unit = P.State.ACCEPTED, on, handling_unit
            item.handle_deadline = deadline_schedule(
                actor=actor,
                subject=item,
                subject_label=f"信访事项办结：{item.code}",
                kind=HANDLE_KIND,
                rule_id="petition.handle",
                anchor=on,
            )
            inbox_open(
                item,
                key="handle",
                title=f"办理信访事项（{item.code}）：{item.subject[:40]}",
                url=_url(item),
                at=at,
                unit=handling_unit,
                deadline=item.handle_deadline,
            )
        else:
            if not reason:
                raise InvalidInput("不予受理的，请写明理由（将书面告知信访人）。", "reason")
            item.state, item.not_accepted_reason = P.State.NOT_ACCEPTED, reason[:300]
        if item.accept_deadline is not None:
            deadline_close(deadline=item.accept_deadline, actor=actor, state=Deadline.State.MET, note="已决定是否受理")
        if important:
            if reader is None or reader.kind not in Position.LEADER_KINDS:
                raise InvalidInput("重要来信请选择呈阅的市政府领导同志。", "reader")
            item.important, item.reader = True, reader
            inbox_open(
                item,
                key="read",
                title=f"重要来信阅批：{item.subject[:40]}（{item.code}）",
                url=_url(item),
                at=at,
                position=reader,
            )
        item.save()
        inbox_close(item, ["accept"], actor=actor, at=at)
        audit_record(
            actor=actor,
            action="petition.accept" if accept else "petition.not_accept",
            subject=item,
            after={"unit": handling_unit.code if handling_unit else None, "important": important},
            rule_ids=["petition.accept"]
            + (["petition.handle"] if accept else [])
            + (["petition.leader-reading"] if important else []),
            at=at,
        )
    return item


@applies("petition.leader-reading")
def petition_instruct(
    *, actor: Person, petition: Petition, instruction: str, supervise: bool = False, at: dt.datetime | None = None
) -> Petition:
    """The leader reads the letter and instructs (批示), in person or as the acting leader (代); with
    ``supervise`` the instruction goes on the supervision ledger for the handling unit."""
    from cityhall.leave.seats import sits_at

    at = at or timezone.now()
    instruction = pub.plain_text(instruction)
    rule = rulebook().rule("petition.leader-reading")
    with audit.atomic():
        item = _locked(petition)
        if item.reader is None:
            raise PetitionError("petition.not_important", rule.citation, "这件来信没有呈送领导阅批。")
        may, behalf = sits_at(actor, item.reader, at)
        if not may:
            raise PetitionError(
                "petition.not_reader", rule.citation, f"这件重要来信呈{item.reader.title}亲自阅批，您不能批示。"
            )
        if item.instruction:
            raise PetitionError("petition.instructed", rule.citation, "已经批示。")
        if not instruction:
            raise InvalidInput("请写明批示。", "instruction")
        item.instruction, item.instructed_at, item.instructed_by = instruction[:4000], at, actor
        if supervise:
            if item.handling_unit is None:
                raise InvalidInput("受理并确定办理单位后，批示才能转为督办事项。", "supervise")
            from cityhall.supervision.services import ItemForm, item_create

            item.supervision_item = item_create(
                actor=actor,
                form=ItemForm(
                    "instruction",
                    f"落实{item.reader.title}对信访事项（{item.code}）“{item.subject[:60]}”的批示：{instruction[:200]}",
                    item.handling_unit,
                    "主要负责人",
                    "complex",
                    timezone.localdate(at),
                ),
                at=at,
            )
        item.save()
        inbox_close(item, ["read"], actor=actor, at=at)
        audit_record(
            actor=actor,
            on_behalf_of=behalf,
            action="petition.instruct",
            subject=item,
            after={"supervise": supervise},
            rule_ids=["petition.leader-reading"] + (["acting.ab-partner"] if behalf else []),
            at=at,
        )
    return item


@applies("petition.extension")
def petition_extend(*, actor: Person, petition: Petition, reason: str, at: dt.datetime | None = None) -> Petition:
    at = at or timezone.now()
    reason = pub.plain_text(reason)
    rule = rulebook().rule("petition.extension")
    if not reason:
        raise InvalidInput("请写明延期理由（将告知信访人）。", "reason")
    with audit.atomic():
        item = _locked(petition)
        if not pub.in_unit_or_office(actor, item.handling_unit_id, at):
            raise PetitionError("petition.handler", rule.citation, "延期由办理单位负责人批准。")
        if item.state != P.State.ACCEPTED or item.handle_deadline is None:
            raise PetitionError("petition.state", rule.citation, "受理后、办结前才能延期。")
        if item.extended:
            raise PetitionError("petition.extended", rule.citation, "办理期限只能延长一次，已经延长过。")
        new_due = rule_deadline("petition.extension", item.handle_deadline.due_date).due
        deadline_extend(
            deadline=item.handle_deadline,
            actor=actor,
            new_due=new_due,
            reason=f"情况复杂，经负责人批准延长（{rule.short_citation}，不超过30日）：{reason}",
        )
        item.extended, item.extension_reason = True, reason[:300]
        item.save(update_fields=["extended", "extension_reason"])
        audit_record(
            actor=actor,
            action="petition.extend",
            subject=item,
            after={"to": new_due.isoformat(), "reason": reason},
            rule_ids=["petition.extension"],
            at=at,
        )
    return item


@applies("petition.handle")
def petition_close(*, actor: Person, petition: Petition, result: str, at: dt.datetime | None = None) -> Petition:
    """The handling unit closes it with the result, which the petitioner reads with the query code."""
    at = at or timezone.now()
    result = pub.plain_text(result)
    if not result:
        raise InvalidInput("请写明办理结果（将告知信访人）。", "result")
    with audit.atomic():
        item = _locked(petition)
        if not pub.in_unit_or_office(actor, item.handling_unit_id, at):
            raise PetitionError("petition.handler", _cite("petition.handle"), "办理结果由办理单位登记。")
        if item.state != P.State.ACCEPTED:
            raise PetitionError("petition.state", _cite("petition.handle"), f"这件信访事项{item.get_state_display()}。")
        item.state, item.result, item.closed_at = P.State.CLOSED, result[:8000], at
        item.save(update_fields=["state", "result", "closed_at"])
        if item.handle_deadline is not None:
            deadline_close(deadline=item.handle_deadline, actor=actor, state=Deadline.State.MET, note="已办结")
        inbox_close(item, ["handle"], actor=actor, at=at)
        audit_record(
            actor=actor,
            action="petition.close",
            subject=item,
            after={"state": item.state},
            rule_ids=["petition.handle"],
            at=at,
        )
    return item


def lookup(code: str, phone_suffix: str) -> Petition | None:
    found: Petition | None = codes.lookup(P.objects.all(), CODE_PREFIX, code, phone_suffix)
    return found
