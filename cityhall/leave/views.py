"""Pages for leave (请销假), reporting duties (书面报告) and emergency reports (突发事件直报)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cityhall.accounts.permissions import LEADER, OFFICE, Actor, actor_for, check
from cityhall.org.models import Position, Unit
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import RulesError, refusal_text
from cityhall.rules.deadlines import LOCAL_TZ

from . import emergencies as em
from . import reports as rp
from . import services as svc
from .models import EmergencyReport, EmergencyStep, LeaveRequest, ReportDuty

LEAVE_FIELDS = (
    "position",
    "kind",
    "purpose",
    "reason",
    "start",
    "end",
    "away_from_city",
    "destination",
    "itinerary",
    "cover_position",
    "cover_arrangement",
    "contact_phone",
)
EMERGENCY_FIELDS = (
    "category",
    "title",
    "place",
    "occurred_at",
    "reporting_unit",
    "competent_unit",
    "summary",
    "plan_activated",
    "on_scene",
    "on_scene_at",
    "direct_to",
    "reason",
)


def _me(request: HttpRequest) -> Actor:
    actor = actor_for(request.user)
    check(actor, "leave.apply")
    return actor


def _moment(value: str, field: str) -> dt.datetime:
    from cityhall.rules import InvalidInput

    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("时间格式不对，请用日期和时间选择器填写（例如 2026-12-12 08:00）。", field) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


def _position(value: str, field: str) -> Position | None:
    from cityhall.rules import InvalidInput

    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput("请从列表中选择。", field)
    found = Position.objects.filter(pk=int(value)).select_related("unit", "assists").first()
    if found is None:
        raise InvalidInput("请从列表中选择。", field)
    return found


def _unit(value: str, field: str) -> Unit:
    from cityhall.rules import InvalidInput

    found = Unit.objects.filter(pk=int(value)).first() if value.isdigit() else None
    if found is None:
        raise InvalidInput("请从列表中选择单位。", field)
    return found


def _clean(value: str) -> str:
    # A NUL or a lone surrogate cannot be stored: drop them rather than fail the whole form.
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


# -- leave ---------------------------------------------------------------------------------


def visible_requests(actor: Actor) -> QuerySet[LeaveRequest]:
    qs = LeaveRequest.objects.select_related("person", "position", "reviewer_position")
    if OFFICE in actor.roles or LEADER in actor.roles or "admin" in actor.roles:
        return qs
    seats = actor.position_ids | actor.acting_position_ids
    person = actor.person.pk if actor.person else 0
    return qs.filter(Q(person_id=person) | Q(reviewer_position__in=seats) | Q(cover_position__in=seats))


def leave_list(request: HttpRequest) -> HttpResponse:
    actor = _me(request)
    qs = visible_requests(actor)
    state = request.GET.get("state", "")
    if state in LeaveRequest.State.values:
        qs = qs.filter(state=state)
    now = timezone.now()
    away = (
        LeaveRequest.objects.filter(
            state=LeaveRequest.State.APPROVED, start__lte=now, end__gt=now, returned_at__isnull=True
        )
        .select_related("person", "position")
        .order_by("end")
    )
    seats = actor.position_ids | actor.acting_position_ids
    waiting = [
        r
        for r in visible_requests(actor).filter(state__in=LeaveRequest.PENDING)
        if (s := svc.next_seat(r)) and s.pk in seats
    ]
    return render(
        request,
        "leave/list.html",
        {
            "rows": list(qs.order_by("-start", "-id")[:300]),
            "waiting": waiting,
            "away": away,
            "states": LeaveRequest.State.choices,
            "filters": request.GET,
            "rules": [
                rulebook().rule(r)
                for r in (
                    "leave.report-to-mayor",
                    "leave.notice",
                    "leave.pairing",
                    "leave.annual-notice",
                    "leave.annual-duties",
                )
            ],
        },
    )


def _cover_choices() -> list[tuple[Position, str]]:
    """Who can take over the person's work: the leaders, deputy secretaries-general and unit heads, each
    shown with the holder's name, since several seats share a title."""
    from django.db.models import F

    from cityhall.org.selectors import holders_at

    kinds = (
        Position.Kind.VICE_MAYOR,
        Position.Kind.SECRETARY_GENERAL,
        Position.Kind.DEPUTY_SECRETARY_GENERAL,
        Position.Kind.PRINCIPAL_HEAD,
    )
    seats = list(
        Position.objects.filter(kind__in=kinds)
        .select_related("unit")
        .order_by(F("rank").asc(nulls_last=True), "unit__sort_order", "id")
    )
    holders = holders_at(timezone.now(), seats)
    return [(p, f"{p.title}{holders[p.pk].name}" if p.pk in holders else p.title) for p in seats]


def _leave_positions(actor: Actor) -> list[Position]:
    out = []
    for p in actor.positions:
        try:
            svc.chain_for(p, timezone.now())
        except RulesError:
            continue
        out.append(p)
    return out


def leave_new(request: HttpRequest) -> HttpResponse:
    actor = _me(request)
    positions = _leave_positions(actor)
    values: dict[str, Any] = {k: _clean(request.POST.get(k, "")) for k in LEAVE_FIELDS}
    error = ""
    if request.method == "POST":
        assert actor.person is not None  # noqa: S101 - leave.apply needs a person
        try:
            position = _position(values["position"], "position")
            if position is None:
                from cityhall.rules import InvalidInput

                raise InvalidInput("请选择以哪个职务请假。", "position")
            form = svc.LeaveForm(
                position=position,
                kind=values["kind"],
                purpose=values["purpose"],
                reason=values["reason"],
                start=_moment(values["start"], "start"),
                end=_moment(values["end"], "end"),
                away_from_city=values["away_from_city"] == "1",
                destination=values["destination"],
                itinerary=values["itinerary"],
                cover_position=_position(values["cover_position"], "cover_position"),
                cover_arrangement=values["cover_arrangement"],
                contact_phone=values["contact_phone"],
            )
            req = svc.leave_submit(actor=actor.person, form=form)
        except RulesError as exc:
            error = refusal_text(exc)
        else:
            if req.late:
                messages.warning(request, f"已提交。{req.late_text}：已如实标注，审批人可见。")
            else:
                messages.success(request, "已提交，等待审批。")
            if req.pairing_text:
                messages.warning(request, f"{req.pairing_text}：须经市长同意。")
            return redirect("leave:detail", pk=req.pk)
    elif positions:
        values.update({"position": str(positions[0].pk), "away_from_city": "1", "kind": "trip", "purpose": "official"})
    return render(
        request,
        "leave/form.html",
        {
            "values": values,
            "error": error,
            "positions": positions,
            "kinds": LeaveRequest.Kind.choices,
            "purposes": LeaveRequest.Purpose.choices,
            "covers": _cover_choices(),
            "rules": [
                rulebook().rule(r)
                for r in ("leave.notice", "leave.annual-notice", "leave.report-to-mayor", "leave.annual-duties")
            ],
        },
    )


def _request(request: HttpRequest, pk: int) -> tuple[Actor, LeaveRequest]:
    actor = _me(request)
    req = get_object_or_404(
        LeaveRequest.objects.select_related("person", "position", "reviewer_position", "cover_position", "absence"),
        pk=pk,
    )
    check(actor, "leave.view", req)
    return actor, req


def leave_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor, req = _request(request, pk)
    assert actor.person is not None  # noqa: S101
    now = timezone.now()
    seat = svc.next_seat(req) if req.state in LeaveRequest.PENDING else None
    seats = actor.position_ids | actor.acting_position_ids
    mine = req.person_id == actor.person.pk
    away = req.state == LeaveRequest.State.APPROVED and req.returned_at is None
    return render(
        request,
        "leave/detail.html",
        {
            "req": req,
            "steps": req.steps.select_related("actor", "on_behalf_of"),
            "changes": req.itinerary_changes.select_related("by"),
            "seat": seat,
            "can_act": seat is not None and seat.pk in seats,
            "acting_for_seat": seat is not None
            and seat.pk in actor.acting_position_ids
            and seat.pk not in actor.position_ids,
            "can_decide": seat is not None and seat.pk in seats and req.state == LeaveRequest.State.DECIDING,
            "can_withdraw": mine and req.state in LeaveRequest.PENDING,
            "can_return": away and (mine or OFFICE in actor.roles) and req.start <= now,
            "can_change": away and mine,
            "can_recall": away and req.kind == LeaveRequest.Kind.ANNUAL and svc.may_recall(actor.person, req, now),
            "show_contact": svc.may_see_contact(actor.person, req, now),
            "duties": req.report_duties.all(),
            "now": now,
        },
    )


@require_POST
def leave_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor, req = _request(request, pk)
    assert actor.person is not None  # noqa: S101
    note = _clean(request.POST.get("note", ""))
    try:
        if action in ("forward", "approve", "reject", "withdraw"):
            req = svc.leave_act(
                actor=actor.person, request=req, action=action, note=note, consent=request.POST.get("consent") == "1"
            )
            messages.success(
                request,
                {
                    "forward": "已办理，转下一环节。",
                    "approve": "已批准：外出记录已生成，代行随之生效。",
                    "reject": "已退回申请人：不同意请假。",
                    "withdraw": "已撤回。",
                }[action],
            )
        elif action == "return":
            back = request.POST.get("returned_at", "")
            svc.leave_return(
                actor=actor.person, request=req, returned_at=_moment(back, "returned_at") if back else None
            )
            messages.success(request, "已销假：外出记录按实际回抚时间结束。")
        elif action == "recall":
            svc.leave_recall(actor=actor.person, request=req, reason=request.POST.get("reason", ""))
            messages.success(request, "已中止年休假，并通知本人立即返岗。")
        elif action == "itinerary":
            svc.leave_itinerary_change(
                actor=actor.person,
                request=req,
                itinerary=_clean(request.POST.get("itinerary", "")),
                end=_moment(request.POST.get("end", ""), "end"),
            )
            messages.success(request, "行程变化已补充报告市长、秘书长。")
        else:
            raise Http404
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    return redirect("leave:detail", pk=pk)


# -- reporting duties ----------------------------------------------------------------------


def visible_duties(actor: Actor) -> QuerySet[ReportDuty]:
    qs = ReportDuty.objects.select_related("person", "position", "deadline")
    if (
        OFFICE in actor.roles
        or "admin" in actor.roles
        or any(p.kind in ("mayor", "secretary_general") for p in actor.positions)
    ):
        return qs
    return qs.filter(person_id=actor.person.pk if actor.person else 0)


def report_list(request: HttpRequest) -> HttpResponse:
    actor = _me(request)
    qs = visible_duties(actor)
    today = timezone.localdate()
    rows = list(qs.order_by("state", "due_date", "id")[:300])
    return render(
        request,
        "leave/reports.html",
        {
            "rows": [(d, d.state == ReportDuty.State.OPEN and d.due_date < today) for d in rows],
            "today": today,
            "can_meeting": any(
                p.kind in (*Position.LEADER_KINDS, Position.Kind.PRINCIPAL_HEAD) for p in actor.positions
            ),
            "rules": [rulebook().rule(r) for r in ("trip.return-report", "report.meeting")],
        },
    )


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _me(request)
    duty = get_object_or_404(
        ReportDuty.objects.select_related("person", "position", "deadline", "leave_request"), pk=pk
    )
    check(actor, "report.view", duty)
    assert actor.person is not None  # noqa: S101
    if request.method == "POST":
        try:
            rp.duty_file(actor=actor.person, duty=duty, text=_clean(request.POST.get("text", "")))
        except RulesError as exc:
            messages.error(request, refusal_text(exc))
            return render(
                request,
                "leave/report.html",
                {
                    "duty": duty,
                    "draft": request.POST.get("text", ""),
                    "can_file": True,
                    "rule": rulebook().rule(ReportDuty.KIND_RULE[ReportDuty.Kind(duty.kind)]),
                },
            )
        messages.success(request, "书面报告已报送市政府。")
        return redirect("leave:report", pk=pk)
    return render(
        request,
        "leave/report.html",
        {
            "duty": duty,
            "draft": "",
            "can_file": duty.state == ReportDuty.State.OPEN and duty.person_id == actor.person.pk,
            "overdue": duty.state == ReportDuty.State.OPEN and duty.due_date < timezone.localdate(),
            "rule": rulebook().rule(ReportDuty.KIND_RULE[ReportDuty.Kind(duty.kind)]),
        },
    )


def report_meeting_new(request: HttpRequest) -> HttpResponse:
    actor = _me(request)
    assert actor.person is not None  # noqa: S101
    values = {k: _clean(request.POST.get(k, "")) for k in ("meeting", "ended_on")}
    error = ""
    if request.method == "POST":
        try:
            try:
                ended = dt.date.fromisoformat(values["ended_on"])
            except ValueError:
                from cityhall.rules import InvalidInput

                raise InvalidInput("请填写会议结束日期（例如 2026-12-05）。", "ended_on") from None
            duty = rp.meeting_duty_create(actor=actor.person, meeting=values["meeting"], ended_on=ended)
        except RulesError as exc:
            error = refusal_text(exc)
        else:
            messages.success(request, f"已登记：请于 {duty.due_date:%Y-%m-%d} 前报告会议情况和落实建议。")
            return redirect("leave:report", pk=duty.pk)
    return render(
        request,
        "leave/report_meeting.html",
        {"values": values, "error": error, "rule": rulebook().rule("report.meeting")},
    )


# -- emergencies ---------------------------------------------------------------------------


def visible_emergencies(actor: Actor) -> QuerySet[EmergencyReport]:
    qs = EmergencyReport.objects.select_related("reporting_unit", "competent_unit")
    if OFFICE in actor.roles or LEADER in actor.roles or "admin" in actor.roles:
        return qs
    seats = actor.position_ids | actor.acting_position_ids
    return qs.filter(
        Q(reporting_unit__in=actor.unit_ids) | Q(competent_unit__in=actor.unit_ids) | Q(steps__recipient__in=seats)
    ).distinct()


def emergency_list(request: HttpRequest) -> HttpResponse:
    actor = _me(request)
    rows = list(visible_emergencies(actor).prefetch_related("steps")[:200])
    return render(
        request,
        "leave/emergencies.html",
        {
            "rows": [(r, sum(1 for s in r.steps.all() if s.acknowledged_at is None)) for r in rows],
            "can_report": "department" in actor.roles,
            "rule": rulebook().rule("emergency.direct-report"),
        },
    )


def emergency_new(request: HttpRequest) -> HttpResponse:
    actor = _me(request)
    check(actor, "emergency.report")
    assert actor.person is not None  # noqa: S101
    units = [p.unit for p in actor.positions if p.unit.kind in (Unit.Kind.COUNTY, Unit.Kind.DEPARTMENT)]
    values: dict[str, Any] = {k: _clean(request.POST.get(k, "")) for k in EMERGENCY_FIELDS}
    error = ""
    now = timezone.now()
    if request.method == "POST":
        try:
            reporting = _unit(values["reporting_unit"], "reporting_unit")
            form = em.EmergencyForm(
                category=values["category"],
                title=values["title"],
                place=values["place"],
                occurred_at=_moment(values["occurred_at"], "occurred_at"),
                reporting_unit=reporting,
                competent_unit=_unit(values["competent_unit"], "competent_unit"),
                summary=values["summary"],
                plan_activated=values["plan_activated"],
                on_scene=values["on_scene"],
                on_scene_at=_moment(values["on_scene_at"], "on_scene_at") if values["on_scene_at"] else None,
                direct_to=_position(values["direct_to"], "direct_to"),
                reason=values["reason"],
            )
            report = em.emergency_report(actor=actor.person, form=form)
        except RulesError as exc:
            error = refusal_text(exc)
        else:
            messages.success(request, "已报告：报送对象的待办中已出现，签收前每分钟可在本页查看。")
            return redirect("leave:emergency", pk=report.pk)
    else:
        values.update(
            {
                "reporting_unit": str(units[0].pk) if units else "",
                "occurred_at": f"{timezone.localtime(now):%Y-%m-%dT%H:%M}",
            }
        )
        if units and units[0].kind == Unit.Kind.DEPARTMENT:
            values["competent_unit"] = str(units[0].pk)
    return render(
        request,
        "leave/emergency_form.html",
        {
            "values": values,
            "error": error,
            "units": units,
            "departments": Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).order_by("sort_order"),
            "categories": EmergencyReport.Category.choices,
            "direct": _direct_choices(now),
            "rules": [rulebook().rule("emergency.direct-report"), rulebook().rule("emergency.acknowledge")],
        },
    )


def _direct_choices(now: dt.datetime) -> list[tuple[Position, str]]:
    from cityhall.org.selectors import holders_at

    seats = list(
        Position.objects.filter(
            kind__in=(Position.Kind.SECRETARY_GENERAL, Position.Kind.VICE_MAYOR, Position.Kind.MAYOR)
        ).order_by("rank")
    )
    holders = holders_at(now, seats)
    return [(p, holders[p.pk].name if p.pk in holders else "") for p in seats]


def _emergency(request: HttpRequest, pk: int) -> tuple[Actor, EmergencyReport]:
    actor = _me(request)
    report = get_object_or_404(
        EmergencyReport.objects.select_related("reporting_unit", "competent_unit", "reported_by"), pk=pk
    )
    check(actor, "emergency.view", report)
    return actor, report


def emergency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor, report = _emergency(request, pk)
    seats = actor.position_ids | actor.acting_position_ids
    mine = [
        s for s in report.steps.select_related("recipient") if s.acknowledged_at is None and s.recipient_id in seats
    ]
    context = {
        "report": report,
        "rows": em.timeline(report),
        "mine": mine,
        "chain": [
            (lv.label, em.seat_label(lv.position, report.created_at))
            for lv in em.levels(report.reporting_unit, report.competent_unit, report.created_at)
        ],
        "elapsed": em.minutes_since(report, timezone.now()),
        "rules": [rulebook().rule("emergency.direct-report"), rulebook().rule("emergency.acknowledge")],
    }
    template = "leave/emergency_timeline.html" if request.headers.get("HX-Request") else "leave/emergency.html"
    return render(request, template, context)


@require_POST
def emergency_acknowledge(request: HttpRequest, pk: int, step_id: int) -> HttpResponse:
    actor, report = _emergency(request, pk)
    assert actor.person is not None  # noqa: S101
    step = get_object_or_404(EmergencyStep, pk=step_id, report=report)
    try:
        em.emergency_acknowledge(actor=actor.person, step=step, note=_clean(request.POST.get("note", "")))
        messages.success(request, "已签收，并逐级上报。")
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    return redirect("leave:emergency", pk=pk)


# -- absence from a meeting (Art 54 ¶4) ----------------------------------------------------


def meeting_absence_new(request: HttpRequest, attendance_id: int) -> HttpResponse:
    from cityhall.meetings.minutes import absence_reasons
    from cityhall.meetings.models import Attendance

    from . import meeting_absence as ma

    actor = _me(request)
    attendance = get_object_or_404(Attendance.objects.select_related("meeting", "person", "position"), pk=attendance_id)
    if actor.person is None or attendance.person_id != actor.person.pk:
        check(actor, "leave.view", None)  # someone else's seat: the same refusal as any other's leave
    values = {k: _clean(request.POST.get(k, "")) for k in ("reason", "other", "note")}
    error = ""
    if request.method == "POST":
        reason = values["other"] if values["reason"] == "__other__" else values["reason"]
        try:
            absence = ma.absence_request(actor=actor.person, attendance=attendance, reason=reason, note=values["note"])  # type: ignore[arg-type]
        except RulesError as exc:
            error = refusal_text(exc)
        else:
            if absence.warned:
                messages.warning(
                    request,
                    f"已提交。“{absence.reason}”不在所列特殊原因之内，原则上不应请假（{rulebook().rule('meeting.attendance').short_citation}），审批人可见此提示。",
                )
            else:
                messages.success(request, "已提交。")
            return redirect("leave:meeting_absence", pk=absence.pk)
    return render(
        request,
        "leave/meeting_absence_form.html",
        {
            "attendance": attendance,
            "values": values,
            "error": error,
            "reasons": absence_reasons(),
            "approver": ma.approver_for(attendance, timezone.now()),
            "rule": rulebook().rule("meeting.attendance"),
        },
    )


def meeting_absence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from . import meeting_absence as ma
    from .models import MeetingAbsence

    actor = _me(request)
    absence = get_object_or_404(
        MeetingAbsence.objects.select_related("attendance__meeting", "person", "approver", "decided_by"), pk=pk
    )
    seats = actor.position_ids | actor.acting_position_ids
    is_office = OFFICE in actor.roles
    mine = actor.person is not None and absence.person_id == actor.person.pk
    if not (mine or is_office or LEADER in actor.roles or absence.approver_id in seats):
        check(actor, "leave.view", None)
    if request.method == "POST":
        try:
            ma.absence_decide(
                actor=actor.person,  # type: ignore[arg-type]
                absence=absence,
                approve=request.POST.get("approve") == "1",
                note=_clean(request.POST.get("note", "")),
            )
            messages.success(request, "已办理。")
        except RulesError as exc:
            messages.error(request, refusal_text(exc))
        return redirect("leave:meeting_absence", pk=pk)
    pending = absence.state == MeetingAbsence.State.PENDING
    return render(
        request,
        "leave/meeting_absence.html",
        {
            "absence": absence,
            "can_decide": pending and absence.approver_id in seats,
            "can_report": absence.state == MeetingAbsence.State.TO_REPORT and is_office,
            "rule": rulebook().rule("meeting.attendance"),
        },
    )


# -- the leaders' approvals (Ch. 12–13) -----------------------------------------------------


def visible_approvals(actor: Actor) -> QuerySet[Any]:
    from .models import LeaderApproval

    qs = LeaderApproval.objects.select_related("requested_by", "unit", "approver", "leader")
    if (
        OFFICE in actor.roles
        or "admin" in actor.roles
        or any(p.kind in ("mayor", "secretary_general") for p in actor.positions)
    ):
        return qs
    seats = actor.position_ids | actor.acting_position_ids
    return qs.filter(Q(unit__in=actor.unit_ids) | Q(approver__in=seats) | Q(leader__in=seats))


def approval_list(request: HttpRequest) -> HttpResponse:
    from .models import LeaderApproval

    actor = _me(request)
    return render(
        request,
        "leave/approvals.html",
        {
            "rows": list(visible_approvals(actor)[:300]),
            "kinds": LeaderApproval.Kind.choices,
            "is_office": OFFICE in actor.roles,
            "rules": [rulebook().rule(r) for r in LeaderApproval.KIND_RULE.values()],
        },
    )


def _int(value: str, field: str) -> int:
    from cityhall.rules import InvalidInput

    if not value.strip():
        return 0
    if not value.strip().isdigit() or len(value.strip()) > 9:
        raise InvalidInput("请填写不超过9位的整数。", field)
    return int(value.strip())


def approval_new(request: HttpRequest) -> HttpResponse:
    from . import approvals as ap
    from .models import LeaderApproval

    actor = _me(request)
    assert actor.person is not None  # noqa: S101
    fields = (
        "kind",
        "title",
        "body",
        "on_behalf",
        "major",
        "guests",
        "budget",
        "members",
        "destination",
        "leader",
        "special_need",
        "budget_line",
    )
    values = {k: _clean(request.POST.get(k, request.GET.get(k, ""))) for k in fields}
    error = ""
    if request.method == "POST":
        try:
            form = ap.ApprovalForm(
                kind=values["kind"],
                title=values["title"],
                body=values["body"],
                on_behalf=values["on_behalf"] == "1",
                major=values["major"] == "1",
                guests=_int(values["guests"], "guests"),
                budget=_int(values["budget"], "budget"),
                members=_int(values["members"], "members"),
                destination=values["destination"],
                leader=_position(values["leader"], "leader"),
                special_need=values["special_need"],
                budget_line=values["budget_line"],
            )
            item = ap.approval_request(actor=actor.person, form=form)
        except RulesError as exc:
            error = refusal_text(exc)
        else:
            messages.success(
                request, "已登记，无须报批。" if item.state == LeaderApproval.State.RECORDED else "已提交审批。"
            )
            return redirect("leave:approval", pk=item.pk)
    leaders = [(p, n) for p, n in _direct_choices(timezone.now())]
    return render(
        request,
        "leave/approval_form.html",
        {
            "values": values,
            "error": error,
            "kinds": LeaderApproval.Kind.choices,
            "leaders": leaders,
            "rules": [rulebook().rule(r) for r in LeaderApproval.KIND_RULE.values()],
        },
    )


def approval_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from . import approvals as ap
    from .models import LeaderApproval

    actor = _me(request)
    get_object_or_404(LeaderApproval, pk=pk)
    item = visible_approvals(actor).filter(pk=pk).first()
    if item is None:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("这项审批事项与您的单位和职务无关，您无权查看。")
    assert actor.person is not None  # noqa: S101
    if request.method == "POST":
        try:
            ap.approval_decide(
                actor=actor.person,
                item=item,
                approve=request.POST.get("approve") == "1",
                note=_clean(request.POST.get("note", "")),
            )
            messages.success(request, "已办理。")
        except RulesError as exc:
            messages.error(request, refusal_text(exc))
        return redirect("leave:approval", pk=pk)
    seats = actor.position_ids | actor.acting_position_ids
    return render(
        request,
        "leave/approval.html",
        {
            "item": item,
            "can_decide": item.state == LeaderApproval.State.PENDING and item.approver_id in seats,
            "acting": item.approver_id in actor.acting_position_ids and item.approver_id not in actor.position_ids,
            "can_arrange": item.state == LeaderApproval.State.ARRANGING and OFFICE in actor.roles,
            "rule": rulebook().rule(LeaderApproval.KIND_RULE[LeaderApproval.Kind(item.kind)]),
        },
    )


def undecided_list(request: HttpRequest) -> HttpResponse:
    from . import approvals as ap
    from .models import UndecidedMatter

    actor = _me(request)
    if request.method == "POST":
        assert actor.person is not None  # noqa: S101
        try:
            ap.undecided_add(
                actor=actor.person, term=_clean(request.POST.get("term", "")), note=_clean(request.POST.get("note", ""))
            )
            messages.success(request, "已加入清单。")
        except RulesError as exc:
            messages.error(request, refusal_text(exc))
        return redirect("leave:undecided")
    return render(
        request,
        "leave/undecided.html",
        {
            "rows": UndecidedMatter.objects.filter(active=True),
            "is_office": OFFICE in actor.roles,
            "rule": rulebook().rule("speech.approval"),
        },
    )


# -- a department's major problems, level by level (Art 55 ¶1) -------------------------------


def visible_problems(actor: Actor) -> QuerySet[Any]:
    from .models import ProblemReport

    qs = ProblemReport.objects.select_related("unit", "reported_by")
    if OFFICE in actor.roles or any(p.kind in ("mayor", "secretary_general") for p in actor.positions):
        return qs
    seats = actor.position_ids | actor.acting_position_ids
    return qs.filter(Q(unit__in=actor.unit_ids) | Q(steps__recipient__in=seats)).distinct()


def _department_units(actor: Actor) -> list[Unit]:
    return [p.unit for p in actor.positions if p.unit.kind == Unit.Kind.DEPARTMENT]


def problem_list(request: HttpRequest) -> HttpResponse:
    from . import escalation as esc

    actor = _me(request)
    rows = list(visible_problems(actor).prefetch_related("steps__recipient")[:300])
    return render(
        request,
        "leave/problems.html",
        {
            "rows": [(r, esc.current_step(r)) for r in rows],
            "can_report": bool(_department_units(actor)),
            "rule": rulebook().rule(esc.RULE),
        },
    )


def problem_new(request: HttpRequest) -> HttpResponse:
    from . import escalation as esc

    actor = _me(request)
    assert actor.person is not None  # noqa: S101
    units = _department_units(actor)
    values = {k: _clean(request.POST.get(k, "")) for k in ("unit", "title", "body", "proposal")}
    error = ""
    now = timezone.now()
    if request.method == "POST":
        try:
            report = esc.problem_report(
                actor=actor.person,
                unit=_unit(values["unit"], "unit"),
                title=values["title"],
                body=values["body"],
                proposal=values["proposal"],
            )
        except RulesError as exc:
            error = refusal_text(exc)
        else:
            first = report.chain[0]["label"]
            messages.success(request, f"已报送{first}，逐级请示报告的每一步都记在本页。")
            return redirect("leave:problem", pk=report.pk)
    elif units:
        values["unit"] = str(units[0].pk)
    chains = {
        u.pk: [(lv.label, em.seat_label(lv.position, now)) for lv in esc.problem_levels(u, actor.person, now)]
        for u in units
    }
    return render(
        request,
        "leave/problem_form.html",
        {
            "values": values,
            "error": error,
            "units": units,
            "chains": [(u, chains[u.pk]) for u in units],
            "rule": rulebook().rule(esc.RULE),
        },
    )


def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from . import escalation as esc
    from .models import ProblemReport

    actor = _me(request)
    report = get_object_or_404(ProblemReport.objects.select_related("unit", "reported_by"), pk=pk)
    check(actor, "problem.view", report)
    assert actor.person is not None  # noqa: S101
    if request.method == "POST":
        try:
            esc.problem_act(
                actor=actor.person,
                report=report,
                action=request.POST.get("action", ""),
                note=_clean(request.POST.get("note", "")),
            )
            messages.success(
                request, "已批示，批示已送回报告人。" if request.POST.get("action") == "instruct" else "已转报上一级。"
            )
        except RulesError as exc:
            messages.error(request, refusal_text(exc))
        return redirect("leave:problem", pk=pk)
    now = timezone.now()
    step = esc.current_step(report)
    seats = actor.position_ids | actor.acting_position_ids
    mine = step is not None and step.recipient_id in seats
    return render(
        request,
        "leave/problem.html",
        {
            "report": report,
            "rows": esc.chain_rows(report, now),
            "step": step if mine else None,
            "acting": mine and step is not None and step.recipient_id not in actor.position_ids,
            "last": step is not None and step.level == len(report.chain) - 1,
            "rules": [rulebook().rule(esc.RULE), rulebook().rule("emergency.direct-report")],
        },
    )
