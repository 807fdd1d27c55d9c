"""Leave applications (请销假, Art 54): submitted by the leader, approved up the chain, and only then
an absence that acting follows.

The chain (Art 54 ¶2): the supervising vice mayor reviews → the secretary-general compiles → the mayor
approves. The vice mayors and the secretary-general report to the mayor instead (¶1), through the
secretary-general, and once the mayor has approved the office notifies the other leaders. A late
application is taken and flagged with its rule, so the approver sees it; a vice mayor and their paired
deputy secretary-general away together wait for the mayor's consent (¶2).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cityhall.org.models import Absence, Person, Position
from cityhall.org.selectors import _needs_notice, holders_at, positions_held, supervising_positions
from cityhall.org.services import absence_end, absence_record
from cityhall.rulebase.selectors import rule_deadline, rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.services import inbox_close, inbox_open

from .models import ItineraryChange, LeaveRequest, LeaveStep
from .seats import first_seat, is_office_staff, seats_of, sits_at

REPORT_KINDS = (Position.Kind.VICE_MAYOR, Position.Kind.VICE_MAYOR_LEVEL, Position.Kind.SECRETARY_GENERAL)
STEP_KEY: dict[str, str] = {
    LeaveRequest.State.REVIEWING: "review",
    LeaveRequest.State.COMPILING: "compile",
    LeaveRequest.State.DECIDING: "decide",
}
MAX_DAYS = 60


class LeaveError(RuleViolation):
    pass


def _cite(rule_id: str) -> str:
    return rulebook().rule(rule_id).citation


def _short(rule_id: str) -> str:
    return rulebook().rule(rule_id).short_citation


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(LOCAL_TZ)


@dataclass(frozen=True)
class Chain:
    """Who handles an application from this position, and in what order."""

    track: str
    reviewer: Position | None  # the supervising vice mayor, if the step applies
    first_state: str
    note: str


@applies("leave.notice", "leave.report-to-mayor", "org.deputy-secretary-general")
def chain_for(position: Position, at: dt.datetime) -> Chain:
    """The chain of Art 54 for an application by the holder of ``position``."""
    if position.kind == Position.Kind.MAYOR:
        raise LeaveError(
            "leave.mayor",
            _cite("acting.mayor-away"),
            "工作规则第五十四条规定的是副市长以下人员的请销假；市长离抚由市政府办公室登记外出，并指定主持日常工作的副市长。",
        )
    if position.kind in REPORT_KINDS:
        if position.kind == Position.Kind.SECRETARY_GENERAL:
            return Chain(LeaveRequest.Track.REPORT, None, LeaveRequest.State.DECIDING, "秘书长本人的报告直接报市长")
        return Chain(LeaveRequest.Track.REPORT, None, LeaveRequest.State.COMPILING, "经秘书长汇总报市长")
    if not _needs_notice([position]):
        raise LeaveError(
            "leave.not_covered",
            _cite("leave.notice"),
            f"{position.title}不在工作规则第五十四条所列人员之内（市政府组成人员、副秘书长和县（区）政府主要负责人），"
            "请按本单位的请销假制度办理。",
        )
    reviewer: Position | None = None
    if position.kind == Position.Kind.DEPUTY_SECRETARY_GENERAL:
        reviewer = position.assists
    else:
        reviewer = next(
            (p for p in supervising_positions(position.unit, at) if p.kind == Position.Kind.VICE_MAYOR), None
        )
    if reviewer is None:
        return Chain(
            LeaveRequest.Track.APPROVAL, None, LeaveRequest.State.COMPILING, "本单位没有分管副市长，由秘书长汇总报市长"
        )
    return Chain(LeaveRequest.Track.APPROVAL, reviewer, LeaveRequest.State.REVIEWING, f"经{reviewer.title}审核")


@dataclass(frozen=True)
class LeaveForm:
    position: Position
    kind: str
    purpose: str
    reason: str
    start: dt.datetime
    end: dt.datetime
    away_from_city: bool = True
    destination: str = ""
    itinerary: str = ""
    cover_position: Position | None = None
    cover_arrangement: str = ""
    contact_phone: str = ""


def _validate(form: LeaveForm, at: dt.datetime) -> None:
    if form.kind not in LeaveRequest.Kind.values:
        raise InvalidInput("请选择请假类别（离抚外出或年休假）。", "kind")
    if form.purpose not in LeaveRequest.Purpose.values:
        raise InvalidInput("请选择事由类别。", "purpose")
    if not form.reason.strip():
        raise InvalidInput("请写明事由。", "reason")
    if form.end <= form.start:
        raise InvalidInput(
            f"返回时间 {_local(form.end):%Y-%m-%d %H:%M} 必须晚于出发时间 {_local(form.start):%Y-%m-%d %H:%M}。", "end"
        )
    if form.end - form.start > dt.timedelta(days=MAX_DAYS):
        raise InvalidInput(f"一次请假最长 {MAX_DAYS} 天，请核对日期。", "end")
    if form.end <= at:
        raise InvalidInput("返回时间已过：事后补登的外出请由市政府办公室在组织机构页登记。", "end")
    if form.kind == LeaveRequest.Kind.TRIP and not form.away_from_city:
        raise InvalidInput("离抚外出须离开抚顺；在抚请假请选“年休假”或由市政府办公室登记。", "away_from_city")
    if form.away_from_city and not form.destination.strip():
        raise InvalidInput("离抚的，请写明目的地。", "destination")
    if form.kind == LeaveRequest.Kind.ANNUAL:
        rule = _short("leave.annual-duties")
        if form.cover_position is None and not form.cover_arrangement.strip():
            raise InvalidInput(f"年休假前应妥善安排分管工作（{rule}）：请写明由谁负责。", "cover_arrangement")
        if form.cover_position is not None and form.cover_position.pk == form.position.pk:
            raise InvalidInput("分管工作不能安排给本人负责。", "cover_position")
        if not form.contact_phone.strip():
            raise InvalidInput(f"年休假期间要保持通讯畅通（{rule}）：请留下联系电话。", "contact_phone")
        if not all(c.isdigit() or c in "-+ " for c in form.contact_phone.strip()):
            raise InvalidInput("联系电话只能包含数字、空格、“-”和“+”。", "contact_phone")


@applies("leave.notice", "leave.annual-notice", "leave.report-to-mayor")
def lateness(track: str, kind: str, start: dt.datetime, submitted: dt.datetime) -> str:
    """The flag for an application made later than its rule asks, or "" when it is in time."""
    departure, applied = _local(start).date(), _local(submitted).date()
    if track == LeaveRequest.Track.REPORT:
        # ¶1 sets no lead time, only 事先: after departure is late.
        if submitted > start:
            return f"应在离抚（休假）前事先报告市长（{_short('leave.report-to-mayor')}）；本次于出发后报告"
        return ""
    rule_id = "leave.annual-notice" if kind == LeaveRequest.Kind.ANNUAL else "leave.notice"
    latest = rule_deadline(rule_id, departure).due
    if applied <= latest:
        return ""
    days = (departure - applied).days
    ahead = "当天" if days <= 0 else f"提前{days}天"
    need = "提前1周报批" if kind == LeaveRequest.Kind.ANNUAL else "提前3天请假（报备）"
    return f"应{need}，最迟 {latest:%Y-%m-%d}（{_short(rule_id)}）；本次 {applied:%Y-%m-%d} 申请，{ahead}"


def _pair_of(position: Position, at: dt.datetime) -> Person | None:
    """The other half of the vice mayor ↔ deputy secretary-general pairing (Art 7 ¶3, Art 54 ¶2)."""
    if position.kind == Position.Kind.DEPUTY_SECRETARY_GENERAL and position.assists_id:
        return holders_at(at, [position.assists]).get(position.assists_id)  # type: ignore[list-item]
    if position.kind == Position.Kind.VICE_MAYOR:
        deputy = Position.objects.filter(assists=position, kind=Position.Kind.DEPUTY_SECRETARY_GENERAL).first()
        if deputy is not None:
            return holders_at(at, [deputy]).get(deputy.pk)
    return None


@applies("leave.pairing")
def pairing_conflict(position: Position, start: dt.datetime, end: dt.datetime, exclude: int | None = None) -> str:
    """The paired leader's approved or pending absence from Fushun overlapping these dates, as a flag."""
    other = _pair_of(position, start)
    if other is None:
        return ""
    requests = LeaveRequest.objects.filter(
        person=other,
        away_from_city=True,
        start__lt=end,
        end__gt=start,
        state__in=[*LeaveRequest.PENDING, LeaveRequest.State.APPROVED],
        returned_at__isnull=True,
    )
    if exclude is not None:
        requests = requests.exclude(pk=exclude)
    clash = requests.order_by("start").first()
    absence = (
        Absence.objects.filter(person=other, away_from_city=True, cancelled=False, start__lt=end, end__gt=start)
        .order_by("start")
        .first()
    )
    if clash is None and absence is None:
        return ""
    begins = clash.start if clash is not None else absence.start  # type: ignore[union-attr]
    return (
        f"与{other.name}同时离抚（{_local(max(begins, start)):%m-%d}起）：副市长和与其对应的副秘书长原则上不能同时离抚外出，"
        f"确有需要，应报经市长同意（{_short('leave.pairing')}）"
    )


def _url(req: LeaveRequest) -> str:
    return f"/leave/{req.pk}/"


def _title(req: LeaveRequest) -> str:
    return f"{req.person.name}{req.get_kind_display()} {_local(req.start):%m-%d}—{_local(req.end):%m-%d}"


def _step(req: LeaveRequest, action: str, actor: Person | None, at: dt.datetime, note: str = "", behalf=None) -> None:  # type: ignore[no-untyped-def]
    LeaveStep.objects.create(request=req, action=action, actor=actor, on_behalf_of=behalf, at=at, note=note[:400])


def _seat_for(state: str, req: LeaveRequest) -> Position | None:
    if state == LeaveRequest.State.REVIEWING:
        return req.reviewer_position
    if state == LeaveRequest.State.COMPILING:
        return first_seat(Position.Kind.SECRETARY_GENERAL)
    if state == LeaveRequest.State.DECIDING:
        return first_seat(Position.Kind.MAYOR)
    return None


def _open_step(req: LeaveRequest, at: dt.datetime) -> None:
    seat = _seat_for(req.state, req)
    if seat is None:
        return
    verb = {"reviewing": "审核", "compiling": "汇总", "deciding": "审批"}[req.state]
    flag = "（未按时申请）" if req.late else ""
    flag += "（同时离抚，待市长同意）" if req.pairing_text and not req.mayor_consented else ""
    inbox_open(
        req, key=STEP_KEY[req.state], title=f"请假{verb}：{_title(req)}{flag}", url=_url(req), at=at, position=seat
    )


def _snapshot(req: LeaveRequest) -> dict[str, object]:
    return {
        "person": req.person.name,
        "position": req.position.code,
        "kind": req.kind,
        "start": req.start.isoformat(),
        "end": req.end.isoformat(),
        "state": req.state,
        "late": req.late,
        "pairing": bool(req.pairing_text),
        "mayor_consented": req.mayor_consented,
        "returned_at": req.returned_at.isoformat() if req.returned_at else None,
    }


@applies("leave.notice", "leave.annual-notice", "leave.report-to-mayor", "leave.pairing", "leave.annual-duties")
def leave_submit(*, actor: Person, form: LeaveForm, at: dt.datetime | None = None) -> LeaveRequest:
    """A leader applies for leave (or, under ¶1, reports it). Never refused for lateness: flagged."""
    at = at or timezone.now()
    if form.position.pk not in {p.pk for p in positions_held(actor, at)}:
        raise InvalidInput(f"您不任{form.position.title}，不能以该职务请假。", "position")
    _validate(form, at)
    chain = chain_for(form.position, at)
    late = lateness(chain.track, form.kind, form.start, at)
    pairing = pairing_conflict(form.position, form.start, form.end) if form.away_from_city else ""
    overlapping = LeaveRequest.objects.filter(
        person=actor,
        start__lt=form.end,
        end__gt=form.start,
        state__in=[*LeaveRequest.PENDING, LeaveRequest.State.APPROVED],
        returned_at__isnull=True,
        recalled_at__isnull=True,
    ).first()
    if overlapping is not None:
        raise InvalidInput(
            f"与您已有的请假（{_local(overlapping.start):%m-%d}—{_local(overlapping.end):%m-%d}，"
            f"{overlapping.get_state_display()}）时间重叠；行程有变化请在原申请中补充报告。",
            "start",
        )
    with audit.atomic():
        req = LeaveRequest.objects.create(
            person=actor,
            position=form.position,
            kind=form.kind,
            purpose=form.purpose,
            reason=form.reason.strip()[:200],
            start=form.start,
            end=form.end,
            away_from_city=form.away_from_city,
            destination=form.destination.strip()[:100],
            itinerary=form.itinerary.strip()[:4000],
            cover_position=form.cover_position,
            cover_arrangement=form.cover_arrangement.strip()[:300],
            contact_phone=form.contact_phone.strip()[:30],
            track=chain.track,
            reviewer_position=chain.reviewer,
            state=chain.first_state,
            submitted_at=at,
            late=bool(late),
            late_text=late[:300],
            pairing_text=pairing[:300],
        )
        _step(req, "leave.submit", actor, at, "；".join(x for x in (chain.note, late, pairing) if x))
        _open_step(req, at)
        audit_record(
            actor=actor,
            action="leave.submit",
            subject=req,
            after=_snapshot(req),
            rule_ids=[
                "leave.report-to-mayor" if chain.track == LeaveRequest.Track.REPORT else "leave.notice",
                *(["leave.annual-notice", "leave.annual-duties"] if form.kind == LeaveRequest.Kind.ANNUAL else []),
                *(["leave.pairing"] if pairing else []),
            ],
            at=at,
        )
    return req


NEXT_STATE: dict[str, str] = {
    LeaveRequest.State.REVIEWING: LeaveRequest.State.COMPILING,
    LeaveRequest.State.COMPILING: LeaveRequest.State.DECIDING,
}


@applies("leave.notice", "leave.pairing", "leave.report-to-mayor", "acting.ab-partner")
def leave_act(
    *,
    actor: Person,
    request: LeaveRequest,
    action: str,
    note: str = "",
    consent: bool = False,
    at: dt.datetime | None = None,
) -> LeaveRequest:
    """One step of the chain: ``forward`` (审核 or 汇总, by the seat whose turn it is), ``approve`` and
    ``reject`` (by the mayor, or by the supervising vice mayor's or secretary-general's seat for reject),
    ``withdraw`` (by the applicant while it is pending)."""
    at = at or timezone.now()
    note = note.strip()
    with audit.atomic():
        req = (
            LeaveRequest.objects.select_for_update(of=("self",)).select_related("person", "position").get(pk=request.pk)
        )
        if req.state not in LeaveRequest.PENDING:
            raise LeaveError(
                "leave.not_pending", _cite("leave.notice"), f"这份申请{req.get_state_display()}，不能再办理。"
            )
        before = _snapshot(req)
        behalf: Person | None = None
        done = {"forward": "leave.review" if req.state == LeaveRequest.State.REVIEWING else "leave.compile"}.get(
            action, f"leave.{action}"
        )
        if action == "withdraw":
            if req.person_id != actor.pk:
                raise LeaveError("leave.not_applicant", _cite("leave.notice"), "只有申请人本人可以撤回申请。")
            req.state = LeaveRequest.State.WITHDRAWN
        else:
            seat = _seat_for(req.state, req)
            if seat is None:
                raise LeaveError("leave.no_seat", _cite("leave.notice"), "这一步的办理职务空缺，请联系市政府办公室。")
            may, behalf = sits_at(actor, seat, at)
            if not may:
                raise LeaveError(
                    "leave.not_your_step", _cite("leave.notice"), f"这一步由{seat.title}办理，您不能办理。"
                )
            if action == "forward" and req.state in NEXT_STATE:
                req.state = NEXT_STATE[req.state]
            elif action == "approve" and req.state == LeaveRequest.State.DECIDING:
                if req.pairing_text and not consent:
                    raise LeaveError(
                        "leave.pairing_consent",
                        _cite("leave.pairing"),
                        f"{req.pairing_text}。如确有需要，请勾选“同意同时离抚”后再批准。",
                    )
                req.mayor_consented = bool(req.pairing_text) and consent
                req.state = LeaveRequest.State.APPROVED
                req.decided_at = at
                req.decision_note = note[:300]
            elif action == "reject":
                if not note:
                    raise InvalidInput("不同意请假的，请写明理由。", "note")
                req.state = LeaveRequest.State.REJECTED
                req.decided_at = at
                req.decision_note = note[:300]
            else:
                raise InvalidInput("这一步不能这样办理。", "action")
        inbox_close(req, list(STEP_KEY.values()), actor=actor, at=at)
        req.version += 1
        req.save()
        _step(req, done, actor, at, note, behalf)
        rules = ["leave.notice"]
        if req.state == LeaveRequest.State.APPROVED:
            rules += _on_approved(req, actor, at)
        elif req.state in (LeaveRequest.State.REJECTED, LeaveRequest.State.WITHDRAWN):
            inbox_open(
                req,
                key="outcome",
                title=f"请假{req.get_state_display()}：{_title(req)}",
                url=_url(req),
                at=at,
                person=req.person,
                reading=True,
            )
        else:
            _open_step(req, at)
        audit_record(
            actor=actor,
            on_behalf_of=behalf,
            action=done,
            subject=req,
            before=before,
            after={**_snapshot(req), "note": note},
            rule_ids=rules + (["acting.ab-partner"] if behalf else []),
            at=at,
        )
    return req


@applies("leave.report-to-mayor", "acting.ab-partner")
def _on_approved(req: LeaveRequest, actor: Person, at: dt.datetime) -> list[str]:
    """Approval makes the absence that acting follows, tells the applicant, and under ¶1 the office
    notifies the other leaders (知会)."""
    from .reports import trip_duty_schedule

    absence = absence_record(
        actor=actor,
        position=req.position,
        start=req.start,
        end=req.end,
        reason=f"{req.get_kind_display()}：{req.reason}"[:200],
        away_from_city=req.away_from_city,
        mayor_consented=req.mayor_consented,
    )
    req.absence = absence
    req.save(update_fields=["absence"])
    inbox_open(
        req, key="outcome", title=f"请假已批准：{_title(req)}", url=_url(req), at=at, person=req.person, reading=True
    )
    rules = ["leave.notice"]
    if req.cover_position_id:
        inbox_open(
            req,
            key="cover",
            title=f"年休假期间负责分管工作：{_title(req)}",
            url=_url(req),
            at=at,
            position=req.cover_position,
            reading=True,
        )
    if req.track == LeaveRequest.Track.REPORT:
        rules.append("leave.report-to-mayor")
        others = (
            Position.objects.filter(kind__in=Position.LEADER_KINDS)
            .exclude(pk=req.position_id)
            .exclude(kind=Position.Kind.MAYOR)
        )
        for seat in others:
            inbox_open(
                req, key="notice", title=f"知会：{_title(req)}", url=_url(req), at=at, position=seat, reading=True
            )
    if trip_duty_schedule(req, actor=actor, returned=_local(req.end).date(), at=at):
        rules.append("trip.return-report")
    return rules


def _may_manage(actor: Person, req: LeaveRequest, at: dt.datetime) -> bool:
    from cityhall.accounts.permissions import OFFICE, actor_for

    if req.person_id == actor.pk:
        return True
    who = actor_for(actor.user, at) if actor.user else None
    return who is not None and OFFICE in who.roles


@applies("acting.ab-partner", "trip.return-report")
def leave_return(
    *, actor: Person, request: LeaveRequest, at: dt.datetime | None = None, returned_at: dt.datetime | None = None
) -> LeaveRequest:
    """销假: the person is back. Early, the absence (and acting) ends then; late, it is extended to the
    real return. A trip that needs a report gets its due date from the real return (Art 55 ¶4)."""
    from .reports import trip_duty_schedule

    at = at or timezone.now()
    back = returned_at or at
    with audit.atomic():
        req = (
            LeaveRequest.objects.select_for_update(of=("self",)).select_related("person", "absence").get(pk=request.pk)
        )
        if not _may_manage(actor, req, at):
            raise LeaveError("leave.not_applicant", _cite("leave.notice"), "只有本人或市政府办公室可以销假。")
        if req.state != LeaveRequest.State.APPROVED or req.returned_at is not None:
            raise LeaveError("leave.not_away", _cite("leave.notice"), "这份请假未批准或已经销假。")
        if back > at:
            raise InvalidInput("销假时间不能晚于现在。", "returned_at")
        if back <= req.start:
            raise InvalidInput("尚未出发的请假请撤销，不必销假。", "returned_at")
        before = _snapshot(req)
        absence = req.absence
        if absence is not None:
            if back < absence.end:
                absence_end(actor=actor, absence=absence, at=back)
            elif back > absence.end:
                old = absence.end
                Absence.objects.filter(pk=absence.pk).update(end=back)
                audit_record(
                    actor=actor,
                    action="absence.extend",
                    subject=absence,
                    before={"end": old.isoformat()},
                    after={"end": back.isoformat()},
                    rule_ids=["acting.ab-partner"],
                    at=at,
                )
        req.returned_at = back
        req.version += 1
        req.save(update_fields=["returned_at", "version"])
        early_late = "提前" if back < req.end else "推迟" if back > req.end else "按期"
        _step(req, "leave.return", actor, at, f"{_local(back):%Y-%m-%d %H:%M} 回抚（{early_late}）")
        trip_duty_schedule(req, actor=actor, returned=_local(back).date(), at=at)
        audit_record(
            actor=actor,
            action="leave.return",
            subject=req,
            before=before,
            after=_snapshot(req),
            rule_ids=["acting.ab-partner"],
            at=at,
        )
    return req


@applies("leave.annual-duties")
def leave_recall(*, actor: Person, request: LeaveRequest, reason: str, at: dt.datetime | None = None) -> LeaveRequest:
    """中止年休假 (Art 54 ¶3): the mayor, the secretary-general or the office calls the person back."""
    at = at or timezone.now()
    reason = reason.strip()
    if not reason:
        raise InvalidInput("中止年休假须写明工作需要的理由。", "reason")
    with audit.atomic():
        req = (
            LeaveRequest.objects.select_for_update(of=("self",)).select_related("person", "absence").get(pk=request.pk)
        )
        if not may_recall(actor, req, at):
            raise LeaveError(
                "leave.recall_denied",
                _cite("leave.annual-duties"),
                "只有市长、秘书长、审核的分管副市长或市政府办公室可以中止年休假。",
            )
        if (
            req.kind != LeaveRequest.Kind.ANNUAL
            or req.state != LeaveRequest.State.APPROVED
            or req.returned_at
            or req.recalled_at
        ):
            raise LeaveError(
                "leave.not_on_leave", _cite("leave.annual-duties"), "只有已批准、尚未销假的年休假可以中止。"
            )
        before = _snapshot(req)
        if req.absence is not None and req.absence.end > at:
            absence_end(actor=actor, absence=req.absence, at=at)
        req.recalled_at = at
        req.recall_reason = reason[:300]
        req.returned_at = max(at, req.start)
        req.version += 1
        req.save(update_fields=["recalled_at", "recall_reason", "returned_at", "version"])
        _step(req, "leave.recall", actor, at, reason)
        inbox_open(
            req,
            key="recall",
            title=f"中止年休假，请立即返回工作岗位：{reason[:60]}",
            url=_url(req),
            at=at,
            person=req.person,
            reading=True,
        )
        audit_record(
            actor=actor,
            action="leave.recall",
            subject=req,
            before=before,
            after={**_snapshot(req), "reason": reason},
            rule_ids=["leave.annual-duties"],
            at=at,
        )
    return req


@applies("leave.annual-duties")
def leave_itinerary_change(
    *, actor: Person, request: LeaveRequest, itinerary: str, end: dt.datetime, at: dt.datetime | None = None
) -> LeaveRequest:
    """行程有变化的补充报告 (Art 54 ¶3): the new itinerary and return; the absence follows the new return."""
    at = at or timezone.now()
    itinerary = itinerary.strip()
    if not itinerary:
        raise InvalidInput("请写明变化后的行程。", "itinerary")
    with audit.atomic():
        req = (
            LeaveRequest.objects.select_for_update(of=("self",)).select_related("person", "absence").get(pk=request.pk)
        )
        if req.person_id != actor.pk:
            raise LeaveError("leave.not_applicant", _cite("leave.annual-duties"), "行程变化由本人补充报告。")
        if req.state != LeaveRequest.State.APPROVED or req.returned_at is not None:
            raise LeaveError(
                "leave.not_away", _cite("leave.annual-duties"), "只有已批准、尚未销假的请假可以补充报告行程。"
            )
        if end <= max(req.start, at):
            raise InvalidInput("新的返回时间必须晚于现在和出发时间。", "end")
        if end - req.start > dt.timedelta(days=MAX_DAYS):
            raise InvalidInput(f"一次请假最长 {MAX_DAYS} 天，请核对日期。", "end")
        before = _snapshot(req)
        ItineraryChange.objects.create(
            request=req,
            at=at,
            by=actor,
            previous=req.itinerary,
            itinerary=itinerary[:4000],
            previous_end=req.end,
            end=end,
        )
        if req.absence is not None:
            Absence.objects.filter(pk=req.absence.pk).update(end=end)
        req.itinerary = itinerary[:4000]
        req.end = end
        req.version += 1
        req.save(update_fields=["itinerary", "end", "version"])
        _step(req, "leave.itinerary", actor, at, f"新行程：{itinerary[:200]}；返回 {_local(end):%Y-%m-%d %H:%M}")
        for seat in filter(None, (first_seat(Position.Kind.MAYOR), first_seat(Position.Kind.SECRETARY_GENERAL))):
            inbox_open(
                req,
                key="itinerary",
                title=f"行程变化补充报告：{_title(req)}",
                url=_url(req),
                at=at,
                position=seat,
                reading=True,
            )
        audit_record(
            actor=actor,
            action="leave.itinerary",
            subject=req,
            before=before,
            after=_snapshot(req),
            rule_ids=["leave.annual-duties"],
            at=at,
        )
    return req


def may_recall(actor: Person, req: LeaveRequest, at: dt.datetime) -> bool:
    """Who may call the person back: the approvers (the mayor, the secretary-general, the reviewing vice
    mayor, their seats when acting) and the office."""
    seats = seats_of(actor, at)
    approvers = {
        p.pk
        for p in filter(
            None, (first_seat(Position.Kind.MAYOR), first_seat(Position.Kind.SECRETARY_GENERAL), req.reviewer_position)
        )
    }
    return bool(seats & approvers) or is_office_staff(actor, at)


@applies("leave.annual-duties")
def may_see_contact(actor: Person, req: LeaveRequest, at: dt.datetime) -> bool:
    """The contact number during annual leave is shown only to the person and to those who may recall them."""
    return req.person_id == actor.pk or may_recall(actor, req, at)


def next_seat(req: LeaveRequest) -> Position | None:
    return _seat_for(req.state, req)
