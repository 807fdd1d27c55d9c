"""Golden files: a result checked whole, as data, against a file reviewed by hand.

A golden file is written only on request (``CITYHALL_WRITE_GOLDEN=1 script/test tests/rules``); a
normal run compares and fails on any difference, naming the case. Review the diff of a rewritten
golden file as you would review code: it is the expected answer.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def check_golden(name: str, cases: dict[str, Any]) -> None:
    """Compare ``cases`` (case id → JSON-able result) with ``golden/<name>.json``."""
    path = GOLDEN_DIR / f"{name}.json"
    actual = json.loads(json.dumps(cases, ensure_ascii=False))
    if os.environ.get("CITYHALL_WRITE_GOLDEN") == "1":
        path.write_text(json.dumps(actual, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(actual) == sorted(expected), "golden cases differ: rerun with CITYHALL_WRITE_GOLDEN=1 and review"
    for case in expected:
        assert actual[case] == expected[case], f"{name}.json case {case!r} differs"
