"""Issue 9's readings walked through the pages as the real roles: an in-city absence of the mayor and
a late departure on the organisation page (Art 6 ¶2, Art 54 ¶2); a head authorising a member of staff
to countersign (Art 50 ¶1); a later countersign limit with its reason (Art 50 ¶2); the rule statuses
on the rules page."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cityhall.documents.models import Countersign, Document
from cityhall.documents.services import (
    countersign_request,
    document_create_incoming,
    document_register,
    document_submit,
)
from cityhall.org.models import Absence, Person, Unit
from cityhall.rulebase.presenters import TRACE_FILE

from .office import actions, as_user, done, module_server, office, orm

pytestmark = pytest.mark.e2e
__all__ = ["as_user", "module_server", "office", "orm"]  # fixtures

LOCAL = "%Y-%m-%dT%H:%M"


def _person(code: str) -> Person:
    return Person.objects.get(holdings__position__code=code)


def _registered(title: str) -> Document:
    doc = document_create_incoming(
        actor=_person("head-xinbin"),
        issuer_unit=Unit.objects.get(code="xinbin"),
        kind="请示",
        title=title,
        body="为做好相关工作，特申请市级补助资金。妥否，请批示。",
        addressees=["抚顺市人民政府"],
        signed_by_title="县长",
        matter_unit=Unit.objects.get(code="transport"),
    )
    doc = document_submit(actor=_person("head-xinbin"), document=doc)
    return document_register(actor=_person("office-clerk-1"), document=doc, proposed_handling="拟请相关部门会签。")


@pytest.mark.rule("acting.mayor-away", "leave.notice")
def test_the_clerk_records_the_mayors_sick_leave_in_fushun_and_a_late_departure(as_user, orm):  # Art 6 ¶2, 54 ¶2
    clerk = as_user("clerk")
    now = timezone.localtime()
    clerk.goto("/org/")
    form = clerk.locator("#absence-form")
    form.locator("#ab-position").select_option(value="mayor")
    form.locator("#ab-start").fill((now - dt.timedelta(hours=1)).strftime(LOCAL))
    form.locator("#ab-end").fill((now + dt.timedelta(hours=8)).strftime(LOCAL))
    form.locator("#ab-reason").fill("病假")
    form.locator("input[name='away_from_city']").uncheck()
    form.get_by_role("button", name="登记").click()
    expect(clerk.locator("[role='status']", has_text="已登记")).to_be_visible()
    acting = clerk.locator("#acting-today")
    expect(acting).to_contain_text("在抚（病假），不由副市长代行")
    expect(acting).not_to_contain_text("代行市长主持日常工作")

    # A deputy secretary-general leaves Fushun in two hours: recorded, and flagged with its rule.
    form = clerk.locator("#absence-form")
    form.locator("#ab-position").select_option(value="deputy-secretary-general-2")
    form.locator("#ab-start").fill((now + dt.timedelta(hours=2)).strftime(LOCAL))
    form.locator("#ab-end").fill((now + dt.timedelta(days=2)).strftime(LOCAL))
    form.locator("#ab-reason").fill("赴沈阳参加培训")
    form.get_by_role("button", name="登记").click()
    expect(clerk.locator(".alert-warning", has_text="离抚外出应提前3天请假")).to_be_visible()
    deputy = _person("deputy-secretary-general-2")
    row = clerk.locator(f"#absences tr[data-absence-person='{deputy.pk}']")
    expect(row.locator(".flag-late_notice")).to_contain_text("未提前3天")
    expect(row).to_contain_text("第五十四条第二款")

    # The mayor is back: 销假, and the next test starts from a present mayor.
    mayor = _person("mayor")
    clerk.locator(f"#absences tr[data-absence-person='{mayor.pk}']").get_by_role("button", name="销假").click()
    expect(clerk.locator("[role='status']", has_text="已销假")).to_be_visible()
    Absence.objects.filter(person=deputy).update(cancelled=True)


@pytest.mark.rule("countersign.by-head")
def test_a_head_authorises_a_member_of_staff_who_then_countersigns(as_user, orm):  # Art 50 ¶1
    finance = Unit.objects.get(code="finance")
    staff = _person("finance-staff-1")  # the demo's 市财政局综合科科员, login finance2
    title = "关于新宾满族自治县旺清门镇农村公路桥梁维修资金的请示"
    doc = _registered(title)
    countersign_request(actor=_person("office-clerk-1"), document=doc, units=[finance])

    # Without authority the staff member sees why, and no reply form.
    page = as_user("finance2")
    page.goto(f"/documents/{doc.pk}/")
    expect(actions(page)).to_contain_text("您尚未获得授权")
    expect(actions(page).locator(".reply-form")).to_have_count(0)

    head = as_user("finance")
    head.goto("/documents/")
    head.locator("#nav-delegates").click()
    section = head.locator("section[data-unit='finance']")
    expect(section).to_contain_text("尚未授权任何人员")
    section.locator("select[name='person']").select_option(label="祁若水")
    section.get_by_role("button", name="授权").click()
    expect(head.locator("[role='status']", has_text="已授权祁若水")).to_be_visible()
    expect(head.locator("section[data-unit='finance'] .delegates")).to_contain_text("祁若水")

    page.goto("/")
    row = page.locator("#inbox tbody tr", has_text=f"会签：{title}")
    row.get_by_role("link").first.click()
    reply = actions(page).locator(".reply-form").first
    reply.locator("textarea[name='reply']").fill("同意，由市财政局统筹安排。")
    reply.get_by_role("button", name="回复会签").click()
    done(page)
    cs = Countersign.objects.get(document=doc, unit=finance)
    assert cs.state == "agreed" and cs.replied_by == staff
    # The head's copy of the item closed with it.
    head.goto("/")
    expect(head.locator("#inbox tbody tr", has_text=f"会签：{title}")).to_have_count(0)


@pytest.mark.rule("countersign.reply")
def test_the_clerk_gives_a_later_countersign_limit_only_with_a_reason(as_user, orm):  # Art 50 ¶2
    title = "关于新宾满族自治县红升乡农村公路改造工程的请示"
    doc = _registered(title)
    clerk = as_user("clerk")
    clerk.goto(f"/documents/{doc.pk}/")
    later = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    form = actions(clerk).locator("#countersign-form")
    form.locator("#a-units").select_option(label=["抚顺市教育局"])
    form.locator("#a-cs-due").fill(later)
    form.get_by_role("button", name="发起会签").click()
    expect(clerk.locator("[role='alert']", has_text="请写明理由")).to_be_visible()
    form = actions(clerk).locator("#countersign-form")
    expect(form.locator("#a-cs-due")).to_have_value(later)  # nothing typed is lost
    form.locator("#a-units").select_option(label=["抚顺市教育局"])
    form.locator("#a-cs-reason").fill("需汇总各县区学校的意见")
    form.get_by_role("button", name="发起会签").click()
    done(clerk, "会签中")
    expect(clerk.locator("#countersigns tr[data-unit='education']")).to_contain_text(later)


def test_the_rules_page_shows_how_many_rules_are_enforced(as_user):
    counts = json.loads(TRACE_FILE.read_text(encoding="utf-8"))["counts"]
    page = as_user("clerk")
    page.goto("/rules/")
    legend = page.locator(".status-legend")
    expect(legend).to_contain_text(f"已施行 {counts['enforced']} 条")
    expect(legend).to_contain_text(f"仅可计算 {counts['calculator_only']} 条")
    # The filter shows exactly the rules of the status clicked (the smallest non-empty one, so the test holds
    # as rules move from recorded to enforced).
    # Once every rule is enforced, the enforced filter is the one left to click.
    status, label = min(
        ((code, label) for code, label in (("recorded", "仅记录"), ("calculator_only", "仅可计算")) if counts[code]),
        key=lambda pair: counts[pair[0]],
        default=("enforced", "已施行"),
    )
    legend.get_by_role("link", name=re.compile(label)).click()
    expect(page.locator("article.rule")).to_have_count(counts[status])
    expect(page.locator("article.rule .status-tag").first).to_have_text(label)
