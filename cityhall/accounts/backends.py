from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .lockout import Refusal, client_ip, reserve, succeeded

REFUSAL_ATTR = "cityhall_login_refusal"


class LockoutModelBackend(ModelBackend):
    """ModelBackend that counts each attempt before checking its password, and refuses a locked account,
    pair or address everywhere (site login, admin login) without checking the password at all."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if not username or password is None:
            return None
        outcome = reserve(username, client_ip(request))
        if isinstance(outcome, Refusal):
            if request is not None:
                setattr(request, REFUSAL_ATTR, outcome.message)  # for the login form's message
            # PermissionDenied stops Django from trying further backends.
            raise PermissionDenied(outcome.message)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            succeeded(outcome)
        return user
