"""The schema of a rulebook: sources and rule records.

Every model forbids unknown keys, so a misspelt key is an error naming the file
and the key rather than a silently ignored setting.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

RULE_ID_PATTERN = r"^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Unit(StrEnum):
    WORKING_DAY = "working_day"
    CALENDAR_DAY = "calendar_day"
    WEEK = "week"
    MONTH = "month"
    HALF_YEAR = "half_year"
    YEAR = "year"
    HOUR = "hour"
    MINUTE = "minute"
    PERCENT = "percent"
    COUNT = "count"


UNIT_LABELS = {
    Unit.WORKING_DAY: "个工作日",
    Unit.CALENDAR_DAY: "天",
    Unit.WEEK: "周",
    Unit.MONTH: "个月",
    Unit.HALF_YEAR: "个半年",
    Unit.YEAR: "年",
    Unit.HOUR: "小时",
    Unit.MINUTE: "分钟",
    Unit.PERCENT: "%",
    Unit.COUNT: "个",
}


# Units counted on the clock from a moment, not in days from a date (e.g. an emergency report
# unacknowledged for 30 minutes, Art 56).
CLOCK_UNITS = {Unit.HOUR: "hours", Unit.MINUTE: "minutes"}


class Kind(StrEnum):
    DEADLINE = "deadline"
    LEAD_TIME = "lead_time"
    FREQUENCY = "frequency"
    CONSTRAINT = "constraint"
    AUTHORITY = "authority"
    APPROVAL_CHAIN = "approval_chain"


KIND_LABELS = {
    Kind.DEADLINE: "办理时限",
    Kind.LEAD_TIME: "提前期限",
    Kind.FREQUENCY: "频次要求",
    Kind.CONSTRAINT: "约束条件",
    Kind.AUTHORITY: "权限规定",
    Kind.APPROVAL_CHAIN: "审批程序",
}


class Direction(StrEnum):
    AFTER = "after"
    BEFORE = "before"


class NonWorkingEnd(StrEnum):
    # Civil Code art 203: a period ending on a statutory rest day ends on the
    # next working day instead.
    NEXT_WORKING_DAY = "next_working_day"
    # Lead times and fixed dates do not move (requirements.md §0).
    KEEP = "keep"


class Source(Strict):
    title: str
    document_number: str | None = None
    issuer: str
    issued: dt.date
    effective: dt.date | None = None
    short: str
    short_en: str
    # A file beside sources.yaml holding the full text; every quote from this source must then be
    # whole clauses of the article, paragraph and item it cites.
    text_file: str | None = None
    # The text file's sha256: a changed text is an error until the pin is updated on purpose.
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    # No default: a source says whether its quotes were checked against an official text (true, and
    # then it has a pinned text_file) or transcribed without one (false).
    quotes_verified: bool
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Source:
        if self.text_file:
            if not self.quotes_verified:
                raise ValueError("a source with a text_file has its quotes verified: set quotes_verified: true")
            if not self.sha256:
                raise ValueError("a source with a text_file pins it: add sha256")
            if not self.document_number:
                raise ValueError("a source with a text_file names its document_number")
        else:
            if self.quotes_verified:
                raise ValueError("quotes_verified: true needs a text_file to verify the quotes against")
            if self.sha256:
                raise ValueError("sha256 pins a text_file, and there is none")
        return self


class Chapter(Strict):
    number: int
    title: str
    first_article: int
    last_article: int


class SourcesFile(Strict):
    rulebook: str
    title: str
    primary_source: str
    sources: dict[str, Source]
    chapters: list[Chapter]


class Basis(Strict):
    """Where a parameter's number comes from when its own quote does not state it: another
    source's clause (whose words must state the number), or a declared reading of the rule."""

    source: str | None = None
    article: Annotated[int, Field(ge=1)] | None = None
    paragraph: Annotated[int, Field(ge=1)] | None = None
    item: Annotated[int, Field(ge=1)] | None = None
    clause: Annotated[str, Field(min_length=4)] | None = None
    reading: Annotated[str, Field(min_length=4)] | None = None

    @model_validator(mode="after")
    def _check(self) -> Basis:
        cited = self.source is not None or self.article is not None or self.clause is not None
        if cited and self.reading:
            raise ValueError("a basis is either a citation (source, article, clause) or a reading, not both")
        if cited and (self.source is None or self.article is None or self.clause is None):
            raise ValueError("a cited basis needs source, article and clause")
        if not cited and not self.reading:
            raise ValueError("a basis needs a citation (source, article, clause) or a reading")
        return self


class Quantity(Strict):
    """A plain typed value, e.g. ``{value: 2, unit: hour}``."""

    type: Literal["quantity"] = "quantity"
    value: int | float
    unit: Unit
    label: str
    basis: Basis | None = None


class Period(Strict):
    """A period counted from an anchor event: the computable part of a rule."""

    type: Literal["period"] = "period"
    value: Annotated[int, Field(ge=1)]
    unit: Unit
    direction: Direction
    # Civil Code art 201: the start day is not counted unless the rule says so
    # (Art 62: "事项落实起始时间从部署当日算起").
    start_day_counted: bool
    on_non_working_end: NonWorkingEnd
    basis: Basis | None = None

    @model_validator(mode="after")
    def _check(self) -> Period:
        if self.unit in (Unit.PERCENT, Unit.COUNT):
            raise ValueError(f"unit {self.unit} is not a time unit")
        if self.direction is Direction.BEFORE and self.on_non_working_end is NonWorkingEnd.NEXT_WORKING_DAY:
            raise ValueError("a lead time (direction: before) never moves: use on_non_working_end: keep")
        if self.unit in CLOCK_UNITS and self.start_day_counted:
            raise ValueError(f"start_day_counted makes no sense for {self.unit}s")
        return self


class CalendarPeriodEnd(Strict):
    """The end of the calendar week / half-year / year containing the anchor (frequency rules)."""

    type: Literal["calendar_period_end"] = "calendar_period_end"
    unit: Literal[Unit.WEEK, Unit.HALF_YEAR, Unit.YEAR]
    times: Annotated[int, Field(ge=1)] = 1
    basis: Basis | None = None


class DayOfMonth(Strict):
    """On or before a fixed day of a month relative to the anchor's month (e.g. 每月20日前)."""

    type: Literal["day_of_month"] = "day_of_month"
    day: Annotated[int, Field(ge=1, le=31)]
    month_offset: int
    basis: Basis | None = None


class Terms(Strict):
    """A list of words or phrases a check looks for, e.g. the phrases that make a 报告 a request."""

    type: Literal["terms"] = "terms"
    values: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]
    label: str


Param = Annotated[Quantity | Period | CalendarPeriodEnd | DayOfMonth | Terms, Field(discriminator="type")]


class Anchor(Strict):
    code: str
    label: str


class RuleRecord(Strict):
    id: Annotated[str, Field(pattern=RULE_ID_PATTERN)]
    version: Annotated[int, Field(ge=1)]
    title: str
    title_en: str
    kind: Kind
    source: str
    article: Annotated[int, Field(ge=1)]
    paragraph: Annotated[int, Field(ge=1)] | None = None
    item: Annotated[int, Field(ge=1)] | None = None
    clause: Annotated[str, Field(min_length=4)]
    anchor: Anchor | None = None
    params: dict[str, Param] = Field(default_factory=dict)
    # Which param (if any) the deadline functions compute from.
    computes: str | None = None
    interpretation: str | None = None
    effective_from: dt.date
    effective_to: dt.date | None = None
    tags: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> RuleRecord:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        if self.computes is not None:
            if self.computes not in self.params:
                raise ValueError(f"computes names param {self.computes!r}, which is not in params")
            if isinstance(self.params[self.computes], Quantity | Terms):
                raise ValueError(f"param {self.computes!r} is a plain quantity and cannot be computed")
            if self.anchor is None:
                raise ValueError("a computable rule needs an anchor")
        return self
