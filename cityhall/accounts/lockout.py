"""Account lockout: after N failed logins within the window, refuse logins until the window passes.

Parameters (settings): CITYHALL_LOCKOUT_ATTEMPTS (5), CITYHALL_LOCKOUT_MINUTES (15).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from .models import LoginFailure


def attempts() -> int:
    return int(getattr(settings, "CITYHALL_LOCKOUT_ATTEMPTS", 5))


def window() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "CITYHALL_LOCKOUT_MINUTES", 15)))


def locked_until(username: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the account unlocks, or None if it is not locked."""
    now = now or timezone.now()
    recent = list(
        LoginFailure.objects.filter(username__iexact=username, at__gt=now - window())
        .order_by("-at")
        .values_list("at", flat=True)[: attempts()]
    )
    if len(recent) < attempts():
        return None
    return recent[-1] + window()


def lock_message(until: dt.datetime) -> str:
    local = timezone.localtime(until)
    return (
        f"该账号连续{attempts()}次登录失败，已锁定{int(window().total_seconds() // 60)}分钟，"
        f"请于 {local:%H:%M} 后再试。"
    )
