"""cityhall unlock USERNAME [--ip ADDRESS] — lift login locks (for the General Office).

Also ``cityhall unlock --ip ADDRESS`` alone, for an office network locked out by too many failures.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityhall.accounts.lockout import unlock


class Command(BaseCommand):
    help = "解除登录锁定：cityhall unlock 用户名（该账号在所有地址的锁定）[--ip 地址]（该地址的锁定）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", metavar="用户名")
        parser.add_argument("--ip", default=None, metavar="地址", help="同时解除这个网络地址的锁定")

    def handle(self, *args: Any, **opts: Any) -> None:
        username, ip = opts["username"], opts["ip"]
        if not username and not ip:
            raise CommandError("请给出用户名或 --ip 地址：cityhall unlock 用户名 [--ip 地址]", returncode=2)
        if ip:
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                raise CommandError(f"“{ip}”不是有效的 IP 地址。", returncode=2) from None
        unlock(username=username, ip=ip)
        done = []
        if username:
            known = get_user_model().objects.filter(username=username).exists()
            done.append(f"账号“{username}”" + ("" if known else "（系统中没有这个账号，仍清除了它的失败计数）"))
        if ip:
            done.append(f"地址 {ip}")
        self.stdout.write(f"已解除{'和'.join(done)}的登录锁定，可以立即重新登录。")
