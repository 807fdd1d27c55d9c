"""Intake checks, continued (issue 16): whole results, as a clerk reads them, checked as golden data.

``golden/intake_checks.json`` holds ``check_draft(...).as_dict()`` for each case: whether the draft is
refused, the summary line, and every finding with its rule, article and message. Each case was read
against Work Rules Art 48 (行文规则: no level skipping, no multiple submission, one matter per request,
no request inside a report, not to a leader in person save the four listed cases) and Art 49 ¶1 (signed
by the principal head), and against art 8 of the 党政机关公文处理工作条例 for the kinds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from cityhall.rules.intake import REFUSE, WARN, CheckResult, Draft, Finding, _found, _norm, _snippet, check_draft

GOLDEN = Path(__file__).resolve().parent / "golden" / "intake_checks.json"

GOOD: dict[str, Any] = {
    "kind": "请示",
    "title": "关于新宾满族自治县2027年农村公路养护资金的请示",
    "body": "为做好我县农村公路养护工作……特申请市级补助资金500万元。妥否，请批示。",
    "issuer": "新宾满族自治县人民政府",
    "addressees": ["抚顺市人民政府"],
    "signed_by": "主要负责人",
}
REPORT = {**GOOD, "kind": "报告", "title": "关于防汛工作情况的报告", "body": "今年以来……。特此报告。"}
LONG_REPORT_BODY = (
    "今年以来，全县共排查山洪灾害危险区十二处，转移群众三百余人。以上报告妥否，请批复。下一步工作安排另行报送。"
)

CASES: dict[str, dict[str, Any]] = {
    "ok-request": GOOD,
    "ok-report": REPORT,
    "kinds-missing-title": {**GOOD, "title": "  "},
    "kinds-missing-body": {**GOOD, "body": " \n "},
    "kinds-missing-both": {**GOOD, "title": "", "body": ""},
    "kinds-unknown": {**GOOD, "kind": "汇报"},
    "kinds-empty": {**GOOD, "kind": ""},
    "kinds-order-ascii-brackets": {**GOOD, "kind": "命令(令)", "title": "关于……的命令"},
    "kinds-order-fullwidth-brackets": {**GOOD, "kind": "命令（令）", "title": "关于……的命令"},
    "48-report-request-long": {**REPORT, "body": LONG_REPORT_BODY},
    "48-report-request-at-start": {**REPORT, "body": "请批示。"},
    "48-report-request-in-title": {**REPORT, "title": "关于防汛资金的报告（请审批）"},
    "48-report-two-requests": {**REPORT, "body": "一、……恳请批准。二、……当否，请批示。"},
    "48-request-two-asks": {**GOOD, "body": "申请养护资金，请予批准。另申请供热改造资金，请予批准！妥否，请批示？"},
    "48-request-asks-on-lines": {**GOOD, "body": "申请养护资金请审批\n另申请供热资金请审定"},
    "48-request-one-sentence": {**GOOD, "body": "特申请市级补助资金500万元，妥否，请批示。"},
    "48-request-joined-title": {**GOOD, "title": "关于农村公路养护资金及县城供热改造的请示"},
    "48-request-joined-title-and-two-asks": {
        **GOOD,
        "title": "关于农村公路养护资金和县城供热改造的请示",
        "body": "申请养护资金，请予批准；申请供热资金，请予批准。",
    },
    "48-request-joiner-outside-topic": {**GOOD, "title": "县政府和县财政局的请示"},
    "48-request-two-joiners-in-title": {**GOOD, "title": "关于农村公路养护和县城供热改造及校舍维修的请示"},
    "48-level-skipping-two-bodies": {**GOOD, "addressees": ["辽宁省人民政府", "国务院"]},
    "48-level-skipping-two-bodies-approved": {
        **GOOD,
        "addressees": ["辽宁省人民政府", "国务院"],
        "level_skip_approved": True,
    },
    "48-individual-two-leaders": {**GOOD, "addressees": ["林望川市长", "周副市长"]},
    "48-individual-two-leaders-emergency": {**GOOD, "addressees": ["林望川市长", "周副市长"], "major_emergency": True},
    "48-multiple-submission": {**GOOD, "addressees": ["抚顺市人民政府", "抚顺市交通运输局"]},
    "48-multiple-submission-as-text": {**GOOD, "addressees": "抚顺市人民政府、抚顺市交通运输局；抚顺市财政局"},
    "48-no-addressee": {**GOOD, "addressees": []},
    "48-no-addressee-blank-text": {**GOOD, "addressees": " 、 "},
    "48-level-skipping": {**GOOD, "addressees": ["辽宁省人民政府"]},
    "48-level-skipping-approved": {**GOOD, "addressees": ["辽宁省人民政府"], "level_skip_approved": True},
    "48-level-skipping-with-city": {**GOOD, "addressees": ["抚顺市人民政府", "国务院办公厅"]},
    "48-individual-by-name": {**GOOD, "addressees": ["林望川市长"]},
    "48-individual-with-note": {**GOOD, "addressees": ["周副市长（分管交通）"]},
    "48-individual-comrade": {**GOOD, "addressees": ["林望川同志"]},
    "48-not-individual-mayors-office": {**GOOD, "addressees": ["市长办公室"]},
    "48-not-individual-a-county": {**GOOD, "addressees": ["新宾满族自治县"]},
    "48-not-individual-secretary-generals-office": {**GOOD, "addressees": ["市政府秘书长办公室"]},
    "48-individual-assigned": {**GOOD, "addressees": ["林望川市长"], "leader_assigned": True},
    "48-individual-top-secret": {**GOOD, "addressees": ["林望川市长"], "classification": "绝密"},
    "48-individual-secret-is-not-top-secret": {**GOOD, "addressees": ["林望川市长"], "classification": "机密"},
    "48-individual-emergency": {**GOOD, "addressees": ["林望川市长"], "major_emergency": True},
    "48-individual-foreign-affairs": {**GOOD, "addressees": ["林望川市长"], "urgent_foreign_affairs": True},
    "48-individual-assigned-and-emergency": {
        **GOOD,
        "addressees": ["林望川市长"],
        "leader_assigned": True,
        "major_emergency": True,
    },
    "49-1-deputy": {**GOOD, "signed_by": "副县长"},
    "49-1-unsigned": {**GOOD, "signed_by": " "},
    "49-1-unknown": {**GOOD, "signed_by": "办公室秘书"},
    "49-1-head-of-bureau": {**GOOD, "signed_by": "市交通运输局局长"},
    "48-49-everything-wrong": {
        "kind": "报告",
        "title": "关于农村公路和供热的报告",
        "body": "妥否，请批复。",
        "addressees": ["辽宁省人民政府", "林望川市长"],
        "signed_by": "副局长",
    },
}


def _check_golden(cases: dict[str, Any]) -> None:
    actual = json.loads(json.dumps(cases, ensure_ascii=False))
    if os.environ.get("CITYHALL_WRITE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(actual, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(actual) == sorted(expected), "golden cases differ: rerun with CITYHALL_WRITE_GOLDEN=1 and review"
    for case in expected:
        assert actual[case] == expected[case], f"intake_checks.json case {case!r} differs"


@pytest.mark.rule(
    "documents.kinds",
    "documents.report-no-request",
    "documents.one-matter",
    "documents.no-multiple-submission",
    "documents.no-level-skipping",
    "documents.not-to-individual",
    "documents.principal-signs",
)
def test_each_draft_is_explained_as_the_work_rules_require(book):
    _check_golden({case: check_draft(Draft.from_dict(data), book).as_dict() for case, data in CASES.items()})


# -- named cases ----------------------------------------------------------------------------


def result(book, **changes) -> CheckResult:
    return check_draft(Draft.from_dict({**GOOD, **changes}), book)


@pytest.mark.rule("documents.kinds")
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "公文缺少标题。"),
        ({"body": "   "}, "公文缺少正文。"),
        ({"title": " ", "body": ""}, "公文缺少标题、正文。"),
    ],
    ids=["8-no-title", "8-no-body", "8-neither"],
)
def test_8_the_missing_elements_message_names_the_missing_field(book, changes, message):
    [f] = result(book, **changes).findings
    assert (f.code, f.severity, f.rule_id, f.message, f.matched) == (
        "missing_elements",
        REFUSE,
        "documents.kinds",
        message,
        (),
    )


@pytest.mark.rule("documents.no-multiple-submission")
def test_48_a_draft_with_no_addressee_is_refused(book):
    [f] = result(book, addressees=[]).findings
    assert (f.code, f.severity, f.message) == ("no_addressee", REFUSE, "没有填写主送机关。")
    assert f.rule_id == "documents.no-multiple-submission" and f.citation_en == "Work Rules Art 48"
    [f] = result(book, addressees=None).findings
    assert f.code == "no_addressee"


@pytest.mark.rule("documents.not-to-individual")
@pytest.mark.parametrize("addressee", ["市长办公室", "新宾满族自治县", "市政府秘书长办公室", "抚顺市人民政府"])
def test_48_an_office_or_a_county_is_not_a_leader_in_person(book, addressee):
    assert result(book, addressees=[addressee]).findings == ()


@pytest.mark.rule("documents.not-to-individual")
@pytest.mark.parametrize("addressee", ["林望川市长", "周副市长（分管交通）", "林望川同志", "王秘书长"])
def test_48_a_leader_in_person_is_refused(book, addressee):
    [f] = result(book, addressees=[addressee]).findings
    assert (f.code, f.severity, f.matched) == ("addressed_to_individual", REFUSE, (addressee,))


# -- Draft.from_dict: what a form, the CLI or the API sends ---------------------------------


def test_from_dict_reads_a_full_draft():
    draft = Draft.from_dict(
        {
            "kind": " 请示 ",
            "title": " 关于……的请示 ",
            "body": " 正文 ",
            "issuer": " 新宾满族自治县人民政府 ",
            "addressees": [" 抚顺市人民政府 ", " "],
            "signed_by": " 县长 ",
            "copied_to": ["抚顺市交通运输局", 12],
            "classification": "绝密",
            "leader_assigned": 1,
            "major_emergency": "yes",
            "urgent_foreign_affairs": [1],
            "level_skip_approved": True,
        }
    )
    assert draft == Draft(
        kind="请示",
        title="关于……的请示",
        body=" 正文 ",
        issuer="新宾满族自治县人民政府",
        addressees=["抚顺市人民政府"],
        signed_by="县长",
        copied_to=["抚顺市交通运输局", "12"],
        classification="绝密",
        leader_assigned=True,
        major_emergency=True,
        urgent_foreign_affairs=True,
        level_skip_approved=True,
    )


def test_from_dict_fills_what_is_missing_with_empty_values():
    draft = Draft.from_dict({})
    assert draft == Draft(kind="", title="", body="", issuer="", addressees=[], signed_by="", copied_to=[])
    assert (draft.classification, draft.leader_assigned, draft.major_emergency) == ("", False, False)
    assert (draft.urgent_foreign_affairs, draft.level_skip_approved) == (False, False)
    assert Draft.from_dict({"classification": None, "addressees": None, "copied_to": None}).classification == ""
    assert Draft.from_dict({"classification": None}).addressees == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("抚顺市人民政府", ["抚顺市人民政府"]),
        ("抚顺市人民政府、抚顺市水务局", ["抚顺市人民政府", "抚顺市水务局"]),
        ("甲局,乙局，丙局;丁局；戊局\n己局", ["甲局", "乙局", "丙局", "丁局", "戊局", "己局"]),
        (" 甲局 、、 乙局 ,", ["甲局", "乙局"]),
        ("", []),
        (" ", []),
    ],
)
def test_from_dict_splits_a_list_of_bodies_written_as_text(text, names):
    draft = Draft.from_dict({"addressees": text, "copied_to": text})
    assert draft.addressees == names and draft.copied_to == names


# -- the pieces: normalising, matching, the snippet and the result ---------------------------


def test_norm_makes_full_width_punctuation_ascii_and_drops_whitespace():
    assert _norm("妥否，请批复；当否：（甲）！？。") == "妥否,请批复;当否:(甲)!?."
    assert _norm(" 妥否 ,\t请批复\n") == "妥否,请批复"


def test_found_reports_the_longer_phrase_not_also_its_part():
    assert _found("以上报告妥否, 请批复。", ["请批复", "妥否，请批复", "请批示"]) == ["妥否，请批复"]
    assert _found("请批复。请批复。", ["请批复", "请批复"]) == ["请批复", "请批复"]
    assert _found("请批示", ["请批复"]) == []


@pytest.mark.parametrize(
    ("text", "phrase", "snippet"),
    [
        ("请批示。", "请批示", "请批示。…"),
        ("一二三四五六七八九十甲乙丙丁请批示。", "请批示", "…三四五六七八九十甲乙丙丁请批示。…"),
        (
            "一二三四五六七八九十甲乙请批示。一二三四五六七八九十甲乙丙丁",
            "请批示",
            "一二三四五六七八九十甲乙请批示。一二三四五六七八九十甲…",
        ),
        ("一二三四五六七八九十甲乙丙请批示", "请批示", "…二三四五六七八九十甲乙丙请批示…"),
        ("今年 以来，妥否， 请批复。", "妥否，请批复", "今年以来，妥否，请批复。…"),
        ("全文没有这个用语", "请批示", "请批示"),
        ("请批示。一二三四五六七八九十甲乙丙丁请批示。", "请批示", "请批示。一二三四五六七八九十甲…"),
    ],
    ids=["at-start", "far-in", "width-12-exactly", "width-13", "spaces-dropped", "absent", "first-of-two"],
)
def test_snippet_shows_twelve_characters_either_side_of_the_phrase(text, phrase, snippet):
    assert _snippet(text, phrase) == snippet


def test_snippet_width_can_be_narrowed():
    assert _snippet("一二三四五请批示。六七", "请批示", width=2) == "…四五请批示。六…"


def test_a_result_says_whether_it_is_refused_and_lists_its_warnings():
    warn = Finding("one_matter", WARN, "documents.one-matter", "第四十八条", "Work Rules Art 48", "提示", ("和",))
    refuse = Finding("no_addressee", REFUSE, "documents.no-multiple-submission", "第四十八条", "Art 48", "退回")
    assert CheckResult(()).as_dict() == {
        "ok": True,
        "refused": False,
        "summary": "未发现问题，可以报送",
        "findings": [],
    }
    only_warn = CheckResult((warn,))
    assert not only_warn.refused and only_warn.warnings == (warn,)
    assert only_warn.as_dict() == {
        "ok": True,
        "refused": False,
        "summary": "可以报送，但有需经办人核实的提示",
        "findings": [
            {
                "code": "one_matter",
                "severity": "warn",
                "rule": "documents.one-matter",
                "citation": "第四十八条",
                "citation_en": "Work Rules Art 48",
                "message": "提示",
                "matched": ["和"],
            }
        ],
    }
    both = CheckResult((refuse, warn))
    assert both.refused and both.warnings == (warn,)
    data = both.as_dict()
    assert (data["ok"], data["refused"], data["summary"]) == (False, True, "将被退回：存在不符合规定的问题")
    assert data["findings"][0]["matched"] == [] and len(data["findings"]) == 2
    assert (REFUSE, WARN) == ("refuse", "warn")
