from django.apps import AppConfig


class LeaveConfig(AppConfig):
    name = "cityhall.leave"
    verbose_name = "请销假、请示报告与突发事件直报"

    def ready(self) -> None:
        from cityhall.workflow import labels

        from . import emergencies, reports, services  # noqa: F401 - register the deadline kinds
        from .models import LeaveRequest

        labels.ACTIONS.update(
            {
                "leave.submit": "提交请假（报备）",
                "leave.review": "分管副市长审核",
                "leave.compile": "秘书长汇总",
                "leave.approve": "市长审批同意",
                "leave.reject": "不同意请假",
                "leave.withdraw": "撤回请假",
                "leave.return": "销假",
                "leave.recall": "中止年休假",
                "leave.itinerary": "补充报告行程变化",
                "report.schedule": "生成报告事项",
                "report.file": "报送书面报告",
                "emergency.report": "报告突发事件",
                "emergency.acknowledge": "签收突发事件报告",
                "emergency.escalate": "超时自动上报",
            }
        )
        labels.FAMILIES["leave"] = "请销假"
        labels.FAMILIES["report"] = "请示报告"
        labels.FAMILIES["emergency"] = "突发事件直报"
        labels.SUBJECTS["leave.leaverequest"] = "请假（报备）"
        labels.SUBJECTS["leave.reportduty"] = "报告事项"
        labels.SUBJECTS["leave.emergencyreport"] = "突发事件报告"
        labels.STATES.update({s.value: s.label for s in LeaveRequest.State})
