"""Disclosure requests on the statutory clock (Art 29 ¶1; 政府信息公开条例 2019 art 30–37)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cityhall.openness import disclosure as dc
from cityhall.openness.models import DisclosureRequest
from cityhall.org.demo import load_demo
from cityhall.rules import InvalidInput
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow.models import Deadline, InboxItem
from tests.meetings.test_topics import person

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


@pytest.fixture
def demo() -> None:
    load_demo()


def form(**changes) -> dc.ApplicationForm:  # type: ignore[no-untyped-def]
    values = {
        "applicant_kind": "citizen",
        "name": "赵明远",
        "id_number": "210402198801012345",
        "phone": "13904130000",
        "description": "2026年新宾满族自治县永陵镇农村供水工程的立项批复",
        "delivery": "email",
        "email": "zhao@example.cn",
    }
    return dc.ApplicationForm(**(values | changes))


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(D(day), dt.time(hour), tzinfo=LOCAL_TZ)


@pytest.mark.rule("disclosure.reply", "disclosure.third-party")
def test_33_a_letter_received_in_late_september_is_due_after_national_day_and_a_consultation_pauses_it(demo):
    clerk = person("office-clerk-1")
    req = dc.disclosure_apply(
        form=form(), channel="letter", received_on=D("2026-09-15"), entered_by=clerk, at=at("2026-09-15")
    )
    assert req.code.startswith("GK") and len(req.code) == 12
    assert req.deadline.due_date == D("2026-10-19")
    assert any("国庆节" in s["text"] for s in req.deadline.trace)
    assert InboxItem.objects.filter(key="handle", state="open", unit__kind="general_office").exists()
    consultation = dc.disclosure_consult(
        actor=clerk,
        request=req,
        third_party="某供水公司",
        matter="合同金额",
        sent_on=D("2026-09-22"),
        at=at("2026-09-22"),
    )
    req.refresh_from_db()
    assert req.state == "consulting" and req.deadline.state == Deadline.State.PAUSED
    assert consultation.deadline.due_date == D("2026-10-20")  # 15 working days from 9-22
    with pytest.raises(dc.DisclosureError, match="届满前请等待"):
        dc.disclosure_consult_close(
            actor=clerk, consultation=consultation, replied_on=None, agrees=None, at=at("2026-09-29")
        )
    req = dc.disclosure_consult_close(
        actor=clerk, consultation=consultation, replied_on=D("2026-09-29"), agrees=True, at=at("2026-09-29")
    )
    req.deadline.refresh_from_db()
    assert req.state == "received" and req.deadline.state == Deadline.State.PENDING
    assert req.deadline.due_date == D("2026-10-23")
    assert any(s["step"] == "pause" and "4个工作日不计入期限" in s["text"] for s in req.deadline.trace)


@pytest.mark.rule("disclosure.extension")
def test_33_2_the_reply_is_extended_once_by_20_working_days_with_the_heads_approval(demo):
    req = dc.disclosure_apply(form=form())
    first_due = req.deadline.due_date
    with pytest.raises(dc.DisclosureError, match="负责人同意"):
        dc.disclosure_extend(actor=person("office-clerk-1"), request=req, reason="需要调取档案")
    req = dc.disclosure_extend(actor=person("deputy-secretary-general-1"), request=req, reason="需要调取档案")
    req.deadline.refresh_from_db()
    from cityhall.rulebase.selectors import working_calendar

    assert working_calendar().working_days_between(first_due, req.deadline.due_date) == 20
    with pytest.raises(dc.DisclosureError, match="只能延长一次"):
        dc.disclosure_extend(actor=person("secretary-general"), request=req, reason="再延")


@pytest.mark.rule("disclosure.reply-forms")
def test_36_the_reply_takes_a_statutory_form_is_numbered_and_closes_the_clock(demo):
    clerk = person("office-clerk-1")
    req = dc.disclosure_apply(form=form())
    with pytest.raises(dc.DisclosureError, match="理由和依据"):
        dc.disclosure_reply(actor=clerk, request=req, outcome="withheld")
    with pytest.raises(dc.DisclosureError, match="负责公开的机关"):
        dc.disclosure_reply(actor=clerk, request=req, outcome="not_ours")
    with pytest.raises(dc.DisclosureError, match="市政府办公室"):
        dc.disclosure_reply(actor=person("head-finance"), request=req, outcome="disclosed")
    req = dc.disclosure_reply(
        actor=clerk, request=req, outcome="not_ours", right_body="抚顺市水务局，电话 024-00000000"
    )
    year = timezone.localdate().year
    assert req.state == "replied" and req.reply_number == f"抚政办依申请〔{year}〕1号"
    assert "负责公开该政府信息的机关是：抚顺市水务局" in req.reply_text
    assert Deadline.objects.get(pk=req.deadline_id).state == Deadline.State.MET
    assert not InboxItem.objects.filter(key="handle", state="open", subject_id=str(req.pk)).exists()
    second = dc.disclosure_reply(actor=clerk, request=dc.disclosure_apply(form=form()), outcome="disclosed")
    assert second.reply_number.endswith("〕2号") and "电子邮箱" in second.reply_text


@pytest.mark.rule("disclosure.supplement")
def test_30_an_unclear_request_is_sent_back_once_within_7_working_days_and_the_clock_restarts(demo):
    clerk = person("office-clerk-1")
    req = dc.disclosure_apply(
        form=form(), channel="letter", received_on=D("2026-11-02"), entered_by=clerk, at=at("2026-11-02")
    )
    with pytest.raises(dc.DisclosureError, match="7个工作日内"):
        dc.disclosure_reply(actor=clerk, request=req, outcome="supplement", ground="请写明文号", at=at("2026-11-12"))
    req = dc.disclosure_reply(actor=clerk, request=req, outcome="supplement", ground="请写明文号", at=at("2026-11-05"))
    assert req.state == "supplement" and Deadline.objects.get(pk=req.deadline_id).state == "cancelled"
    req = dc.disclosure_supplemented(
        actor=clerk, request=req, received_on=D("2026-11-09"), text="抚水发〔2026〕3号", at=at("2026-11-09")
    )
    assert req.state == "received" and req.deadline.due_date == D("2026-12-07")  # 20 working days from 11-09
    with pytest.raises(dc.DisclosureError, match="只能一次"):
        dc.disclosure_reply(actor=clerk, request=req, outcome="supplement", ground="再补", at=at("2026-11-10"))


@pytest.mark.rule("disclosure.reply")
def test_the_query_code_shows_nothing_without_the_phones_last_four_digits_and_bad_input_is_refused(demo):
    req = dc.disclosure_apply(form=form())
    assert dc.lookup(req.code, "0000") == req
    assert dc.lookup(req.code.lower(), " 0000 ") == req
    for code, suffix in ((req.code, "1234"), (req.code, ""), ("GKAAAAAAAAAA", "0000"), ("x" * 500, "0000")):
        assert dc.lookup(code, suffix) is None
    assert req.masked_id == "210***********2345"
    for bad, field in (
        ({"name": "  "}, "name"),
        ({"phone": "12"}, "phone"),
        ({"id_number": "<script>"}, "id_number"),
        ({"delivery": "paper"}, "address"),
        ({"description": "x" * 5000}, "description"),
        ({"applicant_kind": "robot"}, "applicant_kind"),
    ):
        with pytest.raises(InvalidInput) as refused:
            dc.disclosure_apply(form=form(**bad))
        assert refused.value.field == field, bad
    assert DisclosureRequest.objects.count() == 1


@pytest.mark.rule("disclosure.reply")
def test_the_disclosure_command_lists_requests_in_the_list_shape_with_masked_identities(demo):
    import json

    from django.core.management import call_command

    def capture(*args: str) -> str:
        import io

        out = io.StringIO()
        call_command(*args, stdout=out)
        return out.getvalue()

    assert "没有政府信息公开申请" in capture("disclosure", "list")
    late = dc.disclosure_apply(
        form=form(),
        channel="letter",
        received_on=timezone.localdate() - dt.timedelta(days=60),
        entered_by=person("office-clerk-1"),
    )
    dc.disclosure_apply(form=form(name="孙立"))
    rows = json.loads(capture("disclosure", "list", "--json"))
    assert len(rows) == 2 and {"id", "title", "state", "state_label", "due", "overdue"} <= set(rows[0])
    by_id = {r["id"]: r for r in rows}
    assert by_id[late.code]["overdue"] is True and by_id[late.code]["id_number"] == "210***********2345"
    assert "210402198801012345" not in json.dumps(rows)
    text = capture("disclosure", "list", "--overdue")
    assert late.code in text and "（逾期）" in text and text.count("GK") == 1


@pytest.mark.rule("disclosure.reply")
def test_answered_requests_lose_their_personal_details_after_the_retention_period_and_stay_queryable(demo):
    import io

    from django.core.management import call_command

    old = dc.disclosure_apply(form=form())
    dc.disclosure_reply(actor=person("office-clerk-1"), request=old, outcome="disclosed")
    DisclosureRequest.objects.filter(pk=old.pk).update(replied_at=timezone.now() - dt.timedelta(days=1200))
    recent = dc.disclosure_apply(form=form(name="新申请"))
    out = io.StringIO()
    call_command("disclosure", "purge", stdout=out)
    assert "已删除 1 份" in out.getvalue()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.id_number, old.phone, old.email) == ("210***********2345", "*******0000", "")
    assert recent.id_number == "210402198801012345"
    assert dc.lookup(old.code, "0000") == old  # the applicant can still read the reply
    assert dc.purge_personal() == 0  # idempotent
