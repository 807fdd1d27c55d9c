"""The `cityhall` console script, run as a user runs it, on a freshly migrated SQLite database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CITYHALL = str(Path(sys.executable).with_name("cityhall"))


def _migrated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    db = tmp_path_factory.mktemp("cli") / "cityhall.sqlite3"
    environ = {
        **os.environ,
        "CITYHALL_DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    }
    environ.pop("CITYHALL_RULEBOOK", None)
    subprocess.run([CITYHALL, "migrate", "--noinput", "-v0"], env=environ, check=True, timeout=120)
    return environ


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return _migrated(tmp_path_factory)


@pytest.fixture
def fresh_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A database of its own, for tests that load a schedule."""
    return _migrated(tmp_path_factory)


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CITYHALL, *args], env=env, capture_output=True, text=True, timeout=60)


def test_deadline_prints_the_iso_due_date_on_the_first_line(env):  # 50-2
    out = run(env, "rules", "deadline", "countersign.reply", "2026-09-30")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "2026-10-10"
    assert any("第五十条第二款" in ln for ln in lines)
    assert any("2026-10-10 国庆节（调休上班日）" in ln for ln in lines)


def test_deadline_json_has_rule_citation_due_provisional_and_trace(env):  # 44-3
    out = run(env, "rules", "deadline", "minutes.issue", "2026-12-30", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["rule"] == "minutes.issue"
    assert "第四十四条第三款" in data["citation"]
    assert data["due"] == "2027-01-04"
    assert data["provisional"] is True
    assert isinstance(data["trace"], list) and data["trace"][0]["step"] == "rule"


def test_a_lead_time_prints_the_latest_allowed_date(env):  # 54-2
    out = run(env, "rules", "deadline", "leave.notice", "2026-12-01")
    assert out.stdout.splitlines()[0] == "2026-11-28"


def test_list_and_show(env):
    listed = run(env, "rules", "list", "--json")
    assert listed.returncode == 0
    ids = {r["id"] for r in json.loads(listed.stdout)}
    assert {"minutes.issue", "petition.extension", "supervision.annual"} <= ids
    shown = run(env, "rules", "show", "supervision.ordinary")
    assert shown.returncode == 0
    assert "事项落实起始时间从部署当日算起" in shown.stdout
    shown_json = json.loads(run(env, "rules", "show", "supervision.ordinary", "--json").stdout)
    assert shown_json["params"]["period"]["start_day_counted"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rules", "show", "no.such-rule"], "no.such-rule"),
        (["rules", "deadline", "no.such-rule", "2026-01-01"], "no.such-rule"),
        (["rules", "deadline", "minutes.issue", "2026-13-45"], "YYYY-MM-DD"),
        (["rules", "deadline", "minutes.issue", "yesterday"], "YYYY-MM-DD"),
        (["rules", "deadline", "inspection.unannounced-share", "2026-01-01"], "不是期限类规则"),
        (["calendar", "show", "2026-13"], "YYYY-MM"),
        (["calendar", "load", "/nonexistent/2027.yaml"], "文件不存在"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message_and_no_traceback(env, args, message):
    out = run(env, *args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr + out.stdout


def test_calendar_show_marks_holidays_and_makeup_days(env):
    out = run(env, "calendar", "show", "2026-10")
    assert out.returncode == 0
    assert "2026-10-01 国庆节放假" in out.stdout
    assert "2026-10-10 国庆节调休上班" in out.stdout
    assert "暂定" in run(env, "calendar", "show", "2027-01").stdout


def test_loading_a_year_makes_its_deadlines_exact(fresh_env, schedule_2027):  # 44-3
    env = fresh_env
    before = json.loads(run(env, "rules", "deadline", "minutes.issue", "2026-12-30", "--json").stdout)
    assert before["provisional"] is True and before["due"] == "2027-01-04"
    loaded = run(env, "calendar", "load", str(schedule_2027))
    assert loaded.returncode == 0, loaded.stderr
    assert "2027年" in loaded.stdout
    after = json.loads(run(env, "rules", "deadline", "minutes.issue", "2026-12-30", "--json").stdout)
    assert after["provisional"] is False and after["due"] == "2027-01-05"


def test_an_invalid_schedule_file_names_the_key_and_loads_nothing(env, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "year: 2028\nsource: 测试用错误文件\nholidays:\n  - {name: 元旦, from: 2028-01-01, to: 2028-01-01}\n"
        "makeup_working_days:\n  - {name: 元旦, date: 2028-01-04}\n",
        encoding="utf-8",
    )
    out = run(env, "calendar", "load", str(bad))
    assert out.returncode == 2
    assert "makeup_working_days" in out.stderr and "不能作为调休上班日" in out.stderr
    assert "暂定" in run(env, "calendar", "show", "2028-01").stdout
