from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from cityhall.rules.schedule_file import ScheduleFileError, read_schedule_file

from .models import OfficialDay, OfficialYear
from .services import official_year_load


class OfficialDayInline(admin.TabularInline):
    model = OfficialDay
    extra = 0
    fields = ("date", "kind", "name")


class ScheduleUploadForm(forms.Form):
    file = forms.FileField(label="放假安排文件（YAML 或 JSON）")


@admin.register(OfficialYear)
class OfficialYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "published_on", "loaded_at", "loaded_by")
    readonly_fields = ("loaded_at", "loaded_by")
    inlines = [OfficialDayInline]
    change_list_template = "rulebase/admin_officialyear_changelist.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="rulebase_officialyear_upload"),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            messages.error(request, "您没有导入放假安排的权限。")
            return HttpResponseRedirect(reverse("admin:rulebase_officialyear_changelist"))
        form = ScheduleUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            import tempfile
            from pathlib import Path

            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix or ".yaml"
            with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
                for chunk in upload.chunks():
                    tmp.write(chunk)
                tmp.flush()
                try:
                    schedule = read_schedule_file(tmp.name)
                except ScheduleFileError as exc:
                    form.add_error("file", exc.message.replace(tmp.name, upload.name))
                else:
                    result = official_year_load(schedule=schedule, actor=request.user)
                    messages.success(
                        request,
                        f"已导入{result.year}年放假安排：放假{result.holidays}天，调休上班{result.makeup_working_days}天。"
                        "涉及该年的暂定期限将重新计算。",
                    )
                    return HttpResponseRedirect(reverse("admin:rulebase_officialyear_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": "导入年度放假安排",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "rulebase/admin_upload.html", context)

    def save_model(self, request: HttpRequest, obj: OfficialYear, form: forms.ModelForm, change: bool) -> None:
        obj.loaded_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
