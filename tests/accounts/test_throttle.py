"""Login throttling as a browser meets it: the login form with CSRF enforced, from a given client address.

Per (account, address) lockout, a higher per-account cap, a per-address cap against spraying, the trusted-proxy
rule for X-Forwarded-For, and ``cityhall unlock``.
"""

from __future__ import annotations

import re
import threading
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from cityhall.accounts.lockout import _networks, client_ip_from
from cityhall.accounts.models import LoginThrottle
from cityhall.org.demo import DEMO_PASSWORD, load_demo

RETRY_AT = re.compile(r"请于 \d\d:\d\d 后再试")
ATTACKER = "203.0.113.7"
MAYOR_AT_WORK = "10.20.0.15"


class PasswordChecks:
    """Counts the password hasher's verifications: one per password actually checked."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = MD5PasswordHasher.verify

        def verify(hasher: Any, password: str, encoded: str) -> bool:
            with self._lock:
                self.count += 1
            return original(hasher, password, encoded)

        monkeypatch.setattr(MD5PasswordHasher, "verify", verify)


@pytest.fixture
def checks(monkeypatch) -> PasswordChecks:
    counter = PasswordChecks()
    counter.install(monkeypatch)
    return counter


@pytest.fixture
def usernames(db) -> list[str]:
    return [username for username, _, _ in load_demo()]


class Browser:
    """A browser at one client address: it loads the login page, then posts the form with its CSRF token."""

    def __init__(self, ip: str, **headers: str) -> None:
        self.client = Client(enforce_csrf_checks=True, REMOTE_ADDR=ip, **headers)
        self.client.get("/accounts/login/")

    def login(self, username: str, password: str) -> tuple[bool, str]:
        response = self.client.post(
            "/accounts/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": self.client.cookies["csrftoken"].value},
        )
        assert response.status_code in (200, 302), response.status_code
        signed_in = response.status_code == 302
        if signed_in:
            self.client.post("/accounts/logout/", {"csrfmiddlewaretoken": self.client.cookies["csrftoken"].value})
            self.client.get("/accounts/login/")
        return signed_in, response.content.decode()


def test_spraying_many_accounts_from_one_address_is_stopped_at_the_address_limit(usernames, checks, settings):
    assert settings.CITYHALL_LOGIN_IP_ATTEMPTS == 20
    sprayed = usernames[:12]
    attacker = Browser(ATTACKER)
    answers = [attacker.login(u, "Winter2026!") for _ in range(2) for u in sprayed]  # 24 guesses, 2 per account
    assert not any(ok for ok, _ in answers)
    assert all("用户名或密码不正确" in html for _, html in answers[:20])
    for _, html in answers[20:]:
        assert "您所在的网络地址登录失败次数过多" in html and RETRY_AT.search(html)
    assert checks.count == 20  # the refused guesses never reached the password hasher
    # Even the right password is refused from that address; the same account elsewhere is not.
    ok, html = attacker.login(usernames[12], DEMO_PASSWORD)
    assert not ok and "网络地址登录失败次数过多" in html
    assert Browser(MAYOR_AT_WORK).login(usernames[12], DEMO_PASSWORD)[0]


def test_an_attacker_locks_the_mayor_only_at_the_attackers_address(usernames, checks):
    attacker = Browser(ATTACKER)
    for _ in range(5):
        assert not attacker.login("mayor", "guess-guess")[0]
    ok, html = attacker.login("mayor", DEMO_PASSWORD)
    assert not ok and "该账号连续5次登录失败，已锁定15分钟" in html and RETRY_AT.search(html)
    assert checks.count == 5
    assert Browser(MAYOR_AT_WORK).login("mayor", DEMO_PASSWORD)[0]
    assert not attacker.login("mayor", DEMO_PASSWORD)[0]  # the mayor's success does not unlock the attacker


def test_the_per_account_cap_bounds_guessing_from_many_addresses_and_the_office_unlocks(usernames, settings):
    settings.CITYHALL_LOCKOUT_ACCOUNT_ATTEMPTS = 12
    for n in range(3):
        bot = Browser(f"198.51.100.{n + 1}")
        for _ in range(4):
            bot.login("mayor", "guess-guess")
    ok, html = Browser(MAYOR_AT_WORK).login("mayor", DEMO_PASSWORD)
    assert not ok and "该账号登录失败次数过多" in html and "联系市政府办公室解锁" in html and RETRY_AT.search(html)
    out = StringIO()
    call_command("unlock", "mayor", stdout=out)
    assert "已解除账号“mayor”的登录锁定" in out.getvalue()
    assert Browser(MAYOR_AT_WORK).login("mayor", DEMO_PASSWORD)[0]


def test_successful_logins_from_one_office_address_never_add_up_to_a_lock(usernames):
    office = Browser(MAYOR_AT_WORK)
    for username in usernames[:25]:  # more sign-ins than the address limit: none of them failed
        assert office.login(username, DEMO_PASSWORD)[0], username


def test_a_forged_x_forwarded_for_does_not_escape_the_address_limit(usernames, settings):
    settings.CITYHALL_LOGIN_IP_ATTEMPTS = 3
    for n in range(3):
        Browser(ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").login(usernames[n], "nope-nope")
    ok, html = Browser(ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.99").login(usernames[5], DEMO_PASSWORD)
    assert not ok and "网络地址登录失败次数过多" in html


def test_behind_a_trusted_proxy_each_client_address_counts_on_its_own(usernames, settings):
    settings.CITYHALL_TRUSTED_PROXIES = ["10.0.0.0/24"]
    settings.CITYHALL_LOGIN_IP_ATTEMPTS = 3
    for n in range(3):
        Browser("10.0.0.2", HTTP_X_FORWARDED_FOR=ATTACKER).login(usernames[n], "nope-nope")
    ok, _ = Browser("10.0.0.2", HTTP_X_FORWARDED_FOR=ATTACKER).login(usernames[5], DEMO_PASSWORD)
    assert not ok
    assert Browser("10.0.0.2", HTTP_X_FORWARDED_FOR=MAYOR_AT_WORK).login(usernames[5], DEMO_PASSWORD)[0]
    assert LoginThrottle.objects.filter(scope="ip", key=ATTACKER).exists()


def test_unlock_lifts_a_pair_lock_and_an_address_lock(usernames):
    attacker = Browser(ATTACKER)
    for _ in range(5):
        attacker.login("vm2", "guess-guess")
    out = StringIO()
    call_command("unlock", "vm2", "--ip", ATTACKER, stdout=out)
    assert "已解除账号“vm2”和地址 203.0.113.7的登录锁定" in out.getvalue()
    assert attacker.login("vm2", DEMO_PASSWORD)[0]


@pytest.mark.parametrize(
    ("args", "message"), [((), "请给出用户名或 --ip 地址"), (("--ip", "nope"), "不是有效的 IP 地址")]
)
def test_unlock_mistakes_are_refused_in_chinese(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("unlock", *args)


# -- the client address behind proxies (no database) -------------------------------------------

PROXIES = _networks(("10.0.0.0/24", "192.168.1.1", "2001:db8::/32"))


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.7", None, "203.0.113.7"),  # no proxy
        ("203.0.113.7", "1.2.3.4", "203.0.113.7"),  # an untrusted peer's header is ignored
        ("10.0.0.2", "198.51.100.9", "198.51.100.9"),  # a trusted proxy names its client
        ("10.0.0.2", "6.6.6.6, 198.51.100.9", "198.51.100.9"),  # the client wrote 6.6.6.6 itself
        ("10.0.0.2", "198.51.100.9, 192.168.1.1", "198.51.100.9"),  # two trusted hops
        ("10.0.0.2", " 198.51.100.9 ,10.0.0.7 ", "198.51.100.9"),  # spaces around hops
        ("10.0.0.2", "10.0.0.9, 10.0.0.8", "10.0.0.9"),  # every hop trusted: the left-most
        ("10.0.0.2", "not-an-ip", "10.0.0.2"),  # a trusted proxy passed on rubbish: stop at it
        ("10.0.0.2", "", "10.0.0.2"),
        ("2001:db8::1", "2001:db8::2, 2a00:1450::1", "2a00:1450::1"),
        ("garbage", "1.2.3.4", None),
    ],
)
def test_the_client_address_is_the_right_most_untrusted_hop(remote, forwarded, expected):
    assert client_ip_from(remote, forwarded, PROXIES) == expected


def test_a_bad_trusted_proxy_setting_is_reported_in_chinese():
    with pytest.raises(ImproperlyConfigured, match=r"CITYHALL_TRUSTED_PROXIES 中的“10\.0\.0\.300”不是有效的"):
        _networks(("10.0.0.300",))
