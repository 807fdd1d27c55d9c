"""The administrator's 待导入 item closes itself when that year's holiday schedule is loaded."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from cityhall.rulebase.signals import calendar_year_loaded
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.models import InboxItem


def calendar_item_key(year: int) -> str:
    return f"calendar.load:{year}"


@receiver(calendar_year_loaded, dispatch_uid="web.close_calendar_item")
def close_calendar_item(sender: Any, year: int, **kwargs: Any) -> None:
    with audit.atomic():
        for item in InboxItem.objects.select_for_update().filter(
            key=calendar_item_key(year), state=InboxItem.State.OPEN
        ):
            item.state = InboxItem.State.DONE
            item.done_at = timezone.now()
            item.save(update_fields=["state", "done_at"])
            audit_record(
                actor=None, action="inbox.complete", subject=item, before={"state": "open"}, after={"state": "done"}
            )
