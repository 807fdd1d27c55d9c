"""The four kinds of meeting as rule data (Art 38–42), and the page that shows them with their articles."""

from __future__ import annotations

import pytest

from cityhall.meetings.kinds import ROLE_LABELS, UnknownRole, meeting_kind, meeting_kinds
from cityhall.rules import load_rulebook


@pytest.fixture(scope="module")
def book():
    return load_rulebook("fushun-2022")


def roles(kind, fact: str) -> tuple[str, ...]:
    found = kind.fact(fact)
    return found.roles if found else ()


@pytest.mark.rule("meeting.kinds")
def test_38_1_there_are_four_kinds_of_meeting_in_the_order_of_the_article(book):
    assert [(k.code, k.name) for k in meeting_kinds(book)] == [
        ("plenary", "市政府全体会议"),
        ("executive", "市政府常务会议"),
        ("mayor_office", "市长办公会议"),
        ("business", "市政府业务会议"),
    ]


@pytest.mark.rule("meeting.plenary", "meeting.plenary-topics", "meeting.plenary-frequency")
def test_39_the_plenary_meeting_is_all_members_chaired_by_the_mayor(book):
    plenary = meeting_kind(book, "plenary")
    assert roles(plenary, "members") == ("mayor", "vice_mayor", "secretary_general", "department_head")
    assert roles(plenary, "chairs") == ("mayor",)
    assert roles(plenary, "entrusted_chairs") == ()  # no entrustment for the plenary
    assert "deputy_secretary_general" in roles(plenary, "non_voting")
    assert roles(plenary, "attendees_checked_by") == ("secretary_general",)
    assert roles(plenary, "attendees_decided_by") == ("mayor",)
    assert plenary.topic_chain is not None
    assert plenary.topic_chain.roles == (
        "office_collects",
        "secretary_general_checks",
        "executive_vice_mayor_reviews",
        "mayor_decides",
    )
    assert plenary.frequency is not None and plenary.frequency.id == "meeting.plenary-frequency"
    assert plenary.rule.citation.endswith("第三十九条第一款")


@pytest.mark.rule("meeting.executive", "meeting.executive-topics", "meeting.executive-frequency")
def test_40_the_executive_meeting_may_be_chaired_by_the_executive_vice_mayor_on_entrustment(book):
    executive = meeting_kind(book, "executive")
    assert roles(executive, "members") == ("mayor", "vice_mayor", "secretary_general")
    assert roles(executive, "chairs") == ("mayor",)
    assert roles(executive, "entrusted_chairs") == ("executive_vice_mayor",)
    assert roles(executive, "non_voting")[:2] == ("deputy_secretary_general", "department_head")
    assert roles(executive, "attendees_proposed_by") == ("host_unit",)
    assert roles(executive, "attendees_decided_by") == ("secretary_general",)
    assert executive.topic_chain is not None and executive.topic_chain.rule.citation.endswith("第四十条第二款")
    assert executive.frequency is not None and executive.frequency.id == "meeting.executive-frequency"


@pytest.mark.rule("meeting.mayor-office", "meeting.business")
def test_41_42_office_and_business_meetings_are_set_by_their_chair_and_held_as_needed(book):
    office, business = meeting_kind(book, "mayor_office"), meeting_kind(book, "business")
    assert roles(office, "chairs") == roles(office, "topics_set_by") == ("mayor",)
    assert roles(business, "chairs") == ("vice_mayor", "secretary_general")
    assert roles(business, "topics_set_by") == ("chair",)
    assert office.topic_chain is business.topic_chain is None
    assert office.frequency is business.frequency is None
    assert "第四十一条" in office.rule.citation and "第四十二条" in business.rule.citation


def test_every_role_a_meeting_rule_names_reads_as_chinese(book):
    for kind in meeting_kinds(book):
        for fact in (*kind.facts, *([kind.topic_chain] if kind.topic_chain else [])):
            assert all(ROLE_LABELS[r] for r in fact.roles)


def test_a_rulebook_with_an_unknown_role_is_refused_with_its_rule_and_name(book):
    import dataclasses

    from cityhall.rules.schema import Terms

    rule = book.rule("meeting.business")
    params = {**rule.record.params, "chairs": Terms(label="主持", values=["市长", "门卫"])}
    broken = dataclasses.replace(rule, record=rule.record.model_copy(update={"params": params}))

    class Book:
        def rule(self, rule_id):
            return broken if rule_id == "meeting.business" else book.rule(rule_id)

    with pytest.raises(UnknownRole, match=r"meeting\.business 的 chairs 含有未定义的角色：门卫"):
        meeting_kinds(Book())


@pytest.mark.django_db
@pytest.mark.rule("meeting.kinds", "meeting.executive")
def test_the_meetings_page_shows_each_kind_with_its_article_and_who_fills_each_role(client):
    from cityhall.org.demo import DEMO_PASSWORD, load_demo
    from cityhall.org.models import Holding, Position

    load_demo()
    assert client.get("/meetings/").status_code == 302  # login first
    client.login(username="clerk", password=DEMO_PASSWORD)
    page = client.get("/meetings/").content.decode()
    for name, article in [
        ("市政府全体会议", "第三十九条"),
        ("市政府常务会议", "第四十条"),
        ("市长办公会议", "第四十一条"),
        ("市政府业务会议", "第四十二条"),
    ]:
        assert name in page and article in page
    mayor = Holding.objects.filter(position__kind=Position.Kind.MAYOR, end__isnull=True).get().person.name
    assert f'市长</strong><span class="muted">：{mayor}' in page
    assert "受市长委托召集和主持" in page and "负责日常工作的副市长" in page
