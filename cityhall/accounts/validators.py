from __future__ import annotations

import string
from typing import Any

from django.core.exceptions import ValidationError


class ComplexityValidator:
    """At least ``classes`` of: upper case, lower case, digits, symbols (等保2.0 三级: 口令复杂度)."""

    def __init__(self, classes: int = 3) -> None:
        self.classes = classes

    def validate(self, password: str, user: Any = None) -> None:
        found = sum(
            [
                any(c.isupper() for c in password),
                any(c.islower() for c in password),
                any(c.isdigit() for c in password),
                any(c in string.punctuation or not c.isalnum() for c in password),
            ]
        )
        if found < self.classes:
            raise ValidationError(
                f"密码须至少包含大写字母、小写字母、数字、符号中的{self.classes}类。", code="password_too_simple"
            )

    def get_help_text(self) -> str:
        return f"密码须至少包含大写字母、小写字母、数字、符号中的{self.classes}类。"
