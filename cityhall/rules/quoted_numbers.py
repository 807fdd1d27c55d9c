"""The numbers a quoted clause states, with their units, so that a rule's parameters can be held to
its own words: 3个工作日 ↔ ``3 working_day``, 1个月 ↔ ``1 month``, 提前3天 ↔ ``3 calendar_day before``,
每月20日前 ↔ day 20, 每周召开1次 ↔ once a week. Chinese numerals count too (三日, 十五日, 二十个工作日).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .numerals import cn_to_int
from .schema import CalendarPeriodEnd, DayOfMonth, Direction, Param, Period, Quantity, Terms, Unit
from .source_text import normalise

_NUMBER = r"(\d+|[零一二三四五六七八九十百两]+)"
# Longest unit words first: 个工作日 before 日, 个月 before 月.
_UNITS = [
    ("个工作日", Unit.WORKING_DAY),
    ("工作日", Unit.WORKING_DAY),
    ("个小时", Unit.HOUR),
    ("小时", Unit.HOUR),
    ("分钟", Unit.MINUTE),
    ("个星期", Unit.WEEK),
    ("星期", Unit.WEEK),
    ("个月", Unit.MONTH),
    ("周", Unit.WEEK),
    ("天", Unit.CALENDAR_DAY),
    ("日", Unit.CALENDAR_DAY),
    ("年", Unit.YEAR),
    ("%", Unit.PERCENT),
    ("次", Unit.COUNT),
    ("种", Unit.COUNT),
    ("个", Unit.COUNT),
    ("项", Unit.COUNT),
]
_QUANTITY = re.compile(_NUMBER + "(" + "|".join(re.escape(word) for word, _ in _UNITS) + ")")
_UNIT_OF = dict(_UNITS)
_EVERY = {Unit.WEEK: ("每周", "每星期"), Unit.HALF_YEAR: ("每半年",), Unit.YEAR: ("每年", "年底", "年末")}
_LABEL = {
    Unit.WORKING_DAY: "个工作日",
    Unit.CALENDAR_DAY: "天（日）",
    Unit.WEEK: "周",
    Unit.MONTH: "个月",
    Unit.HALF_YEAR: "半年",
    Unit.YEAR: "年",
    Unit.HOUR: "小时",
    Unit.MINUTE: "分钟",
    Unit.PERCENT: "%",
    Unit.COUNT: "（次、种、个）",
}


@dataclass(frozen=True)
class Stated:
    value: int
    unit: Unit
    before: bool  # 提前3天, 开展前5个工作日: counted back from the anchor
    day_of_month: bool  # 每月20日前: a date in the month, not a length

    def __str__(self) -> str:
        if self.day_of_month:
            return f"每月{self.value}日"
        return f"{'提前' if self.before else ''}{self.value}{_LABEL[self.unit]}"


def _number(text: str) -> int:
    return int(text) if text.isdigit() else cn_to_int(text.replace("两", "二"))


def stated(clause: str) -> list[Stated]:
    text = normalise(clause)
    found: list[Stated] = []
    for match in _QUANTITY.finditer(text):
        try:
            value = _number(match.group(1))
        except ValueError:
            continue
        unit = _UNIT_OF[match.group(2)]
        lead = text[max(0, match.start() - 2) : match.start()]
        before = lead.endswith("前") or lead == "提前"
        day_of_month = unit is Unit.CALENDAR_DAY and text[max(0, match.start() - 1) : match.start()] == "月"
        found.append(Stated(value, unit, before, day_of_month))
    return found


def disagreement(param: Param, clause: str) -> str | None:
    """None if the quote states ``param``'s number and unit; else what the reader would see wrong."""
    numbers = stated(clause)
    listed = "、".join(str(s) for s in numbers) or "没有数字"
    if isinstance(param, Terms):
        return None
    if isinstance(param, Period | Quantity):
        unit = param.unit
        if isinstance(param, Quantity) and unit is Unit.COUNT:
            hits = [s for s in numbers if s.value == param.value and s.unit is Unit.COUNT]
        else:
            hits = [s for s in numbers if s.value == param.value and s.unit is unit and not s.day_of_month]
        if isinstance(param, Period) and hits:
            wanted_before = param.direction is Direction.BEFORE
            hits = [s for s in hits if s.before == wanted_before]
            if not hits:
                side = "之前（提前）" if wanted_before else "之后"
                return f"参数为{param.value}{_LABEL[unit]}{side}，但引文中的该期限方向不同（引文中有：{listed}）"
        if not hits:
            return f"参数为{param.value}{_LABEL[unit]}，但引文中没有这个数和单位（引文中有：{listed}）"
        return None
    if isinstance(param, DayOfMonth):
        if any(s.day_of_month and s.value == param.day for s in numbers):
            return None
        return f"参数为每月{param.day}日，但引文中没有“月{param.day}日”（引文中有：{listed}）"
    if isinstance(param, CalendarPeriodEnd):
        text = normalise(clause)
        words = _EVERY[param.unit]
        if not any(w in text for w in words):
            return f"参数为每{_LABEL[param.unit]}，但引文中没有“{'、'.join(words)}”"
        counts = [s for s in numbers if s.unit is Unit.COUNT]
        if counts and not any(s.value == param.times for s in counts):
            return f"参数为每{_LABEL[param.unit]}{param.times}次，但引文中的次数不同（引文中有：{listed}）"
        return None
    return None
