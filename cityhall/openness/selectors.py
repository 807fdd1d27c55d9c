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
