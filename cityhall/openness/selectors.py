"""Read models for the openness registers, in the product's list shape (product.md §4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cityhall.workflow.models import Deadline

from .models import DisclosureRequest

LIVE = (Deadline.State.PENDING, Deadline.State.PAUSED, Deadline.State.MISSED)


def disclosure_summary(req: DisclosureRequest, now: dt.datetime) -> dict[str, Any]:
    deadline = req.deadline
    running = deadline is not None and deadline.state in (Deadline.State.PENDING, Deadline.State.MISSED)
    return {
        "id": req.code,
        "title": req.description[:80],
        "state": req.state,
        "state_label": req.get_state_display(),
        "due": deadline.due_date.isoformat() if deadline is not None and deadline.state in LIVE else None,
        "overdue": bool(running and deadline is not None and deadline.due_at <= now),
        "paused": deadline is not None and deadline.state == Deadline.State.PAUSED,
        "received_on": req.received_on.isoformat(),
        "channel": req.channel,
        "applicant": req.name,
        "id_number": req.masked_id,
        "extended": req.extended,
        "outcome": req.outcome or None,
        "reply_number": req.reply_number or None,
        "rule": "disclosure.reply",
        "url": f"/openness/disclosure/{req.pk}/",
    }


def disclosure_rows(now: dt.datetime) -> list[dict[str, Any]]:
    items = DisclosureRequest.objects.select_related("deadline").order_by("-received_on", "-id")
    return [disclosure_summary(r, now) for r in items]


def suggestion_summary(item: Any, now: dt.datetime) -> dict[str, Any]:
    deadline = item.deadline
    open_ = item.state == item.State.ASSIGNED
    return {
        "id": f"{item.kind}-{item.pk}",
        "title": item.title,
        "state": item.state,
        "state_label": item.get_state_display(),
        "due": deadline.due_date.isoformat() if deadline is not None and open_ else None,
        "overdue": bool(open_ and deadline is not None and deadline.due_at <= now),
        "kind": item.kind,
        "number": item.number,
        "lead_unit": item.lead_unit.code,
        "complex": item.complex,
        "reply_number": item.reply_number or None,
        "satisfaction": item.satisfaction or None,
        "rule": "suggestion.handle-complex" if item.complex else "suggestion.handle",
        "url": f"/openness/suggestions/{item.pk}/",
    }


def suggestion_rows(now: dt.datetime) -> list[dict[str, Any]]:
    from .models import Suggestion

    items = Suggestion.objects.select_related("deadline", "lead_unit").order_by("-assigned_on", "-id")
    return [suggestion_summary(s, now) for s in items]


def petition_summary(item: Any, now: dt.datetime) -> dict[str, Any]:
    deadline = {"received": item.accept_deadline, "accepted": item.handle_deadline}.get(item.state)
    return {
        "id": item.code,
        "title": item.subject,
        "state": item.state,
        "state_label": item.get_state_display(),
        "due": deadline.due_date.isoformat() if deadline is not None else None,
        "overdue": bool(deadline is not None and deadline.due_at <= now),
        "received_on": item.received_on.isoformat(),
        "channel": item.channel,
        "handling_unit": item.handling_unit.code if item.handling_unit else None,
        "important": item.important,
        "instructed": bool(item.instruction),
        "extended": item.extended,
        "rule": "petition.accept" if item.state == "received" else "petition.handle",
        "url": f"/openness/petitions/{item.pk}/",
    }


def petition_rows(now: dt.datetime) -> list[dict[str, Any]]:
    from .models import Petition

    items = Petition.objects.select_related("accept_deadline", "handle_deadline", "handling_unit")
    return [petition_summary(p, now) for p in items.order_by("-received_on", "-id")]
