"""Backup and restore as docs/operations.md says: pg_dump, pg_restore into a fresh database as the owner
role, then `cityhall audit verify` on the restored copy. PostgreSQL only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from cityhall.org.demo import load_demo
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record
from cityhall.workflow.models import AuditEvent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs PostgreSQL (set CITYHALL_TEST_DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]
ROOT = Path(__file__).resolve().parents[2]


def _url(name: str) -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _cityhall(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "CITYHALL_TEST_DATABASE_URL": _url(database)}
    return subprocess.run(
        [sys.executable, "-m", "cityhall.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_dump_restored_into_a_fresh_database_verifies(tmp_path):
    load_demo()
    with audit.atomic():
        for n in range(30):
            audit_record(actor=None, action="test.backup", after={"n": n})
    events = AuditEvent.objects.count()
    source = connection.settings_dict["NAME"]
    restored = f"{source}_restored"
    dump = tmp_path / "cityhall.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", _url(source)], check=True, timeout=120)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        cursor.execute(f'CREATE DATABASE "{restored}"')
    try:
        # As documented: into a fresh database, as the owner role (here the superuser that owns the test DB).
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={_url(restored)}", str(dump)], check=True, timeout=120)
        result = _cityhall(restored, "audit", "verify")
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"{events} 条记录" in result.stdout
        # The append-only trigger came back with the data.
        probe = _cityhall(
            restored,
            "shell",
            "-c",
            "from cityhall.workflow.models import AuditEvent as E; E.objects.filter(pk=E.objects.first().pk).update(actor_label='x')",
        )
        assert probe.returncode != 0 and "审计记录只能追加" in probe.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
