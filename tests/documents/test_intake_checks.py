"""Intake checks (Art 48, Art 49 ¶1): each refuses or warns with its article and says what it matched."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from cityhall.rules.intake import REFUSE, WARN, Draft, check_draft

CITYHALL = str(Path(sys.executable).with_name("cityhall"))
GOOD = {
    "kind": "请示",
    "title": "关于新宾满族自治县2027年农村公路养护资金的请示",
    "body": "为做好我县农村公路养护工作……特申请市级补助资金500万元。妥否，请批示。",
    "issuer": "新宾满族自治县人民政府",
    "addressees": ["抚顺市人民政府"],
    "signed_by": "主要负责人",
}


def findings(book, **changes):
    return check_draft(Draft.from_dict({**GOOD, **changes}), book).findings


def codes(book, **changes):
    return {(f.code, f.severity) for f in findings(book, **changes)}


def test_a_proper_request_passes(book):
    result = check_draft(Draft.from_dict(GOOD), book)
    assert result.findings == () and not result.refused


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ("今年以来……。以上报告妥否，请批复。", "妥否，请批复"),
        ("今年以来……。以上报告妥否, 请批复。", "妥否，请批复"),  # ASCII comma and a space
        ("……特此报告，请批示。", "请批示"),
    ],
    ids=["48-report-request", "48-report-request-ascii", "48-report-instruct"],
)
@pytest.mark.rule("documents.report-no-request")
def test_a_report_may_not_carry_a_request(book, body, phrase):
    result = findings(book, kind="报告", title="关于防汛工作情况的报告", body=body)
    [f] = [f for f in result if f.code == "report_with_request"]
    assert f.severity == REFUSE and f.matched == (phrase,) and f.rule_id == "documents.report-no-request"
    assert "第四十八条" in f.citation and f.citation_en == "Work Rules Art 48"
    assert phrase.replace("，", "") in f.message.replace("，", "").replace(",", "").replace(" ", "")


def test_a_plain_report_passes(book):
    assert findings(book, kind="报告", title="关于防汛工作情况的报告", body="今年以来……。特此报告。") == ()


@pytest.mark.parametrize(
    ("changes", "matched"),
    [
        ({"title": "关于农村公路养护资金和县城供热改造的请示"}, "和"),
        ({"body": "申请养护资金，请予批准。另申请供热改造资金，请予批准。"}, "请予批准"),
    ],
    ids=["48-one-matter-title", "48-one-matter-body"],
)
@pytest.mark.rule("documents.one-matter")
def test_a_request_covering_several_matters_is_flagged_for_the_clerk(book, changes, matched):
    [f] = [f for f in findings(book, **changes) if f.code == "one_matter"]
    assert f.severity == WARN and matched in f.matched and f.rule_id == "documents.one-matter"
    assert "一文多事" in f.message


@pytest.mark.parametrize(
    ("addressees", "severity"),
    [(["辽宁省人民政府"], REFUSE), (["抚顺市人民政府", "辽宁省人民政府"], REFUSE)],
    ids=["48-level-skipping", "48-level-skipping-with-city"],
)
@pytest.mark.rule("documents.no-level-skipping")
def test_no_skipping_a_level(book, addressees, severity):
    [f] = [f for f in findings(book, addressees=addressees) if f.code == "level_skipping"]
    assert f.severity == severity and "越级" in f.message and f.rule_id == "documents.no-level-skipping"


def test_an_approved_level_skip_becomes_a_warning(book):  # 48
    [f] = [
        f for f in findings(book, addressees=["辽宁省人民政府"], level_skip_approved=True) if f.code == "level_skipping"
    ]
    assert f.severity == WARN


@pytest.mark.rule("documents.no-multiple-submission")
def test_no_duplicate_submission_to_several_recipients(book):  # 48
    [f] = [
        f for f in findings(book, addressees=["抚顺市人民政府", "抚顺市交通运输局"]) if f.code == "multiple_submission"
    ]
    assert f.severity == REFUSE and "抄送" in f.message and f.rule_id == "documents.no-multiple-submission"
    assert findings(book, addressees=["抚顺市人民政府"], copied_to=["抚顺市交通运输局"]) == ()


@pytest.mark.parametrize("addressee", ["林望川市长", "周副市长", "市长"], ids=["48-name", "48-title", "48-bare-title"])
@pytest.mark.rule("documents.not-to-individual")
def test_not_addressed_to_an_individual_leader(book, addressee):
    [f] = [f for f in findings(book, addressees=[addressee]) if f.code == "addressed_to_individual"]
    assert f.severity == REFUSE and addressee in f.matched and f.rule_id == "documents.not-to-individual"


@pytest.mark.parametrize(
    "exception",
    [
        {"leader_assigned": True},
        {"classification": "绝密"},
        {"major_emergency": True},
        {"urgent_foreign_affairs": True},
    ],
    ids=["48-assigned", "48-top-secret", "48-emergency", "48-foreign-affairs"],
)
def test_the_listed_exceptions_may_go_to_a_leader_but_the_clerk_confirms(book, exception):
    [f] = [f for f in findings(book, addressees=["林望川市长"], **exception) if f.code == "addressed_to_individual"]
    assert f.severity == WARN


@pytest.mark.parametrize(
    ("signed_by", "code", "severity"),
    [("副县长", "not_principal", REFUSE), ("", "not_signed", REFUSE), ("办公室秘书", "signer_unrecognised", WARN)],
    ids=["49-1-deputy", "49-1-unsigned", "49-1-unknown"],
)
@pytest.mark.rule("documents.principal-signs")
def test_a_submission_is_signed_by_the_principal_head(book, signed_by, code, severity):
    [f] = [f for f in findings(book, signed_by=signed_by) if f.code == code]
    assert f.severity == severity and "第四十九条" in f.citation and f.rule_id == "documents.principal-signs"


@pytest.mark.parametrize("signed_by", ["主要负责人", "县长", "市发展改革委主任", "局长"])
def test_principal_heads_are_recognised(book, signed_by):
    assert findings(book, signed_by=signed_by) == ()


@pytest.mark.rule("documents.kinds")
def test_an_unknown_document_kind_or_a_missing_body_is_refused(book):
    assert ("unknown_kind", REFUSE) in codes(book, kind="汇报")
    assert findings(book, kind="汇报")[0].rule_id == "documents.kinds"
    assert ("missing_elements", REFUSE) in codes(book, body="  ")
    assert findings(book, kind="命令（令）", title="关于……的命令", addressees=["抚顺市人民政府"]) == ()


# -- the CLI and the API ------------------------------------------------------------------


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CITYHALL, *args], input=stdin, capture_output=True, text=True, timeout=60)


def test_the_cli_exits_0_when_nothing_would_be_refused(tmp_path):
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(GOOD, ensure_ascii=False), encoding="utf-8")
    out = run("documents", "check", str(path), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["findings"] == []


def test_the_cli_exits_1_and_lists_findings_when_something_would_be_refused(tmp_path):  # 48
    bad = {**GOOD, "kind": "报告", "body": "以上报告妥否，请批复。", "addressees": ["抚顺市人民政府", "抚顺市水务局"]}
    out = run("documents", "check", "-", "--json", stdin=json.dumps(bad, ensure_ascii=False))
    assert out.returncode == 1
    data = json.loads(out.stdout)
    found = {f["code"]: f for f in data["findings"]}
    assert {"report_with_request", "multiple_submission"} <= set(found)
    for f in data["findings"]:
        assert f["severity"] in ("refuse", "warn") and ("第四十八条" in f["citation"] or "Art 48" in f["citation_en"])
        assert f["message"]


def test_the_cli_refuses_malformed_input_with_exit_2(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    out = run("documents", "check", str(path))
    assert out.returncode == 2 and "不是合法的 JSON" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.django_db
def test_the_api_checks_a_draft_for_a_signed_in_user(client):
    assert client.post("/api/v1/documents/check", GOOD, content_type="application/json").status_code == 401
    client.force_login(get_user_model().objects.create_user("county-clerk", password="x-Strong-Pass-2026"))
    ok = client.post("/api/v1/documents/check", GOOD, content_type="application/json").json()
    assert ok["ok"] is True and ok["findings"] == []
    bad = client.post("/api/v1/documents/check", {**GOOD, "signed_by": "副县长"}, content_type="application/json")
    assert bad.status_code == 200 and bad.json()["refused"] is True
    assert bad.json()["findings"][0]["citation"].endswith("第四十九条")
    missing = client.post("/api/v1/documents/check", {"kind": "请示"}, content_type="application/json")
    assert missing.status_code == 422 and missing.json()["code"] == "bad_input"
