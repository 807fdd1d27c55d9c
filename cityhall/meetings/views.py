from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cityhall.accounts.permissions import DEPARTMENT, OFFICE, Actor, actor_for, allowed, check
from cityhall.org.models import Position, Unit
from cityhall.org.selectors import executive_vice_mayor_at, holders_at
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import InvalidInput, RulesError, refusal_text

from .forms import TopicApplicationForm
from .kinds import Fact, meeting_kind, meeting_kinds
from .minutes_views import record_context
from .models import Meeting, Topic
from .services import (
    MeetingForm,
    TopicError,
    chain_progress,
    chain_rule_id,
    chair_options,
    frequency_alerts,
    materials_review,
    meeting_schedule,
    schedule_refusals,
    step_assignee,
    topic_decide,
    topic_resubmit,
    topic_submit,
)
from .services import _may_act as may_act

# Roles that name positions, and the positions they name.
_POSITION_KINDS = {
    "mayor": Position.Kind.MAYOR,
    "vice_mayor": Position.Kind.VICE_MAYOR,
    "secretary_general": Position.Kind.SECRETARY_GENERAL,
    "deputy_secretary_general": Position.Kind.DEPUTY_SECRETARY_GENERAL,
}


def _who(now: dt.datetime) -> dict[str, str]:
    """Each role → who fills it now, as a clerk would write it ("副市长 宁致和、…")."""
    positions = list(
        Position.objects.filter(kind__in=[*_POSITION_KINDS.values(), Position.Kind.PRINCIPAL_HEAD]).select_related(
            "unit"
        )
    )
    holders = holders_at(now, positions)
    out: dict[str, str] = {}
    for role, kind in _POSITION_KINDS.items():
        names = [holders[p.pk].name for p in positions if p.kind == kind and p.pk in holders]
        out[role] = "、".join(names) if names else "（空缺）"
    heads = [p for p in positions if p.kind == Position.Kind.PRINCIPAL_HEAD and p.unit.kind == Unit.Kind.DEPARTMENT]
    out["department_head"] = f"{len(heads)}个工作部门的主要负责人"
    executive = executive_vice_mayor_at(now)
    if executive is not None:
        out["executive_vice_mayor"] = f"{executive.title} {holders_at(now, [executive]).get(executive.pk, '（空缺）')}"
    return out


def index(request: HttpRequest) -> HttpResponse:
    """The four kinds of meeting, each line with the article that says it (Art 38–42)."""
    check(actor_for(request.user), "meetings.view")
    now = timezone.now()
    who = _who(now)

    def rows(facts: tuple[Fact, ...]) -> list[tuple[Fact, list[tuple[str, str]]]]:
        return [
            (f, [(label, who.get(role, "")) for role, label in zip(f.roles, f.role_labels, strict=True)]) for f in facts
        ]

    kinds = [(k, rows(k.facts)) for k in meeting_kinds(rulebook())]
    actor = actor_for(request.user)
    return render(
        request,
        "meetings/index.html",
        {
            "kinds": kinds,
            "now": now,
            "topics": _visible_topics(actor)[:100],
            "can_apply": allowed(actor, "topic.apply"),
            "meetings": _visible_meetings(actor)[:50],
            "can_schedule": allowed(actor, "meeting.schedule"),
            "alerts": frequency_alerts(now),
        },
    )


def _visible_topics(actor: Actor):  # type: ignore[no-untyped-def]
    qs = Topic.objects.select_related("host_unit", "applicant")
    if OFFICE in actor.roles or "leader" in actor.roles or "admin" in actor.roles:
        return qs
    units = actor.unit_ids
    return qs.filter(Q(host_unit__in=units) | Q(reporting_unit__in=units) | Q(consultations__unit__in=units)).distinct()


def _visible_meetings(actor: Actor):  # type: ignore[no-untyped-def]
    qs = Meeting.objects.select_related("chair", "minutes__deadline")
    if OFFICE in actor.roles or "leader" in actor.roles or "admin" in actor.roles:
        return qs
    return qs.filter(Q(agenda__topic__host_unit__in=actor.unit_ids) | Q(attendance__unit__in=actor.unit_ids)).distinct()


def _host_units(actor: Actor) -> list[Unit]:
    return [
        p.unit for p in actor.positions if p.unit.kind in (Unit.Kind.DEPARTMENT, Unit.Kind.COUNTY, Unit.Kind.AFFILIATED)
    ]


def _form_refusal(form: TopicApplicationForm, exc: RulesError) -> None:
    field = getattr(exc, "field", "")
    text = refusal_text(exc)
    form.add_error(field if field in form.fields else None, text)


def topic_new(request: HttpRequest) -> HttpResponse:
    """A department or county applies for a topic (《市政府常务会议议题申报单》, Art 40 ¶2)."""
    actor = actor_for(request.user)
    check(actor, "topic.apply")
    form = TopicApplicationForm(request.POST or None, host_units=_host_units(actor))
    if request.method == "POST" and form.is_valid():
        assert actor.person is not None  # noqa: S101 - topic.apply needs a person
        try:
            topic = topic_submit(actor=actor.person, form=form.to_service())
        except RulesError as exc:
            _form_refusal(form, exc)
        else:
            messages.success(request, f"议题“{topic.matter}”已申报，送市政府办公室征集、汇总。")
            return redirect("meetings:topic_detail", pk=topic.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "meetings/topic_form.html", {"form": form, "topic": None}, status=status)


def topic_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The host unit corrects a returned topic and applies again (it starts at the office)."""
    actor = actor_for(request.user)
    topic = get_object_or_404(Topic.objects.select_related("host_unit"), pk=pk)
    check(actor, "topic.view", topic)
    check(actor, "topic.apply")
    form = TopicApplicationForm(
        request.POST or None, host_units=_host_units(actor), initial=TopicApplicationForm.initial_from(topic)
    )
    if topic.state != Topic.State.RETURNED:
        messages.error(request, "只有退回修改的议题才能修改后重新申报。")
        return redirect("meetings:topic_detail", pk=pk)
    if request.method == "POST" and form.is_valid():
        assert actor.person is not None  # noqa: S101
        try:
            topic = topic_resubmit(actor=actor.person, topic=topic, form=form.to_service())
        except RulesError as exc:
            _form_refusal(form, exc)
        else:
            messages.success(request, "议题已修改并重新申报，送市政府办公室征集、汇总。")
            return redirect("meetings:topic_detail", pk=pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "meetings/topic_form.html", {"form": form, "topic": topic}, status=status)


def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request.user)
    topic = get_object_or_404(
        Topic.objects.select_related("host_unit", "reporting_unit", "applicant").prefetch_related(
            "consultations__unit"
        ),
        pk=pk,
    )
    check(actor, "topic.view", topic)
    now = timezone.now()
    actions = list(topic.actions.select_related("actor", "on_behalf_of"))
    steps = chain_progress(topic, actions)
    can_decide, on_behalf_of, assignee = False, None, None
    if topic.state in (Topic.State.IN_REVIEW, Topic.State.DEFERRED) and actor.person is not None:
        assignee = step_assignee(topic.step, now)
        can_decide, on_behalf_of = may_act(actor.person, assignee, now)
    can_edit = (
        topic.state == Topic.State.RETURNED and DEPARTMENT in actor.roles and topic.host_unit_id in actor.unit_ids
    )
    context = {
        "topic": topic,
        "steps": steps,
        "actions": actions,
        "refusals": schedule_refusals(topic),
        "chain_rule": rulebook().rule(chain_rule_id(topic.meeting_kind)),
        "can_decide": can_decide,
        "on_behalf_of": on_behalf_of,
        "assignee": assignee,
        "can_edit": can_edit,
        "reason_draft": request.session.pop("topic_reason", ""),
        "can_review_materials": OFFICE in actor.roles
        and topic.materials_reviewed_at is None
        and topic.state != Topic.State.RETURNED,
        "materials_rule": rulebook().rule("meeting.materials-review"),
    }
    return render(request, "meetings/topic_detail.html", context)


@require_POST
def topic_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request.user)
    topic = get_object_or_404(Topic, pk=pk)
    check(actor, "topic.view", topic)
    if actor.person is None:
        check(actor, "meetings.view")
    assert actor.person is not None  # noqa: S101
    decision = request.POST.get("decision", "")
    try:
        topic = topic_decide(
            actor=actor.person,
            topic=topic,
            decision=decision,
            reason=request.POST.get("reason", ""),
            step=request.POST.get("step", ""),
        )
    except (TopicError, InvalidInput) as exc:
        messages.error(request, refusal_text(exc))
        # Keep what was typed: the reason comes back in the form.
        request.session["topic_reason"] = request.POST.get("reason", "")
        return redirect("meetings:topic_detail", pk=pk)
    done = {"pass": "已同意", "return": "已退回修改", "defer": "已暂缓"}[decision]
    if topic.state == Topic.State.APPROVED:
        messages.success(request, f"{done}：议题已确定上会（{topic.decided_at:%Y-%m-%d %H:%M}）。")
    else:
        messages.success(request, f"{done}。")
    return redirect("meetings:topic_detail", pk=pk)


@require_POST
def topic_materials_review(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request.user)
    topic = get_object_or_404(Topic, pk=pk)
    check(actor, "topic.view", topic)
    check(actor, "meeting.schedule")
    assert actor.person is not None  # noqa: S101 - the office's clerks are people
    try:
        materials_review(actor=actor.person, topic=topic, note=request.POST.get("note", ""))
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, "会议材料已前置审核通过。")
    return redirect("meetings:topic_detail", pk=pk)


def meeting_new(request: HttpRequest) -> HttpResponse:
    """The office schedules a meeting from the topics the mayor has decided (Art 43 ¶1)."""
    actor = actor_for(request.user)
    check(actor, "meeting.schedule")
    kind = request.POST.get("kind") or request.GET.get("kind") or "executive"
    if kind not in dict(Meeting.KIND_CHOICES):
        kind = "executive"
    now = timezone.now()
    chairs = chair_options(kind, now)
    candidates = list(
        Topic.objects.filter(meeting_kind=kind, agenda_item__isnull=True)
        .exclude(state=Topic.State.RETURNED)
        .select_related("host_unit")
    )
    rows = [(t, schedule_refusals(t)) for t in candidates]
    values: dict[str, Any] = {
        "title": request.POST.get("title", ""),
        "starts_at": request.POST.get("starts_at", ""),
        "venue": request.POST.get("venue", ""),
        "video": bool(request.POST.get("video")),
        "chair": request.POST.get("chair", ""),
        "topics": {int(t) for t in request.POST.getlist("topics") if t.isdigit()},
        "chair_topics": request.POST.get("chair_topics", ""),
        "invited": request.POST.get("invited", ""),
    }
    error = ""
    if request.method == "POST":
        try:
            starts_at = dt.datetime.fromisoformat(values["starts_at"]) if values["starts_at"] else None
        except ValueError:
            starts_at = None
        chair = next((p for p, _ in chairs if str(p.pk) == values["chair"]), None)
        chosen = [t for t in candidates if t.pk in values["topics"]]
        if starts_at is None:
            error = "请填写会议开始时间（例如 2026-12-14 09:00）。"
        elif chair is None:
            error = "请选择主持人。"
        else:
            if timezone.is_naive(starts_at):
                starts_at = timezone.make_aware(starts_at)
            assert actor.person is not None  # noqa: S101 - the office's clerks are people
            try:
                meeting = meeting_schedule(
                    actor=actor.person,
                    form=MeetingForm(
                        kind=kind,
                        title=values["title"],
                        starts_at=starts_at,
                        venue=values["venue"],
                        video=values["video"],
                        chair=chair,
                        topics=chosen,
                        chair_topics=values["chair_topics"].splitlines(),
                        invited=values["invited"],
                    ),
                )
            except RulesError as exc:
                error = refusal_text(exc)
            else:
                messages.success(request, f"已安排{meeting.title}，议题{meeting.agenda.count()}项。")
                return redirect("meetings:meeting_detail", pk=meeting.pk)
    context = {
        "kind": kind,
        "kinds": Meeting.KIND_CHOICES,
        "chairs": chairs,
        "rows": rows,
        "values": values,
        "error": error,
        "chair_sets_topics": meeting_kind(rulebook(), kind).topic_chain is None,
        "kind_rule": meeting_kind(rulebook(), kind).rule,
    }
    return render(request, "meetings/meeting_form.html", context, status=422 if error else 200)


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "meetings.view")
    meeting = get_object_or_404(Meeting.objects.select_related("chair", "scheduled_by"), pk=pk)
    agenda = list(meeting.agenda.select_related("topic__host_unit"))
    check(actor, "meeting.view", meeting)
    holder = holders_at(meeting.starts_at, [meeting.chair]).get(meeting.chair.pk)
    kind = next(k for k in meeting_kinds(rulebook()) if k.code == meeting.kind)
    context = {"meeting": meeting, "agenda": agenda, "chair_holder": holder, "kind": kind}
    context.update(record_context(actor, meeting))
    context["decision_draft"] = request.session.pop("decision_draft", {})
    # Art 54 ¶4: someone on the list may ask to miss it, before it starts (the leave module routes it).
    upcoming = meeting.state == Meeting.State.SCHEDULED and meeting.starts_at > timezone.now()
    mine = meeting.attendance.filter(person=actor.person).first() if actor.person and upcoming else None
    context["my_attendance"] = mine
    context["my_absence_request"] = getattr(mine, "absence_request", None) if mine else None
    return render(request, "meetings/meeting_detail.html", context)
