from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cityhall.accounts.permissions import ROLE_LABELS, actor_for, check
from cityhall.org.selectors import holders_at
from cityhall.workflow.models import InboxItem
from cityhall.workflow.selectors import inbox_entries, inbox_queryset
from cityhall.workflow.services import inbox_item_complete

PAGE = 50


def home(request: HttpRequest) -> HttpResponse:
    """Everyone's home page is their inbox: 待办 and 已办, including what reaches them as acting leader."""
    actor = actor_for(request.user)
    state = request.GET.get("state", "open")
    if state not in ("open", "done"):
        state = "open"
    now = timezone.now()
    total = inbox_queryset(actor, state).count()
    page = Paginator(range(total), PAGE).get_page(request.GET.get("page"))
    entries = inbox_entries(actor, now, state, limit=PAGE, offset=(page.number - 1) * PAGE)
    open_entries = entries if state == "open" else inbox_entries(actor, now, "open", limit=500)
    absent = holders_at(now, actor.acting_for) if actor.acting_for else {}
    context = {
        "actor": actor,
        "acting_labels": [f"{p.title}{absent[p.pk].name if p.pk in absent else ''}" for p in actor.acting_for],
        "roles": [ROLE_LABELS[r] for r in sorted(actor.roles)],
        "entries": entries,
        "state": state,
        "page": page,
        "open_count": inbox_queryset(actor, "open").count() if state == "done" else total,
        "done_count": inbox_queryset(actor, "done").count() if state == "open" else total,
        "overdue": sum(e.overdue for e in open_entries),
        "due_soon": sum(e.due_soon for e in open_entries),
        "acting_count": sum(bool(e.acting_for) for e in open_entries),
        "reading_count": sum(e.item.for_reading for e in open_entries),
        "now": now,
    }
    return render(request, "web/inbox.html", context)


@require_POST
def inbox_done(request: HttpRequest, item_id: int) -> HttpResponse:
    """Mark a reading item (阅件、来文) read. Items that stand for an act close when the act is done."""
    actor = actor_for(request.user)
    item = get_object_or_404(InboxItem, pk=item_id)
    check(actor, "inbox.complete", item)
    if actor.person is None:
        raise PermissionDenied("您的账号尚未关联人员信息。")
    if not item.for_reading:
        messages.error(request, "这是待办理的事项：请打开它办理，办理完成后会自动从待办中移出。")
        return redirect("web:home")
    acting = {p.pk: p for p in actor.acting_for}
    on_behalf_of = None
    if item.assignee_position_id in acting and item.assignee_position_id not in actor.position_ids:
        on_behalf_of = holders_at(timezone.now(), [acting[item.assignee_position_id]]).get(item.assignee_position_id)
    inbox_item_complete(item=item, actor=actor.person, on_behalf_of=on_behalf_of)
    messages.success(request, "已阅。")
    return redirect("web:home")
