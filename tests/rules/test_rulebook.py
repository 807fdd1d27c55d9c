"""The rulebook as data: required ids, verbatim quotes, strict loading, selecting another city's rulebook."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityhall.rules import RulebookError, UnknownRule, deadline, default_calendar, load_rulebook
from cityhall.rules.rulebook import RULEBOOKS_DIR, resolve_rulebook_path
from cityhall.rules.schema import Direction, Period

FUSHUN = RULEBOOKS_DIR / "fushun-2022"
TESTCITY = Path(__file__).parent / "rulebooks" / "testcity"
REQUIRED_IDS = [
    "minutes.issue",
    "minutes.amend",
    "countersign.reply",
    "supervision.ordinary",
    "supervision.complex",
    "supervision.annual",
    "leave.notice",
    "leave.annual-notice",
    "trip.return-report",
    "inspection.plan-filing",
    "inspection.report",
    "meeting-plan.submission",
    "meeting.citywide-duration",
    "meeting.plenary-frequency",
    "meeting.executive-frequency",
    "disclosure.reply",
    "disclosure.extension",
    "disclosure.third-party",
    "petition.accept",
    "petition.handle",
    "petition.extension",
]
_BOOK = load_rulebook("fushun-2022")
ALL_RULES = list(_BOOK)


@pytest.mark.parametrize("rule_id", REQUIRED_IDS)
def test_the_rule_ids_other_modules_depend_on_exist(book, rule_id):
    rule = book.rule(rule_id)
    assert rule.record.clause
    assert rule.record.computes, f"{rule_id} must be computable"


@pytest.mark.parametrize("rule", ALL_RULES, ids=[f"{r.id}-{r.case_id}" for r in ALL_RULES])
def test_each_citation_names_its_source_and_its_article(rule):
    # Whether the quote really sits in that article is tests/rules/test_rulebook_strict.py's job.
    assert rule.citation.startswith(f"《{rule.source.title}》")
    r = rule.record
    expected = f"Art {r.article}" + (f" ¶{r.paragraph}" if r.paragraph else "") + (f"({r.item})" if r.item else "")
    assert rule.citation_en.endswith(expected)
    assert rule.record.effective_from >= rule.source.issued


def test_the_work_rules_citation_names_the_document_number_and_article_in_chinese(book):
    assert book.rule("minutes.issue").citation == "《抚顺市人民政府工作规则》（抚政发〔2022〕8号）第四十四条第三款"
    assert book.rule("inspection.report").citation.endswith("第六十条")


def test_national_regulations_are_separate_sources_with_their_own_citations(book):
    assert (
        book.rule("disclosure.reply").citation
        == "《中华人民共和国政府信息公开条例》（国务院令第711号）第三十三条第二款"
    )
    assert book.rule("petition.handle").source.title == "信访工作条例"
    assert book.chapter_of(book.rule("petition.handle")) is None
    assert book.chapter_of(book.rule("minutes.issue")).title == "会议制度"


def test_an_unknown_rule_id_is_a_clear_error(book):
    with pytest.raises(UnknownRule, match=r"no\.such"):
        book.rule("no.such")


# -- strict loading ------------------------------------------------------------------


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    target = tmp_path / "book"
    shutil.copytree(FUSHUN, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_unknown_key_names_the_file_and_the_key(scratch):
    _edit(scratch / "rules" / "minutes.issue.yaml", "title_en:", "titel: x\ntitle_en:")
    with pytest.raises(RulebookError) as err:
        load_rulebook(scratch)
    assert err.value.file == "rules/minutes.issue.yaml"
    assert err.value.key == "titel"
    assert "未知的键" in err.value.message


def test_a_missing_quote_names_the_file_and_the_key(scratch):
    path = scratch / "rules" / "minutes.issue.yaml"
    path.write_text("\n".join(ln for ln in path.read_text().splitlines() if not ln.startswith("clause:")))
    with pytest.raises(RulebookError) as err:
        load_rulebook(scratch)
    assert (err.value.file, err.value.key) == ("rules/minutes.issue.yaml", "clause")


def test_a_bad_unit_names_the_file_and_the_key(scratch):
    _edit(scratch / "rules" / "minutes.issue.yaml", "unit: working_day", "unit: fortnight")
    with pytest.raises(RulebookError) as err:
        load_rulebook(scratch)
    assert err.value.file == "rules/minutes.issue.yaml"
    assert err.value.key == "params.period.unit"


def test_a_quote_that_is_not_in_the_source_text_is_refused(scratch):
    _edit(scratch / "rules" / "minutes.issue.yaml", "3个工作日内印发", "5个工作日内印发")
    with pytest.raises(RulebookError, match="与原文不一致") as err:
        load_rulebook(scratch)
    assert err.value.key == "clause"


def test_a_lead_time_that_would_move_off_a_holiday_is_refused(scratch):
    _edit(
        scratch / "rules" / "leave.notice.yaml",
        "direction: before, start_day_counted: false, on_non_working_end: keep",
        "direction: before, start_day_counted: false, on_non_working_end: next_working_day",
    )
    with pytest.raises(RulebookError, match="never moves"):
        load_rulebook(scratch)


def test_overlapping_versions_of_one_rule_are_refused(scratch):
    shutil.copy(scratch / "rules" / "minutes.issue.yaml", scratch / "rules" / "minutes.issue@2.yaml")
    _edit(scratch / "rules" / "minutes.issue@2.yaml", "version: 1", "version: 2")
    with pytest.raises(RulebookError, match="重叠"):
        load_rulebook(scratch)


def test_a_new_version_applies_from_its_effective_date(scratch):
    _edit(
        scratch / "rules" / "minutes.issue.yaml",
        "effective_from: 2022-09-30",
        "effective_from: 2022-09-30\neffective_to: 2026-12-31",
    )
    shutil.copy(scratch / "rules" / "minutes.issue.yaml", scratch / "rules" / "minutes.issue@2.yaml")
    v2 = scratch / "rules" / "minutes.issue@2.yaml"
    _edit(v2, "version: 1", "version: 2")
    _edit(v2, "effective_from: 2022-09-30\neffective_to: 2026-12-31", "effective_from: 2027-01-01")
    _edit(v2, "value: 3, unit: working_day", "value: 5, unit: working_day")
    # The quote still says 3 working days, so the new number must say where it comes from.
    _edit(v2, "on_non_working_end: keep}", "on_non_working_end: keep, basis: {reading: 假设的新版规则改为5个工作日。}}")
    book = load_rulebook(scratch)
    cal = default_calendar()
    assert deadline("minutes.issue", dt.date(2026, 11, 25), rulebook=book, calendar=cal).rule.version == 1
    later = deadline("minutes.issue", dt.date(2027, 3, 1), rulebook=book, calendar=cal)
    assert later.rule.version == 2 and later.trace[0].data["version"] == 2


def test_cityhall_rulebook_selects_another_citys_rulebook(monkeypatch):
    monkeypatch.setenv("CITYHALL_RULEBOOK", str(TESTCITY))
    assert resolve_rulebook_path() == TESTCITY.resolve()
    other = load_rulebook()
    assert other.name == "testcity-2025"
    cal = default_calendar()
    ours = deadline("countersign.reply", dt.date(2026, 11, 23), rulebook=_BOOK, calendar=cal)
    theirs = deadline("countersign.reply", dt.date(2026, 11, 23), rulebook=other, calendar=cal)
    assert ours.due == dt.date(2026, 11, 26)
    assert theirs.due == dt.date(2026, 11, 30)
    assert theirs.rule.citation.startswith("《测试市人民政府工作规则》（测政发〔2025〕1号）")


def test_an_unknown_rulebook_name_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CITYHALL_RULEBOOK", "atlantis-2099")
    with pytest.raises(RulebookError, match="找不到该规则库"):
        load_rulebook()


# -- properties over every computable rule ------------------------------------------------

DAY_RULES = [
    r
    for r in ALL_RULES
    if r.record.computes
    and getattr(r.record.params[r.record.computes], "unit", None)
    and r.record.params[r.record.computes].unit.value not in ("hour", "minute")
]


@settings(max_examples=200, deadline=None)
@given(rule=st.sampled_from(DAY_RULES), day=st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2030, 12, 31)))
def test_a_due_date_is_never_earlier_than_its_start_and_a_lead_time_never_later(rule, day):
    result = deadline(rule.id, day, rulebook=_BOOK, calendar=default_calendar())
    param = rule.record.params[rule.record.computes]
    if isinstance(param, Period) and param.direction is Direction.BEFORE:
        assert result.due < day
    elif param.type == "day_of_month":
        assert result.due < day.replace(day=1)
    else:
        assert result.due >= day
    assert result.trace[0].step == "rule" and result.trace[-1].step == "result"


@settings(max_examples=200, deadline=None)
@given(
    rule=st.sampled_from(
        [
            r
            for r in DAY_RULES
            if isinstance(r.record.params[r.record.computes], Period)
            and r.record.params[r.record.computes].on_non_working_end.value == "next_working_day"
        ]
    ),
    day=st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2030, 12, 31)),
)
def test_a_period_that_moves_off_rest_days_always_ends_on_a_working_day(rule, day):
    cal = default_calendar()
    result = deadline(rule.id, day, rulebook=_BOOK, calendar=cal)
    assert cal.is_working_day(result.due)


def test_the_rules_core_never_imports_django():
    import subprocess
    import sys

    code = "import sys, cityhall.rules, cityhall.rules.schedule_file; sys.exit('django' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
