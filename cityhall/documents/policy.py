"""What a viewer may do with a document now, and who holds it: the pages show only these actions.

A refusal after a click is then for races and rule violations only (product.md §1). The services
check everything again; this module only decides what to offer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from cityhall.accounts.permissions import OFFICE, Actor, allowed
from cityhall.org.models import Person, Position, Unit
from cityhall.org.selectors import acting_for, holders_at
from cityhall.rulebase.selectors import working_calendar
from cityhall.rules import RulesError
from cityhall.rules import document_flow as flow
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow.models import InboxItem

from . import inbox, services
from .models import Countersign, Document


@dataclass(frozen=True)
class Seat:
    """The actor's seat for a leader position: holds it, or acts for its absent holder (代)."""

    position: Position
    on_behalf_of: Person | None = None


def seat(actor: Actor, position: Position | None) -> Seat | None:
    if position is None or actor.person is None:
        return None
    if position.pk in actor.position_ids:
        return Seat(position)
    if position.pk in actor.acting_position_ids:
        return Seat(position, holders_at(timezone.now(), [position]).get(position.pk))
    return None


@dataclass
class Offer:
    """The actions open to one viewer on one document, grouped for the page's 办理 panel."""

    codes: set[str] = field(default_factory=set)
    countersigns_to_reply: list[Countersign] = field(default_factory=list)
    countersigns_to_manage: list[Countersign] = field(default_factory=list)
    confirm_units: list[Unit] = field(default_factory=list)
    read_item: InboxItem | None = None
    acting_for: Person | None = None
    notes: list[str] = field(default_factory=list)

    def __contains__(self, code: str) -> bool:
        return code in self.codes

    @property
    def any(self) -> bool:
        return bool(
            self.codes
            or self.countersigns_to_reply
            or self.countersigns_to_manage
            or self.confirm_units
            or self.read_item
        )


def _is_host(actor: Actor, doc: Document) -> bool:
    host = services.host_unit(doc)
    return OFFICE in actor.roles if host.kind == Unit.Kind.GENERAL_OFFICE else host.pk in actor.unit_ids


COUNTERSIGN_AUTHORITY_NOTE = (
    "本单位的会签须由负责人办理，或由其授权的人员办理（工作规则第五十条第一款）。"
    "您尚未获得授权：请本单位主要负责人在“会签授权”页授权您，或请负责人办理。"
)


def _countersigner(actor: Actor, unit: Unit, at: dt.datetime) -> bool:
    return actor.person is not None and services.may_countersign(actor.person, unit, at)


def offer(actor: Actor, doc: Document, at: dt.datetime | None = None) -> Offer:
    at = at or timezone.now()
    out = Offer()
    if actor.person is None:
        return out
    office = OFFICE in actor.roles
    incoming = doc.direction == Document.Direction.INCOMING
    state = doc.state
    mine = doc.submitted_by_id == actor.person.pk
    drafter = allowed(actor, "document.draft", doc)
    add = out.codes.add

    if state in (flow.DRAFT, flow.RETURNED) and drafter:
        add("edit")
        if state == flow.DRAFT and mine and doc.submitted_at is None:
            add("delete")
        if incoming and allowed(actor, "document.submit", doc):
            add("submit")
        if not incoming and state == flow.DRAFT:
            add("prepare")
            if not doc.countersigns.filter(state=Countersign.State.PENDING).exists():
                add("request_countersign")
    if incoming and state == flow.SUBMITTED:
        if doc.issuer_unit_id in actor.unit_ids:
            add("recall")
        if office:
            add("register")
            add("return")
            if doc.findings.filter(severity="warn", cleared_at__isnull=True).exists():
                add("clear")
    if state == flow.CHECKING and office:
        if mine:
            out.notes.append("您是拟稿人：核稿须由办公室其他同志办理（分岗设权）。")
        else:
            add("check")
    objected = doc.countersigns.filter(state=Countersign.State.OBJECTED).exists()
    if objected and state != flow.COUNTERSIGNING and _is_host(actor, doc) and not doc.disagreement:
        add("disagreement")
    if doc.disagreement and not doc.disagreement.get("decided"):
        pending = [int(u) for u, v in (doc.disagreement.get("confirmations") or {}).items() if not v]
        mine_to_confirm = [u for u in Unit.objects.filter(pk__in=pending) if u.pk in actor.unit_ids]
        out.confirm_units = [u for u in mine_to_confirm if _countersigner(actor, u, at)]
        if len(out.confirm_units) < len(mine_to_confirm):
            out.notes.append(COUNTERSIGN_AUTHORITY_NOTE)
    ready = not objected or services.disagreement_ready(doc)
    if office and ready:
        if incoming and state in (flow.REGISTERED, flow.DECIDED):
            add("route")
        if not incoming and state == flow.SIGNING and services.unresolved_disagreement(doc):
            add("route")
    if office and incoming and state in (flow.REGISTERED, flow.ROUTED) and not objected:
        add("request_countersign")
    if (
        not incoming
        and state == flow.SIGNING
        and _is_host(actor, doc)
        and not objected
        and not doc.countersigns.filter(state=Countersign.State.PENDING).exists()
    ):
        add("request_countersign")
    if state == flow.COUNTERSIGNING and _is_host(actor, doc):
        out.countersigns_to_manage = list(
            doc.countersigns.filter(state=Countersign.State.PENDING).select_related("unit", "deadline")
        )
    if state == flow.COUNTERSIGNING:
        ours = [
            c
            for c in doc.countersigns.filter(state=Countersign.State.PENDING).select_related("unit", "deadline")
            if c.unit_id in actor.unit_ids
        ]
        out.countersigns_to_reply = [c for c in ours if _countersigner(actor, c.unit, at)]
        if len(out.countersigns_to_reply) < len(ours):
            out.notes.append(COUNTERSIGN_AUTHORITY_NOTE)
    if state == flow.ROUTED:
        s = seat(actor, doc.routed_to)
        if s is not None:
            out.codes |= {"instruct", "pass_on"}
            if incoming:
                add("leader_return")
            out.acting_for = s.on_behalf_of
    if incoming and office and state == flow.DECIDED:
        add("close")
        if doc.kind == "请示" and not doc.replies.exists():
            add("draft_reply")
    if incoming and office and state == flow.REGISTERED and doc.kind != "请示":
        add("close")
    if incoming and office and state in (flow.REGISTERED, flow.DECIDED, flow.CLOSED):
        add("circulate")
    if not incoming and state in (flow.SIGNING, flow.DECIDED):
        _signing_offer(actor, doc, out, at)
    if office and state == flow.SIGNED:
        add("issue")
    if office and state in (flow.CLOSED, flow.ISSUED):
        add("archive")
    if office:
        add("relate")
    out.read_item = inbox_for_reading(actor, doc)
    return out


def _signing_offer(actor: Actor, doc: Document, out: Offer, at: dt.datetime) -> None:
    if services.unresolved_disagreement(doc):
        out.notes.append("会签部门尚未协商一致：须列明分歧、报市政府决定后才能签发和印发（工作规则第五十二条第三款）。")
        return
    plan = services.signing_plan(doc, at)
    review = seat(actor, plan["review"]) if plan["review"] is not None else None
    if review is not None:
        out.codes.add("review")
        out.acting_for = review.on_behalf_of
    for position in plan["co_sign"]:
        s = seat(actor, position)
        if s is not None:
            out.codes.add("co_sign")
            out.acting_for = s.on_behalf_of
    mayor = seat(actor, plan["mayor"])
    if plan["can_authorise"] and mayor is not None:
        out.codes.add("authorise")
    signer = seat(actor, plan["signer"]) or (mayor if plan["can_authorise"] else None)
    if signer is not None and plan["review"] is None and not plan["co_sign"]:
        out.codes.add("sign")
        out.acting_for = signer.on_behalf_of


def inbox_for_reading(actor: Actor, doc: Document) -> InboxItem | None:
    if actor.person is None:
        return None
    from django.db.models import Q

    reach = Q(assignee_person=actor.person) | Q(assignee_position_id__in=actor.position_ids | actor.acting_position_ids)
    reach |= Q(assignee_position__isnull=True, assignee_person__isnull=True, unit_id__in=actor.pool_unit_ids)
    return (
        InboxItem.objects.filter(
            subject_type__app_label="documents",
            subject_type__model="document",
            subject_id=str(doc.pk),
            state=InboxItem.State.OPEN,
            for_reading=True,
        )
        .filter(reach)
        .first()
    )


# -- who holds it now (当前环节、办理人、已停留N个工作日) ------------------------------------------------


@dataclass(frozen=True)
class Holding:
    step: str
    waiting_for: str
    holders: list[str]
    since: dt.datetime | None
    working_days: int | None
    overdue: bool = False


def _holder_names(item: InboxItem, at: dt.datetime) -> str:
    if item.assignee_position_id is not None:
        position = item.assignee_position
        assert position is not None  # noqa: S101
        name = services.position_label(position, at)
        acting = acting_for(position, at)
        if acting.is_acting and acting.acting_person_id:
            substitute = Person.objects.filter(pk=acting.acting_person_id).first()
            if substitute is not None:
                name += f"（外出，由{services.person_label(substitute, at)}代行）"
        return name
    if item.assignee_person_id is not None:
        return services.person_label(item.assignee_person, at)
    return f"{item.unit.name if item.unit else ''}（经办人员）"


def holding(doc: Document, at: dt.datetime | None = None) -> Holding:
    at = at or timezone.now()
    items = list(
        InboxItem.objects.filter(
            subject_type__app_label="documents",
            subject_type__model="document",
            subject_id=str(doc.pk),
            state=InboxItem.State.OPEN,
            for_reading=False,
        ).select_related("assignee_position", "assignee_person", "unit", "deadline")
    )
    since = min((i.created_at for i in items), default=None)
    days = None
    if since is not None:
        try:
            days = working_calendar().working_days_between(
                since.astimezone(LOCAL_TZ).date(), at.astimezone(LOCAL_TZ).date()
            )
        except RulesError:
            days = None
    overdue = any(i.deadline is not None and i.deadline.is_overdue(at) for i in items) or bool(
        doc.handling_due and doc.handling_due < at.astimezone(LOCAL_TZ).date() and doc.state in flow.OPEN_STATES
    )
    return Holding(
        step=flow.STATE_LABELS.get(doc.state, doc.state),
        waiting_for=flow.WAITING_FOR.get(doc.state, ""),
        holders=list(dict.fromkeys(_holder_names(i, at) for i in items)),
        since=since,
        working_days=days,
        overdue=overdue,
    )


NEXT_STEPS = {
    "incoming": [flow.DRAFT, flow.SUBMITTED, flow.REGISTERED, flow.ROUTED, flow.DECIDED, flow.CLOSED, flow.ARCHIVED],
    "outgoing": [flow.DRAFT, flow.CHECKING, flow.SIGNING, flow.SIGNED, flow.ISSUED, flow.ARCHIVED],
}


def flow_steps(doc: Document) -> list[tuple[str, str]]:
    """The main line of the document's flow, each step marked done / current / todo."""
    line = NEXT_STEPS[doc.direction]
    state = doc.state
    if state == flow.COUNTERSIGNING:
        state = doc.resume_state or line[2]
    if state == flow.RETURNED:
        state = flow.DRAFT
    if state == flow.ROUTED and doc.direction == "outgoing":
        state = flow.SIGNING
    if state == flow.DECIDED and doc.direction == "outgoing":
        state = flow.SIGNING
    index = line.index(state) if state in line else 0
    return [
        (flow.STATE_LABELS[s], "done" if i < index else ("current" if i == index else "todo"))
        for i, s in enumerate(line)
    ]


__all__ = ["Holding", "Offer", "flow_steps", "holding", "inbox", "offer", "outgoing_issuers", "seat", "submit_units"]


def submit_units(actor: Actor) -> list[Unit]:
    """The units a person may submit in the name of (counties and departments)."""
    kinds = (Unit.Kind.COUNTY, Unit.Kind.DEPARTMENT, Unit.Kind.AFFILIATED)
    return sorted({p.unit for p in actor.positions if p.unit.kind in kinds}, key=lambda u: u.sort_order)


def outgoing_issuers(actor: Actor) -> list[Unit]:
    """In whose name a person may draft: the office drafts for the city government and the office;
    a department for the city government (to be signed there) and for itself."""
    units = set(submit_units(actor)) - {u for u in submit_units(actor) if u.kind == Unit.Kind.COUNTY}
    if OFFICE in actor.roles or units:
        units |= set(Unit.objects.filter(kind__in=[Unit.Kind.CITY_GOVERNMENT, Unit.Kind.GENERAL_OFFICE]))
    return sorted(units, key=lambda u: u.sort_order)
