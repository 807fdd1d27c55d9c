from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from .lockout import client_ip
from .models import LoginFailure


@receiver(user_login_failed)
def record_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = credentials.get("username")
    if username:
        LoginFailure.objects.create(username=username, at=timezone.now(), ip=client_ip(request))


@receiver(user_logged_in)
def clear_failures(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    LoginFailure.objects.filter(username__iexact=user.get_username()).delete()
