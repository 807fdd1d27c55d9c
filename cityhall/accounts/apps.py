from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cityhall.accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (records failed and successful logins)
