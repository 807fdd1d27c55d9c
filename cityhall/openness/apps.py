from django.apps import AppConfig


class OpennessConfig(AppConfig):
    name = "cityhall.openness"
    verbose_name = "政务公开与监督"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cityhall.workflow import labels

        from .search import ensure_sqlite_index

        # A migration that alters the publication table on SQLite drops the search triggers (search.py).
        post_migrate.connect(ensure_sqlite_index, sender=self, dispatch_uid="openness-fts")

        labels.ACTIONS.update(
            {
                "publication.draft": "拟公开",
                "publication.interpret": "撰写政策解读",
                "publication.publish": "在政府网站发布",
                "publication.withdraw": "撤下",
            }
        )
        labels.FAMILIES["publication"] = "政务公开"
        labels.SUBJECTS["openness.publication"] = "公开信息"
