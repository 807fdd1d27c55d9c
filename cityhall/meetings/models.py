"""Meeting topics (议题) and their approval chain (Art 39, 40 ¶2, 43)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from cityhall.org.models import Person, Position, Unit

from .kinds import EXECUTIVE, KIND_NAMES, PLENARY


class Topic(models.Model):
    """A topic applied for on the 《市政府常务会议议题申报单》 (or collected for a plenary meeting)."""

    class State(models.TextChoices):
        IN_REVIEW = "in_review", "审核中"
        RETURNED = "returned", "已退回修改"
        DEFERRED = "deferred", "暂缓"
        APPROVED = "approved", "已确定上会"

    # Applied for on the form and approved up the chain (Art 39–40) …
    KIND_CHOICES = [(PLENARY, KIND_NAMES[PLENARY]), (EXECUTIVE, KIND_NAMES[EXECUTIVE])]
    # … or set by the chair of a mayor's office or business meeting (Art 41–42), entered when it is scheduled.
    ALL_KIND_CHOICES = [(code, name) for code, name in KIND_NAMES.items()]

    meeting_kind = models.CharField("会议类型", max_length=20, choices=ALL_KIND_CHOICES)
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
    # Art 43 ¶2: the office's pre-review (前置审核) of the materials, before the topic goes on an agenda.
    materials_reviewed_at = models.DateTimeField("材料前置审核时间", null=True, blank=True)
    materials_reviewed_by = models.ForeignKey(
        Person, verbose_name="材料审核人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    materials_review_note = models.CharField("审核意见", max_length=200, blank=True)

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
    # Art 38 ¶2: leaders of the city Party committee, People's Congress and CPPCC invited to attend.
    invited = models.CharField("邀请参加", max_length=200, blank=True)
    chair = models.ForeignKey("org.Position", verbose_name="主持", on_delete=models.PROTECT, related_name="+")
    # Art 40 ¶1: the executive vice mayor chairs an executive meeting only on the mayor's entrustment.
    entrusted = models.BooleanField("受市长委托主持", default=False)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.SCHEDULED)
    ended_at = models.DateTimeField("会议结束时间", null=True, blank=True)
    scheduled_by = models.ForeignKey(Person, verbose_name="安排人", on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField("安排时间", default=timezone.now)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = "会议"
        verbose_name_plural = "会议"
        indexes = [models.Index(fields=["kind", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def minutes_or_none(self) -> Minutes | None:
        try:
            return self.minutes
        except Minutes.DoesNotExist:
            return None


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


class Attendance(models.Model):
    """One person expected at a meeting: a member, a non-voting attendee (列席) or an invited leader;
    whether they came, and if not why (Art 54 ¶4) and their written opinion (Art 44 ¶2)."""

    class Role(models.TextChoices):
        MEMBER = "member", "组成人员"
        NON_VOTING = "non_voting", "列席"
        INVITED = "invited", "邀请参加"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="+")
    position = models.ForeignKey(
        "org.Position", verbose_name="职务", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The unit the person speaks for (Art 44 ¶2 「代表本县(区)、本部门发表意见」).
    unit = models.ForeignKey(Unit, verbose_name="代表单位", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("身份", max_length=12, choices=Role.choices)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    # None until the office records attendance.
    present = models.BooleanField("出席", null=True, blank=True)
    absence_reason = models.CharField("请假原因", max_length=40, blank=True)
    absence_note = models.CharField("请假说明", max_length=200, blank=True)
    # The reason is not one of the listed special reasons: a warning, recorded with it (原则上).
    absence_warned = models.BooleanField("请假原因不在所列情形", default=False)
    written_opinion = models.TextField("书面意见", blank=True)
    recorded_by = models.ForeignKey(
        Person, verbose_name="记录人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "出席情况"
        verbose_name_plural = "出席情况"
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="attendance_person_unique")]

    def __str__(self) -> str:
        return f"{self.person}（{self.get_role_display()}）"

    @property
    def leave_to(self) -> str:
        """Whom an absentee asks for leave (Art 54 ¶4)."""
        kind = self.position.kind if self.position else ""
        if kind in Position.LEADER_KINDS:
            return "向市长请假"
        if kind == Position.Kind.DEPUTY_SECRETARY_GENERAL:
            return "向副市长请假"
        return "由市政府办公室向市长报告"


class Decision(models.Model):
    """A matter the meeting decided (决定事项), with who carries it out and by when. Issuing the minutes
    hands each decision to supervision (Art 58 ¶3): one ledger item per decision
    (``supervision.Item.meeting_decision``), from ``handover_at`` on."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    agenda_item = models.ForeignKey(
        AgendaItem, verbose_name="议题", null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    order = models.PositiveSmallIntegerField("顺序")
    text = models.TextField("决定事项")
    lead_unit = models.ForeignKey(Unit, verbose_name="牵头单位", on_delete=models.PROTECT, related_name="+")
    partner_units = models.ManyToManyField(Unit, verbose_name="配合单位", blank=True, related_name="+")
    responsible = models.CharField("责任人", max_length=40)
    due_date = models.DateField("完成时限", null=True, blank=True)
    recorded_by = models.ForeignKey(Person, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)
    # Set when the minutes are issued: from then on the decision is a task for the supervision ledger.
    handover_at = models.DateTimeField("转督查督办时间", null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "决定事项"
        verbose_name_plural = "决定事项"
        constraints = [models.UniqueConstraint(fields=["meeting", "order"], name="decision_order_unique")]

    def __str__(self) -> str:
        return self.text[:40]


class Stance(models.Model):
    """An attendee's stated stance on a decision (Art 44 ¶2). Once recorded it is changed only through an
    amendment the chair approves (Art 44 ¶3); each change keeps the earlier wording in ``StanceRevision``."""

    class Value(models.TextChoices):
        AGREE = "agree", "同意"
        DISAGREE = "disagree", "不同意"

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="stances")
    attendance = models.ForeignKey(Attendance, on_delete=models.PROTECT, related_name="stances")
    value = models.CharField("表态", max_length=10, choices=Value.choices)
    remarks = models.TextField("意见", blank=True)
    # An absentee's opinion given in writing (Art 44 ¶2 「可以以书面形式表达」).
    written = models.BooleanField("书面意见", default=False)
    recorded_by = models.ForeignKey(Person, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)
    revision = models.PositiveSmallIntegerField("版本", default=1)

    class Meta:
        ordering = ["attendance__order", "attendance_id"]
        verbose_name = "表态"
        verbose_name_plural = "表态"
        constraints = [models.UniqueConstraint(fields=["decision", "attendance"], name="stance_unique")]

    def __str__(self) -> str:
        return f"{self.attendance.person}：{self.get_value_display()}"


class Minutes(models.Model):
    """The minutes (纪要) of one meeting: drafted by the office, circulated to the participating units,
    signed by the chair and issued within 3 working days of the meeting's end (Art 44)."""

    class State(models.TextChoices):
        DRAFTING = "drafting", "起草中"
        CIRCULATED = "circulated", "已分送与会单位"
        SIGNED = "signed", "已签发"
        ISSUED = "issued", "已印发"

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.DRAFTING)
    body = models.TextField("纪要正文", blank=True)
    deadline = models.ForeignKey(
        "workflow.Deadline", verbose_name="印发时限", null=True, on_delete=models.PROTECT, related_name="+"
    )
    drafted_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    circulated_at = models.DateTimeField("分送时间", null=True, blank=True)
    number = models.CharField("纪要编号", max_length=40, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    seq = models.PositiveIntegerField(null=True, blank=True)
    signed_by = models.ForeignKey(
        Person, verbose_name="签发人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_on_behalf_of = models.ForeignKey(
        Person, verbose_name="代", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField("签发时间", null=True, blank=True)
    issued_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("印发时间", null=True, blank=True)
    # Issued after the clock ran out: shown as a warning (原则上), never a refusal.
    issued_late = models.BooleanField("逾期印发", default=False)
    secret = models.BooleanField("涉密", default=False)
    # Art 28: plenary and executive decisions that are not secret go to the openness module's queue.
    publishable = models.BooleanField("应主动公开", default=False)
    publishable_reason = models.CharField("公开判断", max_length=200, blank=True)

    class Meta:
        verbose_name = "会议纪要"
        verbose_name_plural = "会议纪要"
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~models.Q(number=""), name="minutes_number_unique")
        ]

    def __str__(self) -> str:
        return self.number or f"{self.meeting.title}纪要"


class StanceRevision(models.Model):
    """An earlier wording of a stance, kept when an approved amendment changes it."""

    stance = models.ForeignKey(Stance, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveSmallIntegerField("版本")
    value = models.CharField("表态", max_length=10, choices=Stance.Value.choices)
    remarks = models.TextField("意见", blank=True)
    replaced_at = models.DateTimeField("修改时间")
    amendment = models.ForeignKey("Amendment", on_delete=models.PROTECT, related_name="revisions")

    class Meta:
        ordering = ["revision"]
        verbose_name = "表态历史版本"
        verbose_name_plural = "表态历史版本"

    def __str__(self) -> str:
        return f"第{self.revision}版：{self.get_value_display()}"


class Amendment(models.Model):
    """A unit's request to change its recorded stance (Art 44 ¶3): a written explanation, countersigned
    by the other participating units, approved by the chair."""

    class State(models.TextChoices):
        COUNTERSIGNING = "countersigning", "会签中"
        WITH_CHAIR = "with_chair", "待主持人审定"
        APPROVED = "approved", "已审定同意"
        REJECTED = "rejected", "未同意"

    GROUNDS = [("law", "与现行法规不符"), ("policy", "与现行政策不符"), ("other", "其他原因")]

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="amendments")
    stance = models.ForeignKey(Stance, on_delete=models.PROTECT, related_name="amendments")
    requesting_unit = models.ForeignKey(Unit, verbose_name="提出单位", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(Person, verbose_name="提出人", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField("提出时间", default=timezone.now)
    grounds = models.CharField("修改理由类别", max_length=10, choices=GROUNDS)
    explanation = models.TextField("修改说明")
    new_value = models.CharField("修改后表态", max_length=10, choices=Stance.Value.choices)
    new_remarks = models.TextField("修改后意见", blank=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.COUNTERSIGNING)
    deadline = models.ForeignKey(
        "workflow.Deadline", verbose_name="报审时限", null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_on_behalf_of = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("审定时间", null=True, blank=True)
    decision_note = models.TextField("审定意见", blank=True)
    # The chair decided after the 2 working days: recorded and shown (Art 44 ¶3).
    late = models.BooleanField("超过时限", default=False)

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = "纪要意见修改"
        verbose_name_plural = "纪要意见修改"

    def __str__(self) -> str:
        return f"{self.requesting_unit}：{self.get_grounds_display()}"


class AmendmentCountersign(models.Model):
    amendment = models.ForeignKey(Amendment, on_delete=models.CASCADE, related_name="countersigns")
    unit = models.ForeignKey(Unit, verbose_name="会签单位", on_delete=models.PROTECT, related_name="+")
    agreed = models.BooleanField("同意", null=True, blank=True)
    remarks = models.CharField("会签意见", max_length=200, blank=True)
    by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "修改说明会签"
        verbose_name_plural = "修改说明会签"
        constraints = [models.UniqueConstraint(fields=["amendment", "unit"], name="amendment_countersign_unique")]

    def __str__(self) -> str:
        return f"{self.unit}：{'待会签' if self.agreed is None else '同意' if self.agreed else '不同意'}"


class MonthlyPlan(models.Model):
    """The month's plan of meetings and activities in the city government's name (Art 45 ¶2): compiled
    by the office from what the host units submitted, approved by the mayor."""

    class State(models.TextChoices):
        COMPILED = "compiled", "已汇总，待市长审定"
        APPROVED = "approved", "市长已审定"

    month = models.DateField("月份", unique=True)  # the first day of the month
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.COMPILED)
    compiled_by = models.ForeignKey(Person, verbose_name="汇总人", on_delete=models.PROTECT, related_name="+")
    compiled_at = models.DateTimeField("汇总时间")
    approved_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_on_behalf_of = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField("审定时间", null=True, blank=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = "会议（活动）月份计划"
        verbose_name_plural = "会议（活动）月份计划"

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月}会议（活动）计划"


class PlanEntry(models.Model):
    """A meeting or activity a unit plans (Art 45–46): in the city government's name (for the monthly
    plan), a city-wide meeting in the department's own name, or a national or provincial meeting the
    department has arranged to hold in Fushun."""

    class Category(models.TextChoices):
        GOVERNMENT = "government", "以市政府名义召开的会议、举办的活动"
        DEPARTMENT = "department", "以部门名义召开的全市性会议"
        NATIONAL = "national", "在抚召开的全国性、全省性会议"

    class State(models.TextChoices):
        WITH_LEADER = "with_leader", "待分管领导核准"
        RETURNED = "returned", "已退回"
        SUBMITTED = "submitted", "已送市政府办公室"
        IN_PLAN = "in_plan", "已列入月份计划"
        AWAITING_REQUEST = "awaiting_request", "分管领导已同意，待报送请示"
        REQUESTED = "requested", "已正式报送请示"
        CONSENTED = "consented", "市政府已同意，可答复主办方"
        REPLIED = "replied", "已答复主办方"

    category = models.CharField("类别", max_length=12, choices=Category.choices)
    host_unit = models.ForeignKey(Unit, verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("会议（活动）名称", max_length=120)
    starts_at = models.DateTimeField("开始时间")
    duration_minutes = models.PositiveSmallIntegerField("时长（分钟）")
    venue = models.CharField("地点", max_length=100, blank=True)
    video = models.BooleanField("视频会议", default=False)
    citywide = models.BooleanField("全市性会议", default=False)
    invites_county_heads = models.BooleanField("邀请县（区）政府负责人", default=False)
    invites_leaders = models.BooleanField("邀请市委、市人大、市政协等领导同志", default=False)
    organiser = models.CharField("主办方", max_length=100, blank=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.WITH_LEADER)
    applicant = models.ForeignKey(Person, verbose_name="申报人", on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField("申报时间")
    leader = models.ForeignKey("org.Position", verbose_name="分管领导", on_delete=models.PROTECT, related_name="+")
    leader_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    leader_on_behalf_of = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    leader_at = models.DateTimeField("核准时间", null=True, blank=True)
    leader_note = models.CharField("核准意见", max_length=200, blank=True)
    # For the monthly plan: when it reached the office, the date it was due by, and whether it was late.
    submitted_at = models.DateTimeField("送达办公室时间", null=True, blank=True)
    submission_due = models.DateField("应送达日期", null=True, blank=True)
    late = models.BooleanField("逾期报送", default=False)
    coordinated_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    coordinated_at = models.DateTimeField("联席会议协调时间", null=True, blank=True)
    coordination_note = models.CharField("协调结果", max_length=200, blank=True)
    request_document = models.ForeignKey(
        "documents.Document", verbose_name="请示", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField("答复主办方时间", null=True, blank=True)
    plan = models.ForeignKey(MonthlyPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = "会议（活动）申报"
        verbose_name_plural = "会议（活动）申报"
        indexes = [models.Index(fields=["state", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def ends_at(self):  # type: ignore[no-untyped-def]
        import datetime as dt

        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)
