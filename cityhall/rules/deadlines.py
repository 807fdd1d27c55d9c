"""Deadline arithmetic with explanations.

``compute_deadline(rule, anchor, calendar)`` returns the due date and a trace a
clerk can read: the rule and its quoted clause, the counting convention, each
holiday or make-up working day passed, and whether the answer is provisional.

Conventions (requirements.md §0, Civil Code art 201–203):

- the start day is not counted, unless the rule counts it (Art 62);
- "within N working days after X" ends at 24:00 of the Nth working day after X;
- a period of months ends on the corresponding day, or the month's last day;
- a calendar-day or month period ending on a rest day moves to the next
  working day; a lead time ("N days before") never moves.

No Django here, and no clock: everything the answer depends on is an argument.
"""

from __future__ import annotations

import calendar as _stdcal
import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from .calendar import DAY_KIND_LABELS, DayKind, SpecialDay, WorkingCalendar
from .errors import NotComputable
from .rulebook import Rule, Rulebook
from .schema import CLOCK_UNITS, UNIT_LABELS, CalendarPeriodEnd, DayOfMonth, Direction, NonWorkingEnd, Period, Unit

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
_MONTHS = {Unit.MONTH: 1, Unit.HALF_YEAR: 6, Unit.YEAR: 12}
_WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class TraceStep:
    step: str
    text: str
    date: dt.date | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "text": self.text,
            "date": self.date.isoformat() if self.date else None,
            **({"data": self.data} if self.data else {}),
        }


@dataclass(frozen=True)
class DeadlineResult:
    rule: Rule
    anchor: dt.date | dt.datetime
    due: dt.date
    due_at: dt.datetime
    provisional: bool
    provisional_years: tuple[int, ...]
    convention: dict[str, Any]
    special_days: tuple[SpecialDay, ...]
    trace: tuple[TraceStep, ...]
    calendar_revision: str

    @property
    def is_latest_allowed(self) -> bool:
        """Lead times give the latest allowed date rather than a due date."""
        p = self.rule.record.params.get(self.rule.record.computes or "")
        return isinstance(p, DayOfMonth) or (isinstance(p, Period) and p.direction is Direction.BEFORE)

    def as_dict(self) -> dict[str, Any]:
        r = self.rule
        return {
            "rule": r.id,
            "version": r.version,
            "title": r.record.title,
            "kind": r.record.kind.value,
            "citation": r.citation,
            "citation_en": r.citation_en,
            "clause": r.record.clause,
            "anchor": self.anchor.isoformat(),
            "anchor_event": r.record.anchor.label if r.record.anchor else None,
            "due": self.due.isoformat(),
            "due_at": self.due_at.isoformat(),
            "due_meaning": "latest_allowed" if self.is_latest_allowed else "due",
            "provisional": self.provisional,
            "provisional_years": list(self.provisional_years),
            "convention": self.convention,
            "special_days": [
                {"date": s.date.isoformat(), "kind": s.kind.value, "name": s.name} for s in self.special_days
            ],
            "calendar_revision": self.calendar_revision,
            "trace": [s.as_dict() for s in self.trace],
        }


def _fmt(day: dt.date) -> str:
    return f"{day.isoformat()}（星期{_WEEKDAYS[day.weekday()]}）"


def _add_months(day: dt.date, months: int) -> tuple[dt.date, bool]:
    """The corresponding day ``months`` later (or earlier); False if there was none and the month end was used."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = _stdcal.monthrange(year, month + 1)[1]
    if day.day <= last:
        return dt.date(year, month + 1, day.day), True
    return dt.date(year, month + 1, last), False


def _end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=LOCAL_TZ)


def _convention(p: Period) -> dict[str, Any]:
    return {
        "value": p.value,
        "unit": p.unit.value,
        "direction": p.direction.value,
        "start_day_counted": p.start_day_counted,
        "on_non_working_end": p.on_non_working_end.value,
    }


def _convention_text(p: Period) -> str:
    amount = f"{p.value}{UNIT_LABELS[p.unit]}"
    if p.direction is Direction.BEFORE and p.unit in CLOCK_UNITS:
        text = f"提前期限：应在基准时刻前{amount}或更早完成"
    elif p.direction is Direction.BEFORE:
        text = f"提前期限：应在基准日前{amount}当日或之前完成（不顺延）"
    elif p.unit in CLOCK_UNITS:
        text = f"自基准时刻起{amount}"
    else:
        start = (
            "基准日当日计入，为第1天（从当日算起）" if p.start_day_counted else "基准日当日不计入（民法典第二百零一条）"
        )
        text = f"期间{amount}，{start}"
        if p.on_non_working_end is NonWorkingEnd.NEXT_WORKING_DAY and p.unit is not Unit.WORKING_DAY:
            text += "；期间最后一日为法定休假日的，顺延至休假日结束后的第一个工作日（民法典第二百零三条）"
        elif p.unit is Unit.WORKING_DAY:
            text += "；按国务院办公厅公布的放假调休安排计算工作日"
    return text


def _passed(calendar: WorkingCalendar, anchor_day: dt.date, end: dt.date, p: Period) -> list[SpecialDay]:
    """The holidays and make-up days the count ran over: the anchor day only if it was counted."""
    one = dt.timedelta(days=1)
    if p.direction is Direction.AFTER:
        return calendar.special_days_between(anchor_day if p.start_day_counted else anchor_day + one, end)
    return calendar.special_days_between(end, anchor_day - one)


def _local_date(anchor: dt.date | dt.datetime) -> dt.date:
    if isinstance(anchor, dt.datetime):
        return (anchor.astimezone(LOCAL_TZ) if anchor.tzinfo else anchor).date()
    return anchor


def compute_deadline(rule: Rule, anchor: dt.date | dt.datetime, calendar: WorkingCalendar) -> DeadlineResult:
    record = rule.record
    # The schema gives every computable rule an anchor; the second test is for the type checker.
    if record.computes is None or record.anchor is None:
        raise NotComputable(f"规则“{rule.id}”（{record.title}）不是期限类规则，无法计算日期。")
    param = record.params[record.computes]
    anchor_day = _local_date(anchor)
    anchor_label = record.anchor.label

    steps: list[TraceStep] = [
        TraceStep(
            "rule",
            f"规则 {rule.id}（第{rule.version}版）：{record.title}",
            data={"id": rule.id, "version": rule.version},
        ),
        TraceStep("citation", f"依据 {rule.citation}：“{record.clause}”", data={"citation": rule.citation}),
        TraceStep("anchor", f"基准事件：{anchor_label}，{_fmt(anchor_day)}", anchor_day),
    ]
    if record.interpretation:
        steps.append(TraceStep("interpretation", f"适用解释：{record.interpretation}"))

    used_calendar_from: dt.date | None = None  # the span whose working days mattered
    used_calendar_to: dt.date | None = None
    specials: list[SpecialDay] = []
    due_at: dt.datetime | None = None
    convention: dict[str, Any]

    if isinstance(param, Period):
        convention = _convention(param)
        steps.append(TraceStep("convention", "计算规则：" + _convention_text(param), data=convention))
        if param.unit in CLOCK_UNITS:
            amount = f"{param.value}{UNIT_LABELS[param.unit]}"
            if not isinstance(anchor, dt.datetime):
                raise NotComputable(
                    f"规则“{rule.id}”以{UNIT_LABELS[param.unit]}计，请给出开始时刻，例如 {anchor_day.isoformat()}T09:00。"
                )
            start = anchor if anchor.tzinfo else anchor.replace(tzinfo=LOCAL_TZ)
            sign = 1 if param.direction is Direction.AFTER else -1
            due_at = start.astimezone(LOCAL_TZ) + sign * dt.timedelta(**{CLOCK_UNITS[param.unit]: param.value})
            due = due_at.date()
            local = f"{start.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}"
            text = (
                f"{local} 起{amount}，至 {due_at:%Y-%m-%d %H:%M}"
                if param.direction is Direction.AFTER
                else f"{local} 之前{amount}为 {due_at:%Y-%m-%d %H:%M}"
            )
            steps.append(TraceStep("count", text, due))
        elif param.unit is Unit.WORKING_DAY:
            if param.direction is Direction.AFTER:
                base = anchor_day - dt.timedelta(days=1) if param.start_day_counted else anchor_day
                due = calendar.add_working_days(base, param.value)
                used_calendar_from, used_calendar_to = anchor_day, due
                steps.append(
                    TraceStep(
                        "count",
                        f"自{_fmt(anchor_day)}{'起' if param.start_day_counted else '次日起'}数第{param.value}个工作日，为{_fmt(due)}",
                        due,
                    )
                )
            else:
                due = calendar.add_working_days(anchor_day, -param.value)
                used_calendar_from, used_calendar_to = due, anchor_day
                steps.append(
                    TraceStep(
                        "count", f"{_fmt(anchor_day)}之前第{param.value}个工作日为{_fmt(due)}，应在当日或之前完成", due
                    )
                )
            specials = _passed(calendar, anchor_day, due, param)
        else:
            sign = 1 if param.direction is Direction.AFTER else -1
            if param.unit in _MONTHS:
                months = param.value * _MONTHS[param.unit]
                if param.start_day_counted:
                    # Counting from the anchor day itself: the period ends the day before
                    # the corresponding day, or on the month's last day if there is none.
                    corresponding, exists = _add_months(anchor_day, sign * months)
                    end = corresponding - dt.timedelta(days=sign) if exists else corresponding
                else:
                    end, exists = _add_months(anchor_day, sign * months)
                note = "" if exists else "（到期月没有对应日，以该月最后一日为期间最后一日，民法典第二百零二条）"
                steps.append(
                    TraceStep(
                        "count",
                        f"{_fmt(anchor_day)}起{param.value}{UNIT_LABELS[param.unit]}，期间最后一日为{_fmt(end)}{note}",
                        end,
                    )
                )
            else:
                days = param.value * (7 if param.unit is Unit.WEEK else 1)
                span = days - 1 if param.start_day_counted else days
                end = anchor_day + sign * dt.timedelta(days=span)
                if param.start_day_counted:
                    text = f"{_fmt(anchor_day)}为第1天，第{days}天为{_fmt(end)}"
                elif param.direction is Direction.AFTER:
                    text = f"{_fmt(anchor_day)}次日起算{days}天，期间最后一日为{_fmt(end)}"
                else:
                    text = f"{_fmt(anchor_day)}之前{days}天为{_fmt(end)}，应在当日或之前完成"
                steps.append(TraceStep("count", text, end))
            due = end
            specials = _passed(calendar, anchor_day, end, param)
            if param.on_non_working_end is NonWorkingEnd.NEXT_WORKING_DAY:
                used_calendar_from = used_calendar_to = end
                if not calendar.is_working_day(end):
                    due = calendar.next_working_day_on_or_after(end)
                    used_calendar_to = due
                    reason = calendar.special_day(end)
                    why = reason.name + DAY_KIND_LABELS[reason.kind] if reason else "周末休息日"
                    steps.append(
                        TraceStep(
                            "extend",
                            f"期间最后一日{_fmt(end)}为{why}，顺延至{_fmt(due)}（民法典第二百零三条）",
                            due,
                            {"from": end.isoformat(), "to": due.isoformat()},
                        )
                    )
                    specials = _passed(calendar, anchor_day, due, param)
    elif isinstance(param, CalendarPeriodEnd):
        convention = {"unit": param.unit.value, "times": param.times, "calendar_period": True}
        if param.unit is Unit.WEEK:
            monday = anchor_day - dt.timedelta(days=anchor_day.weekday())
            due = monday + dt.timedelta(days=6)
            period = f"{_fmt(monday)}至{_fmt(due)}这一周"
        elif param.unit is Unit.HALF_YEAR:
            first_half = anchor_day.month <= 6
            due = dt.date(anchor_day.year, 6, 30) if first_half else dt.date(anchor_day.year, 12, 31)
            period = f"{anchor_day.year}年{'上' if first_half else '下'}半年"
        else:
            due = dt.date(anchor_day.year, 12, 31)
            period = f"{anchor_day.year}年度"
        steps.append(
            TraceStep(
                "convention",
                f"计算规则：按自然周期计，{period}内至少{param.times}次；周期最后一日为{_fmt(due)}",
                data=convention,
            )
        )
        steps.append(TraceStep("count", f"{period}截止日为{_fmt(due)}", due))
    elif isinstance(param, DayOfMonth):
        convention = {"day_of_month": param.day, "month_offset": param.month_offset}
        first, _ = _add_months(anchor_day.replace(day=1), param.month_offset)
        last = _stdcal.monthrange(first.year, first.month)[1]
        due = first.replace(day=min(param.day, last))
        relative = {0: "当月", -1: "上月", 1: "下月"}.get(param.month_offset, f"相隔{param.month_offset}个月")
        steps.append(
            TraceStep(
                "convention", f"计算规则：应在基准日{relative}{param.day}日（含）之前完成，不顺延", data=convention
            )
        )
        steps.append(TraceStep("count", f"{_fmt(anchor_day)}所在月的{relative}{param.day}日为{_fmt(due)}", due))
    else:  # pragma: no cover - the schema admits nothing else
        raise NotComputable(f"规则“{rule.id}”的参数无法计算")

    for s in specials:
        steps.append(
            TraceStep(
                "holiday" if s.kind is DayKind.HOLIDAY else "makeup_working_day",
                f"经过 {s.label}" + ("，不计为工作日" if s.kind is DayKind.HOLIDAY else "，计为工作日"),
                s.date,
                {"kind": s.kind.value, "name": s.name},
            )
        )

    provisional_years: list[int] = []
    if used_calendar_from is not None and used_calendar_to is not None:
        provisional_years = calendar.unpublished_years_between(used_calendar_from, used_calendar_to)
    if provisional_years:
        years = "、".join(f"{y}年" for y in provisional_years)
        steps.append(
            TraceStep(
                "provisional",
                f"暂定（provisional）：{years}的放假调休安排尚未公布，暂按周末推算；管理员导入该年安排后自动重算",
                data={"years": provisional_years},
            )
        )

    if due_at is None:
        due_at = _end_of_day(due)
    verb = (
        "最迟应在"
        if (isinstance(param, DayOfMonth) or (isinstance(param, Period) and param.direction is Direction.BEFORE))
        else "截止于"
    )
    steps.append(TraceStep("result", f"结论：{verb}{_fmt(due)}{'（暂定）' if provisional_years else ''}", due))

    return DeadlineResult(
        rule=rule,
        anchor=anchor,
        due=due,
        due_at=due_at,
        provisional=bool(provisional_years),
        provisional_years=tuple(provisional_years),
        convention=convention,
        special_days=tuple(specials),
        trace=tuple(steps),
        calendar_revision=calendar.revision,
    )


def deadline(
    rule_id: str,
    anchor: dt.date | dt.datetime,
    *,
    rulebook: Rulebook,
    calendar: WorkingCalendar,
) -> DeadlineResult:
    """The deadline of ``rule_id`` for an anchor event, by the rule version in force on the anchor day."""
    rule = rulebook.rule(rule_id, on=_local_date(anchor))
    return compute_deadline(rule, anchor, calendar)


def inclusive_days(first: dt.date, last: dt.date) -> int:
    """Days from ``first`` to ``last`` with both ends counted (Art 55 ¶4: "3日以上(含3日)")."""
    return (last - first).days + 1


def resume_after_pause(
    due: dt.date, paused_on: dt.date, resumed_on: dt.date, calendar: WorkingCalendar, *, what: str
) -> tuple[dt.date, tuple[TraceStep, ...]]:
    """A working-day clock that does not count a pause, such as the time a consultation takes
    (政府信息公开条例 art 33 ¶3 「征求第三方和其他机关意见所需时间不计算在前款规定的期限内」).

    The working days left when the clock paused, those in ``(paused_on, due]``, are counted again from
    the day after it resumes. Returns the new due date and the trace steps that explain it.
    """
    if resumed_on < paused_on:
        raise NotComputable(f"恢复计算的日期{_fmt(resumed_on)}不能早于暂停的日期{_fmt(paused_on)}。")
    if paused_on > due:
        raise NotComputable(f"期限已于{_fmt(due)}届满，{_fmt(paused_on)}不能再暂停。")
    left = calendar.working_days_between(paused_on, due)
    paused = calendar.working_days_between(paused_on, resumed_on)
    steps = [
        TraceStep(
            "pause",
            f"{what}：{_fmt(paused_on)}暂停计算，{_fmt(resumed_on)}恢复，其间{paused}个工作日不计入期限",
            paused_on,
            {"from": paused_on.isoformat(), "to": resumed_on.isoformat(), "working_days": paused},
        )
    ]
    if left:
        new_due = calendar.add_working_days(resumed_on, left)
        text = f"暂停时尚余{left}个工作日，自{_fmt(resumed_on)}次日起数第{left}个工作日，为{_fmt(new_due)}"
    else:
        new_due = resumed_on
        text = f"暂停时已是期限最后一日，恢复当日{_fmt(resumed_on)}届满"
    steps.append(TraceStep("count", text, new_due, {"working_days_left": left}))
    for s in calendar.special_days_between(resumed_on + dt.timedelta(days=1), new_due):
        steps.append(
            TraceStep(
                "holiday" if s.kind is DayKind.HOLIDAY else "makeup_working_day",
                f"经过 {s.label}" + ("，不计为工作日" if s.kind is DayKind.HOLIDAY else "，计为工作日"),
                s.date,
                {"kind": s.kind.value, "name": s.name},
            )
        )
    unpublished = calendar.unpublished_years_between(resumed_on, new_due) if left else []
    if unpublished:
        years = "、".join(f"{y}年" for y in unpublished)
        steps.append(
            TraceStep(
                "provisional",
                f"暂定（provisional）：{years}的放假调休安排尚未公布，暂按周末推算；管理员导入该年安排后自动重算",
                data={"years": unpublished},
            )
        )
    steps.append(TraceStep("result", f"结论：截止于{_fmt(new_due)}{'（暂定）' if unpublished else ''}", new_due))
    return new_due, tuple(steps)
