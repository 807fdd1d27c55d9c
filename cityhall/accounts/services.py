"""Writes for accounts: issuing and revoking API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import ApiToken


def token_issue(
    *, user: Any, name: str, days: int | None = None, now: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token; the plain token is returned once and never stored."""
    if days is not None and days < 1:
        raise ValueError("有效天数须为正整数。")
    with transaction.atomic():
        return ApiToken.issue(user, name.strip() or "未命名", days=days, now=now)


def token_revoke(*, token: ApiToken, now: dt.datetime | None = None) -> bool:
    """Revoke a token. Returns False when it was already revoked (nothing changes)."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked:
            return False
        locked.revoked = True
        locked.revoked_at = now or timezone.now()
        locked.save(update_fields=["revoked", "revoked_at"])
    token.revoked, token.revoked_at = locked.revoked, locked.revoked_at
    return True
