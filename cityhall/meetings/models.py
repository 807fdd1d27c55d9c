"""Meeting topics (议题) and their approval chain (Art 39, 40 ¶2, 43)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from cityhall.org.models import Person, Unit

from .kinds import EXECUTIVE, KIND_NAMES, PLENARY


class Topic(models.Model):
    """A topic applied for on the 《市政府常务会议议题申报单》 (or collected for a plenary meeting)."""

    class State(models.TextChoices):
        IN_REVIEW = "in_review", "审核中"
        RETURNED = "returned", "已退回修改"
        DEFERRED = "deferred", "暂缓"
        APPROVED = "approved", "已确定上会"

    KIND_CHOICES = [(PLENARY, KIND_NAMES[PLENARY]), (EXECUTIVE, KIND_NAMES[EXECUTIVE])]

    meeting_kind = models.CharField("会议类型", max_length=20, choices=KIND_CHOICES)
    matter = models.CharField("议题名称", max_length=200)
    host_unit = models.ForeignKey(Unit, verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    reporting_unit = models.ForeignKey(Unit, verbose_name="汇报单位", on_delete=models.PROTECT, related_name="+")
    basis = models.TextField("提请审议的依据和理由")
    legality_review_needed = models.BooleanField("需要合法性审查", default=False)
    legality_review_done = models.BooleanField("已完成合法性审查", default=False)
    materials = models.TextField("会议材料", blank=True)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.IN_REVIEW)
    # The chain step the topic waits at (a code of the kind's topic chain); blank once decided.
    step = models.CharField("当前环节", max_length=40, blank=True)
    applicant = models.ForeignKey(Person, verbose_name="申报人", on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("申报时间", default=timezone.now)
    decided_at = models.DateTimeField("确定时间", null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = "会议议题"
        verbose_name_plural = "会议议题"
        indexes = [models.Index(fields=["state", "step"]), models.Index(fields=["host_unit", "state"])]

    def __str__(self) -> str:
        return self.matter


class Consultation(models.Model):
    """A department the host unit consulted, and its opinion (the form's 征求意见情况)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="consultations")
    unit = models.ForeignKey(Unit, verbose_name="征求意见单位", on_delete=models.PROTECT, related_name="+")
    opinion = models.TextField("意见")

    class Meta:
        ordering = ["id"]
        verbose_name = "征求意见情况"
        verbose_name_plural = "征求意见情况"

    def __str__(self) -> str:
        return f"{self.unit}：{self.opinion[:20]}"


class TopicAction(models.Model):
    """One act on a topic: its submission, and each chain step's pass, return or deferral."""

    class Decision(models.TextChoices):
        SUBMIT = "submit", "申报"
        RESUBMIT = "resubmit", "修改后重新申报"
        PASS = "pass", "同意"
        RETURN = "return", "退回修改"
        DEFER = "defer", "暂缓"

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="actions")
    step = models.CharField("环节", max_length=40, blank=True)
    decision = models.CharField("处理", max_length=12, choices=Decision.choices)
    reason = models.TextField("理由", blank=True)
    actor = models.ForeignKey(Person, verbose_name="办理人", on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(
        Person, verbose_name="代", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "议题办理记录"
        verbose_name_plural = "议题办理记录"

    def __str__(self) -> str:
        return f"{self.get_decision_display()} {self.step}"

    @property
    def step_label(self) -> str:
        from .kinds import ROLE_LABELS

        return ROLE_LABELS.get(self.step, "申报单位")


class Meeting(models.Model):
    """A scheduled meeting of one of the four kinds (Art 38), with its agenda of approved topics (Art 43 ¶1)."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "已安排"
        HELD = "held", "已召开"
        CANCELLED = "cancelled", "已取消"

    KIND_CHOICES = [(code, name) for code, name in KIND_NAMES.items()]

    kind = models.CharField("会议类型", max_length=20, choices=KIND_CHOICES)
    title = models.CharField("会议名称", max_length=100)
    starts_at = models.DateTimeField("开始时间")
    venue = models.CharField("地点", max_length=100, blank=True)
    video = models.BooleanField("视频会议", default=False)
    chair = models.ForeignKey("org.Position", verbose_name="主持", on_delete=models.PROTECT, related_name="+")
    # Art 40 ¶1: the executive vice mayor chairs an executive meeting only on the mayor's entrustment.
    entrusted = models.BooleanField("受市长委托主持", default=False)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.SCHEDULED)
    scheduled_by = models.ForeignKey(Person, verbose_name="安排人", on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField("安排时间", default=timezone.now)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = "会议"
        verbose_name_plural = "会议"
        indexes = [models.Index(fields=["kind", "starts_at"])]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    """A topic on a meeting's agenda; a topic is put on one meeting's agenda at most."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    topic = models.OneToOneField(Topic, on_delete=models.PROTECT, related_name="agenda_item")
    order = models.PositiveSmallIntegerField("顺序")

    class Meta:
        ordering = ["order"]
        verbose_name = "会议议程"
        verbose_name_plural = "会议议程"
        constraints = [models.UniqueConstraint(fields=["meeting", "order"], name="agenda_order_unique")]

    def __str__(self) -> str:
        return f"{self.order}. {self.topic}"
