from django.apps import AppConfig


class RulebaseConfig(AppConfig):
    name = "cityhall.rulebase"
    verbose_name = "规则库与工作日历"
