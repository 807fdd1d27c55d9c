"""Annual plans of supervision, inspection and evaluation activities, and the spot checks of county plans.

The office draws up the city-level annual plan (``inspection.annual-plan``, Art 59); an activity filed as
planned names its entry on that plan (``inspection.plan-filing``, Art 60). Each county files its own plan
with the office (备案管理); the office spot-checks their execution by a random draw that anyone can repeat
from its published seed, and each problem found becomes a ledger item for the county to rectify
(``inspection.county-plans``, Art 60).

The draw: each filed county plan in the population gets the key SHA-256("<seed>:<unit code>") in hex;
the plans with the smallest keys are drawn, in ascending key order. It needs nothing but the seed and the
unit codes, so ``printf '%s' 'SEED:xinbin' | sha256sum`` repeats it by hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import IntegrityError
from django.utils import timezone

from cityhall.documents.services import belongs_to, is_office
from cityhall.org.models import Person, Unit
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record

from . import services as ledger
from .models import Inspection, InspectionPlan, Item, PlanEntry, SpotCheck, SpotFinding

ALGORITHM = "SHA-256(种子:单位代码) 十六进制升序，取前 N 个"


class PlanError(RuleViolation):
    pass


def _cite(rule_id: str) -> str:
    return rulebook().rule(rule_id).citation


@dataclass(frozen=True)
class EntryForm:
    host_unit: Unit
    title: str
    month: int
    methods: list[str]
    grassroots: bool = False


def _check_entry(entry: EntryForm) -> None:
    if not entry.title.strip():
        raise InvalidInput("请填写督查检查考核事项", "title")
    if not 1 <= entry.month <= 12:
        raise InvalidInput("计划开展月份应为 1 至 12", "month")
    if not entry.methods or any(m not in dict(Inspection.METHODS) for m in entry.methods):
        raise InvalidInput("请选择方式方法", "methods")


def city_plan(year: int) -> InspectionPlan | None:
    return InspectionPlan.objects.filter(year=year, unit__kind=Unit.Kind.GENERAL_OFFICE).first()


def plan_for(host: Unit, year: int) -> InspectionPlan | None:
    """The plan an activity of ``host`` belongs on: a county's own, or the city's for everyone else."""
    if host.kind == Unit.Kind.COUNTY:
        return InspectionPlan.objects.filter(year=year, unit=host).first()
    return city_plan(year)


def may_edit(person: Person, plan: InspectionPlan, at: dt.datetime) -> bool:
    """The city's plan is the office's to draw up; a county's plan is that county's."""
    return is_office(person, at) if plan.is_city else belongs_to(person, plan.unit, at)


@applies("inspection.annual-plan", "inspection.county-plans")
def plan_file(*, actor: Person, unit: Unit, year: int, at: dt.datetime | None = None) -> InspectionPlan:
    """Start the year's plan: the city's by the office (Art 59), or a county's, filed by that county (Art 60)."""
    at = at or timezone.now()
    if unit.kind == Unit.Kind.GENERAL_OFFICE:
        rule_id, title = "inspection.annual-plan", f"{year}年度市级层面督查检查考核计划"
        if not is_office(actor, at):
            raise PlanError("not_office", _cite(rule_id), "市级层面督查检查考核年度计划由市政府办公室制定")
    elif unit.kind == Unit.Kind.COUNTY:
        rule_id, title = "inspection.county-plans", f"{unit.name}{year}年度督查检查考核计划"
        if not belongs_to(actor, unit, at):
            raise PlanError("not_county", _cite(rule_id), f"{unit.name}的计划由{unit.name}报送")
    else:
        raise PlanError(
            "wrong_unit",
            _cite("inspection.annual-plan"),
            "年度计划由市政府办公室（市级层面）或各县（区）政府制定；部门的活动列入市级层面计划",
        )
    if not 2000 <= year <= 2100:
        raise InvalidInput("年度不对", "year")
    try:
        with audit.atomic():
            plan = InspectionPlan.objects.create(year=year, unit=unit, title=title, filed_by=actor, filed_at=at)
            audit_record(
                actor=actor, action="inspection.plan", subject=plan, after={"title": title}, rule_ids=[rule_id], at=at
            )
    except IntegrityError:
        raise PlanError("exists", _cite(rule_id), f"{title}已经建立，请在其中增加事项") from None
    return plan


@applies("inspection.annual-plan", "inspection.county-plans")
def entry_add(*, actor: Person, plan: InspectionPlan, entry: EntryForm, at: dt.datetime | None = None) -> PlanEntry:
    at = at or timezone.now()
    rule_id = "inspection.annual-plan" if plan.is_city else "inspection.county-plans"
    if not may_edit(actor, plan, at):
        raise PlanError("not_owner", _cite(rule_id), f"{plan.title}由{plan.unit.name}编制")
    _check_entry(entry)
    if plan.is_city and entry.host_unit.kind == Unit.Kind.COUNTY:
        raise InvalidInput("县（区）的活动列入本县（区）的计划，报市政府办公室备案", "host_unit")
    if not plan.is_city and entry.host_unit.pk != plan.unit.pk:
        raise InvalidInput(f"县（区）计划只列{plan.unit.name}组织的活动", "host_unit")
    with audit.atomic():
        row = PlanEntry.objects.create(
            plan=plan,
            host_unit=entry.host_unit,
            title=entry.title.strip(),
            month=entry.month,
            methods=entry.methods,
            grassroots=entry.grassroots,
        )
        audit_record(
            actor=actor,
            action="inspection.plan_entry",
            subject=plan,
            after={"entry": row.title, "host": entry.host_unit.name, "month": entry.month, "methods": entry.methods},
            rule_ids=[rule_id],
            at=at,
        )
    return row


def draw_key(seed: str, unit_code: str) -> str:
    return hashlib.sha256(f"{seed}:{unit_code}".encode()).hexdigest()


def draw(seed: str, population: list[dict[str, object]], size: int) -> list[int]:
    """The plan ids drawn: the ``size`` smallest keys, in key order. Pure, so anyone can repeat it."""
    ranked = sorted(population, key=lambda p: draw_key(seed, str(p["unit_code"])))
    return [int(str(p["plan"])) for p in ranked[:size]]


@applies("inspection.county-plans")
def spot_check_draw(*, actor: Person, year: int, size: int, seed: str = "", at: dt.datetime | None = None) -> SpotCheck:
    """Draw county plans for checking. The seed is the office's (e.g. announced in advance) or a fresh
    random one; either way it is recorded with the population, so the draw can be repeated."""
    at = at or timezone.now()
    if not is_office(actor, at):
        raise PlanError("not_office", _cite("inspection.county-plans"), "抽查由市政府办公室组织")
    seed = seed.strip() or secrets.token_hex(8)
    if len(seed) > 64:
        raise InvalidInput("随机种子不超过 64 个字符", "seed")
    plans = list(
        InspectionPlan.objects.filter(year=year, unit__kind=Unit.Kind.COUNTY)
        .select_related("unit")
        .order_by("unit__code")
    )
    if not plans:
        raise PlanError("no_plans", _cite("inspection.county-plans"), f"{year}年度尚无县（区）计划备案，无从抽查")
    if not 1 <= size <= len(plans):
        raise InvalidInput(f"抽取数量应为 1 至 {len(plans)}（已备案计划数）", "size")
    population: list[dict[str, object]] = [{"plan": p.pk, "unit_code": p.unit.code, "unit": p.unit.name} for p in plans]
    with audit.atomic():
        check = SpotCheck.objects.create(
            year=year,
            seed=seed,
            population=population,
            sample_size=size,
            drawn=draw(seed, population, size),
            algorithm=ALGORITHM,
            drawn_by=actor,
            drawn_at=at,
        )
        audit_record(
            actor=actor,
            action="inspection.spot_check",
            subject=check,
            after={"seed": seed, "population": [p["unit_code"] for p in population], "drawn": check.drawn},
            rule_ids=["inspection.county-plans"],
            at=at,
        )
    return check


@applies("inspection.county-plans", "supervision.ledger")
def finding_record(
    *,
    actor: Person,
    check: SpotCheck,
    plan: InspectionPlan,
    text: str,
    responsible: str,
    category: str = Item.Category.ORDINARY,
    at: dt.datetime | None = None,
) -> SpotFinding:
    """A problem found in a drawn county's plan execution goes on the ledger for that county to rectify."""
    at = at or timezone.now()
    if not is_office(actor, at):
        raise PlanError("not_office", _cite("inspection.county-plans"), "抽查发现问题由市政府办公室记录")
    if plan.pk not in check.drawn:
        raise PlanError("not_drawn", _cite("inspection.county-plans"), f"{plan.unit.name}未被本次抽中")
    if not text.strip():
        raise InvalidInput("请填写发现的问题", "text")
    with audit.atomic():
        item = ledger.item_create(
            actor=actor,
            form=ledger.ItemForm(
                source=Item.Source.INSPECTION,
                task=f"督促整改：{text.strip()}（{check.year}年度县（区）督查检查考核计划执行情况抽查）",
                lead_unit=plan.unit,
                responsible=responsible,
                category=category,
                deployed_on=at.astimezone(LOCAL_TZ).date(),
            ),
            at=at,
        )
        finding = SpotFinding.objects.create(spot_check=check, plan=plan, text=text.strip(), item=item, by=actor, at=at)
    return finding
