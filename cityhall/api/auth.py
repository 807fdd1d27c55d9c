"""API authentication: the browser session, or a bearer token (``Authorization: Bearer ch_…``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from cityhall.accounts.models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        now = timezone.now()
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash(token), revoked=False, expires_at__gt=now)
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        # Write last use at most once a minute: a token used in a loop must not write on every call.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class BrowserSession(SessionAuth):
    """The browser's session cookie. Only a request that a session actually authenticates is checked for CSRF:
    that is the request a forged cross-site form could ride on. Without a logged-in session there is nothing to
    forge, and the caller gets 401 (not a CSRF 403) and can use a token."""

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)


session_auth = BrowserSession()
token_auth = BearerToken()
# The token first: a request that carries a valid bearer token is not a browser form, so it skips CSRF.
AUTH = [token_auth, session_auth]
