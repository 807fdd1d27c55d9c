"""The rule trace's statuses come from the code: @applies declarations and @pytest.mark.rule tests."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

from cityhall.rulebase.presenters import TRACE_FILE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rule_trace():
    spec = importlib.util.spec_from_file_location("rule_trace", ROOT / "script" / "rule_trace.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["rule_trace"] = module
    spec.loader.exec_module(module)
    return module


def test_the_committed_trace_is_what_the_code_and_the_markers_give(rule_trace):
    data, problems = rule_trace.trace()
    assert problems == []
    assert json.loads(TRACE_FILE.read_text(encoding="utf-8")) == json.loads(rule_trace.render_json(data))


def test_the_static_declarations_are_the_ones_the_running_code_makes(rule_trace):
    # Import every module that declares, so the run-time registry is complete, then compare it with
    # what the script read from the source: a declaration the script misses would understate.
    from cityhall.rules.applies import APPLIED

    for path in sorted((ROOT / "cityhall").rglob("*.py")):
        if "migrations" in path.parts or "rulebooks" in path.parts:
            continue
        if "@applies(" in path.read_text(encoding="utf-8"):
            importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
    static = rule_trace.declarations(ROOT / "cityhall", "applies", tests=False)
    assert {k: len(v) for k, v in static.items()} == {k: len(set(v)) for k, v in APPLIED.items()}


def test_a_rule_applied_without_a_marked_test_is_an_error(rule_trace, tmp_path):
    code, tests = tmp_path / "cityhall", tmp_path / "tests"
    code.mkdir()
    tests.mkdir()
    (code / "svc.py").write_text('@applies("minutes.issue")\ndef issue(): ...\n', encoding="utf-8")
    (tests / "test_svc.py").write_text('@pytest.mark.rule("minutes.issue")\ndef test_issue(): ...\n', encoding="utf-8")
    rule_trace.ROOT = tmp_path
    try:
        assert rule_trace.declarations(code, "applies", tests=False) == {"minutes.issue": ["cityhall/svc.py::issue"]}
        assert rule_trace.declarations(tests, "pytest.mark.rule", tests=True) == {
            "minutes.issue": ["tests/test_svc.py::test_issue"]
        }
        data, problems = rule_trace.trace()
        assert data["rules"]["minutes.issue"]["status"] == "enforced"
        (tests / "test_svc.py").write_text("def test_issue(): ...\n", encoding="utf-8")
        data, problems = rule_trace.trace()
        assert any("minutes.issue" in p and "没有标记" in p for p in problems)
        # Without any declaration a computable rule is "calculator only", a plain one "recorded".
        (code / "svc.py").write_text("def issue(): ...\n", encoding="utf-8")
        data, problems = rule_trace.trace()
        assert problems == []
        assert data["rules"]["minutes.issue"]["status"] == "calculator_only"
        assert data["rules"]["org.deputy-secretary-general"]["status"] == "recorded"
        from cityhall.rules import load_rulebook

        computable = sum(1 for r in load_rulebook("fushun-2022") if r.record.computes)
        assert data["counts"] == {"enforced": 0, "calculator_only": computable, "recorded": data["total"] - computable}
    finally:
        rule_trace.ROOT = ROOT


def test_an_unknown_rule_id_in_a_declaration_is_an_error(rule_trace, tmp_path):
    code = tmp_path / "cityhall"
    code.mkdir()
    (tmp_path / "tests").mkdir()
    (code / "svc.py").write_text('@applies("no.such-rule")\ndef f(): ...\n', encoding="utf-8")
    rule_trace.ROOT = tmp_path
    try:
        _, problems = rule_trace.trace()
    finally:
        rule_trace.ROOT = ROOT
    assert any("no.such-rule" in p for p in problems)


@pytest.mark.django_db
def test_the_rules_page_shows_each_rules_status_and_the_counts(client):
    data = json.loads(TRACE_FILE.read_text(encoding="utf-8"))
    html = client.get("/rules/").content.decode()
    for code, label in (("enforced", "已施行"), ("calculator_only", "仅可计算"), ("recorded", "仅记录")):
        assert re.search(rf"{label} <strong>{data['counts'][code]}</strong> 条", html)
    assert data["counts"]["enforced"] + data["counts"]["calculator_only"] + data["counts"]["recorded"] == data["total"]
    # The status filter lists exactly the rules of that status (read from the trace, so it holds as rules
    # move from recorded to enforced).
    for status in ("recorded", "calculator_only"):
        listed = client.get("/rules/", {"status": status}).content.decode()
        for rule_id, entry in data["rules"].items():
            assert (f'id="{rule_id}"' in listed) == (entry["status"] == status), (status, rule_id)
    page = client.get("/rules/countersign.reply/").content.decode()
    assert "已施行" in page and "项测试核验" in page
    # Once every deadline rule has a workflow there is no calculator-only rule left to show.
    calculator_only = next((r for r, e in sorted(data["rules"].items()) if e["status"] == "calculator_only"), None)
    if calculator_only is not None:
        page = client.get(f"/rules/{calculator_only}/").content.decode()
        assert "仅可计算" in page and "尚无业务流程据此自动排期" in page
