from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def token_lifetime(days: int | None = None) -> dt.timedelta:
    return dt.timedelta(days=days if days is not None else int(getattr(settings, "CITYHALL_TOKEN_DAYS", 90)))


def default_token_expiry() -> dt.datetime:
    return timezone.now() + token_lifetime()


class LoginFailure(models.Model):
    """A failed login, kept to lock an account after repeated failures (等保2.0 三级 身份鉴别)."""

    username = models.CharField(max_length=150, db_index=True)
    at = models.DateTimeField(db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录"

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M:%S}"


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A token is a standing credential that no idle timeout ends, so it carries its own end.
    expires_at = models.DateTimeField("到期时间", default=default_token_expiry)

    class Status(models.TextChoices):
        ACTIVE = "active", "有效"
        EXPIRED = "expired", "已过期"
        REVOKED = "revoked", "已吊销"

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8")).hexdigest()

    def status(self, now: dt.datetime | None = None) -> ApiToken.Status:
        if self.revoked:
            return self.Status.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return self.Status.EXPIRED
        return self.Status.ACTIVE

    @classmethod
    def issue(
        cls, user: object, name: str, *, days: int | None = None, now: dt.datetime | None = None
    ) -> tuple[ApiToken, str]:
        token = "ch_" + secrets.token_urlsafe(32)
        now = now or timezone.now()
        record = cls.objects.create(
            user=user, name=name, key_hash=cls.hash(token), created_at=now, expires_at=now + token_lifetime(days)
        )
        return record, token


class LoginThrottle(models.Model):
    """Failed logins counted per key in a window, one row per key, so that the check and the count are one
    locked update (N parallel guesses get at most the limit of password checks, 等保2.0 三级 身份鉴别)."""

    class Scope(models.TextChoices):
        PAIR = "pair", "账号+地址"
        ACCOUNT = "account", "账号"
        IP = "ip", "地址"

    scope = models.CharField(max_length=8, choices=Scope.choices)
    key = models.CharField(max_length=200)
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "登录限制计数"
        verbose_name_plural = "登录限制计数"
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="accounts_loginthrottle_scope_key")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key}: {self.failures}"
