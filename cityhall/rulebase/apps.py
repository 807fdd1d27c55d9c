from django.apps import AppConfig


class RulebaseConfig(AppConfig):
    name = "cityhall.rulebase"
    verbose_name = "规则库与工作日历"

    def ready(self) -> None:
        from cityhall.org.memo import forget_on_change

        from .models import OfficialDay, OfficialYear

        # The calendar revision is memoised per transaction (selectors.calendar_revision): a loaded
        # schedule must be seen by the rest of the same request.
        forget_on_change(OfficialYear, OfficialDay)
