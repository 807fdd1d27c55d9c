"""The document flow: submission and intake, routing to the acting leader, a clear opinion,
countersign with deemed consent, and gap-free numbering."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cityhall.documents.models import Countersign, Document, NumberSequence
from cityhall.documents.services import (
    countersign_reply,
    countersign_request,
    document_create_incoming,
    document_instruct,
    document_pass_on,
    document_register,
    document_route,
    document_submit,
    finding_clear,
    format_number,
    number_allocate,
)
from cityhall.org.demo import load_demo
from cityhall.org.models import Person, Position, Unit
from cityhall.org.services import absence_record
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.workflow.models import AuditEvent, Deadline, InboxItem
from cityhall.workflow.worker import run_once

pytestmark = pytest.mark.django_db


def person(code: str) -> Person:
    return Person.objects.get(holdings__position__code=code)


def book_citation(rule_id: str) -> str:
    from cityhall.rulebase.selectors import rulebook

    return rulebook().rule(rule_id).citation


@pytest.fixture
def demo():
    load_demo()


def new_request(**changes) -> Document:
    fields = {
        "actor": person("head-xinbin"),
        "issuer_unit": Unit.objects.get(code="xinbin"),
        "kind": "请示",
        "title": "关于新宾满族自治县2027年农村公路养护资金的请示",
        "body": "为做好我县农村公路养护工作，特申请市级补助资金500万元。妥否，请批示。",
        "addressees": ["抚顺市人民政府"],
        "signed_by_title": "县长",
        "matter_unit": Unit.objects.get(code="transport"),
    }
    return document_create_incoming(**{**fields, **changes})


def registered(doc: Document) -> Document:
    doc = document_submit(actor=person("head-xinbin"), document=doc)
    return document_register(actor=person("office-clerk-1"), document=doc, proposed_handling="拟请贺副市长阅示。")


def test_a_refused_submission_keeps_the_draft_intact(demo):  # 48
    doc = new_request(kind="报告", title="关于农村公路养护情况的报告", body="……以上报告妥否，请批复。")
    before = {f.name: getattr(doc, f.name) for f in Document._meta.fields}
    with pytest.raises(RuleViolation) as err:
        document_submit(actor=person("head-xinbin"), document=doc)
    assert "第四十八条" in err.value.citation and "妥否，请批复" in err.value.message
    doc.refresh_from_db()
    assert {f.name: getattr(doc, f.name) for f in Document._meta.fields} == before
    assert doc.state == "draft"


@pytest.mark.rule("documents.office-processes-first")
def test_a_warning_must_be_cleared_with_a_reason_before_registration(demo):  # 48
    doc = new_request(title="关于农村公路养护资金和县城供热改造的请示")
    doc = document_submit(actor=person("head-xinbin"), document=doc)
    [finding] = doc.findings.all()
    assert finding.code == "one_matter" and finding.severity == "warn"
    with pytest.raises(RuleViolation, match="收文提示未清除"):
        document_register(actor=person("office-clerk-1"), document=doc, proposed_handling="拟办")
    with pytest.raises(RuleViolation, match="说明理由"):
        finding_clear(actor=person("office-clerk-1"), finding=finding, reason=" ")
    finding_clear(actor=person("office-clerk-1"), finding=finding, reason="两项均为交通基础设施资金，属同一事项")
    doc = document_register(actor=person("office-clerk-1"), document=doc, proposed_handling="拟请分管副市长阅示")
    assert doc.state == "registered"
    # Leaders sign only what the office has processed (Art 48): registration is that step.
    assert "documents.office-processes-first" in AuditEvent.objects.get(action="document.register").rules


@pytest.mark.rule("acting.ab-partner", "documents.routing")
def test_a_request_is_routed_by_division_of_labour_to_the_acting_leader(demo):  # 49, 7-2
    now = timezone.now()
    absence_record(
        actor=None,
        position=Position.objects.get(code="vice-mayor-5"),
        start=now - dt.timedelta(hours=1),
        end=now + dt.timedelta(days=2),
        reason="赴省参加会议",
    )
    doc = document_route(actor=person("office-clerk-1"), document=registered(new_request()))
    assert doc.state == "routed" and doc.routed_to.code == "vice-mayor-5"  # transport is vice mayor 5's portfolio
    event = AuditEvent.objects.filter(action="document.route").get()
    assert event.after["acting"]["acting_position"] == "vice-mayor-6"
    assert "acting.ab-partner" in event.rules and "documents.routing" in event.rules
    item = InboxItem.objects.get(key="instruct", state="open")
    assert item.assignee_position.code == "vice-mayor-5"


@pytest.mark.rule("org.division-of-labour", "documents.routing")
def test_7_1_a_request_goes_to_the_vice_mayor_whose_portfolio_holds_the_matter(demo):  # Art 7 ¶1, Art 49
    doc = document_route(actor=person("office-clerk-1"), document=registered(new_request()))
    assert doc.routed_to.code == "vice-mayor-5"  # 交通运输局 is in vice mayor 5's portfolio
    event = AuditEvent.objects.get(action="document.route")
    assert "org.division-of-labour" in event.rules and "acting.ab-partner" not in event.rules


@pytest.mark.rule("documents.clear-opinion")
def test_the_leader_must_give_a_clear_opinion(demo):  # 49
    doc = document_route(actor=person("office-clerk-1"), document=registered(new_request()))
    for opinion, text in (("", ""), ("已阅", ""), ("批示", "  ")):
        with pytest.raises(RuleViolation) as err:
            document_instruct(actor=person("vice-mayor-5"), document=doc, opinion=opinion, text=text)
        assert err.value.code == "no_clear_opinion" and "第四十九条" in err.value.citation
        assert err.value.citation == book_citation("documents.clear-opinion")
    doc.refresh_from_db()
    assert doc.state == "routed"
    doc = document_instruct(actor=person("vice-mayor-5"), document=doc, opinion="同意")
    assert (doc.state, doc.opinion) == ("decided", "同意")
    assert not InboxItem.objects.filter(key="instruct", state="open").exists()


def test_only_the_routed_leader_or_the_one_acting_for_them_may_instruct(demo):  # 49, 7-2
    doc = document_route(actor=person("office-clerk-1"), document=registered(new_request()))
    with pytest.raises(RuleViolation, match="不代行"):
        document_instruct(actor=person("vice-mayor-6"), document=doc, opinion="同意")
    now = timezone.now()
    absence_record(
        actor=None,
        position=Position.objects.get(code="vice-mayor-5"),
        start=now - dt.timedelta(hours=1),
        end=now + dt.timedelta(days=2),
        reason="外出",
    )
    doc = document_instruct(actor=person("vice-mayor-6"), document=doc, opinion="批示", text="请市交通局抓紧办理。")
    event = AuditEvent.objects.get(action="document.instruct")
    assert (event.actor, event.on_behalf_of) == (person("vice-mayor-6"), person("vice-mayor-5"))


def test_a_leader_may_pass_it_on_and_major_matters_go_to_the_mayor(demo):  # 49
    doc = document_route(actor=person("office-clerk-1"), document=registered(new_request()))
    doc = document_pass_on(actor=person("vice-mayor-5"), document=doc, to=Position.objects.get(code="vice-mayor-1"))
    assert doc.routed_to.code == "vice-mayor-1" and doc.state == "routed"
    major = document_route(actor=person("office-clerk-1"), document=registered(new_request()), major=True)
    assert major.routed_to.code == "mayor"


@pytest.mark.rule("countersign.reply", "countersign.required")
def test_silence_past_the_countersign_deadline_is_deemed_no_objection(demo):  # 50-2
    doc = registered(new_request())
    transport, finance = Unit.objects.get(code="transport"), Unit.objects.get(code="finance")
    requests = countersign_request(
        actor=person("office-clerk-1"), document=doc, units=[transport, finance], anchor=dt.date(2026, 9, 30)
    )
    assert {c.deadline.due_date for c in requests} == {dt.date(2026, 10, 10)}
    assert Document.objects.get(pk=doc.pk).state == "countersigning"
    assert "countersign.required" in AuditEvent.objects.get(action="document.request_countersign").rules
    countersign_reply(
        actor=person("head-finance"), countersign=Countersign.objects.get(unit=finance), agree=True, reply="同意。"
    )
    # Before the deadline nothing happens to the silent department.
    run_once(now=dt.datetime(2026, 10, 10, 23, 0, tzinfo=timezone.get_current_timezone()))
    assert Countersign.objects.get(unit=transport).state == "pending"
    stats = run_once(now=dt.datetime(2026, 10, 11, 0, 1, tzinfo=timezone.get_current_timezone()))
    assert stats.fired == 1
    silent = Countersign.objects.get(unit=transport)
    assert silent.state == "deemed" and "视为无不同意见" in silent.reply
    event = AuditEvent.objects.get(action="countersign.deemed_no_objection")
    assert event.rules == ["countersign.reply"] and event.subject_id == str(doc.pk)
    assert Document.objects.get(pk=doc.pk).state == "registered"  # countersign complete: it can move on
    assert Deadline.objects.get(pk=silent.deadline_id).state == "fired"


@pytest.mark.rule("countersign.reply")
def test_a_batch_of_silent_countersigns_is_deemed_and_each_document_completes_once(demo):  # 50-2
    clerk = person("office-clerk-1")
    units = [Unit.objects.get(code=c) for c in ("transport", "finance", "education")]
    all_silent = [registered(new_request()) for _ in range(3)]
    for doc in all_silent:
        countersign_request(actor=clerk, document=doc, units=units, anchor=dt.date(2026, 9, 30))
    one_replied = registered(new_request())
    countersign_request(actor=clerk, document=one_replied, units=units, anchor=dt.date(2026, 9, 30))
    countersign_reply(
        actor=person("head-finance"),
        countersign=Countersign.objects.get(document=one_replied, unit=units[1]),
        agree=False,
        reply="资金来源需另行研究。",
    )
    later = registered(new_request())
    countersign_request(actor=clerk, document=later, units=units[:2], anchor=dt.date(2026, 9, 30))
    Deadline.objects.filter(pk=Countersign.objects.get(document=later, unit=units[1]).deadline_id).update(
        due_at=dt.datetime(2026, 10, 20, tzinfo=timezone.get_current_timezone())
    )

    stats = run_once(now=dt.datetime(2026, 10, 11, 0, 1, tzinfo=timezone.get_current_timezone()))

    assert (stats.fired, stats.failed) == (3 * 3 + 2 + 1, 0)
    for doc in [*all_silent, one_replied]:
        assert Document.objects.get(pk=doc.pk).state == "registered"
        [complete] = AuditEvent.objects.filter(action="document.countersign_complete", subject_id=str(doc.pk))
        assert set(complete.after["replies"]) == {u.name for u in units}
        assert not InboxItem.objects.filter(subject_id=str(doc.pk), state="open", key__startswith="cs:").exists()
        # Silence is consent, so it goes on to be routed; an objection first needs its disagreement set out.
        expected = "disagreement" if doc == one_replied else "route"
        assert list(InboxItem.objects.filter(subject_id=str(doc.pk), state="open").values_list("key", flat=True)) == [
            expected
        ]
    assert Countersign.objects.get(document=one_replied, unit=units[1]).state == "objected"
    assert AuditEvent.objects.filter(action="countersign.deemed_no_objection").count() == 12
    # The document still waiting for a department stays in countersign, with only that department's item open.
    assert Document.objects.get(pk=later.pk).state == "countersigning"
    assert Countersign.objects.get(document=later, unit=units[0]).state == "deemed"
    waiting = InboxItem.objects.filter(subject_id=str(later.pk), state="open", key__startswith="cs:")
    assert {i.key for i in waiting} == {f"cs:{Countersign.objects.get(document=later, unit=units[1]).pk}"}
    assert not AuditEvent.objects.filter(action="document.countersign_complete", subject_id=str(later.pk)).exists()


@pytest.mark.rule("countersign.reply")
def test_deeming_a_batch_costs_the_same_statements_for_two_documents_as_for_six(demo):  # 50-2
    from django.test.utils import CaptureQueriesContext

    clerk = person("office-clerk-1")
    units = [Unit.objects.get(code=c) for c in ("transport", "finance", "education")]

    def statements(n: int, day: int) -> int:
        for _ in range(n):
            countersign_request(
                actor=clerk, document=registered(new_request()), units=units, anchor=dt.date(2026, 9, day)
            )
        moment = max(Deadline.objects.filter(state="pending").values_list("due_at", flat=True))
        with CaptureQueriesContext(connection) as ctx:
            stats = run_once(now=moment + dt.timedelta(minutes=1))
        assert stats.fired == 3 * n
        return len(ctx.captured_queries)

    two, six = statements(2, 28), statements(6, 29)
    assert two == six, f"2 documents took {two} statements, 6 took {six}"
    assert Document.objects.filter(state="registered").count() == 8


def test_50_2_the_host_may_set_an_earlier_countersign_deadline(demo):  # Art 50 ¶2
    doc = registered(new_request())
    [cs] = countersign_request(
        actor=person("office-clerk-1"),
        document=doc,
        units=[Unit.objects.get(code="finance")],
        anchor=dt.date(2026, 9, 30),
        due_by=dt.date(2026, 10, 8),
    )
    assert cs.deadline.due_date == dt.date(2026, 10, 8)
    assert "早于一般期限" in cs.deadline.trace[-1]["text"]


@pytest.mark.rule("countersign.reply")
def test_50_2_the_host_may_set_a_later_countersign_deadline_with_its_reason(
    demo,
):  # Art 50 ¶2 「除主办部门另有时限要求外」
    # 3 working days from 2026-09-30 run past the National Day holiday to 2026-10-12; the host may
    # give more, but must say why, and nothing is written until it does.
    other = registered(new_request())
    with pytest.raises(InvalidInput, match="请写明理由") as err:
        countersign_request(
            actor=person("office-clerk-1"),
            document=other,
            units=[Unit.objects.get(code="education")],
            anchor=dt.date(2026, 9, 30),
            due_by=dt.date(2026, 10, 20),
        )
    assert err.value.field == "reason"
    assert Document.objects.get(pk=other.pk).state == "registered"  # nothing half-written
    assert not Countersign.objects.filter(document=other).exists()
    [cs] = countersign_request(
        actor=person("office-clerk-1"),
        document=other,
        units=[Unit.objects.get(code="education")],
        anchor=dt.date(2026, 9, 30),
        due_by=dt.date(2026, 10, 20),
        reason="需汇总各县区教育局意见",
    )
    assert cs.deadline.due_date == dt.date(2026, 10, 20)
    step = cs.deadline.trace[-1]
    assert step["step"] == "override" and "晚于一般期限" in step["text"] and "需汇总各县区教育局意见" in step["text"]
    event = AuditEvent.objects.get(action="document.request_countersign", subject_id=str(other.pk))
    assert event.after["reason"] == "需汇总各县区教育局意见"


@pytest.mark.rule("countersign.disagreement")
def test_an_objection_needs_grounds_and_only_the_department_itself_replies(demo):  # 50-1
    doc = registered(new_request())
    [cs] = countersign_request(actor=person("office-clerk-1"), document=doc, units=[Unit.objects.get(code="finance")])
    with pytest.raises(RuleViolation, match="理由") as err:
        countersign_reply(actor=person("head-finance"), countersign=cs, agree=False, reply="")
    assert err.value.citation == book_citation("countersign.disagreement")
    with pytest.raises(RuleViolation, match="不是该单位"):
        countersign_reply(actor=person("head-fgw"), countersign=cs, agree=True)
    countersign_reply(
        actor=person("head-finance"), countersign=cs, agree=False, reply="资金渠道不符，建议由交通专项列支。"
    )
    assert Countersign.objects.get(pk=cs.pk).state == "objected"


def test_a_transition_from_the_wrong_state_is_refused_with_the_states_that_allow_it(demo):
    doc = new_request()
    with pytest.raises(RuleViolation, match="不能收文登记"):
        document_register(actor=person("office-clerk-1"), document=doc, proposed_handling="拟办")


def test_document_numbers_follow_the_pattern_without_gaps(demo):
    numbers = [number_allocate(code="抚政发", year=2026) for _ in range(3)]
    assert numbers == [1, 2, 3]
    assert number_allocate(code="抚政发", year=2027) == 1
    assert format_number("抚政发", 2026, 12) == "抚政发〔2026〕12号"


@pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_signings_get_unique_consecutive_numbers_on_postgresql():
    from django.db import transaction

    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def sign(n: int) -> None:
        try:
            barrier.wait()
            for _ in range(25):
                with transaction.atomic():
                    results.append(number_allocate(code="抚政办发", year=2026))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert sorted(results) == list(range(1, 201))
    assert NumberSequence.objects.get(code="抚政办发", year=2026).last == 200


@pytest.mark.rule("countersign.reply")
def test_a_negotiated_extension_moves_the_countersign_deadline_and_is_recorded(demo):  # 50-2
    from cityhall.documents.services import countersign_extend

    doc = registered(new_request())
    [cs] = countersign_request(
        actor=person("office-clerk-1"),
        document=doc,
        units=[Unit.objects.get(code="finance")],
        anchor=dt.date(2026, 9, 30),
    )
    with pytest.raises(RuleViolation, match="理由"):
        countersign_extend(actor=person("office-clerk-1"), countersign=cs, new_due=dt.date(2026, 10, 16), reason="")
    with pytest.raises(RuleViolation, match="必须晚于"):
        countersign_extend(actor=person("office-clerk-1"), countersign=cs, new_due=dt.date(2026, 10, 9), reason="x")
    countersign_extend(
        actor=person("office-clerk-1"),
        countersign=cs,
        new_due=dt.date(2026, 10, 16),
        reason="需征求所属单位意见，经与主办部门商定",
    )
    deadline = Deadline.objects.get(pk=cs.deadline_id)
    assert deadline.due_date == dt.date(2026, 10, 16) and deadline.trace[-1]["step"] == "extension"
    tz = timezone.get_current_timezone()
    assert run_once(now=dt.datetime(2026, 10, 12, 9, tzinfo=tz)).fired == 0  # the old deadline no longer fires
    assert run_once(now=dt.datetime(2026, 10, 17, 0, 1, tzinfo=tz)).fired == 1
    assert AuditEvent.objects.filter(action="countersign.extend").get().rules == ["countersign.reply"]


@pytest.mark.rule("countersign.disagreement")
def test_a_disagreement_is_listed_with_each_sides_grounds_and_a_proposal_before_it_goes_for_decision(demo):  # 50-1
    from cityhall.documents.services import disagreement_confirm, disagreement_submit

    doc = registered(new_request())
    [cs] = countersign_request(actor=person("office-clerk-1"), document=doc, units=[Unit.objects.get(code="finance")])
    countersign_reply(actor=person("head-finance"), countersign=cs, agree=False, reply="资金应由交通专项列支。")
    doc = Document.objects.get(pk=doc.pk)
    with pytest.raises(RuleViolation) as err:
        document_route(actor=person("office-clerk-1"), document=doc)
    assert err.value.code == "disagreement_not_listed" and err.value.citation == book_citation(
        "countersign.disagreement"
    )
    with pytest.raises(RuleViolation, match="办理建议"):
        disagreement_submit(actor=person("office-clerk-1"), document=doc, host_grounds="", proposal="")
    doc = disagreement_submit(
        actor=person("office-clerk-1"),
        document=doc,
        host_grounds="属县级公路养护补助，可由一般预算安排。",
        proposal="建议由市财政安排一半，交通专项安排一半。",
    )
    assert [(o["unit"], o["grounds"]) for o in doc.disagreement["others"]] == [
        ("抚顺市财政局", "资金应由交通专项列支。")
    ]
    with pytest.raises(RuleViolation, match="负责人会签"):
        document_route(actor=person("office-clerk-1"), document=doc)
    doc = disagreement_confirm(actor=person("head-finance"), document=doc, unit=Unit.objects.get(code="finance"))
    routed = document_route(actor=person("office-clerk-1"), document=doc)
    assert routed.routed_to.code == "vice-mayor-5"  # the supervising leader coordinates
    assert AuditEvent.objects.get(action="countersign.disagreement_submitted").rules == ["countersign.disagreement"]


def _finance_staff() -> Person:
    return person("finance-staff-1")  # the demo's 市财政局综合科科员


@pytest.mark.rule("countersign.by-head")
def test_50_1_a_countersign_is_given_by_the_head_or_someone_the_head_authorised(demo):  # Art 50 ¶1
    from cityhall.documents.services import countersign_delegate_grant, countersign_delegate_revoke

    finance = Unit.objects.get(code="finance")
    staff = _finance_staff()
    doc = registered(new_request())
    [cs] = countersign_request(actor=person("office-clerk-1"), document=doc, units=[finance])
    with pytest.raises(RuleViolation) as err:
        countersign_reply(actor=staff, countersign=cs, agree=True, reply="同意")
    assert err.value.code == "not_authorised_to_countersign"
    assert err.value.citation == book_citation("countersign.by-head")
    assert "市财政局局长尚清和" in err.value.message
    assert not InboxItem.objects.filter(assignee_person=staff, state="open").exists()
    # Only the head authorises, and only people of the unit.
    with pytest.raises(RuleViolation, match="只有抚顺市财政局主要负责人可以授权"):
        countersign_delegate_grant(actor=staff, unit=finance, person=staff)
    with pytest.raises(InvalidInput, match="不是抚顺市财政局的人员"):
        countersign_delegate_grant(actor=person("head-finance"), unit=finance, person=person("office-clerk-1"))
    delegate = countersign_delegate_grant(actor=person("head-finance"), unit=finance, person=staff)
    assert AuditEvent.objects.get(action="countersign.delegate_grant").rules == ["countersign.by-head"]
    # The pending countersign reaches the delegate's inbox at once.
    assert InboxItem.objects.get(assignee_person=staff, state="open").title.startswith("会签：")
    countersign_delegate_revoke(actor=person("head-finance"), delegate=delegate)
    assert not InboxItem.objects.filter(assignee_person=staff, state="open").exists()
    with pytest.raises(RuleViolation, match="尚未获得授权"):
        countersign_reply(actor=staff, countersign=cs, agree=True, reply="同意")
    countersign_delegate_grant(actor=person("head-finance"), unit=finance, person=staff)
    replied = countersign_reply(actor=staff, countersign=cs, agree=True, reply="同意")
    assert replied.state == "agreed" and replied.replied_by == staff
    # Whoever replies, every copy of the item closes: the head's too.
    assert not InboxItem.objects.filter(key=f"cs:{cs.pk}", state="open").exists()


@pytest.mark.rule("countersign.by-head")
def test_50_1_a_member_of_staff_without_authority_cannot_countersign_the_disagreement(demo):  # Art 50 ¶1
    from cityhall.documents.services import disagreement_confirm, disagreement_submit

    finance = Unit.objects.get(code="finance")
    staff = _finance_staff()
    doc = registered(new_request())
    [cs] = countersign_request(actor=person("office-clerk-1"), document=doc, units=[finance])
    countersign_reply(actor=person("head-finance"), countersign=cs, agree=False, reply="资金应由交通专项列支。")
    doc = disagreement_submit(
        actor=person("office-clerk-1"),
        document=Document.objects.get(pk=doc.pk),
        host_grounds="可由一般预算安排。",
        proposal="各半。",
    )
    with pytest.raises(RuleViolation) as err:
        disagreement_confirm(actor=staff, document=doc, unit=finance)
    assert err.value.code == "not_authorised_to_countersign"
    assert disagreement_confirm(actor=person("head-finance"), document=doc, unit=finance).disagreement["confirmations"]
