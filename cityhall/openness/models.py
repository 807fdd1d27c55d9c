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
