"""Password rules with Chinese messages that do not depend on the active translation.

Django's own validators speak whatever language is active, and the CLI and API run with none, so
each rule here states its message itself. The common-password check also normalises the candidate,
because ``Passw0rd!!`` is ``password`` to anyone guessing.
"""

from __future__ import annotations

import re
import string
from difflib import SequenceMatcher
from typing import Any

from django.contrib.auth import password_validation as django_validation
from django.core.exceptions import ValidationError

# Leetspeak substitutions a guesser tries first; each maps to the letter it stands for.
_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "!": "i",
        "|": "l",
        "3": "e",
        "4": "a",
        "@": "a",
        "5": "s",
        "$": "s",
        "7": "t",
        "+": "t",
        "8": "b",
        "9": "g",
        "2": "z",
    }
)
_EDGE = string.digits + string.punctuation + " "


class MinimumLengthValidator(django_validation.MinimumLengthValidator):
    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                f"密码太短：至少{self.min_length}个字符，当前{len(password)}个。", code="password_too_short"
            )

    def get_help_text(self) -> str:
        return f"密码至少{self.min_length}个字符。"


class UserAttributeSimilarityValidator(django_validation.UserAttributeSimilarityValidator):
    _LABELS = {"username": "用户名", "first_name": "名", "last_name": "姓", "email": "电子邮箱"}

    def validate(self, password: str, user: Any = None) -> None:
        # Django's own test, repeated so that the message can name the attribute in Chinese.
        if not user:
            return
        lowered = password.lower()
        for attribute in self.user_attributes:
            value = getattr(user, attribute, None)
            if not value or not isinstance(value, str):
                continue
            value_lower = value.lower()
            for part in [value_lower, *re.split(r"\W+", value_lower)]:
                if django_validation.exceeds_maximum_length_ratio(lowered, self.max_similarity, part):
                    continue
                if SequenceMatcher(a=lowered, b=part).quick_ratio() >= self.max_similarity:
                    label = self._LABELS.get(attribute, "账号信息")
                    raise ValidationError(f"密码与{label}过于相似，请换一个。", code="password_too_similar")

    def get_help_text(self) -> str:
        return "密码不能与用户名、姓名或邮箱相似。"


class CommonPasswordValidator(django_validation.CommonPasswordValidator):
    """Django's list of 20,000 common passwords, checked after undoing the usual disguises."""

    @staticmethod
    def candidates(password: str) -> set[str]:
        lowered = password.lower().strip()
        stripped = lowered.strip(_EDGE)
        found = {lowered, stripped}
        for form in list(found):
            found.add(form.translate(_LEET))
            # Leet inside, digits or symbols at the ends: "p@ssw0rd2024!" is "password".
            found.add(form.strip(_EDGE).translate(_LEET).strip(_EDGE))
            found.add(form.translate(_LEET).strip(_EDGE))
        # A word doubled with a digit run ("abcabc", "qwerty123qwerty") is caught by its halves only
        # when they are listed themselves, so that case is left to the list.
        return {c for c in found if c}

    def validate(self, password: str, user: Any = None) -> None:
        if self.candidates(password) & self.passwords:
            raise ValidationError(
                "密码过于常见（常用密码加数字、符号或字母替换仍属常见），请换一个不易猜到的密码。",
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return "密码不能是常见密码，也不能是常见密码加数字、符号或字母替换（如 Passw0rd!!）。"


class NumericPasswordValidator(django_validation.NumericPasswordValidator):
    def validate(self, password: str, user: Any = None) -> None:
        if password.isdigit():
            raise ValidationError("密码不能全是数字。", code="password_entirely_numeric")

    def get_help_text(self) -> str:
        return "密码不能全是数字。"


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
