"""The public portal's content (Art 28–30): what is published, each policy with its interpretation."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from cityhall.org.models import Person, Unit

# The 政府信息公开 subject columns a portal's catalogue is browsed by (主题分类, after the State Council's
# 公文主题词 headings, shortened to what a city government publishes).
SUBJECTS = (
    ("general", "综合政务"),
    ("economy", "国民经济管理"),
    ("finance", "财政、金融、审计"),
    ("land", "自然资源与城乡建设"),
    ("agriculture", "农业、林业、水利"),
    ("industry", "工业、交通、商贸"),
    ("education", "教育、科技、文化、旅游"),
    ("health", "卫生健康、体育"),
    ("social", "劳动就业、社会保障、民政"),
    ("safety", "公安、司法、应急管理"),
    ("market", "市场监管、安全生产监管"),
    ("environment", "生态环境"),
)


class Publication(models.Model):
    """One item on the portal: an issued document, a meeting's decisions or a notice, with its full text."""

    class Kind(models.TextChoices):
        POLICY = "policy", "政策文件"
        DECISION = "decision", "会议决定事项"
        NOTICE = "notice", "其他主动公开信息"

    class State(models.TextChoices):
        DRAFT = "draft", "待发布"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已撤下"

    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    document_number = models.CharField("发文字号", max_length=40, blank=True)
    issuer = models.ForeignKey(Unit, verbose_name="发布机构", on_delete=models.PROTECT, related_name="+")
    # 谁起草、谁解读 (Art 30): the drafting unit writes the interpretation; it may differ from the issuer.
    drafting_unit = models.ForeignKey(Unit, verbose_name="起草单位", on_delete=models.PROTECT, related_name="+")
    subject = models.CharField("主题分类", max_length=16, choices=SUBJECTS)
    issued_on = models.DateField("成文日期")
    body = models.TextField("正文")
    disclosure_label = models.CharField("公开属性", max_length=10, default="主动公开")
    document = models.OneToOneField(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="publication"
    )
    minutes = models.OneToOneField(
        "meetings.Minutes", null=True, blank=True, on_delete=models.PROTECT, related_name="publication"
    )
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, db_index=True)
    withdrawn_reason = models.CharField("撤下理由", max_length=200, blank=True)
    # The search index's text: jieba words and CJK bigrams (search.index_text), kept beside the original
    # so SQLite FTS5 and PostgreSQL full-text search read the same tokens.
    title_index = models.TextField(blank=True, editable=False)
    body_index = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = "公开信息"
        verbose_name_plural = "公开信息"
        indexes = [models.Index(fields=["state", "-published_at"], name="publication_state_newest")]

    def __str__(self) -> str:
        return self.title

    @property
    def needs_interpretation(self) -> bool:
        return self.kind == self.Kind.POLICY


class Interpretation(models.Model):
    """政策解读 (Art 30): by the drafting unit, covering what the article lists."""

    # The sections Art 30 names, in its order: 背景依据、目标任务、主要内容、涉及范围、执行标准、注意事项、惠民利民举措.
    SECTIONS = (
        ("background", "背景依据"),
        ("goals", "目标任务"),
        ("main_content", "主要内容"),
        ("scope", "涉及范围"),
        ("standards", "执行标准"),
        ("notes", "注意事项"),
        ("benefits", "惠民利民举措"),
    )

    publication = models.OneToOneField(Publication, on_delete=models.CASCADE, related_name="interpretation")
    unit = models.ForeignKey(Unit, verbose_name="解读单位", on_delete=models.PROTECT, related_name="+")
    background = models.TextField("背景依据", blank=True)
    goals = models.TextField("目标任务", blank=True)
    main_content = models.TextField("主要内容", blank=True)
    scope = models.TextField("涉及范围", blank=True)
    standards = models.TextField("执行标准", blank=True)
    notes = models.TextField("注意事项", blank=True)
    benefits = models.TextField("惠民利民举措", blank=True)
    # 图文并茂: a chart of figures (a title and label/value pairs, drawn with ECharts) and images.
    chart_title = models.CharField("图表标题", max_length=60, blank=True)
    chart = models.JSONField("图表数据", default=list, blank=True)
    written_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "政策解读"
        verbose_name_plural = "政策解读"

    def __str__(self) -> str:
        return f"《{self.publication.title}》解读"

    def missing(self) -> list[str]:
        return [label for name, label in self.SECTIONS if not getattr(self, name).strip()]


def image_path(instance: InterpretationImage, filename: str) -> str:
    return f"interpretations/{instance.interpretation_id}/{filename}"


class InterpretationImage(models.Model):
    interpretation = models.ForeignKey(Interpretation, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField("图片", upload_to=image_path)
    caption = models.CharField("图片说明", max_length=100)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.caption


class DisclosureRequest(models.Model):
    """依申请公开 (Art 29 ¶1; 政府信息公开条例 2019 art 27–37): an application on the statutory clock,
    followed by the applicant with its query code."""

    class ApplicantKind(models.TextChoices):
        CITIZEN = "citizen", "公民"
        ORGANISATION = "organisation", "法人或者其他组织"

    class Channel(models.TextChoices):
        ONLINE = "online", "网上申请"
        LETTER = "letter", "信函"
        IN_PERSON = "in_person", "当面提交"

    class Delivery(models.TextChoices):
        PAPER = "paper", "纸质"
        EMAIL = "email", "电子邮件"
        PICKUP = "pickup", "当面领取"

    class State(models.TextChoices):
        RECEIVED = "received", "办理中"
        SUPPLEMENT = "supplement", "待申请人补正"
        CONSULTING = "consulting", "征求第三方意见中"
        REPLIED = "replied", "已答复"

    class Outcome(models.TextChoices):
        DISCLOSED = "disclosed", "予以公开"
        PARTLY = "partly", "部分公开"
        WITHHELD = "withheld", "不予公开"
        NOT_EXIST = "not_exist", "信息不存在"
        NOT_OURS = "not_ours", "不属于本机关负责公开"
        SUPPLEMENT = "supplement", "申请内容不明确，告知补正"

    code = models.CharField("查询码", max_length=16, unique=True)
    applicant_kind = models.CharField("申请人类型", max_length=12, choices=ApplicantKind.choices)
    name = models.CharField("姓名或名称", max_length=100)
    id_number = models.CharField("证件号码", max_length=30)
    phone = models.CharField("联系电话", max_length=20)
    email = models.CharField("电子邮箱", max_length=100, blank=True)
    address = models.CharField("通信地址", max_length=200, blank=True)
    description = models.TextField("所需政府信息的名称、文号或者便于查询的其他特征性描述")
    delivery = models.CharField("获取信息的方式", max_length=10, choices=Delivery.choices)
    channel = models.CharField("申请方式", max_length=10, choices=Channel.choices)
    received_on = models.DateField("收到申请之日")
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.RECEIVED)
    deadline = models.ForeignKey(
        "workflow.Deadline", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    extended = models.BooleanField("已延期", default=False)
    supplement_asked = models.BooleanField("已告知补正", default=False)
    extension_reason = models.CharField("延期理由", max_length=300, blank=True)
    outcome = models.CharField("答复结果", max_length=12, choices=Outcome.choices, blank=True)
    ground = models.CharField("理由或依据", max_length=300, blank=True)
    right_body = models.CharField("负责公开的机关及联系方式", max_length=200, blank=True)
    reply_text = models.TextField("答复书", blank=True)
    reply_number = models.CharField("答复书编号", max_length=40, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    replied_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    entered_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = "政府信息公开申请"
        verbose_name_plural = "政府信息公开申请"

    def __str__(self) -> str:
        return f"{self.code} {self.description[:30]}"

    @property
    def masked_id(self) -> str:
        """The identity number as every page but the handler's shows it."""
        n = self.id_number
        return n[:3] + "*" * max(len(n) - 7, 3) + n[-4:] if len(n) > 7 else "*" * len(n)


class Consultation(models.Model):
    """A third party's views sought on a request (条例 art 32): it has 15 working days, and the reply
    clock pauses meanwhile (art 33 ¶3)."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="consultations")
    third_party = models.CharField("第三方", max_length=100)
    matter = models.CharField("征求意见的内容", max_length=300)
    sent_on = models.DateField("发出征求意见书之日")
    deadline = models.ForeignKey(
        "workflow.Deadline", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replied_on = models.DateField("收到意见之日", null=True, blank=True)
    agrees = models.BooleanField("同意公开", null=True)
    opinion = models.CharField("第三方意见", max_length=500, blank=True)

    class Meta:
        ordering = ["sent_on", "id"]

    def __str__(self) -> str:
        return f"{self.third_party}（{self.sent_on}）"


class PortalAttempt(models.Model):
    """One post to a public form, by address (hashed): the per-address limit counts these."""

    form = models.CharField(max_length=20)
    address = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["form", "address", "at"], name="portal_attempt_window")]

    def __str__(self) -> str:
        return f"{self.form} {self.at:%Y-%m-%d %H:%M}"


class AbuseReport(models.Model):
    """What the public forms refused or caught (over the limit, the honeypot), for the office to review."""

    form = models.CharField("表单", max_length=20)
    address = models.CharField("来源（哈希）", max_length=64)
    reason = models.CharField("原因", max_length=100)
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = "公开表单异常记录"
        verbose_name_plural = "公开表单异常记录"

    def __str__(self) -> str:
        return f"{self.reason}（{self.at:%Y-%m-%d %H:%M}）"


class Suggestion(models.Model):
    """A deputy's suggestion (人大代表建议) or a CPPCC member's proposal (政协委员提案), assigned to a lead
    unit with partners, on the 3- or 6-month clock (Art 32 ¶2)."""

    class Kind(models.TextChoices):
        SUGGESTION = "suggestion", "人大代表建议"
        PROPOSAL = "proposal", "政协委员提案"

    class State(models.TextChoices):
        ASSIGNED = "assigned", "办理中"
        REPLIED = "replied", "已答复"
        PUBLISHED = "published", "已公开办理结果"

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", "满意"
        BASICALLY = "basically", "基本满意"
        UNSATISFIED = "unsatisfied", "不满意"

    kind = models.CharField("类别", max_length=12, choices=Kind.choices)
    number = models.CharField("编号", max_length=60)
    title = models.CharField("案由", max_length=200)
    proposer = models.CharField("代表（委员）", max_length=100)
    body = models.TextField("内容")
    lead_unit = models.ForeignKey(Unit, verbose_name="主办单位", on_delete=models.PROTECT, related_name="+")
    partner_units = models.ManyToManyField(Unit, verbose_name="协办单位", blank=True, related_name="+")
    complex = models.BooleanField("涉及面广、处理难度大", default=False)
    complex_reason = models.CharField("认定理由", max_length=200, blank=True)
    assigned_on = models.DateField("交办日期")
    deadline = models.ForeignKey(
        "workflow.Deadline", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.ASSIGNED)
    reply = models.TextField("答复", blank=True)
    reply_number = models.CharField("答复文号", max_length=40, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    replied_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    satisfaction = models.CharField("代表（委员）意见", max_length=12, choices=Satisfaction.choices, blank=True)
    publication = models.OneToOneField(
        Publication, null=True, blank=True, on_delete=models.SET_NULL, related_name="suggestion"
    )
    assigned_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-assigned_on", "-id"]
        verbose_name = "建议提案"
        verbose_name_plural = "建议提案"
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="suggestion_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}《{self.title}》"


class SuggestionContact(models.Model):
    """加强与代表委员沟通: each contact with the deputy or member, recorded."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="contacts")
    on = models.DateField("日期")
    way = models.CharField("方式", max_length=20)
    note = models.CharField("沟通情况", max_length=500)
    by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.on} {self.way}"


class Petition(models.Model):
    """信访 (Art 37; 信访工作条例 2022): a letter or a visit, decided on within 15 days and handled within
    60, with one extension of at most 30; an important letter goes to a leader to read and instruct."""

    class Channel(models.TextChoices):
        ONLINE = "online", "网上信访"
        LETTER = "letter", "来信"
        VISIT = "visit", "来访"

    class State(models.TextChoices):
        RECEIVED = "received", "待决定是否受理"
        ACCEPTED = "accepted", "已受理，办理中"
        NOT_ACCEPTED = "not_accepted", "不予受理"
        CLOSED = "closed", "已办结"

    code = models.CharField("查询码", max_length=16, unique=True)
    channel = models.CharField("方式", max_length=10, choices=Channel.choices)
    name = models.CharField("信访人", max_length=100)
    phone = models.CharField("联系电话", max_length=20)
    address = models.CharField("通信地址", max_length=200, blank=True)
    subject = models.CharField("事项", max_length=200)
    body = models.TextField("诉求和事实理由")
    received_on = models.DateField("收到之日")
    state = models.CharField("状态", max_length=14, choices=State.choices, default=State.RECEIVED)
    accept_deadline = models.ForeignKey(
        "workflow.Deadline", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handle_deadline = models.ForeignKey(
        "workflow.Deadline", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    handling_unit = models.ForeignKey(
        Unit, verbose_name="办理单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    not_accepted_reason = models.CharField("不予受理的理由", max_length=300, blank=True)
    important = models.BooleanField("重要来信", default=False)
    reader = models.ForeignKey(
        "org.Position", verbose_name="呈阅领导", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    instruction = models.TextField("领导批示", blank=True)
    instructed_at = models.DateTimeField("批示时间", null=True, blank=True)
    instructed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    supervision_item = models.ForeignKey(
        "supervision.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    extended = models.BooleanField("已延期", default=False)
    extension_reason = models.CharField("延期理由", max_length=300, blank=True)
    result = models.TextField("办理结果", blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    entered_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = "信访事项"
        verbose_name_plural = "信访事项"

    def __str__(self) -> str:
        return f"{self.code} {self.subject[:30]}"


class ServiceItem(models.Model):
    """政务服务事项 (Art 29 ¶2): each published with what the article lists."""

    name = models.CharField("事项名称", max_length=120)
    unit = models.ForeignKey(Unit, verbose_name="实施主体", on_delete=models.PROTECT, related_name="+")
    basis = models.TextField("设定依据")
    process = models.TextField("办理流程")
    fees = models.CharField("收费标准", max_length=200)
    time_limit = models.CharField("办理时限", max_length=100)
    result = models.CharField("办理结果", max_length=200)
    supervision = models.CharField("监督方式", max_length=200)
    published = models.BooleanField("已公开", default=True)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)
    updated_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["unit__sort_order", "name"]
        verbose_name = "政务服务事项"
        verbose_name_plural = "政务服务事项"

    def __str__(self) -> str:
        return self.name


class OversightCase(models.Model):
    """The oversight the city government receives, each a register entry with its owner, its date and its
    outcome: 行政应诉 and 审计整改 (Art 33), 行政复议 (Art 35), 舆论监督 (Art 36), 政务舆情 (Art 31)."""

    class Kind(models.TextChoices):
        LITIGATION = "litigation", "行政应诉"
        AUDIT = "audit", "审计发现问题整改"
        RECONSIDERATION = "reconsideration", "行政复议"
        MEDIA = "media", "社会和舆论监督"
        OPINION = "opinion", "政务舆情"

    class State(models.TextChoices):
        OPEN = "open", "办理中"
        CLOSED = "closed", "已办结"

    KIND_RULE = {
        Kind.LITIGATION: "oversight.litigation",
        Kind.AUDIT: "oversight.audit",
        Kind.RECONSIDERATION: "oversight.reconsideration",
        Kind.MEDIA: "oversight.media",
        Kind.OPINION: "opinion.response",
    }

    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    title = models.CharField("事项", max_length=200)
    detail = models.TextField("基本情况")
    owner = models.ForeignKey(Unit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField("收到（发现）日期")
    due_on = models.DateField("期限", null=True, blank=True)
    due_basis = models.CharField("期限依据", max_length=200, blank=True)
    # A major emergency's public opinion (Art 31) and a major media case (Art 36) are answered in public.
    major = models.BooleanField("重大", default=False)
    state = models.CharField("状态", max_length=8, choices=State.choices, default=State.OPEN)
    outcome = models.TextField("结果", blank=True)
    reported_to_city = models.BooleanField("已向市政府报告整改情况", default=False)
    publication = models.ForeignKey(Publication, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = "监督事项"
        verbose_name_plural = "监督事项"

    def __str__(self) -> str:
        return self.title


class OpinionRelease(models.Model):
    """An authoritative release (权威信息) on a public-opinion case, published on the portal (Art 31)."""

    case = models.ForeignKey(OversightCase, on_delete=models.CASCADE, related_name="releases")
    text = models.TextField("发布内容")
    released_at = models.DateTimeField("发布时间", default=timezone.now)
    by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    publication = models.OneToOneField(Publication, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["released_at", "id"]

    def __str__(self) -> str:
        return f"{self.case.title} {self.released_at:%Y-%m-%d %H:%M}"
