"""The supervision ledger (督查督办台账, Art 58 ¶3, Art 62): items, their history and their evidence."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from cityhall.org.models import Person, Position, Unit


class Item(models.Model):
    """One ledger item: a task with its lead unit, partners, person responsible and a 710 deadline."""

    class Source(models.TextChoices):
        MEETING = "meeting", "会议议定事项"
        INSTRUCTION = "instruction", "领导批示件"
        DECISION = "decision", "重要决策"
        INSPECTION = "inspection", "督查发现问题"
        DIRECT = "direct", "市政府办公室交办"

    class Category(models.TextChoices):
        ORDINARY = "ordinary", "一般事项（7天内办结）"
        COMPLEX = "complex", "复杂事项（1个月内有结果）"
        ANNUAL = "annual", "年初确定事项（年底清零）"

    class State(models.TextChoices):
        OPEN = "open", "办理中"
        REPORTED = "reported", "已报办结，待复核"
        CLOSED = "closed", "已销号"

    source = models.CharField("来源", max_length=12, choices=Source.choices)
    task = models.TextField("任务")
    lead_unit = models.ForeignKey(Unit, verbose_name="牵头单位", on_delete=models.PROTECT, related_name="+")
    partner_units = models.ManyToManyField(Unit, verbose_name="配合单位", blank=True, related_name="+")
    responsible = models.CharField("责任人", max_length=40)
    category = models.CharField("类别", max_length=10, choices=Category.choices)
    deployed_on = models.DateField("部署日期")
    deadline = models.ForeignKey(
        "workflow.Deadline", verbose_name="办理时限", null=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField("截止日期", db_index=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    meeting_decision = models.OneToOneField(
        "meetings.Decision",
        verbose_name="会议决定事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_item",
    )
    document = models.ForeignKey(
        "documents.Document", verbose_name="批示件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The 督办通知's number in the office's series, e.g. 抚政办督〔2026〕12号 (Art 62 ¶1).
    notice_number = models.CharField("督办通知编号", max_length=40, blank=True)
    created_by = models.ForeignKey(Person, verbose_name="立项人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("立项时间", default=timezone.now)
    escalated_at = models.DateTimeField("逾期上报时间", null=True, blank=True)
    # The second step of Art 8(3): the supervising vice mayor passes it on to the executive vice mayor or the
    # mayor "如有必要", so it is that leader's act, never automatic.
    escalated_further_at = models.DateTimeField("报请协调时间", null=True, blank=True)
    escalated_to = models.ForeignKey(
        Position, verbose_name="报请协调的领导", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_late = models.BooleanField("逾期销号", default=False)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = "督办事项"
        verbose_name_plural = "督办事项"
        indexes = [
            models.Index(fields=["state", "due_date"]),
            models.Index(fields=["lead_unit", "state"]),
            models.Index(fields=["source", "state"]),
        ]

    def __str__(self) -> str:
        return self.task[:40]


class Event(models.Model):
    """One step in an item's history: created, progress, completion report, review, escalation."""

    class Kind(models.TextChoices):
        CREATED = "created", "立项"
        PROGRESS = "progress", "进展报告"
        COMPLETION = "completion", "办结报告"
        RETURNED = "returned", "复核退回"
        CLOSED = "closed", "复核销号"
        ESCALATED = "escalated", "逾期上报"

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    text = models.TextField("内容", blank=True)
    by = models.ForeignKey(
        Person, verbose_name="办理人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "督办事项记录"
        verbose_name_plural = "督办事项记录"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"supervision/{instance.event.item_id}/{filename}"


class Evidence(models.Model):
    """A file that proves the work was done (证明材料), attached to a completion report."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField("证明材料", upload_to=evidence_path)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小")

    class Meta:
        ordering = ["id"]
        verbose_name = "证明材料"
        verbose_name_plural = "证明材料"

    def __str__(self) -> str:
        return self.name


class Inspection(models.Model):
    """A supervision, inspection or evaluation activity (督查检查考核, Art 59–61): its plan filed with the
    office by the 5th working day before it starts, its report within 20 working days after it ends."""

    class State(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", "计划外，待市政府办公室批准"
        AWAITING_REVIEW = "awaiting_review", "行业系统督查，待市政府办公室备案审查"
        RETURNED = "returned", "备案审查未通过"
        FILED = "filed", "方案已备案"
        REPORTED = "reported", "情况报告已备案"

    class SectorBasis(models.TextChoices):
        NONE = "", "不属于行业系统督查检查考核"
        ABOVE = "above", "按照上级统一部署开展"
        LAW = "law", "依法依规面向基层单位开展"

    METHODS = [("clue", "线索核查法"), ("unannounced", "“四不两直”暗访"), ("random", "随机抽查"), ("other", "其他方式")]

    host_unit = models.ForeignKey(Unit, verbose_name="组织单位", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("督查检查考核事项", max_length=120)
    methods = models.JSONField("方式方法", default=list)
    starts_on = models.DateField("开展日期")
    ends_on = models.DateField("完成日期")
    planned = models.BooleanField("列入市级层面年度计划", default=True)
    grassroots = models.BooleanField("面向基层", default=False)
    total_days = models.PositiveSmallIntegerField("实地时间（天）", default=0)
    unannounced_days = models.PositiveSmallIntegerField("“四不两直”和随机抽查时间（天）", default=0)
    county_wide = models.BooleanField("各县（区）全覆盖", default=False)
    plan_entry = models.ForeignKey(
        "PlanEntry",
        verbose_name="年度计划事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    sector_basis = models.CharField(
        "行业系统督查检查考核", max_length=8, choices=SectorBasis.choices, default=SectorBasis.NONE, blank=True
    )
    review_note = models.CharField("备案审查意见", max_length=300, blank=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.FILED)
    filed_by = models.ForeignKey(Person, verbose_name="报送人", on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField("报送时间")
    filing_due = models.DateField("方案应报送日期")
    filed_late = models.BooleanField("方案逾期报送", default=False)
    warnings = models.JSONField("提示", default=list)
    approved_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    report_deadline = models.ForeignKey(
        "workflow.Deadline",
        verbose_name="情况报告时限",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    report = models.TextField("情况报告", blank=True)
    reported_at = models.DateTimeField("报告时间", null=True, blank=True)
    reported_late = models.BooleanField("报告逾期", default=False)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = "督查检查考核活动"
        verbose_name_plural = "督查检查考核活动"

    def __str__(self) -> str:
        return self.title

    @property
    def method_labels(self) -> list[str]:
        names = dict(self.METHODS)
        return [names.get(m, m) for m in self.methods]


class InspectionPlan(models.Model):
    """A year's plan of supervision, inspection and evaluation activities: the city's (市级层面, made by the
    office, Art 59), or a county's, filed with the office (备案管理, Art 60)."""

    year = models.PositiveSmallIntegerField("年度")
    unit = models.ForeignKey(Unit, verbose_name="制定单位", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("计划名称", max_length=120)
    filed_by = models.ForeignKey(Person, verbose_name="报送人", on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField("报送时间")

    class Meta:
        ordering = ["-year", "unit__kind", "unit_id"]
        verbose_name = "督查检查考核年度计划"
        verbose_name_plural = "督查检查考核年度计划"
        constraints = [models.UniqueConstraint(fields=["year", "unit"], name="inspection_plan_unique")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_city(self) -> bool:
        return self.unit.kind == Unit.Kind.GENERAL_OFFICE


class PlanEntry(models.Model):
    """One activity in a year's plan, with its host unit, month and methods."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="entries")
    host_unit = models.ForeignKey(Unit, verbose_name="组织单位", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("督查检查考核事项", max_length=120)
    month = models.PositiveSmallIntegerField("计划开展月份")
    methods = models.JSONField("方式方法", default=list)
    grassroots = models.BooleanField("面向基层", default=False)

    class Meta:
        ordering = ["plan", "month", "id"]
        verbose_name = "年度计划事项"
        verbose_name_plural = "年度计划事项"

    def __str__(self) -> str:
        return f"{self.month}月：{self.title}"

    @property
    def method_labels(self) -> list[str]:
        names = dict(Inspection.METHODS)
        return [names.get(m, m) for m in self.methods]


class SpotCheck(models.Model):
    """The office's random draw of county plans to check their execution (抽查, Art 60). The draw is
    reproducible: anyone can repeat it from the published seed and the population in its recorded order."""

    year = models.PositiveSmallIntegerField("年度")
    seed = models.CharField("随机种子", max_length=64)
    population = models.JSONField("抽取范围（计划编号，按序）")
    sample_size = models.PositiveSmallIntegerField("抽取数量")
    drawn = models.JSONField("抽中（计划编号，按抽取顺序）")
    algorithm = models.CharField("抽取方法", max_length=120)
    drawn_by = models.ForeignKey(Person, verbose_name="抽取人", on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField("抽取时间")

    class Meta:
        ordering = ["-drawn_at", "-id"]
        verbose_name = "县（区）计划执行情况抽查"
        verbose_name_plural = "县（区）计划执行情况抽查"

    def __str__(self) -> str:
        return f"{self.year}年度抽查（种子 {self.seed}）"


class SpotFinding(models.Model):
    """A problem found in a spot check; it becomes a ledger item for the county to rectify (督促整改)."""

    spot_check = models.ForeignKey(SpotCheck, on_delete=models.CASCADE, related_name="findings")
    plan = models.ForeignKey(InspectionPlan, verbose_name="被抽查计划", on_delete=models.PROTECT, related_name="+")
    text = models.TextField("发现问题")
    item = models.OneToOneField(Item, verbose_name="督办事项", on_delete=models.PROTECT, related_name="spot_finding")
    by = models.ForeignKey(Person, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("记录时间")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "抽查发现问题"
        verbose_name_plural = "抽查发现问题"

    def __str__(self) -> str:
        return self.text[:40]


class EvaluationRun(models.Model):
    """A year's performance evaluation (Art 63): scores by category, and the commendation notice."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    computed_by = models.ForeignKey(Person, verbose_name="考评人", on_delete=models.PROTECT, related_name="+")
    computed_at = models.DateTimeField("考评时间")
    notice_number = models.CharField("通报文号", max_length=40, blank=True)
    issued_at = models.DateTimeField("通报印发时间", null=True, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = "绩效考评"
        verbose_name_plural = "绩效考评"

    def __str__(self) -> str:
        return f"{self.year}年度绩效考评"


class Score(models.Model):
    class Category(models.TextChoices):
        COUNTY = "county", "县（区）"
        DEPARTMENT = "department", "市政府工作部门"

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="scores")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    category = models.CharField("类别", max_length=12, choices=Category.choices)
    items = models.PositiveIntegerField("当年到期督办事项")
    closed_on_time = models.PositiveIntegerField("按期销号")
    overdue_open = models.PositiveIntegerField("逾期未销号")
    on_time_rate = models.FloatField("按期销号率")
    other_score = models.FloatField("其他指标得分", default=0)
    other_basis = models.CharField("其他指标依据", max_length=300, blank=True)
    total = models.FloatField("总分")
    rank = models.PositiveSmallIntegerField("名次")

    class Meta:
        ordering = ["category", "rank"]
        verbose_name = "考评得分"
        verbose_name_plural = "考评得分"
        constraints = [models.UniqueConstraint(fields=["run", "unit"], name="score_unit_unique")]

    def __str__(self) -> str:
        return f"{self.unit}：{self.total:.1f}"
