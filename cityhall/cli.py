"""The ``cityhall`` command: the project's manage.py, installed as a console script.

Every Django command works through it (``cityhall migrate``, ``cityhall rules list``…).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    # The SQLite default lives under var/; make sure it exists before Django opens it.
    var_dir = Path(os.environ.get("CITYHALL_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    if "CITYHALL_DATABASE_URL" not in os.environ:
        var_dir.mkdir(parents=True, exist_ok=True)
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - load the settings now, to report a bad setting in one line
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"配置错误（configuration error）：{exc}\n")
        raise SystemExit(2) from None
    execute_from_command_line(["cityhall", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
