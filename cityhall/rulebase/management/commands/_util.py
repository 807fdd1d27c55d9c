from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import CommandError
from django.db import DatabaseError

from cityhall.rules import RulesError


def fail(message: str) -> CommandError:
    # Exit status 2 for every refusal or bad input, with the message and no traceback.
    return CommandError(message, returncode=2)


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def parse_anchor(text: str) -> dt.date | dt.datetime:
    try:
        if "T" in text or " " in text.strip():
            return dt.datetime.fromisoformat(text.strip())
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise fail(f"日期格式有误：“{text}”。应为 YYYY-MM-DD（例如 2026-09-30），或 YYYY-MM-DDTHH:MM。") from None


class guarded:
    """Turns rule errors and a missing database into a clean exit 2."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc is None:
            return
        if isinstance(exc, RulesError):
            raise fail(exc.message) from None
        if isinstance(exc, DatabaseError):
            raise fail(f"数据库不可用或尚未初始化，请先运行 `cityhall migrate`。（{exc}）") from None
