from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm

from .backends import REFUSAL_ATTR


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。连续5次失败将锁定账号15分钟。",
        "inactive": "该账号已停用。",
    }

    def get_invalid_login_error(self) -> forms.ValidationError:
        # The backend refused without checking the password: say why, and when to retry.
        refusal = getattr(self.request, REFUSAL_ATTR, None)
        if refusal:
            return forms.ValidationError(refusal, code="locked")
        return super().get_invalid_login_error()


class TokenIssueForm(forms.Form):
    name = forms.CharField(
        label="用途",
        max_length=80,
        error_messages={"required": "请填写令牌用途，例如“数据报送脚本”。", "max_length": "用途最多80个字。"},
    )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    error_messages = {
        "password_incorrect": "原密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致。",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in (
            ("old_password", "原密码"),
            ("new_password1", "新密码"),
            ("new_password2", "再次输入新密码"),
        ):
            self.fields[name].label = label
            self.fields[name].error_messages["required"] = f"请填写{label}。"
