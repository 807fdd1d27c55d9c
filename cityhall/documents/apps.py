from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "cityhall.documents"
    verbose_name = "公文"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from cityhall.org.memo import forget

        from . import services  # noqa: F401  (registers the countersign deadline kind with the worker)
        from .models import CountersignDelegate

        # Who may countersign is memoised with the organisation reads (cityhall/org/memo.py).
        post_save.connect(forget, sender=CountersignDelegate, dispatch_uid="org-memo-delegate-save")
        post_delete.connect(forget, sender=CountersignDelegate, dispatch_uid="org-memo-delegate-delete")
