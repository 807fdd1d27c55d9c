"""Accounts and permissions: login everywhere but the public pages, lockout, password
complexity, session timeout, and object-level checks that refuse another unit's objects."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from cityhall.accounts.models import ApiToken, LoginFailure, LoginThrottle
from cityhall.org.demo import DEMO_PASSWORD, load_demo
from cityhall.org.models import Position
from cityhall.workflow.models import AuditEvent, InboxItem
from cityhall.workflow.services import deadline_schedule, inbox_item_create

pytestmark = pytest.mark.django_db
PUBLIC_PREFIXES = (
    "/rules/",
    "/accounts/login/",
    "/i18n/",
    "/api/v1/rules",
    "/api/v1/calendar",
    "/api/v1/openapi.json",
    # The public portal (Art 28–30): deliberately without login.
    "/portal/",
    "/api/v1/docs",
)


@pytest.fixture
def demo():
    load_demo()


def user(username: str):
    return get_user_model().objects.get(username=username)


def _routes(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            if "<" not in route and "(" not in route and "^" not in route and "\\" not in route:
                yield "/" + route


def test_every_page_and_endpoint_needs_login_except_the_public_ones(client):
    checked = 0
    for path in sorted(set(_routes(get_resolver().url_patterns))):
        if path.startswith("/admin/") or path.startswith(PUBLIC_PREFIXES) or path == "/api/v1/":
            continue  # /api/v1/ is the routers' mount point: no view behind it
        response = client.get(path)
        checked += 1
        assert response.status_code in (302, 401, 405), path
        if response.status_code == 302:
            assert response["Location"].startswith(settings.LOGIN_URL), path
    assert checked >= 6


def test_the_public_pages_are_public(client):
    for path in ("/rules/", "/rules/calendar/", "/rules/minutes.issue/", "/api/v1/rules", "/accounts/login/"):
        assert client.get(path).status_code == 200, path


def test_five_failed_logins_lock_the_account_for_fifteen_minutes(demo, client):
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": "vm3", "password": "wrong"})
        assert "用户名或密码不正确" in response.content.decode()
    locked = client.post("/accounts/login/", {"username": "vm3", "password": DEMO_PASSWORD})
    assert "已锁定15分钟" in locked.content.decode()
    assert not client.session.get("_auth_user_id")
    # The lock holds for the admin login too (the backend refuses, not just the form).
    admin = client.post("/admin/login/", {"username": "vm3", "password": DEMO_PASSWORD})
    assert admin.status_code == 200 and not client.session.get("_auth_user_id")
    past = dt.datetime.now(tz=dt.UTC) - dt.timedelta(minutes=16)
    LoginThrottle.objects.update(window_start=past, locked_until=past)
    ok = client.post("/accounts/login/", {"username": "vm3", "password": DEMO_PASSWORD})
    assert ok.status_code == 302
    assert not LoginFailure.objects.filter(username="vm3").exists()  # a success clears the count


def test_lockout_parameters_are_settings(demo, client, settings):
    settings.CITYHALL_LOCKOUT_ATTEMPTS = 2
    for _ in range(2):
        client.post("/accounts/login/", {"username": "vm5", "password": "wrong"})
    assert "连续2次登录失败" in client.post("/accounts/login/", {"username": "vm5", "password": "x"}).content.decode()


@pytest.mark.parametrize("password", ["short1A!", "alllowercaseletters", "ALLUPPER12345", "1234567890123"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_complex_password_is_accepted_and_a_weak_one_refused_where_it_is_set(demo):
    from django.contrib.auth.forms import SetPasswordForm

    clerk = user("clerk")
    strong = SetPasswordForm(clerk, {"new_password1": "Fushun-Rules-2026", "new_password2": "Fushun-Rules-2026"})
    assert strong.is_valid(), strong.errors
    strong.save()
    clerk.refresh_from_db()
    assert clerk.check_password("Fushun-Rules-2026")
    weak = SetPasswordForm(clerk, {"new_password1": "12345678", "new_password2": "12345678"})
    assert not weak.is_valid() and weak.errors["new_password2"]


def test_sessions_time_out_when_idle_and_are_written_at_most_once_a_minute(demo, client, monkeypatch):
    from django.contrib.sessions.models import Session

    from cityhall.web import middleware

    assert settings.SESSION_COOKIE_AGE == 1800
    clock = {"now": 1_800_000_000.0}
    monkeypatch.setattr(middleware.time, "time", lambda: clock["now"])
    client.force_login(user("clerk"))
    client.get("/")  # the first request stamps the session

    def expiry():
        return Session.objects.get(session_key=client.session.session_key).expire_date

    first = expiry()
    clock["now"] += 30
    client.get("/")
    assert expiry() == first  # within the minute: not written again
    clock["now"] += 31
    client.get("/")
    assert expiry() > first  # a minute on: the idle timeout is moved on
    assert client.session.get_expiry_age() == 1800
    assert client.get("/").status_code == 200
    # Idle for the full 30 minutes: the session's expiry passes, and the next request is sent to log in.
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_admin_is_only_for_administrators(demo, client):
    client.force_login(user("clerk"))
    assert client.get("/admin/").status_code == 302
    client.force_login(user("admin"))
    assert client.get("/admin/").status_code == 200


# -- object-level permissions ----------------------------------------------------------------


@pytest.fixture
def fgw_item(demo):
    position = Position.objects.get(code="head-fgw")
    deadline = deadline_schedule(
        actor=None,
        subject=None,
        subject_label="会签：测试文件",
        kind="test",
        rule_id="countersign.reply",
        anchor=dt.date(2026, 9, 30),
        assignee_position=position,
    )
    return inbox_item_create(
        actor=None, title="会签：测试文件", kind="test", assignee_position=position, deadline=deadline, for_reading=True
    )


def test_another_units_inbox_item_cannot_be_seen_or_completed(fgw_item, client):
    client.force_login(user("finance"))
    assert all(i["id"] != fgw_item.pk for i in client.get("/api/v1/inbox").json())
    response = client.post(f"/inbox/{fgw_item.pk}/done/")
    assert response.status_code == 403
    _, token = ApiToken.issue(user("finance"), "test")
    api = client.post(f"/api/v1/inbox/{fgw_item.pk}/done", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 403 and "不属于您" in api.json()["message"]
    assert client.get(f"/api/v1/deadlines/{fgw_item.deadline_id}").status_code == 403
    fgw_item.refresh_from_db()
    assert fgw_item.state == InboxItem.State.OPEN


@pytest.mark.rule("countersign.reply")
def test_the_owner_sees_and_completes_it_and_the_audit_shows_it(fgw_item, client):
    client.force_login(user("fgw"))
    items = client.get("/api/v1/inbox").json()
    assert [i["id"] for i in items] == [fgw_item.pk]
    assert items[0]["overdue"] is True and items[0]["rule"] == "countersign.reply"
    assert client.get(f"/api/v1/deadlines/{fgw_item.deadline_id}").json()["due_date"] == "2026-10-10"
    done = client.post(f"/inbox/{fgw_item.pk}/done/")
    assert done.status_code == 302
    assert client.get("/api/v1/inbox?state=done").json()[0]["id"] == fgw_item.pk
    assert AuditEvent.objects.filter(action="inbox.complete", subject_id=str(fgw_item.pk)).exists()


def test_a_department_sees_only_its_own_audit_events_and_the_office_sees_all(fgw_item, client):
    client.force_login(user("fgw"))
    client.post(f"/inbox/{fgw_item.pk}/done/")
    own = client.get("/api/v1/audit").json()
    assert own and all(e["actor"] == "杭立言" or e["on_behalf_of"] == "杭立言" for e in own)
    client.force_login(user("finance"))
    assert client.get("/api/v1/audit").json() == []
    client.force_login(user("clerk"))
    assert len(client.get("/api/v1/audit").json()) == AuditEvent.objects.count()
    assert client.post("/audit/verify/").status_code == 200
    client.force_login(user("finance"))
    assert client.post("/audit/verify/").status_code == 403


def test_an_api_token_authenticates_and_a_revoked_one_does_not(demo, client):
    record, token = ApiToken.issue(user("vm2"), "test")
    assert client.get("/api/v1/inbox", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    record.revoked = True
    record.save()
    response = client.get("/api/v1/inbox", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("username", ["clerk", "mayor"])
def test_the_actor_is_resolved_once_per_request(demo, client, monkeypatch, username):
    from cityhall.accounts import permissions

    calls: list[object] = []
    resolve = permissions._resolve_actor

    def counting(user, at):
        calls.append(user)
        return resolve(user, at)

    monkeypatch.setattr(permissions, "_resolve_actor", counting)
    client.force_login(user(username))
    for path in ("/", "/documents/", "/audit/"):
        calls.clear()
        assert client.get(path).status_code == 200
        assert len(calls) == 1, f"{path}: the actor was resolved {len(calls)} times"
