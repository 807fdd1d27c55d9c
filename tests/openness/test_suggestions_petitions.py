"""Deputies' suggestions and CPPCC proposals (Art 32 ¶2) and petitions (Art 37; 信访工作条例 art 25, 32)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cityhall.openness import petitions as pt
from cityhall.openness import suggestions as sg
from cityhall.openness.models import Petition, Publication
from cityhall.openness.search import search_ids
from cityhall.org.demo import load_demo
from cityhall.org.models import Position, Unit
from cityhall.rules import InvalidInput
from cityhall.workflow.models import Deadline, InboxItem
from tests.meetings.test_topics import person

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


@pytest.fixture
def demo() -> None:
    from django.core.cache import cache

    cache.clear()
    load_demo()


def proposal(**changes) -> sg.SuggestionForm:  # type: ignore[no-untyped-def]
    values = {
        "kind": "proposal",
        "number": "市政协十三届五次会议第0123号",
        "title": "关于加快城区中小学校舍改造的提案",
        "proposer": "政协委员 吴清泉",
        "body": "建议统筹资金，分批改造城区老旧校舍。",
        "lead_unit": Unit.objects.get(code="education"),
        "assigned_on": D("2026-04-30"),
    }
    return sg.SuggestionForm(**(values | changes))


@pytest.mark.rule("suggestion.handle", "suggestion.handle-complex")
def test_32_2_a_proposal_is_due_3_months_after_assignment_or_6_with_the_reason_it_is_difficult(demo):
    clerk = person("office-clerk-1")
    item = sg.suggestion_assign(actor=clerk, form=proposal(partner_units=[Unit.objects.get(code="finance")]))
    assert item.deadline.due_date == D("2026-07-30")
    assert InboxItem.objects.filter(key="handle", unit__code="education", state="open").exists()
    assert InboxItem.objects.filter(key__startswith="partner-", unit__code="finance", for_reading=True).exists()
    with pytest.raises(InvalidInput, match="请写明理由"):
        sg.suggestion_assign(actor=clerk, form=proposal(number="第0124号", complex=True))
    hard = sg.suggestion_assign(
        actor=clerk, form=proposal(number="第0125号", complex=True, complex_reason="涉及多个部门和县区")
    )
    assert hard.deadline.due_date == D("2026-10-30") and hard.deadline.rule_id == "suggestion.handle-complex"
    with pytest.raises(sg.SuggestionError, match="市政府办公室交办"):
        sg.suggestion_assign(actor=person("head-education"), form=proposal(number="第0126号"))
    with pytest.raises(InvalidInput, match="已经登记"):
        sg.suggestion_assign(actor=clerk, form=proposal())


@pytest.mark.rule("suggestion.publish")
def test_32_2_the_answer_needs_contact_first_is_numbered_and_published_with_the_members_view(demo):
    item = sg.suggestion_assign(actor=person("office-clerk-1"), form=proposal(assigned_on=timezone.localdate()))
    head = person("head-education")
    with pytest.raises(sg.SuggestionError, match="沟通"):
        sg.suggestion_reply(actor=head, item=item, text="答复")
    with pytest.raises(sg.SuggestionError, match="主办单位"):
        sg.suggestion_contact(actor=person("head-finance"), item=item, on=timezone.localdate(), way="电话", note="x")
    sg.suggestion_contact(actor=head, item=item, on=timezone.localdate(), way="当面座谈", note="听取委员意见")
    item = sg.suggestion_reply(actor=head, item=item, text="已将城区12所学校校舍改造列入2027年计划。")
    import re

    assert re.fullmatch(rf".+提复〔{timezone.localdate().year}〕1号", item.reply_number), item.reply_number
    assert Deadline.objects.get(pk=item.deadline_id).state == "met"
    with pytest.raises(InvalidInput):
        sg.suggestion_satisfaction(actor=head, item=item, satisfaction="?")
    item = sg.suggestion_satisfaction(actor=head, item=item, satisfaction="satisfied")
    assert item.state == "published" and item.publication.state == Publication.State.PUBLISHED
    assert search_ids("校舍改造").ids == [item.publication.pk]


@pytest.mark.rule("petition.accept", "petition.handle", "petition.leader-reading")
def test_37_a_letter_accepted_on_day_10_goes_to_the_mayor_who_instructs_and_is_handled_within_60_days(demo):
    clerk = person("office-clerk-1")
    letter = pt.petition_receive(
        form=pt.PetitionForm(
            name="周大山", phone="13504130000", subject="望花区某小区冬季供暖不热", body="室温不足16度"
        ),
        channel="letter",
        received_on=D("2026-11-02"),
        entered_by=clerk,
        at=dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC),
    )
    assert letter.accept_deadline.due_date == D("2026-11-17")  # 15 days, receipt not counted
    housing = Unit.objects.get(code="housing")
    mayor = Position.objects.get(code="mayor")
    with pytest.raises(InvalidInput, match="办理单位"):
        pt.petition_decide(actor=clerk, petition=letter, accept=True, on=D("2026-11-12"))
    letter = pt.petition_decide(
        actor=clerk,
        petition=letter,
        accept=True,
        handling_unit=housing,
        important=True,
        reader=mayor,
        on=D("2026-11-12"),
    )
    assert letter.accepted_on == D("2026-11-12") and letter.handle_deadline.due_date == D("2027-01-11")
    assert InboxItem.objects.filter(key="read", assignee_position=mayor, state="open").exists()
    with pytest.raises(pt.PetitionError, match="亲自阅批"):
        pt.petition_instruct(actor=person("vice-mayor-2"), petition=letter, instruction="阅")
    letter = pt.petition_instruct(
        actor=person("mayor"), petition=letter, instruction="请市住建局三日内上门核查，确保室温达标。", supervise=True
    )
    assert letter.supervision_item is not None and letter.supervision_item.lead_unit == housing
    letter = pt.petition_extend(actor=person("head-housing"), petition=letter, reason="需协调供热企业更换管网")
    letter.handle_deadline.refresh_from_db()
    assert letter.handle_deadline.due_date == D("2027-02-10")  # 30 more days
    with pytest.raises(pt.PetitionError, match="只能延长一次"):
        pt.petition_extend(actor=person("head-housing"), petition=letter, reason="再延")
    letter = pt.petition_close(actor=person("head-housing"), petition=letter, result="已更换管网，室温达到18度。")
    assert letter.state == "closed" and pt.lookup(letter.code, "0000") == letter
    assert pt.lookup(letter.code, "1111") is None


@pytest.mark.rule("petition.accept")
def test_37_a_petition_not_accepted_needs_the_reason_and_online_ones_are_received_today(demo):
    online = pt.petition_receive(
        form=pt.PetitionForm(name="李小雨", phone="13504131111", subject="道路破损", body="新抚区某路段坑洼")
    )
    assert online.received_on == timezone.localdate() and online.state == Petition.State.RECEIVED
    with pytest.raises(InvalidInput, match="理由"):
        pt.petition_decide(actor=person("office-clerk-1"), petition=online, accept=False)
    online = pt.petition_decide(
        actor=person("office-clerk-1"), petition=online, accept=False, reason="已通过诉讼途径解决，依法不予受理"
    )
    assert online.state == "not_accepted"
    with pytest.raises(pt.PetitionError, match="市政府办公室登记"):
        pt.petition_receive(
            form=pt.PetitionForm(name="x", phone="13504131111", subject="y", body="z"),
            channel="visit",
            received_on=timezone.localdate(),
            entered_by=person("head-finance"),
        )


@pytest.mark.rule("petition.accept", "suggestion.handle")
def test_the_petitions_and_proposals_commands_list_in_the_list_shape(demo):
    import io
    import json

    from django.core.management import call_command

    def run(*args: str) -> str:
        out = io.StringIO()
        call_command(*args, stdout=out)
        return out.getvalue()

    assert "没有信访事项" in run("petitions", "list") and "没有建议提案" in run("proposals", "list")
    late = pt.petition_receive(
        form=pt.PetitionForm(name="周大山", phone="13504130000", subject="供暖不热", body="室温不足"),
        channel="letter",
        received_on=timezone.localdate() - dt.timedelta(days=30),
        entered_by=person("office-clerk-1"),
    )
    sg.suggestion_assign(actor=person("office-clerk-1"), form=proposal())
    shape = {"id", "title", "state", "state_label", "due", "overdue"}
    petitions = json.loads(run("petitions", "list", "--json"))
    proposals = json.loads(run("proposals", "list", "--json"))
    assert shape <= set(petitions[0]) and shape <= set(proposals[0])
    assert petitions[0]["id"] == late.code and petitions[0]["overdue"] is True
    assert proposals[0]["due"] == "2026-07-30" and proposals[0]["overdue"] is True
    assert late.code in run("petitions", "list", "--overdue")
