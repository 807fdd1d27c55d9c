"""Production: PostgreSQL, HTTPS, every secret from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"环境变量 {name} 未设置（required in production）")
    return value


SECRET_KEY = _required("CITYHALL_SECRET_KEY")
# SQLite has no append-only trigger on the audit table, no SKIP LOCKED for the workers and no concurrent
# writers: production never falls back to it.
if not _required("CITYHALL_DATABASE_URL").startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured(
        "生产环境必须使用 PostgreSQL：CITYHALL_DATABASE_URL 应为 postgres://…（production requires PostgreSQL）"
    )
ALLOWED_HOSTS = _required("CITYHALL_ALLOWED_HOSTS").split(",")
# The audit chain's MAC keys come from outside the database (docs/security.md): without them an event could
# be forged by anyone who can write the tables.
_required("CITYHALL_AUDIT_KEYS")
if CITYHALL_AUDIT_KEY_ID not in CITYHALL_AUDIT_KEYS:  # noqa: F405 - from .base
    raise ImproperlyConfigured(
        "CITYHALL_AUDIT_KEY_ID 必须是 CITYHALL_AUDIT_KEYS 中的一个编号（audit key id not among the keys）"
    )
CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
