"""Settings shared by every environment. Secrets come only from the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("CITYHALL_VAR_DIR", BASE_DIR / "var"))

DEBUG = False
ALLOWED_HOSTS: list[str] = [h for h in os.environ.get("CITYHALL_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # Listed so that /api/v1/docs serves Swagger UI from django-ninja's own static files, not a CDN.
    "ninja",
    "django_filters",
    "cityhall.web",
    "cityhall.rulebase",
    "cityhall.org",
    "cityhall.workflow",
    "cityhall.accounts",
    "cityhall.documents",
    "cityhall.meetings",
    "cityhall.supervision",
    "cityhall.leave",
    "cityhall.openness",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cityhall.web.middleware.SecurityHeaders",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cityhall.web.middleware.IdleSessionRefresh",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # NUL and lone surrogates are refused for every request, before any view (cityhall/web/middleware.py).
    "cityhall.web.middleware.RejectUnsafeText",
    # Organisation reads are memoised for the request (cityhall/org/memo.py).
    "cityhall.org.memo.OrgMemoMiddleware",
    # Every page needs login unless its view is marked @login_not_required (the public pages).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "cityhall.accounts.context_processors.nav",
            ],
        },
    },
]


def database_from_env(var: str = "CITYHALL_DATABASE_URL") -> dict[str, Any]:
    default = f"sqlite:///{VAR_DIR / 'cityhall.sqlite3'}"
    return dict(dj_database_url.parse(os.environ.get(var, default), conn_max_age=60))


DATABASES = {"default": database_from_env()}

# Posts to each public form allowed per address per hour (cityhall/openness/throttle.py).
CITYHALL_PORTAL_LIMITS = {
    "disclosure": int(os.environ.get("CITYHALL_PORTAL_APPLY_PER_HOUR", "10")),
    "petition": int(os.environ.get("CITYHALL_PORTAL_PETITION_PER_HOUR", "10")),
    "lookup": int(os.environ.get("CITYHALL_PORTAL_LOOKUP_PER_HOUR", "30")),
}

# How long an answered disclosure request keeps the applicant's identity number, phone, e-mail and address
# (docs/privacy.md); `cityhall disclosure purge` strips them after this many days.
CITYHALL_DISCLOSURE_RETENTION_DAYS = int(os.environ.get("CITYHALL_DISCLOSURE_RETENTION_DAYS", "1095"))

# The cache holds the public portal's rendered pages and their generation (cityhall/openness/cache.py).
# One process can keep it in memory; several app servers share it in the database, so that a page
# published through one server is fresh on all (CITYHALL_CACHE=database, after `cityhall createcachetable`).
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cityhall_cache"}
        if os.environ.get("CITYHALL_CACHE", "locmem") == "database"
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cityhall"}
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "cityhall.accounts.validators.UserAttributeSimilarityValidator"},
    {"NAME": "cityhall.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "cityhall.accounts.validators.CommonPasswordValidator"},
    {"NAME": "cityhall.accounts.validators.NumericPasswordValidator"},
    {"NAME": "cityhall.accounts.validators.ComplexityValidator", "OPTIONS": {"classes": 3}},
]
AUTHENTICATION_BACKENDS = ["cityhall.accounts.backends.LockoutModelBackend"]

# Identification and authentication controls after 等保2.0 level 3, as parameters.
CITYHALL_LOCKOUT_ATTEMPTS = int(os.environ.get("CITYHALL_LOCKOUT_ATTEMPTS", "5"))
CITYHALL_LOCKOUT_MINUTES = int(os.environ.get("CITYHALL_LOCKOUT_MINUTES", "15"))
# The lock above is per (account, client address): a guesser at one address locks only themselves out.
# Failures from all addresses together are capped per account, to bound guessing spread over many addresses.
CITYHALL_LOCKOUT_ACCOUNT_ATTEMPTS = int(os.environ.get("CITYHALL_LOCKOUT_ACCOUNT_ATTEMPTS", "50"))
# Failures from one client address, whatever the accounts tried (password spraying), per lockout window.
CITYHALL_LOGIN_IP_ATTEMPTS = int(os.environ.get("CITYHALL_LOGIN_IP_ATTEMPTS", "20"))
# Proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDRs); empty: REMOTE_ADDR only.
CITYHALL_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("CITYHALL_TRUSTED_PROXIES", "").split(",") if p.strip()]
# API tokens expire this many days after issue (a token survives no idle timeout, so it needs an end).
CITYHALL_TOKEN_DAYS = int(os.environ.get("CITYHALL_TOKEN_DAYS", "90"))
# Idle timeout: the session expires after this many seconds without a request.
SESSION_COOKIE_AGE = int(os.environ.get("CITYHALL_SESSION_IDLE_SECONDS", "1800"))
# The idle timeout is kept by cityhall.web.middleware.IdleSessionRefresh, which re-saves at most once a minute.
SESSION_SAVE_EVERY_REQUEST = False
CITYHALL_SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Uploaded files (attachments): Django storage, the local filesystem by default (docs/operations.md).
MEDIA_ROOT = Path(os.environ.get("CITYHALL_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: downloads go through a permission-checked view

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# The rulebook in force: a name under cityhall/rulebooks/ or a directory path.
CITYHALL_RULEBOOK = os.environ.get("CITYHALL_RULEBOOK", "fushun-2022")

# The audit trail is chained in this many shards (docs/decisions/0002-audit-chain.md).
# Fixed once events exist: changing it re-shards new events only.
CITYHALL_AUDIT_SHARDS = int(os.environ.get("CITYHALL_AUDIT_SHARDS", "16"))


def audit_keys_from_env(value: str) -> dict[str, bytes]:
    """``kid:base64,kid2:base64`` → {kid: key}. The keys MAC every audit event; they live outside the database
    so that someone who can write the tables cannot forge an event that verifies (issue 8 #7)."""
    import base64
    import binascii

    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        kid, _, encoded = item.partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            key = b""
        if not kid or len(key) < 32:
            raise ImproperlyConfigured(
                f"CITYHALL_AUDIT_KEYS 中的“{kid or item[:8]}”格式应为 编号:base64（至少32字节）（bad audit key）"
            )
        keys[kid] = key
    return keys


def derived_audit_keys(secret: str) -> dict[str, object]:
    """Audit MAC and checkpoint keys derived from a non-secret development key: for a developer's machine and the
    tests only, so that nothing secret is committed and production must bring its own (production.py)."""
    import base64
    import hashlib

    mac = hashlib.sha256(b"cityhall-audit-mac:" + secret.encode()).digest()
    seed = hashlib.sha256(b"cityhall-audit-checkpoint:" + secret.encode()).digest()
    return {
        "CITYHALL_AUDIT_KEYS": {"dev1": mac},
        "CITYHALL_AUDIT_KEY_ID": "dev1",
        "CITYHALL_AUDIT_SIGNING_KEY": base64.b64encode(seed).decode(),
    }


# The MAC keys of the audit chain, by key id, and the id new events use. Old ids stay listed to verify old events.
CITYHALL_AUDIT_KEYS = audit_keys_from_env(os.environ.get("CITYHALL_AUDIT_KEYS", ""))
CITYHALL_AUDIT_KEY_ID = os.environ.get("CITYHALL_AUDIT_KEY_ID", next(iter(CITYHALL_AUDIT_KEYS), ""))
# Ed25519 keys (base64 of the raw 32 bytes) for signed checkpoints of the chain heads: the private key only
# where `cityhall audit checkpoint` runs, the public key wherever `audit verify --checkpoint` runs.
CITYHALL_AUDIT_SIGNING_KEY = os.environ.get("CITYHALL_AUDIT_SIGNING_KEY", "")
CITYHALL_AUDIT_VERIFY_KEY = os.environ.get("CITYHALL_AUDIT_VERIFY_KEY", "")

# Content-Security-Policy: our own scripts only; data: images for the vendored CSS's inline icons.
CITYHALL_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self'",
        "frame-ancestors 'self'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)
CITYHALL_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CITYHALL_LOG_LEVEL", "INFO")},
}
