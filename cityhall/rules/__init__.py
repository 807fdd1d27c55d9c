"""The rules core: pure Python, never imports Django.

The rulebook (cited rule records), the official working-day calendar and the
deadline arithmetic that explains itself.
"""

from .calendar import DayKind, SpecialDay, WorkingCalendar, YearSchedule, default_calendar, seed_schedules
from .deadlines import DeadlineResult, TraceStep, compute_deadline, deadline, resume_after_pause
from .errors import (
    CalendarRangeError,
    InvalidInput,
    NotComputable,
    RulebookError,
    RuleNotInForce,
    RulesError,
    RuleViolation,
    UnknownRule,
    refusal_text,
)
from .rulebook import Rule, Rulebook, get_rulebook, load_rulebook

__all__ = [
    "CalendarRangeError",
    "DayKind",
    "DeadlineResult",
    "InvalidInput",
    "NotComputable",
    "Rule",
    "RuleNotInForce",
    "RuleViolation",
    "Rulebook",
    "RulebookError",
    "RulesError",
    "SpecialDay",
    "TraceStep",
    "UnknownRule",
    "WorkingCalendar",
    "YearSchedule",
    "compute_deadline",
    "deadline",
    "default_calendar",
    "get_rulebook",
    "load_rulebook",
    "refusal_text",
    "resume_after_pause",
    "seed_schedules",
]
