"""Demo ledger items for script/server: every state, across several units, so the dashboard has shape."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from cityhall.org.models import Person, Position, Unit
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow import audit
from cityhall.workflow.models import Deadline

from .models import InspectionPlan, Item
from .services import ItemForm, completion_report, escalate_many, item_create, progress_report, review

MARKER = "督促各县区完成冬季清洁取暖改造入户核查"


def _p(code: str) -> Person:
    return Position.objects.get(code=code).holdings.get(end__isnull=True).person


def _head(unit: str) -> Person:
    return _p(f"head-{unit}")


@audit.atomic()
def load_items(now: dt.datetime | None = None) -> int:
    """Create the demo items once. Returns how many the ledger then holds."""
    now = now or timezone.now()
    if Item.objects.filter(task=MARKER).exists():
        return 0
    clerk = _p("office-clerk-1")
    today = now.astimezone(LOCAL_TZ).date()
    day = dt.timedelta(days=1)

    def new(unit: str, task: str, category: str, deployed: dt.date, partners: tuple[str, ...] = ()) -> Item:
        return item_create(
            actor=clerk,
            form=ItemForm(
                source="direct",
                task=task,
                lead_unit=Unit.objects.get(code=unit),
                responsible=f"{Unit.objects.get(code=unit).short_name or unit}主要负责人",
                category=category,
                deployed_on=deployed,
                partner_units=[Unit.objects.get(code=c) for c in partners],
            ),
            # Entered on the day it was deployed, so the item's history reads in order.
            at=min(now, dt.datetime.combine(deployed, dt.time(9, 0), tzinfo=LOCAL_TZ)),
        )

    def proof(name: str) -> ContentFile:
        return ContentFile(b"%PDF-1.4 demo evidence", name=name)

    # Overdue and escalated to the supervising vice mayor (what the worker does when it falls due).
    late = new("housing", MARKER, "ordinary", today - 12 * day, ("finance",))
    progress_report(
        actor=_head("housing"), item=late, text="已完成4个县区的入户核查，新宾、清原正在进行。", at=now - 5 * day
    )
    assert late.deadline_id is not None  # noqa: S101 - item_create sets it
    deadline = Deadline.objects.select_for_update().get(pk=late.deadline_id)
    escalate_many([deadline], deadline.due_at)
    Deadline.objects.filter(pk=deadline.pk).update(state=Deadline.State.MISSED, closed_at=deadline.due_at)
    # Reported done, waiting for the office's check.
    reported = new("fgw", "推进重点项目审批服务“一网通办”", "complex", today - 10 * day)
    completion_report(
        actor=_head("fgw"),
        item=reported,
        text="已上线运行，覆盖全部28项审批事项。",
        files=[proof("上线运行报告.pdf")],
        at=now - day,
    )
    # Closed on time, with evidence.
    closed = new("finance", "拨付2026年冬季供暖补贴资金", "ordinary", today - 6 * day)
    completion_report(
        actor=_head("finance"),
        item=closed,
        text="补贴资金已全部拨付到位。",
        files=[proof("拨付凭证.pdf")],
        at=now - 2 * day,
    )
    review(actor=clerk, item=closed, close=True, at=now - day)
    # Sent back at the check: the evidence did not prove it.
    returned = new("xinbin", "整改永陵镇历史文化街区消防隐患", "ordinary", today - 3 * day, ("emergency",))
    completion_report(
        actor=_head("xinbin"), item=returned, text="已整改。", files=[proof("整改照片.pdf")], at=now - day
    )
    review(actor=clerk, item=returned, close=False, reason="证明材料不足：缺少消防部门验收意见", at=now)
    # Set at the start of the year: to be cleared by 31 December.
    jan = today.replace(month=1, day=6)
    new("fgw", "完成2026年政府工作报告确定的重点项目投资目标", "annual", jan)
    new("education", "完成2026年新建改扩建幼儿园项目", "annual", jan)
    new("qingyuan", "完成2026年农村人居环境整治年度任务", "annual", jan)
    # Just deployed, on time.
    new("emergency", "开展全市冬季安全生产大检查", "ordinary", today)
    return Item.objects.count()


PLAN_ENTRIES = (
    ("market-regulation", "全市食品安全专项督查", 12, ["unannounced", "random"], True),
    ("market-regulation", "特种设备安全监督检查", 10, ["random"], True),
    ("emergency", "全市冬季安全生产大检查", 12, ["unannounced", "clue"], True),
    ("housing", "城镇老旧小区改造进展督查", 9, ["clue", "other"], False),
    ("ecology", "重点行业大气污染防治督查", 6, ["unannounced", "random"], True),
    ("education", "中小学校园安全检查", 3, ["random", "other"], True),
)
# Four of the seven counties have filed, so the page shows who has not.
FILED_COUNTIES = ("xinbin", "qingyuan", "shuncheng", "dongzhou")


@audit.atomic()
def load_plans(now: dt.datetime | None = None) -> int:
    """The year's city plan, four county plans and one spot check with a finding on the ledger."""
    from .plans import EntryForm, city_plan, entry_add, finding_record, plan_file, spot_check_draw

    now = now or timezone.now()
    year = now.astimezone(LOCAL_TZ).year
    if city_plan(year) is not None:
        return 0
    clerk = _p("office-clerk-1")
    january = min(now, dt.datetime(year, 1, 10, 9, tzinfo=LOCAL_TZ))
    plan = plan_file(actor=clerk, unit=Unit.objects.get(kind=Unit.Kind.GENERAL_OFFICE), year=year, at=january)
    for unit, title, month, methods, grassroots in PLAN_ENTRIES:
        entry_add(
            actor=clerk,
            plan=plan,
            entry=EntryForm(Unit.objects.get(code=unit), title, month, methods, grassroots),
            at=january,
        )
    for code in FILED_COUNTIES:
        county = Unit.objects.get(code=code)
        own = plan_file(actor=_head(code), unit=county, year=year, at=january)
        entry_add(
            actor=_head(code),
            plan=own,
            entry=EntryForm(county, f"{county.short_name}乡镇安全生产检查", 5, ["unannounced", "random"], True),
            at=january,
        )
    check = spot_check_draw(actor=clerk, year=year, size=2, seed=f"{year}1120-抚顺督查", at=now - dt.timedelta(days=17))
    drawn = InspectionPlan.objects.get(pk=check.drawn[0])
    finding_record(
        actor=clerk,
        check=check,
        plan=drawn,
        text="计划中的乡镇安全生产检查未按“四不两直”方式开展，检查记录不全",
        responsible=f"{drawn.unit.short_name}政府办公室主任",
        at=now - dt.timedelta(days=2),
    )
    return plan.entries.count()
