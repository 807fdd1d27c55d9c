"""Production settings pass Django's deployment checks."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

CITYHALL = str(Path(sys.executable).with_name("cityhall"))
AUDIT_KEYS = {
    "CITYHALL_AUDIT_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
    "CITYHALL_AUDIT_KEY_ID": "k1",
}


def test_production_settings_pass_check_deploy():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "CITYHALL_SECRET_KEY": secrets.token_urlsafe(50),
        "CITYHALL_ALLOWED_HOSTS": "oa.example.gov.cn",
        # check --deploy does not connect; the URL only has to name PostgreSQL.
        "CITYHALL_DATABASE_URL": "postgres://cityhall_app@db.example.gov.cn:5432/cityhall",
        **AUDIT_KEYS,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    out = subprocess.run(
        [CITYHALL, "check", "--deploy", "--fail-level", "WARNING"], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "CITYHALL_SECRET_KEY"}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", "CITYHALL_ALLOWED_HOSTS": "x.example"})
    out = subprocess.run([CITYHALL, "check"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "CITYHALL_SECRET_KEY" in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_production_refuses_to_run_on_sqlite_or_without_a_database_url():  # issue 8 #12
    base = {k: v for k, v in os.environ.items() if k not in ("CITYHALL_DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    base.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "CITYHALL_SECRET_KEY": secrets.token_urlsafe(50),
            "CITYHALL_ALLOWED_HOSTS": "oa.example.gov.cn",
        }
    )
    for extra in ({}, {"CITYHALL_DATABASE_URL": "sqlite:///var/cityhall.sqlite3"}):
        out = subprocess.run([CITYHALL, "check"], env={**base, **extra}, capture_output=True, text=True, timeout=60)
        assert out.returncode != 0
        assert "PostgreSQL" in out.stderr or "CITYHALL_DATABASE_URL" in out.stderr
        assert "Traceback" not in out.stderr


def test_production_refuses_to_start_without_the_audit_keys():  # issue 8 #7
    base = {
        k: v for k, v in os.environ.items() if not k.startswith("CITYHALL_AUDIT") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    base.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "CITYHALL_SECRET_KEY": secrets.token_urlsafe(50),
            "CITYHALL_ALLOWED_HOSTS": "oa.example.gov.cn",
            "CITYHALL_DATABASE_URL": "postgres://cityhall_app@db.example.gov.cn:5432/cityhall",
        }
    )
    for extra, expected in (
        ({}, "CITYHALL_AUDIT_KEYS"),
        ({**AUDIT_KEYS, "CITYHALL_AUDIT_KEY_ID": "k9"}, "CITYHALL_AUDIT_KEY_ID"),
        ({"CITYHALL_AUDIT_KEYS": "k1:c2hvcnQ="}, "CITYHALL_AUDIT_KEYS"),
    ):
        out = subprocess.run([CITYHALL, "check"], env={**base, **extra}, capture_output=True, text=True, timeout=60)
        assert out.returncode != 0 and expected in out.stderr, out.stderr
        assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
