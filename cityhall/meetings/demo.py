"""Demo topics for script/server: one at each step of the chain, one returned, one deferred, one decided."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cityhall.org.models import Person, Position, Unit
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow import audit

from .models import Meeting, Topic
from .services import MeetingForm, TopicForm, materials_review, meeting_schedule, topic_decide, topic_submit

MARKER = "关于2027年市级重大项目谋划储备的议题"


def _p(code: str) -> Person:
    return Position.objects.get(code=code).holdings.get(end__isnull=True).person


def _form(host: str, matter: str, basis: str, consulted: list[tuple[str, str]], **extra: object) -> TopicForm:
    unit = Unit.objects.get(code=host)
    return TopicForm(
        meeting_kind=str(extra.get("meeting_kind", "executive")),
        matter=matter,
        host_unit=unit,
        reporting_unit=unit,
        basis=basis,
        legality_review_needed=bool(extra.get("legality_review_needed", False)),
        legality_review_done=bool(extra.get("legality_review_done", False)),
        materials=str(extra.get("materials", "")),
        consultations=[(Unit.objects.get(code=c), o) for c, o in consulted],
    )


@audit.atomic()
def load_topics(now: dt.datetime | None = None) -> int:
    """Create the demo topics once. Returns how many were created."""
    now = now or timezone.now()
    if Topic.objects.filter(matter=MARKER).exists():
        return 0
    day = dt.timedelta(days=1)
    chain = ["office-clerk-1", "secretary-general", "vice-mayor-1", "mayor"]

    def through(topic: Topic, steps: int, start: dt.datetime) -> Topic:
        for i, who in enumerate(chain[:steps]):
            topic = topic_decide(
                actor=_p(who), topic=topic, decision="pass", at=start + (i + 1) * dt.timedelta(hours=3)
            )
        return topic

    # Waiting for the office (its clerks' shared queue).
    topic_submit(
        actor=_p("head-fgw"),
        form=_form(
            "fgw",
            MARKER,
            "依据“十四五”规划，提请审议2027年市级重大项目储备清单。",
            [("finance", "同意，资金按年度预算安排。")],
            materials="项目清单、资金测算表",
        ),
        at=now - day,
    )
    # Waiting for the secretary-general's check.
    through(
        topic_submit(
            actor=_p("head-education"),
            form=_form(
                "education",
                "关于2027年义务教育学校布局调整方案的议题",
                "依据《辽宁省义务教育学校布局调整规划》。",
                [("finance", "同意。"), ("fgw", "同意，纳入年度投资计划。")],
            ),
            at=now - 2 * day,
        ),
        1,
        now - 2 * day,
    )
    # Waiting for the mayor's decision, with a legality review still to finish (Art 26).
    through(
        topic_submit(
            actor=_p("head-finance"),
            form=_form(
                "finance",
                "关于《抚顺市市级财政专项资金管理办法（修订）》的议题",
                "依据《中华人民共和国预算法》及其实施条例。",
                [("fgw", "同意。")],
                legality_review_needed=True,
            ),
            at=now - 3 * day,
        ),
        3,
        now - 3 * day,
    )
    # Returned to the county with the secretary-general's reason.
    returned = through(
        topic_submit(
            actor=_p("head-xinbin"),
            form=_form(
                "xinbin",
                "关于新宾满族自治县永陵镇历史文化街区保护利用的议题",
                "依据《历史文化名城名镇名村保护条例》。",
                [],
            ),
            at=now - 4 * day,
        ),
        1,
        now - 4 * day,
    )
    topic_decide(
        actor=_p("secretary-general"),
        topic=returned,
        decision="return",
        reason="请补充征求市文化旅游广电局、市自然资源局的意见。",
        at=now - 3 * day,
    )
    # Decided by the mayor, its materials reviewed: may be scheduled.
    decided = through(
        topic_submit(
            actor=_p("head-fgw"),
            form=_form(
                "fgw",
                "关于抚顺市2027年老旧小区改造计划的议题",
                "依据国务院办公厅关于全面推进城镇老旧小区改造工作的指导意见。",
                [("finance", "同意。")],
            ),
            at=now - 6 * day,
        ),
        4,
        now - 6 * day,
    )
    materials_review(actor=_p("office-clerk-1"), topic=decided, note="材料齐全，符合要求。", at=now - 5 * day)
    return Topic.objects.count()


# -- demo meetings: one in each state ------------------------------------------------------------

MEETING_MARKER = "市政府第25次常务会议"


def _decided(host: str, matter: str, basis: str, consulted: list[tuple[str, str]], at: dt.datetime) -> Topic:
    topic = topic_submit(actor=_p(f"head-{host}"), form=_form(host, matter, basis, consulted), at=at)
    for i, who in enumerate(["office-clerk-1", "secretary-general", "vice-mayor-1", "mayor"]):
        topic = topic_decide(actor=_p(who), topic=topic, decision="pass", at=at + (i + 1) * dt.timedelta(hours=2))
    return materials_review(actor=_p("office-clerk-1"), topic=topic, at=at + 10 * dt.timedelta(hours=1))


def _held(title: str, topic: Topic, started: dt.datetime, *, chair: str = "mayor", absent: str = "") -> Meeting:
    """A meeting held at ``started``: everyone present but ``absent`` (with a written opinion), one decision
    per agenda topic, everyone's stance recorded, and the meeting ended two hours later."""
    from . import minutes as m

    clerk = _p("office-clerk-1")
    meeting = meeting_schedule(
        actor=clerk,
        form=MeetingForm(
            kind="executive",
            title=title,
            starts_at=started,
            venue="市政府第一会议室",
            video=False,
            chair=Position.objects.get(code=chair),
            topics=[topic],
        ),
        at=started - dt.timedelta(days=3),
    )
    away = m.recorded_absences(meeting)  # a leader on record as away at the time is absent
    rows = []
    for a in meeting.attendance.select_related("position"):
        if a.person_id in away:
            rows.append(m.AttendanceInput(a.pk, False, "参加国家、省和市委重要会议及活动", away[a.person_id]))
        elif a.position and a.position.code == absent:
            rows.append(m.AttendanceInput(a.pk, False, "因公出访或出差", "赴沈阳参加全省招商引资推进会", "同意。"))
        else:
            rows.append(m.AttendanceInput(a.pk, True))
    m.attendance_record(actor=clerk, meeting=meeting, rows=rows, at=started)
    decision = m.decision_add(
        actor=clerk,
        meeting=meeting,
        form=m.DecisionInput(
            text=f"原则同意{topic.matter.removeprefix('关于').removesuffix('的议题')}，由承办单位按程序组织实施",
            lead_unit=topic.host_unit,
            partner_units=[c.unit for c in topic.consultations.all()],
            responsible=f"{topic.host_unit.short_name or topic.host_unit.name}主要负责人",
            due_date=(started + dt.timedelta(days=90)).date(),
            agenda_item=meeting.agenda.first(),
        ),
        at=started + dt.timedelta(hours=1),
    )
    stances = []
    for a in meeting.attendance.select_related("position"):
        if a.present:
            dissent = a.position is not None and a.position.code == "vice-mayor-4"
            stances.append(m.StanceInput(a.pk, "disagree" if dissent else "agree", "建议分年度实施" if dissent else ""))
        elif a.written_opinion:
            stances.append(m.StanceInput(a.pk, "agree", "同意，请抓紧组织实施"))
    m.stances_record(actor=clerk, decision=decision, rows=stances, at=started + dt.timedelta(hours=1))
    return meeting


@audit.atomic()
def load_meetings(now: dt.datetime | None = None) -> int:
    """Demo meetings, once: issued on time, issued on entrustment, awaiting the chair with an amendment in
    countersign, drafting on the clock, overdue, and one scheduled for next week. Returns how many."""
    from . import minutes as m

    now = now or timezone.now()
    if Meeting.objects.filter(title=MEETING_MARKER).exists():
        return 0
    clerk = _p("office-clerk-1")
    day = dt.timedelta(days=1)

    def at_nine(days_ago: int) -> dt.datetime:
        moment = (now - days_ago * day).astimezone(LOCAL_TZ)
        # Meetings are held on weekdays: a Saturday or Sunday moves back to Friday.
        moment -= max(0, moment.weekday() - 4) * day
        return moment.replace(hour=9, minute=0, second=0, microsecond=0)

    def through_issue(meeting: Meeting, ended: dt.datetime, issued: dt.datetime, signer: str) -> None:
        minutes = m.meeting_end(actor=clerk, meeting=meeting, ended_at=ended)
        m.minutes_save(actor=clerk, minutes=minutes, body=m.draft_text(meeting), at=ended)
        m.minutes_circulate(actor=clerk, minutes=minutes, at=ended + dt.timedelta(hours=2))
        m.minutes_sign(actor=_p(signer), minutes=minutes, at=issued - dt.timedelta(hours=2))
        m.minutes_issue(actor=clerk, minutes=minutes, at=issued)

    # Issued on time, three weeks ago.
    topic = _decided(
        "housing",
        "关于抚顺市2027年城镇燃气管道老化更新改造计划的议题",
        "依据城市燃气管道等老化更新改造实施方案。",
        [("finance", "同意，资金从专项债券和市级预算安排。")],
        at_nine(30),
    )
    first = _held(MEETING_MARKER, topic, at_nine(21), absent="vice-mayor-2")
    through_issue(first, at_nine(21) + 3 * dt.timedelta(hours=1), at_nine(20), "mayor")
    # Chaired by the executive vice mayor on the mayor's entrustment, issued two weeks ago.
    topic = _decided(
        "education",
        "关于2027年市区普惠性幼儿园扩容的议题",
        "依据学前教育法和省学前教育发展提升行动计划。",
        [("finance", "同意。")],
        at_nine(20),
    )
    second = _held("市政府第26次常务会议", topic, at_nine(14), chair="vice-mayor-1")
    through_issue(second, at_nine(14) + 3 * dt.timedelta(hours=1), at_nine(13), "vice-mayor-1")
    # Overdue: held eight days ago, the draft never went out.
    topic = _decided(
        "fgw",
        "关于抚顺市2027年以工代赈项目计划的议题",
        "依据国家发展改革委以工代赈管理办法。",
        [("finance", "同意。")],
        at_nine(12),
    )
    overdue = _held("市政府第27次常务会议", topic, at_nine(8))
    m.meeting_end(actor=clerk, meeting=overdue, ended_at=at_nine(8) + 2 * dt.timedelta(hours=1))
    # Held yesterday, the draft circulated, waiting for the mayor; 发改委 asks to amend its stance.
    topic = _decided(
        "fgw",
        "关于抚顺市2027年重点产业链招商计划的议题",
        "依据市委经济工作会议部署。",
        [("finance", "同意，招商奖励资金按政策兑现。")],
        at_nine(6),
    )
    waiting = _held("市政府第28次常务会议", topic, at_nine(1))
    minutes = m.meeting_end(actor=clerk, meeting=waiting, ended_at=at_nine(1) + 2 * dt.timedelta(hours=1))
    m.minutes_save(actor=clerk, minutes=minutes, body=m.draft_text(waiting), at=now)
    m.minutes_circulate(actor=clerk, minutes=minutes, at=at_nine(1) + 5 * dt.timedelta(hours=1))
    stance = waiting.decisions.get().stances.get(attendance__position__code="head-fgw")
    m.amendment_request(
        actor=_p("head-fgw"),
        stance=stance,
        grounds="policy",
        explanation="原表态所依据的招商奖励标准已被省政府新出台的政策调整，按新政策补充意见。",
        new_value="agree",
        new_remarks="同意，奖励标准按省新政策执行",
        at=now,
    )
    # Held this morning: the office is drafting, the clock running.
    topic = _decided(
        "finance",
        "关于2027年市级政府投资项目预算安排的议题",
        "依据预算法和市级政府投资管理办法。",
        [("fgw", "同意。")],
        at_nine(5),
    )
    drafting = _held("市政府第29次常务会议", topic, min(at_nine(0), now - 3 * dt.timedelta(hours=1)))
    m.meeting_end(
        actor=clerk, meeting=drafting, ended_at=min(at_nine(0), now - 3 * dt.timedelta(hours=1)) + dt.timedelta(hours=2)
    )
    # Scheduled for next week, with the decided demo topic on its agenda.
    ready = Topic.objects.filter(state=Topic.State.APPROVED, agenda_item__isnull=True).first()
    if ready is not None:
        meeting_schedule(
            actor=clerk,
            form=MeetingForm(
                kind="executive",
                title="市政府第30次常务会议",
                starts_at=at_nine(-7),
                venue="市政府第一会议室",
                video=True,
                chair=Position.objects.get(code="mayor"),
                topics=[ready],
            ),
            at=now,
        )
    _load_plan_entries(now)
    return Meeting.objects.count()


def _load_plan_entries(now: dt.datetime) -> None:
    """Next month's planned meetings: one waiting for the supervising vice mayor's 核准, one already at the
    office; and a national meeting the city government has consented to, waiting for the reply."""
    from .plans import EntryForm, entry_apply, entry_decide

    first = (now.astimezone(LOCAL_TZ).date().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    start = dt.datetime.combine(first + dt.timedelta(days=14), dt.time(9, 30), tzinfo=LOCAL_TZ)
    fgw, education = Unit.objects.get(code="fgw"), Unit.objects.get(code="education")
    entry_apply(
        actor=_p("head-fgw"),
        form=EntryForm("government", fgw, "全市优化营商环境推进会议", start, 90, "市政府第一会议室", True, True),
        at=now,
    )
    reached, _ = entry_apply(
        actor=_p("head-education"),
        form=EntryForm(
            "government", education, "全市教育工作会议", start + dt.timedelta(days=2), 120, "市政府礼堂", True, True
        ),
        at=now - dt.timedelta(days=1),
    )
    entry_decide(actor=reached.leader.holdings.get(end__isnull=True).person, entry=reached, approve=True, at=now)
    national, _ = entry_apply(
        actor=_p("head-fgw"),
        form=EntryForm(
            "national",
            fgw,
            "全国资源型城市转型发展现场推进会",
            start + dt.timedelta(days=40),
            180,
            "抚顺市",
            organiser="国家发展改革委",
        ),
        at=now - dt.timedelta(days=2),
    )
    entry_decide(actor=national.leader.holdings.get(end__isnull=True).person, entry=national, approve=True, at=now)
