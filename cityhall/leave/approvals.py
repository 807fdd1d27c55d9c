"""The leaders' approvals (Ch. 12–13), each a request → approval with its article.

- Speech or article (Art 67): a leader's always needs the government's approval (the mayor's seat); another
  member's needs it when on behalf of the government, or when it touches a major matter not yet decided
  (the office's list of undecided matters). A draft naming one of them is flagged.
- Department release (Art 68): reviewed by the department's principal head (or, for the head's own, the
  supervising vice mayor) before it goes out; a major situation is also reported to the city government.
- Reception in the government's name (Art 72): the host department's plan, reviewed by the supervising vice
  mayor, then arranged by the office (市机关事务管理局); the budget is shown against the standard.
- Delegation abroad (Art 72): checked against the year's quota in number and size; over it is refused.
- Meeting, forum, celebration or festival activity (Art 72): its spending is charged to a budget line, or
  it is not taken; approved by the supervising vice mayor (or the mayor).
- Congratulatory letter or inscription (Art 77): refused unless a special need is recorded; approved by the
  leader in whose name it goes; never published.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cityhall.org.models import Person, Position, Unit
from cityhall.org.selectors import positions_held
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.services import inbox_close, inbox_open

from .models import LeaderApproval, UndecidedMatter
from .seats import first_seat, is_office_staff, principal_head, sits_at, supervising_vice_mayor

K = LeaderApproval.Kind
S = LeaderApproval.State


class ApprovalError(RuleViolation):
    pass


def _rule(kind: str):  # type: ignore[no-untyped-def]
    return rulebook().rule(LeaderApproval.KIND_RULE[K(kind)])


def _param(rule_id: str, name: str) -> int:
    return int(rulebook().rule(rule_id).record.params[name].value)  # type: ignore[union-attr]


@applies("speech.approval")
def undecided_in(text: str) -> list[str]:
    """The undecided major matters on the office's list that a draft names (Art 67)."""
    return [m.term for m in UndecidedMatter.objects.filter(active=True) if m.term and m.term in text]


def _url(item: LeaderApproval) -> str:
    return f"/leave/approvals/{item.pk}/"


@dataclass(frozen=True)
class ApprovalForm:
    kind: str
    title: str
    body: str = ""
    unit: Unit | None = None
    on_behalf: bool = False
    major: bool = False
    guests: int = 0
    budget: int = 0
    members: int = 0
    destination: str = ""
    leader: Position | None = None
    special_need: str = ""
    budget_line: str = ""


def approved_abroad(year: int) -> int:
    return LeaderApproval.objects.filter(kind=K.TRIP_ABROAD, state=S.APPROVED, requested_at__year=year).count()


@applies("speech.approval", "release.review", "reception.plan", "abroad.quota", "greeting.exception", "activity.budget")
def approval_request(*, actor: Person, form: ApprovalForm, at: dt.datetime | None = None) -> LeaderApproval:
    at = at or timezone.now()
    if form.kind not in K.values:
        raise InvalidInput("请选择审批事项的类别。", "kind")
    title = form.title.strip()
    if not title:
        raise InvalidInput("请写明标题。", "title")
    held = positions_held(actor, at)
    if not held:
        raise InvalidInput("您没有任职，不能申请。", "unit")
    unit = form.unit or held[0].unit
    if unit.pk not in {p.unit_id for p in held}:
        raise InvalidInput(f"您不在{unit.name}任职，不能以该单位名义申请。", "unit")
    rule = _rule(form.kind)
    flags: list[str] = []
    approver: Position | None = None
    state = S.PENDING
    leader_seat = next((p for p in held if p.kind in Position.LEADER_KINDS), None)

    if form.kind == K.SPEECH:
        found = undecided_in(title + form.body)
        if found:
            flags.append(f"涉及未经市政府研究决定的重大事项：{'、'.join(found)}（{rule.short_citation}）")
        if leader_seat is not None or form.on_behalf or found:
            approver = first_seat(Position.Kind.MAYOR)
            if leader_seat is not None and leader_seat.kind == Position.Kind.MAYOR:
                approver = None
                state = S.RECORDED
                flags.append("市长本人的讲话、文章由市政府办公室按程序登记")
        else:
            state = S.RECORDED
            flags.append("个人发表、不涉及未经市政府研究决定的重大事项：无须报批，已登记")
    elif form.kind == K.RELEASE:
        head = principal_head(unit)
        approver = supervising_vice_mayor(unit, at) if head is None or head.pk in {p.pk for p in held} else head
        if approver is None:
            raise ApprovalError(
                "release.no_reviewer", rule.citation, "找不到审定这条信息的负责人，请联系市政府办公室。"
            )
        if form.major:
            flags.append("重大情况：审定后同时报告市政府")
    elif form.kind == K.RECEPTION:
        if form.guests <= 0 or form.budget <= 0:
            raise InvalidInput("接待方案须写明接待人数和预算。", "budget")
        standard = _param("reception.plan", "standard_per_guest")
        per = form.budget / form.guests
        flags.append(f"预算 {form.budget} 元，{form.guests} 人，人均 {per:.0f} 元；标准 {standard} 元/人次")
        if per > standard:
            flags.append(f"超出接待标准 {per - standard:.0f} 元/人次（{rule.short_citation}）")
        approver = supervising_vice_mayor(unit, at)
        if approver is None:
            state = S.ARRANGING
            flags.append("本单位没有分管副市长，直接报市政府办公室（市机关事务管理局）安排")
    elif form.kind == K.TRIP_ABROAD:
        limit, size = (
            _param("abroad.quota", "delegations_per_year"),
            _param("abroad.quota", "members_per_delegation"),
        )
        if form.members <= 0 or not form.destination.strip():
            raise InvalidInput("请写明团组人数和前往国家（地区）。", "members")
        used = approved_abroad(at.year)
        flags.append(f"本年度已批准团组 {used}/{limit} 个；本团 {form.members} 人，每团上限 {size} 人")
        if form.members > size:
            raise ApprovalError(
                "abroad.size",
                _rule(form.kind).citation,
                f"团组人数 {form.members} 人超过每团上限 {size} 人，请压缩规模。",
            )
        if used >= limit:
            raise ApprovalError(
                "abroad.quota", _rule(form.kind).citation, f"本年度因公出国（境）团组已达 {limit} 个，不再受理。"
            )
        approver = supervising_vice_mayor(unit, at) or first_seat(Position.Kind.MAYOR)
    elif form.kind == K.ACTIVITY:
        if form.budget > 0 and not form.budget_line.strip():
            raise ApprovalError(
                "activity.no_budget_line",
                rule.citation,
                f"会议活动经费 {form.budget} 元须纳入预算管理，请写明列支的预算科目。",
            )
        flags.append(
            f"经费 {form.budget} 元，列支预算科目：{form.budget_line.strip()}" if form.budget else "不需要经费"
        )
        approver = supervising_vice_mayor(unit, at) or first_seat(Position.Kind.MAYOR)
    else:  # K.LETTER
        if form.leader is None or form.leader.kind not in Position.LEADER_KINDS:
            raise InvalidInput("请选择以哪位市政府领导同志名义。", "leader")
        if not form.special_need.strip():
            raise ApprovalError(
                "letter.no_special_need",
                rule.citation,
                "市政府领导同志不为部门和县（区）的会议活动等发贺信、贺电，不题词、题字、作序；"
                "确因特殊需要的，请写明特殊需要，由领导同志本人批准。",
            )
        approver = form.leader
        flags.append("经批准的，一般不公开发表")

    with audit.atomic():
        item = LeaderApproval.objects.create(
            kind=form.kind,
            title=title[:160],
            body=form.body.strip()[:20000],
            requested_by=actor,
            unit=unit,
            on_behalf=form.on_behalf,
            major=form.major,
            guests=max(form.guests, 0),
            budget=max(form.budget, 0),
            members=max(form.members, 0),
            destination=form.destination.strip()[:80],
            leader=form.leader,
            special_need=form.special_need.strip()[:300],
            budget_line=form.budget_line.strip()[:80] if form.kind == K.ACTIVITY else "",
            flags=flags,
            approver=approver,
            state=state,
            requested_at=at,
        )
        if state == S.PENDING and approver is not None:
            inbox_open(
                item,
                key="decide",
                title=f"{item.get_kind_display()}审批：{item.title}",
                url=_url(item),
                at=at,
                position=approver,
            )
        elif state == S.ARRANGING:
            _to_office(item, at)
        audit_record(
            actor=actor,
            action="approval.request",
            subject=item,
            after={"kind": item.kind, "state": item.state, "flags": flags},
            rule_ids=[rule.id],
            at=at,
        )
    return item


def _to_office(item: LeaderApproval, at: dt.datetime) -> None:
    office = Unit.objects.get(kind=Unit.Kind.GENERAL_OFFICE)
    inbox_open(item, key="arrange", title=f"安排公务接待：{item.title}", url=_url(item), at=at, unit=office)


@applies("speech.approval", "release.review", "reception.plan", "abroad.quota", "greeting.exception", "activity.budget")
def approval_decide(
    *, actor: Person, item: LeaderApproval, approve: bool, note: str = "", at: dt.datetime | None = None
) -> LeaderApproval:
    """The approver agrees or refuses; a reviewed reception goes on to the office, which arranges it."""
    at = at or timezone.now()
    note = note.strip()
    with audit.atomic():
        locked = LeaderApproval.objects.select_for_update(of=("self",)).select_related("approver").get(pk=item.pk)
        rule = _rule(locked.kind)
        behalf = None
        if locked.state == S.ARRANGING:
            if not is_office_staff(actor, at):
                raise ApprovalError(
                    "approval.office", rule.citation, "公务接待由市政府办公室（市机关事务管理局）安排。"
                )
            locked.state, locked.arranged_at = (S.APPROVED if approve else S.REFUSED), at
        elif locked.state == S.PENDING and locked.approver is not None:
            seat = locked.approver
            may, behalf = sits_at(actor, seat, at)
            if not may:
                raise ApprovalError("approval.not_approver", rule.citation, f"这项由{seat.title}审批，您不能办理。")
            if not approve and not note:
                raise InvalidInput("不同意的，请写明理由。", "note")
            if (
                approve
                and locked.kind == K.TRIP_ABROAD
                and approved_abroad(at.year) >= _param("abroad.quota", "delegations_per_year")
            ):
                raise ApprovalError("abroad.quota", rule.citation, "本年度因公出国（境）团组已达上限，不能再批准。")
            if approve and locked.kind == K.RECEPTION:
                locked.state = S.ARRANGING
            else:
                locked.state = S.APPROVED if approve else S.REFUSED
        else:
            raise ApprovalError("approval.done", rule.citation, f"这项{locked.get_state_display()}，不能再办理。")
        locked.decided_at, locked.decided_by, locked.decision_note = at, actor, note[:300]
        locked.save()
        inbox_close(locked, ["decide", "arrange"], actor=actor, at=at)
        if locked.state == S.ARRANGING:
            _to_office(locked, at)
        if locked.state == S.APPROVED and locked.kind == K.RELEASE and locked.major:
            office = Unit.objects.get(kind=Unit.Kind.GENERAL_OFFICE)
            inbox_open(
                locked,
                key="major",
                title=f"重大情况报告：{locked.title}",
                url=_url(locked),
                at=at,
                unit=office,
                reading=True,
            )
        inbox_open(
            locked,
            key="outcome",
            title=f"{locked.get_kind_display()}{locked.get_state_display()}：{locked.title}",
            url=_url(locked),
            at=at,
            person=locked.requested_by,
            reading=True,
        )
        audit_record(
            actor=actor,
            on_behalf_of=behalf,
            action="approval.decide",
            subject=locked,
            after={"state": locked.state, "note": note},
            rule_ids=[rule.id] + (["acting.ab-partner"] if behalf else []),
            at=at,
        )
    return locked


@applies("greeting.exception")
def publishable(items: list[LeaderApproval]) -> list[LeaderApproval]:
    """What a public page may show of these: never a congratulatory letter or inscription (Art 77)."""
    return [i for i in items if i.publishable]


@applies("speech.approval")
def undecided_add(*, actor: Person, term: str, note: str = "", at: dt.datetime | None = None) -> UndecidedMatter:
    at = at or timezone.now()
    term = term.strip()
    if not is_office_staff(actor, at):
        raise ApprovalError(
            "undecided.office", rulebook().rule("speech.approval").citation, "未决重大事项清单由市政府办公室维护。"
        )
    if not 2 <= len(term) <= 60:
        raise InvalidInput("检索词为2至60个字。", "term")
    with audit.atomic():
        matter, _ = UndecidedMatter.objects.update_or_create(
            term=term, defaults={"note": note.strip()[:200], "active": True, "added_by": actor, "added_at": at}
        )
        audit_record(
            actor=actor,
            action="undecided.add",
            subject=matter,
            after={"term": term},
            rule_ids=["speech.approval"],
            at=at,
        )
    return matter
