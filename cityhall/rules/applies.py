"""Which rules a workflow applies, declared on the function that applies them.

    @applies("countersign.reply")
    def deem_no_objection(...): ...

The declaration is what makes a rule *enforced* in the rule trace rather than merely computable or
recorded: ``script/rule_trace.py`` reads every ``@applies(...)`` under ``cityhall/`` (statically, so
the trace needs no Django) and every test marked ``@pytest.mark.rule(...)``, and a rule counts as
enforced only when a workflow declares it and a marked test checks it. ``APPLIED`` is the same
declaration at run time, so a test can check that no declaration names a rule the rulebook lacks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])

# The rule trace's statuses (script/rule_trace.py computes them; the /rules/ page shows them).
STATUS_LABELS = {"enforced": "已施行", "calculator_only": "仅可计算", "recorded": "仅记录"}

# rule id → the qualified names of the functions that declare they apply it
APPLIED: defaultdict[str, list[str]] = defaultdict(list)


def applies(*rule_ids: str) -> Callable[[F], F]:
    if not rule_ids:
        raise TypeError("applies() needs at least one rule id")

    def declare(fn: F) -> F:
        for rule_id in rule_ids:
            APPLIED[rule_id].append(f"{fn.__module__}.{fn.__qualname__}")
        fn.__rules_applied__ = rule_ids  # type: ignore[attr-defined]
        return fn

    return declare
