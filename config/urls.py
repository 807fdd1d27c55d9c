from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from cityhall.api import api_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api_urls()),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("accounts/", include("cityhall.accounts.urls")),
    path("rules/", include("cityhall.rulebase.urls")),
    path("org/", include("cityhall.org.urls")),
    path("audit/", include("cityhall.workflow.urls")),
    path("documents/", include("cityhall.documents.urls")),
    path("meetings/", include("cityhall.meetings.urls")),
    path("supervision/", include("cityhall.supervision.urls")),
    path("leave/", include("cityhall.leave.urls")),
    path("openness/", include("cityhall.openness.urls")),
    # The public portal: no login (each view is marked login_not_required).
    path("portal/", include("cityhall.openness.portal_urls")),
    path("", include("cityhall.web.urls")),
]
