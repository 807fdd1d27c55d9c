"""Passwords (issue 8 #13): every refusal in Chinese whatever language is active, and common passwords
refused even in disguise (digits or symbols at the ends, letters swapped for digits)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from cityhall.org.demo import DEMO_PASSWORD, load_demo

CJK = re.compile(r"[\u4e00-\u9fff]")


def refusal(password: str, user=None) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate_password(password, user)
    return caught.value.messages


@pytest.mark.parametrize(
    "password",
    [
        "Passw0rd!!",
        "P@ssw0rd2024",
        "passWORD123!",
        "Qwerty123!",
        "Iloveyou2026!",
        "Dragon#2026",
        "!!Sunshine99",
        "Pa$$w0rd1234",
    ],
)
def test_common_passwords_in_disguise_are_refused(password):
    messages = refusal(password)
    assert any("常见" in m for m in messages), messages


@pytest.mark.parametrize("password", ["Fushun-Rules-2026", "Hun河-桥边7号楼东门", "Liaoning#Work8Rules"])
def test_uncommon_complex_passwords_pass(password):
    validate_password(password)


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Ab1!xyz", "密码太短：至少10个字符，当前7个。"),
        ("83729104658321", "密码不能全是数字。"),
        ("alllowercaseletters", "密码须至少包含大写字母、小写字母、数字、符号中的3类。"),
    ],
)
@pytest.mark.parametrize("language", [None, "en", "zh-hans"])
def test_each_refusal_is_chinese_whatever_language_is_active(password, expected, language):
    # The CLI and the API run with no translation active; an English page may be active too.
    if language is None:
        with translation.override(None):
            messages = refusal(password)
    else:
        with translation.override(language):
            messages = refusal(password)
    assert expected in messages
    assert all(CJK.search(m) for m in messages), messages


@pytest.mark.django_db
def test_a_password_like_the_username_is_refused_in_chinese():
    someone = get_user_model()(username="zhangwenbo2026", first_name="文博")
    with translation.override(None):
        messages = refusal("Zhangwenbo2026!", someone)
    assert "密码与用户名过于相似，请换一个。" in messages


def test_the_help_texts_are_chinese():
    with translation.override("en"):
        texts = password_validators_help_texts()
    assert len(texts) == 5
    assert all(CJK.search(t) for t in texts), texts


@pytest.mark.django_db
def test_the_password_page_refuses_a_disguised_common_password_in_chinese_and_keeps_the_old_one():
    load_demo()
    client = Client(enforce_csrf_checks=True)
    account = get_user_model().objects.get(username="clerk")
    client.force_login(account)
    page = client.get("/accounts/password/")
    assert "如 Passw0rd!!" in page.content.decode()
    response = client.post(
        "/accounts/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "Passw0rd!!",
            "new_password2": "Passw0rd!!",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 200
    assert "密码过于常见" in response.content.decode()
    account.refresh_from_db()
    assert account.check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_the_cli_refuses_a_short_password_in_chinese(monkeypatch):
    load_demo()
    answers = iter(["Ab1!", "Ab1!", "Fushun-Rules-2026", "Fushun-Rules-2026"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    out, err = StringIO(), StringIO()
    with translation.override(None):
        call_command("changepassword", "clerk", stdout=out, stderr=err)
    assert "密码太短：至少10个字符，当前4个。" in err.getvalue() + out.getvalue()
    assert get_user_model().objects.get(username="clerk").check_password("Fushun-Rules-2026")
