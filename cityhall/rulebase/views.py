"""The public rulebook pages: browse by chapter, read each clause, compute a deadline.

These pages are deliberately public: the Work Rules are a published document
(此件公开发布), and the public is entitled to see how deadlines are counted.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cityhall.rules import NotComputable, Rule, RulesError, UnknownRule
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.rules.schema import KIND_LABELS, Kind

from .presenters import STATUS_LABELS, rule_dict, status_of, trace
from .selectors import rule_deadline, rulebook, working_calendar


def _today() -> dt.date:
    return dt.datetime.now(tz=LOCAL_TZ).date()


def _grouped(rules: list[Rule]) -> list[dict[str, Any]]:
    book = rulebook()
    groups: dict[str, dict[str, Any]] = {}
    for rule in rules:
        chapter = book.chapter_of(rule)
        if chapter:
            key, title = f"0-{chapter.number:02d}", f"第{chapter.number}章 {chapter.title}"
        else:
            key, title = f"1-{rule.source_key}", f"《{rule.source.title}》（工作规则所引用的国家规定）"
        groups.setdefault(key, {"title": title, "rules": []})["rules"].append(rule_dict(rule, book))
    return [groups[k] for k in sorted(groups)]


@login_not_required
def index(request: HttpRequest) -> HttpResponse:
    book = rulebook()
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    rules = list(book)
    if q:
        rules = [r for r in rules if q in r.id or q in r.record.title or q in r.record.clause or q in r.citation]
    if kind in Kind._value2member_map_:
        rules = [r for r in rules if r.record.kind.value == kind]
    status = request.GET.get("status", "")
    if status in STATUS_LABELS:
        rules = [r for r in rules if status_of(r.id)["status"] == status]
    data = trace()
    total = data["total"] or 1
    statuses = [
        {
            "code": code,
            "label": label,
            "count": data["counts"][code],
            "percent": round(100 * data["counts"][code] / total, 1),
        }
        for code, label in STATUS_LABELS.items()
    ]
    computable = [r for r in book if r.record.computes]
    context = {
        "book": book,
        "groups": _grouped(rules),
        "q": q,
        "kind": kind,
        "kinds": [(k.value, KIND_LABELS[k]) for k in Kind],
        "status": status,
        "statuses": statuses,
        "computable": computable,
        "selected": request.GET.get("rule", "countersign.reply"),
        "today": _today().isoformat(),
        "shown": len(rules),
    }
    return render(request, "rulebase/index.html", context)


@login_not_required
def detail(request: HttpRequest, rule_id: str) -> HttpResponse:
    book = rulebook()
    try:
        rule = book.rule(rule_id)
    except UnknownRule:
        raise Http404(f"规则库中没有编号为“{rule_id}”的规则") from None
    context = {
        "rule": rule_dict(rule, book),
        "computable": [rule] if rule.record.computes else [],
        "selected": rule.id,
        "today": _today().isoformat(),
    }
    return render(request, "rulebase/detail.html", context)


@login_not_required
def calculate(request: HttpRequest) -> HttpResponse:
    rule_id = request.GET.get("rule", "").strip()
    start = request.GET.get("start", "").strip()
    time = request.GET.get("time", "").strip()
    context: dict[str, Any] = {"rule_id": rule_id, "start": start}
    try:
        anchor: dt.date | dt.datetime = dt.date.fromisoformat(start)
        if time:
            if not re.fullmatch(r"\d{1,2}:\d{2}", time):
                raise ValueError(time)
            anchor = dt.datetime.fromisoformat(f"{start}T{time.zfill(5)}").replace(tzinfo=LOCAL_TZ)
    except ValueError:
        context["error"] = "请填写正确的日期（YYYY-MM-DD）" + ("和时刻（HH:MM）" if time else "") + "。"
    else:
        try:
            context["result"] = rule_deadline(rule_id, anchor).as_dict()
        except NotComputable as exc:
            # The page has a separate time field; point to it rather than to the ISO form.
            needs_time = isinstance(anchor, dt.date) and not isinstance(anchor, dt.datetime) and "小时" in exc.message
            context["error"] = (
                "该规则以小时计，请在“时刻”一栏填写开始时刻（HH:MM），例如 09:00。" if needs_time else exc.message
            )
        except RulesError as exc:
            context["error"] = exc.message
    status = 200 if "result" in context else 422
    template = "rulebase/_result.html" if request.htmx else "rulebase/calculate.html"  # type: ignore[attr-defined]
    # htmx swaps only 2xx responses by default; the error text must still show.
    return render(request, template, context, status=200 if request.htmx else status)  # type: ignore[attr-defined]


@login_not_required
def calendar_month(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("month", "")
    today = _today()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    error = None
    if m and 1 <= int(m.group(2)) <= 12 and 1990 <= int(m.group(1)) <= 2100:
        year, month = int(m.group(1)), int(m.group(2))
    else:
        if text:
            error = f"月份“{text}”无效，已显示本月。"
        year, month = today.year, today.month
    cal = working_calendar()
    days = cal.month(year, month)
    weeks: list[list[Any]] = []
    row: list[Any] = [None] * days[0].date.weekday()
    for d in days:
        row.append(d)
        if d.date.weekday() == 6:
            weeks.append(row)
            row = []
    if row:
        weeks.append(row + [None] * (7 - len(row)))
    prev_month = (dt.date(year, month, 1) - dt.timedelta(days=1)).strftime("%Y-%m")
    next_month = (dt.date(year, month, 28) + dt.timedelta(days=4)).strftime("%Y-%m")
    context = {
        "year": year,
        "month": month,
        "weeks": weeks,
        "provisional": not cal.is_published(year),
        "specials": [d for d in days if d.special],
        "working_count": sum(d.working for d in days),
        "prev": prev_month,
        "next": next_month,
        "today": today,
        "error": error,
        "this_month": f"{year:04d}-{month:02d}",
    }
    return render(request, "rulebase/calendar.html", context)
