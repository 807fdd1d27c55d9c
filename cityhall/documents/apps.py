from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "cityhall.documents"
    verbose_name = "公文"
