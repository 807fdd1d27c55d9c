"""Units, positions, people and who holds what, the division of labour, A/B pairs and absences.

Everything that changes over time carries its own validity period, so "who acts
for the mayor on 2026-10-03 at 09:00" can be answered for any moment.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Unit(models.Model):
    class Kind(models.TextChoices):
        CITY_GOVERNMENT = "city_government", "市政府"
        GENERAL_OFFICE = "general_office", "市政府办公室"
        DEPARTMENT = "department", "市政府工作部门"
        COUNTY = "county", "县（区）政府"
        AFFILIATED = "affiliated", "直属单位"
        COORDINATING_BODY = "coordinating_body", "议事协调机构"
        OTHER = "other", "其他单位"

    code = models.SlugField("代码", max_length=60, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=40, blank=True)
    kind = models.CharField("类别", max_length=24, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # 发文机关代字, e.g. 抚政发 (used for document numbers).
    document_code = models.CharField("发文机关代字", max_length=20, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = "单位"
        verbose_name_plural = "单位"

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    class Clearance(models.IntegerChoices):
        NONE = 0, "无"
        WORK_SECRET = 1, "工作秘密"
        SECRET = 2, "秘密"
        CONFIDENTIAL = 3, "机密"
        TOP_SECRET = 4, "绝密"

    name = models.CharField("姓名", max_length=40)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    clearance = models.IntegerField("涉密等级", choices=Clearance.choices, default=Clearance.NONE)

    class Meta:
        ordering = ["id"]
        verbose_name = "人员"
        verbose_name_plural = "人员"

    def __str__(self) -> str:
        return self.name


class Position(models.Model):
    class Kind(models.TextChoices):
        MAYOR = "mayor", "市长"
        VICE_MAYOR = "vice_mayor", "副市长"
        VICE_MAYOR_LEVEL = "vice_mayor_level", "副市级干部"
        SECRETARY_GENERAL = "secretary_general", "秘书长"
        DEPUTY_SECRETARY_GENERAL = "deputy_secretary_general", "副秘书长"
        PRINCIPAL_HEAD = "principal_head", "主要负责人"
        LEGAL_REVIEWER = "legal_reviewer", "法制审核人员"
        SECURITY_OFFICER = "security_officer", "保密员"
        CLERK = "clerk", "秘书/文书"
        STAFF = "staff", "工作人员"

    LEADER_KINDS = (Kind.MAYOR, Kind.VICE_MAYOR, Kind.VICE_MAYOR_LEVEL, Kind.SECRETARY_GENERAL)

    code = models.SlugField("职务代码", max_length=60, unique=True)
    title = models.CharField("职务名称", max_length=60)
    kind = models.CharField("类别", max_length=32, choices=Kind.choices)
    unit = models.ForeignKey(Unit, verbose_name="所在单位", on_delete=models.PROTECT, related_name="positions")
    # 班子成员排序 (Art 7 ¶2): 1 = the mayor; null for positions outside the leadership.
    rank = models.PositiveSmallIntegerField("班子排序", null=True, blank=True, unique=True)
    ab_partner = models.OneToOneField(
        "self", verbose_name="AB角", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A deputy secretary-general works under a supervising vice mayor (Art 7 ¶3).
    assists = models.ForeignKey(
        "self", verbose_name="协助的副市长", null=True, blank=True, on_delete=models.SET_NULL, related_name="assistants"
    )

    class Meta:
        ordering = [models.F("rank").asc(nulls_last=True), "unit__sort_order", "id"]
        verbose_name = "职务"
        verbose_name_plural = "职务"

    def __str__(self) -> str:
        return self.title


class HoldingQuerySet(models.QuerySet["Holding"]):
    def at(self, moment: object) -> HoldingQuerySet:
        return self.filter(Q(start__lte=moment), Q(end__isnull=True) | Q(end__gt=moment))


class Holding(models.Model):
    """A person holds a position from ``start`` until ``end`` (open-ended if null)."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="holdings")
    position = models.ForeignKey(Position, verbose_name="职务", on_delete=models.PROTECT, related_name="holdings")
    start = models.DateTimeField("任职开始")
    end = models.DateTimeField("任职结束", null=True, blank=True)

    objects = HoldingQuerySet.as_manager()

    class Meta:
        ordering = ["position", "start"]
        verbose_name = "任职"
        verbose_name_plural = "任职"
        indexes = [models.Index(fields=["position", "start"])]

    def __str__(self) -> str:
        return f"{self.person} 任 {self.position}"


class ExecutiveDesignation(models.Model):
    """负责日常工作的副市长 (Art 6 ¶2): a designation valid over a period."""

    position = models.ForeignKey(Position, verbose_name="副市长", on_delete=models.PROTECT)
    start = models.DateTimeField("开始")
    end = models.DateTimeField("结束", null=True, blank=True)

    class Meta:
        ordering = ["-start"]
        verbose_name = "负责日常工作的副市长指定"
        verbose_name_plural = "负责日常工作的副市长指定"

    def __str__(self) -> str:
        return f"{self.position} 负责日常工作（{self.start:%Y-%m-%d}起）"


class Portfolio(models.Model):
    """分工: a leader supervises a unit or an area (Art 7 ¶1)."""

    position = models.ForeignKey(Position, verbose_name="分管领导", on_delete=models.CASCADE, related_name="portfolio")
    unit = models.ForeignKey(
        Unit, verbose_name="分管单位", null=True, blank=True, on_delete=models.CASCADE, related_name="supervisors"
    )
    area = models.CharField("分管领域", max_length=100, blank=True)
    start = models.DateTimeField("开始")
    end = models.DateTimeField("结束", null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "分工"
        verbose_name_plural = "分工"
        constraints = [
            models.CheckConstraint(condition=~Q(unit__isnull=True, area=""), name="portfolio_unit_or_area"),
        ]

    def __str__(self) -> str:
        return f"{self.position} 分管 {self.unit or self.area}"


class Absence(models.Model):
    """A recorded absence (离抚/请假). The leave workflow will create these; the office can enter them now."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="absences")
    start = models.DateTimeField("开始")
    end = models.DateTimeField("结束")
    reason = models.CharField("事由", max_length=200)
    away_from_city = models.BooleanField("离抚", default=True)
    # Art 6 ¶2 「或其他副市长」: for one absence the mayor may name another vice mayor to preside.
    designated = models.ForeignKey(
        "Position",
        verbose_name="指定主持日常工作的副市长",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Art 54 ¶2: a vice mayor and their paired deputy secretary-general away together need the
    # mayor's consent; the office records what happened, and the consent if there was one.
    mayor_consented = models.BooleanField("市长已同意同时离抚", default=False)
    recorded_by = models.ForeignKey(
        Person, verbose_name="登记人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    cancelled = models.BooleanField("已撤销", default=False)

    class Meta:
        ordering = ["-start"]
        verbose_name = "外出/请假"
        verbose_name_plural = "外出/请假"
        indexes = [models.Index(fields=["person", "start", "end"])]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="absence_end_after_start")]

    def __str__(self) -> str:
        return f"{self.person} {self.start:%Y-%m-%d}—{self.end:%Y-%m-%d} {self.reason}"
