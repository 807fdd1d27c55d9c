from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from cityhall.org.selectors import positions_held

from .permissions import ROLE_LABELS, _roles


def nav(request: HttpRequest) -> dict[str, Any]:
    """The roles that shape the navigation (one query; permissions are still checked per view)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": frozenset(), "nav_role_labels": []}
    person = getattr(user, "person", None)
    positions = positions_held(person, timezone.now()) if person else []
    roles = _roles(user, positions)
    return {
        "nav_roles": roles,
        "nav_role_labels": [ROLE_LABELS[r] for r in sorted(roles)],
        "nav_person": person,
        "nav_positions": positions,
    }
