from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .lockout import lock_message, locked_until


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。连续5次失败将锁定账号15分钟。",
        "inactive": "该账号已停用。",
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username:
            until = locked_until(username)
            if until is not None:
                raise forms.ValidationError(lock_message(until), code="locked")
        return super().clean()
