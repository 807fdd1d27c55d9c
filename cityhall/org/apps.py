from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "cityhall.org"
    verbose_name = "组织机构与领导分工"

    def ready(self) -> None:
        from . import models
        from .memo import forget_on_change

        # Any change to the organisation clears the memo of organisation reads (cityhall/org/memo.py).
        forget_on_change(
            models.Unit,
            models.Person,
            models.Position,
            models.Holding,
            models.Absence,
            models.Portfolio,
            models.ExecutiveDesignation,
        )
