"""The site's URLs plus ``bench/minimal/``: the smallest Django view, the baseline for the HTTP benchmarks."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.urls import path

from config.urls import urlpatterns as base


@login_not_required
def minimal(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/minimal/", minimal, name="bench-minimal"), *base]
