"""The supervision dashboard's figures, in a fixed number of grouped queries whatever the ledger's size."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet

from .models import Item
from .services import light_filters


def figures(items: QuerySet[Item], today: dt.date, soon: dt.date) -> dict[str, Any]:
    """Open, due-soon and overdue items by unit and by source; each unit's on-time closing rate; the 710
    distribution; and the year-end countdown of the items set at the start of the year."""
    lights = light_filters(today, soon)
    counts = {
        "open": Count("id", distinct=True, filter=lights["green"]),
        "due_soon": Count("id", distinct=True, filter=lights["amber"]),
        "overdue": Count("id", distinct=True, filter=lights["red"]),
        "closed": Count("id", distinct=True, filter=lights["closed"]),
        "closed_on_time": Count("id", distinct=True, filter=Q(state=Item.State.CLOSED, closed_late=False)),
    }
    # The counts are built once and passed by name, which the type stubs cannot follow: read untyped.
    grouped: Any = items.order_by()
    by_unit = list(
        grouped.values("lead_unit__short_name", "lead_unit__name")
        .annotate(**counts)
        .order_by("-overdue", "lead_unit__name")[:30]
    )
    by_source = {r["source"]: r for r in grouped.values("source").annotate(**counts)}
    by_category = {r["category"]: r["n"] for r in items.order_by().values("category").annotate(n=Count("id"))}
    year_end = dt.date(today.year, 12, 31)
    annual_open = list(
        items.filter(category=Item.Category.ANNUAL, deployed_on__year=today.year)
        .exclude(state=Item.State.CLOSED)
        .order_by()
        .values("lead_unit__short_name", "lead_unit__name")
        .annotate(n=Count("id"))
        .order_by("-n")[:20]
    )
    total = {k: sum(r[k] for r in by_source.values()) for k in counts}
    return {
        "total": total,
        "units": [
            {
                "unit": r["lead_unit__short_name"] or r["lead_unit__name"],
                "open": r["open"],
                "due_soon": r["due_soon"],
                "overdue": r["overdue"],
                "closed": r["closed"],
                "on_time_rate": round(100 * r["closed_on_time"] / r["closed"], 1) if r["closed"] else None,
            }
            for r in by_unit
        ],
        "sources": [
            {
                "source": label,
                "open": by_source.get(code, {}).get("open", 0) + by_source.get(code, {}).get("due_soon", 0),
                "overdue": by_source.get(code, {}).get("overdue", 0),
                "closed": by_source.get(code, {}).get("closed", 0),
            }
            for code, label in Item.Source.choices
        ],
        "categories": [{"name": label, "value": by_category.get(code, 0)} for code, label in Item.Category.choices],
        "year_end": {
            "date": year_end.isoformat(),
            "days_left": (year_end - today).days,
            "open": sum(r["n"] for r in annual_open),
            "units": [
                {"unit": r["lead_unit__short_name"] or r["lead_unit__name"], "open": r["n"]} for r in annual_open
            ],
        },
    }


def report(items: QuerySet[Item], start: dt.date, end: dt.date, today: dt.date) -> dict[str, Any]:
    """The supervision report the executive meeting hears (Art 59): the period's new and closed items,
    what is open and overdue at its end, by lead unit."""
    closed_in = Q(state=Item.State.CLOSED, closed_at__date__gte=start, closed_at__date__lte=end)
    still_open = ~Q(state=Item.State.CLOSED) & Q(deployed_on__lte=end)
    grouped: Any = items.order_by()
    units = list(
        grouped.values("lead_unit__short_name", "lead_unit__name")
        .annotate(
            open=Count("id", distinct=True, filter=still_open),
            overdue=Count("id", distinct=True, filter=still_open & Q(due_date__lt=min(end, today))),
            closed=Count("id", distinct=True, filter=closed_in),
            on_time=Count("id", distinct=True, filter=closed_in & Q(closed_late=False)),
        )
        .order_by("-overdue", "lead_unit__name")
    )
    units = [u for u in units if u["open"] or u["closed"]]
    year_end = dt.date(end.year, 12, 31)
    return {
        "total": items.filter(Q(deployed_on__lte=end) & (still_open | closed_in)).count(),
        "deployed": items.filter(deployed_on__gte=start, deployed_on__lte=end).count(),
        "closed": items.filter(closed_in).count(),
        "closed_on_time": items.filter(closed_in, closed_late=False).count(),
        "open": items.filter(still_open).count(),
        "overdue": items.filter(still_open, due_date__lt=min(end, today)).count(),
        "annual_open": items.filter(still_open, category=Item.Category.ANNUAL, deployed_on__year=end.year).count(),
        "days_left": max((year_end - end).days, 0),
        "units": [
            {
                "unit": u["lead_unit__short_name"] or u["lead_unit__name"],
                "open": u["open"],
                "overdue": u["overdue"],
                "closed": u["closed"],
                "rate": round(100 * u["on_time"] / u["closed"], 1) if u["closed"] else None,
            }
            for u in units
        ],
        "overdue_items": list(items.filter(still_open, due_date__lt=min(end, today)).select_related("lead_unit")[:200]),
        "closed_items": list(items.filter(closed_in).select_related("lead_unit")[:200]),
    }
