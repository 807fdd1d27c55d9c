"""Writes for official documents. Every state change goes through ``_apply`` (the flow table in
cityhall/rules/document_flow.py), in one transaction with its audit event, an optimistic
version check, and the inbox brought in line with the new state (cityhall/documents/inbox.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import models
from django.utils import timezone

from cityhall.org.memo import memoised
from cityhall.org.models import Person, Position, Unit
from cityhall.org.selectors import acting_for, holders_at, positions_acted_for, positions_held, supervising_positions
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules import document_flow as flow
from cityhall.rules.applies import applies
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.rules.intake import REFUSE, Draft, check_draft
from cityhall.rules.signing import (
    CATEGORIES,
    MAYOR,
    OTHER,
    SUPERVISING,
    OutgoingFacts,
    Refusal,
    SigningCase,
    allowed_signers,
    check_outgoing,
    check_signing,
)
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.models import Deadline, InboxItem
from cityhall.workflow.registry import DeadlineKind, register
from cityhall.workflow.services import deadline_close, deadline_extend, deadline_schedule

from . import inbox
from .models import (
    STATE_SECRETS,
    BriefKind,
    Countersign,
    CountersignDelegate,
    Document,
    Instruction,
    IntakeFinding,
    NumberSequence,
)

COUNTERSIGN_KIND = "documents.countersign"
KINDS = (
    "请示",
    "报告",
    "函",
    "意见",
    "通知",
    "通报",
    "决定",
    "纪要",
    "议案",
    "批复",
    "公告",
    "通告",
    "公报",
    "决议",
    "命令",
)
CLASSIFICATIONS = tuple(c for c, _ in Document.Classification.choices)
URGENCIES = tuple(u for u, _ in Document.Urgency.choices)
DISCLOSURES = tuple(d for d, _ in Document.Disclosure.choices)
REPLY_CHANNELS = ("电话", "纸质", "当面", "电子邮件")
# The audit trail keeps a digest, not the text, of these fields (Art 69; and a body is not an audit fact).
_TEXT_KEYS = frozenset(
    {"title", "body", "instruction", "proposed_handling", "reply", "reason", "grounds", "proposal", "text", "result"}
)


def _citation(rule_id: str) -> str:
    return rulebook().rule(rule_id).citation


def _refuse(code: str, rule_id: str, message: str) -> RuleViolation:
    return RuleViolation(code, _citation(rule_id), message)


# -- input checks: every length against its column, nothing cut silently ---------------------------


def check_lengths(model: type[models.Model], values: Mapping[str, Any]) -> None:
    """Refuse (in Chinese, naming the field) any text longer than its column, or with control characters."""
    for name, value in values.items():
        field = model._meta.get_field(name)
        label = getattr(field, "verbose_name", name)
        texts = value if isinstance(value, list | tuple) else [value]
        for text in texts:
            if not isinstance(text, str):
                continue
            if any(ord(c) < 32 and c not in "\t\n\r" for c in text) or any(0xD800 <= ord(c) <= 0xDFFF for c in text):
                raise InvalidInput(f"“{label}”含有不能保存的控制字符，请删除后重试。", name)
        limit = getattr(field, "max_length", None)
        joined = "、".join(value) if isinstance(value, list | tuple) else value
        if limit and isinstance(joined, str) and len(joined) > limit:
            raise InvalidInput(f"“{label}”最多{limit}个字，您输入了{len(joined)}个字。", name)


def _required(value: str, label: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"请填写“{label}”（不能只有空格）。", field)
    return text


def _choice(value: str, allowed: Sequence[str], label: str, field: str) -> str:
    if value not in allowed:
        shown = "、".join(a or "（空）" for a in allowed)
        raise InvalidInput(f"“{label}”只能是：{shown}。您填写的是“{value}”。", field)
    return value


def person_label(person: Person | None, at: dt.datetime | None = None) -> str:
    """ "副市长 岳清远": the title of the person's first position, then the name."""
    if person is None:
        return "系统"
    held = positions_held(person, at or timezone.now())
    return f"{held[0].title} {person.name}" if held else person.name


def position_label(position: Position | None, at: dt.datetime | None = None) -> str:
    if position is None:
        return ""
    holder = holders_at(at or timezone.now(), [position]).get(position.pk)
    return f"{position.title} {holder.name}" if holder else position.title


# -- the audit trail of a document ------------------------------------------------------------------


def _digest(text: str) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()[:16], "chars": len(text)}


def redact(doc: Document, value: Any) -> Any:
    """A document's free text goes into the audit trail as a digest: always the body, and every text of a
    classified document (Art 69). The trail proves what changed without holding the content."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            secret = k == "body" or (doc.classification and k in _TEXT_KEYS)
            out[k] = _digest(v) if secret and isinstance(v, str) and v else redact(doc, v)
        return out
    if isinstance(value, list):
        return [redact(doc, v) for v in value]
    return value


def _audit(doc: Document, *, action: str, actor: Person | None, **kwargs: Any) -> None:
    for key in ("before", "after"):
        if kwargs.get(key) is not None:
            kwargs[key] = redact(doc, kwargs[key])
    label = doc.safe_title if doc.classification else str(doc)[:200]
    audit_record(
        actor=actor,
        action=action,
        subject=doc,
        subject_override=(doc._meta.label_lower, str(doc.pk), label),
        **kwargs,
    )


def _summary(doc: Document) -> dict[str, Any]:
    return {
        "state": doc.state,
        "title": doc.title,
        "routed_to": doc.routed_to.code if doc.routed_to else None,
        "opinion": doc.opinion,
        "document_number": doc.document_number,
        "receipt_number": doc.receipt_number,
    }


def _lock(doc: Document) -> Document:
    """The document, locked, with the units every action reads (only the document's row is locked)."""
    return (
        Document.objects.select_for_update(of=("self",))
        .select_related("issuer_unit", "drafting_unit", "matter_unit")
        .get(pk=doc.pk)
    )


def _copy_into(doc: Document, locked: Document) -> None:
    """What ``refresh_from_db()`` would give the caller's instance, without reading the row again."""
    if doc is locked:
        return
    for f in Document._meta.concrete_fields:
        setattr(doc, f.attname, getattr(locked, f.attname))
    doc._state.fields_cache = dict(locked._state.fields_cache)


def _transit(
    locked: Document,
    action: str,
    *,
    actor: Person | None,
    at: dt.datetime,
    on_behalf_of: Person | None = None,
    changes: dict[str, Any] | None = None,
    extra_rules: Sequence[str] = (),
    note: dict[str, Any] | None = None,
) -> None:
    """One transition of the flow table on a locked document, with its audit event; the caller saves the row
    (one document in ``_apply``, a whole batch in ``deem_no_objection_many``) and brings the inbox in line."""
    try:
        t = flow.transition_for(action, locked.state, locked.direction)
    except flow.TransitionRefused as exc:
        raise _refuse(exc.code, exc.rule_id, exc.message) from None
    before = _summary(locked)
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    if t.target == flow.RESUME:
        locked.state = locked.resume_state or (
            flow.REGISTERED if locked.direction == Document.Direction.INCOMING else flow.SIGNING
        )
        locked.resume_state = ""
    else:
        if t.target == flow.COUNTERSIGNING:
            locked.resume_state = locked.state
        locked.state = t.target
    locked.version += 1
    _audit(
        locked,
        actor=actor,
        on_behalf_of=on_behalf_of,
        action=f"document.{action}",
        before=before,
        after={**_summary(locked), **(note or {})},
        rule_ids=_rules(t.rule_id, extra_rules),
        at=at,
    )


@applies("documents.routing")
def _apply(
    doc: Document,
    action: str,
    *,
    actor: Person | None,
    on_behalf_of: Person | None = None,
    changes: dict[str, Any] | None = None,
    extra_rules: Sequence[str] = (),
    note: dict[str, Any] | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Document:
    """Apply one transition of the flow table, with its audit event and the inbox, in the caller's transaction.

    ``extra_rules`` that are items of Art 51 replace the table's default signing item: a letter is
    signed under item (6), not (5).
    """
    at = at or timezone.now()
    locked = _lock(doc)
    if expected_version is not None and locked.version != expected_version:
        raise RuleViolation(
            "stale",
            _citation("documents.routing"),
            "这份公文已被他人办理，请刷新页面后查看最新状态（您看到的不是最新版本）。",
        )
    _transit(
        locked,
        action,
        actor=actor,
        on_behalf_of=on_behalf_of,
        changes=changes,
        extra_rules=extra_rules,
        note=note,
        at=at,
    )
    locked.save()
    inbox.sync(locked, actor=actor, on_behalf_of=on_behalf_of, at=at)
    _copy_into(doc, locked)
    return locked


def _touch(
    doc: Document,
    *,
    actor: Person | None,
    action: str,
    after: dict[str, Any],
    rule_ids: Sequence[str],
    on_behalf_of: Person | None = None,
    at: dt.datetime | None = None,
    **changes: Any,
) -> Document:
    """A recorded change that is not a state transition (a review, a co-signature, a note)."""
    at = at or timezone.now()
    locked = _lock(doc)
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.version += 1
    locked.save()
    _audit(locked, actor=actor, on_behalf_of=on_behalf_of, action=action, after=after, rule_ids=rule_ids, at=at)
    inbox.sync(locked, actor=actor, on_behalf_of=on_behalf_of, at=at)
    _copy_into(doc, locked)
    return locked


def _rules(default: str, extra: Sequence[str]) -> list[str]:
    signing_items = [r for r in extra if r.startswith("signing.item-")]
    base = [] if signing_items and default.startswith("signing.item-") else [default]
    return list(dict.fromkeys([*base, *extra]))


def general_office() -> Unit:
    return memoised("general_office", lambda: Unit.objects.get(kind=Unit.Kind.GENERAL_OFFICE))


# -- submission and intake (Art 48, Art 49 ¶1) --------------------------------------------------


def draft_of(doc: Document) -> Draft:
    facts = doc.intake_facts or {}
    return Draft(
        kind=doc.kind,
        title=doc.title,
        body=doc.body,
        issuer=doc.issuer_unit.name,
        addressees=[a for a in doc.addressees.split("、") if a],
        signed_by=doc.signed_by_title,
        copied_to=[a for a in doc.copied_to.split("、") if a],
        classification=doc.classification,
        leader_assigned=facts.get("leader_assigned") is True,
        major_emergency=facts.get("major_emergency") is True,
        urgent_foreign_affairs=facts.get("urgent_foreign_affairs") is True,
        level_skip_approved=facts.get("level_skip_approved") is True,
    )


@applies("documents.kinds", "disclosure.publish")
def _check_classification(classification: str, period: str, disclosure: str, disclosure_reason: str) -> None:
    _choice(classification, CLASSIFICATIONS, "密级", "classification")
    _choice(disclosure, DISCLOSURES, "公开属性", "disclosure")
    if classification in STATE_SECRETS and not period.strip():
        raise _refuse(
            "classification_period", "documents.kinds", "标注国家秘密密级的公文必须同时标注保密期限（GB/T 9704-2012）。"
        )
    if disclosure == Document.Disclosure.WITHHELD and not disclosure_reason.strip():
        raise _refuse(
            "disclosure_reason",
            "disclosure.publish",
            "公开属性为“不予公开”的，必须写明依法不予公开的理由：除依法需要保密的外，应及时公布。",
        )


INCOMING_FIELDS = (
    "kind",
    "title",
    "body",
    "addressees",
    "copied_to",
    "signed_by_title",
    "signer_name",
    "matter_unit",
    "sender_number",
    "urgency",
    "contact_name",
    "contact_phone",
    "classification",
    "classification_period",
    "disclosure",
    "disclosure_reason",
    "intake_facts",
    "copies",
)


def _clean_incoming(fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    for name in ("addressees", "copied_to"):
        if name in out:
            values = out[name]
            if isinstance(values, str):
                values = values.split("、")
            out[name] = "、".join(str(v).strip() for v in values if str(v).strip())
    if "kind" in out:
        _choice(out["kind"], KINDS, "文种", "kind")
    if "title" in out:
        out["title"] = _required(out["title"], "标题", "title")
    if "urgency" in out:
        _choice(out["urgency"], URGENCIES, "紧急程度", "urgency")
    if "intake_facts" in out:
        facts = out["intake_facts"] or {}
        bad = [k for k, v in facts.items() if not isinstance(v, bool)]
        if bad:
            raise InvalidInput(f"例外情形声明（{'、'.join(bad)}）只能是 true 或 false。", bad[0])
    check_lengths(Document, {k: v for k, v in out.items() if isinstance(v, str)})
    return out


def document_create_incoming(
    *,
    actor: Person | None,
    issuer_unit: Unit,
    kind: str,
    title: str,
    body: str,
    addressees: Sequence[str],
    signed_by_title: str,
    copied_to: Sequence[str] = (),
    matter_unit: Unit | None = None,
    classification: str = "",
    classification_period: str = "",
    disclosure: str = Document.Disclosure.ON_REQUEST,
    disclosure_reason: str = "",
    intake_facts: dict[str, bool] | None = None,
    **extra: Any,
) -> Document:
    """Save a draft from a county or department. Nothing is checked yet: a draft may be incomplete."""
    _check_classification(classification, classification_period, disclosure, disclosure_reason)
    fields = _clean_incoming(
        {
            "kind": kind,
            "title": title,
            "body": body,
            "addressees": list(addressees),
            "copied_to": list(copied_to),
            "signed_by_title": signed_by_title,
            "classification": classification,
            "classification_period": classification_period,
            "disclosure": disclosure,
            "disclosure_reason": disclosure_reason,
            "intake_facts": intake_facts or {},
            **extra,
        }
    )
    unknown = set(fields) - set(INCOMING_FIELDS)
    if unknown:
        raise InvalidInput(f"未知的字段：{'、'.join(sorted(unknown))}。", sorted(unknown)[0])
    with audit.atomic():
        doc = Document.objects.create(
            direction=Document.Direction.INCOMING,
            issuer_unit=issuer_unit,
            matter_unit=fields.pop("matter_unit", None) or matter_unit or issuer_unit,
            submitted_by=actor,
            **fields,
        )
        _audit(doc, actor=actor, action="document.draft", after=_summary(doc))
        inbox.sync(doc, actor=actor)
    return doc


@applies("documents.office-processes-first")
def document_update_draft(*, actor: Person | None, document: Document, **fields: Any) -> Document:
    """Change a draft (or a returned document) before submitting it again."""
    allowed = set(INCOMING_FIELDS) | set(OUTGOING_FIELDS)
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(f"未知的字段：{'、'.join(sorted(unknown))}。", sorted(unknown)[0])
    cleaned = _clean_incoming(fields)
    if "signing_category" in cleaned:
        _choice(cleaned["signing_category"], tuple(CATEGORIES), "签发类别", "signing_category")
    with audit.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.state not in (flow.DRAFT, flow.RETURNED):
            raise _refuse(
                "not_a_draft",
                "documents.office-processes-first",
                f"公文已是“{flow.STATE_LABELS[locked.state]}”，只有草稿或被退回的公文可以修改。",
            )
        _check_classification(
            cleaned.get("classification", locked.classification),
            cleaned.get("classification_period", locked.classification_period),
            cleaned.get("disclosure", locked.disclosure),
            cleaned.get("disclosure_reason", locked.disclosure_reason),
        )
        before = {f: _plain(getattr(locked, f)) for f in cleaned}
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.save()
        changed = {f: _plain(getattr(locked, f)) for f in cleaned}
        _audit(
            locked,
            actor=actor,
            action="document.edit",
            before={k: v for k, v in before.items() if v != changed[k]},
            after={k: v for k, v in changed.items() if v != before[k]},
        )
    document.refresh_from_db()
    return document


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@applies("documents.office-processes-first")
def document_delete_draft(*, actor: Person, document: Document) -> None:
    """The author deletes a draft that was never submitted (草稿可由起草人删除)."""
    with audit.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.state != flow.DRAFT or locked.submitted_at is not None:
            raise _refuse(
                "not_deletable",
                "documents.office-processes-first",
                "只有从未报送的草稿可以删除；已报送的公文留有办理记录，可以撤回但不能删除。",
            )
        if locked.submitted_by_id != actor.pk:
            raise _refuse("not_author", "documents.office-processes-first", "只有起草人可以删除这份草稿。")
        _audit(locked, actor=actor, action="document.delete_draft", before=_summary(locked))
        inbox.close_all(locked, actor=actor)
        request = locked.reply_to
        locked.delete()
        if request is not None:
            inbox.sync(request, actor=actor)


@applies(
    "documents.kinds",
    "documents.no-level-skipping",
    "documents.no-multiple-submission",
    "documents.not-to-individual",
    "documents.one-matter",
    "documents.principal-signs",
    "documents.report-no-request",
)
def document_submit(*, actor: Person | None, document: Document, at: dt.datetime | None = None) -> Document:
    """Submit to the city government. A refusal leaves the draft exactly as it was."""
    at = at or timezone.now()
    result = check_draft(draft_of(document), rulebook())
    refusals = [f for f in result.findings if f.severity == REFUSE]
    if refusals:
        first = refusals[0]
        raise RuleViolation(first.code, first.citation, "；".join(f.message for f in refusals))
    changes: dict[str, Any] = {"submitted_at": at}
    if not document.dated:
        changes["dated"] = at.astimezone(LOCAL_TZ).date()
    if not document.signer_name and actor is not None:
        changes["signer_name"] = actor.name
    with audit.atomic():
        doc = _apply(
            document,
            "submit",
            actor=actor,
            changes=changes,
            extra_rules=[f.rule_id for f in result.findings],
            at=at,
        )
        doc.findings.all().delete()
        IntakeFinding.objects.bulk_create(
            [
                IntakeFinding(
                    document=doc,
                    code=f.code,
                    severity=f.severity,
                    rule_id=f.rule_id,
                    citation=f.citation,
                    message=f.message,
                )
                for f in result.findings
            ]
        )
    return doc


def document_recall(*, actor: Person, document: Document, reason: str = "") -> Document:
    """The sender takes a submitted document back before the office has registered it (撤回)."""
    check_lengths(Document, {"remarks": reason})
    with audit.atomic():
        return _apply(document, "recall", actor=actor, note={"reason": reason.strip()})


def finding_clear(*, actor: Person, finding: IntakeFinding, reason: str) -> IntakeFinding:
    if not reason.strip():
        raise _refuse("clear_reason", finding.rule_id, "清除提示必须说明理由。")
    reason = reason.strip()
    check_lengths(IntakeFinding, {"cleared_reason": reason})
    with audit.atomic():
        locked = IntakeFinding.objects.select_for_update().get(pk=finding.pk)
        if locked.cleared_at:
            return locked
        locked.cleared_by, locked.cleared_reason, locked.cleared_at = actor, reason, timezone.now()
        locked.save(update_fields=["cleared_by", "cleared_reason", "cleared_at"])
        _audit(
            locked.document,
            actor=actor,
            action="document.clear_warning",
            after={"finding": locked.code, "reason": locked.cleared_reason},
            rule_ids=[locked.rule_id],
        )
    return locked


def receipt_code() -> str:
    """收文编号的代字: the office's 发文代字 with 收 for 发 (抚政办发 → 抚政办收)."""
    code = general_office().document_code or "抚政办发"
    return code[:-1] + "收" if code.endswith("发") else code + "收"


@applies("documents.routing", "documents.office-processes-first")
def document_register(
    *,
    actor: Person,
    document: Document,
    proposed_handling: str,
    matter_unit: Unit | None = None,
    handling_due: dt.date | None = None,
    urgency: str | None = None,
    sender_number: str | None = None,
    at: dt.datetime | None = None,
) -> Document:
    """The office accepts the document (收文登记): a gap-free 收文编号, the 拟办意见 (Art 48, Art 49)."""
    at = at or timezone.now()
    open_warnings = document.findings.filter(severity="warn", cleared_at__isnull=True)
    if open_warnings.exists():
        first = open_warnings.first()
        assert first is not None  # noqa: S101
        raise RuleViolation(
            "uncleared_warning", first.citation, f"还有{open_warnings.count()}条收文提示未清除：{first.message}"
        )
    if not proposed_handling.strip():
        raise _refuse(
            "no_proposed_handling", "documents.routing", "请填写拟办意见（工作规则第四十九条：提出明确办理意见）。"
        )
    check_lengths(Document, {"sender_number": sender_number or ""})
    if urgency is not None:
        _choice(urgency, URGENCIES, "紧急程度", "urgency")
    if handling_due is not None and handling_due < at.astimezone(LOCAL_TZ).date():
        raise InvalidInput(f"限办日期 {handling_due.isoformat()} 已经过去，请填写今天或以后的日期。", "handling_due")
    local = at.astimezone(LOCAL_TZ)
    with audit.atomic():
        code = receipt_code()
        seq = number_allocate(code=code, year=local.year)
        changes: dict[str, Any] = {
            "proposed_handling": proposed_handling.strip(),
            "matter_unit": matter_unit or document.matter_unit,
            "receipt_year": local.year,
            "receipt_seq": seq,
            "receipt_number": format_number(code, local.year, seq),
            "received_at": at,
        }
        if handling_due is not None:
            changes["handling_due"] = handling_due
        if urgency is not None:
            changes["urgency"] = urgency
        if sender_number is not None:
            changes["sender_number"] = sender_number.strip()
        return _apply(document, "register", actor=actor, changes=changes, at=at)


def document_return(*, actor: Person, document: Document, reason: str) -> Document:
    reason = _required(reason, "退回理由", "reason")
    check_lengths(Document, {"remarks": reason})
    with audit.atomic():
        return _apply(document, "return", actor=actor, changes={"remarks": reason}, note={"reason": reason})


# -- routing and instructions (Art 49) -----------------------------------------------------------


def route_target(document: Document, at: dt.datetime) -> tuple[Position, list[str]]:
    """The leader whose division of labour covers the matter; the mayor for major matters."""
    if document.major:
        return Position.objects.get(kind=Position.Kind.MAYOR), ["重大事项报市长审批"]
    unit = document.matter_unit or document.issuer_unit
    leaders = supervising_positions(unit, at)
    if leaders:
        return leaders[0], [f"{unit.name}由{position_label(leaders[0], at)}分管"]
    return Position.objects.get(kind=Position.Kind.MAYOR), [f"{unit.name}没有登记分管领导，呈市长"]


def unresolved_disagreement(document: Document) -> bool:
    """Departments objected and the city government has not yet decided on the listed disagreement."""
    if not inbox.has_countersigns(document, Countersign.State.OBJECTED):
        return False
    return not (document.disagreement or {}).get("decided")


@applies("countersign.disagreement")
def disagreement_submit(*, actor: Person, document: Document, host_grounds: str, proposal: str) -> Document:
    """Countersign ended in disagreement: the host lists each side's grounds and a proposal (Art 50 ¶1),
    and the heads of the other departments countersign that statement before it goes for decision."""
    objections = list(document.countersigns.filter(state=Countersign.State.OBJECTED).select_related("unit"))
    if not objections:
        raise _refuse("no_disagreement", "countersign.disagreement", "会签没有不同意见，无需列明分歧。")
    if not host_grounds.strip() or not proposal.strip():
        raise _refuse(
            "disagreement_incomplete",
            "countersign.disagreement",
            "请列明主办方的理据并提出办理建议（工作规则第五十条第一款）。",
        )
    if document.state == flow.COUNTERSIGNING:
        raise _refuse(
            "countersign_pending", "countersign.disagreement", "还有部门尚未回复会签，请待全部回复后再列明分歧。"
        )
    check_lengths(Document, {"result": host_grounds + proposal})
    host = host_unit(document)
    record = {
        "host": {"unit": host.name, "unit_id": host.pk, "grounds": host_grounds.strip()},
        "others": [{"unit": c.unit.name, "unit_id": c.unit_id, "grounds": c.reply} for c in objections],
        "proposal": proposal.strip(),
        "submitted_by": actor.name,
        "submitted_at": timezone.now().isoformat(),
        # The other departments' heads countersign the statement (与相关部门负责人会签).
        "confirmations": {str(c.unit_id): None for c in document.countersigns.all()},
        "decided": False,
    }
    with audit.atomic():
        return _touch(
            document,
            actor=actor,
            action="countersign.disagreement_submitted",
            after=record,
            rule_ids=["countersign.disagreement"],
            disagreement=record,
        )


@applies("countersign.disagreement", "countersign.by-head")
def disagreement_confirm(*, actor: Person, document: Document, unit: Unit, at: dt.datetime | None = None) -> Document:
    """A department head, or someone the head authorised, countersigns the host's statement of the
    disagreement (Art 50 ¶1)."""
    at = at or timezone.now()
    _check_countersigner(actor, unit, at, "分歧情况的会签")
    with audit.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        record = dict(locked.disagreement or {})
        confirmations = dict(record.get("confirmations") or {})
        if str(unit.pk) not in confirmations:
            raise _refuse("not_a_party", "countersign.disagreement", f"{unit.name}不是这份公文的会签部门。")
        if confirmations[str(unit.pk)]:
            return locked
        confirmations[str(unit.pk)] = {"by": actor.name, "at": at.isoformat()}
        record["confirmations"] = confirmations
        return _touch(
            locked,
            actor=actor,
            action="countersign.disagreement_confirmed",
            after={"unit": unit.name},
            rule_ids=["countersign.disagreement"],
            at=at,
            disagreement=record,
        )


def disagreement_ready(document: Document) -> bool:
    record = document.disagreement or {}
    confirmations = record.get("confirmations") or {}
    return bool(record) and all(confirmations.values())


@applies("documents.routing", "countersign.disagreement", "org.division-of-labour")
def document_route(
    *, actor: Person, document: Document, to: Position | None = None, major: bool = False, at: dt.datetime | None = None
) -> Document:
    at = at or timezone.now()
    if document.countersigns.filter(state=Countersign.State.OBJECTED).exists():
        if not document.disagreement:
            raise _refuse(
                "disagreement_not_listed",
                "countersign.disagreement",
                "会签有不同意见：须由主办部门列明各方理据、提出办理建议后，再报市政府决定。",
            )
        if not disagreement_ready(document):
            raise _refuse(
                "disagreement_not_countersigned",
                "countersign.disagreement",
                "分歧情况还须与相关部门负责人会签：尚有部门未会签。",
            )
    if document.direction == Document.Direction.OUTGOING and not unresolved_disagreement(document):
        raise _refuse(
            "no_decision_needed",
            "documents.routing",
            "这份发文没有待市政府决定的分歧事项，请按签发程序办理（审核、会签、签发）。",
        )
    with audit.atomic():
        if major and not document.major:
            Document.objects.filter(pk=document.pk).update(major=True)
            document.major = True
        target, why = (to, ["办公室指定"]) if to else route_target(document, at)
        acting = acting_for(target, at)
        note = {
            "route": why,
            "to": position_label(target, at),
            "acting": acting.as_dict() if acting.is_acting else None,
        }
        return _apply(
            document,
            "route",
            actor=actor,
            changes={"routed_to": target, "opinion": "", "instruction": ""},
            note=note,
            extra_rules=list(acting.rule_ids) if acting.is_acting else ["org.division-of-labour"],
            at=at,
        )


def _leader_seat(actor: Person, document: Document, at: dt.datetime) -> tuple[Position, Person | None]:
    """The routed position if ``actor`` holds it or acts for it; refuses otherwise."""
    target = document.routed_to
    if target is None:
        raise _refuse("not_routed", "documents.routing", "这份公文尚未呈批。")
    if target.pk in {p.pk for p in positions_held(actor, at)}:
        return target, None
    acting = acting_for(target, at)
    if acting.acting_person_id == actor.pk:
        return target, holders_at(at, [target]).get(target.pk)
    who = position_label(target, at)
    raise _refuse(
        "not_your_document",
        "documents.routing",
        f"这份公文呈{who}批示，您不是{target.title}，今天也不代行其职责。",
    )


def _record_instruction(
    document: Document,
    *,
    position: Position,
    actor: Person,
    on_behalf_of: Person | None,
    kind: str,
    opinion: str = "",
    text: str = "",
    passed_to: Position | None = None,
    at: dt.datetime,
) -> None:
    Instruction.objects.create(
        document=document,
        position=position,
        person=actor,
        on_behalf_of=on_behalf_of,
        kind=kind,
        opinion=opinion,
        text=text,
        passed_to=passed_to,
        at=at,
    )


@applies("documents.clear-opinion")
def document_instruct(
    *, actor: Person, document: Document, opinion: str, text: str = "", at: dt.datetime | None = None
) -> Document:
    """The leader's clear opinion on a request (Art 49): 同意, 不同意 or 批示 with its text."""
    at = at or timezone.now()
    allowed = rulebook().rule("documents.clear-opinion").record.params["opinions"]
    if opinion not in getattr(allowed, "values", ()):
        raise _refuse(
            "no_clear_opinion",
            "documents.clear-opinion",
            "对有具体请示事项的公文须签署明确意见：同意、不同意或批示。没有明确意见的，办公室不得流转。",
        )
    if opinion == "批示" and not text.strip():
        raise _refuse("no_clear_opinion", "documents.clear-opinion", "选择“批示”时必须写明批示内容。")
    check_lengths(Instruction, {"text": text})
    position, on_behalf_of = _leader_seat(actor, document, at)
    with audit.atomic():
        _record_instruction(
            document,
            position=position,
            actor=actor,
            on_behalf_of=on_behalf_of,
            kind=Instruction.Kind.DECISION,
            opinion=opinion,
            text=text.strip(),
            at=at,
        )
        changes: dict[str, Any] = {"opinion": opinion, "instruction": text.strip()}
        if document.disagreement and not document.disagreement.get("decided"):
            # The city government's decision on the listed disagreement (Art 50 ¶1) settles it.
            changes["disagreement"] = {**document.disagreement, "decided": True, "decision": opinion}
        return _apply(
            document,
            "instruct",
            actor=actor,
            on_behalf_of=on_behalf_of,
            changes=changes,
            extra_rules=["acting.ab-partner"] if on_behalf_of else [],
            note={"by": position_label(position, at)},
            at=at,
        )


@applies("documents.routing")
def document_pass_on(
    *, actor: Person, document: Document, to: Position, text: str = "", at: dt.datetime | None = None
) -> Document:
    """A leader passes the document to another leader (转请其他领导同志核批, Art 49), with an optional 批示."""
    at = at or timezone.now()
    position, on_behalf_of = _leader_seat(actor, document, at)
    if to.pk == position.pk:
        raise _refuse("pass_to_self", "documents.routing", "不能转给自己。")
    if to.rank is None:
        raise _refuse("not_a_leader", "documents.routing", f"{to.title}不是市政府领导同志，不能转批。")
    check_lengths(Instruction, {"text": text})
    with audit.atomic():
        _record_instruction(
            document,
            position=position,
            actor=actor,
            on_behalf_of=on_behalf_of,
            kind=Instruction.Kind.PASS_ON,
            text=text.strip(),
            passed_to=to,
            at=at,
        )
        return _apply(
            document,
            "pass_on",
            actor=actor,
            on_behalf_of=on_behalf_of,
            changes={"routed_to": to},
            note={"to": position_label(to, at)},
            extra_rules=["acting.ab-partner"] if on_behalf_of else [],
            at=at,
        )


def document_leader_return(
    *, actor: Person, document: Document, reason: str, at: dt.datetime | None = None
) -> Document:
    """A leader sends the document back to the office (e.g. to complete the countersign) with the reason."""
    at = at or timezone.now()
    reason = _required(reason, "退回理由", "reason")
    check_lengths(Instruction, {"text": reason})
    position, on_behalf_of = _leader_seat(actor, document, at)
    with audit.atomic():
        _record_instruction(
            document,
            position=position,
            actor=actor,
            on_behalf_of=on_behalf_of,
            kind=Instruction.Kind.RETURN,
            text=reason,
            at=at,
        )
        return _apply(document, "leader_return", actor=actor, on_behalf_of=on_behalf_of, note={"reason": reason}, at=at)


@applies("documents.clear-opinion")
def document_close(*, actor: Person, document: Document, result: str, at: dt.datetime | None = None) -> Document:
    """办结: the office records the result of handling (办理结果)."""
    result = _required(result, "办理结果", "result")
    if document.kind == "请示" and document.state != flow.DECIDED:
        raise _refuse(
            "request_needs_opinion",
            "documents.clear-opinion",
            "请示件须经领导同志签署明确意见后才能办结。",
        )
    check_lengths(Document, {"result": result})
    with audit.atomic():
        return _apply(document, "close", actor=actor, changes={"result": result}, note={"result": result}, at=at)


def document_archive(*, actor: Person, document: Document, at: dt.datetime | None = None) -> Document:
    at = at or timezone.now()
    with audit.atomic():
        return _apply(document, "archive", actor=actor, changes={"archived_at": at}, at=at)


def documents_relate(*, actor: Person, document: Document, other: Document) -> Document:
    """关联文件: link two documents both ways."""
    if other.pk == document.pk:
        raise InvalidInput("不能把公文与它自己关联。", "related")
    with audit.atomic():
        document.related.add(other)
        _audit(document, actor=actor, action="document.relate", after={"related": other.pk})
    return document


# -- countersign (Art 50) --------------------------------------------------------------------------


def host_unit(doc: Document) -> Unit:
    """主办部门: the drafting department of an outgoing document; otherwise the General Office."""
    unit = doc.drafting_unit or (doc.issuer_unit if doc.direction == Document.Direction.OUTGOING else None)
    if unit is not None and unit.kind in (Unit.Kind.DEPARTMENT, Unit.Kind.AFFILIATED, Unit.Kind.COORDINATING_BODY):
        return unit
    return general_office()


def principal_of(unit: Unit) -> Position | None:
    return memoised(
        ("principal_of", unit.pk),
        lambda: Position.objects.filter(unit=unit, kind=Position.Kind.PRINCIPAL_HEAD).order_by("id").first(),
    )


def belongs_to(person: Person, unit: Unit, at: dt.datetime) -> bool:
    return any(p.unit_id == unit.pk for p in positions_held(person, at))


def is_office(person: Person, at: dt.datetime) -> bool:
    """Whether ``person`` works in the General Office at ``at`` (its clerks organise meetings, the ledger…)."""
    return belongs_to(person, general_office(), at)


def is_head_of(person: Person, unit: Unit, at: dt.datetime) -> bool:
    return any(p.unit_id == unit.pk and p.kind == Position.Kind.PRINCIPAL_HEAD for p in positions_held(person, at))


def countersign_delegates(unit: Unit) -> list[CountersignDelegate]:
    return list(
        memoised(
            ("countersign_delegates", unit.pk),
            lambda: list(
                CountersignDelegate.objects.filter(unit=unit, revoked_at__isnull=True).select_related(
                    "person", "granted_by"
                )
            ),
        )
    )


def may_countersign(person: Person, unit: Unit, at: dt.datetime) -> bool:
    """The unit's head, or someone the head has authorised and not revoked (Art 50 ¶1)."""
    if is_head_of(person, unit, at):
        return True
    if not belongs_to(person, unit, at):
        return False
    return any(d.person_id == person.pk for d in countersign_delegates(unit))


def _head_name(unit: Unit, at: dt.datetime) -> str:
    head = principal_of(unit)
    holder = holders_at(at, [head]).get(head.pk) if head else None
    return f"{head.title}{holder.name}" if head and holder else "本单位主要负责人"


def _check_countersigner(actor: Person, unit: Unit, at: dt.datetime, what: str) -> None:
    if not belongs_to(actor, unit, at):
        raise _refuse("not_your_countersign", "countersign.by-head", f"这项{what}由{unit.name}办理，您不是该单位人员。")
    if not may_countersign(actor, unit, at):
        raise _refuse(
            "not_authorised_to_countersign",
            "countersign.by-head",
            f"{what}须由{unit.name}负责人办理，或由其授权的人员办理。您尚未获得授权，"
            f"请{_head_name(unit, at)}在“会签授权”中授权您。",
        )


def _resync_pending_countersigns(unit: Unit, actor: Person, at: dt.datetime) -> None:
    # A new or revoked authority changes whose inbox the unit's pending countersigns are in.
    for doc in Document.objects.filter(
        countersigns__unit=unit, countersigns__state=Countersign.State.PENDING
    ).distinct():
        inbox.sync(doc, actor=actor, at=at)


@applies("countersign.by-head")
def countersign_delegate_grant(
    *, actor: Person, unit: Unit, person: Person, at: dt.datetime | None = None
) -> CountersignDelegate:
    """The head authorises someone of the unit to countersign for it."""
    at = at or timezone.now()
    if not is_head_of(actor, unit, at):
        raise _refuse("not_the_head", "countersign.by-head", f"只有{unit.name}主要负责人可以授权本单位人员办理会签。")
    if person.pk == actor.pk:
        raise InvalidInput("您是负责人，本来就可以会签，无需授权自己。", "person")
    if not belongs_to(person, unit, at):
        raise InvalidInput(f"{person.name}不是{unit.name}的人员，不能授权其代表本单位会签。", "person")
    with audit.atomic():
        existing = CountersignDelegate.objects.filter(unit=unit, person=person, revoked_at__isnull=True).first()
        if existing is not None:
            return existing
        delegate = CountersignDelegate.objects.create(unit=unit, person=person, granted_by=actor, granted_at=at)
        audit_record(
            actor=actor,
            action="countersign.delegate_grant",
            subject=delegate,
            after={"unit": unit.name, "person": person.name},
            rule_ids=["countersign.by-head"],
        )
        _resync_pending_countersigns(unit, actor, at)
    return delegate


@applies("countersign.by-head")
def countersign_delegate_revoke(
    *, actor: Person, delegate: CountersignDelegate, at: dt.datetime | None = None
) -> CountersignDelegate:
    at = at or timezone.now()
    if not is_head_of(actor, delegate.unit, at):
        raise _refuse("not_the_head", "countersign.by-head", f"只有{delegate.unit.name}主要负责人可以撤销会签授权。")
    with audit.atomic():
        locked = CountersignDelegate.objects.select_for_update().get(pk=delegate.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at, locked.revoked_by = at, actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            action="countersign.delegate_revoke",
            subject=locked,
            before={"person": locked.person.name},
            after={"unit": locked.unit.name, "revoked": True},
            rule_ids=["countersign.by-head"],
        )
        _resync_pending_countersigns(locked.unit, actor, at)
    return locked


@applies("countersign.required", "countersign.reply")
def countersign_request(
    *,
    actor: Person,
    document: Document,
    units: Sequence[Unit],
    anchor: dt.date | None = None,
    due_by: dt.date | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> list[Countersign]:
    """Ask each department to countersign; replies are due under countersign.reply, or by the host's own
    limit (Art 50 ¶2 「除主办部门另有时限要求外」), earlier or later; a later one needs its reason."""
    at = at or timezone.now()
    today = at.astimezone(LOCAL_TZ).date()
    units = list({u.pk: u for u in units}.values())
    if not units:
        raise _refuse("no_countersign_units", "countersign.required", "请选择需要会签的部门。")
    own = [u for u in units if u.pk == host_unit(document).pk]
    if own:
        raise _refuse("self_countersign", "countersign.required", f"{own[0].name}是主办单位，不能会签自己的公文。")
    # A date that has passed would be deemed "no objection" at the worker's next run (Art 50 ¶2).
    if due_by is not None and due_by <= (anchor or today):
        raise InvalidInput(
            f"会签时限 {due_by.isoformat()} 不晚于发起会签的日期：部门没有时间回复，到期即被视为无不同意见。请填写以后的日期。",
            "due_by",
        )
    anchor = anchor or today
    out = []
    with audit.atomic():
        # Lock the document first: concurrent requests on one document queue here, not on the audit chains.
        Document.objects.select_for_update().filter(pk=document.pk).first()
        # One read, one insert and one update for all the departments, not three statements each.
        units = sorted(units, key=lambda u: u.pk)
        existing = {c.unit_id: c for c in Countersign.objects.filter(document=document, unit__in=units)}
        fresh = [Countersign(document=document, unit=u) for u in units if u.pk not in existing]
        for cs in Countersign.objects.bulk_create(fresh):
            existing[cs.unit_id] = cs
        for unit in units:
            cs = existing[unit.pk]
            cs.unit = unit
            deadline = deadline_schedule(
                actor=actor,
                subject=cs,
                subject_label=f"会签：{document.safe_title}（{unit.name}）",
                kind=COUNTERSIGN_KIND,
                rule_id="countersign.reply",
                anchor=anchor,
                assignee_position=principal_of(unit),
                due_by=due_by,
                due_by_reason=reason,
            )
            cs.deadline = deadline
            cs.state = Countersign.State.PENDING
            cs.reply, cs.replied_by, cs.replied_at, cs.recorded_by = "", None, None, None
            out.append(cs)
        Countersign.objects.bulk_update(out, ["deadline", "state", "reply", "replied_by", "replied_at", "recorded_by"])
        _apply(
            document,
            "request_countersign",
            actor=actor,
            note={
                "units": [u.name for u in units],
                "due_by": due_by.isoformat() if due_by else None,
                **({"reason": reason.strip()} if due_by and reason.strip() else {}),
            },
            at=at,
        )
    return out


def _maybe_complete(doc: Document, actor: Person | None, at: dt.datetime | None = None) -> None:
    doc.refresh_from_db()
    if doc.state == flow.COUNTERSIGNING and not doc.countersigns.filter(state=Countersign.State.PENDING).exists():
        _apply(
            doc,
            "countersign_complete",
            actor=actor,
            note={"replies": {c.unit.name: c.get_state_display() for c in doc.countersigns.select_related("unit")}},
            at=at,
        )


def _reply(
    cs: Countersign, *, actor: Person, agree: bool, reply: str, at: dt.datetime, recorded: dict[str, str] | None = None
) -> Countersign:
    deadline = None
    if cs.deadline_id:
        # Lock the deadline before the countersign, the same order as the worker's handler,
        # so a reply arriving as the deadline fires waits instead of deadlocking.
        deadline = Deadline.objects.select_for_update().filter(pk=cs.deadline_id).first()
    locked = Countersign.objects.select_for_update().select_related("unit", "document").get(pk=cs.pk)
    if locked.state != Countersign.State.PENDING:
        raise _refuse(
            "already_replied", "countersign.reply", f"该会签已经是“{locked.get_state_display()}”，不能再回复。"
        )
    locked.state = Countersign.State.AGREED if agree else Countersign.State.OBJECTED
    locked.reply, locked.replied_by, locked.replied_at = reply.strip(), actor, at
    if recorded:
        locked.recorded_by, locked.reply_channel, locked.replier_name = actor, recorded["channel"], recorded["replier"]
        locked.replied_by = None
    locked.save()
    after = {"unit": locked.unit.name, "reply": locked.reply}
    if recorded:
        after.update(recorded_by=actor.name, channel=recorded["channel"], replier=recorded["replier"])
    _audit(
        locked.document,
        actor=actor,
        action=f"countersign.{locked.state}" + ("_recorded" if recorded else ""),
        after=after,
        rule_ids=["countersign.reply"],
        at=at,
    )
    if deadline is not None and locked.deadline_id == deadline.pk:
        deadline_close(deadline=deadline, actor=actor, state=Deadline.State.MET, already_locked=True)
    elif locked.deadline_id:
        deadline_close(deadline=Deadline.objects.get(pk=locked.deadline_id), actor=actor, state=Deadline.State.MET)
    inbox.sync(locked.document, actor=actor, at=at)
    _maybe_complete(locked.document, actor, at=at)
    return locked


@applies("countersign.reply", "countersign.disagreement", "countersign.by-head")
def countersign_reply(
    *, actor: Person, countersign: Countersign, agree: bool, reply: str = "", at: dt.datetime | None = None
) -> Countersign:
    at = at or timezone.now()
    if not agree and not reply.strip():
        raise _refuse("objection_needs_grounds", "countersign.disagreement", "有不同意见的，请写明理由和依据。")
    check_lengths(Countersign, {"reply": reply})
    _check_countersigner(actor, countersign.unit, at, "会签")
    with audit.atomic():
        return _reply(countersign, actor=actor, agree=agree, reply=reply, at=at)


@applies("countersign.disagreement")
def countersign_record_reply(
    *,
    actor: Person,
    countersign: Countersign,
    agree: bool,
    reply: str,
    channel: str,
    replier: str,
    at: dt.datetime | None = None,
) -> Countersign:
    """The host records a reply it received by phone or on paper, on the department's behalf (Art 50 ¶2:
    the reply is the department head's, or someone the head authorises)."""
    at = at or timezone.now()
    _choice(channel, REPLY_CHANNELS, "回复方式", "channel")
    replier = _required(replier, "回复人（部门负责人或其授权的人）", "replier")
    reply = reply.strip() or ("同意" if agree else "")
    if not agree and not reply:
        raise _refuse("objection_needs_grounds", "countersign.disagreement", "有不同意见的，请写明理由和依据。")
    check_lengths(Countersign, {"reply": reply, "replier_name": replier})
    with audit.atomic():
        return _reply(
            countersign, actor=actor, agree=agree, reply=reply, at=at, recorded={"channel": channel, "replier": replier}
        )


@applies("countersign.reply")
def countersign_request_extension(
    *, actor: Person, countersign: Countersign, until: dt.date, reason: str, at: dt.datetime | None = None
) -> Countersign:
    """A department that cannot reply in time asks the host for a later date (Art 50 ¶2: 主动与主办部门沟通)."""
    at = at or timezone.now()
    reason = _required(reason, "延期理由", "reason")
    check_lengths(Countersign, {"extension_reason": reason})
    if countersign.unit_id not in {p.unit_id for p in positions_held(actor, at)}:
        raise _refuse("not_your_countersign", "countersign.reply", f"只有{countersign.unit.name}可以申请延期。")
    deadline = countersign.deadline
    if deadline is not None and until <= deadline.due_date:
        raise InvalidInput(f"申请的日期须晚于现在的期限 {deadline.due_date.isoformat()}。", "until")
    with audit.atomic():
        locked = Countersign.objects.select_for_update().select_related("unit", "document").get(pk=countersign.pk)
        if locked.state != Countersign.State.PENDING:
            raise _refuse("already_replied", "countersign.reply", "该会签已经回复，无需延期。")
        locked.extension_requested_until, locked.extension_reason = until, reason
        locked.save(update_fields=["extension_requested_until", "extension_reason"])
        _audit(
            locked.document,
            actor=actor,
            action="countersign.extension_requested",
            after={"unit": locked.unit.name, "until": until.isoformat(), "reason": reason},
            rule_ids=["countersign.reply"],
            at=at,
        )
        inbox.sync(locked.document, actor=actor, at=at)
    return locked


@applies("countersign.reply")
def countersign_extend(
    *, actor: Person, countersign: Countersign, new_due: dt.date, reason: str, at: dt.datetime | None = None
) -> Countersign:
    """The host agrees a later reply date with a department that cannot reply in time (Art 50 ¶2)."""
    at = at or timezone.now()
    if countersign.deadline_id is None:
        raise _refuse("no_deadline", "countersign.reply", "该会签没有期限。")
    reason = reason.strip()
    check_lengths(Countersign, {"extension_reason": reason})
    with audit.atomic():
        deadline_extend(
            deadline=Deadline.objects.get(pk=countersign.deadline_id), actor=actor, new_due=new_due, reason=reason
        )
        Countersign.objects.filter(pk=countersign.pk).update(extension_requested_until=None, extension_reason="")
        _audit(
            countersign.document,
            actor=actor,
            action="countersign.extend",
            after={"unit": countersign.unit.name, "new_due": new_due.isoformat(), "reason": reason},
            rule_ids=["countersign.reply"],
            at=at,
        )
        inbox.sync(countersign.document, actor=actor, at=at)
    countersign.refresh_from_db()
    return countersign


@applies("countersign.reply")
def countersign_remind(*, actor: Person, countersign: Countersign, at: dt.datetime | None = None) -> Countersign:
    """催办: remind a department whose reply is still pending; the reminder reaches its head's inbox."""
    at = at or timezone.now()
    with audit.atomic():
        locked = (
            Countersign.objects.select_for_update()
            .select_related("unit", "document", "deadline")
            .get(pk=countersign.pk)
        )
        if locked.state != Countersign.State.PENDING:
            raise _refuse("already_replied", "countersign.reply", "该会签已经回复，无需催办。")
        locked.reminders += 1
        locked.last_reminded_at = at
        locked.save(update_fields=["reminders", "last_reminded_at"])
        due = locked.deadline.due_date.isoformat() if locked.deadline else "—"
        _audit(
            locked.document,
            actor=actor,
            action="countersign.remind",
            after={"unit": locked.unit.name, "times": locked.reminders, "due": due},
            rule_ids=["countersign.reply"],
            at=at,
        )
        inbox.sync(locked.document, actor=actor, at=at)
    return locked


DEEMED_REPLY = "逾期未回复，视为无不同意见（工作规则第五十条第二款）"


@applies("countersign.reply")
def deem_no_objection_many(deadlines: list[Deadline], now: dt.datetime) -> dict[int, str]:
    """The countersign deadlines passed with no reply: record 视为无不同意见 (Art 50 ¶2).

    The worker's batch handler: the countersigns of the whole batch are locked, deemed and read
    back in a few statements, and each document is then handled once — its countersign completed
    if no reply is still awaited, otherwise its inbox brought in line — however many of its
    departments were silent.
    """
    by_countersign = {int(d.subject_id): d for d in deadlines}
    out = {d.pk: str(Deadline.State.MISSED) for d in deadlines}
    # Countersigns, then their documents, each in id order: the order a reply takes them (see _reply).
    locked = Countersign.objects.select_for_update().select_related("unit").filter(pk__in=by_countersign)
    deemed = [cs for cs in locked.order_by("pk") if cs.state == Countersign.State.PENDING]
    if not deemed:
        return out
    Countersign.objects.filter(pk__in=[cs.pk for cs in deemed]).update(
        state=Countersign.State.DEEMED, reply=DEEMED_REPLY, replied_at=now
    )
    docs = {
        doc.pk: doc
        for doc in Document.objects.select_for_update(of=("self",))
        .select_related("issuer_unit", "drafting_unit", "matter_unit", "routed_to")
        .filter(pk__in={cs.document_id for cs in deemed})
        .order_by("pk")
    }
    for cs in deemed:
        deadline = by_countersign[cs.pk]
        _audit(
            docs[cs.document_id],
            actor=None,
            action="countersign.deemed_no_objection",
            at=now,
            after={
                "unit": cs.unit.name,
                "due_at": deadline.due_at.astimezone(LOCAL_TZ).isoformat(),
                "result": "视为无不同意见",
            },
            rule_ids=["countersign.reply"],
        )
        out[deadline.pk] = str(Deadline.State.FIRED)
    # Every countersign of these documents as it now stands: it decides completion and feeds the inbox.
    every: dict[int, list[Countersign]] = {pk: [] for pk in docs}
    for cs in Countersign.objects.filter(document_id__in=docs).select_related("unit", "deadline").order_by("pk"):
        every[cs.document_id].append(cs)
    stamp = timezone.now()
    completed = []
    for doc in docs.values():
        if doc.state != flow.COUNTERSIGNING or any(c.state == Countersign.State.PENDING for c in every[doc.pk]):
            continue
        # Every countersign is answered: complete it, as _apply would (the rows are saved together below).
        replies = {c.unit.name: c.get_state_display() for c in every[doc.pk]}
        _transit(doc, "countersign_complete", actor=None, note={"replies": replies}, at=now)
        doc.updated_at = stamp
        completed.append(doc)
    if completed:
        Document.objects.bulk_update(completed, ["state", "resume_state", "version", "updated_at"])
    inbox.sync_many(list(docs.values()), actor=None, at=now, countersigns=every)
    return out


def deem_no_objection(deadline: Deadline, now: dt.datetime) -> str:
    return deem_no_objection_many([deadline], now)[deadline.pk]


register(
    DeadlineKind(
        key=COUNTERSIGN_KIND,
        label="会签回复",
        on_due_many=deem_no_objection_many,
        remind_before=dt.timedelta(hours=24),
    )
)


# -- numbering ------------------------------------------------------------------------------------


def number_allocate(*, code: str, year: int) -> int:
    """The next number of ``code``〔year〕: no gaps, no duplicates (must run in the signing transaction)."""
    seq, _ = NumberSequence.objects.select_for_update().get_or_create(code=code, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return seq.last


def format_number(code: str, year: int, seq: int) -> str:
    return f"{code}〔{year}〕{seq}号"


# -- outgoing documents: drafting, 核稿, reviewing, co-signing, signing (Art 51, Art 52) ------------


def _facts(doc: Document) -> OutgoingFacts:
    f = doc.issuing_facts or {}
    counties = list(Unit.objects.filter(kind=Unit.Kind.COUNTY).values_list("name", flat=True))
    return OutgoingFacts(
        issuer_kind=doc.issuer_unit.kind,
        body=doc.body,
        addressees=[a for a in doc.addressees.split("、") if a],
        department_matter=f.get("department_matter") is True,
        government_approved=f.get("government_approved") is True,
        directive=f.get("directive") is True,
        normative=f.get("normative") is True,
        internal_unit=f.get("internal_unit") is True,
        party_track=f.get("party_track") is True,
        government_duties=f.get("government_duties") is True,
        government_procedure_done=f.get("government_procedure_done") is True,
        county_names=counties,
    )


def _raise_first(refusals: Sequence[Refusal]) -> None:
    if refusals:
        raise RuleViolation(refusals[0].code, refusals[0].citation, "；".join(r.message for r in refusals))


OUTGOING_FIELDS = (
    "kind",
    "title",
    "body",
    "addressees",
    "copied_to",
    "matter_unit",
    "signing_category",
    "important",
    "executive_decided_or_routine",
    "touched_leaders",
    "issuing_facts",
    "disclosure",
    "disclosure_reason",
    "classification",
    "classification_period",
    "urgency",
    "attachment_note",
    "contact_name",
    "contact_phone",
    "copies",
    "note",
)


@applies(
    "documents.approved-note",
    "documents.internal-unit-normative",
    "documents.no-directive-to-counties",
    "documents.party-drafts-first",
)
def document_create_outgoing(
    *,
    actor: Person | None,
    issuer_unit: Unit,
    kind: str,
    category: str,
    title: str,
    body: str,
    addressees: Sequence[str],
    matter_unit: Unit | None = None,
    copied_to: Sequence[str] = (),
    touched_leaders: Sequence[str] = (),
    important: bool = False,
    executive_decided_or_routine: bool = False,
    issuing_facts: dict[str, bool] | None = None,
    disclosure: str = "proactive",
    disclosure_reason: str = "",
    classification: str = "",
    classification_period: str = "",
    drafting_unit: Unit | None = None,
    reply_to: Document | None = None,
    **extra: Any,
) -> Document:
    """Draft an outgoing document (发文拟稿). Art 52 refusals come now, before anything is saved."""
    if category not in CATEGORIES:
        raise _refuse("unknown_category", "signing.item-5", f"未知的签发类别“{category}”。")
    _check_classification(classification, classification_period, disclosure, disclosure_reason)
    unknown = set(extra) - set(OUTGOING_FIELDS)
    if unknown:
        raise InvalidInput(f"未知的字段：{'、'.join(sorted(unknown))}。", sorted(unknown)[0])
    fields = _clean_incoming(
        {
            "kind": kind,
            "title": title,
            "body": body,
            "addressees": list(addressees),
            "copied_to": list(copied_to),
            **extra,
        }
    )
    if reply_to is not None and reply_to.kind != "请示":
        raise InvalidInput("只有请示才能批复。", "reply_to")
    doc = Document(
        direction=Document.Direction.OUTGOING,
        issuer_unit=issuer_unit,
        drafting_unit=drafting_unit,
        matter_unit=matter_unit or (reply_to.matter_unit if reply_to else None) or drafting_unit or issuer_unit,
        signing_category=category,
        important=important,
        executive_decided_or_routine=executive_decided_or_routine,
        touched_leaders=sorted(set(touched_leaders)),
        issuing_facts=issuing_facts or {},
        disclosure=disclosure,
        disclosure_reason=disclosure_reason,
        classification=classification,
        classification_period=classification_period,
        issuer_mark=f"{issuer_unit.name}文件",
        issuer_signature=issuer_unit.name,
        printed_by=issuer_unit.name if issuer_unit.kind != Unit.Kind.CITY_GOVERNMENT else "抚顺市人民政府办公室",
        submitted_by=actor,
        reply_to=reply_to,
        **fields,
    )
    bad = [c for c in doc.touched_leaders if not Position.objects.filter(code=c, rank__isnull=False).exists()]
    if bad:
        raise InvalidInput(f"会签领导“{'、'.join(bad)}”不是市政府领导职务。", "touched_leaders")
    _raise_first(check_outgoing(_facts(doc), rulebook()))
    with audit.atomic():
        doc.save()
        if reply_to is not None:
            doc.related.add(reply_to)
        _audit(
            doc,
            actor=actor,
            action="document.draft",
            after={**_summary(doc), "reply_to": reply_to.pk if reply_to else None},
            rule_ids=[CATEGORIES[category][0]],
        )
        inbox.sync(doc, actor=actor)
        if reply_to is not None:
            inbox.sync(reply_to, actor=actor)
    return doc


def reply_defaults(request: Document) -> dict[str, Any]:
    """A 批复 drafted from the request: its title, number, addressee and the opening that cites both."""
    subject = request.title
    for prefix in ("关于",):
        if subject.startswith(prefix):
            subject = subject[len(prefix) :]
    for suffix in ("的请示",):
        if subject.endswith(suffix):
            subject = subject[: -len(suffix)]
    number = f"（{request.sender_number}）" if request.sender_number else ""
    who = request.issuer_unit.short_name or request.issuer_unit.name
    title = f"抚顺市人民政府关于{subject}的批复"
    opening = f"{request.issuer_unit.name}：\n    你{who[-1:] if who[-1:] in '县区局委' else '单位'}《{request.title}》{number}收悉。经研究，现批复如下：\n    "
    return {
        "kind": "批复",
        "title": title,
        "addressees": request.issuer_unit.name,
        "body": opening,
        "matter_unit": request.matter_unit,
        "category": "government_downward",
    }


@applies(
    "documents.approved-note",
    "documents.internal-unit-normative",
    "documents.no-directive-to-counties",
    "documents.party-drafts-first",
    "countersign.disagreement",
)
def document_prepare(*, actor: Person, document: Document, at: dt.datetime | None = None) -> Document:
    """The drafter sends the draft to the General Office for 核稿."""
    _raise_first(check_outgoing(_facts(document), rulebook()))
    if not document.body.strip():
        raise InvalidInput("正文为空，不能送核稿。", "body")
    if unresolved_disagreement(document) and not document.disagreement:
        raise _refuse(
            "disagreement_not_listed",
            "countersign.disagreement",
            "会签有不同意见：须列明各方理据、提出办理建议并与相关部门负责人会签后，报市政府决定。",
        )
    with audit.atomic():
        return _apply(document, "prepare", actor=actor, changes={"submitted_at": at or timezone.now()}, at=at)


def document_check(
    *, actor: Person, document: Document, approve: bool = True, reason: str = "", at: dt.datetime | None = None
) -> Document:
    """核稿: the office checks the draft; nobody checks their own draft (Art 34: 分事行权、分岗设权)."""
    if document.submitted_by_id == actor.pk:
        raise _refuse(
            "own_draft",
            "documents.office-processes-first",
            "您是这份文稿的拟稿人，核稿须由办公室其他同志办理（分岗设权）。",
        )
    with audit.atomic():
        if approve:
            return _apply(document, "check", actor=actor, changes={"checked_by": actor}, at=at)
        reason = _required(reason, "退回修改的理由", "reason")
        check_lengths(Document, {"remarks": reason})
        return _apply(document, "send_back", actor=actor, changes={"remarks": reason}, note={"reason": reason}, at=at)


def _supervising_position(doc: Document, at: dt.datetime) -> Position:
    target, _ = route_target(Document(matter_unit=doc.matter_unit, issuer_unit=doc.issuer_unit), at)
    return target


def _seat_of(actor: Person, position: Position, at: dt.datetime) -> tuple[bool, Person | None]:
    """(True, None) if ``actor`` holds ``position``; (True, absent holder) if acting for it; (False, None) otherwise."""
    if position.pk in {p.pk for p in positions_held(actor, at)}:
        return True, None
    result = acting_for(position, at)
    if result.acting_person_id == actor.pk:
        return True, holders_at(at, [position]).get(position.pk)
    return False, None


def signer_role(actor: Person, doc: Document, at: dt.datetime) -> tuple[str, Person | None]:
    """The actor's role for signing this document, and whom they act for (签“代”)."""
    mayor = Position.objects.get(kind=Position.Kind.MAYOR)
    seated, on_behalf_of = _seat_of(actor, mayor, at)
    if seated:
        return MAYOR, on_behalf_of
    seated, on_behalf_of = _seat_of(actor, _supervising_position(doc, at), at)
    if seated:
        return SUPERVISING, on_behalf_of
    return OTHER, None


def _leader_names(codes: Sequence[str], at: dt.datetime) -> dict[str, str]:
    positions = {p.code: p for p in Position.objects.filter(code__in=list(codes))}
    return {c: position_label(positions.get(c), at) or c for c in codes}


def signing_case(doc: Document, role: str, at: dt.datetime) -> SigningCase:
    names = _leader_names(doc.touched_leaders, at)
    return SigningCase(
        category=doc.signing_category,
        signer_role=role,
        reviewed_by_supervising=doc.reviewed_by_supervising,
        important=doc.important,
        executive_decided_or_routine=doc.executive_decided_or_routine,
        authorised_by_mayor=doc.authorised_by_mayor,
        # Names, not codes, so a refusal reads "还需以下领导会签：副市长 岳清远".
        touched_leaders=frozenset(names[c] for c in doc.touched_leaders),
        co_signed=frozenset(names.get(c, c) for c in doc.co_signed),
    )


def signing_plan(doc: Document, at: dt.datetime) -> dict[str, Any]:
    """Who must still review, co-sign and sign this outgoing document, as positions."""
    rule_id, signers, review = allowed_signers(signing_case(doc, OTHER, at), rulebook())
    mayor = Position.objects.get(kind=Position.Kind.MAYOR)
    supervising = _supervising_position(doc, at)
    needs_review = SUPERVISING in review and not doc.reviewed_by_supervising
    co_sign = [p for p in Position.objects.filter(code__in=doc.touched_leaders) if p.code not in doc.co_signed]
    signer = mayor if MAYOR in signers and not (SUPERVISING in signers and doc.authorised_by_mayor) else supervising
    if SUPERVISING in signers and MAYOR not in signers:
        signer = supervising
    return {
        "rule_id": rule_id,
        "review": supervising if needs_review else None,
        "co_sign": co_sign,
        "signer": signer,
        "can_authorise": rule_id == "signing.item-5"
        and doc.executive_decided_or_routine
        and not doc.authorised_by_mayor,
        "mayor": mayor,
        "supervising": supervising,
    }


def _no_disagreement(document: Document) -> None:
    if unresolved_disagreement(document):
        raise _refuse(
            "departments_disagree",
            "documents.no-unilateral-issue",
            "会签部门之间尚未协商一致：须列明分歧、报市政府决定后，才能签发和印发（不得各自向下行文）。",
        )


def _in_signing(document: Document, what: str) -> None:
    if document.state not in (flow.SIGNING, flow.DECIDED) or document.direction != Document.Direction.OUTGOING:
        raise _refuse(
            "bad_state",
            "documents.office-processes-first",
            f"公文当前状态为“{flow.STATE_LABELS.get(document.state, document.state)}”，不能{what}（须经办公室核稿后、签发前）。",
        )


def document_review(*, actor: Person, document: Document, at: dt.datetime | None = None) -> Document:
    """The supervising leader's review (审核) before the mayor signs (Art 51)."""
    at = at or timezone.now()
    _in_signing(document, "审核")
    role, on_behalf_of = signer_role(actor, document, at)
    if role != SUPERVISING:
        who = position_label(_supervising_position(document, at), at)
        raise _refuse(
            "not_supervising", CATEGORIES[document.signing_category][0], f"这份公文由分管领导{who}（或其代行者）审核。"
        )
    with audit.atomic():
        return _touch(
            document,
            actor=actor,
            on_behalf_of=on_behalf_of,
            action="document.review",
            after={"reviewed_by_supervising": True},
            rule_ids=[CATEGORIES[document.signing_category][0]],
            at=at,
            reviewed_by_supervising=True,
        )


def document_co_sign(*, actor: Person, document: Document, at: dt.datetime | None = None) -> Document:
    """A leader whose area the content touches co-signs (会签, Art 51(5))."""
    at = at or timezone.now()
    _in_signing(document, "会签")
    codes = [p.code for p in positions_held(actor, at)] + [a.position.code for a in positions_acted_for(actor, at)]
    mine = [c for c in document.touched_leaders if c in codes and c not in document.co_signed]
    if not mine:
        raise _refuse("not_touched", "signing.item-5", "公文内容不涉及您的分管范围，或您已会签，无需再会签。")
    with audit.atomic():
        co_signed = sorted(set(document.co_signed) | set(mine))
        return _touch(
            document,
            actor=actor,
            action="document.co_sign",
            after={"co_signed": [position_label(p, at) for p in Position.objects.filter(code__in=mine)]},
            rule_ids=["signing.item-5"],
            at=at,
            co_signed=co_signed,
        )


def document_authorise(*, actor: Person, document: Document, at: dt.datetime | None = None) -> Document:
    """The mayor authorises the supervising leader to sign (Art 51(5): 市长授权)."""
    at = at or timezone.now()
    _in_signing(document, "授权签发")
    role, on_behalf_of = signer_role(actor, document, at)
    if role != MAYOR:
        raise _refuse("not_mayor", "signing.item-5", "只有市长（或代行市长职责者）可以授权分管领导签发。")
    if not document.executive_decided_or_routine:
        raise _refuse(
            "not_authorisable", "signing.item-5", "只有常务会议决定的事项和例行批准手续，市长才可授权分管领导签发。"
        )
    with audit.atomic():
        return _touch(
            document,
            actor=actor,
            on_behalf_of=on_behalf_of,
            action="document.authorise",
            after={"authorised_by_mayor": True},
            rule_ids=["signing.item-5"],
            at=at,
            authorised_by_mayor=True,
        )


@applies(
    "signing.item-1",
    "signing.item-2",
    "signing.item-3",
    "signing.item-4",
    "signing.item-5",
    "signing.item-6",
    "documents.approved-note",
    "documents.internal-unit-normative",
    "documents.no-directive-to-counties",
    "documents.party-drafts-first",
)
def document_sign(*, actor: Person, document: Document, at: dt.datetime | None = None) -> Document:
    """Sign: check authority (Art 51) and issuing rules (Art 52), then allocate the number, atomically."""
    at = at or timezone.now()
    role, on_behalf_of = signer_role(actor, document, at)
    book = rulebook()
    _no_disagreement(document)
    _raise_first(check_signing(signing_case(document, role, at), book) + check_outgoing(_facts(document), book))
    code = document.issuer_unit.document_code or "抚政发"
    local = at.astimezone(LOCAL_TZ)
    with audit.atomic():
        seq = number_allocate(code=code, year=local.year)
        signer = f"{actor.name}（代{on_behalf_of.name}）" if on_behalf_of else actor.name
        return _apply(
            document,
            "sign",
            actor=actor,
            on_behalf_of=on_behalf_of,
            changes={
                "number_code": code,
                "number_year": local.year,
                "number_seq": seq,
                "document_number": format_number(code, local.year, seq),
                "signer_name": signer,
                "dated": local.date(),
            },
            extra_rules=[CATEGORIES[document.signing_category][0]],
            note={"signer_role": role},
            at=at,
        )


@applies("documents.no-unilateral-issue")
def document_issue(*, actor: Person, document: Document, at: dt.datetime | None = None) -> Document:
    """印发: the document reaches its addressees' inboxes; a 批复 closes the request it answers."""
    at = at or timezone.now()
    local = at.astimezone(LOCAL_TZ)
    _no_disagreement(document)
    with audit.atomic():
        rule = CATEGORIES[document.signing_category][0] if document.signing_category else "signing.item-5"
        doc = _apply(document, "issue", actor=actor, changes={"printed_on": local.date()}, extra_rules=[rule], at=at)
        inbox.deliver(doc, actor=actor, at=at)
        request = doc.reply_to
        if request is not None and request.state == flow.DECIDED:
            _apply(
                request,
                "close",
                actor=actor,
                changes={"result": f"已以《{doc.title}》（{doc.document_number}）批复。"},
                note={"reply": doc.pk, "reply_number": doc.document_number},
                at=at,
            )
    return doc


def document_circulate(
    *, actor: Person, document: Document, positions: Sequence[Position], note: str = "", at: dt.datetime | None = None
) -> Document:
    """传阅: send the document to leaders for reading (阅件); each marks it read."""
    at = at or timezone.now()
    if not positions:
        raise InvalidInput("请选择传阅的领导同志。", "positions")
    check_lengths(Document, {"remarks": note})
    with audit.atomic():
        for position in positions:
            inbox.for_reading(document, position=position, title=f"阅件：{document.safe_title}", actor=actor, at=at)
        _audit(
            document,
            actor=actor,
            action="document.circulate",
            after={"to": [position_label(p, at) for p in positions], "note": note.strip()},
            rule_ids=["documents.routing"],
            at=at,
        )
    return document


def document_mark_read(*, actor: Person, item: InboxItem, on_behalf_of: Person | None = None) -> InboxItem:
    """A reading item (阅件、来文) leaves the inbox once read: the only kind a person may clear by hand."""
    if not item.for_reading:
        raise _refuse(
            "not_for_reading",
            "documents.office-processes-first",
            "这是待办理的事项，办理完成后会自动办结，不能直接标记为已办。",
        )
    from cityhall.workflow.services import inbox_item_complete

    return inbox_item_complete(item=item, actor=actor, on_behalf_of=on_behalf_of)


# -- briefs (Art 53 ¶2) -------------------------------------------------------------------------------


@applies("briefs.one-kind")
def brief_kind_request(*, actor: Person, unit: Unit, name: str) -> BriefKind:
    name = _required(name, "简报名称", "name")
    check_lengths(BriefKind, {"name": name})
    with audit.atomic():
        brief = BriefKind.objects.create(unit=unit, name=name, requested_by=actor)
        audit_record(
            actor=actor,
            action="brief.request",
            subject=brief,
            after={"unit": unit.name, "name": brief.name},
            rule_ids=["briefs.one-kind"],
        )
    return brief


@applies("briefs.one-kind")
def brief_kind_decide(*, actor: Person, brief: BriefKind, approve: bool) -> BriefKind:
    """The General Office approves a department's brief, at most one kind per department."""
    with audit.atomic():
        locked = BriefKind.objects.select_for_update().get(pk=brief.pk)
        if locked.state != BriefKind.State.PENDING:
            raise _refuse("brief_decided", "briefs.one-kind", f"该简报已是“{locked.get_state_display()}”。")
        if approve:
            existing = BriefKind.objects.filter(unit=locked.unit, state=BriefKind.State.APPROVED).first()
            if existing is not None:
                raise _refuse(
                    "second_brief",
                    "briefs.one-kind",
                    f"{locked.unit.name}已有经核准的简报《{existing.name}》；每个部门原则上只向市政府报送1种简报。",
                )
        locked.state = BriefKind.State.APPROVED if approve else BriefKind.State.REFUSED
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.save(update_fields=["state", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            action=f"brief.{locked.state}",
            subject=locked,
            after={"unit": locked.unit.name, "name": locked.name},
            rule_ids=["briefs.one-kind"],
        )
    return locked
