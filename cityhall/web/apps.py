from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cityhall.web"
    verbose_name = "界面"
