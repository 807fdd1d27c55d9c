"""cityhall demo load — the demo data for script/server. Idempotent.

Demo accounts have published passwords, so this refuses to run unless DEBUG is
on (or --force is given for a throwaway demo host).
"""

from __future__ import annotations

from typing import Any, TypedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction


class DemoAccount(TypedDict):
    username: str
    password: str
    first_name: str
    last_name: str
    is_staff: bool
    is_superuser: bool
    role: str


# Invented people only: never a real official's name.
DEMO_ACCOUNTS: list[DemoAccount] = [
    {
        "username": "admin",
        "password": "demo-admin-2026",
        "first_name": "系统管理员",
        "last_name": "",
        "is_staff": True,
        "is_superuser": True,
        "role": "系统管理员（维护规则库与放假安排）",
    },
]


class Command(BaseCommand):
    help = "加载演示数据（demo load）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load"])
        parser.add_argument("--force", action="store_true", help="在非调试环境也加载（仅限演示主机）")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not settings.DEBUG and not opts["force"]:
            raise CommandError(
                "演示账号的密码是公开的，生产环境不得加载演示数据（use --force only on a demo host）。", returncode=2
            )
        User = get_user_model()
        created = 0
        with transaction.atomic():
            for account in DEMO_ACCOUNTS:
                user, was_created = User.objects.get_or_create(username=account["username"])
                if was_created:
                    user.first_name = account["first_name"]
                    user.last_name = account["last_name"]
                    user.is_staff = account["is_staff"]
                    user.is_superuser = account["is_superuser"]
                    user.set_password(account["password"])
                    user.save()
                    created += 1
        self.stdout.write(f"演示数据已就绪（新建 {created} 个账号）。演示登录：")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account['username']:<12} 密码 {account['password']:<18} {account['role']}")
