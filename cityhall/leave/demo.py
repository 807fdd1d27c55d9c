"""Demo leave, reports and emergencies: applications in every state, and vice mayor 3 away today
through an approved application, so that 代 shows (Art 6, Art 7 ¶2, Art 54). Idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cityhall.org.models import Person, Position, Unit
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow import audit

from . import emergencies as em
from . import reports as rp
from . import services as svc
from .models import EmergencyReport, LeaveRequest

MARKER = "【演示】"


def _p(code: str) -> Person:
    return Position.objects.get(code=code).holdings.get(end__isnull=True).person


def _day(now: dt.datetime, days: int, hour: int = 0) -> dt.datetime:
    local = now.astimezone(LOCAL_TZ).replace(hour=hour, minute=0, second=0, microsecond=0)
    return local + dt.timedelta(days=days)


def _form(code: str, start: dt.datetime, end: dt.datetime, reason: str, **changes) -> svc.LeaveForm:  # type: ignore[no-untyped-def]
    values: dict[str, Any] = {
        "position": Position.objects.select_related("unit", "assists").get(code=code),
        "kind": LeaveRequest.Kind.TRIP,
        "purpose": LeaveRequest.Purpose.OFFICIAL,
        "reason": reason,
        "start": start,
        "end": end,
        "destination": "沈阳",
        "itinerary": "乘高铁往返",
    }
    return svc.LeaveForm(**(values | changes))


def _through(
    req: LeaveRequest, at: dt.datetime, *, until: str = LeaveRequest.State.APPROVED, consent: bool = False
) -> LeaveRequest:
    while req.state in LeaveRequest.PENDING and req.state != until:
        seat = svc.next_seat(req)
        assert seat is not None  # noqa: S101 - the demo organisation fills every seat
        action = "approve" if req.state == LeaveRequest.State.DECIDING else "forward"
        req = svc.leave_act(actor=_p(seat.code), request=req, action=action, consent=consent, at=at)
    return req


def vm3_away_today(now: dt.datetime) -> LeaveRequest | None:
    """宁致和 (vice mayor 3) applied 5 days ago to be in Shenyang from today for 3 days; the
    secretary-general compiled it and the mayor approved it, so 苏映雪 (vm4) acts for him."""
    start = _day(now, 0)
    if LeaveRequest.objects.filter(person=_p("vice-mayor-3"), start__lte=now, end__gt=now).exists():
        return None
    applied = now - dt.timedelta(days=5)
    req = svc.leave_submit(
        actor=_p("vice-mayor-3"),
        form=_form("vice-mayor-3", start, start + dt.timedelta(days=3), "赴省参加全省安全生产工作会议"),
        at=applied,
    )
    return _through(req, applied + dt.timedelta(hours=3))


@audit.atomic()
def load_leave(now: dt.datetime | None = None) -> int:
    """Create the demo applications, reports and emergencies once. Returns how many applications."""
    now = now or timezone.now()
    vm3_away_today(now)
    if LeaveRequest.objects.filter(reason__startswith=MARKER).exists():
        return 0
    made = []
    start = _day(now, 0)
    # The deputy secretary-general who assists vm3, for the same days: waiting for the mayor's consent.
    dsg3 = svc.leave_submit(
        actor=_p("deputy-secretary-general-3"),
        form=_form(
            "deputy-secretary-general-3",
            start + dt.timedelta(hours=8),
            start + dt.timedelta(days=3),
            MARKER + "随同赴省对接安全生产专项检查",
        ),
        at=now - dt.timedelta(days=4),
    )
    made.append(_through(dsg3, now - dt.timedelta(days=4), until=LeaveRequest.State.DECIDING))
    # The 新宾 county head, 2 days ahead: flagged, waiting for the secretary-general.
    made.append(
        svc.leave_submit(
            actor=_p("head-xinbin"),
            form=_form(
                "head-xinbin",
                _day(now, 2, 8),
                _day(now, 4, 18),
                MARKER + "赴北京参加全国民族地区乡村振兴培训",
                purpose=LeaveRequest.Purpose.TRAINING,
                destination="北京",
            ),
            at=now - dt.timedelta(hours=1),
        )
    )
    # The development and reform commission's head, on time: waiting for vm1's review.
    made.append(
        svc.leave_submit(
            actor=_p("head-fgw"),
            form=_form(
                "head-fgw",
                _day(now, 6, 8),
                _day(now, 9, 18),
                MARKER + "赴深圳开展招商引资活动",
                purpose=LeaveRequest.Purpose.INVESTMENT,
                destination="深圳",
            ),
            at=now - dt.timedelta(hours=2),
        )
    )
    # The education head's annual leave next month, approved, with cover and a contact number.
    annual = svc.leave_submit(
        actor=_p("head-education"),
        form=_form(
            "head-education",
            _day(now, 20, 8),
            _day(now, 25, 18),
            MARKER + "年休假",
            kind=LeaveRequest.Kind.ANNUAL,
            purpose=LeaveRequest.Purpose.PERSONAL,
            destination="大连",
            cover_arrangement="日常工作由常务副局长负责",
            contact_phone="139-0413-0000",
        ),
        at=now - dt.timedelta(days=1),
    )
    made.append(_through(annual, now - dt.timedelta(hours=20)))
    # vm5 back from a 4-day trip yesterday: the written report is due, and shows in vm5's inbox.
    vm5 = svc.leave_submit(
        actor=_p("vice-mayor-5"),
        form=_form(
            "vice-mayor-5", _day(now, -4, 8), _day(now, -1, 18), MARKER + "赴上海考察城市更新项目", destination="上海"
        ),
        at=now - dt.timedelta(days=9),
    )
    vm5 = _through(vm5, now - dt.timedelta(days=8))
    made.append(
        svc.leave_return(
            actor=_p("vice-mayor-5"), request=vm5, at=now - dt.timedelta(hours=14), returned_at=_day(now, -1, 17)
        )
    )
    # vm6 refused, vm2 withdrawn.
    vm6 = svc.leave_submit(
        actor=_p("vice-mayor-6"),
        form=_form(
            "vice-mayor-6", _day(now, 3, 8), _day(now, 4, 18), MARKER + "赴杭州参加文旅推介会", destination="杭州"
        ),
        at=now - dt.timedelta(days=2),
    )
    vm6 = svc.leave_act(actor=_p("secretary-general"), request=vm6, action="forward", at=now - dt.timedelta(days=2))
    made.append(
        svc.leave_act(
            actor=_p("mayor"),
            request=vm6,
            action="reject",
            note="当周有市政府常务会议，请另行安排",
            at=now - dt.timedelta(days=1),
        )
    )
    vm2 = svc.leave_submit(
        actor=_p("vice-mayor-2"),
        form=_form(
            "vice-mayor-2", _day(now, 10, 8), _day(now, 11, 18), MARKER + "赴大连对接产业项目", destination="大连"
        ),
        at=now - dt.timedelta(days=1),
    )
    made.append(svc.leave_act(actor=_p("vice-mayor-2"), request=vm2, action="withdraw", at=now - dt.timedelta(hours=5)))
    # A report after a national meeting, filed; and one still due.
    filed = rp.meeting_duty_create(
        actor=_p("head-finance"),
        meeting="全国财政工作会议",
        ended_on=_day(now, -6).date(),
        at=now - dt.timedelta(days=5),
    )
    rp.duty_file(
        actor=_p("head-finance"),
        duty=filed,
        text="会议部署了2027年财政工作，建议我市抓紧谋划专项债项目储备。",
        at=now - dt.timedelta(days=3),
    )
    rp.meeting_duty_create(
        actor=_p("head-education"),
        meeting="全国教育工作专题会议",
        ended_on=_day(now, -1).date(),
        at=now - dt.timedelta(hours=6),
    )
    _emergencies(now)
    _approvals(now)
    rp.province_request_track(
        actor=_p("office-clerk-1"),
        title="关于请求支持抚顺市采煤沉陷区综合治理的请示",
        lead_unit=Unit.objects.get(code="natural-resources"),
        partner_units=[Unit.objects.get(code="finance")],
        sent_on=_day(now, -3).date(),
        at=now - dt.timedelta(days=3),
    )
    _problems(now)
    return len(made)


def _problems(now: dt.datetime) -> None:
    """Art 55 ¶1: one major problem answered by the mayor, and one waiting at its vice mayor."""
    from . import escalation as esc

    finance = Unit.objects.get(code="finance")
    answered = esc.problem_report(
        actor=_p("finance-staff-1"),
        unit=finance,
        title="部分县区专项债券资金拨付滞后",
        body="清原、新宾两县专项债券资金到位后拨付滞后，影响项目开工，需市政府协调。",
        proposal="建议由市财政局牵头召开调度会。",
        at=now - dt.timedelta(days=2, hours=3),
    )
    for code, hours in (("head-finance", 2), ("vice-mayor-1", 1)):
        answered = esc.problem_act(
            actor=_p(code),
            report=answered,
            action="forward",
            note="情况属实，请示",
            at=now - dt.timedelta(days=2, hours=hours),
        )
    esc.problem_act(
        actor=_p("mayor"),
        report=answered,
        action="instruct",
        note="请市财政局会同两县一周内拿出拨付方案。",
        at=now - dt.timedelta(days=1, hours=20),
    )
    esc.problem_report(
        actor=_p("head-water"),
        unit=Unit.objects.get(code="water"),
        title="大伙房水库输水工程沿线部分管段老化",
        body="沿线部分管段老化，汛前需加固，资金缺口较大。",
        at=now - dt.timedelta(hours=5),
    )


def _approvals(now: dt.datetime) -> None:
    """One of each of the leaders' approvals (Ch. 12–13), in their different states."""
    from . import approvals as ap

    at = now - dt.timedelta(hours=3)
    ap.undecided_add(actor=_p("office-clerk-1"), term="沈抚同城化新区规划", note="待市政府常务会议研究", at=at)
    speech = ap.approval_request(
        actor=_p("vice-mayor-1"),
        form=ap.ApprovalForm(
            kind="speech",
            title="在全市经济工作会议上的讲话（送审稿）",
            body="明年要加快推进沈抚同城化新区规划……",
            on_behalf=True,
        ),
        at=at,
    )
    del speech  # waits in the mayor's inbox, flagged
    release = ap.approval_request(
        actor=_p("finance-staff-1"),
        form=ap.ApprovalForm(
            kind="release",
            title="2026年1—11月全市一般公共预算收支情况",
            body="1—11月，全市一般公共预算收入……",
            major=True,
        ),
        at=at,
    )
    del release  # waits for the finance head's review
    ap.approval_request(
        actor=_p("head-commerce"),
        form=ap.ApprovalForm(
            kind="reception_plan",
            title="接待浙江省经贸考察团",
            body="12月中旬，2天，考察装备制造园区",
            guests=12,
            budget=1800,
        ),
        at=at,
    )
    letter = ap.approval_request(
        actor=_p("head-culture-tourism"),
        form=ap.ApprovalForm(
            kind="congratulatory_letter",
            title="为中国满族文化节开幕发贺信",
            special_need="国家级节会，文化和旅游部主办",
            leader=Position.objects.get(code="vice-mayor-6"),
        ),
        at=at,
    )
    ap.approval_decide(actor=_p("vice-mayor-6"), item=letter, approve=True, at=at + dt.timedelta(hours=1))


def _emergencies(now: dt.datetime) -> None:
    if EmergencyReport.objects.exists():
        return
    qingyuan, water = Unit.objects.get(code="qingyuan"), Unit.objects.get(code="water")
    began = now - dt.timedelta(hours=3)
    flood = em.emergency_report(
        actor=_p("head-qingyuan"),
        form=em.EmergencyForm(
            category="disaster",
            title="清原县南口前镇山洪",
            place="清原满族自治县南口前镇",
            occurred_at=began,
            reporting_unit=qingyuan,
            competent_unit=water,
            summary="强降雨引发山洪，冲毁乡道两处，已转移群众120人，暂无人员伤亡。",
            plan_activated="清原县防汛应急预案（Ⅲ级响应）",
            on_scene="县长、分管副县长",
            on_scene_at=began + dt.timedelta(minutes=25),
            direct_to=Position.objects.get(code="vice-mayor-5"),
            reason="情况紧急",
        ),
        at=began + dt.timedelta(minutes=32),
    )
    step = flood.steps.get()
    em.emergency_acknowledge(
        actor=_p("vice-mayor-5"), step=step, note="全力做好群众转移安置", at=began + dt.timedelta(minutes=38)
    )
    # A fire at a plant reported by the emergency bureau a few minutes ago: not yet acknowledged by vm3's seat
    # (vm3 is away, so vm4 acting for him sees it).
    emergency = Unit.objects.get(code="emergency")
    em.emergency_report(
        actor=_p("head-emergency"),
        form=em.EmergencyForm(
            category="safety",
            title="望花区某化工企业储罐起火",
            place="望花区工业园区",
            occurred_at=now - dt.timedelta(minutes=9),
            reporting_unit=emergency,
            competent_unit=emergency,
            summary="储罐区起火，已疏散周边人员，消防救援力量已到场。",
            plan_activated="抚顺市危险化学品事故应急预案",
            on_scene="市应急管理局局长",
            on_scene_at=now - dt.timedelta(minutes=3),
        ),
        at=now - dt.timedelta(minutes=6),
    )
