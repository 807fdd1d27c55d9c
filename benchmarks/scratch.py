"""A scratch PostgreSQL database for one benchmark run: created on ``CITYHALL_DATABASE_URL``'s server, dropped after."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"


@contextmanager
def scratch_database(prefix: str, default_url: str = SERVER_URL) -> Iterator[None]:
    """``CITYHALL_DATABASE_URL`` points at a fresh database ``<prefix>_<pid>`` inside the block, and back after."""
    import psycopg

    url = os.environ.get("CITYHALL_DATABASE_URL", default_url)
    base = url.rsplit("/", 1)[0]
    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["CITYHALL_DATABASE_URL"] = f"{base}/{name}"
    try:
        yield
    finally:
        from django.conf import settings

        if settings.configured:  # the benchmark's own connections, so that the drop does not have to force them
            from django.db import connections

            connections.close_all()
        os.environ["CITYHALL_DATABASE_URL"] = url
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
