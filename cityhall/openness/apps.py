from django.apps import AppConfig


class OpennessConfig(AppConfig):
    name = "cityhall.openness"
    verbose_name = "政务公开与监督"

    def ready(self) -> None:
        from cityhall.workflow import labels

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
