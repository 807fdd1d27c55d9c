from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "cityhall.documents"
    verbose_name = "公文"

    def ready(self) -> None:
        from cityhall.org.memo import forget_on_change

        from . import services  # noqa: F401  (registers the countersign deadline kind with the worker)
        from .models import CountersignDelegate

        # Who may countersign is memoised with the organisation reads (cityhall/org/memo.py).
        forget_on_change(CountersignDelegate)
