"""The load-time check refuses a rulebook that misquotes, misattributes or misstates its numbers.

Each test below is one alteration that an audit found the old check let through (issue 9): it must
now fail to load, naming the file, the key and the reason.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from cityhall.rules import RulebookError, load_rulebook
from cityhall.rules.numerals import cn_to_int
from cityhall.rules.quoted_numbers import stated
from cityhall.rules.rulebook import RULEBOOKS_DIR
from cityhall.rules.schema import Unit
from cityhall.rules.source_text import Place, SourceText

FUSHUN = RULEBOOKS_DIR / "fushun-2022"
TEXT = FUSHUN / "text" / "work-rules.txt"
MINUTES = Path("rules") / "minutes.issue.yaml"


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    target = tmp_path / "book"
    shutil.copytree(FUSHUN, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _refused(book: Path, file: str, key: str, reason: str) -> RulebookError:
    with pytest.raises(RulebookError) as caught:
        load_rulebook(book)
    message = str(caught.value)
    assert caught.value.file == file, message
    assert caught.value.key == key, message
    assert re.search(reason, message), message
    return caught.value


# -- the six alterations ---------------------------------------------------------------------------


def test_a_quote_attributed_to_another_article_is_refused_and_the_message_says_where_it_is(scratch):
    _edit(scratch / MINUTES, "article: 44", "article: 45")
    _edit(scratch / MINUTES, "paragraph: 3", "paragraph: 1")
    _refused(scratch, str(MINUTES), "clause", "不在所引的第四十五条第一款之内.*第四十四条第三款")


def test_a_quote_in_the_right_article_but_the_wrong_paragraph_is_refused(scratch):
    _edit(scratch / MINUTES, "paragraph: 3", "paragraph: 1")
    _refused(scratch, str(MINUTES), "clause", "第四十四条第一款之内.*第四十四条第三款")


def test_a_fragment_found_anywhere_in_the_text_is_refused(scratch):
    _edit(scratch / MINUTES, "clause: 会议纪要原则上在会议结束后3个工作日内印发。", "clause: 市政府办公室")
    _refused(scratch, str(MINUTES), "clause", "不在所引的第四十四条第三款之内")


def test_a_fragment_of_the_cited_paragraph_is_refused_as_not_a_whole_clause(scratch):
    _edit(scratch / MINUTES, "clause: 会议纪要原则上在会议结束后3个工作日内印发。", "clause: 3个工作日内印发")
    _refused(scratch, str(MINUTES), "clause", "完整的句子或分句")


def test_a_quote_running_into_the_next_article_is_refused(scratch):
    _edit(
        scratch / MINUTES,
        "clause: 会议纪要原则上在会议结束后3个工作日内印发。",
        "clause: 会议纪要原则上在会议结束后3个工作日内印发。四十五、市政府召开的全市性会议实行计划管理",
    )
    _refused(scratch, str(MINUTES), "clause", "不在所引的第四十四条第三款之内.*原文中找不到")


def test_a_source_without_its_text_cannot_claim_verified_quotes(scratch):
    sources = scratch / "sources.yaml"
    _edit(sources, "    text_file: text/work-rules.txt\n", "")
    text = sources.read_text(encoding="utf-8")
    sources.write_text(re.sub(r"    sha256: [0-9a-f]+\n", "", text, count=1), encoding="utf-8")
    _edit(scratch / MINUTES, "会议纪要原则上在会议结束后3个工作日内印发。", "会议纪要一律于会后五日内印发。")
    _refused(scratch, "sources.yaml", "sources.workrules", "quotes_verified: true needs a text_file")


def test_quotes_verified_has_no_default(scratch):
    sources = scratch / "sources.yaml"
    _edit(sources, "    quotes_verified: false\n    note: 条文依2019年", "    note: 条文依2019年")
    _refused(scratch, "sources.yaml", "sources.disclosure-regulation.quotes_verified", "Field required|必填|缺少")


def test_an_unverified_source_loads_and_says_so(scratch):
    book = load_rulebook(scratch)
    assert book.rule("disclosure.reply").source.quotes_verified is False
    assert book.rule("minutes.issue").source.quotes_verified is True


def _make_it_five_days(scratch: Path) -> Path:
    """Art 44 ¶3 edited to 5 working days in the text, the quote and the parameter alike."""
    text = scratch / "text" / "work-rules.txt"
    _edit(text, "会议结束后3个工作日内印发", "会议结束后5个工作日内印发")
    _edit(scratch / MINUTES, "3个工作日内印发", "5个工作日内印发")
    _edit(scratch / MINUTES, "value: 3, unit: working_day", "value: 5, unit: working_day")
    return text


def test_the_text_and_the_quote_edited_together_break_the_pin(scratch):
    _make_it_five_days(scratch)
    _refused(scratch, "sources.yaml", "sources.workrules.sha256", "已改变.*更新 sha256")


def test_a_deliberately_updated_pin_loads_the_new_text(scratch):
    text = _make_it_five_days(scratch)
    old = hashlib.sha256(TEXT.read_bytes()).hexdigest()
    _edit(scratch / "sources.yaml", old, hashlib.sha256(text.read_bytes()).hexdigest())
    assert load_rulebook(scratch).rule("minutes.issue").record.params["period"].value == 5


def test_the_pin_matches_the_shipped_text():
    book = load_rulebook("fushun-2022")
    assert book.sources["workrules"].sha256 == hashlib.sha256(TEXT.read_bytes()).hexdigest()


def test_a_parameter_that_disagrees_with_its_quote_is_refused(scratch):
    _edit(scratch / MINUTES, "value: 3, unit: working_day", "value: 30, unit: calendar_day")
    _refused(scratch, str(MINUTES), "params.period", "参数为30天.*引文中有：3个工作日")


def test_the_right_number_in_the_wrong_unit_is_refused(scratch):
    _edit(scratch / MINUTES, "value: 3, unit: working_day", "value: 3, unit: calendar_day")
    _refused(scratch, str(MINUTES), "params.period", "参数为3天")


def test_a_lead_time_must_be_stated_as_before_in_its_quote(scratch):
    # Art 54 ¶2 「提前3天」: a period counted after the anchor contradicts it.
    path = scratch / "rules" / "leave.notice.yaml"
    _edit(path, "direction: before", "direction: after")
    _refused(scratch, "rules/leave.notice.yaml", "params.period", "方向不同")


def test_a_day_of_month_must_be_the_day_its_quote_names(scratch):
    path = scratch / "rules" / "meeting-plan.submission.yaml"
    _edit(path, "day: 20", "day: 25")
    _refused(scratch, "rules/meeting-plan.submission.yaml", "params.submission", "每月25日.*引文中有：每月20日")


def test_a_number_stated_elsewhere_must_cite_where(scratch):
    path = scratch / "rules" / "suggestion.handle.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r", basis: \{[^}]*\}", "", text), encoding="utf-8")
    _refused(scratch, "rules/suggestion.handle.yaml", "params.period", "basis")


def test_a_cited_basis_must_itself_state_the_number(scratch):
    path = scratch / "rules" / "suggestion.handle.yaml"
    _edit(path, "三个月", "四个月")
    _refused(scratch, "rules/suggestion.handle.yaml", "params.period.basis.clause", "所引出处也未载明")


# -- the parts the check is built from --------------------------------------------------------------


@pytest.mark.parametrize(
    ("numeral", "value"), [("一", 1), ("十", 10), ("十五", 15), ("二十", 20), ("四十四", 44), ("七十九", 79)]
)
def test_chinese_numerals(numeral, value):
    assert cn_to_int(numeral) == value


@pytest.mark.parametrize(
    ("clause", "value", "unit", "before", "day_of_month"),
    [
        ("三日内答复", 3, Unit.CALENDAR_DAY, False, False),
        ("十五日内办结", 15, Unit.CALENDAR_DAY, False, False),
        ("二十个工作日内予以答复", 20, Unit.WORKING_DAY, False, False),
        ("须提前3天报告", 3, Unit.CALENDAR_DAY, True, False),
        ("于每月20日前送市政府办公室", 20, Unit.CALENDAR_DAY, False, True),
        ("在1个月内办结", 1, Unit.MONTH, False, False),
        ("不超过2小时", 2, Unit.HOUR, False, False),
        ("30分钟内签收", 30, Unit.MINUTE, False, False),
    ],
)
def test_the_numbers_a_clause_states(clause, value, unit, before, day_of_month):
    (number,) = stated(clause)
    assert (number.value, number.unit, number.before, number.day_of_month) == (value, unit, before, day_of_month)


@pytest.fixture(scope="module")
def work_rules() -> SourceText:
    return SourceText(TEXT.read_text(encoding="utf-8"))


def test_the_work_rules_parse_into_79_articles(work_rules):
    assert sorted(work_rules.articles) == list(range(1, 80))
    assert len(work_rules.articles[44].paragraphs) == 3


def test_an_item_that_runs_on_to_a_second_line_stays_one_item(work_rules):
    # Art 8(3) runs on for a second line: the second line is still item (三), not a new paragraph.
    article = work_rules.articles[8]
    assert len(article.paragraphs) == 1
    item3 = article.paragraphs[0].items[2]
    assert item3.number == 3
    assert item3.text.endswith("。")
    assert len(item3.text) > 60


def test_items_belong_to_the_paragraph_before_them(work_rules):
    article = work_rules.articles[51]
    with_items = [p for p in article.paragraphs if p.items]
    assert with_items and [i.number for i in with_items[0].items] == list(range(1, len(with_items[0].items) + 1))


def test_a_quote_is_located_at_its_smallest_unit(work_rules):
    assert work_rules.places("会议纪要原则上在会议结束后3个工作日内印发。") == [Place(44, 3, None)]


def test_a_quote_that_sits_in_one_paragraph_must_cite_it(work_rules):
    problem = work_rules.check("会议纪要原则上在会议结束后3个工作日内印发。", 44, None, None)
    assert problem and "须写明款" in problem


def test_a_citation_of_a_paragraph_that_does_not_exist_is_refused(work_rules):
    assert "只有3款" in (work_rules.check("会议纪要原则上在会议结束后3个工作日内印发。", 44, 4, None) or "")


@pytest.mark.parametrize("rule", list(load_rulebook("fushun-2022")), ids=lambda r: f"{r.id}-{r.case_id}")
def test_each_work_rules_quote_is_whole_clauses_of_the_unit_it_cites(rule, work_rules):
    # The structural check, run again here so that a failure names the rule: the quote lies inside
    # the cited article, paragraph and item, as whole clauses, and the citation is no less precise.
    r = rule.record
    if rule.source.text_file:
        assert work_rules.check(r.clause, r.article, r.paragraph, r.item) is None
    else:
        assert rule.source.quotes_verified is False
