from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "cityhall.org"
    verbose_name = "组织机构与领导分工"
