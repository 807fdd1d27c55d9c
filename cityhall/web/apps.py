from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cityhall.web"
    verbose_name = "界面"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the signal handlers)
