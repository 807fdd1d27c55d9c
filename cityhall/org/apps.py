from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "cityhall.org"
    verbose_name = "组织机构与领导分工"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import models
        from .memo import forget

        # Any change to the organisation clears the memo of organisation reads (cityhall/org/memo.py).
        for model in (
            models.Unit,
            models.Person,
            models.Position,
            models.Holding,
            models.Absence,
            models.Portfolio,
            models.ExecutiveDesignation,
        ):
            post_save.connect(forget, sender=model, dispatch_uid=f"org-memo-{model.__name__}-save")
            post_delete.connect(forget, sender=model, dispatch_uid=f"org-memo-{model.__name__}-delete")
