"""The official holiday schedules an administrator loads each year (放假调休安排).

The ``chinesecalendar`` package seeds the years it knows; a row here for a year
replaces the seed for that year, so a correction or next year's notice never
needs a package upgrade.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from cityhall.rules.calendar import DayKind


class OfficialYear(models.Model):
    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField("依据（通知名称及文号）", max_length=300)
    published_on = models.DateField("通知发布日期", null=True, blank=True)
    loaded_at = models.DateTimeField("导入时间", auto_now=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = "年度放假安排"
        verbose_name_plural = "年度放假安排"

    def __str__(self) -> str:
        return f"{self.year}年放假安排"


class OfficialDay(models.Model):
    schedule = models.ForeignKey(OfficialYear, verbose_name="年度", related_name="days", on_delete=models.CASCADE)
    date = models.DateField("日期", unique=True)
    kind = models.CharField(
        "类型",
        max_length=24,
        choices=[(DayKind.HOLIDAY.value, "法定节假日（放假）"), (DayKind.MAKEUP_WORKING_DAY.value, "调休上班日")],
    )
    name = models.CharField("节日名称", max_length=60)

    class Meta:
        ordering = ["date"]
        verbose_name = "放假或调休日"
        verbose_name_plural = "放假或调休日"

    def __str__(self) -> str:
        return f"{self.date} {self.name}（{self.get_kind_display()}）"

    def clean(self) -> None:
        if self.schedule_id and self.date and self.date.year != self.schedule.year:
            raise ValidationError({"date": f"{self.date} 不在 {self.schedule.year} 年内"})
        if self.kind == DayKind.MAKEUP_WORKING_DAY.value and self.date and self.date.weekday() < 5:
            raise ValidationError({"date": f"{self.date} 是周一至周五，本来就是工作日，不能作为调休上班日"})
