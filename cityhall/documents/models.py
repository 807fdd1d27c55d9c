"""Official documents (公文): the GB/T 9704-2012 elements as structured fields, intake findings,
countersign requests and the gap-free document-number sequences."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from cityhall.org.models import Person, Position, Unit
from cityhall.rules import document_flow as flow
from cityhall.workflow.models import Deadline

# The 国家秘密 levels, which GB/T 9704-2012 marks with ★ and a 保密期限.
STATE_SECRETS = ("秘密", "机密", "绝密")


class Document(models.Model):
    class Direction(models.TextChoices):
        INCOMING = "incoming", "收文"
        OUTGOING = "outgoing", "发文"

    class Classification(models.TextChoices):
        NONE = "", "非密"
        # Art 69 names 工作秘密 and 商业秘密 beside the state secrets; they are not 国家秘密, so they carry
        # no ★ and no 保密期限 (GB/T 9704-2012 marks only the state-secret levels).
        WORK_SECRET = "工作秘密", "工作秘密"
        COMMERCIAL_SECRET = "商业秘密", "商业秘密"
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
    # The unit that drafted an outgoing document issued in another unit's name (拟稿单位).
    drafting_unit = models.ForeignKey(
        Unit, verbose_name="拟稿单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What an office registers about an incoming document (收文处理笺).
    receipt_number = models.CharField("收文编号", max_length=40, blank=True, db_index=True)
    receipt_year = models.PositiveSmallIntegerField(null=True, blank=True)
    receipt_seq = models.PositiveIntegerField(null=True, blank=True)
    received_at = models.DateTimeField("收文日期", null=True, blank=True)
    sender_number = models.CharField("来文字号", max_length=40, blank=True)
    handling_due = models.DateField("限办日期", null=True, blank=True)
    contact_name = models.CharField("联系人", max_length=40, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    copies = models.PositiveSmallIntegerField("份数/印数", default=1)
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
    # The result of handling (办理结果) and remarks (备注), written when the document is closed.
    result = models.TextField("办理结果", blank=True)
    remarks = models.CharField("备注", max_length=200, blank=True)
    # A reply (批复) answers one request; documents may also be related to each other.
    reply_to = models.ForeignKey(
        "self", verbose_name="所答复的请示", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    related = models.ManyToManyField("self", verbose_name="关联文件", blank=True, symmetrical=True)
    # The state a countersign returns to when every department has replied.
    resume_state = models.CharField(max_length=16, blank=True)
    checked_by = models.ForeignKey(
        Person, verbose_name="核稿人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    # Numbering (allocated at signing).
    number_code = models.CharField("机关代字", max_length=20, blank=True)
    number_year = models.PositiveSmallIntegerField(null=True, blank=True)
    number_seq = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
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
                condition=Q(classification__in=["", "工作秘密", "商业秘密"]) | ~Q(classification_period=""),
                name="classified_needs_period",
            ),
            models.CheckConstraint(
                condition=~Q(disclosure="withheld") | ~Q(disclosure_reason=""), name="withheld_needs_reason"
            ),
            models.UniqueConstraint(
                fields=["receipt_year", "receipt_seq"],
                condition=Q(receipt_seq__isnull=False),
                name="document_receipt_number_unique",
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

    @property
    def is_classified(self) -> bool:
        return bool(self.classification)

    @property
    def is_state_secret(self) -> bool:
        return self.classification in STATE_SECRETS

    @property
    def classification_mark(self) -> str:
        """The 密级 as marked: 「秘密★10年」 for a state secret, the bare level for a work or commercial secret."""
        if self.is_state_secret:
            return f"{self.classification}★{self.classification_period}"
        return self.classification

    @property
    def safe_title(self) -> str:
        """The title where a classified document's title must not appear (inbox, audit, lists)."""
        if self.classification:
            ref = self.receipt_number or self.document_number or f"第{self.pk}号"
            return f"{self.classification}{self.kind}（{ref}）"
        return self.title


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


class CountersignDelegate(models.Model):
    """Someone a department's head authorises to countersign for the department (Art 50 ¶1:
    「与相关部门负责人会签」). Revoking keeps the row, so who could countersign when stays known."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, verbose_name="被授权人", on_delete=models.PROTECT, related_name="+")
    granted_by = models.ForeignKey(Person, verbose_name="授权人", on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField("授权时间")
    revoked_by = models.ForeignKey(
        Person, verbose_name="撤销人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "会签授权"
        verbose_name_plural = "会签授权"
        ordering = ["unit", "-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "person"], condition=Q(revoked_at__isnull=True), name="one_active_countersign_delegate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} 授权 {self.person} 会签"


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
    # A reply taken by phone or on paper is recorded by the office on the department's behalf.
    recorded_by = models.ForeignKey(
        Person, verbose_name="代为登记人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reply_channel = models.CharField("回复方式", max_length=10, blank=True)  # "", "电话", "纸质", "当面"
    replier_name = models.CharField("回复人", max_length=40, blank=True)
    # A department that cannot reply in time asks the host for a later date (Art 50 ¶2).
    extension_requested_until = models.DateField("申请延期至", null=True, blank=True)
    extension_reason = models.CharField("延期理由", max_length=200, blank=True)
    reminders = models.PositiveSmallIntegerField("催办次数", default=0)
    last_reminded_at = models.DateTimeField("最近催办", null=True, blank=True)

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


class Instruction(models.Model):
    """One leader's box on the processing sheet (领导批示): the opinion, the text, and who signed it."""

    class Kind(models.TextChoices):
        DECISION = "decision", "批示"
        PASS_ON = "pass_on", "转批"
        RETURN = "return", "退回"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="instructions")
    position = models.ForeignKey(Position, verbose_name="职务", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, verbose_name="签批人", on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(
        Person, verbose_name="代", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    opinion = models.CharField("意见", max_length=8, blank=True)
    text = models.TextField("批示内容", blank=True)
    passed_to = models.ForeignKey(Position, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "领导批示"
        verbose_name_plural = "领导批示"

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()} {self.document_id}"


class CommonPhrase(models.Model):
    """常用语: a phrase offered for opinions; ``person`` null means everyone's."""

    class Use(models.TextChoices):
        HANDLING = "handling", "拟办意见"
        INSTRUCTION = "instruction", "领导批示"
        COUNTERSIGN = "countersign", "会签意见"

    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="phrases")
    use = models.CharField("用途", max_length=12, choices=Use.choices)
    text = models.CharField("常用语", max_length=200)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["use", "sort_order", "id"]
        verbose_name = "常用语"
        verbose_name_plural = "常用语"

    def __str__(self) -> str:
        return self.text


class ClassifiedAccess(models.Model):
    """Every view of classified content, with person and time (Art 69)."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    username = models.CharField(max_length=150)
    what = models.CharField("查看内容", max_length=20)  # page, preview, docx, pdf, attachment, api
    at = models.DateTimeField("时间", db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "涉密内容查看记录"
        verbose_name_plural = "涉密内容查看记录"

    def __str__(self) -> str:
        return f"{self.username} {self.what} {self.document_id} {self.at:%Y-%m-%d %H:%M}"


class SubmissionKey(models.Model):
    """An idempotency key of a form or API submission: a resubmitted form finds what it created."""

    key = models.CharField(max_length=64, unique=True)
    user_id = models.BigIntegerField()
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
