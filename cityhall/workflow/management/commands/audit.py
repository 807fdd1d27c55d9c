"""cityhall audit verify [--checkpoint FILE|DIR|URL] | checkpoint --output FILE|DIR|URL | keygen.

verify checks the hash chains, the MACs and the time order and names the first broken event; with a
checkpoint it also finds chains that were cut short or rewound and rewritten since then.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityhall.workflow import checkpoint
from cityhall.workflow.audit import verify_chain


class Command(BaseCommand):
    help = "审计记录：校验哈希链（verify）、发布签名检查点（checkpoint）、生成密钥（keygen）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{verify,checkpoint,keygen}")
        verify = sub.add_parser("verify", help="校验全部审计记录的哈希链、消息认证码和时间顺序")
        verify.add_argument("--checkpoint", help="与此检查点核对（文件、目录中最新的一个，或 URL）")
        publish = sub.add_parser("checkpoint", help="把各链链头签名后写到数据库之外")
        publish.add_argument("--output", required=True, help="文件、目录或 http(s) URL")
        sub.add_parser("keygen", help="生成一组新的审计密钥（MAC 密钥与检查点签名密钥）")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except (ImproperlyConfigured, checkpoint.CheckpointError) as exc:
            raise CommandError(str(exc), returncode=2) from None

    def _verify(self, opts: dict[str, Any]) -> None:
        started = time.perf_counter()
        report = verify_chain()
        lost = checkpoint.verify_against(checkpoint.load(opts["checkpoint"])) if opts.get("checkpoint") else []
        seconds = time.perf_counter() - started
        rate = report.events / seconds if seconds else 0.0
        if report.ok and not lost:
            against = "，与检查点一致" if opts.get("checkpoint") else ""
            self.stdout.write(
                f"审计链完整：{report.events} 条记录，{report.shards} 条链{against}，"
                f"用时 {seconds:.2f} 秒（{rate:,.0f} 条/秒）"
            )
            return
        lines = [f"审计链已被破坏：共发现 {len(report.breaks) + len(lost)} 处。"]
        for b in sorted(report.breaks, key=lambda b: (b.event_id == 0, b.event_id)):
            where = f"记录 #{b.event_id}" if b.event_id else "链尾"
            lines.append(f"  第 {b.shard} 链 第 {b.seq} 条（{where}）：{b.problem}")
        lines += [f"  与检查点核对：{problem}" for problem in lost]
        raise CommandError("\n".join(lines), returncode=1)

    def _checkpoint(self, opts: dict[str, Any]) -> None:
        document = checkpoint.make()
        where = checkpoint.publish(document, opts["output"])
        heads = document["checkpoint"]["heads"]
        events = sum(h["seq"] for h in heads.values())
        self.stdout.write(f"已发布审计检查点：{len(heads)} 条链，共 {events} 条记录 → {where}")

    def _keygen(self, opts: dict[str, Any]) -> None:
        private = Ed25519PrivateKey.generate()
        seed = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        kid = time.strftime("k%Y%m%d")
        self.stdout.write(
            "# 新的审计密钥：放入环境变量（或密钥管理系统），不要提交到代码库，也不要存进数据库。\n"
            "# 轮换时把新编号加到 CITYHALL_AUDIT_KEYS 的前面并改 CITYHALL_AUDIT_KEY_ID，旧编号保留以校验旧记录。\n"
            f"CITYHALL_AUDIT_KEYS={kid}:{base64.b64encode(secrets.token_bytes(32)).decode()}\n"
            f"CITYHALL_AUDIT_KEY_ID={kid}\n"
            "# 只放在运行 audit checkpoint 的主机上：\n"
            f"CITYHALL_AUDIT_SIGNING_KEY={base64.b64encode(seed).decode()}\n"
            "# 放在运行 audit verify 的地方：\n"
            f"CITYHALL_AUDIT_VERIFY_KEY={base64.b64encode(public).decode()}"
        )
