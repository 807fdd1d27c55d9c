"""Meetings API: topics (议题) — apply, list what the caller may see, read one with its chain, decide a step;
meetings — list with the minutes' clock, read one with its attendance, decisions and stances, sign and
issue the minutes, and fetch them as GB/T 9704 DOCX or PDF.

``POST /meetings/topics`` is also the topic import: ``cityhall meetings import-topics FILE`` sends each
topic of a JSON file through the same service, so an import is refused exactly where the form is."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from cityhall.accounts.permissions import actor_for, allowed, check
from cityhall.org.models import Unit
from cityhall.rules import InvalidInput

from . import minutes as minutes_svc
from .kinds import ROLE_LABELS
from .models import Meeting, Minutes, Topic
from .services import TopicForm, chain_progress, materials_review, schedule_refusals, topic_decide, topic_submit

router = Router(tags=["meetings"])


class BodyIn(Schema):
    model_config = ConfigDict(strict=True)


class ConsultationIn(BodyIn):
    unit: str = Field(description="征求意见单位的名称，如 抚顺市财政局")
    opinion: str


class TopicIn(BodyIn):
    meeting_kind: str = Field(description="plenary（市政府全体会议）或 executive（市政府常务会议）")
    matter: str = Field(description="议题名称")
    host_unit: str = Field(description="承办单位名称；须是调用者任职的单位")
    reporting_unit: str = Field(description="汇报单位名称")
    basis: str = Field(description="提请审议的依据和理由")
    legality_review_needed: bool = False
    legality_review_done: bool = False
    materials: str = ""
    consultations: list[ConsultationIn] = []


class DecisionIn(BodyIn):
    decision: str = Field(description="pass（同意）、return（退回修改）或 defer（暂缓）")
    reason: str = Field("", description="退回修改或暂缓时必填")
    step: str = Field("", description="调用者看到的当前环节；已变化时拒绝，避免重复办理")


class StepOut(Schema):
    code: str
    label: str
    state: str


class ActionOut(Schema):
    step: str
    decision: str
    reason: str
    actor: str
    on_behalf_of: str | None
    at: dt.datetime


class RefusalOut(Schema):
    code: str
    message: str
    rule: str
    citation: str


class TopicOut(Schema):
    id: int
    meeting_kind: str
    matter: str
    host_unit: str
    reporting_unit: str
    state: str
    state_label: str
    step: str
    step_label: str
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    url: str


class TopicDetailOut(TopicOut):
    basis: str
    materials: str
    legality_review_needed: bool
    legality_review_done: bool
    materials_reviewed_at: dt.datetime | None
    consultations: list[dict[str, str]]
    chain: list[StepOut]
    actions: list[ActionOut]
    schedule_refusals: list[RefusalOut]


class ErrorOut(Schema):
    code: str
    message: str


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _unit(name: str, field: str) -> Unit:
    unit = Unit.objects.filter(name=name).first() or Unit.objects.filter(short_name=name).first()
    if unit is None:
        raise InvalidInput(f"没有名为“{name}”的单位", field)
    return unit


def topic_form(data: TopicIn) -> TopicForm:
    """The service's form from the JSON an API client or an import file sends (unit names resolved)."""
    return TopicForm(
        meeting_kind=data.meeting_kind,
        matter=data.matter,
        host_unit=_unit(data.host_unit, "host_unit"),
        reporting_unit=_unit(data.reporting_unit, "reporting_unit"),
        basis=data.basis,
        legality_review_needed=data.legality_review_needed,
        legality_review_done=data.legality_review_done,
        materials=data.materials,
        consultations=[(_unit(c.unit, "consultations"), c.opinion) for c in data.consultations],
    )


def _out(t: Topic) -> dict:
    return {
        "id": t.pk,
        "meeting_kind": t.meeting_kind,
        "matter": t.matter,
        "host_unit": t.host_unit.name,
        "reporting_unit": t.reporting_unit.name,
        "state": t.state,
        "state_label": t.get_state_display(),
        "step": t.step,
        "step_label": ROLE_LABELS.get(t.step, ""),
        "submitted_at": t.submitted_at,
        "decided_at": t.decided_at,
        "url": f"/meetings/topics/{t.pk}/",
    }


def _detail(t: Topic) -> dict:
    actions = list(t.actions.select_related("actor", "on_behalf_of"))
    return _out(t) | {
        "basis": t.basis,
        "materials": t.materials,
        "legality_review_needed": t.legality_review_needed,
        "legality_review_done": t.legality_review_done,
        "materials_reviewed_at": t.materials_reviewed_at,
        "consultations": [{"unit": c.unit.name, "opinion": c.opinion} for c in t.consultations.select_related("unit")],
        "chain": [{k: v for k, v in step.items() if k != "act"} for step in chain_progress(t, actions)],
        "actions": [
            {
                "step": a.step,
                "decision": a.decision,
                "reason": a.reason,
                "actor": a.actor.name,
                "on_behalf_of": a.on_behalf_of.name if a.on_behalf_of else None,
                "at": a.at,
            }
            for a in actions
        ],
        "schedule_refusals": [
            {"code": r.code, "message": r.message, "rule": r.rule_id, "citation": r.citation}
            for r in schedule_refusals(t)
        ],
    }


@router.get("/topics", response={200: list[TopicOut], **ERRORS}, summary="议题列表（调用者可见的）")
def list_topics(request: HttpRequest) -> list[dict]:
    from .views import _visible_topics

    actor = actor_for(request.user)
    check(actor, "meetings.view")
    return [_out(t) for t in _visible_topics(actor).select_related("reporting_unit")[:500]]


@router.post(
    "/topics",
    response={201: TopicDetailOut, **ERRORS},
    summary="申报议题（《市政府常务会议议题申报单》）",
)
def apply_topic(request: HttpRequest, payload: TopicIn) -> Status:
    actor = actor_for(request.user)
    check(actor, "topic.apply")
    assert actor.person is not None  # noqa: S101 - topic.apply needs a person
    topic = topic_submit(actor=actor.person, form=topic_form(payload))
    return Status(201, _detail(topic))


@router.get("/topics/{topic_id}", response={200: TopicDetailOut, **ERRORS}, summary="一项议题，含审核程序和办理记录")
def get_topic(request: HttpRequest, topic_id: int) -> dict:
    topic = get_object_or_404(Topic.objects.select_related("host_unit", "reporting_unit"), pk=topic_id)
    check(actor_for(request.user), "topic.view", topic)
    return _detail(topic)


@router.post(
    "/topics/{topic_id}/decide",
    response={200: TopicDetailOut, **ERRORS},
    summary="办理议题的当前环节：同意、退回修改或暂缓",
)
def decide_topic(request: HttpRequest, topic_id: int, payload: DecisionIn) -> Status:
    actor = actor_for(request.user)
    topic = get_object_or_404(Topic.objects.select_related("host_unit", "reporting_unit"), pk=topic_id)
    check(actor, "topic.view", topic)
    check(actor, "meetings.view")
    assert actor.person is not None  # noqa: S101 - meetings.view needs a person
    topic = topic_decide(
        actor=actor.person, topic=topic, decision=payload.decision, reason=payload.reason, step=payload.step
    )
    return Status(200, _detail(topic))


class MaterialsReviewIn(BodyIn):
    note: str = Field("", description="审核意见")


@router.post(
    "/topics/{topic_id}/materials-review",
    response={200: TopicDetailOut, **ERRORS},
    summary="市政府办公室对议题会议材料前置审核通过（工作规则第四十三条第二款）",
)
def review_materials(request: HttpRequest, topic_id: int, payload: MaterialsReviewIn) -> Status:
    actor = actor_for(request.user)
    topic = get_object_or_404(Topic.objects.select_related("host_unit", "reporting_unit"), pk=topic_id)
    check(actor, "topic.view", topic)
    check(actor, "meetings.view")
    assert actor.person is not None  # noqa: S101 - meetings.view needs a person
    topic = materials_review(actor=actor.person, topic=topic, note=payload.note)
    return Status(200, _detail(topic))


# -- meetings and minutes -------------------------------------------------------------------------


class MinutesClockOut(Schema):
    state: str
    state_label: str
    number: str
    due: str | None
    issued_at: str | None
    issued_late: bool
    publishable: bool
    rule: str


class MeetingOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    starts_at: str
    chair: str
    entrusted: bool
    due: str | None = Field(description="纪要应印发日期（会议结束后、印发前）")
    overdue: bool
    minutes: MinutesClockOut | None
    url: str


class StanceOut(Schema):
    attendee: str
    position: str
    value: str
    value_label: str
    remarks: str
    written: bool
    revision: int


class MeetingDecisionOut(Schema):
    order: int
    text: str
    lead_unit: str
    partner_units: list[str]
    responsible: str
    due_date: dt.date | None
    handed_over: bool
    stances: list[StanceOut]


class AttendanceOut(Schema):
    name: str
    position: str
    role: str
    present: bool | None
    absence_reason: str
    absence_warned: bool
    written_opinion: str


class MeetingDetailOut(MeetingOut):
    attendance: list[AttendanceOut]
    decisions: list[MeetingDecisionOut]
    record_gaps: list[str]


def _meeting(request: HttpRequest, meeting_id: int) -> tuple:
    actor = actor_for(request.user)
    check(actor, "meetings.view")
    meeting = get_object_or_404(Meeting.objects.select_related("chair", "minutes__deadline"), pk=meeting_id)
    check(actor, "meeting.view", meeting)
    return actor, meeting


def _meeting_detail(actor, meeting: Meeting) -> dict:  # type: ignore[no-untyped-def]
    out = minutes_svc.meeting_summary(meeting, timezone.now())
    minutes = meeting.minutes_or_none
    # Art 69: a secret meeting's decisions and stances only for those cleared to read its minutes.
    readable = minutes is None or allowed(actor, "minutes.content", minutes)
    out["attendance"] = [
        {
            "name": a.person.name,
            "position": a.position.title if a.position else "",
            "role": a.role,
            "present": a.present,
            "absence_reason": a.absence_reason,
            "absence_warned": a.absence_warned,
            "written_opinion": a.written_opinion if readable else "",
        }
        for a in meeting.attendance.select_related("person", "position")
    ]
    out["decisions"] = (
        [
            {
                "order": d.order,
                "text": d.text,
                "lead_unit": d.lead_unit.name,
                "partner_units": [u.name for u in d.partner_units.all()],
                "responsible": d.responsible,
                "due_date": d.due_date,
                "handed_over": d.handover_at is not None,
                "stances": [
                    {
                        "attendee": s.attendance.person.name,
                        "position": s.attendance.position.title if s.attendance.position else "",
                        "value": s.value,
                        "value_label": s.get_value_display(),
                        "remarks": s.remarks,
                        "written": s.written,
                        "revision": s.revision,
                    }
                    for s in d.stances.all()
                ],
            }
            for d in meeting.decisions.select_related("lead_unit").prefetch_related(
                "partner_units", "stances__attendance__person", "stances__attendance__position"
            )
        ]
        if readable
        else []
    )
    out["record_gaps"] = minutes_svc.record_gaps(meeting)
    return out


@router.get("", response={200: list[MeetingOut], **ERRORS}, summary="会议列表，含纪要印发时限")
def list_meetings(request: HttpRequest) -> list[dict]:
    from .views import _visible_meetings

    actor = actor_for(request.user)
    check(actor, "meetings.view")
    now = timezone.now()
    return [minutes_svc.meeting_summary(m, now) for m in _visible_meetings(actor)[:500]]


@router.get("/{meeting_id}", response={200: MeetingDetailOut, **ERRORS}, summary="一次会议：出席情况、决定事项和表态")
def get_meeting(request: HttpRequest, meeting_id: int) -> dict:
    actor, meeting = _meeting(request, meeting_id)
    return _meeting_detail(actor, meeting)


@router.post(
    "/{meeting_id}/minutes/{action}",
    response={200: MeetingDetailOut, **ERRORS},
    summary="会议纪要：sign（主持人签发）或 issue（市政府办公室印发）",
)
def act_on_minutes(request: HttpRequest, meeting_id: int, action: str) -> dict:
    actor, meeting = _meeting(request, meeting_id)
    minutes = get_object_or_404(Minutes, meeting=meeting)
    assert actor.person is not None  # noqa: S101 - meetings.view needs a person
    if action == "sign":
        minutes_svc.minutes_sign(actor=actor.person, minutes=minutes)
    elif action == "issue":
        minutes_svc.minutes_issue(actor=actor.person, minutes=minutes)
    else:
        raise InvalidInput("操作只能是 sign（签发）或 issue（印发）", "action")
    meeting = Meeting.objects.select_related("chair", "minutes__deadline").get(pk=meeting.pk)
    return _meeting_detail(actor, meeting)


@router.get(
    "/{meeting_id}/minutes.{fmt}",
    response={200: None, **ERRORS},
    summary="会议纪要文件（GB/T 9704 纪要格式）：docx 或 pdf",
)
def minutes_file(request: HttpRequest, meeting_id: int, fmt: str) -> HttpResponse:
    from .minutes_views import minutes_response

    actor, meeting = _meeting(request, meeting_id)
    minutes = get_object_or_404(Minutes, meeting=meeting)
    check(actor, "minutes.content", minutes)
    if fmt not in ("docx", "pdf"):
        raise InvalidInput("格式只能是 docx 或 pdf", "fmt")
    return minutes_response(minutes, fmt)
