"""Shared fixtures. Rule tests (tests/rules) need no database."""

from __future__ import annotations

import os

import pytest

from cityhall.rules import Rulebook, WorkingCalendar, default_calendar, load_rulebook


@pytest.fixture(scope="session")
def book() -> Rulebook:
    return load_rulebook("fushun-2022")


@pytest.fixture(scope="session")
def cal() -> WorkingCalendar:
    return default_calendar()


def pytest_sessionstart(session: pytest.Session) -> None:
    # mutmut (script/mutation) forks each mutant's run from a process that has already built these
    # module-level caches with the unmutated code, which would hide the mutant (27 mutants of
    # calendar.py were masked so). A fresh session starts without them.
    import sys

    from cityhall.rules import calendar, rulebook

    calendar._default = None
    rulebook._cache.clear()
    selectors = sys.modules.get("cityhall.rulebase.selectors")  # not imported in a run without Django
    if selectors is not None:
        selectors._calendar = None


def _uses_db(item: pytest.Item) -> bool:
    fixtures = getattr(item, "fixturenames", ())
    return item.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server"} & set(fixtures)
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _refuse_unknown_rules(items)
    if "MUTANT_UNDER_TEST" in os.environ:
        # Under mutmut each mutant is a fresh session that stops at its first failure (-x), and setting up
        # the test database is most of such a session. Tests that need no database go first, so a mutant
        # they kill never pays for it: cityhall/rules/signing.py's 224 mutants took 519 s of test time in
        # pytest-django's order (database tests first) and 151 s in this one, all killed either way. The
        # clean run mutmut makes first uses the same order, so a test that depends on it fails there.
        items.sort(key=_uses_db)


def _refuse_unknown_rules(items: list[pytest.Item]) -> None:
    # A test marked with a rule id the rulebook lacks would make the rule trace claim a test that
    # checks nothing: refuse it at collection.
    known = {rule.id for rule in load_rulebook("fushun-2022")}
    for item in items:
        for mark in item.iter_markers("rule"):
            unknown = [rule_id for rule_id in mark.args if rule_id not in known]
            if unknown or not mark.args:
                raise pytest.UsageError(
                    f"{item.nodeid}: @pytest.mark.rule 的规则编号不在规则库中：{unknown or '（空）'}"
                )
