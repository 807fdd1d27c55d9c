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
