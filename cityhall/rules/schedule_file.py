"""The file an administrator loads each year from the State Council's holiday notice.

Format (YAML or JSON; see docs/calendar.md and cityhall/rulebase/calendars/2026.yaml)::

    year: 2027
    source: 国务院办公厅关于2027年部分节假日安排的通知
    published_on: 2026-11-12            # optional
    holidays:                           # rest days, each span inclusive
      - {name: 元旦, from: 2027-01-01, to: 2027-01-01}
    makeup_working_days:                # weekend days that become working days
      - {name: 春节, date: 2027-02-20}

Every problem is reported with the key it concerns, and nothing is loaded
unless the whole file is valid.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from .calendar import YearSchedule
from .errors import RulesError


class ScheduleFileError(RulesError):
    code = "calendar_file_invalid"

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file, self.key, self.problem = file, key, problem
        where = f"{file}: {key}" if key else file
        super().__init__(f"放假安排文件有误 {where}: {problem}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# Text a database column can hold: no NUL or other control characters, no lone surrogates.
_CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def _plain(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("含有控制字符（如空字符 NUL），请删除后重试")
    return value


Plain = Annotated[str, AfterValidator(_plain)]
Name = Annotated[Plain, Field(min_length=1, max_length=60)]


class HolidaySpan(_Model):
    name: Name
    first: dt.date = Field(alias="from")
    last: dt.date = Field(alias="to")


class MakeupDay(_Model):
    name: Name
    date: dt.date


class ScheduleFile(_Model):
    year: Annotated[int, Field(ge=1990, le=2100)]
    source: Annotated[Plain, Field(min_length=4, max_length=300)]
    published_on: dt.date | None = None
    holidays: list[HolidaySpan]
    makeup_working_days: list[MakeupDay] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> ScheduleFile:
        rest: dict[dt.date, str] = {}
        for i, span in enumerate(self.holidays):
            if span.last < span.first:
                raise ValueError(f"holidays[{i}]: 结束日期 {span.last} 早于开始日期 {span.first}")
            day = span.first
            while day <= span.last:
                if day.year != self.year:
                    raise ValueError(f"holidays[{i}]: {day} 不在 {self.year} 年内")
                if day in rest:
                    raise ValueError(f"holidays[{i}]: {day} 重复出现")
                rest[day] = span.name
                day += dt.timedelta(days=1)
        seen: set[dt.date] = set()
        for i, m in enumerate(self.makeup_working_days):
            if m.date.year != self.year:
                raise ValueError(f"makeup_working_days[{i}]: {m.date} 不在 {self.year} 年内")
            if m.date in rest:
                raise ValueError(f"makeup_working_days[{i}]: {m.date} 同时被列为放假日")
            if m.date in seen:
                raise ValueError(f"makeup_working_days[{i}]: {m.date} 重复出现")
            if m.date.weekday() < 5:
                raise ValueError(f"makeup_working_days[{i}]: {m.date} 是周一至周五，本来就是工作日，不能作为调休上班日")
            seen.add(m.date)
        return self

    def to_schedule(self) -> YearSchedule:
        holidays: dict[dt.date, str] = {}
        for span in self.holidays:
            day = span.first
            while day <= span.last:
                holidays[day] = span.name
                day += dt.timedelta(days=1)
        return YearSchedule(
            year=self.year,
            holidays=holidays,
            makeup_working_days={m.date: m.name for m in self.makeup_working_days},
            source=self.source,
        )


def parse_schedule(data: Any, file: str = "<input>") -> ScheduleFile:
    if not isinstance(data, dict):
        raise ScheduleFileError(file, "", "顶层必须是一个映射（mapping）")
    try:
        return ScheduleFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        if first["type"] == "extra_forbidden":
            problem = "未知的键（unknown key）"
        elif first["type"] == "missing":
            problem = "缺少必填的键（missing key）"
        elif first["type"] in ("string_too_long", "too_long"):
            problem = f"过长：最多 {first['ctx']['max_length']} 个字"
        else:
            problem = str(first["msg"]).removeprefix("Value error, ")
        raise ScheduleFileError(file, key, problem) from None


def read_schedule_file(path: str | Path) -> ScheduleFile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScheduleFileError(str(path), "", "文件不存在") from None
    except IsADirectoryError:
        raise ScheduleFileError(str(path), "", "这是一个目录，请给出放假安排文件（.yaml 或 .json）") from None
    except OSError as exc:
        raise ScheduleFileError(str(path), "", f"无法读取：{exc.strerror}") from None
    except UnicodeDecodeError:
        raise ScheduleFileError(str(path), "", "文件不是 UTF-8 编码") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ScheduleFileError(str(path), "", f"无法解析：{exc}") from None
    except ValueError as exc:  # YAML reads 2027-02-30 as a date and fails building it
        raise ScheduleFileError(str(path), "", f"日期不存在：{exc}") from None
    except RecursionError:
        raise ScheduleFileError(str(path), "", "嵌套层数过多") from None
    return parse_schedule(data, str(path))
