"""Official documents (公文): the GB/T 9704-2012 elements as structured fields, intake findings,
countersign requests and the gap-free document-number sequences."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from cityhall.org.models import Person, Position, Unit
from cityhall.rules import document_flow as flow
from cityhall.workflow.models import Deadline


class Document(models.Model):
    class Direction(models.TextChoices):
        INCOMING = "incoming", "收文"
        OUTGOING = "outgoing", "发文"

    class Classification(models.TextChoices):
        NONE = "", "非密"
        SECRET = "秘密", "秘密"
        CONFIDENTIAL = "机密", "机密"
        TOP_SECRET = "绝密", "绝密"

    class Urgency(models.TextChoices):
        NONE = "", "一般"
        URGENT = "加急", "加急"
        EXTRA_URGENT = "特急", "特急"

    class Disclosure(models.TextChoices):
        PROACTIVE = "proactive", "主动公开"
        ON_REQUEST = "on_request", "依申请公开"
        WITHHELD = "withheld", "不予公开"

    direction = models.CharField("收发文", max_length=10, choices=Direction.choices)
    kind = models.CharField("文种", max_length=10)
    state = models.CharField(
        "状态", max_length=16, default=flow.DRAFT, choices=[(k, v) for k, v in flow.STATE_LABELS.items()]
    )
    issuer_unit = models.ForeignKey(Unit, verbose_name="发文/报送单位", on_delete=models.PROTECT, related_name="+")
    # GB/T 9704-2012 elements.
    copy_number = models.CharField("份号", max_length=6, blank=True)
    classification = models.CharField("密级", max_length=4, blank=True, choices=Classification.choices)
    classification_period = models.CharField("保密期限", max_length=20, blank=True)
    urgency = models.CharField("紧急程度", max_length=4, blank=True, choices=Urgency.choices)
    issuer_mark = models.CharField("发文机关标志", max_length=60, blank=True)
    document_number = models.CharField("发文字号", max_length=40, blank=True, db_index=True)
    signer_name = models.CharField("签发人", max_length=40, blank=True)
    title = models.CharField("标题", max_length=200)
    addressees = models.CharField("主送机关", max_length=400, blank=True)
    body = models.TextField("正文")
    attachment_note = models.TextField("附件说明", blank=True)
    issuer_signature = models.CharField("发文机关署名", max_length=100, blank=True)
    dated = models.DateField("成文日期", null=True, blank=True)
    sealed = models.BooleanField("加盖印章", default=True)
    note = models.CharField("附注", max_length=200, blank=True)
    copied_to = models.CharField("抄送机关", max_length=400, blank=True)
    printed_by = models.CharField("印发机关", max_length=100, blank=True)
    printed_on = models.DateField("印发日期", null=True, blank=True)
    disclosure = models.CharField("公开属性", max_length=12, choices=Disclosure.choices, default=Disclosure.ON_REQUEST)
    disclosure_reason = models.CharField("不予公开理由", max_length=200, blank=True)
    # Submission facts checked at intake (Art 48, 49 ¶1).
    signed_by_title = models.CharField("报送签发人职务", max_length=40, blank=True)
    intake_facts = models.JSONField("例外情形声明", default=dict, blank=True)
    submitted_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Routing (Art 49).
    matter_unit = models.ForeignKey(
        Unit, verbose_name="事项主管部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_handling = models.TextField("拟办意见", blank=True)
    routed_to = models.ForeignKey(
        Position, verbose_name="呈批领导", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    major = models.BooleanField("重大事项", default=False)
    opinion = models.CharField("领导意见", max_length=8, blank=True)
    instruction = models.TextField("批示内容", blank=True)
    # Signing (Art 51) and issuing (Art 52) facts of an outgoing document.
    signing_category = models.CharField("签发类别", max_length=32, blank=True)
    important = models.BooleanField("重要公文", default=False)
    executive_decided_or_routine = models.BooleanField("常务会议决定或例行批准", default=False)
    authorised_by_mayor = models.BooleanField("市长已授权分管领导签发", default=False)
    reviewed_by_supervising = models.BooleanField("分管领导已审核", default=False)
    touched_leaders = models.JSONField("涉及分管范围的其他领导", default=list, blank=True)
    co_signed = models.JSONField("已会签的领导", default=list, blank=True)
    issuing_facts = models.JSONField("发文事实声明", default=dict, blank=True)
    # Art 50 ¶1: on disagreement, each side's grounds and the host's proposal, submitted for decision.
    disagreement = models.JSONField("会签分歧及办理建议", default=dict, blank=True)
    # Numbering (allocated at signing).
    number_code = models.CharField("机关代字", max_length=20, blank=True)
    number_year = models.PositiveSmallIntegerField(null=True, blank=True)
    number_seq = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "公文"
        verbose_name_plural = "公文"
        constraints = [
            models.UniqueConstraint(
                fields=["number_code", "number_year", "number_seq"],
                condition=Q(number_seq__isnull=False),
                name="document_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(classification="") | ~Q(classification_period=""), name="classified_needs_period"
            ),
            models.CheckConstraint(
                condition=~Q(disclosure="withheld") | ~Q(disclosure_reason=""), name="withheld_needs_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"]),
            # The office's queue spans several states, newest first: scanning this index backwards
            # stops after one page instead of sorting every matching row.
            models.Index(fields=["-created_at"], name="document_newest_first"),
        ]

    def __str__(self) -> str:
        return f"{self.document_number or self.get_kind_label()}《{self.title}》"

    def get_kind_label(self) -> str:
        return self.kind


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"documents/{instance.document_id}/{filename}"


class Attachment(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("附件", upload_to=attachment_path)
    name = models.CharField("附件名称", max_length=200)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class IntakeFinding(models.Model):
    """A finding of the intake check. A warning must be cleared by a clerk with a reason."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="findings")
    code = models.CharField(max_length=40)
    severity = models.CharField(max_length=8)
    rule_id = models.CharField(max_length=80)
    citation = models.CharField(max_length=200)
    message = models.TextField()
    found_at = models.DateTimeField(auto_now_add=True)
    cleared_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cleared_reason = models.CharField(max_length=300, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class Countersign(models.Model):
    """会签 by one department (Art 50)."""

    class State(models.TextChoices):
        PENDING = "pending", "待回复"
        AGREED = "agreed", "同意"
        OBJECTED = "objected", "有不同意见"
        DEEMED = "deemed", "视为无不同意见"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="countersigns")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    deadline = models.ForeignKey(Deadline, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reply = models.TextField("回复意见", blank=True)
    replied_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["document", "unit"], name="one_countersign_per_unit")]

    def __str__(self) -> str:
        return f"{self.unit} 会签 {self.document}"


class NumberSequence(models.Model):
    """The last document number of one issuer code and year: locked to allocate the next one."""

    code = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "year"], name="one_sequence_per_code_year")]

    def __str__(self) -> str:
        return f"{self.code}〔{self.year}〕{self.last}号"


class BriefKind(models.Model):
    """A kind of brief (简报) a department sends to the city government (Art 53 ¶2)."""

    class State(models.TextChoices):
        PENDING = "pending", "待核准"
        APPROVED = "approved", "已核准"
        REFUSED = "refused", "未核准"
        RETIRED = "retired", "已停报"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="brief_kinds")
    name = models.CharField("简报名称", max_length=100)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # The database itself holds the line: one approved kind per department.
            models.UniqueConstraint(fields=["unit"], condition=Q(state="approved"), name="one_approved_brief_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.unit}《{self.name}》"
