"""Pages for a held meeting: attendance, decisions and stances, and the minutes (Art 44, Art 54 ¶4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cityhall.accounts.permissions import actor_for, allowed, check
from cityhall.documents.models import Document
from cityhall.documents.render import render_docx, render_pdf
from cityhall.documents.services import general_office
from cityhall.org.models import Person, Unit
from cityhall.org.selectors import holders_at
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import RulesError, refusal_text

from . import minutes as svc
from .kinds import KIND_NAMES
from .models import Amendment, AmendmentCountersign, Decision, Meeting, Minutes, Stance

OTHER_REASON = "其他"


def _meeting(request: HttpRequest, pk: int) -> tuple[Any, Meeting]:
    actor = actor_for(request.user)
    check(actor, "meetings.view")
    meeting = get_object_or_404(Meeting.objects.select_related("chair", "scheduled_by"), pk=pk)
    check(actor, "meeting.view", meeting)
    return actor, meeting


def _person(actor: Any) -> Person:
    assert actor.person is not None  # noqa: S101 - meetings.view needs a person
    return actor.person


def record_context(actor: Any, meeting: Meeting) -> dict[str, Any]:
    """What the meeting page shows of the record, and what the actor may do with it."""
    now = timezone.now()
    person = actor.person
    office = person is not None and svc.is_office(person, now)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    recordable = meeting.state != Meeting.State.CANCELLED and (
        minutes is None or minutes.state == Minutes.State.DRAFTING
    )
    attendance = list(meeting.attendance.select_related("person", "position", "unit"))
    recorded = svc.recorded_absences(meeting) if recordable and office else {}
    for a in attendance:
        # Shown beside the row: an absence on record at the meeting's start (so acting applies).
        a.recorded_absence = recorded.get(a.person_id, "")  # type: ignore[attr-defined]
    decisions = list(
        meeting.decisions.select_related("lead_unit", "agenda_item__topic").prefetch_related(
            "partner_units", "stances__attendance__person", "stances__revisions"
        )
    )
    stance_rows = []
    for d in decisions:
        by_attendee = {s.attendance_id: s for s in d.stances.all()}
        rows = [(a, by_attendee.get(a.pk)) for a in attendance if a.present is not None or a.pk in by_attendee]
        # Whether anyone is left to state a stance here (the save button shows only then).
        d.open_stances = any(s is None for _, s in rows)  # type: ignore[attr-defined]
        stance_rows.append((d, rows))
    return {
        "office": office,
        "recordable": recordable and office,
        "attendance": attendance,
        "attendance_complete": bool(attendance) and all(a.present is not None for a in attendance),
        "reasons": svc.absence_reasons(),
        "attendance_rule": rulebook().rule("meeting.attendance"),
        "opinions_rule": rulebook().rule("minutes.opinions"),
        "decisions": stance_rows,
        "gaps": svc.record_gaps(meeting, attendance, decisions),
        "minutes": minutes,
        "units": Unit.objects.filter(kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.COUNTY, Unit.Kind.AFFILIATED]).order_by(
            "kind", "id"
        ),
        "agenda_items": list(meeting.agenda.select_related("topic")),
        "can_end": office and meeting.state == Meeting.State.SCHEDULED and meeting.starts_at <= now,
        "now": now,
    }


@require_POST
def attendance_save(request: HttpRequest, pk: int) -> HttpResponse:
    actor, meeting = _meeting(request, pk)
    rows = []
    for a in meeting.attendance.all():
        present = request.POST.get(f"present-{a.pk}", "")
        if present not in ("yes", "no"):
            continue
        reason = request.POST.get(f"reason-{a.pk}", "")
        note = request.POST.get(f"note-{a.pk}", "")
        if reason == OTHER_REASON:
            # An unlisted reason: the note says what it is, and it is recorded with a warning.
            reason, note = note.strip(), ""
        rows.append(svc.AttendanceInput(a.pk, present == "yes", reason, note, request.POST.get(f"opinion-{a.pk}", "")))
    if not rows:
        messages.error(request, "请至少记录一人的出席情况。")
        return redirect("meetings:meeting_detail", pk=pk)
    try:
        warnings = svc.attendance_record(actor=_person(actor), meeting=meeting, rows=rows)
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    else:
        for w in warnings:
            messages.warning(request, w)
        messages.success(request, f"已记录{len(rows)}人的出席情况。")
    return redirect(f"/meetings/{pk}/#attendance")


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@require_POST
def decision_new(request: HttpRequest, pk: int) -> HttpResponse:
    actor, meeting = _meeting(request, pk)
    post = request.POST
    lead = (
        Unit.objects.filter(pk=post.get("lead_unit") or 0).first() if (post.get("lead_unit") or "").isdigit() else None
    )
    if lead is None:
        messages.error(request, "请选择牵头单位。")
        request.session["decision_draft"] = dict(post.items())
        return redirect(f"/meetings/{pk}/#decisions")
    partner_ids = [int(v) for v in post.getlist("partner_units") if v.isdigit()]
    item = (
        meeting.agenda.filter(pk=post.get("agenda_item") or 0).first()
        if (post.get("agenda_item") or "").isdigit()
        else None
    )
    due = _date(post.get("due_date", ""))
    if post.get("due_date") and due is None:
        messages.error(request, "完成时限的日期格式不对（例如 2027-03-31）。")
        request.session["decision_draft"] = dict(post.items())
        return redirect(f"/meetings/{pk}/#decisions")
    try:
        svc.decision_add(
            actor=_person(actor),
            meeting=meeting,
            form=svc.DecisionInput(
                text=post.get("text", ""),
                lead_unit=lead,
                responsible=post.get("responsible", ""),
                partner_units=list(Unit.objects.filter(pk__in=partner_ids)),
                due_date=due,
                agenda_item=item,
            ),
        )
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
        request.session["decision_draft"] = dict(post.items())
    else:
        messages.success(request, "已记录决定事项，请记录与会人员的表态。")
    return redirect(f"/meetings/{pk}/#decisions")


@require_POST
def stances_save(request: HttpRequest, pk: int, decision_id: int) -> HttpResponse:
    actor, meeting = _meeting(request, pk)
    decision = get_object_or_404(Decision, pk=decision_id, meeting=meeting)
    rows = [
        svc.StanceInput(a.pk, request.POST[f"stance-{a.pk}"], request.POST.get(f"remarks-{a.pk}", ""))
        for a in meeting.attendance.all()
        if request.POST.get(f"stance-{a.pk}")
    ]
    if not rows:
        messages.error(request, "请选择表态。")
        return redirect(f"/meetings/{pk}/#decision-{decision.order}")
    try:
        svc.stances_record(actor=_person(actor), decision=decision, rows=rows)
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, f"已记录第{decision.order}项决定事项的{len(rows)}人表态。")
    return redirect(f"/meetings/{pk}/#decision-{decision.order}")


@require_POST
def meeting_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor, meeting = _meeting(request, pk)
    raw = request.POST.get("ended_at", "")
    try:
        ended_at = dt.datetime.fromisoformat(raw) if raw else timezone.now()
    except ValueError:
        messages.error(request, "会议结束时间格式不对（例如 2026-12-07 11:30）。")
        return redirect("meetings:meeting_detail", pk=pk)
    if timezone.is_naive(ended_at):
        ended_at = timezone.make_aware(ended_at)
    try:
        minutes = svc.meeting_end(
            actor=_person(actor), meeting=meeting, ended_at=ended_at, secret=bool(request.POST.get("secret"))
        )
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
        return redirect("meetings:meeting_detail", pk=pk)
    assert minutes.deadline is not None  # noqa: S101
    messages.success(
        request,
        f"会议已结束。纪要应于{minutes.deadline.due_date:%Y-%m-%d}前印发"
        f"（{rulebook().rule('minutes.issue').short_citation}）。",
    )
    return redirect("meetings:minutes", pk=pk)


# -- the minutes page ----------------------------------------------------------------------------


def minutes_page(request: HttpRequest, pk: int) -> HttpResponse:
    actor, meeting = _meeting(request, pk)
    minutes = get_object_or_404(
        Minutes.objects.select_related("deadline", "signed_by", "signed_on_behalf_of"), meeting=meeting
    )
    now = timezone.now()
    person = actor.person
    office = person is not None and svc.is_office(person, now)
    may_sign, sign_for = svc.may_sign(person, minutes, now) if person else (False, None)
    amendments = list(
        minutes.amendments.select_related(
            "stance__attendance__person", "stance__decision", "requesting_unit", "deadline"
        ).prefetch_related("countersigns__unit", "countersigns__by")
    )
    mine = actor.unit_ids
    own_stances = (
        list(
            Stance.objects.filter(decision__meeting=meeting, attendance__unit__in=mine).select_related(
                "attendance__person", "decision"
            )
        )
        if minutes.state == Minutes.State.CIRCULATED
        else []
    )
    deadline = minutes.deadline
    holder = holders_at(meeting.starts_at, [meeting.chair]).get(meeting.chair.pk)
    context = {
        "meeting": meeting,
        "minutes": minutes,
        "deadline": deadline,
        "overdue": deadline is not None and deadline.is_overdue(now) and minutes.state != Minutes.State.ISSUED,
        "issue_rule": rulebook().rule("minutes.issue"),
        "amend_rule": rulebook().rule("minutes.amend"),
        "protected_rule": rulebook().rule("minutes.protected"),
        "sign_rule": rulebook().rule("minutes.sign"),
        "office": office,
        "can_edit": office and minutes.state == Minutes.State.DRAFTING,
        "gaps": svc.record_gaps(meeting) if minutes.state == Minutes.State.DRAFTING else [],
        "draft": request.session.pop("minutes_body", "") or minutes.body or svc.draft_text(meeting),
        "can_sign": may_sign and minutes.state == Minutes.State.CIRCULATED,
        "sign_for": sign_for,
        "can_issue": office and minutes.state == Minutes.State.SIGNED,
        "amendments": [
            (
                a,
                [c for c in a.countersigns.all() if c.agreed is None and c.unit_id in mine],
                a.state == Amendment.State.WITH_CHAIR and may_sign,
            )
            for a in amendments
        ],
        "own_stances": own_stances,
        "grounds": Amendment.GROUNDS,
        "chair_holder": holder,
        "may_read": allowed(actor, "minutes.content", minutes),
        "now": now,
    }
    return render(request, "meetings/minutes.html", context)


def _back(pk: int) -> HttpResponse:
    return redirect("meetings:minutes", pk=pk)


@require_POST
def minutes_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor, meeting = _meeting(request, pk)
    minutes = get_object_or_404(Minutes, meeting=meeting)
    person = _person(actor)
    try:
        if action == "save":
            svc.minutes_save(actor=person, minutes=minutes, body=request.POST.get("body", ""))
            messages.success(request, "纪要稿已保存。")
        elif action == "regenerate":
            svc.minutes_save(actor=person, minutes=minutes, body=svc.draft_text(meeting))
            messages.success(request, "已按会议记录重新生成纪要稿。")
        elif action == "circulate":
            if request.POST.get("body"):
                svc.minutes_save(actor=person, minutes=minutes, body=request.POST["body"])
            svc.minutes_circulate(actor=person, minutes=minutes)
            messages.success(request, "纪要稿已分送与会单位核对，并送主持人签发。")
        elif action == "sign":
            signed = svc.minutes_sign(actor=person, minutes=minutes)
            messages.success(request, f"已签发：{signed.number}。")
        elif action == "issue":
            issued = svc.minutes_issue(actor=person, minutes=minutes)
            if issued.issued_late:
                messages.warning(
                    request,
                    f"{issued.number}已印发，但晚于应印发日期{issued.deadline.due_date:%Y-%m-%d}"  # type: ignore[union-attr]
                    f"（{rulebook().rule('minutes.issue').short_citation}：原则上3个工作日内印发），已记录为逾期印发。",
                )
            else:
                messages.success(request, f"{issued.number}已印发，决定事项已转督查督办。")
        else:
            messages.error(request, "未知的操作。")
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
        if action in ("save", "circulate"):
            request.session["minutes_body"] = request.POST.get("body", "")
    return _back(pk)


@require_POST
def amendment_new(request: HttpRequest, pk: int) -> HttpResponse:
    actor, meeting = _meeting(request, pk)
    stance = (
        get_object_or_404(Stance, pk=request.POST.get("stance") or 0, decision__meeting=meeting)
        if (request.POST.get("stance") or "").isdigit()
        else None
    )
    if stance is None:
        messages.error(request, "请选择要修改的表态。")
        return _back(pk)
    try:
        a = svc.amendment_request(
            actor=_person(actor),
            stance=stance,
            grounds=request.POST.get("grounds", ""),
            explanation=request.POST.get("explanation", ""),
            new_value=request.POST.get("new_value", ""),
            new_remarks=request.POST.get("new_remarks", ""),
        )
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
        request.session["amend_draft"] = dict(request.POST.items())
    else:
        assert a.deadline is not None  # noqa: S101
        messages.success(
            request,
            f"修改说明已提出，送其他参会单位会签；须在{a.deadline.due_date:%Y-%m-%d}前报主持人审定"
            f"（{rulebook().rule('minutes.amend').short_citation}）。",
        )
    return _back(pk)


@require_POST
def amendment_countersign_view(request: HttpRequest, pk: int, amendment_id: int) -> HttpResponse:
    actor, meeting = _meeting(request, pk)
    amendment = get_object_or_404(Amendment, pk=amendment_id, minutes__meeting=meeting)
    row = get_object_or_404(AmendmentCountersign, pk=request.POST.get("countersign") or 0, amendment=amendment)
    try:
        svc.amendment_countersign(
            actor=_person(actor),
            amendment=amendment,
            unit=row.unit,
            agreed=request.POST.get("agreed") == "yes",
            remarks=request.POST.get("remarks", ""),
        )
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, f"{row.unit.name}已会签。")
    return _back(pk)


@require_POST
def amendment_decide_view(request: HttpRequest, pk: int, amendment_id: int) -> HttpResponse:
    actor, meeting = _meeting(request, pk)
    amendment = get_object_or_404(Amendment, pk=amendment_id, minutes__meeting=meeting)
    try:
        a = svc.amendment_decide(
            actor=_person(actor),
            amendment=amendment,
            approve=request.POST.get("approve") == "yes",
            note=request.POST.get("note", ""),
        )
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    else:
        text = "已同意修改，表态已更新，原表态保留在历史中。" if a.state == Amendment.State.APPROVED else "未同意修改。"
        if a.late:
            messages.warning(
                request,
                f"{text}审定晚于时限{a.deadline.due_date:%Y-%m-%d}（{rulebook().rule('minutes.amend').short_citation}），已记录。",  # type: ignore[union-attr]
            )
        else:
            messages.success(request, text)
    return _back(pk)


# -- output: GB/T 9704 纪要 through the documents renderer -----------------------------------------


def minutes_document(minutes: Minutes) -> Document:
    """The minutes as an (unsaved) document of kind 纪要, so the one GB/T 9704 renderer prints it."""
    meeting = minutes.meeting
    government = Unit.objects.filter(kind=Unit.Kind.CITY_GOVERNMENT).first() or general_office()
    issued = minutes.issued_at or minutes.signed_at
    return Document(
        direction=Document.Direction.OUTGOING,
        kind="纪要",
        issuer_unit=government,
        # The 纪要 mark names the government and the kind of meeting (GB/T 9704 §10.3): 抚顺市人民政府常务会议纪要.
        issuer_mark=f"{government.name}{KIND_NAMES[meeting.kind].removeprefix('市政府')}纪要",
        document_number=minutes.number,
        title=f"{meeting.title}纪要",
        body=minutes.body,
        sealed=False,
        issuer_signature=" ",
        dated=issued.astimezone(timezone.get_current_timezone()).date() if issued else None,
        printed_by=general_office().name,
        printed_on=minutes.issued_at.date() if minutes.issued_at else None,
        classification=Document.Classification.SECRET if minutes.secret else Document.Classification.NONE,
    )


def minutes_response(minutes: Minutes, fmt: str) -> HttpResponse:
    doc = minutes_document(minutes)
    name = f"meeting-{minutes.meeting_id}-minutes.{fmt}"
    content, kind = (
        (render_pdf(doc), "application/pdf")
        if fmt == "pdf"
        else (render_docx(doc), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    )
    return HttpResponse(content, content_type=kind, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def minutes_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("docx", "pdf"):
        raise Http404
    actor, meeting = _meeting(request, pk)
    minutes = get_object_or_404(Minutes, meeting=meeting)
    check(actor, "minutes.content", minutes)
    return minutes_response(minutes, fmt)
