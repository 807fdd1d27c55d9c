from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .lockout import lock_message, locked_until


class LockoutModelBackend(ModelBackend):
    """ModelBackend that refuses a locked account everywhere (site login, admin login)."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username:
            until = locked_until(username)
            if until is not None:
                # PermissionDenied stops Django from trying further backends.
                raise PermissionDenied(lock_message(until))
        return super().authenticate(request, username=username, password=password, **kwargs)
