from __future__ import annotations

import datetime as dt
import time

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from cityhall.accounts.permissions import actor_for, allowed, check
from cityhall.org.models import Person
from cityhall.rulebase.selectors import rulebook

from .audit import verify_chain
from .labels import action_label, changes, position_names, subject_label
from .selectors import audit_events


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def index(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    subject = request.GET.get("subject", "").strip()
    person = request.GET.get("person", "")
    person_id = int(person) if person.isdigit() else None
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    bad_dates = (request.GET.get("from") and not start) or (request.GET.get("to") and not end)
    qs = audit_events(actor, subject=subject, person_id=person_id, start=start, end=end)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    book = rulebook()
    names = position_names()
    for e in page:
        e.action_name = action_label(e.action)  # type: ignore[attr-defined]
        e.subject_name = subject_label(e.subject_type)  # type: ignore[attr-defined]
        e.changes = changes(e.before_json, e.after_json, names)  # type: ignore[attr-defined]
        e.rule_links = [(r, book.rule(r).short_citation) for r in e.rules if r in book]  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "query": query.urlencode(),
        "page": page,
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
