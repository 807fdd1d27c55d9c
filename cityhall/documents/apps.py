from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "cityhall.documents"
    verbose_name = "公文"

    def ready(self) -> None:
        from . import services  # noqa: F401  (registers the countersign deadline kind with the worker)
