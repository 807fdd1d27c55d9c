"""Settings for the HTTP benchmarks (benchmarks/inbox_bench.py): the dev settings, served like production.

DEBUG is off (so no query log is kept and errors are not rendered as debug pages), the URL
configuration adds a minimal baseline view (benchmarks/bench_urls.py) and logging is quiet. The
database comes from ``CITYHALL_DATABASE_URL``, as in every environment.
"""

from config.settings.dev import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "benchmarks.bench_urls"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # 4xx responses are logged as warnings by django.request; a benchmark counts them itself.
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}
