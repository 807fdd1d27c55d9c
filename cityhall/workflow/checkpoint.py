"""Signed checkpoints of the audit chain heads, kept outside the database (issue 8 #7).

Someone who can rewrite the audit tables and the heads together can cut the newest events off a chain, or
rewind a chain and write it again, and the chain alone still verifies. A checkpoint is the list of every
chain's head (sequence number and hash) at one moment, signed with Ed25519 and published to a file or URL
that the database roles cannot write. ``verify_against`` then checks that each checkpointed event is still
on its chain with the same hash and that no head went back.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from .models import AuditEvent, AuditHead

FORMAT = "cityhall-audit-checkpoint/1"


class CheckpointError(Exception):
    """A checkpoint that cannot be written, read or trusted; the message is for the operator, in Chinese."""


def _raw(name: str, value: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{name} 应为 32 字节密钥的 base64（bad key）")
    return raw


def signing_key() -> Ed25519PrivateKey:
    value = getattr(settings, "CITYHALL_AUDIT_SIGNING_KEY", "")
    if not value:
        raise ImproperlyConfigured("未设置 CITYHALL_AUDIT_SIGNING_KEY：无法签发审计检查点（docs/security.md）")
    return Ed25519PrivateKey.from_private_bytes(_raw("CITYHALL_AUDIT_SIGNING_KEY", value))


def verify_key() -> Ed25519PublicKey:
    value = getattr(settings, "CITYHALL_AUDIT_VERIFY_KEY", "")
    if value:
        return Ed25519PublicKey.from_public_bytes(_raw("CITYHALL_AUDIT_VERIFY_KEY", value))
    return signing_key().public_key()


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def make(now: dt.datetime | None = None) -> dict[str, Any]:
    """Every chain's head, signed. One query: the heads are read in one snapshot."""
    heads = {
        str(shard): {"seq": seq, "hash": digest}
        for shard, seq, digest in AuditHead.objects.order_by("shard").values_list("shard", "seq", "hash")
    }
    body = {"format": FORMAT, "created_at": (now or timezone.now()).isoformat(), "heads": heads}
    signature = signing_key().sign(_canonical(body))
    return {"checkpoint": body, "signature": base64.b64encode(signature).decode("ascii")}


def _is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def publish(document: dict[str, Any], target: str) -> str:
    """Write to a file (atomically), into a directory under a dated name, or POST to a URL. Returns where."""
    data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    if _is_url(target):
        headers = {"Content-Type": "application/json"}
        request = urllib.request.Request(target, data=data, method="POST", headers=headers)  # noqa: S310 - http(s) only
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - an http(s) URL the operator gave
                if not 200 <= response.status < 300:
                    raise CheckpointError(f"检查点未能发布到 {target}：服务器返回 {response.status}")
        except OSError as exc:
            raise CheckpointError(f"检查点未能发布到 {target}：{exc}") from None
        return target
    path = Path(target)
    if path.is_dir():
        stamp = dt.datetime.fromisoformat(document["checkpoint"]["created_at"]).astimezone(dt.UTC)
        path = path / f"audit-checkpoint-{stamp:%Y%m%dT%H%M%S%fZ}.json"
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".checkpoint-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise CheckpointError(f"检查点未能写入 {path}：{exc.strerror or exc}") from None
    return str(path)


def load(source: str) -> dict[str, Any]:
    """A checkpoint from a file, the newest in a directory, or a URL."""
    try:
        if _is_url(source):
            with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310 - an http(s) URL the operator gave
                raw = response.read()
        else:
            path = Path(source)
            if path.is_dir():
                found = sorted(path.glob("audit-checkpoint-*.json"))
                if not found:
                    raise CheckpointError(f"目录 {path} 中没有审计检查点文件")
                path = found[-1]
            raw = path.read_bytes()
        document = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"无法读取检查点 {source}：{exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("checkpoint"), dict):
        raise CheckpointError(f"{source} 不是审计检查点文件")
    return document


def verify_against(document: dict[str, Any]) -> list[str]:
    """What the chains lost since the checkpoint; empty if every checkpointed head is still there."""
    body = document["checkpoint"]
    try:
        signature = base64.b64decode(str(document.get("signature", "")), validate=True)
        verify_key().verify(signature, _canonical(body))
    except (InvalidSignature, binascii.Error, ValueError):
        return ["检查点签名无效：检查点被改动过，或不是用本系统的签名密钥签发的，不能作为核对依据"]
    if body.get("format") != FORMAT:
        return [f"检查点格式“{body.get('format')}”无法识别"]
    problems = []
    heads = dict(AuditHead.objects.values_list("shard", "seq"))
    for shard_text, head in sorted(body["heads"].items(), key=lambda item: int(item[0])):
        shard, seq, digest = int(shard_text), int(head["seq"]), str(head["hash"])
        if seq == 0:
            continue
        if heads.get(shard, 0) < seq:
            problems.append(
                f"第 {shard} 链：链头回退到第 {heads.get(shard, 0)} 条，检查点时已有 {seq} 条（末尾记录被截断）"
            )
            continue
        stored = AuditEvent.objects.filter(shard=shard, seq=seq).values_list("hash", flat=True).first()
        if stored != digest:
            problems.append(f"第 {shard} 链：检查点记录的第 {seq} 条（{digest[:12]}…）已不在链上（链被回退后重写）")
    return problems
