"""Parallel wrong guesses against a live server on PostgreSQL get at most the lockout limit of password checks."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
from django.conf import settings

from cityhall.accounts.models import LoginFailure, LoginThrottle
from cityhall.org.demo import load_demo

from .test_throttle import PasswordChecks

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs PostgreSQL (set CITYHALL_TEST_DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]
GUESSES = 40


def login_form(server: Any) -> tuple[str, str]:
    """The CSRF cookie and the form's token, as a browser gets them from the login page."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(server.url + "/accounts/login/", timeout=20) as response:
        html = response.read().decode()
    cookie = next(c.value for c in jar if c.name == "csrftoken")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token and cookie
    return cookie, token.group(1)


def guess(server: Any, cookie: str, token: str, password: str) -> tuple[int, str]:
    data = urllib.parse.urlencode({"username": "mayor", "password": password, "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(server.url + "/accounts/login/", data=data, method="POST")  # noqa: S310
    request.add_header("Cookie", f"csrftoken={cookie}")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    for _ in range(5):  # the live server's listen backlog is small: a refused connection is retried
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our own live server
                return int(response.status), response.read().decode()
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read().decode()
        except (ConnectionError, urllib.error.URLError):
            continue
    raise AssertionError("the live server refused the connection five times")


def test_forty_parallel_wrong_guesses_get_at_most_five_password_checks(live_server, monkeypatch):
    load_demo()
    checks = PasswordChecks()
    checks.install(monkeypatch)
    cookie, token = login_form(live_server)
    start = threading.Barrier(GUESSES)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        start.wait()
        answer = guess(live_server, cookie, token, f"wrong-guess-{n}")
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(GUESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(answers) == GUESSES
    assert all(status == 200 for status, _ in answers)  # nobody signed in, no server error
    wrong = sum("用户名或密码不正确" in html for _, html in answers)
    locked = sum("已锁定15分钟" in html for _, html in answers)
    print(f"\n{GUESSES} parallel wrong guesses: {checks.count} password checks, {wrong} wrong, {locked} locked")
    assert checks.count <= settings.CITYHALL_LOCKOUT_ATTEMPTS
    assert wrong == checks.count and wrong + locked == GUESSES
    assert LoginThrottle.objects.get(scope="pair", key="mayor|127.0.0.1").failures == checks.count
    assert LoginFailure.objects.filter(username="mayor").count() == GUESSES  # every refusal is still recorded
