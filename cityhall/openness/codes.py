"""Query codes (查询码) for what the public submits, and the lookup that needs the phone's last four digits
as well: a code alone shows nothing."""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Any, TypeVar

from django.db import models

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
M = TypeVar("M", bound=models.Model)


def new_code(prefix: str) -> str:
    return prefix + "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def lookup(queryset: Any, prefix: str, code: str, phone_suffix: str) -> Any:
    """The row of ``queryset`` with this code, only when its phone number ends in ``phone_suffix``."""
    code, suffix = code.strip().upper(), phone_suffix.strip()
    if not re.fullmatch(rf"{prefix}[A-Z0-9]{{10}}", code) or not re.fullmatch(r"[0-9]{4}", suffix):
        return None
    found = queryset.filter(code=code).first()
    if found is None:
        return None
    return found if hmac.compare_digest(found.phone[-4:], suffix) else None
