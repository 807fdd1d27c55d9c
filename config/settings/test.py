"""The test suite: SQLite by default, PostgreSQL when CITYHALL_TEST_DATABASE_URL is set."""

import os

from .base import *  # noqa: F403
from .base import MIDDLEWARE, STORAGES, database_from_env, derived_audit_keys

SECRET_KEY = "test-only-insecure-key"  # noqa: S105
if not CITYHALL_AUDIT_KEYS:  # noqa: F405 - from .base
    globals().update(derived_audit_keys(SECRET_KEY))
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

if os.environ.get("CITYHALL_TEST_DATABASE_URL"):
    DATABASES = {"default": database_from_env("CITYHALL_TEST_DATABASE_URL")}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DATABASES["default"]["CONN_MAX_AGE"] = 0

# runserver and the test live server serve static files themselves.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]
