"""Per-address limits on the portal's public forms, kept in the database so that every app server
counts the same attempts. Addresses are stored as keyed hashes, never in the clear."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from cityhall.accounts.lockout import client_ip

from .models import AbuseReport, PortalAttempt

WINDOW = dt.timedelta(hours=1)


def limit(form: str) -> int:
    return int(getattr(settings, "CITYHALL_PORTAL_LIMITS", {}).get(form, 10))


def address_key(request: HttpRequest) -> str:
    ip = client_ip(request) or "unknown"
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()[:64]


def allow(request: HttpRequest, form: str) -> bool:
    """Record this attempt and say whether it is within the address's hourly limit."""
    now = timezone.now()
    key = address_key(request)
    PortalAttempt.objects.filter(at__lt=now - WINDOW * 24).delete()
    recent = PortalAttempt.objects.filter(form=form, address=key, at__gte=now - WINDOW).count()
    PortalAttempt.objects.create(form=form, address=key, at=now)
    if recent >= limit(form):
        if recent == limit(form):  # report once per burst, not once per refused post
            AbuseReport.objects.create(form=form, address=key, reason=f"一小时内超过{limit(form)}次", at=now)
        return False
    return True


def caught(request: HttpRequest, form: str, reason: str) -> None:
    AbuseReport.objects.create(form=form, address=address_key(request), reason=reason[:100])
