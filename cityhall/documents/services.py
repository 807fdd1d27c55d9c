"""Writes for official documents. Every state change goes through ``_apply`` (the flow table in
cityhall/rules/document_flow.py), in one transaction with its audit event and an optimistic
version check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from cityhall.org.models import Person, Position, Unit
from cityhall.org.selectors import acting_for, holders_at, positions_held, supervising_positions
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import RuleViolation
from cityhall.rules import document_flow as flow
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
    check_outgoing,
    check_signing,
)
from cityhall.workflow.audit import audit_record
from cityhall.workflow.models import Deadline, InboxItem
from cityhall.workflow.registry import DeadlineKind, register
from cityhall.workflow.services import deadline_close, deadline_extend, deadline_schedule, inbox_item_create

from .models import BriefKind, Countersign, Document, IntakeFinding, NumberSequence

COUNTERSIGN_KIND = "documents.countersign"


def _citation(rule_id: str) -> str:
    return rulebook().rule(rule_id).citation


def _refuse(code: str, rule_id: str, message: str) -> RuleViolation:
    return RuleViolation(code, _citation(rule_id), message)


def _summary(doc: Document) -> dict[str, Any]:
    return {
        "state": doc.state,
        "title": doc.title,
        "routed_to": doc.routed_to.code if doc.routed_to else None,
        "opinion": doc.opinion,
        "document_number": doc.document_number,
    }


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
    """Apply one transition of the flow table, with its audit event, in the caller's transaction.

    ``extra_rules`` that are items of Art 51 replace the table's default signing item: a letter is
    signed under item (6), not (5).
    """
    locked = Document.objects.select_for_update().get(pk=doc.pk)
    if expected_version is not None and locked.version != expected_version:
        raise RuleViolation(
            "stale", _citation("documents.routing"), "这份公文已被他人修改，请刷新页面后重试（您看到的不是最新版本）。"
        )
    try:
        t = flow.transition_for(action, locked.state)
    except flow.TransitionRefused as exc:
        raise _refuse(exc.code, exc.rule_id, exc.message) from None
    before = _summary(locked)
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    locked.state = t.target
    locked.version += 1
    locked.save()
    audit_record(
        actor=actor,
        on_behalf_of=on_behalf_of,
        action=f"document.{action}",
        subject=locked,
        before=before,
        after={**_summary(locked), **(note or {})},
        rule_ids=_rules(t.rule_id, extra_rules),
        at=at,
    )
    doc.refresh_from_db()
    return locked


def _rules(default: str, extra: Sequence[str]) -> list[str]:
    signing_items = [r for r in extra if r.startswith("signing.item-")]
    base = [] if signing_items and default.startswith("signing.item-") else [default]
    return list(dict.fromkeys([*base, *extra]))


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
        leader_assigned=bool(facts.get("leader_assigned")),
        major_emergency=bool(facts.get("major_emergency")),
        urgent_foreign_affairs=bool(facts.get("urgent_foreign_affairs")),
        level_skip_approved=bool(facts.get("level_skip_approved")),
    )


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
) -> Document:
    """Save a draft from a county or department. Nothing is checked yet: a draft may be incomplete."""
    if classification and not classification_period:
        raise _refuse(
            "classification_period", "documents.kinds", "标注密级的公文必须同时标注保密期限（GB/T 9704-2012）。"
        )
    if disclosure == Document.Disclosure.WITHHELD and not disclosure_reason.strip():
        raise _refuse("disclosure_reason", "documents.kinds", "公开属性为“不予公开”的，必须说明理由。")
    with transaction.atomic():
        doc = Document.objects.create(
            direction=Document.Direction.INCOMING,
            kind=kind,
            title=title,
            body=body,
            issuer_unit=issuer_unit,
            addressees="、".join(addressees),
            copied_to="、".join(copied_to),
            signed_by_title=signed_by_title,
            matter_unit=matter_unit or issuer_unit,
            classification=classification,
            classification_period=classification_period,
            disclosure=disclosure,
            disclosure_reason=disclosure_reason,
            intake_facts=intake_facts or {},
            submitted_by=actor,
        )
        audit_record(actor=actor, action="document.draft", subject=doc, after=_summary(doc))
    return doc


def document_submit(*, actor: Person | None, document: Document) -> Document:
    """Submit to the city government. A refusal leaves the draft exactly as it was."""
    result = check_draft(draft_of(document), rulebook())
    refusals = [f for f in result.findings if f.severity == REFUSE]
    if refusals:
        first = refusals[0]
        raise RuleViolation(first.code, first.citation, "；".join(f.message for f in refusals))
    with transaction.atomic():
        doc = _apply(
            document,
            "submit",
            actor=actor,
            changes={"submitted_at": timezone.now()},
            extra_rules=[f.rule_id for f in result.findings],
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


def finding_clear(*, actor: Person, finding: IntakeFinding, reason: str) -> IntakeFinding:
    if not reason.strip():
        raise _refuse("clear_reason", finding.rule_id, "清除提示必须说明理由。")
    with transaction.atomic():
        locked = IntakeFinding.objects.select_for_update().get(pk=finding.pk)
        if locked.cleared_at:
            return locked
        locked.cleared_by, locked.cleared_reason, locked.cleared_at = actor, reason.strip()[:300], timezone.now()
        locked.save(update_fields=["cleared_by", "cleared_reason", "cleared_at"])
        audit_record(
            actor=actor,
            action="document.clear_warning",
            subject=locked.document,
            after={"finding": locked.code, "reason": locked.cleared_reason},
            rule_ids=[locked.rule_id],
        )
    return locked


def document_register(
    *, actor: Person, document: Document, proposed_handling: str, matter_unit: Unit | None = None
) -> Document:
    """The office accepts the document for processing (Art 48: leaders sign only what the office processed)."""
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
    with transaction.atomic():
        return _apply(
            document,
            "register",
            actor=actor,
            changes={
                "proposed_handling": proposed_handling.strip(),
                "matter_unit": matter_unit or document.matter_unit,
            },
        )


def document_return(*, actor: Person, document: Document, reason: str) -> Document:
    with transaction.atomic():
        return _apply(document, "return", actor=actor, note={"reason": reason})


# -- routing and instructions (Art 49) -----------------------------------------------------------


def route_target(document: Document, at: dt.datetime) -> tuple[Position, list[str]]:
    """The leader whose division of labour covers the matter; the mayor for major matters."""
    if document.major:
        return Position.objects.get(kind=Position.Kind.MAYOR), ["重大事项报市长审批"]
    unit = document.matter_unit or document.issuer_unit
    leaders = supervising_positions(unit, at)
    if leaders:
        return leaders[0], [f"{unit.name}由{leaders[0].title}分管"]
    return Position.objects.get(kind=Position.Kind.MAYOR), [f"{unit.name}没有登记分管领导，呈市长"]


def disagreement_submit(*, actor: Person, document: Document, host_grounds: str, proposal: str) -> Document:
    """Countersign ended in disagreement: the host lists each side's grounds and a proposal (Art 50 ¶1)."""
    objections = list(document.countersigns.filter(state=Countersign.State.OBJECTED).select_related("unit"))
    if not objections:
        raise _refuse("no_disagreement", "countersign.disagreement", "会签没有不同意见，无需列明分歧。")
    if not host_grounds.strip() or not proposal.strip():
        raise _refuse(
            "disagreement_incomplete",
            "countersign.disagreement",
            "请列明主办方的理据并提出办理建议（工作规则第五十条第一款）。",
        )
    record = {
        "host": {
            "unit": document.matter_unit.name if document.matter_unit else document.issuer_unit.name,
            "grounds": host_grounds.strip(),
        },
        "others": [{"unit": c.unit.name, "grounds": c.reply} for c in objections],
        "proposal": proposal.strip(),
        "submitted_by": actor.name,
    }
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(disagreement=record, version=document.version + 1)
        audit_record(
            actor=actor,
            action="countersign.disagreement_submitted",
            subject=document,
            after=record,
            rule_ids=["countersign.disagreement"],
        )
    document.refresh_from_db()
    return document


def document_route(
    *, actor: Person, document: Document, to: Position | None = None, major: bool = False, at: dt.datetime | None = None
) -> Document:
    at = at or timezone.now()
    if document.countersigns.filter(state=Countersign.State.OBJECTED).exists() and not document.disagreement:
        raise _refuse(
            "disagreement_not_listed",
            "countersign.disagreement",
            "会签有不同意见：须由主办部门列明各方理据、提出办理建议后，再报市政府决定。",
        )
    with transaction.atomic():
        if major and not document.major:
            Document.objects.filter(pk=document.pk).update(major=True)
            document.major = True
        target, why = (to, ["办公室指定"]) if to else route_target(document, at)
        acting = acting_for(target, at)
        note = {"route": why, "acting": acting.as_dict() if acting.is_acting else None}
        doc = _apply(
            document,
            "route",
            actor=actor,
            changes={"routed_to": target},
            note=note,
            extra_rules=list(acting.rule_ids) if acting.is_acting else ["org.division-of-labour"],
        )
        # Addressed to the position: the inbox shows it to whoever acts for it today (代).
        InboxItem.objects.filter(subject_id=str(doc.pk), kind="documents.instruct", state="open").update(
            state="done", done_at=timezone.now()
        )
        _instruct_item(actor, doc, target)
    return doc


def _instruct_item(actor: Person, doc: Document, position: Position) -> None:
    """The 呈批 inbox item, addressed to the position: whoever acts for it today sees it (代)."""
    inbox_item_create(
        actor=actor,
        title=f"呈批：{doc.title}",
        kind="documents.instruct",
        subject=doc,
        url=f"/documents/{doc.pk}/",
        assignee_position=position,
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
    raise _refuse(
        "not_your_document",
        "documents.routing",
        f"这份公文呈{target.title}批示，您不是{target.title}，今天也不代行其职责。",
    )


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
    _, on_behalf_of = _leader_seat(actor, document, at)
    with transaction.atomic():
        doc = _apply(
            document,
            "instruct",
            actor=actor,
            on_behalf_of=on_behalf_of,
            changes={"opinion": opinion, "instruction": text.strip()},
            extra_rules=["acting.ab-partner"] if on_behalf_of else [],
        )
        InboxItem.objects.filter(subject_id=str(doc.pk), kind="documents.instruct", state="open").update(
            state="done", done_at=timezone.now(), done_by=actor, done_on_behalf_of=on_behalf_of
        )
    return doc


def document_pass_on(*, actor: Person, document: Document, to: Position, at: dt.datetime | None = None) -> Document:
    """A leader passes the document to another leader (转请其他领导同志核批, Art 49)."""
    at = at or timezone.now()
    _, on_behalf_of = _leader_seat(actor, document, at)
    with transaction.atomic():
        InboxItem.objects.filter(subject_id=str(document.pk), kind="documents.instruct", state="open").update(
            state="done", done_at=timezone.now(), done_by=actor, done_on_behalf_of=on_behalf_of
        )
        doc = _apply(document, "pass_on", actor=actor, on_behalf_of=on_behalf_of, changes={"routed_to": to})
        _instruct_item(actor, doc, to)
    return doc


# -- countersign (Art 50) --------------------------------------------------------------------------


def _principal_of(unit: Unit) -> Position | None:
    return Position.objects.filter(unit=unit, kind=Position.Kind.PRINCIPAL_HEAD).first()


def countersign_request(
    *,
    actor: Person,
    document: Document,
    units: Sequence[Unit],
    anchor: dt.date | None = None,
    due_by: dt.date | None = None,
) -> list[Countersign]:
    """Ask each department to countersign; replies are due under countersign.reply or the host's earlier limit."""
    if len({u.pk for u in units}) < 1:
        raise _refuse("no_countersign_units", "countersign.required", "请选择需要会签的部门。")
    anchor = anchor or timezone.localdate()
    out = []
    with transaction.atomic():
        doc = _apply(
            document,
            "request_countersign",
            actor=actor,
            note={"units": [u.name for u in units], "due_by": due_by.isoformat() if due_by else None},
        )
        for unit in units:
            cs, _ = Countersign.objects.get_or_create(document=doc, unit=unit)
            head = _principal_of(unit)
            deadline = deadline_schedule(
                actor=actor,
                subject=cs,
                subject_label=f"会签：{doc.title}（{unit.name}）",
                kind=COUNTERSIGN_KIND,
                rule_id="countersign.reply",
                anchor=anchor,
                assignee_position=head,
                due_by=due_by,
            )
            cs.deadline = deadline
            cs.state = Countersign.State.PENDING
            cs.save(update_fields=["deadline", "state"])
            if head is not None:
                inbox_item_create(
                    actor=actor,
                    title=f"会签：{doc.title}",
                    kind=COUNTERSIGN_KIND,
                    subject=cs,
                    url=f"/documents/{doc.pk}/",
                    assignee_position=head,
                    deadline=deadline,
                )
            out.append(cs)
    return out


def _maybe_complete(doc: Document, actor: Person | None, at: dt.datetime | None = None) -> None:
    if not doc.countersigns.filter(state=Countersign.State.PENDING).exists():
        _apply(
            doc,
            "countersign_complete",
            actor=actor,
            note={"replies": {c.unit.name: c.get_state_display() for c in doc.countersigns.select_related("unit")}},
            at=at,
        )


def countersign_reply(*, actor: Person, countersign: Countersign, agree: bool, reply: str = "") -> Countersign:
    if not agree and not reply.strip():
        raise _refuse("objection_needs_grounds", "countersign.disagreement", "有不同意见的，请写明理由和依据。")
    held = {p.unit_id for p in positions_held(actor, timezone.now())}
    if countersign.unit_id not in held:
        raise _refuse(
            "not_your_countersign", "countersign.required", f"这项会签由{countersign.unit.name}回复，您不是该单位人员。"
        )
    with transaction.atomic():
        # Lock the deadline before the countersign, the same order as the worker's handler,
        # so a reply arriving as the deadline fires waits instead of deadlocking.
        if countersign.deadline_id:
            Deadline.objects.select_for_update().filter(pk=countersign.deadline_id).first()
        cs = Countersign.objects.select_for_update().get(pk=countersign.pk)
        if cs.state != Countersign.State.PENDING:
            raise _refuse(
                "already_replied", "countersign.reply", f"该会签已经是“{cs.get_state_display()}”，不能再回复。"
            )
        cs.state = Countersign.State.AGREED if agree else Countersign.State.OBJECTED
        cs.reply, cs.replied_by, cs.replied_at = reply.strip(), actor, timezone.now()
        cs.save(update_fields=["state", "reply", "replied_by", "replied_at"])
        audit_record(
            actor=actor,
            action=f"countersign.{cs.state}",
            subject=cs.document,
            after={"unit": cs.unit.name, "reply": cs.reply},
            rule_ids=["countersign.reply"],
        )
        if cs.deadline_id:
            deadline_close(deadline=Deadline.objects.get(pk=cs.deadline_id), actor=actor, state=Deadline.State.MET)
        InboxItem.objects.filter(subject_id=str(cs.pk), kind=COUNTERSIGN_KIND, state="open").update(
            state="done", done_at=timezone.now(), done_by=actor
        )
        _maybe_complete(cs.document, actor)
    return cs


def deem_no_objection(deadline: Deadline, now: dt.datetime) -> str:
    """The countersign deadline passed with no reply: record 视为无不同意见 (Art 50 ¶2)."""
    cs = Countersign.objects.select_for_update().select_related("document", "unit").get(pk=int(deadline.subject_id))
    if cs.state != Countersign.State.PENDING:
        return Deadline.State.MISSED
    cs.state = Countersign.State.DEEMED
    cs.reply = "逾期未回复，视为无不同意见（工作规则第五十条第二款）"
    cs.replied_at = now
    cs.save(update_fields=["state", "reply", "replied_at"])
    audit_record(
        actor=None,
        action="countersign.deemed_no_objection",
        subject=cs.document,
        at=now,
        after={
            "unit": cs.unit.name,
            "due_at": deadline.due_at.astimezone(LOCAL_TZ).isoformat(),
            "result": "视为无不同意见",
        },
        rule_ids=["countersign.reply"],
    )
    InboxItem.objects.filter(subject_id=str(cs.pk), kind=COUNTERSIGN_KIND, state="open").update(
        state="done", done_at=now
    )
    _maybe_complete(cs.document, None, at=now)
    return Deadline.State.FIRED


register(
    DeadlineKind(key=COUNTERSIGN_KIND, label="会签回复", on_due=deem_no_objection, remind_before=dt.timedelta(hours=24))
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


# -- outgoing documents: preparing, reviewing, co-signing, signing (Art 51, Art 52) ----------------


def _facts(doc: Document) -> OutgoingFacts:
    f = doc.issuing_facts or {}
    counties = list(Unit.objects.filter(kind=Unit.Kind.COUNTY).values_list("name", flat=True))
    return OutgoingFacts(
        issuer_kind=doc.issuer_unit.kind,
        body=doc.body,
        addressees=[a for a in doc.addressees.split("、") if a],
        department_matter=bool(f.get("department_matter")),
        government_approved=bool(f.get("government_approved")),
        directive=bool(f.get("directive")),
        normative=bool(f.get("normative")),
        internal_unit=bool(f.get("internal_unit")),
        party_track=bool(f.get("party_track")),
        government_duties=bool(f.get("government_duties")),
        government_procedure_done=bool(f.get("government_procedure_done")),
        county_names=counties,
    )


def _raise_first(refusals: Sequence[Refusal]) -> None:
    if refusals:
        raise RuleViolation(refusals[0].code, refusals[0].citation, "；".join(r.message for r in refusals))


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
) -> Document:
    """Draft an outgoing document. Art 52 refusals come now, before anything is saved."""
    if category not in CATEGORIES:
        raise _refuse("unknown_category", "signing.item-5", f"未知的签发类别“{category}”。")
    if classification and not classification_period:
        raise _refuse(
            "classification_period", "documents.kinds", "标注密级的公文必须同时标注保密期限（GB/T 9704-2012）。"
        )
    if disclosure == Document.Disclosure.WITHHELD and not disclosure_reason.strip():
        raise _refuse("disclosure_reason", "documents.kinds", "公开属性为“不予公开”的，必须说明理由。")
    doc = Document(
        direction=Document.Direction.OUTGOING,
        kind=kind,
        title=title,
        body=body,
        issuer_unit=issuer_unit,
        addressees="、".join(addressees),
        copied_to="、".join(copied_to),
        matter_unit=matter_unit or issuer_unit,
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
        printed_by=issuer_unit.name,
        submitted_by=actor,
    )
    _raise_first(check_outgoing(_facts(doc), rulebook()))
    with transaction.atomic():
        doc.save()
        audit_record(
            actor=actor, action="document.draft", subject=doc, after=_summary(doc), rule_ids=[CATEGORIES[category][0]]
        )
        return _apply(doc, "prepare", actor=actor)


def _supervising_position(doc: Document, at: dt.datetime) -> Position:
    if doc.routed_to is not None and doc.routed_to.kind != Position.Kind.MAYOR:
        return doc.routed_to
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


def document_review(*, actor: Person, document: Document, at: dt.datetime | None = None) -> Document:
    """The supervising leader's review (审核) before the mayor signs (Art 51)."""
    at = at or timezone.now()
    role, on_behalf_of = signer_role(actor, document, at)
    if role != SUPERVISING:
        raise _refuse(
            "not_supervising", CATEGORIES[document.signing_category][0], "只有分管领导同志（或代行者）可以审核。"
        )
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(reviewed_by_supervising=True, version=document.version + 1)
        audit_record(
            actor=actor,
            on_behalf_of=on_behalf_of,
            action="document.review",
            subject=document,
            after={"reviewed_by_supervising": True},
            rule_ids=[CATEGORIES[document.signing_category][0]],
        )
    document.refresh_from_db()
    return document


def document_co_sign(*, actor: Person, document: Document, at: dt.datetime | None = None) -> Document:
    """A leader whose area the content touches co-signs (会签, Art 51(5))."""
    at = at or timezone.now()
    codes = [p.code for p in positions_held(actor, at)] + [a.position.code for a in _acted(actor, at)]
    mine = [c for c in document.touched_leaders if c in codes]
    if not mine:
        raise _refuse("not_touched", "signing.item-5", "公文内容不涉及您的分管范围，无需您会签。")
    with transaction.atomic():
        co_signed = sorted(set(document.co_signed) | set(mine))
        Document.objects.filter(pk=document.pk).update(co_signed=co_signed, version=document.version + 1)
        audit_record(
            actor=actor,
            action="document.co_sign",
            subject=document,
            after={"co_signed": co_signed},
            rule_ids=["signing.item-5"],
        )
    document.refresh_from_db()
    return document


def _acted(actor: Person, at: dt.datetime) -> list[Any]:
    from cityhall.org.selectors import positions_acted_for

    return positions_acted_for(actor, at)


def document_authorise(*, actor: Person, document: Document, at: dt.datetime | None = None) -> Document:
    """The mayor authorises the supervising leader to sign (Art 51(5): 市长授权)."""
    at = at or timezone.now()
    role, on_behalf_of = signer_role(actor, document, at)
    if role != MAYOR:
        raise _refuse("not_mayor", "signing.item-5", "只有市长（或代行市长职责者）可以授权分管领导签发。")
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(authorised_by_mayor=True, version=document.version + 1)
        audit_record(
            actor=actor,
            on_behalf_of=on_behalf_of,
            action="document.authorise",
            subject=document,
            after={"authorised_by_mayor": True},
            rule_ids=["signing.item-5"],
        )
    document.refresh_from_db()
    return document


def document_sign(*, actor: Person, document: Document, at: dt.datetime | None = None) -> Document:
    """Sign: check authority (Art 51) and issuing rules (Art 52), then allocate the number, atomically."""
    at = at or timezone.now()
    role, on_behalf_of = signer_role(actor, document, at)
    case = SigningCase(
        category=document.signing_category,
        signer_role=role,
        reviewed_by_supervising=document.reviewed_by_supervising,
        important=document.important,
        executive_decided_or_routine=document.executive_decided_or_routine,
        authorised_by_mayor=document.authorised_by_mayor,
        touched_leaders=frozenset(document.touched_leaders),
        co_signed=frozenset(document.co_signed),
    )
    book = rulebook()
    _raise_first(check_signing(case, book) + check_outgoing(_facts(document), book))
    code = document.issuer_unit.document_code or "抚政发"
    local = at.astimezone(LOCAL_TZ)
    with transaction.atomic():
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
        )


def document_issue(*, actor: Person, document: Document, at: dt.datetime | None = None) -> Document:
    local = (at or timezone.now()).astimezone(LOCAL_TZ)
    with transaction.atomic():
        rule = CATEGORIES[document.signing_category][0] if document.signing_category else "signing.item-5"
        return _apply(document, "issue", actor=actor, changes={"printed_on": local.date()}, extra_rules=[rule])


# -- briefs (Art 53 ¶2) -------------------------------------------------------------------------------


def brief_kind_request(*, actor: Person, unit: Unit, name: str) -> BriefKind:
    if not name.strip():
        raise _refuse("brief_name", "briefs.one-kind", "请填写简报名称。")
    with transaction.atomic():
        brief = BriefKind.objects.create(unit=unit, name=name.strip()[:100], requested_by=actor)
        audit_record(
            actor=actor,
            action="brief.request",
            subject=brief,
            after={"unit": unit.name, "name": brief.name},
            rule_ids=["briefs.one-kind"],
        )
    return brief


def brief_kind_decide(*, actor: Person, brief: BriefKind, approve: bool) -> BriefKind:
    """The General Office approves a department's brief, at most one kind per department."""
    with transaction.atomic():
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


DRAFT_FIELDS = ("kind", "title", "body", "addressees", "copied_to", "signed_by_title", "matter_unit")


def document_update_draft(*, actor: Person | None, document: Document, **fields: Any) -> Document:
    """Change a draft (or a returned document) before submitting it again."""
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise ValueError(f"unknown draft fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.state not in (flow.DRAFT, flow.RETURNED):
            raise _refuse(
                "not_a_draft",
                "documents.office-processes-first",
                f"公文已是“{flow.STATE_LABELS[locked.state]}”，只有草稿或被退回的公文可以修改。",
            )
        before = {f: str(getattr(locked, f)) for f in fields}
        for name, value in fields.items():
            setattr(locked, name, "、".join(value) if name in ("addressees", "copied_to") else value)
        locked.version += 1
        locked.save()
        audit_record(
            actor=actor,
            action="document.edit",
            subject=locked,
            before=before,
            after={f: str(getattr(locked, f)) for f in fields},
        )
    document.refresh_from_db()
    return document


def countersign_extend(*, actor: Person, countersign: Countersign, new_due: dt.date, reason: str) -> Countersign:
    """The host agrees a later reply date with a department that cannot reply in time (Art 50 ¶2)."""
    if countersign.deadline_id is None:
        raise _refuse("no_deadline", "countersign.reply", "该会签没有期限。")
    with transaction.atomic():
        deadline_extend(
            deadline=Deadline.objects.get(pk=countersign.deadline_id), actor=actor, new_due=new_due, reason=reason
        )
        audit_record(
            actor=actor,
            action="countersign.extend",
            subject=countersign.document,
            after={"unit": countersign.unit.name, "new_due": new_due.isoformat(), "reason": reason.strip()},
            rule_ids=["countersign.reply"],
        )
    countersign.refresh_from_db()
    return countersign
