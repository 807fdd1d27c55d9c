"""Shared fixtures. Rule tests (tests/rules) need no database."""

from __future__ import annotations

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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
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
