"""Loading official schedules into the database: services, the admin, and the calendar they feed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from cityhall.rulebase.models import OfficialDay, OfficialYear
from cityhall.rulebase.selectors import rule_deadline, working_calendar
from cityhall.rulebase.services import official_year_load
from cityhall.rulebase.signals import calendar_year_loaded
from cityhall.rules.schedule_file import ScheduleFileError, parse_schedule, read_schedule_file

pytestmark = pytest.mark.django_db
SAMPLE_2026 = Path(__file__).resolve().parents[2] / "cityhall" / "rulebase" / "calendars" / "2026.yaml"
D = dt.date.fromisoformat


def test_the_2026_sample_file_matches_the_seed_exactly():
    before = working_calendar()
    official_year_load(schedule=read_schedule_file(SAMPLE_2026), actor=None)
    after = working_calendar()
    assert after is not before  # the revision changed, so the calendar was rebuilt
    day = D("2026-01-01")
    while day.year == 2026:
        assert after.is_working_day(day) == before.is_working_day(day), day
        day += dt.timedelta(days=1)


def test_loading_a_year_turns_provisional_deadlines_exact(schedule_2027, django_capture_on_commit_callbacks):  # 44-3
    assert rule_deadline("minutes.issue", D("2026-12-30")).provisional
    fired: list[int] = []

    def listener(sender, year, **kwargs):
        fired.append(year)

    calendar_year_loaded.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = official_year_load(schedule=read_schedule_file(schedule_2027), actor=None)
    finally:
        calendar_year_loaded.disconnect(listener)
    assert result.created and result.holidays == 3 and result.makeup_working_days == 1
    assert fired == [2027]
    exact = rule_deadline("minutes.issue", D("2026-12-30"))
    assert exact.due == D("2027-01-05") and not exact.provisional


def test_reloading_a_year_replaces_it_whole(schedule_2027, tmp_path):
    official_year_load(schedule=read_schedule_file(schedule_2027), actor=None)
    changed = tmp_path / "2027b.yaml"
    changed.write_text(
        "year: 2027\nsource: 测试用修正版\nholidays:\n  - {name: 元旦, from: 2027-01-01, to: 2027-01-01}\n",
        encoding="utf-8",
    )
    result = official_year_load(schedule=read_schedule_file(changed), actor=None)
    assert not result.created
    assert OfficialYear.objects.get(year=2027).source == "测试用修正版"
    assert list(OfficialDay.objects.values_list("date", flat=True)) == [D("2027-01-01")]
    assert working_calendar().is_working_day(D("2027-01-02")) is False  # a Saturday, no longer a holiday but a weekend
    assert working_calendar().is_working_day(D("2027-01-09")) is False  # the make-up day is gone


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (
            {
                "year": 2027,
                "source": "测试文件",
                "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2026-12-31"}],
            },
            "holidays",
        ),
        ({"year": 2027, "source": "测试文件", "holidays": [], "extra": 1}, "extra"),
        ({"year": 2027, "holidays": []}, "source"),
        (
            {
                "year": 2027,
                "source": "测试文件",
                "holidays": [{"name": "元旦", "from": "2028-01-01", "to": "2028-01-01"}],
            },
            "holidays",
        ),
        (
            {
                "year": 2027,
                "source": "测试文件",
                "holidays": [{"name": "x", "from": "2027-01-01", "to": "2027-01-01"}],
                "makeup_working_days": [{"name": "x", "date": "2027-01-01"}],
            },
            "makeup_working_days",
        ),
        ({"year": "二〇二七", "source": "测试文件", "holidays": []}, "year"),
    ],
    ids=["reversed-span", "unknown-key", "missing-source", "wrong-year", "both-rest-and-work", "bad-year"],
)
def test_a_bad_schedule_is_refused_naming_the_key(data, key):
    with pytest.raises(ScheduleFileError) as err:
        parse_schedule(data, "x.yaml")
    assert key in err.value.message


def test_the_cli_dry_run_writes_nothing(schedule_2027, capsys):
    call_command("calendar", "load", str(schedule_2027), "--dry-run")
    assert "校验通过" in capsys.readouterr().out
    assert not OfficialYear.objects.exists()


def test_the_cli_refuses_a_bad_file_with_exit_status_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError) as err:
        call_command("calendar", "load", str(bad))
    assert err.value.returncode == 2 and "无法解析" in str(err.value)


def test_an_administrator_loads_a_year_through_the_admin(client, schedule_2027):
    admin = get_user_model().objects.create_superuser("calendar-admin", "a@example.invalid", "x-Strong-Pass-2026")
    client.force_login(admin)
    page = client.get("/admin/rulebase/officialyear/upload/")
    assert page.status_code == 200 and "导入年度放假安排" in page.content.decode()
    upload = SimpleUploadedFile("2027.yaml", schedule_2027.read_bytes(), content_type="application/x-yaml")
    response = client.post("/admin/rulebase/officialyear/upload/", {"file": upload}, follow=True)
    assert response.status_code == 200
    assert "已导入2027年放假安排" in response.content.decode()
    year = OfficialYear.objects.get(year=2027)
    assert year.loaded_by == admin and year.days.count() == 4


def test_the_admin_shows_a_bad_file_error_and_loads_nothing(client):
    admin = get_user_model().objects.create_superuser("calendar-admin", "a@example.invalid", "x-Strong-Pass-2026")
    client.force_login(admin)
    upload = SimpleUploadedFile("2027.yaml", b"year: 2027\nholidays: []\n")
    response = client.post("/admin/rulebase/officialyear/upload/", {"file": upload})
    assert response.status_code == 200
    assert "缺少必填的键" in response.content.decode() and "2027.yaml" in response.content.decode()
    assert not OfficialYear.objects.exists()


def test_the_admin_upload_is_closed_to_anonymous_users_and_non_staff(client, schedule_2027):
    response = client.get("/admin/rulebase/officialyear/upload/")
    assert response.status_code == 302 and "login" in response["Location"]
    clerk = get_user_model().objects.create_user("clerk", password="x-Strong-Pass-2026")
    client.force_login(clerk)
    response = client.post(
        "/admin/rulebase/officialyear/upload/", {"file": SimpleUploadedFile("2027.yaml", schedule_2027.read_bytes())}
    )
    assert response.status_code == 302
    assert not OfficialYear.objects.exists()
