from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods

from .forms import LoginForm, PasswordChangeForm, TokenIssueForm
from .models import ApiToken, token_lifetime
from .selectors import tokens_of
from .services import token_issue, token_revoke


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:password_change")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "password_rules": password_validators_help_texts()}

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改。其他设备上的登录已失效，请用新密码重新登录。")
        return response


@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own API tokens: issue one (shown once), see when each was used and ends."""
    issued = None
    form = TokenIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        record, plain = token_issue(user=request.user, name=form.cleaned_data["name"])
        issued = {"record": record, "token": plain}
        form = TokenIssueForm()
    now = timezone.now()
    rows = [(t, t.status(now)) for t in tokens_of(request.user)]
    response = render(
        request,
        "accounts/tokens.html",
        {"rows": rows, "form": form, "issued": issued, "days": token_lifetime().days, "Status": ApiToken.Status},
    )
    if issued:
        # The one response that carries the plain token must not be kept by the browser or a proxy.
        response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    # Someone else's token is "not found": its id tells nobody whether it exists.
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    if request.method == "GET":
        return render(request, "accounts/token_revoke.html", {"token": token, "status": token.status()})
    if token_revoke(token=token):
        messages.success(request, f"已吊销令牌“{token.name}”，使用它的请求将被拒绝。")
    else:
        messages.success(request, f"令牌“{token.name}”此前已吊销。")
    return redirect("accounts:tokens")
