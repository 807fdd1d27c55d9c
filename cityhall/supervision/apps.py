from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "cityhall.supervision"
    verbose_name = "督查督办"

    def ready(self) -> None:
        from cityhall.workflow import labels

        from . import inspections, services  # noqa: F401 - register the ledger's and the reports' deadline kinds
        from .models import Item

        labels.ACTIONS.update(
            {
                "supervision.create": "督办事项立项",
                "supervision.progress": "报告进展",
                "supervision.completion": "报送办结报告",
                "supervision.close": "复核销号",
                "supervision.return": "复核退回",
                "supervision.escalate": "逾期上报",
                "inspection.file": "报送督查检查考核方案",
                "evaluation.compute": "计算年度考评",
                "evaluation.score": "录入其他指标得分",
                "evaluation.notice": "印发考评通报",
                "inspection.approve": "批准计划外督查检查考核",
                "inspection.report": "报送督查检查考核情况报告",
            }
        )
        labels.FAMILIES["supervision"] = "督查督办"
        labels.SUBJECTS["supervision.item"] = "督办事项"
        labels.SUBJECTS["supervision.inspection"] = "督查检查考核活动"
        labels.FAMILIES["inspection"] = "督查检查考核"
        labels.FAMILIES["evaluation"] = "绩效考评"
        labels.SUBJECTS["supervision.evaluationrun"] = "绩效考评"
        labels.STATES.update({s.value: s.label for s in Item.State})
