"""Leave and reporting API: applications and their chain (Art 54), reporting duties (Art 55),
emergency reports (Art 56) and the leaders' approvals (Ch. 12–13). Writes go through the same services
as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from cityhall.accounts.permissions import MESSAGES, actor_for, check
from cityhall.api.errors import ERRORS
from cityhall.org.models import Position, Unit
from cityhall.rules import InvalidInput

from . import approvals as ap
from . import emergencies as em
from . import escalation as esc
from . import reports as rp
from . import services as svc
from .models import EmergencyReport, EmergencyStep, LeaderApproval, LeaveRequest, ProblemReport, ReportDuty
from .selectors import approval_summary, duty_summary, emergency_summary, leave_summary, problem_summary
from .views import visible_approvals, visible_duties, visible_emergencies, visible_problems, visible_requests

router = Router(tags=["leave"])


class BodyIn(Schema):
    model_config = ConfigDict(strict=True)


class LeaveIn(BodyIn):
    position: str = Field(description="以哪个职务请假（职务代码，如 vice-mayor-3）")
    kind: str = Field(description="trip（离抚外出）或 annual_leave（年休假）")
    purpose: str = Field(description="official / training / investment / meeting / personal")
    reason: str = Field(max_length=200)
    start: dt.datetime = Field(description="出发时间（ISO 8601，含时区）", strict=False)
    end: dt.datetime = Field(description="返回时间（ISO 8601，含时区）", strict=False)
    away_from_city: bool = True
    destination: str = Field("", max_length=100)
    itinerary: str = Field("", max_length=4000)
    cover_position: str | None = Field(None, description="年休假：分管工作由哪个职务负责（职务代码）")
    cover_arrangement: str = Field("", max_length=300)
    contact_phone: str = Field("", max_length=30)


class ActIn(BodyIn):
    action: str = Field(description="forward（审核/汇总）、approve、reject、withdraw")
    note: str = Field("", max_length=300)
    consent: bool = Field(False, description="市长同意副市长和对应副秘书长同时离抚")


class ReturnIn(BodyIn):
    returned_at: dt.datetime | None = Field(None, description="实际回抚时间，默认现在", strict=False)


class FileIn(BodyIn):
    text: str = Field(max_length=20000)


class EmergencyIn(BodyIn):
    category: str = Field(description="safety / disaster / epidemic / social")
    title: str = Field(max_length=120)
    place: str = Field(max_length=120)
    occurred_at: dt.datetime = Field(description="事发时间（ISO 8601，含时区）", strict=False)
    reporting_unit: str = Field(description="报告单位代码")
    competent_unit: str = Field(description="市政府相关部门代码")
    summary: str = Field(max_length=4000)
    plan_activated: str = Field(max_length=160)
    on_scene: str = Field(max_length=160)
    on_scene_at: dt.datetime | None = Field(None, description="到达现场时间", strict=False)
    direct_to: str | None = Field(None, description="越级直报对象的职务代码（秘书长、分管副市长或市长）")
    reason: str = Field("", max_length=300)


class AckIn(BodyIn):
    note: str = Field("", max_length=300)


class ProblemIn(BodyIn):
    unit: str = Field(description="报告部门（单位代码，如 finance）")
    title: str = Field(max_length=120)
    body: str = Field(max_length=20000, description="情况和请示事项")
    proposal: str = Field("", max_length=4000, description="部门意见或建议")


class ProblemActIn(BodyIn):
    action: str = Field(description="forward（转报上一级）或 instruct（批示）")
    note: str = Field("", max_length=1000, description="意见；批示的必须填写")


MOST = 999_999_999  # the pages take at most 9 digits


class ApprovalIn(BodyIn):
    kind: str = Field(
        description="speech（讲话或文章）、release（部门发布重要信息）、reception_plan（公务接待方案）、"
        "official_trip_abroad（因公出国（境）团组）、congratulatory_letter（贺信、贺电、题词）、"
        "meeting_activity（会议、论坛、庆典、节会活动）"
    )
    title: str = Field(max_length=160)
    body: str = Field("", max_length=20000)
    unit: str | None = Field(None, description="以哪个单位名义申请（单位代码），默认本人任职的第一个单位")
    on_behalf: bool = Field(False, description="讲话或文章：代表市政府")
    major: bool = Field(False, description="部门发布：重大情况，审定后同时报告市政府")
    guests: int = Field(0, description="公务接待：接待人数", ge=0, le=MOST)
    budget: int = Field(0, description="公务接待或会议活动：预算（元）", ge=0, le=MOST)
    members: int = Field(0, description="因公出国（境）：团组人数", ge=0, le=MOST)
    destination: str = Field("", max_length=80, description="因公出国（境）：前往国家（地区）")
    leader: str | None = Field(None, description="贺信、贺电、题词：以哪位市政府领导同志名义（职务代码）")
    special_need: str = Field("", max_length=300, description="贺信、贺电、题词：特殊需要")
    budget_line: str = Field("", max_length=80, description="会议活动：列支的预算科目（有经费的必填）")


class DecideIn(BodyIn):
    approve: bool = Field(description="true 同意；false 不同意（须写明理由）")
    note: str = Field("", max_length=300)


def _aware(moment: dt.datetime, field: str) -> dt.datetime:
    if moment.tzinfo is None:
        raise InvalidInput("时间须带时区，例如 2026-12-12T08:00:00+08:00。", field)
    return moment


def _position(code: str | None, field: str) -> Position | None:
    if not code:
        return None
    found = Position.objects.select_related("unit", "assists").filter(code=code).first()
    if found is None:
        raise InvalidInput(f"没有职务代码为“{code[:40]}”的职务。", field)
    return found


def _unit(code: str, field: str) -> Unit:
    found = Unit.objects.filter(code=code).first()
    if found is None:
        raise InvalidInput(f"没有代码为“{code[:40]}”的单位。", field)
    return found


def _me(request: HttpRequest) -> Any:
    actor = actor_for(request.user)
    check(actor, "leave.apply")
    return actor


def _person(actor: Any) -> Any:
    # An administrator's account may have no person: writes are made by a person.
    if actor.person is None:
        raise PermissionDenied(MESSAGES["leave.apply"])
    return actor.person


def _request(request: HttpRequest, pk: int) -> tuple[Any, LeaveRequest]:
    actor = _me(request)
    req = get_object_or_404(LeaveRequest.objects.select_related("person", "position"), pk=pk)
    check(actor, "leave.view", req)
    return actor, req


@router.get("", response={200: list[dict[str, Any]], **ERRORS}, summary="请假（报备）列表（调用者可见的）")
def list_leave(request: HttpRequest) -> list[dict[str, Any]]:
    now = timezone.now()
    return [leave_summary(r, now) for r in visible_requests(_me(request)).order_by("-start", "-id")[:1000]]


@router.post("", response={200: dict[str, Any], **ERRORS}, summary="申请请假（报备）")
def submit_leave(request: HttpRequest, payload: LeaveIn) -> dict[str, Any]:
    actor = _me(request)
    position = _position(payload.position, "position")
    if position is None:
        raise InvalidInput("请写明以哪个职务请假。", "position")
    form = svc.LeaveForm(
        position=position,
        kind=payload.kind,
        purpose=payload.purpose,
        reason=payload.reason,
        start=_aware(payload.start, "start"),
        end=_aware(payload.end, "end"),
        away_from_city=payload.away_from_city,
        destination=payload.destination,
        itinerary=payload.itinerary,
        cover_position=_position(payload.cover_position, "cover_position"),
        cover_arrangement=payload.cover_arrangement,
        contact_phone=payload.contact_phone,
    )
    return leave_summary(svc.leave_submit(actor=actor.person, form=form), timezone.now())


@router.get("/reports", response={200: list[dict[str, Any]], **ERRORS}, summary="书面报告事项（调用者可见的）")
def list_reports(request: HttpRequest) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [duty_summary(d, today) for d in visible_duties(_me(request)).order_by("state", "due_date")[:1000]]


@router.post("/reports/{duty_id}/file", response={200: dict[str, Any], **ERRORS}, summary="报送书面报告")
def file_report(request: HttpRequest, duty_id: int, payload: FileIn) -> dict[str, Any]:
    actor = _me(request)
    duty = get_object_or_404(ReportDuty, pk=duty_id)
    check(actor, "report.view", duty)
    return duty_summary(rp.duty_file(actor=actor.person, duty=duty, text=payload.text), timezone.localdate())


@router.get("/emergencies", response={200: list[dict[str, Any]], **ERRORS}, summary="突发事件报告（调用者可见的）")
def list_emergencies(request: HttpRequest) -> list[dict[str, Any]]:
    now = timezone.now()
    qs = visible_emergencies(_me(request)).prefetch_related("steps__recipient", "steps__deadline")
    return [emergency_summary(r, now) for r in qs[:500]]


@router.post("/emergencies", response={200: dict[str, Any], **ERRORS}, summary="报告重大突发事件（逐级或越级直报）")
def report_emergency(request: HttpRequest, payload: EmergencyIn) -> dict[str, Any]:
    actor = _me(request)
    check(actor, "emergency.report")
    form = em.EmergencyForm(
        category=payload.category,
        title=payload.title,
        place=payload.place,
        occurred_at=_aware(payload.occurred_at, "occurred_at"),
        reporting_unit=_unit(payload.reporting_unit, "reporting_unit"),
        competent_unit=_unit(payload.competent_unit, "competent_unit"),
        summary=payload.summary,
        plan_activated=payload.plan_activated,
        on_scene=payload.on_scene,
        on_scene_at=_aware(payload.on_scene_at, "on_scene_at") if payload.on_scene_at else None,
        direct_to=_position(payload.direct_to, "direct_to"),
        reason=payload.reason,
    )
    report = em.emergency_report(actor=actor.person, form=form)
    return emergency_summary(EmergencyReport.objects.get(pk=report.pk), timezone.now())


@router.post(
    "/emergencies/{report_id}/steps/{step_id}/acknowledge",
    response={200: dict[str, Any], **ERRORS},
    summary="签收突发事件报告（并逐级上报）",
)
def acknowledge_emergency(request: HttpRequest, report_id: int, step_id: int, payload: AckIn) -> dict[str, Any]:
    actor = _me(request)
    report = get_object_or_404(EmergencyReport, pk=report_id)
    check(actor, "emergency.view", report)
    step = get_object_or_404(EmergencyStep, pk=step_id, report=report)
    em.emergency_acknowledge(actor=actor.person, step=step, note=payload.note)
    return emergency_summary(EmergencyReport.objects.get(pk=report.pk), timezone.now())


def _problems(actor: Any) -> Any:
    return visible_problems(actor).prefetch_related("steps__recipient")


@router.get("/problems", response={200: list[dict[str, Any]], **ERRORS}, summary="重大问题请示报告（调用者可见的）")
def list_problems(request: HttpRequest) -> list[dict[str, Any]]:
    return [problem_summary(r) for r in _problems(_me(request))[:500]]


@router.post("/problems", response={200: dict[str, Any], **ERRORS}, summary="报告重大问题（逐级请示报告，第五十五条）")
def report_problem(request: HttpRequest, payload: ProblemIn) -> dict[str, Any]:
    actor = _me(request)
    report = esc.problem_report(
        actor=_person(actor),
        unit=_unit(payload.unit, "unit"),
        title=payload.title,
        body=payload.body,
        proposal=payload.proposal,
    )
    return problem_summary(_problems(actor).get(pk=report.pk))


@router.post("/problems/{pk}/act", response={200: dict[str, Any], **ERRORS}, summary="转报上一级或批示")
def act_problem(request: HttpRequest, pk: int, payload: ProblemActIn) -> dict[str, Any]:
    actor = _me(request)
    report = get_object_or_404(ProblemReport, pk=pk)
    check(actor, "problem.view", report)
    report = esc.problem_act(actor=_person(actor), report=report, action=payload.action, note=payload.note)
    return problem_summary(ProblemReport.objects.prefetch_related("steps__recipient").get(pk=report.pk))


APPROVAL_HIDDEN = "这项审批事项与您的单位和职务无关，您无权查看。"


def _approval(request: HttpRequest, pk: int) -> tuple[Any, LeaderApproval]:
    # The same test as the page (leave/views.py approval_detail): 404 if it does not exist, 403 if not visible.
    actor = _me(request)
    get_object_or_404(LeaderApproval, pk=pk)
    item = visible_approvals(actor).select_related("decided_by").filter(pk=pk).first()
    if item is None:
        raise PermissionDenied(APPROVAL_HIDDEN)
    return actor, item


@router.get("/approvals", response={200: list[dict[str, Any]], **ERRORS}, summary="领导审批事项（调用者可见的）")
def list_approvals(request: HttpRequest) -> list[dict[str, Any]]:
    qs = visible_approvals(_me(request)).select_related("decided_by").order_by("-requested_at", "-id")
    return [approval_summary(i) for i in qs[:1000]]


@router.post("/approvals", response={200: dict[str, Any], **ERRORS}, summary="申请领导审批（第十二、十三章）")
def request_approval(request: HttpRequest, payload: ApprovalIn) -> dict[str, Any]:
    person = _person(_me(request))
    form = ap.ApprovalForm(
        kind=payload.kind,
        title=payload.title,
        body=payload.body,
        unit=_unit(payload.unit, "unit") if payload.unit else None,
        on_behalf=payload.on_behalf,
        major=payload.major,
        guests=payload.guests,
        budget=payload.budget,
        members=payload.members,
        destination=payload.destination,
        leader=_position(payload.leader, "leader"),
        special_need=payload.special_need,
        budget_line=payload.budget_line,
    )
    return approval_summary(ap.approval_request(actor=person, form=form), body=True)


@router.get("/approvals/{pk}", response={200: dict[str, Any], **ERRORS}, summary="一项领导审批事项")
def get_approval(request: HttpRequest, pk: int) -> dict[str, Any]:
    _, item = _approval(request, pk)
    return approval_summary(item, body=True)


@router.post("/approvals/{pk}/decide", response={200: dict[str, Any], **ERRORS}, summary="审批（同意或不同意）")
def decide_approval(request: HttpRequest, pk: int, payload: DecideIn) -> dict[str, Any]:
    actor, item = _approval(request, pk)
    done = ap.approval_decide(actor=_person(actor), item=item, approve=payload.approve, note=payload.note)
    return approval_summary(
        LeaderApproval.objects.select_related("requested_by", "unit", "approver", "leader", "decided_by").get(
            pk=done.pk
        ),
        body=True,
    )


@router.get("/{leave_id}", response={200: dict[str, Any], **ERRORS}, summary="一份请假（报备）")
def get_leave(request: HttpRequest, leave_id: int) -> dict[str, Any]:
    _, req = _request(request, leave_id)
    return leave_summary(req, timezone.now())


@router.post("/{leave_id}/act", response={200: dict[str, Any], **ERRORS}, summary="审核、汇总、审批或撤回")
def act_leave(request: HttpRequest, leave_id: int, payload: ActIn) -> dict[str, Any]:
    actor, req = _request(request, leave_id)
    if payload.action not in ("forward", "approve", "reject", "withdraw"):
        raise InvalidInput("action 只能是 forward、approve、reject 或 withdraw。", "action")
    req = svc.leave_act(
        actor=actor.person, request=req, action=payload.action, note=payload.note, consent=payload.consent
    )
    return leave_summary(req, timezone.now())


@router.post("/{leave_id}/return", response={200: dict[str, Any], **ERRORS}, summary="销假")
def return_leave(request: HttpRequest, leave_id: int, payload: ReturnIn) -> dict[str, Any]:
    actor, req = _request(request, leave_id)
    back = _aware(payload.returned_at, "returned_at") if payload.returned_at else None
    return leave_summary(svc.leave_return(actor=actor.person, request=req, returned_at=back), timezone.now())
