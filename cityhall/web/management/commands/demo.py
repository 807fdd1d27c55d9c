"""cityhall demo load — the Fushun demo organisation for script/server. Idempotent.

Demo accounts have a published password, so this refuses to run unless DEBUG is
on (or --force is given for a throwaway demo host).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityhall.documents.demo import load_documents
from cityhall.org.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "加载抚顺市演示组织机构与演示账号（demo load）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load"])
        parser.add_argument("--force", action="store_true", help="在非调试环境也加载（仅限演示主机）")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not settings.DEBUG and not opts["force"]:
            raise CommandError(
                "演示账号的密码是公开的，生产环境不得加载演示数据（use --force only on a demo host）。", returncode=2
            )
        logins = load_demo()
        created = load_documents()
        if created:
            self.stdout.write(f"已创建 {created} 份演示公文（各办理环节均有待办）。")
        self.stdout.write(f"抚顺市演示组织机构已就绪。演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, name, role in logins:
            self.stdout.write(f"  {username:<12} {name:<6} {role}")
