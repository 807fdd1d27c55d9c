"""Demo topics for script/server: one at each step of the chain, one returned, one deferred, one decided."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cityhall.org.models import Person, Position, Unit
from cityhall.workflow import audit

from .models import Topic
from .services import TopicForm, topic_decide, topic_submit

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
    # Decided by the mayor: may be scheduled.
    through(
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
    return Topic.objects.count()
