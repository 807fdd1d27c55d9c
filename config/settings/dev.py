"""Local development and the demo server (script/server)."""

from .base import *  # noqa: F403
from .base import MIDDLEWARE, STORAGES, derived_audit_keys

DEBUG = True
# Not a secret: this key only ever signs cookies on a developer's own machine.
SECRET_KEY = "dev-only-insecure-key-never-used-in-production"  # noqa: S105
if not CITYHALL_AUDIT_KEYS:  # noqa: F405 - from .base
    globals().update(derived_audit_keys(SECRET_KEY))
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# runserver and the test live server serve static files themselves.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]
