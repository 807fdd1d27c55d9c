"""Meetings API: topics (议题) — apply, list what the caller may see, read one with its chain, decide a step.

``POST /meetings/topics`` is also the topic import: ``cityhall meetings import-topics FILE`` sends each
topic of a JSON file through the same service, so an import is refused exactly where the form is."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from cityhall.accounts.permissions import actor_for, check
from cityhall.org.models import Unit
from cityhall.rules import InvalidInput

from .kinds import ROLE_LABELS
from .models import Topic
from .services import TopicForm, chain_progress, schedule_refusals, topic_decide, topic_submit

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
