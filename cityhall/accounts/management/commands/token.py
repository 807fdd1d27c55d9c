"""API tokens on the command line.

    cityhall token USERNAME [--name NAME] [--days D]   issue a token; prints only the token
    cityhall token issue USERNAME [--name …] [--days …] the same, for a user named "list", "revoke" or "issue"
    cityhall token list [USERNAME]                      every token (or one user's) with its status
    cityhall token revoke ID                            revoke a token by its id

"list", "revoke" and "issue" are subcommands; the first word is a username only when it is none of them.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cityhall.accounts.models import ApiToken
from cityhall.accounts.selectors import all_tokens
from cityhall.accounts.services import token_issue, token_revoke

SUBCOMMANDS = ("list", "revoke", "issue")


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


class Command(BaseCommand):
    help = (
        "API 令牌：cityhall token 用户名 [--name 用途] [--days 天数] 签发（只显示一次）；"
        "cityhall token list [用户名] 列出；cityhall token revoke 编号 吊销。"
        "list、revoke、issue 是子命令，用户名恰好是其中之一时用 cityhall token issue 用户名。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", metavar="用户名|list|revoke|issue")
        parser.add_argument("operand", nargs="?", metavar="用户名|编号")
        parser.add_argument("--name", default="命令行签发", help="令牌用途")
        parser.add_argument("--days", type=int, default=None, help="有效天数（默认 CITYHALL_TOKEN_DAYS）")

    def handle(self, *args: Any, **opts: Any) -> None:
        target, operand = opts["target"], opts["operand"]
        if target == "list":
            self._list(operand)
        elif target == "revoke":
            if operand is None:
                raise CommandError("请给出要吊销的令牌编号：cityhall token revoke 编号", returncode=2)
            self._revoke(operand)
        elif target == "issue":
            if operand is None:
                raise CommandError("请给出用户名：cityhall token issue 用户名", returncode=2)
            self._issue(operand, opts)
        else:
            if operand is not None:
                raise CommandError(
                    f"多余的参数“{operand}”。签发令牌：cityhall token 用户名 [--name 用途] [--days 天数]", returncode=2
                )
            self._issue(target, opts)

    def _issue(self, username: str, opts: dict[str, Any]) -> None:
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"没有用户名为“{username}”的账号。", returncode=2) from None
        if opts["days"] is not None and opts["days"] < 1:
            raise CommandError("--days 须为正整数。", returncode=2)
        _, token = token_issue(user=user, name=opts["name"], days=opts["days"])
        # Only the token on stdout, so that scripts can capture it.
        self.stdout.write(token)

    def _list(self, username: str | None) -> None:
        if username and not get_user_model().objects.filter(username=username).exists():
            raise CommandError(f"没有用户名为“{username}”的账号。", returncode=2)
        now = timezone.now()
        rows = [("编号", "用户", "用途", "创建时间", "最近使用", "到期", "状态")]
        for t in all_tokens(username):
            rows.append(
                (
                    str(t.pk),
                    t.user.username,
                    t.name,
                    _when(t.created_at),
                    _when(t.last_used_at),
                    _when(t.expires_at),
                    t.status(now).label,
                )
            )
        if len(rows) == 1:
            self.stdout.write("没有令牌。")
            return
        widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            self.stdout.write(
                "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(r, widths, strict=True)).rstrip()
            )

    def _revoke(self, operand: str) -> None:
        if not operand.isdigit():
            raise CommandError(
                f"令牌编号应为数字，而不是“{operand}”。可用 cityhall token list 查看编号。", returncode=2
            )
        try:
            token = ApiToken.objects.select_related("user").get(pk=int(operand))
        except ApiToken.DoesNotExist:
            raise CommandError(
                f"没有编号为 {operand} 的令牌。可用 cityhall token list 查看编号。", returncode=2
            ) from None
        if token_revoke(token=token):
            self.stdout.write(f"已吊销令牌 {token.pk}（{token.user.username} · {token.name}），使用它的请求将被拒绝。")
        else:
            self.stdout.write(f"令牌 {token.pk}（{token.user.username} · {token.name}）此前已吊销，未做改动。")


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)
