from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from cityhall.accounts.permissions import actor_for, allowed, check
from cityhall.org.models import Person
from cityhall.rulebase.selectors import rulebook

from .audit import _EPOCH, _MICRO, _utc, verify_chain
from .labels import action_label, changes, position_names, subject_label
from .models import AuditEvent
from .selectors import audit_events


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


PAGE_SIZE = 50


def _mark(event: AuditEvent) -> str:
    """A page boundary: the event's time in microseconds (as the audit chain writes it) and its id."""
    return f"{_utc(event.occurred_at)}-{event.pk}"


def _parse_mark(value: str | None) -> tuple[dt.datetime, int] | None:
    us, _, pk = (value or "").partition("-")
    if not (us.isdigit() and pk.isdigit()) or len(us) > 18:
        return None  # a hand-edited or truncated link starts again from the newest
    return _EPOCH + _MICRO * int(us), int(pk)


def keyset_page(qs: QuerySet[AuditEvent], before: str | None, after: str | None) -> dict[str, Any]:
    """One page of the trail, newest first, by position rather than by number: no COUNT(*) over millions of
    events, and each page is an index range scan however deep it is (issue 10 P4)."""
    newer = _parse_mark(after)
    older = _parse_mark(before) if newer is None else None
    if newer is not None:
        at, pk = newer
        rows = list(
            qs.filter(Q(occurred_at__gt=at) | Q(occurred_at=at, id__gt=pk)).order_by("occurred_at", "id")[
                : PAGE_SIZE + 1
            ]
        )
        has_newer, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE][::-1]
        has_older = True
    else:
        if older is not None:
            at, pk = older
            qs = qs.filter(Q(occurred_at__lt=at) | Q(occurred_at=at, id__lt=pk))
        rows = list(qs[: PAGE_SIZE + 1])
        has_older, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
        has_newer = older is not None
    return {
        "events": rows,
        "newer": _mark(rows[0]) if rows and has_newer else "",
        "older": _mark(rows[-1]) if rows and has_older else "",
        "first_page": not has_newer,
        "newest_at": rows[0].occurred_at if rows else None,
        "oldest_at": rows[-1].occurred_at if rows else None,
    }


def index(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    subject = request.GET.get("subject", "").strip()
    person = request.GET.get("person", "")
    person_id = int(person) if person.isdigit() else None
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    bad_dates = (request.GET.get("from") and not start) or (request.GET.get("to") and not end)
    qs = audit_events(actor, subject=subject, person_id=person_id, start=start, end=end)
    page = keyset_page(qs, request.GET.get("before"), request.GET.get("after"))
    book = rulebook()
    names = position_names()
    events: list[AuditEvent] = page["events"]
    for e in events:
        e.action_name = action_label(e.action)  # type: ignore[attr-defined]
        e.subject_name = subject_label(e.subject_type)  # type: ignore[attr-defined]
        e.changes = changes(e.before_json, e.after_json, names)  # type: ignore[attr-defined]
        e.rule_links = [(r, book.rule(r).short_citation) for r in e.rules if r in book]  # type: ignore[attr-defined]
    query = request.GET.copy()
    for key in ("page", "before", "after"):
        query.pop(key, None)
    context = {
        "query": query.urlencode(),
        "page": page,
        "page_size": PAGE_SIZE,
        "subject": subject,
        "person_id": person_id,
        "start": start,
        "end": end,
        "bad_dates": bad_dates,
        "people": Person.objects.order_by("id") if allowed(actor, "audit.view_all") else [],
        "see_all": allowed(actor, "audit.view_all"),
        "can_verify": allowed(actor, "audit.verify"),
    }
    return render(request, "workflow/audit.html", context)


@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    check(actor_for(request.user), "audit.verify")
    started = time.perf_counter()
    report = verify_chain()
    return render(request, "workflow/_verify.html", {"report": report, "seconds": time.perf_counter() - started})
