"""Leave and reporting (Ch. 10): leave applications and their chain (Art 54), reporting duties
(Art 55) and emergency reports with their timeline (Art 56)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from cityhall.org.models import Absence, Person, Position, Unit


class LeaveRequest(models.Model):
    """请假（报备）: an application to leave Fushun or take annual leave. Approved, it becomes the
    absence that acting follows (Art 6, Art 7)."""

    class Kind(models.TextChoices):
        TRIP = "trip", "离抚外出"
        ANNUAL = "annual_leave", "年休假"

    class Purpose(models.TextChoices):
        OFFICIAL = "official", "公务活动"
        TRAINING = "training", "学习培训"
        INVESTMENT = "investment", "招商引资"
        MEETING = "meeting", "参加会议"
        PERSONAL = "personal", "因私事"

    # Art 54 ¶1: the vice mayors and the secretary-general report to the mayor; ¶2–3: the members,
    # deputy secretaries-general and county heads go through the approval chain.
    class Track(models.TextChoices):
        REPORT = "report", "事先报告市长（第五十四条第一款）"
        APPROVAL = "approval", "请假审批（第五十四条第二、三款）"

    class State(models.TextChoices):
        REVIEWING = "reviewing", "待分管副市长审核"
        COMPILING = "compiling", "待秘书长汇总"
        DECIDING = "deciding", "待市长审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "未批准"
        WITHDRAWN = "withdrawn", "已撤回"

    PENDING = (State.REVIEWING, State.COMPILING, State.DECIDING)

    person = models.ForeignKey(Person, verbose_name="申请人", on_delete=models.PROTECT, related_name="leave_requests")
    position = models.ForeignKey(Position, verbose_name="职务", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    purpose = models.CharField("事由类别", max_length=12, choices=Purpose.choices)
    reason = models.CharField("事由", max_length=200)
    start = models.DateTimeField("出发（开始）")
    end = models.DateTimeField("返回（结束）")
    away_from_city = models.BooleanField("离抚", default=True)
    destination = models.CharField("目的地", max_length=100, blank=True)
    itinerary = models.TextField("行程", blank=True)
    # Art 54 ¶3: annual leave arranges the person's work and keeps them reachable.
    cover_position = models.ForeignKey(
        Position, verbose_name="分管工作由谁负责", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cover_arrangement = models.CharField("分管工作安排", max_length=300, blank=True)
    contact_phone = models.CharField("休假期间联系电话", max_length=30, blank=True)
    track = models.CharField("程序", max_length=10, choices=Track.choices)
    reviewer_position = models.ForeignKey(
        Position, verbose_name="审核的分管副市长", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField("状态", max_length=12, choices=State.choices)
    submitted_at = models.DateTimeField("申请时间", default=timezone.now)
    late = models.BooleanField("未按时申请", default=False)
    late_text = models.CharField("提示", max_length=300, blank=True)
    # Art 54 ¶2: with the paired vice mayor or deputy secretary-general away at the same time, the
    # application waits for the mayor's consent.
    pairing_text = models.CharField("同时离抚提示", max_length=300, blank=True)
    mayor_consented = models.BooleanField("市长同意同时离抚", default=False)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)
    absence = models.OneToOneField(
        Absence, verbose_name="外出记录", null=True, blank=True, on_delete=models.PROTECT, related_name="leave_request"
    )
    returned_at = models.DateTimeField("销假时间", null=True, blank=True)
    recalled_at = models.DateTimeField("中止年休假时间", null=True, blank=True)
    recall_reason = models.CharField("中止理由", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = "请假（报备）"
        verbose_name_plural = "请假（报备）"
        indexes = [models.Index(fields=["state", "start"]), models.Index(fields=["person", "start"])]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="leave_end_after_start")]

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_kind_display()} {self.start:%m-%d}—{self.end:%m-%d}"


class LeaveStep(models.Model):
    """One step of an application's history: submitted, reviewed, compiled, decided, returned, recalled."""

    request = models.ForeignKey(LeaveRequest, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField("时间", default=timezone.now)
    action = models.CharField("环节", max_length=40)
    actor = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField("意见", max_length=400, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.label}"

    @property
    def label(self) -> str:
        from cityhall.workflow.labels import ACTIONS

        return ACTIONS.get(self.action, self.action)


class ItineraryChange(models.Model):
    """离抚期间行程变化的补充报告 (Art 54 ¶3): the old itinerary stays on record."""

    request = models.ForeignKey(LeaveRequest, on_delete=models.CASCADE, related_name="itinerary_changes")
    at = models.DateTimeField("报告时间", default=timezone.now)
    by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    previous = models.TextField("原行程")
    itinerary = models.TextField("新行程")
    previous_end = models.DateTimeField("原返回时间")
    end = models.DateTimeField("新返回时间")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.itinerary[:40]}"


class ReportDuty(models.Model):
    """A report someone owes the city government (Art 55): after a trip, after a meeting."""

    class Kind(models.TextChoices):
        TRIP = "trip", "离抚公务活动书面报告"
        MEETING = "meeting", "参会情况和落实建议报告"

    class State(models.TextChoices):
        OPEN = "open", "待报告"
        FILED = "filed", "已报告"

    KIND_RULE = {Kind.TRIP: "trip.return-report", Kind.MEETING: "report.meeting"}

    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    title = models.CharField("事项", max_length=200)
    person = models.ForeignKey(Person, verbose_name="报告人", on_delete=models.PROTECT, related_name="report_duties")
    position = models.ForeignKey(Position, verbose_name="职务", on_delete=models.PROTECT, related_name="+")
    leave_request = models.ForeignKey(
        LeaveRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="report_duties"
    )
    anchor_date = models.DateField("基准日期")
    deadline = models.ForeignKey("workflow.Deadline", null=True, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField("截止日期", db_index=True)
    state = models.CharField("状态", max_length=8, choices=State.choices, default=State.OPEN)
    text = models.TextField("报告内容", blank=True)
    filed_at = models.DateTimeField("报告时间", null=True, blank=True)
    filed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["state", "due_date", "id"]
        verbose_name = "报告事项"
        verbose_name_plural = "报告事项"

    def __str__(self) -> str:
        return self.title


class EmergencyReport(models.Model):
    """重大突发事件直报 (Art 56): what happened, where, who went to the scene, the plan activated."""

    class Category(models.TextChoices):
        SAFETY = "safety", "安全生产"
        DISASTER = "disaster", "自然灾害"
        EPIDEMIC = "epidemic", "重大疫情"
        SOCIAL = "social", "社会安全"

    category = models.CharField("类别", max_length=10, choices=Category.choices)
    title = models.CharField("事件", max_length=120)
    place = models.CharField("地点", max_length=120)
    occurred_at = models.DateTimeField("事发时间")
    reporting_unit = models.ForeignKey(Unit, verbose_name="报告单位", on_delete=models.PROTECT, related_name="+")
    # 市政府相关部门: its supervising vice mayor is the 分管副市长 the report goes to.
    competent_unit = models.ForeignKey(Unit, verbose_name="市政府相关部门", on_delete=models.PROTECT, related_name="+")
    summary = models.TextField("基本情况")
    plan_activated = models.CharField("启动的应急预案", max_length=160)
    on_scene = models.CharField("赶赴现场的负责人", max_length=160)
    on_scene_at = models.DateTimeField("到达现场时间", null=True, blank=True)
    reported_by = models.ForeignKey(Person, verbose_name="报告人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("首报时间", default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = "重大突发事件报告"
        verbose_name_plural = "重大突发事件报告"

    def __str__(self) -> str:
        return self.title


class EmergencyStep(models.Model):
    """One report to one level, and its acknowledgement: the timeline's rows."""

    report = models.ForeignKey(EmergencyReport, on_delete=models.CASCADE, related_name="steps")
    level = models.PositiveSmallIntegerField("层级")
    level_label = models.CharField("层级", max_length=40)
    recipient = models.ForeignKey(Position, verbose_name="报送对象", on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField("报送时间")
    # Null when the system sent it on because the level below had not acknowledged in time.
    sent_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    direct = models.BooleanField("越级直报", default=False)
    skipped = models.CharField("越过的层级", max_length=200, blank=True)
    reason = models.CharField("理由", max_length=300, blank=True)
    automatic = models.BooleanField("超时自动上报", default=False)
    deadline = models.ForeignKey("workflow.Deadline", null=True, on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    acknowledged_for = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField("批示或处置意见", max_length=300, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "recipient"], name="emergency_one_step_per_recipient")]

    def __str__(self) -> str:
        return f"{self.level_label}：{self.recipient}"


class MeetingAbsence(models.Model):
    """请假不参加会议 (Art 54 ¶4): a leader asks the mayor; a deputy secretary-general asks their vice
    mayor; for the others the office reports to the mayor."""

    class State(models.TextChoices):
        PENDING = "pending", "待批准"
        TO_REPORT = "to_report", "待市政府办公室报告市长"
        APPROVED = "approved", "已同意"
        REPORTED = "reported", "已报告市长"
        REFUSED = "refused", "不同意"

    attendance = models.OneToOneField(
        "meetings.Attendance", verbose_name="出席名单", on_delete=models.CASCADE, related_name="absence_request"
    )
    person = models.ForeignKey(Person, verbose_name="请假人", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("请假原因", max_length=40)
    note = models.CharField("说明", max_length=200, blank=True)
    # The reason is not one of the listed special reasons: allowed, with the warning the approver sees.
    warned = models.BooleanField("原因不在所列情形", default=False)
    approver = models.ForeignKey(
        Position, verbose_name="向谁请假", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField("状态", max_length=10, choices=State.choices)
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    decided_at = models.DateTimeField("办理时间", null=True, blank=True)
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decision_note = models.CharField("意见", max_length=200, blank=True)

    class Meta:
        verbose_name = "会议请假"
        verbose_name_plural = "会议请假"

    def __str__(self) -> str:
        return f"{self.person} 请假：{self.reason}"


class UndecidedMatter(models.Model):
    """未经市政府研究决定的重大问题及事项 (Art 67): the office's list, against which drafts are flagged."""

    term = models.CharField("事项（检索词）", max_length=60, unique=True)
    note = models.CharField("说明", max_length=200, blank=True)
    active = models.BooleanField("仍未决定", default=True)
    added_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["term"]
        verbose_name = "未决重大事项"
        verbose_name_plural = "未决重大事项"

    def __str__(self) -> str:
        return self.term


class LeaderApproval(models.Model):
    """The leaders' approvals of Ch. 12–13: a speech or article (Art 67), a department's release (Art 68),
    a reception plan and a delegation abroad (Art 72), a congratulatory letter or inscription (Art 77), a meeting, forum, celebration or festival activity and
    its budget (Art 72)."""

    class Kind(models.TextChoices):
        SPEECH = "speech", "讲话或文章"
        RELEASE = "release", "部门发布重要信息"
        RECEPTION = "reception_plan", "公务接待方案"
        TRIP_ABROAD = "official_trip_abroad", "因公出国（境）团组"
        LETTER = "congratulatory_letter", "贺信、贺电、题词"
        ACTIVITY = "meeting_activity", "会议、论坛、庆典、节会活动"

    class State(models.TextChoices):
        PENDING = "pending", "待审批"
        ARRANGING = "arranging", "待市政府办公室安排"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "不予办理"
        RECORDED = "recorded", "无须报批，已登记"

    KIND_RULE = {
        Kind.SPEECH: "speech.approval",
        Kind.RELEASE: "release.review",
        Kind.RECEPTION: "reception.plan",
        Kind.TRIP_ABROAD: "abroad.quota",
        Kind.LETTER: "greeting.exception",
        Kind.ACTIVITY: "activity.budget",
    }

    kind = models.CharField("类别", max_length=24, choices=Kind.choices)
    title = models.CharField("标题", max_length=160)
    body = models.TextField("内容", blank=True)
    requested_by = models.ForeignKey(Person, verbose_name="申请人", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name="申请单位", on_delete=models.PROTECT, related_name="+")
    # Speech: on behalf of the government (代表市政府), or personal.
    on_behalf = models.BooleanField("代表市政府", default=False)
    # Release: a major situation is also reported to the city government.
    major = models.BooleanField("重大情况", default=False)
    # Reception: guests and budget against the standard.
    guests = models.PositiveIntegerField("接待人数", default=0)
    budget = models.PositiveIntegerField("预算（元）", default=0)
    # Meeting activity: the budget line its spending is charged to (Art 72 「全部纳入预算管理」).
    budget_line = models.CharField("预算科目", max_length=80, blank=True)
    # Trip abroad: the delegation's size and destination.
    members = models.PositiveIntegerField("团组人数", default=0)
    destination = models.CharField("前往国家（地区）", max_length=80, blank=True)
    # Letter: in whose name, and the special need without which it is refused.
    leader = models.ForeignKey(
        Position, verbose_name="以哪位领导名义", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    special_need = models.CharField("特殊需要", max_length=300, blank=True)
    flags = models.JSONField("提示", default=list)
    approver = models.ForeignKey(
        Position, verbose_name="审批", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField("状态", max_length=10, choices=State.choices)
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decision_note = models.CharField("意见", max_length=300, blank=True)
    arranged_at = models.DateTimeField("安排时间", null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "领导审批事项"
        verbose_name_plural = "领导审批事项"

    def __str__(self) -> str:
        return self.title

    @property
    def publishable(self) -> bool:
        # Art 77: letters and inscriptions 一般不公开发表; nothing else here is published by this module.
        return self.kind != self.Kind.LETTER and self.state == self.State.APPROVED


class ProblemReport(models.Model):
    """重大问题逐级请示报告 (Art 55 ¶1): a department's major problem, reported up one level at a time
    until a level gives its instruction (批示). The chain is fixed when it is reported."""

    class State(models.TextChoices):
        OPEN = "open", "逐级报告中"
        ANSWERED = "answered", "已批示"

    unit = models.ForeignKey(Unit, verbose_name="报告部门", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("事项", max_length=120)
    body = models.TextField("情况和请示事项")
    proposal = models.TextField("部门意见或建议", blank=True)
    reported_by = models.ForeignKey(Person, verbose_name="报告人", on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField("报告时间", default=timezone.now)
    # [{"label": "分管副市长", "position": <id>}, …] in order, as the rules gave it on the day.
    chain = models.JSONField("报告链", default=list)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    answer = models.TextField("批示", blank=True)
    answered_at = models.DateTimeField("批示时间", null=True, blank=True)

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = "重大问题请示报告"
        verbose_name_plural = "重大问题请示报告"

    def __str__(self) -> str:
        return self.title


class ProblemStep(models.Model):
    """One level of the chain: when it received the report, and whether it sent it on or answered it."""

    class Action(models.TextChoices):
        FORWARD = "forward", "转报上一级"
        INSTRUCT = "instruct", "批示"

    report = models.ForeignKey(ProblemReport, on_delete=models.CASCADE, related_name="steps")
    level = models.PositiveSmallIntegerField("层级")
    level_label = models.CharField("层级", max_length=40)
    recipient = models.ForeignKey(Position, verbose_name="报送对象", on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField("报送时间")
    sent_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    action = models.CharField("办理", max_length=10, choices=Action.choices, blank=True)
    acted_at = models.DateTimeField("办理时间", null=True, blank=True)
    acted_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The holder an acting leader (代) acted for.
    acted_for = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField("意见", max_length=1000, blank=True)

    class Meta:
        ordering = ["level", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "level"], name="problem_one_step_per_level")]

    def __str__(self) -> str:
        return f"{self.level_label}：{self.recipient}"
