"""Errors of the rules core. Each carries a Chinese message a clerk can act on."""

from __future__ import annotations

import datetime as dt


class RulesError(Exception):
    """Base class: ``code`` is stable for machines, ``message`` is for people."""

    code = "rules_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def refusal_text(exc: RulesError) -> str:
    """The refusal as a page or a command shows it: the message, then the rule it cites, if any."""
    citation = getattr(exc, "citation", "")
    return exc.message + (f"（依据 {citation}）" if citation else "")


class RuleViolation(RulesError):
    """A refusal by a rule: the API maps it to 409/422, the CLI exits 2."""

    def __init__(self, code: str, citation: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.citation = citation

    def __str__(self) -> str:
        return f"{self.message}（依据：{self.citation}）"


class RulebookError(RulesError):
    """The rulebook on disk is malformed. Names the file and the key."""

    code = "rulebook_invalid"

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        where = f"{file}: {key}" if key else file
        super().__init__(f"规则库文件有误 {where}: {problem}")


class UnknownRule(RulesError):
    code = "unknown_rule"

    def __init__(self, rule_id: str) -> None:
        self.rule_id = rule_id
        super().__init__(f"规则库中没有编号为“{rule_id}”的规则，请在规则库中查看全部规则。")


class RuleNotInForce(RulesError):
    code = "rule_not_in_force"

    def __init__(self, rule_id: str, on: dt.date) -> None:
        self.rule_id = rule_id
        super().__init__(f"规则“{rule_id}”在 {on.isoformat()} 没有生效的版本。")


class NotComputable(RulesError):
    """The rule has no period to compute, or the anchor lacks what it needs."""

    code = "not_computable"


class CalendarRangeError(RulesError):
    code = "calendar_out_of_range"

    def __init__(self, day: dt.date, first: dt.date, last: dt.date) -> None:
        super().__init__(f"日期 {day.isoformat()} 超出工作日历的范围（{first.isoformat()} 至 {last.isoformat()}）。")


class InvalidInput(RulesError):
    """Input that no rule could accept: too long, empty, the wrong type. Names the field in Chinese."""

    code = "bad_input"

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field
