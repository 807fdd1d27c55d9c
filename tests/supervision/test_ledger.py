"""The supervision ledger (Art 58 ¶3, Art 59, Art 62, Art 8(3)): items from meeting decisions on the 710
clocks, closing only with evidence after the office's check, and escalation when overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cityhall.meetings.minutes import minutes_issue, minutes_sign
from cityhall.org.demo import load_demo
from cityhall.org.models import Position, Unit
from cityhall.rulebase.selectors import rule_deadline
from cityhall.rules import InvalidInput
from cityhall.supervision.models import Item
from cityhall.supervision.services import (
    ItemForm,
    SupervisionError,
    completion_report,
    item_create,
    progress_report,
    review,
)
from cityhall.workflow.models import Deadline, InboxItem
from cityhall.workflow.worker import run_once
from tests.meetings.test_minutes import circulated_meeting
from tests.meetings.test_topics import person

pytestmark = pytest.mark.django_db
CLERK = "office-clerk-1"


def evidence(name: str = "验收报告.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 evidence", content_type="application/pdf")


def direct(category: str = "ordinary", deployed: dt.date = dt.date(2026, 12, 7), **extra) -> Item:  # type: ignore[no-untyped-def]
    return item_create(
        actor=person(CLERK),
        form=ItemForm(
            source="direct",
            task="督促完成全市供热管网冬季检修",
            lead_unit=Unit.objects.get(code="housing"),
            responsible="住建局分管副局长",
            category=category,
            deployed_on=deployed,
            **extra,
        ),
    )


@pytest.fixture
def demo() -> None:
    load_demo()


@pytest.mark.rule("supervision.ordinary", "supervision.complex", "supervision.annual")
def test_62_2_the_710_clocks_count_the_day_of_deployment_as_day_1(demo):
    ordinary = direct("ordinary", dt.date(2026, 12, 7))
    assert ordinary.due_date == rule_deadline("supervision.ordinary", dt.date(2026, 12, 7)).due
    assert ordinary.due_date == dt.date(2026, 12, 14)  # day 7 is Sunday 13th: moves to Monday
    assert direct("complex", dt.date(2026, 3, 5)).due_date == dt.date(2026, 4, 7)  # 4 April is Qingming: moved
    assert direct("annual", dt.date(2026, 2, 1)).due_date == dt.date(2026, 12, 31)
    assert ordinary.deadline.rule_id == "supervision.ordinary" and ordinary.deadline.kind == "supervision.item"
    [notice] = InboxItem.objects.filter(subject_id=str(ordinary.pk), key="supervision:lead")
    assert notice.unit.code == "housing" and notice.deadline_id == ordinary.deadline_id
    with pytest.raises(InvalidInput, match="明确相关负责人"):
        item_create(
            actor=person(CLERK),
            form=ItemForm("direct", "任务", Unit.objects.get(code="housing"), " ", "ordinary", dt.date(2026, 12, 7)),
        )


@pytest.mark.rule("supervision.reporting", "minutes.issue")
def test_58_3_issuing_the_minutes_puts_each_decision_on_the_ledger(demo):
    minutes = circulated_meeting()
    minutes = minutes_sign(actor=person("mayor"), minutes=minutes)
    minutes_issue(actor=person(CLERK), minutes=minutes)
    decision = minutes.meeting.decisions.get()
    item = Item.objects.get(meeting_decision=decision)
    assert (item.source, item.lead_unit.code, item.responsible) == ("meeting", "fgw", "发改委主任")
    assert set(item.partner_units.values_list("code", flat=True)) == {"finance"}
    # The meeting set 2027-03-31: later than the month, kept with its reason in the trace.
    assert item.category == "complex" and item.due_date == dt.date(2027, 3, 31)
    assert any(s.get("step") == "override" and "决定的完成时限" in s["text"] for s in item.deadline.trace)


@pytest.mark.rule("supervision.ledger", "supervision.review", "supervision.reporting")
def test_62_1_an_item_closes_only_with_evidence_after_the_offices_check(demo):
    item = direct()
    head = person("head-housing")
    progress_report(actor=head, item=item, text="已完成80%管网检修")
    with pytest.raises(SupervisionError, match="须附证明材料") as exc:
        completion_report(actor=head, item=item, text="已全部完成", files=[])
    assert exc.value.citation.endswith("第六十二条第一款")
    with pytest.raises(SupervisionError, match="牵头单位"):
        completion_report(actor=person("head-fgw"), item=item, text="已完成", files=[evidence()])
    completion_report(actor=head, item=item, text="已全部完成", files=[evidence()])
    item.refresh_from_db()
    assert item.state == "reported"
    assert (
        InboxItem.objects.get(subject_id=str(item.pk), key="supervision:review", state="open").unit.kind
        == "general_office"
    )
    with pytest.raises(SupervisionError, match="市政府办公室"):
        review(actor=head, item=item, close=True)
    with pytest.raises(InvalidInput, match="退回须写明理由"):
        review(actor=person(CLERK), item=item, close=False)
    item = review(actor=person(CLERK), item=item, close=False, reason="证明材料不足：缺少验收单")
    assert item.state == "open"
    completion_report(actor=head, item=item, text="补充验收单", files=[evidence("验收单.pdf")])
    item = review(actor=person(CLERK), item=item, close=True)
    assert item.state == "closed" and not item.closed_late
    assert Deadline.objects.get(pk=item.deadline_id).state == "met"
    assert [e.kind for e in item.events.all()] == [
        "created",
        "progress",
        "completion",
        "returned",
        "completion",
        "closed",
    ]


@pytest.mark.rule("supervision.escalation")
def test_8_3_an_overdue_item_goes_to_the_supervising_vice_mayor_and_the_offices_overdue_list(demo):
    item = direct()
    run_once(now=item.deadline.due_at + dt.timedelta(minutes=1))
    item.refresh_from_db()
    assert item.escalated_at is not None
    assert Deadline.objects.get(pk=item.deadline_id).state == Deadline.State.MISSED
    leader = InboxItem.objects.get(subject_id=str(item.pk), key="supervision:escalated")
    housing_leader = Position.objects.get(pk=leader.assignee_position_id)
    assert housing_leader.kind == "vice_mayor"
    assert InboxItem.objects.get(subject_id=str(item.pk), key="supervision:overdue").unit.kind == "general_office"
    assert item.events.filter(kind="escalated").count() == 1
    run_once(now=item.deadline.due_at + dt.timedelta(days=1))  # fires once only
    assert InboxItem.objects.filter(subject_id=str(item.pk), key="supervision:escalated").count() == 1
    completion_report(actor=person("head-housing"), item=item, text="已完成", files=[evidence()])
    item = review(actor=person(CLERK), item=item, close=True)
    assert item.closed_late is True
    assert not InboxItem.objects.filter(
        subject_id=str(item.pk), key__in=["supervision:escalated", "supervision:overdue"], state="open"
    ).exists()


@pytest.mark.rule("supervision.escalation")
def test_8_3_the_supervising_vice_mayor_may_pass_an_overdue_item_on_to_the_executive_vice_mayor_or_the_mayor(demo):
    from cityhall.org.selectors import executive_vice_mayor_at
    from cityhall.supervision.services import escalate_further, escalation_targets

    item = direct()
    run_once(now=item.deadline.due_at + dt.timedelta(minutes=1))
    item.refresh_from_db()
    leader_position = Position.objects.get(
        pk=InboxItem.objects.get(subject_id=str(item.pk), key="supervision:escalated").assignee_position_id
    )
    leader = person(leader_position.code)
    with pytest.raises(SupervisionError) as refused:  # the first step is the supervising vice mayor's, nobody else's
        escalate_further(actor=person(CLERK), item=item, to="mayor", reason="协调不成")
    assert "第八条" in refused.value.citation
    with pytest.raises(InvalidInput):
        escalate_further(actor=leader, item=item, to="mayor", reason=" ")
    later = item.deadline.due_at + dt.timedelta(hours=2)
    executive = executive_vice_mayor_at(later)
    assert executive is not None and executive != leader_position
    assert set(escalation_targets(item, leader, later)) == {"executive", "mayor"}
    item = escalate_further(actor=leader, item=item, to="executive", reason="涉及财政资金，需统筹协调", at=later)
    assert item.escalated_to == executive
    assert (
        InboxItem.objects.get(subject_id=str(item.pk), key="supervision:escalated", state="open").assignee_position
        == executive
    )
    assert (
        InboxItem.objects.get(
            subject_id=str(item.pk), key="supervision:escalated", assignee_position=leader_position
        ).state
        == "done"
    )
    assert item.events.filter(kind="escalated").count() == 2
    assert f"报{executive.title}协调：涉及财政资金" in str(item.events.order_by("at", "id").last().text)
    with pytest.raises(SupervisionError):  # one second step, not a chain
        escalate_further(actor=person(executive.code), item=item, to="mayor", reason="再报", at=later)


@pytest.mark.rule("supervision.ordinary")
def test_the_ledger_is_listed_in_the_product_shape_with_overdue_filtering(demo, capsys):
    import json

    from django.core.management import call_command

    item = direct(deployed=dt.date(2026, 1, 5))  # long overdue
    direct(deployed=dt.date(2099, 1, 5))
    capsys.readouterr()
    call_command("supervision", "list", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2 and {"id", "title", "state", "state_label", "due", "overdue"} <= set(rows[0])
    call_command("supervision", "list", "--overdue", "--json")
    [overdue] = json.loads(capsys.readouterr().out)
    assert overdue["id"] == item.pk and overdue["overdue"] is True and overdue["light"] == "red"
    call_command("supervision", "list")
    assert "（逾期）" in capsys.readouterr().out


def test_a_unit_sees_its_own_items_and_is_refused_others_in_chinese(demo, client):
    from cityhall.org.demo import DEMO_PASSWORD

    item = direct()
    client.login(username="education", password=DEMO_PASSWORD)
    assert client.get("/supervision/").status_code == 200
    page = client.get(f"/supervision/{item.pk}/")
    assert page.status_code == 403 and "您无权查看" in page.content.decode()
    client.login(username="housing", password=DEMO_PASSWORD)
    assert "督促完成全市供热管网冬季检修" in client.get(f"/supervision/{item.pk}/").content.decode()
    client.login(username="vm1", password=DEMO_PASSWORD)  # housing is not in vm1's portfolio
    assert client.get(f"/supervision/{item.pk}/").status_code == 403


@pytest.mark.rule("supervision.annual")
def test_the_dashboards_query_count_does_not_grow_with_the_ledger(demo, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cityhall.org.demo import DEMO_PASSWORD

    direct("annual", dt.date(2026, 1, 5))
    client.login(username="clerk", password=DEMO_PASSWORD)
    client.get("/supervision/dashboard/")  # warm the process caches (calendar, rulebook)
    with CaptureQueriesContext(connection) as few:
        page = client.get("/supervision/dashboard/")
    assert page.status_code == 200 and 'id="dash-data"' in page.content.decode()
    data = page.context["data"]
    assert data["total"]["open"] == 1 and data["year_end"]["open"] == 1  # due 12-31: not overdue yet
    assert data["units"][0]["unit"] == "市住房城乡建设局"
    for n in range(20):
        direct("ordinary", dt.date(2026, 12, 1) + dt.timedelta(days=n % 10))
    with CaptureQueriesContext(connection) as many:
        client.get("/supervision/dashboard/")
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.rule("supervision.ordinary")
def test_the_years_ledger_exports_to_excel(demo, tmp_path):
    from django.core.management import call_command
    from openpyxl import load_workbook

    late = direct(deployed=dt.date(2026, 1, 5))
    direct(deployed=dt.date(2025, 6, 1))  # another year: not in the export
    out = tmp_path / "ledger.xlsx"
    call_command("supervision", "export", "--year", "2026", "--xlsx", "--out", str(out))
    book = load_workbook(out)
    rows = list(book["2026年督办台账"].iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "任务", "来源", "牵头单位") and len(rows) == 2
    assert rows[1][0] == late.pk and rows[1][10] == "红灯（逾期）" and "第六十二条第二款" in rows[1][12]
    assert list(book["按牵头单位统计"].iter_rows(values_only=True))[1][:3] == ("抚顺市住房和城乡建设局", 1, 1)


@pytest.mark.rule("supervision.ledger")
def test_62_1_the_supervision_notice_lists_task_responsibility_and_deadline_in_gbt_9704_form(demo, client):
    import io

    from docx import Document as Docx

    from cityhall.org.demo import DEMO_PASSWORD

    item = direct()
    assert item.notice_number == "抚政办督〔2026〕1号" and direct().notice_number == "抚政办督〔2026〕2号"
    client.login(username="housing", password=DEMO_PASSWORD)
    response = client.get(f"/supervision/{item.pk}/notice.docx")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Docx(io.BytesIO(response.content)).paragraphs)
    for expected in (
        "任务清单：督促完成全市供热管网冬季检修",
        "责任清单：牵头单位抚顺市住房和城乡建设局",
        "时限清单：一般事项",
        "2026年12月14日前办结",
        "抚政办督〔2026〕1号",
    ):
        assert expected in text, expected
    assert client.get(f"/supervision/{item.pk}/notice.pdf").content[:4] == b"%PDF"


def test_the_demo_ledger_has_an_item_in_every_state_and_loads_once(demo):
    from cityhall.supervision.demo import load_items

    total = load_items()
    assert total == 8 and load_items() == 0
    states = set(Item.objects.values_list("state", flat=True))
    assert states == {"open", "reported", "closed"}
    assert Item.objects.filter(escalated_at__isnull=False).count() == 1
    assert Item.objects.filter(events__kind="returned").count() == 1
    assert Item.objects.filter(category="annual").count() == 3
    assert Item.objects.values("lead_unit").distinct().count() >= 6


def test_the_ledgers_traffic_light_counts_cover_the_whole_ledger_not_only_the_rows_shown(demo, client, monkeypatch):
    from cityhall.org.demo import DEMO_PASSWORD
    from cityhall.supervision import views

    for _ in range(3):
        direct(deployed=dt.date(2026, 1, 5))  # long overdue: red
    direct(deployed=dt.date(2099, 1, 5))  # far off: green
    monkeypatch.setattr(views, "LEDGER_ROWS", 2)
    client.login(username="clerk", password=DEMO_PASSWORD)
    page = client.get("/supervision/").content.decode()
    assert 'id="count-red">3<' in page and 'id="count-green">1<' in page
    assert "共 4 项" in page and "前 2 项" in page
