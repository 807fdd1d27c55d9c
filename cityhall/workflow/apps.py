from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "cityhall.workflow"
    verbose_name = "期限、待办与审计"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the calendar reload signal)
