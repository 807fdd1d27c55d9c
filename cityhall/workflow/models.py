"""Durable deadlines, the inbox and the append-only, hash-chained audit trail."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cityhall.org.models import Person, Position


class Deadline(models.Model):
    """A due time computed from a rule, for a subject in any module. Fires exactly once."""

    class State(models.TextChoices):
        PENDING = "pending", "未到期"
        MET = "met", "按期完成"
        MISSED = "missed", "已逾期"
        FIRED = "fired", "已按规则处理"
        CANCELLED = "cancelled", "已取消"
        # A clock that does not run for a while (e.g. 征求第三方意见, 政府信息公开条例 art 33 ¶3): the worker
        # leaves it alone until it resumes with its due date moved by the days it was paused.
        PAUSED = "paused", "暂停计算"

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    subject_label = models.CharField("事项", max_length=200)
    # A key registered by the module that owns the subject (what happens when due).
    kind = models.CharField("类型", max_length=64)
    rule_id = models.CharField("规则", max_length=80)
    rule_version = models.PositiveSmallIntegerField("规则版本")
    anchor_at = models.DateTimeField("基准时间")
    due_date = models.DateField("截止日期")
    due_at = models.DateTimeField("到期时刻", db_index=True)
    remind_at = models.DateTimeField("催办时刻", null=True, blank=True)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.PENDING)
    provisional = models.BooleanField("暂定", default=False)
    trace = models.JSONField("计算过程", default=list)
    assignee_position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.PROTECT, related_name="deadlines", verbose_name="承办职务"
    )
    assignee_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="deadlines", verbose_name="承办人"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    paused_on = models.DateField("暂停日期", null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    not_before = models.DateTimeField(null=True, blank=True)  # retry back-off after a failed handler
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "期限"
        verbose_name_plural = "期限"
        indexes = [
            models.Index(fields=["due_at"], name="deadline_pending_due", condition=Q(state="pending")),
            models.Index(
                fields=["remind_at"],
                name="deadline_pending_remind",
                condition=Q(state="pending", reminded_at__isnull=True),
            ),
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["assignee_position", "state"]),
            models.Index(fields=["assignee_person", "state"]),
        ]

    def __str__(self) -> str:
        return self.label_for(self.subject_label, self.due_date)

    @staticmethod
    def label_for(subject_label: str, due_date: dt.date) -> str:
        # People read this (audit trail, admin): the date, not the rule's code.
        return f"{subject_label}（{due_date:%Y-%m-%d}截止）"

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        """Overdue is visible from the due time alone, whether or not a worker has run."""
        return self.state in (self.State.PENDING, self.State.MISSED) and self.due_at <= (now or timezone.now())


class InboxItem(models.Model):
    """待办: one thing awaiting one position or person, from any module."""

    class State(models.TextChoices):
        OPEN = "open", "待办"
        DONE = "done", "已办"

    title = models.CharField("标题", max_length=200)
    kind = models.CharField("类型", max_length=64)
    url = models.CharField("链接", max_length=300, blank=True)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    assignee_position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.PROTECT, related_name="inbox_items", verbose_name="职务"
    )
    assignee_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="inbox_items", verbose_name="人员"
    )
    # With no position or person, the item is for the unit's pool: its staff below leadership level
    # (the General Office's clerks, a county's office) see it and any of them may take it.
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="所属单位"
    )
    # Segregation of duties (Art 34): a pool item is not offered to the person it is about.
    not_for = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Which act of the subject this item stands for, so the module can close exactly it once done.
    key = models.CharField(max_length=80, blank=True)
    # 阅件/知会: only to be read; the reader may mark it read. Every other item leaves the inbox only
    # when its act is done.
    for_reading = models.BooleanField("阅件", default=False)
    # A date the item is due by that is not a rule's deadline (e.g. the 限办日期 the office sets).
    due_on = models.DateField("限办日期", null=True, blank=True)
    deadline = models.ForeignKey(Deadline, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbox_items")
    state = models.CharField("状态", max_length=8, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField("收到时间", default=timezone.now)
    done_at = models.DateTimeField("办结时间", null=True, blank=True)
    done_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    done_on_behalf_of = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "待办事项"
        verbose_name_plural = "待办事项"
        indexes = [
            models.Index(fields=["assignee_position", "state", "created_at"]),
            models.Index(fields=["assignee_person", "state", "created_at"]),
            models.Index(fields=["unit", "state", "created_at"]),
            models.Index(fields=["subject_type", "subject_id", "state"]),
            models.Index(fields=["done_by", "done_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(assignee_position__isnull=False) | Q(assignee_person__isnull=False) | Q(unit__isnull=False),
                name="inbox_item_has_assignee",
            )
        ]

    def __str__(self) -> str:
        return self.title


class AuditHead(models.Model):
    """The head of one audit chain shard: its last sequence number and hash."""

    shard = models.PositiveSmallIntegerField(primary_key=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    # The recorded_at of the chain's last event: the next one is never recorded earlier (clock skew between servers).
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"第{self.shard}链 #{self.seq}"


class AuditEvent(models.Model):
    """An append-only, hash-chained record of one state change. See docs/decisions/0002-audit-chain.md."""

    shard = models.PositiveSmallIntegerField()
    seq = models.BigIntegerField()
    occurred_at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="操作人"
    )
    actor_label = models.CharField("操作人", max_length=80)
    on_behalf_of = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="代行对象"
    )
    on_behalf_of_label = models.CharField("代行对象", max_length=80, blank=True)
    action = models.CharField("操作", max_length=80, db_index=True)
    subject_type = models.CharField("对象类型", max_length=80, blank=True)
    subject_id = models.CharField("对象编号", max_length=64, blank=True)
    subject_label = models.CharField("对象", max_length=200, blank=True)
    # Canonical JSON text (sorted keys), so the hash does not depend on how a
    # database normalises JSON.
    before_json = models.TextField("变更前", blank=True)
    after_json = models.TextField("变更后", blank=True)
    rule_ids = models.CharField("依据规则", max_length=400, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Format 1: fields joined by U+001F, no key (events before issue 8). Format 2: length-prefixed fields,
    # the time the chain recorded it, and an HMAC of the hash under key ``key_id`` held outside the database.
    fmt = models.PositiveSmallIntegerField(default=1)
    recorded_at = models.DateTimeField("记录时间", null=True, blank=True)
    key_id = models.CharField(max_length=32, blank=True, default="")
    mac = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        constraints = [models.UniqueConstraint(fields=["shard", "seq"], name="audit_shard_seq_unique")]
        indexes = [models.Index(fields=["subject_type", "subject_id"]), models.Index(fields=["actor", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.subject_label}"

    @property
    def before(self) -> Any:
        return json.loads(self.before_json) if self.before_json else None

    @property
    def after(self) -> Any:
        return json.loads(self.after_json) if self.after_json else None

    @property
    def rules(self) -> list[str]:
        return [r for r in self.rule_ids.split(",") if r]
