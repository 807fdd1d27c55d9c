"""The inbox is the truth: a document's open 待办 items follow from its state.

After every change, ``sync`` computes who must act on the document now (``wanted``) and brings
the open items in line: an item whose act is done is closed (by the person who did it, with 代
where acting), and a new act gets its item. Nobody closes an action item by hand; reading items
(阅件、来文) are the only ones a person marks read (``for_reading``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.utils import timezone

from cityhall.org.models import Person, Position, Unit
from cityhall.rules import document_flow as flow
from cityhall.workflow.models import Deadline, InboxItem

from .models import Countersign, Document

KIND = "documents.document"
# Collective addressees as documents write them, and the units they reach.
GROUP_ADDRESSEES = {
    "各县（区）人民政府": (Unit.Kind.COUNTY,),
    "各县区人民政府": (Unit.Kind.COUNTY,),
    "各县（区）政府": (Unit.Kind.COUNTY,),
    "市政府各部门": (Unit.Kind.DEPARTMENT, Unit.Kind.AFFILIATED),
    "市政府各委办局": (Unit.Kind.DEPARTMENT, Unit.Kind.AFFILIATED),
    "各直属机构": (Unit.Kind.AFFILIATED,),
}
READ_KIND = "documents.read"


@dataclass(frozen=True)
class Want:
    key: str
    title: str
    position: Position | None = None
    person: Person | None = None
    unit: Unit | None = None
    deadline: Deadline | None = None
    not_for: Person | None = None

    def same_act(self, item: InboxItem) -> bool:
        """The same act for the same assignee: the item stays open (its title or dates may change)."""
        if item.key != self.key:
            return False
        if self.position is not None or self.person is not None:
            return item.assignee_position_id == (self.position.pk if self.position else None) and (
                item.assignee_person_id == (self.person.pk if self.person else None)
            )
        return item.assignee_position_id is None and item.assignee_person_id is None and item.unit_id == self.unit_pk

    @property
    def unit_pk(self) -> int | None:
        return self.unit.pk if self.unit else None


def _office() -> Unit:
    from .services import general_office

    return general_office()


def _prefetched(doc: Document, name: str) -> list | None:
    cache = getattr(doc, "_prefetched_objects_cache", {})
    return list(cache[name]) if name in cache else None


def countersigns_of(doc: Document, state: str | None = None) -> list[Countersign]:
    """The document's countersigns (of ``state``), from ``sync_many``'s prefetch when there is one."""
    rows = _prefetched(doc, "countersigns")
    if rows is None:
        qs = doc.countersigns.select_related("unit", "deadline").order_by("pk")
        return list(qs.filter(state=state) if state else qs)
    return [cs for cs in rows if state is None or cs.state == state]


def has_countersigns(doc: Document, state: str | None = None) -> bool:
    rows = _prefetched(doc, "countersigns")
    if rows is None:
        return (doc.countersigns.filter(state=state) if state else doc.countersigns.all()).exists()
    return any(state is None or cs.state == state for cs in rows)


def _last_instruction(doc: Document):  # type: ignore[no-untyped-def]
    rows = _prefetched(doc, "instructions")
    if rows is None:
        return doc.instructions.order_by("-at", "-id").first()
    return max(rows, key=lambda i: (i.at, i.pk), default=None)


def _countersign_wants(doc: Document, t: str) -> list[Want]:
    from .services import countersign_delegates, host_unit, principal_of

    host = host_unit(doc)
    out = []
    for cs in countersigns_of(doc, Countersign.State.PENDING):
        head = principal_of(cs.unit)
        label = f"会签：{t}" + (f"（第{cs.reminders}次催办）" if cs.reminders else "")
        out.append(Want(f"cs:{cs.pk}", label, position=head, unit=None if head else cs.unit, deadline=cs.deadline))
        # Those the head authorised see it too (Art 50 ¶1); whoever replies first closes every copy.
        out += [
            Want(f"cs:{cs.pk}", label, person=d.person, deadline=cs.deadline) for d in countersign_delegates(cs.unit)
        ]
        if cs.extension_requested_until:
            out.append(
                Want(
                    f"cs-ext:{cs.pk}",
                    f"会签延期申请：{cs.unit.short_name or cs.unit.name}申请延至{cs.extension_requested_until:%m月%d日}（{t}）",
                    unit=host,
                )
            )
    return out


def _disagreement_wants(doc: Document, t: str) -> list[Want] | None:
    """The steps of Art 50 ¶1 while departments disagree; None when there is no open disagreement."""
    from .services import countersign_delegates, host_unit, principal_of, unresolved_disagreement

    if not unresolved_disagreement(doc):
        return None
    record = doc.disagreement or {}
    if not record:
        return [Want("disagreement", f"会签有分歧，待列明各方理据和办理建议：{t}", unit=host_unit(doc))]
    pending = [int(u) for u, v in (record.get("confirmations") or {}).items() if not v]
    if pending:
        wants = []
        for unit in Unit.objects.filter(pk__in=pending):
            head = principal_of(unit)
            wants.append(
                Want(f"confirm:{unit.pk}", f"会签分歧情况（请确认）：{t}", position=head, unit=None if head else unit)
            )
            wants += [
                Want(f"confirm:{unit.pk}", f"会签分歧情况（请确认）：{t}", person=d.person)
                for d in countersign_delegates(unit)
            ]
        return wants
    return [Want("disagreement-route", f"分歧情况已会签，待报市政府决定：{t}", unit=_office())]


def _signing_wants(doc: Document, t: str, at: dt.datetime) -> list[Want]:
    from .services import signing_plan

    disagreement = _disagreement_wants(doc, t)
    if disagreement is not None:
        return disagreement
    plan = signing_plan(doc, at)
    wants = [Want(f"co_sign:{p.code}", f"领导会签：{t}", position=p) for p in plan["co_sign"]]
    if plan["review"] is not None:
        wants.append(Want("review", f"审核：{t}", position=plan["review"]))
        return wants
    if plan["can_authorise"]:
        wants.append(Want("sign", f"签发（可授权分管领导签发）：{t}", position=plan["mayor"]))
    elif not plan["co_sign"]:
        wants.append(Want("sign", f"签发：{t}", position=plan["signer"]))
    return wants


def wanted(doc: Document, at: dt.datetime) -> list[Want]:
    """Who must act on ``doc`` now, one entry per act."""
    t = doc.safe_title
    incoming = doc.direction == Document.Direction.INCOMING
    state = doc.state
    if state == flow.DRAFT:
        wants = _disagreement_wants(doc, t) or []
        if doc.submitted_by_id and not wants:
            what = "报送" if incoming else "送核稿"
            verb = "核稿退回，待修改后" if doc.remarks and not incoming else "草稿待"
            wants.append(Want("draft", f"{verb}{what}：{t}", person=doc.submitted_by))
        return wants
    if state == flow.RETURNED:
        if doc.submitted_by_id:
            return [Want("returned", f"被退回，待修改后重新报送：{t}", person=doc.submitted_by)]
        return [Want("returned", f"被退回，待修改后重新报送：{t}", unit=doc.issuer_unit)]
    if state == flow.SUBMITTED:
        return [Want("register", f"收文待登记：{t}", unit=_office())]
    if state == flow.COUNTERSIGNING:
        return _countersign_wants(doc, t)
    if state == flow.ROUTED and doc.routed_to is not None:
        label = "分歧事项待决定" if not incoming else ("请示待批示" if doc.kind == "请示" else "呈批")
        return [Want("instruct", f"{label}：{t}", position=doc.routed_to)]
    if incoming and state == flow.REGISTERED:
        disagreement = _disagreement_wants(doc, t)
        if disagreement is not None:
            return disagreement
        last = _last_instruction(doc)
        if last is not None and last.kind == "return":
            label = "领导退回，待重新办理"
        elif has_countersigns(doc):
            label = "会签已完成，待呈批"
        else:
            label = "已登记，待呈批"
        return [Want("route", f"{label}：{t}", unit=_office())]
    if incoming and state == flow.DECIDED:
        if doc.replies.exists():
            return []  # the work is now the reply's (拟批复); issuing it closes this request
        return [Want("decided", f"领导已批示（{doc.opinion}），待办理：{t}", unit=_office())]
    if not incoming and state in (flow.SIGNING, flow.DECIDED):
        return _signing_wants(doc, t, at)
    if state == flow.CHECKING:
        return [Want("check", f"待核稿：{t}", unit=_office(), not_for=doc.submitted_by)]
    if state == flow.SIGNED:
        return [Want("issue", f"已签发，待印发：{t}（{doc.document_number}）", unit=_office())]
    if state in (flow.CLOSED, flow.ISSUED):
        return [Want("archive", f"待归档：{t}", unit=_office())]
    return []


def _content_type() -> ContentType:
    return ContentType.objects.get_for_model(Document)


def sync(
    doc: Document, *, actor: Person | None, on_behalf_of: Person | None = None, at: dt.datetime | None = None
) -> None:
    """Close the open items whose act is done and open the ones now due. Runs in the caller's transaction."""
    _sync([doc], actor=actor, on_behalf_of=on_behalf_of, at=at or timezone.now())


def sync_many(
    docs: list[Document],
    *,
    actor: Person | None,
    at: dt.datetime | None = None,
    countersigns: dict[int, list[Countersign]] | None = None,
) -> None:
    """``sync`` for many documents in a handful of statements: their countersigns and instructions are
    read in one query each and their open items locked together (the worker's batch handlers). A caller
    that has just read every countersign of the documents (with unit and deadline) passes them in."""
    if not docs:
        return
    if countersigns is not None:
        for doc in docs:
            doc._prefetched_objects_cache = {"countersigns": countersigns.get(doc.pk, [])}  # type: ignore[attr-defined]
        prefetch_related_objects(docs, "instructions")
    else:
        prefetch_related_objects(
            docs,
            Prefetch("countersigns", queryset=Countersign.objects.select_related("unit", "deadline").order_by("pk")),
            "instructions",
        )
    try:
        _sync(docs, actor=actor, on_behalf_of=None, at=at or timezone.now())
    finally:
        for doc in docs:  # the prefetch describes this moment only: later reads go to the database
            doc._prefetched_objects_cache = {}  # type: ignore[attr-defined]


def _sync(docs: list[Document], *, actor: Person | None, on_behalf_of: Person | None, at: dt.datetime) -> None:
    ct = _content_type()
    open_by_doc: dict[str, list[InboxItem]] = {}
    for item in InboxItem.objects.filter(
        subject_type=ct, subject_id__in=[str(d.pk) for d in docs], state=InboxItem.State.OPEN, for_reading=False
    ).select_for_update():
        open_by_doc.setdefault(item.subject_id, []).append(item)
    new: list[InboxItem] = []
    done: list[int] = []
    for doc in docs:
        open_items = open_by_doc.get(str(doc.pk), [])
        keep: set[int] = set()
        for want in wanted(doc, at):
            # The 限办日期 the office set applies to every step of the document's handling.
            due_on = doc.handling_due if want.deadline is None else None
            match = next((i for i in open_items if i.pk not in keep and want.same_act(i)), None)
            if match is not None:
                keep.add(match.pk)
                fresh = {
                    "title": want.title[:200],
                    "deadline_id": want.deadline.pk if want.deadline else None,
                    "due_on": due_on,
                }
                stale = {k: v for k, v in fresh.items() if getattr(match, k) != v}
                if stale:
                    InboxItem.objects.filter(pk=match.pk).update(**stale)
                continue
            new.append(
                InboxItem(
                    title=want.title[:200],
                    kind=KIND,
                    key=want.key,
                    url=f"/documents/{doc.pk}/",
                    subject_type=ct,
                    subject_id=str(doc.pk),
                    assignee_position=want.position,
                    assignee_person=want.person,
                    unit=want.unit if want.unit else (want.position.unit if want.position else None),
                    deadline=want.deadline,
                    not_for=want.not_for,
                    due_on=due_on,
                    created_at=at,
                )
            )
        done += [i.pk for i in open_items if i.pk not in keep]
    if new:
        InboxItem.objects.bulk_create(new)  # one INSERT for every act now due
    if done:
        InboxItem.objects.filter(pk__in=done).update(
            state=InboxItem.State.DONE, done_at=at, done_by=actor, done_on_behalf_of=on_behalf_of
        )


def close_all(doc: Document, *, actor: Person | None) -> None:
    InboxItem.objects.filter(subject_type=_content_type(), subject_id=str(doc.pk), state=InboxItem.State.OPEN).update(
        state=InboxItem.State.DONE, done_at=timezone.now(), done_by=actor
    )


def for_reading(
    doc: Document,
    *,
    title: str,
    actor: Person | None,
    position: Position | None = None,
    unit: Unit | None = None,
    at: dt.datetime | None = None,
) -> InboxItem:
    """A reading item (阅件/来文): it stays until the reader marks it read."""
    ct = _content_type()
    existing = InboxItem.objects.filter(
        subject_type=ct,
        subject_id=str(doc.pk),
        state=InboxItem.State.OPEN,
        for_reading=True,
        assignee_position=position,
        unit=unit if position is None else position.unit,
    ).first()
    if existing is not None:
        return existing
    return InboxItem.objects.create(
        title=title[:200],
        kind=READ_KIND,
        key="read",
        url=f"/documents/{doc.pk}/",
        subject_type=ct,
        subject_id=str(doc.pk),
        assignee_position=position,
        unit=unit if position is None else position.unit,
        for_reading=True,
        created_at=at or timezone.now(),
    )


def deliver(doc: Document, *, actor: Person | None, at: dt.datetime | None = None) -> list[InboxItem]:
    """On issue, each addressee unit we know gets the document in its inbox (来文), and so does each
    unit it is copied to (抄送, for reading too)."""
    names = [a for a in doc.addressees.split("、") if a] + [a for a in doc.copied_to.split("、") if a]
    kinds = [kind for name in names for group, kind in GROUP_ADDRESSEES.items() if group in name]
    units = (
        Unit.objects.filter(Q(name__in=names) | Q(short_name__in=names) | Q(kind__in=[k for ks in kinds for k in ks]))
        .exclude(pk=doc.issuer_unit_id)
        .exclude(kind__in=[Unit.Kind.CITY_GOVERNMENT, Unit.Kind.GENERAL_OFFICE])
    )
    label = f"来文：{doc.safe_title}（{doc.document_number}）"
    return [for_reading(doc, title=label, actor=actor, unit=u, at=at) for u in units]
