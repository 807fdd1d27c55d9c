from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "cityhall.supervision"
    verbose_name = "督查督办"

    def ready(self) -> None:
        from cityhall.workflow import labels

        from . import services  # noqa: F401 - registers the ledger's deadline kind
        from .models import Item

        labels.ACTIONS.update(
            {
                "supervision.create": "督办事项立项",
                "supervision.progress": "报告进展",
                "supervision.completion": "报送办结报告",
                "supervision.close": "复核销号",
                "supervision.return": "复核退回",
                "supervision.escalate": "逾期上报",
            }
        )
        labels.FAMILIES["supervision"] = "督查督办"
        labels.SUBJECTS["supervision.item"] = "督办事项"
        labels.STATES.update({s.value: s.label for s in Item.State})
