"""Inspection plans and reports (Art 60) and the limits on unplanned inspections (Art 61)."""

from __future__ import annotations

import datetime as dt

import pytest

from cityhall.org.demo import load_demo
from cityhall.org.models import Unit
from cityhall.rulebase.selectors import rule_deadline, working_calendar
from cityhall.supervision.inspections import (
    InspectionError,
    InspectionForm,
    inspection_approve,
    inspection_file,
    inspection_report,
)
from cityhall.workflow.models import Deadline
from tests.meetings.test_topics import person

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def form(**changes) -> InspectionForm:  # type: ignore[no-untyped-def]
    values = {
        "host_unit": Unit.objects.get(code="market-regulation"),
        "title": "全市食品安全专项督查",
        "methods": ["unannounced", "random"],
        "starts_on": dt.date(2026, 12, 21),
        "ends_on": dt.date(2026, 12, 25),
        "grassroots": True,
        "total_days": 4,
        "unannounced_days": 3,
    }
    return InspectionForm(**(values | changes))


@pytest.fixture
def demo() -> None:
    load_demo()


@pytest.mark.rule("inspection.plan-filing", "inspection.report")
def test_60_a_plan_filed_three_working_days_before_is_flagged_and_the_report_clock_runs(demo):
    starts = working_calendar().add_working_days(NOW.date(), 3)
    head = person("head-market-regulation")
    on_time = inspection_file(actor=head, form=form(), at=NOW)
    assert (
        not on_time.filed_late
        and on_time.filing_due == rule_deadline("inspection.plan-filing", dt.date(2026, 12, 21)).due
    )
    late = inspection_file(
        actor=head, form=form(title="全市特种设备安全督查", starts_on=starts, ends_on=starts), at=NOW
    )
    assert late.filed_late and "已逾期" in late.warnings[0] and "第六十条" in late.warnings[0]
    assert late.report_deadline.rule_id == "inspection.report"
    assert late.report_deadline.due_date == rule_deadline("inspection.report", starts).due
    late = inspection_report(actor=head, inspection=late, text="检查企业32家，发现问题9个，已督促整改。")
    assert late.state == "reported" and Deadline.objects.get(pk=late.report_deadline_id).state == "met"


@pytest.mark.rule("inspection.unannounced-share")
def test_60_grassroots_inspections_under_half_unannounced_warn(demo):
    filed = inspection_file(actor=person("head-market-regulation"), form=form(unannounced_days=1), at=NOW)
    assert any("50%以上时间" in w and "25%" in w for w in filed.warnings)


@pytest.mark.rule("inspection.unplanned")
def test_61_a_department_may_not_notify_the_counties_or_inspect_across_departments_and_unplanned_needs_approval(demo):
    head = person("head-market-regulation")
    with pytest.raises(InspectionError, match="不得向各县（区）政府下发督查通知") as exc:
        inspection_file(actor=head, form=form(notice_to_counties=True), at=NOW)
    assert exc.value.citation.endswith("第六十一条第一款")
    with pytest.raises(InspectionError, match="不得以部门名义组织开展跨部门实地督查"):
        inspection_file(actor=head, form=form(cross_department=True), at=NOW)
    unplanned = inspection_file(actor=head, form=form(planned=False, county_wide=True), at=NOW)
    assert unplanned.state == "awaiting_approval" and unplanned.report_deadline is None
    with pytest.raises(InspectionError, match="由市政府办公室批准"):
        inspection_approve(actor=head, inspection=unplanned)
    approved = inspection_approve(actor=person("office-clerk-1"), inspection=unplanned)
    assert approved.state == "filed" and approved.report_deadline is not None
