from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cityhall.accounts.permissions import ROLE_LABELS, actor_for, check
from cityhall.org.selectors import holders_at
from cityhall.workflow.models import InboxItem
from cityhall.workflow.selectors import inbox_entries
from cityhall.workflow.services import inbox_item_complete


def home(request: HttpRequest) -> HttpResponse:
    """Everyone's home page is their inbox: 待办 and 已办, including what reaches them as acting leader."""
    actor = actor_for(request.user)
    state = request.GET.get("state", "open")
    if state not in ("open", "done"):
        state = "open"
    now = timezone.now()
    entries = inbox_entries(actor, now, state)
    absent = holders_at(now, actor.acting_for) if actor.acting_for else {}
    context = {
        "actor": actor,
        "acting_labels": [f"{p.title}{absent[p.pk].name if p.pk in absent else ''}" for p in actor.acting_for],
        "roles": [ROLE_LABELS[r] for r in sorted(actor.roles)],
        "entries": entries,
        "state": state,
        "overdue": sum(e.overdue for e in entries),
        "now": now,
    }
    return render(request, "web/inbox.html", context)


@require_POST
def inbox_done(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    item = get_object_or_404(InboxItem, pk=item_id)
    check(actor, "inbox.complete", item)
    if actor.person is None:
        raise PermissionDenied("您的账号尚未关联人员信息。")
    acting = {p.pk: p for p in actor.acting_for}
    on_behalf_of = None
    if item.assignee_position_id in acting and item.assignee_position_id not in actor.position_ids:
        on_behalf_of = holders_at(timezone.now(), [acting[item.assignee_position_id]]).get(item.assignee_position_id)
    inbox_item_complete(item=item, actor=actor.person, on_behalf_of=on_behalf_of)
    return redirect("web:home")
