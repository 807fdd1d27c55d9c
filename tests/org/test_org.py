"""The organisation in the database: the demo load, absences, acting from recorded absences, CLI and API."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from cityhall.org.demo import DEMO_PASSWORD, load_demo
from cityhall.org.models import Absence, Holding, Person, Portfolio, Position, Unit
from cityhall.org.selectors import acting_assignments, acting_for, supervising_positions
from cityhall.org.services import OrgError, absence_record
from cityhall.workflow.models import AuditEvent

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
AT = dt.datetime(2026, 10, 3, 9, 0, tzinfo=TZ)


@pytest.fixture
def demo():
    load_demo()


def away(code: str, start: dt.datetime = AT - dt.timedelta(hours=1), hours: int = 48) -> Absence:
    return absence_record(
        actor=None,
        position=Position.objects.get(code=code),
        start=start,
        end=start + dt.timedelta(hours=hours),
        reason="赴省参加会议",
    )


def test_the_demo_organisation_has_the_stable_codes_and_real_unit_names(demo):
    codes = set(Position.objects.values_list("code", flat=True))
    assert {
        "mayor",
        "secretary-general",
        *(f"vice-mayor-{n}" for n in range(1, 7)),
        *(f"deputy-secretary-general-{n}" for n in range(1, 7)),
    } <= codes
    counties = set(Unit.objects.filter(kind="county").values_list("short_name", flat=True))
    assert counties == {"新抚区", "东洲区", "望花区", "顺城区", "抚顺县", "新宾县", "清原县"}
    ranking = list(Position.objects.filter(rank__isnull=False).order_by("rank").values_list("code", flat=True))
    assert ranking == ["mayor", *(f"vice-mayor-{n}" for n in range(1, 7)), "secretary-general"]
    pairs = {p.code: p.ab_partner.code for p in Position.objects.filter(ab_partner__isnull=False)}
    assert pairs["vice-mayor-1"] == "vice-mayor-2" and pairs["vice-mayor-6"] == "vice-mayor-5"
    assert Position.objects.get(code="deputy-secretary-general-4").assists.code == "vice-mayor-4"
    assert get_user_model().objects.get(username="vm3").check_password(DEMO_PASSWORD)


def test_loading_the_demo_twice_changes_nothing(demo):
    counts = [m.objects.count() for m in (Unit, Position, Person, Holding, Portfolio)]
    load_demo()
    assert [m.objects.count() for m in (Unit, Position, Person, Holding, Portfolio)] == counts


def test_routing_follows_the_division_of_labour(demo):  # 7-1
    fgw = Unit.objects.get(code="fgw")
    assert [p.code for p in supervising_positions(fgw, AT)] == ["vice-mayor-1"]


def test_acting_is_derived_from_recorded_absences(demo):  # 7-2
    vm3 = Position.objects.get(code="vice-mayor-3")
    assert acting_for(vm3, AT).reason == "present"
    away("vice-mayor-3")
    assert acting_for(vm3, AT).acting_position == "vice-mayor-4"
    away("vice-mayor-4")
    result = acting_for(vm3, AT)
    assert (result.acting_position, result.coordinated_by) == ("vice-mayor-5", "vice-mayor-1")
    assert acting_for(vm3, AT + dt.timedelta(days=3)).reason == "present"  # the absence has ended
    assert {a.position.code for a in acting_assignments(AT)} == {"vice-mayor-3", "vice-mayor-4"}


def test_the_mayor_and_the_designated_vice_mayor_both_away(demo):  # 6-2
    away("mayor")
    assert acting_for(Position.objects.get(code="mayor"), AT).acting_position == "vice-mayor-1"
    away("vice-mayor-1")
    result = acting_for(Position.objects.get(code="mayor"), AT)
    assert result.acting_position == "vice-mayor-2" and result.reason == "ranking_order"


@pytest.mark.rule("acting.ab-partner")
def test_recording_an_absence_is_audited_and_refuses_bad_input(demo):
    absence = away("vice-mayor-2")
    event = AuditEvent.objects.get(action="absence.record")
    assert event.subject_id == str(absence.pk) and "acting.ab-partner" in event.rules
    with pytest.raises(OrgError, match="必须晚于"):
        absence_record(actor=None, position=Position.objects.get(code="mayor"), start=AT, end=AT, reason="x")
    assert Absence.objects.count() == 1


def test_the_cli_answers_acting_in_json(demo, capsys):
    call_command(
        "org",
        "absent",
        "vice-mayor-3",
        "--from",
        "2026-10-03T08:00",
        "--to",
        "2026-10-05T18:00",
        "--reason",
        "赴省参加会议",
    )
    capsys.readouterr()
    call_command("org", "acting", "vice-mayor-3", "--at", "2026-10-03T09:00", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["position"] == "vice-mayor-3"
    assert data["acting_position"] == "vice-mayor-4"
    assert data["acting_person"] == Holding.objects.get(position__code="vice-mayor-4").person.name
    assert data["reason"] == "ab_partner"
    assert any("第七条第二款" in (s["citation"] or "") for s in data["trace"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["acting", "no-such-position", "--at", "2026-10-03T09:00"], "no-such-position"),
        (["acting", "mayor", "--at", "tomorrow"], "ISO"),
        (["absent", "mayor", "--from", "2026-10-03T09:00", "--to", "2026-10-02T09:00"], "必须晚于"),
    ],
)
def test_the_cli_refuses_bad_input_with_exit_2(demo, args, message):
    with pytest.raises(CommandError) as err:
        call_command("org", *args)
    assert err.value.returncode == 2 and message in str(err.value)


def test_the_acting_api_needs_login_and_answers_with_the_trace(demo, client):
    away("mayor")
    url = "/api/v1/org/acting?position=mayor&at=2026-10-03T09:00"
    assert client.get(url).status_code == 401
    client.force_login(get_user_model().objects.get(username="fgw"))
    data = client.get(url).json()
    assert data["acting_position"] == "vice-mayor-1" and data["reason"] == "designated_vice_mayor"
    assert client.get("/api/v1/org/acting?position=nobody").json()["code"] == "unknown_position"


def test_the_organisation_page_shows_structure_pairs_and_who_acts_today(demo, client):
    absence_record(
        actor=None,
        position=Position.objects.get(code="vice-mayor-5"),
        start=dt.datetime.now(tz=TZ) - dt.timedelta(hours=1),
        end=dt.datetime.now(tz=TZ) + dt.timedelta(hours=5),
        reason="带队招商",
    )
    client.force_login(get_user_model().objects.get(username="fgw"))
    html = client.get("/org/").content.decode()
    assert "常务副市长 周启航 ↔ 副市长 岳清远" in html and "vice-mayor-" not in html.replace(
        'data-position="vice-mayor-', ""
    )
    assert "清原满族自治县人民政府" in html
    assert "由AB角副市长阮嘉禾代行副市长贺长松的政务活动职责" in html
    assert 'id="absence-form"' not in html  # only the General Office records absences


def test_only_the_general_office_records_absences_through_the_page(demo, client):
    client.force_login(get_user_model().objects.get(username="fgw"))
    assert client.post("/org/absences/", {"position": "mayor"}).status_code == 403
    client.force_login(get_user_model().objects.get(username="clerk"))
    response = client.post(
        "/org/absences/",
        {"position": "mayor", "start": "2026-12-01T08:00", "end": "2026-12-03T18:00", "reason": "赴京汇报"},
        follow=True,
    )
    assert "已登记" in response.content.decode()
    assert Absence.objects.get().person.name == "林望川"
    bad = client.post("/org/absences/", {"position": "mayor", "start": "garbage", "end": ""}, follow=True)
    assert "请填写正确的开始和结束时间" in bad.content.decode()


def test_the_division_of_labour_and_deputy_pairing_rules_cite_article_7(book, demo):  # 7-1, 7-3
    assert book.rule("org.division-of-labour").citation.endswith("第七条第一款")
    assert book.rule("org.deputy-secretary-general").citation.endswith("第七条第三款")
    for n in range(1, 7):
        assert Position.objects.get(code=f"deputy-secretary-general-{n}").assists.code == f"vice-mayor-{n}"
    assert Portfolio.objects.filter(position__code="vice-mayor-3", unit__code="justice").exists()


@pytest.mark.rule("acting.mayor-away")
def test_6_2_the_cli_records_an_in_city_absence_and_nobody_acts_for_the_mayor(demo, capsys):  # Art 6 ¶2
    call_command(
        "org",
        "absent",
        "mayor",
        "--from",
        "2026-10-03T08:00",
        "--to",
        "2026-10-04T18:00",
        "--reason",
        "病假",
        "--in-city",
    )
    assert "不由副市长代行" in capsys.readouterr().out
    assert Absence.objects.get().away_from_city is False
    call_command("org", "acting", "mayor", "--at", "2026-10-03T09:00", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["acting_position"] is None and data["reason"] == "mayor_in_city" and data["is_acting"] is False
    # Without --in-city the absence is 离抚 and the executive vice mayor presides, as before.
    call_command("org", "absent", "mayor", "--from", "2026-10-05T08:00", "--to", "2026-10-06T18:00")
    capsys.readouterr()
    call_command("org", "acting", "mayor", "--at", "2026-10-05T09:00", "--json")
    assert json.loads(capsys.readouterr().out)["acting_position"] == "vice-mayor-1"


@pytest.mark.rule("acting.mayor-away")
def test_6_2_the_mayors_designation_of_another_vice_mayor_is_recorded_and_followed(demo, capsys):  # Art 6 ¶2
    call_command(
        "org",
        "absent",
        "mayor",
        "--from",
        "2026-10-03T08:00",
        "--to",
        "2026-10-04T18:00",
        "--designate",
        "vice-mayor-3",
    )
    out = capsys.readouterr().out
    assert "由市长指定的副市长" in out
    absence = Absence.objects.get()
    assert absence.designated.code == "vice-mayor-3"
    event = AuditEvent.objects.get(action="absence.record")
    assert event.after["designated"] == "vice-mayor-3"
    result = acting_for(Position.objects.get(code="mayor"), AT)
    assert (result.acting_position, result.reason) == ("vice-mayor-3", "mayor_designated")
    assert "acting.mayor-away" in result.rule_ids
    # Only the mayor designates, only a vice mayor, and only for an absence from Fushun.
    for code, kwargs, message in (
        ("vice-mayor-2", {"designated": Position.objects.get(code="vice-mayor-3")}, "只有市长离抚时"),
        ("mayor", {"designated": Position.objects.get(code="secretary-general")}, "不是副市长"),
        ("mayor", {"designated": Position.objects.get(code="vice-mayor-3"), "away_from_city": False}, "无需指定"),
    ):
        with pytest.raises(OrgError, match=message):
            absence_record(
                actor=None,
                position=Position.objects.get(code=code),
                start=AT + dt.timedelta(days=10),
                end=AT + dt.timedelta(days=11),
                reason="x",
                **kwargs,
            )


def _record(code: str, start: dt.datetime, days: int = 2, **kwargs) -> Absence:
    return absence_record(
        actor=None,
        position=Position.objects.get(code=code),
        start=start,
        end=start + dt.timedelta(days=days),
        reason="赴外地学习考察",
        **kwargs,
    )


@pytest.mark.rule("leave.notice")
def test_54_2_a_departure_with_less_than_three_days_notice_is_recorded_and_flagged(demo):  # Art 54 ¶2
    from cityhall.org.selectors import absence_flags

    now = dt.datetime.now(tz=TZ)
    # Later today, but never past midnight: after 22:00 "in two hours" is tomorrow (提前1天).
    later_today = min(now + dt.timedelta(hours=2), now.replace(hour=23, minute=59, second=0, microsecond=0))
    same_day = _record("head-xinbin", later_today)
    in_good_time = _record("head-finance", now + dt.timedelta(days=5))
    in_city = _record("head-fgw", later_today, away_from_city=False)
    vice_mayor = _record("vice-mayor-2", later_today)  # ¶1: reports beforehand, no lead time
    flags = absence_flags(Absence.objects.all())
    [late] = flags[same_day.pk]
    assert late.code == "late_notice" and late.rule_id == "leave.notice"
    assert late.citation.endswith("第五十四条第二款") and "当天出发" in late.message
    assert flags[in_good_time.pk] == [] and vice_mayor.pk in flags and flags[vice_mayor.pk] == []
    assert in_city.pk not in flags  # not 离抚


@pytest.mark.rule("leave.pairing", "org.deputy-secretary-general")
def test_54_2_a_vice_mayor_and_their_deputy_away_together_are_flagged_unless_the_mayor_consented(demo):  # Art 54 ¶2
    from cityhall.org.selectors import absence_flags

    start = dt.datetime.now(tz=TZ) + dt.timedelta(days=7)
    deputy = Position.objects.get(code="deputy-secretary-general-3")
    assert deputy.assists.code == "vice-mayor-3"
    v = _record("vice-mayor-3", start)
    d = _record("deputy-secretary-general-3", start + dt.timedelta(days=1))
    other = _record("deputy-secretary-general-4", start)  # assists another vice mayor
    flags = absence_flags(Absence.objects.all())
    assert [f.code for f in flags[v.pk]] == ["paired_absence"] and [f.code for f in flags[d.pk]] == ["paired_absence"]
    assert flags[v.pk][0].citation.endswith("第五十四条第二款") and d.person.name in flags[v.pk][0].message
    assert flags[other.pk] == []
    Absence.objects.filter(pk=d.pk).update(mayor_consented=True)
    flags = absence_flags(Absence.objects.all())
    assert flags[v.pk] == [] and flags[d.pk] == []


@pytest.mark.rule("leave.notice", "leave.pairing")
def test_54_2_the_organisation_page_shows_the_flags(demo, client):  # Art 54 ¶2
    now = dt.datetime.now(tz=TZ)
    _record("head-xinbin", now + dt.timedelta(hours=2))
    _record("vice-mayor-3", now + dt.timedelta(days=7))
    _record("deputy-secretary-general-3", now + dt.timedelta(days=7))
    client.force_login(get_user_model().objects.get(username="clerk"))
    html = client.get("/org/").content.decode()
    assert html.count("flag-late_notice") == 1 and html.count("flag-paired_absence") == 2
    assert "未提前3天" in html and "同时离抚" in html and "第五十四条第二款" in html
    response = client.post(
        "/org/absences/",
        {
            "position": "deputy-secretary-general-3",
            "start": (now + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "end": (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "赴沈阳开会",
            "away_from_city": "on",
        },
        follow=True,
    )
    assert "请注意：离抚外出应提前3天请假" in response.content.decode()
