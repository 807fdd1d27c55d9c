from django.apps import AppConfig


class RulebaseConfig(AppConfig):
    name = "cityhall.rulebase"
    verbose_name = "规则库与工作日历"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from cityhall.org.memo import forget

        from .models import OfficialDay, OfficialYear

        # The calendar revision is memoised per transaction (selectors.calendar_revision): a loaded
        # schedule must be seen by the rest of the same request.
        for model in (OfficialYear, OfficialDay):
            post_save.connect(forget, sender=model, dispatch_uid=f"memo-{model.__name__}-save")
            post_delete.connect(forget, sender=model, dispatch_uid=f"memo-{model.__name__}-delete")
