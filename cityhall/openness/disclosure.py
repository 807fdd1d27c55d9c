"""Disclosure requests (依申请公开, Art 29 ¶1), on the statutory clock of the 政府信息公开条例 (2019).

- Received (art 31): online on the day it is submitted; by letter or in person on the day the office
  enters it, which it records. The reply is due 20 working days after (art 33 ¶2, ``disclosure.reply``).
- Third parties (art 32): each has 15 working days from the request for its views
  (``disclosure.third-party``); the time the consultation takes is not counted (art 33 ¶3), so the reply
  clock pauses when the request is sent and resumes when the views come back, or when the 15 days end.
- Extension (art 33 ¶2): once, by at most 20 working days, approved by the head of the office's disclosure
  work; the applicant sees it on the query page (``disclosure.extension``).
- An unclear request (art 30) is sent back once for supplementing, within 7 working days of receipt; the
  clock then starts again on the day the supplement arrives (``disclosure.supplement``).
- The reply (art 36–37) takes one of the statutory forms, from a template, numbered 抚政办依申请〔年〕N号.

The applicant follows the request with its query code and the last four digits of the phone number:
nothing is shown for a code alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from cityhall.documents.services import check_lengths, number_allocate
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
from cityhall.workflow.services import (
    deadline_close,
    deadline_extend,
    deadline_pause,
    deadline_resume,
    deadline_schedule,
    inbox_close,
    inbox_open,
)

from . import codes
from . import services as pub
from .models import Consultation, DisclosureRequest
from .services import plain_text

R = DisclosureRequest
REPLY_KIND = "openness.disclosure-reply"
THIRD_PARTY_KIND = "openness.disclosure-third-party"
NUMBER_CODE = "抚政办依申请"
CODE_PREFIX = "GK"
PHONE = re.compile(r"^[0-9-]{7,20}$")
ID_NUMBER = re.compile(r"^[0-9A-Za-z]{6,30}$")


class DisclosureError(RuleViolation):
    pass


def _cite(rule_id: str) -> str:
    return rulebook().rule(rule_id).citation


def _remind(deadline: Deadline, now: dt.datetime) -> None:
    InboxItem.objects.create(
        title=f"催办：{deadline.subject_label}"[:200],
        kind="reminder",
        deadline=deadline,
        subject_type_id=deadline.subject_type_id,
        subject_id=deadline.subject_id,
        unit=pub.general_office(),
        url=f"/openness/disclosure/{deadline.subject_id}/" if deadline.kind == REPLY_KIND else "",
        created_at=now,
    )


register(DeadlineKind(key=REPLY_KIND, label="政府信息公开申请答复", on_remind=_remind))
register(DeadlineKind(key=THIRD_PARTY_KIND, label="第三方意见", on_remind=_remind))


def _office_only(actor: Person, at: dt.datetime, what: str) -> None:
    if not pub.is_office(actor, at):
        raise DisclosureError(
            "disclosure.office", _cite("disclosure.reply"), f"{what}由市政府办公室（政务公开办）办理。"
        )


HEAD_KINDS = (Position.Kind.SECRETARY_GENERAL, Position.Kind.DEPUTY_SECRETARY_GENERAL, Position.Kind.PRINCIPAL_HEAD)


def heads_disclosure(positions: Sequence[Position]) -> bool:
    """Whether one of these seats heads the office's disclosure work (政府信息公开工作机构负责人): the
    General Office's secretary-general, deputy secretaries-general or principal head."""
    return any(p.unit.kind == Unit.Kind.GENERAL_OFFICE and p.kind in HEAD_KINDS for p in positions)


def _url(req: DisclosureRequest) -> str:
    return f"/openness/disclosure/{req.pk}/"


@dataclass(frozen=True)
class ApplicationForm:
    applicant_kind: str
    name: str
    id_number: str
    phone: str
    description: str
    delivery: str
    email: str = ""
    address: str = ""


def _validate(form: ApplicationForm) -> dict[str, str]:
    values = {
        "name": plain_text(form.name),
        "id_number": form.id_number.strip().replace(" ", ""),
        "phone": form.phone.strip().replace(" ", ""),
        "email": plain_text(form.email),
        "address": plain_text(form.address),
        "description": plain_text(form.description),
    }
    pub.refuse_unreadable(values)
    if form.applicant_kind not in R.ApplicantKind.values:
        raise InvalidInput("请选择申请人类型。", "applicant_kind")
    if not values["name"]:
        raise InvalidInput("请填写姓名或名称。", "name")
    if not ID_NUMBER.match(values["id_number"]):
        raise InvalidInput("请填写正确的证件号码（身份证号码或统一社会信用代码，字母和数字）。", "id_number")
    if not PHONE.match(values["phone"]):
        raise InvalidInput("请填写正确的联系电话（7至20位数字）。", "phone")
    if values["email"] and "@" not in values["email"]:
        raise InvalidInput("电子邮箱的格式不正确。", "email")
    if not values["description"]:
        raise InvalidInput("请写明所需政府信息的名称、文号或者便于查询的其他特征性描述。", "description")
    if form.delivery not in R.Delivery.values:
        raise InvalidInput("请选择获取信息的方式。", "delivery")
    if form.delivery == R.Delivery.EMAIL and not values["email"]:
        raise InvalidInput("选择以电子邮件获取的，请填写电子邮箱。", "email")
    if form.delivery == R.Delivery.PAPER and not values["address"]:
        raise InvalidInput("选择以纸质方式获取的，请填写通信地址。", "address")
    check_lengths(R, {k: v for k, v in values.items() if k != "description"})
    if len(values["description"]) > 4000:
        raise InvalidInput(f"描述最多4000字，您输入了{len(values['description'])}字。", "description")
    return values


def _schedule_reply(req: DisclosureRequest, anchor: dt.date, actor: Person | None) -> Deadline:
    deadline = deadline_schedule(
        actor=actor,
        subject=req,
        subject_label=f"政府信息公开申请答复：{req.code}",
        kind=REPLY_KIND,
        rule_id="disclosure.reply",
        anchor=anchor,
    )
    req.deadline = deadline
    req.save(update_fields=["deadline"])
    inbox_open(
        req,
        key="handle",
        title=f"政府信息公开申请（{req.code}）：{req.description[:40]}",
        url=_url(req),
        at=timezone.now(),
        unit=pub.general_office(),
        deadline=deadline,
    )
    return deadline


@applies("disclosure.reply")
def disclosure_apply(
    *,
    form: ApplicationForm,
    channel: str = R.Channel.ONLINE,
    received_on: dt.date | None = None,
    entered_by: Person | None = None,
    at: dt.datetime | None = None,
) -> DisclosureRequest:
    """An application: from the portal (received today), or entered by the office from a letter or a
    visit, with the day it was received."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    values = _validate(form)
    if channel not in R.Channel.values:
        raise InvalidInput("请选择申请方式。", "channel")
    if channel == R.Channel.ONLINE:
        received_on = today
    else:
        if entered_by is None or not pub.is_office(entered_by, at):
            raise DisclosureError(
                "disclosure.office", _cite("disclosure.reply"), "信函、当面提交的申请由市政府办公室登记。"
            )
        if received_on is None or received_on > today:
            raise InvalidInput("请填写收到申请之日（不能晚于今天）。", "received_on")
        if received_on < today - dt.timedelta(days=90):
            raise InvalidInput("收到申请之日早于90天前：请核对日期。", "received_on")
    with audit.atomic():
        req = R.objects.create(
            code=codes.new_code(CODE_PREFIX),
            applicant_kind=form.applicant_kind,
            delivery=form.delivery,
            channel=channel,
            received_on=received_on,
            entered_by=entered_by,
            created_at=at,
            **values,
        )
        _schedule_reply(req, received_on, entered_by)
        audit_record(
            actor=entered_by,
            action="disclosure.apply",
            subject=req,
            after={"code": req.code, "channel": channel, "received_on": received_on.isoformat()},
            rule_ids=["disclosure.reply"],
            at=at,
        )
    return req


def _locked(req: DisclosureRequest) -> DisclosureRequest:
    return R.objects.select_for_update(of=("self",)).select_related("deadline").get(pk=req.pk)


def _open_deadline(req: DisclosureRequest) -> Deadline:
    if req.deadline is None:
        raise DisclosureError("disclosure.no_clock", _cite("disclosure.reply"), "这份申请没有答复期限，请联系管理员。")
    return req.deadline


@applies("disclosure.third-party", "disclosure.reply")
def disclosure_consult(
    *,
    actor: Person,
    request: DisclosureRequest,
    third_party: str,
    matter: str,
    sent_on: dt.date | None = None,
    at: dt.datetime | None = None,
) -> Consultation:
    """Seek a third party's views (art 32): it has 15 working days; the reply clock pauses meanwhile."""
    at = at or timezone.now()
    sent_on = sent_on or timezone.localdate(at)
    _office_only(actor, at, "征求第三方意见")
    third_party, matter = plain_text(third_party), plain_text(matter)
    if not third_party or not matter:
        raise InvalidInput("请写明第三方和征求意见的内容。", "third_party")
    check_lengths(Consultation, {"third_party": third_party, "matter": matter})
    with audit.atomic():
        req = _locked(request)
        if req.state != R.State.RECEIVED:
            raise DisclosureError(
                "disclosure.state",
                _cite("disclosure.third-party"),
                f"这份申请{req.get_state_display()}，不能再征求意见。",
            )
        if sent_on < req.received_on or sent_on > timezone.localdate(at):
            raise InvalidInput("发出征求意见书之日应在收到申请之后、今天之前。", "sent_on")
        deadline_pause(
            deadline=_open_deadline(req),
            actor=actor,
            on=sent_on,
            reason=f"征求第三方（{third_party}）意见，所需时间不计算在答复期限内",
        )
        consultation = Consultation.objects.create(request=req, third_party=third_party, matter=matter, sent_on=sent_on)
        consultation.deadline = deadline_schedule(
            actor=actor,
            subject=consultation,
            subject_label=f"第三方意见：{third_party}（{req.code}）",
            kind=THIRD_PARTY_KIND,
            rule_id="disclosure.third-party",
            anchor=sent_on,
        )
        consultation.save(update_fields=["deadline"])
        req.state = R.State.CONSULTING
        req.save(update_fields=["state"])
        audit_record(
            actor=actor,
            action="disclosure.consult",
            subject=req,
            after={"third_party": third_party, "sent_on": sent_on.isoformat()},
            rule_ids=["disclosure.third-party"],
            at=at,
        )
    return consultation


@applies("disclosure.third-party", "disclosure.reply")
def disclosure_consult_close(
    *,
    actor: Person,
    consultation: Consultation,
    replied_on: dt.date | None,
    agrees: bool | None,
    opinion: str = "",
    at: dt.datetime | None = None,
) -> DisclosureRequest:
    """The third party's views came back on ``replied_on``; or, with ``replied_on`` None, the 15 working days
    ended without them (art 32: the office then decides). The reply clock resumes either way."""
    at = at or timezone.now()
    _office_only(actor, at, "登记第三方意见")
    opinion = plain_text(opinion)
    check_lengths(Consultation, {"opinion": opinion})
    with audit.atomic():
        req = _locked(consultation.request)
        row = Consultation.objects.select_for_update(of=("self",)).select_related("deadline").get(pk=consultation.pk)
        if row.replied_on is not None or req.state != R.State.CONSULTING:
            raise DisclosureError("disclosure.state", _cite("disclosure.third-party"), "这次征求意见已经结束。")
        third_due = row.deadline.due_date if row.deadline else row.sent_on
        if replied_on is None:
            if timezone.localdate(at) <= third_due:
                raise DisclosureError(
                    "disclosure.third_party_time",
                    _cite("disclosure.third-party"),
                    f"第三方提出意见的期限到 {third_due.isoformat()} 才届满，届满前请等待其意见。",
                )
            ended = third_due
            row.opinion = opinion or "第三方逾期未提出意见，由本机关依照条例规定决定是否公开。"
        else:
            if not row.sent_on <= replied_on <= timezone.localdate(at):
                raise InvalidInput("收到意见之日应在发出之后、今天之前。", "replied_on")
            ended = replied_on
            row.opinion = opinion
        row.replied_on, row.agrees = ended, agrees
        row.save(update_fields=["replied_on", "agrees", "opinion"])
        if row.deadline is not None:
            deadline_close(deadline=row.deadline, actor=actor, state=Deadline.State.MET, note=row.opinion)
        deadline_resume(
            deadline=_open_deadline(req), actor=actor, on=ended, what=f"征求第三方（{row.third_party}）意见"
        )
        req.state = R.State.RECEIVED
        req.save(update_fields=["state"])
        audit_record(
            actor=actor,
            action="disclosure.consulted",
            subject=req,
            after={"third_party": row.third_party, "ended": ended.isoformat(), "agrees": agrees},
            rule_ids=["disclosure.third-party", "disclosure.reply"],
            at=at,
        )
    return req


@applies("disclosure.extension")
def disclosure_extend(
    *, actor: Person, request: DisclosureRequest, reason: str, at: dt.datetime | None = None
) -> DisclosureRequest:
    """Extend the reply once, by at most 20 working days, with the approval of the head of the office's
    disclosure work (the General Office's leaders); the applicant sees it on the query page."""
    at = at or timezone.now()
    rule = rulebook().rule("disclosure.extension")
    held = positions_held(actor, at)
    if not heads_disclosure(held):
        raise DisclosureError(
            "disclosure.extension_approver", rule.citation, "延长答复期限须经政府信息公开工作机构负责人同意。"
        )
    reason = plain_text(reason)
    if not reason:
        raise InvalidInput("请写明延期的理由（将告知申请人）。", "reason")
    with audit.atomic():
        req = _locked(request)
        limit = int(rule.record.params["max_extensions"].value)  # type: ignore[union-attr]
        if req.extended and limit <= 1:
            raise DisclosureError("disclosure.extended", rule.citation, "答复期限只能延长一次，已经延长过。")
        if req.state == R.State.REPLIED:
            raise DisclosureError("disclosure.state", rule.citation, "已经答复，不能再延期。")
        deadline = _open_deadline(req)
        if deadline.state != Deadline.State.PENDING:
            raise DisclosureError("disclosure.state", rule.citation, "答复期限正在暂停或已经结束，不能延期。")
        result = rule_deadline("disclosure.extension", deadline.due_date)
        deadline_extend(
            deadline=deadline,
            actor=actor,
            new_due=result.due,
            reason=f"经负责人同意延长答复期限（{rule.short_citation}，最长20个工作日）：{reason}",
        )
        req.extended, req.extension_reason = True, reason[:300]
        req.save(update_fields=["extended", "extension_reason"])
        audit_record(
            actor=actor,
            action="disclosure.extend",
            subject=req,
            after={"to": result.due.isoformat(), "reason": reason},
            rule_ids=["disclosure.extension"],
            at=at,
        )
    return req


TEMPLATES = {
    R.Outcome.DISCLOSED: "经审查，您申请公开的政府信息属于公开范围，现予以公开。{delivery}",
    R.Outcome.PARTLY: (
        "经审查，您申请公开的信息中含有不应当公开的内容，但能够作区分处理。现向您提供可以公开的部分；"
        "对不予公开的部分，理由和依据是：{ground}。{delivery}"
    ),
    R.Outcome.WITHHELD: "经审查，您申请公开的信息不予公开，理由和依据是：{ground}。",
    R.Outcome.NOT_EXIST: "经检索，本机关没有您申请公开的政府信息，该政府信息不存在。{ground}",
    R.Outcome.NOT_OURS: "您申请公开的信息不属于本机关负责公开。{ground}负责公开该政府信息的机关是：{right_body}。",
    R.Outcome.SUPPLEMENT: (
        "您的申请内容不明确。请就以下事项作出补正：{ground}。请于收到本告知书之日起15日内补正；"
        "答复期限自本机关收到补正的申请之日起计算。"
    ),
}
DELIVERY_TEXT = {
    R.Delivery.PAPER: "相关信息以纸质方式邮寄至您提供的通信地址。",
    R.Delivery.EMAIL: "相关信息已发送至您提供的电子邮箱。",
    R.Delivery.PICKUP: "请携带本人有效证件到市政府办公室领取。",
}


@applies("disclosure.reply-forms", "disclosure.supplement", "disclosure.reply")
def disclosure_reply(
    *,
    actor: Person,
    request: DisclosureRequest,
    outcome: str,
    ground: str = "",
    right_body: str = "",
    at: dt.datetime | None = None,
) -> DisclosureRequest:
    """The reply letter in its statutory form, numbered; a supplement request stops the clock instead."""
    at = at or timezone.now()
    _office_only(actor, at, "答复政府信息公开申请")
    ground, right_body = plain_text(ground), plain_text(right_body)
    forms = rulebook().rule("disclosure.reply-forms")
    if outcome not in R.Outcome.values:
        raise InvalidInput("请选择答复情形。", "outcome")
    if outcome in (R.Outcome.PARTLY, R.Outcome.WITHHELD, R.Outcome.SUPPLEMENT) and not ground:
        raise DisclosureError(
            "disclosure.ground",
            forms.citation,
            "不予公开、部分公开的须说明理由和依据；告知补正的须说明需要补正的事项。",
        )
    if outcome == R.Outcome.NOT_OURS and not right_body:
        raise DisclosureError(
            "disclosure.right_body", forms.citation, "不属于本机关负责公开的，请写明负责公开的机关名称和联系方式。"
        )
    check_lengths(R, {"ground": ground, "right_body": right_body})
    with audit.atomic():
        req = _locked(request)
        if req.state not in (R.State.RECEIVED,):
            raise DisclosureError(
                "disclosure.state", forms.citation, f"这份申请{req.get_state_display()}，现在不能答复。"
            )
        text = TEMPLATES[R.Outcome(outcome)].format(
            ground=ground, right_body=right_body, delivery=DELIVERY_TEXT[R.Delivery(req.delivery)]
        )
        local = at.astimezone(LOCAL_TZ)
        if outcome == R.Outcome.SUPPLEMENT:
            rule = rulebook().rule("disclosure.supplement")
            limit = rule_deadline("disclosure.supplement", req.received_on).due
            if timezone.localdate(at) > limit:
                raise DisclosureError(
                    "disclosure.supplement_late",
                    rule.citation,
                    f"告知补正应在收到申请之日起7个工作日内（{limit.isoformat()}前）一次性作出，现已超过，请直接答复。",
                )
            if req.supplement_asked:
                raise DisclosureError("disclosure.supplement_once", rule.citation, "告知补正只能一次。")
            req.supplement_asked = True
            deadline_close(deadline=_open_deadline(req), actor=actor, state=Deadline.State.CANCELLED, note="告知补正")
            req.state = R.State.SUPPLEMENT
        else:
            if req.deadline is not None:
                deadline_close(deadline=req.deadline, actor=actor, state=Deadline.State.MET, note="已答复")
            req.state = R.State.REPLIED
        seq = number_allocate(code=NUMBER_CODE, year=local.year)
        req.outcome, req.ground, req.right_body = outcome, ground, right_body
        req.reply_text = f"{req.name}：\n您于{req.received_on:%Y年%-m月%-d日}提出的政府信息公开申请收悉。{text}\n抚顺市人民政府办公室\n{local:%Y年%-m月%-d日}"
        req.reply_number = f"{NUMBER_CODE}〔{local.year}〕{seq}号"
        req.replied_at, req.replied_by = at, actor
        req.save()
        inbox_close(req, ["handle"], actor=actor, at=at)
        audit_record(
            actor=actor,
            action="disclosure.reply",
            subject=req,
            after={"outcome": outcome, "number": req.reply_number},
            rule_ids=["disclosure.reply-forms"]
            + (["disclosure.supplement"] if outcome == R.Outcome.SUPPLEMENT else []),
            at=at,
        )
    return req


@applies("disclosure.supplement", "disclosure.reply")
def disclosure_supplemented(
    *, actor: Person, request: DisclosureRequest, received_on: dt.date, text: str, at: dt.datetime | None = None
) -> DisclosureRequest:
    """The supplement arrived: the 20 working days start again from that day (art 30)."""
    at = at or timezone.now()
    _office_only(actor, at, "登记补正")
    text = plain_text(text)
    if not text:
        raise InvalidInput("请填写补正的内容。", "text")
    with audit.atomic():
        req = _locked(request)
        if req.state != R.State.SUPPLEMENT:
            raise DisclosureError("disclosure.state", _cite("disclosure.supplement"), "这份申请不在待补正状态。")
        if not req.received_on <= received_on <= timezone.localdate(at):
            raise InvalidInput("收到补正之日应在收到申请之后、今天之前。", "received_on")
        req.description = f"{req.description}\n【补正，{received_on.isoformat()}】{text}"[:20000]
        req.state, req.outcome, req.reply_number, req.reply_text = R.State.RECEIVED, "", "", ""
        req.save(update_fields=["description", "state", "outcome", "reply_number", "reply_text"])
        _schedule_reply(req, received_on, actor)
        audit_record(
            actor=actor,
            action="disclosure.supplemented",
            subject=req,
            after={"received_on": received_on.isoformat()},
            rule_ids=["disclosure.supplement"],
            at=at,
        )
    return req


def lookup(code: str, phone_suffix: str) -> DisclosureRequest | None:
    """The request for a query code, only with the last four digits of its phone number."""
    found: DisclosureRequest | None = codes.lookup(
        R.objects.select_related("deadline"), CODE_PREFIX, code, phone_suffix
    )
    return found


def purge_personal(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Strip the personal details of requests answered more than the retention period ago: the identity
    number keeps its masked form, the phone its last four digits (so the query page still works), and
    the e-mail and address go. Returns how many were purged. See docs/privacy.md."""
    from django.conf import settings

    now = now or timezone.now()
    days = days if days is not None else int(settings.CITYHALL_DISCLOSURE_RETENTION_DAYS)
    cutoff = now - dt.timedelta(days=days)
    purged = 0
    with audit.atomic():
        for req in (
            R.objects.select_for_update()
            .filter(state=R.State.REPLIED, replied_at__lt=cutoff)
            .exclude(id_number__contains="*")
        ):
            req.id_number = req.masked_id
            req.phone = "*" * max(len(req.phone) - 4, 0) + req.phone[-4:]
            req.email = req.address = ""
            req.save(update_fields=["id_number", "phone", "email", "address"])
            purged += 1
        if purged:
            audit_record(
                actor=None,
                action="disclosure.purge",
                subject=None,
                after={"purged": purged, "before": cutoff.isoformat(), "days": days},
                rule_ids=["disclosure.reply"],
                at=now,
            )
    return purged
