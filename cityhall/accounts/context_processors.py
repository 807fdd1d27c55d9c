from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .permissions import ROLE_LABELS, actor_for


def nav(request: HttpRequest) -> dict[str, Any]:
    """The roles that shape the navigation (one query; permissions are still checked per view)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": frozenset(), "nav_role_labels": []}
    actor = actor_for(user)  # the same resolution the view used: once per request
    return {
        "nav_roles": actor.roles,
        "nav_role_labels": [ROLE_LABELS[r] for r in sorted(actor.roles)],
        "nav_person": actor.person,
        "nav_positions": list(actor.positions),
    }
