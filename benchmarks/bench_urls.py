"""The site's URLs plus ``bench/minimal/``: the smallest Django view, the baseline for the HTTP benchmarks."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.urls import path

from config.urls import urlpatterns as base


@login_not_required
def minimal(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def minimal_logged_in(request: HttpRequest) -> JsonResponse:
    """The logged-in baseline: every middleware of a real page (session, user, login required), no work."""
    return JsonResponse({"user": request.user.get_username()})


urlpatterns = [
    path("bench/minimal/", minimal, name="bench-minimal"),
    path("bench/minimal-login/", minimal_logged_in, name="bench-minimal-login"),
    *base,
]
