from django.contrib import admin
from django.http import HttpRequest

from .models import AbuseReport


@admin.register(AbuseReport)
class AbuseReportAdmin(admin.ModelAdmin):
    """The public forms' refusals, for the office to review (docs/operations.md)."""

    list_display = ("at", "form", "reason", "address")
    list_filter = ("form",)
    readonly_fields = ("at", "form", "reason", "address")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
