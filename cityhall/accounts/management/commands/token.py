"""cityhall token USERNAME [--name NAME] — issue an API bearer token (shown once)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityhall.accounts.models import ApiToken


class Command(BaseCommand):
    help = "为账号签发 API 令牌（只显示一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="命令行签发")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            user = get_user_model().objects.get(username=opts["username"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"没有用户名为“{opts['username']}”的账号。", returncode=2) from None
        _, token = ApiToken.issue(user, opts["name"])
        self.stdout.write(token)
