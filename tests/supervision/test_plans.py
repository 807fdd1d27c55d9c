"""Annual plans (Art 59), county plans and their spot checks (Art 60), sector inspections (Art 61 ¶2)."""

from __future__ import annotations

import hashlib

import pytest

from cityhall.documents.services import general_office
from cityhall.org.demo import load_demo
from cityhall.org.models import Unit
from cityhall.rules import InvalidInput
from cityhall.supervision.inspections import InspectionError, inspection_file, inspection_review
from cityhall.supervision.plans import (
    EntryForm,
    PlanError,
    draw,
    entry_add,
    finding_record,
    plan_file,
    spot_check_draw,
)
from cityhall.workflow.models import InboxItem
from tests.meetings.test_topics import person
from tests.supervision.test_inspections import NOW, form

pytestmark = pytest.mark.django_db
CLERK = "office-clerk-1"
COUNTIES = ["xinfu", "dongzhou", "wanghua", "shuncheng", "fushun-county", "xinbin", "qingyuan"]


@pytest.fixture
def demo() -> None:
    load_demo()


def entry(unit: str = "market-regulation", **changes) -> EntryForm:  # type: ignore[no-untyped-def]
    values = {
        "host_unit": Unit.objects.get(code=unit),
        "title": "全市食品安全专项督查",
        "month": 12,
        "methods": ["unannounced", "random"],
        "grassroots": True,
    }
    return EntryForm(**(values | changes))


def county_plans(year: int = 2026) -> None:
    for code in COUNTIES:
        unit = Unit.objects.get(code=code)
        plan_file(actor=person(f"head-{code}"), unit=unit, year=year, at=NOW)


@pytest.mark.rule("inspection.annual-plan")
def test_59_the_office_makes_the_city_plan_and_a_planned_activity_names_its_entry(demo):
    with pytest.raises(PlanError, match="由市政府办公室制定") as refused:
        plan_file(actor=person("head-market-regulation"), unit=general_office(), year=2026, at=NOW)
    assert refused.value.citation.endswith("第五十九条")
    plan = plan_file(actor=person(CLERK), unit=general_office(), year=2026, at=NOW)
    with pytest.raises(PlanError, match="已经建立"):
        plan_file(actor=person(CLERK), unit=general_office(), year=2026, at=NOW)
    with pytest.raises(InvalidInput):
        entry_add(actor=person(CLERK), plan=plan, entry=entry(methods=[]), at=NOW)
    with pytest.raises(InvalidInput, match="县（区）的活动列入本县（区）的计划"):
        entry_add(actor=person(CLERK), plan=plan, entry=entry("xinbin"), at=NOW)
    row = entry_add(actor=person(CLERK), plan=plan, entry=entry(), at=NOW)
    head = person("head-market-regulation")
    # With the year's plan in place, "planned" means on the plan.
    with pytest.raises(InspectionError, match="没有选定对应事项") as refused:
        inspection_file(actor=head, form=form(), at=NOW)
    assert refused.value.citation.endswith("第五十九条")
    filed = inspection_file(actor=head, form=form(plan_entry=row), at=NOW)
    assert filed.state == "filed" and filed.plan_entry == row
    other = entry_add(actor=person(CLERK), plan=plan, entry=entry("housing", title="供热督查"), at=NOW)
    with pytest.raises(InvalidInput, match="组织，不是"):
        inspection_file(actor=head, form=form(plan_entry=other), at=NOW)
    # Not on the plan: the unplanned route, which needs the office's approval (Art 61).
    assert inspection_file(actor=head, form=form(planned=False), at=NOW).state == "awaiting_approval"


@pytest.mark.rule("inspection.county-plans")
def test_60_county_plans_are_filed_by_the_county_itself(demo):
    xinbin = Unit.objects.get(code="xinbin")
    with pytest.raises(PlanError, match="由新宾满族自治县人民政府报送"):
        plan_file(actor=person("head-qingyuan"), unit=xinbin, year=2026, at=NOW)
    with pytest.raises(PlanError):
        plan_file(actor=person("head-housing"), unit=Unit.objects.get(code="housing"), year=2026, at=NOW)
    plan = plan_file(actor=person("xinbin-office"), unit=xinbin, year=2026, at=NOW)
    assert plan.title == "新宾满族自治县人民政府2026年度督查检查考核计划"
    with pytest.raises(InvalidInput, match="只列新宾满族自治县人民政府组织的活动"):
        entry_add(actor=person("head-xinbin"), plan=plan, entry=entry("qingyuan"), at=NOW)
    entry_add(actor=person("head-xinbin"), plan=plan, entry=entry("xinbin", title="乡镇安全生产检查"), at=NOW)
    assert plan.entries.count() == 1


@pytest.mark.rule("inspection.county-plans")
def test_60_the_spot_check_draw_is_reproducible_from_its_seed_and_findings_go_on_the_ledger(demo):
    county_plans()
    with pytest.raises(PlanError, match="由市政府办公室组织"):
        spot_check_draw(actor=person("head-xinbin"), year=2026, size=2, seed="x", at=NOW)
    with pytest.raises(InvalidInput, match="1 至 7"):
        spot_check_draw(actor=person(CLERK), year=2026, size=8, seed="x", at=NOW)
    with pytest.raises(PlanError, match="尚无县（区）计划备案"):
        spot_check_draw(actor=person(CLERK), year=2025, size=1, seed="x", at=NOW)
    check = spot_check_draw(actor=person(CLERK), year=2026, size=3, seed="20261207-抚顺", at=NOW)
    assert len(check.drawn) == 3 and len(check.population) == 7
    # Repeat it by hand from the published seed and unit codes, with nothing of ours but hashlib.
    by_hand = sorted(COUNTIES, key=lambda c: hashlib.sha256(f"20261207-抚顺:{c}".encode()).hexdigest())[:3]
    codes = {p["plan"]: p["unit_code"] for p in check.population}
    assert [codes[pk] for pk in check.drawn] == by_hand
    assert draw("20261207-抚顺", list(reversed(check.population)), 3) == check.drawn  # order of listing is irrelevant
    assert spot_check_draw(actor=person(CLERK), year=2026, size=3, seed="20261207-抚顺", at=NOW).drawn == check.drawn
    assert spot_check_draw(actor=person(CLERK), year=2026, size=1, at=NOW).seed  # a fresh seed when none given

    from cityhall.supervision.models import InspectionPlan

    drawn = InspectionPlan.objects.get(pk=check.drawn[0])
    undrawn = InspectionPlan.objects.filter(year=2026, unit__kind="county").exclude(pk__in=check.drawn).first()
    with pytest.raises(PlanError, match="未被本次抽中"):
        finding_record(actor=person(CLERK), check=check, plan=undrawn, text="x", responsible="县长", at=NOW)
    finding = finding_record(
        actor=person(CLERK),
        check=check,
        plan=drawn,
        text="计划内“四不两直”检查未按期开展",
        responsible="县政府办公室主任",
        at=NOW,
    )
    item = finding.item
    assert item.source == "inspection" and item.lead_unit == drawn.unit and item.state == "open"
    assert "四不两直" in item.task and item.deadline.rule_id == "supervision.ordinary"
    assert InboxItem.objects.filter(subject_id=str(item.pk), key="supervision:lead", unit=drawn.unit).exists()


@pytest.mark.rule("inspection.sector-filing")
def test_61_2_a_sector_inspection_is_filed_for_the_offices_review_before_its_plan_stands(demo):
    head = person("head-market-regulation")
    with pytest.raises(InvalidInput):
        inspection_file(actor=head, form=form(sector_basis="nonsense"), at=NOW)
    filed = inspection_file(actor=head, form=form(sector_basis="above", title="省市场监管局部署的电梯安全检查"), at=NOW)
    assert filed.state == "awaiting_review" and filed.report_deadline is None
    assert InboxItem.objects.filter(subject_id=str(filed.pk), key="inspection:review", state="open").exists()
    with pytest.raises(InspectionError, match="由市政府办公室备案审查") as refused:
        inspection_review(actor=head, inspection=filed, accept=True)
    assert refused.value.citation.endswith("第六十一条第二款")
    with pytest.raises(InvalidInput, match="写明审查意见"):
        inspection_review(actor=person(CLERK), inspection=filed, accept=False)
    returned = inspection_review(actor=person(CLERK), inspection=filed, accept=False, note="与年度计划重复，请合并开展")
    assert returned.state == "returned" and returned.review_note.startswith("与年度计划重复")
    assert InboxItem.objects.filter(subject_id=str(filed.pk), key="inspection:returned", unit=filed.host_unit).exists()
    again = inspection_file(actor=head, form=form(sector_basis="law", title="特种设备安全监督检查"), at=NOW)
    accepted = inspection_review(actor=person(CLERK), inspection=again, accept=True)
    assert accepted.state == "filed" and accepted.report_deadline is not None
    with pytest.raises(InspectionError, match="不在待审查状态"):
        inspection_review(actor=person(CLERK), inspection=accepted, accept=True)


def test_the_plan_and_spot_check_pages_work_for_the_office_and_a_county_and_refuse_others(demo, client):
    from cityhall.org.demo import DEMO_PASSWORD
    from cityhall.supervision.demo import load_plans
    from cityhall.supervision.models import InspectionPlan, SpotCheck

    load_plans()
    client.login(username="clerk", password=DEMO_PASSWORD)
    page = client.get("/supervision/plans/").content.decode()
    assert "市级层面督查检查考核计划" in page and "4/7" in page
    spot = SpotCheck.objects.get()
    page = client.get(f"/supervision/spot-checks/{spot.pk}/").content.decode()
    assert spot.seed in page and "抽中（第1）" in page and "sha256sum" in page
    city = InspectionPlan.objects.get(unit__kind="general_office")
    assert "全市食品安全专项督查" in client.get(f"/supervision/plans/{city.pk}/").content.decode()
    response = client.post(f"/supervision/plans/{city.pk}/entries/", {"host_unit": "", "title": "漏填单位"})
    assert response.status_code == 422 and "漏填单位" in response.content.decode()
    client.logout()
    client.login(username="qingyuan", password=DEMO_PASSWORD)
    xinbin = InspectionPlan.objects.get(unit__code="xinbin")
    refused = client.get(f"/supervision/plans/{xinbin.pk}/")
    assert refused.status_code == 403 and "无权查看" in refused.content.decode()
    assert client.get(f"/supervision/spot-checks/{spot.pk}/").status_code == 403
