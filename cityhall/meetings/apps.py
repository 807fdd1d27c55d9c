from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "cityhall.meetings"
    verbose_name = "会议"

    def ready(self) -> None:
        from cityhall.workflow import labels

        from .kinds import ROLE_LABELS
        from .models import Topic, TopicAction

        # The audit trail keeps codes; the audit page names them (cityhall/workflow/labels.py).
        labels.ACTIONS.update({f"topic.{d.value}": f"议题{d.label}" for d in TopicAction.Decision})
        labels.FAMILIES["topic"] = "会议议题"
        labels.ACTIONS["topic.materials_review"] = "会议材料前置审核通过"
        labels.SUBJECTS["meetings.topic"] = "会议议题"
        labels.STATES.update({s.value: s.label for s in Topic.State})
        labels.FIELDS["step"] = "环节"
        labels.VALUES["step"] = {**ROLE_LABELS, "": "—"}
        labels.ACTIONS["meeting.schedule"] = "安排会议"
        labels.FAMILIES["meeting"] = "会议"
        labels.SUBJECTS["meetings.meeting"] = "会议"
        labels.FIELDS.update({"chair": "主持", "entrusted": "受市长委托", "topics": "议题"})
        labels.ACTIONS.update(
            {
                "meeting.attendance": "记录出席情况",
                "meeting.decision": "记录决定事项",
                "meeting.stances": "记录表态",
                "meeting.end": "会议结束",
                "minutes.save": "保存纪要稿",
                "minutes.circulate": "纪要稿分送与会单位",
                "minutes.sign": "签发会议纪要",
                "minutes.issue": "印发会议纪要",
                "minutes.amend_request": "提出表态修改",
                "minutes.amend_countersign": "会签修改说明",
                "minutes.amend_decide": "审定表态修改",
            }
        )
        labels.FAMILIES["minutes"] = "会议纪要"
        labels.ACTIONS.update(
            {
                "plan.apply": "申报会议（活动）",
                "plan.approve": "分管领导核准（同意）",
                "plan.return": "分管领导退回",
                "plan.coordinate": "记录联席会议协调结果",
                "plan.request": "关联正式请示",
                "plan.reply": "答复主办方",
                "plan.compile": "汇总月份计划",
                "plan.approve_month": "市长审定月份计划",
            }
        )
        labels.FAMILIES["plan"] = "会议（活动）计划"
        labels.SUBJECTS["meetings.planentry"] = "会议（活动）申报"
        labels.SUBJECTS["meetings.monthlyplan"] = "会议（活动）月份计划"
        labels.SUBJECTS["meetings.minutes"] = "会议纪要"
        labels.FIELDS.update(
            {
                "present": "出席",
                "absent": "请假",
                "warnings": "提示",
                "stances": "表态",
                "decision": "决定事项",
                "ended_at": "会议结束时间",
                "minutes_due": "纪要应印发日期",
                "number": "纪要编号",
                "late": "逾期",
                "publishable": "应主动公开",
                "units": "分送单位",
                "countersign": "会签单位",
                "approved": "同意修改",
                "agreed": "同意",
            }
        )
