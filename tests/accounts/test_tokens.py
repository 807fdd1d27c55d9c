"""API tokens end, can be revoked by their owner (page or CLI), and an ended token is refused over real HTTP."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from cityhall.accounts.models import ApiToken
from cityhall.cli import main as cityhall_main
from cityhall.org.demo import load_demo


def user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def http_status(server: Any, token: str, path: str = "/api/v1/inbox") -> int:
    request = urllib.request.Request(server.url + path)  # noqa: S310 - our own live server
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - our own live server
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def csrf_client(username: str) -> Client:
    """A browser-like client: CSRF enforced, the token taken from the page's cookie as a browser form does."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user(username))
    client.get("/accounts/tokens/")
    return client


def post(client: Client, path: str, data: dict[str, str] | None = None) -> Any:
    return client.post(path, {**(data or {}), "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def cli(*args: str) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


# -- over real HTTP ---------------------------------------------------------------------------


@pytest.fixture
def office(live_server):
    load_demo()
    return live_server


@pytest.mark.django_db(transaction=True)
def test_an_expired_token_is_refused_over_http_and_a_current_one_accepted(office):
    current = cli("vm2", "--name", "报送脚本").strip()
    _, expired = ApiToken.issue(user("vm2"), "过期", now=timezone.now() - dt.timedelta(days=91))
    assert http_status(office, current) == 200
    assert http_status(office, expired) == 401


@pytest.mark.django_db(transaction=True)
def test_a_token_issued_for_one_day_ends_after_that_day(office):
    token = cli("vm2", "--days", "1").strip()
    record = ApiToken.objects.get(key_hash=ApiToken.hash(token))
    assert dt.timedelta(hours=23) < record.expires_at - timezone.now() <= dt.timedelta(days=1)
    assert http_status(office, token) == 200
    ApiToken.objects.filter(pk=record.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert http_status(office, token) == 401


@pytest.mark.django_db(transaction=True)
def test_a_token_revoked_on_the_command_line_is_refused_over_http(office):
    token = cli("clerk").strip()
    record = ApiToken.objects.get(key_hash=ApiToken.hash(token))
    assert http_status(office, token) == 200
    assert "已吊销令牌" in cli("revoke", str(record.pk))
    assert http_status(office, token) == 401
    assert "此前已吊销" in cli("revoke", str(record.pk))  # a second revoke changes nothing


@pytest.mark.django_db(transaction=True)
def test_a_token_revoked_on_the_page_is_refused_over_http(office):
    client = csrf_client("vm2")
    page = post(client, "/accounts/tokens/", {"name": "统计报表"})
    token = page.context["issued"]["token"]
    assert http_status(office, token) == 200
    record = ApiToken.objects.get(key_hash=ApiToken.hash(token))
    confirm = client.get(f"/accounts/tokens/{record.pk}/revoke/")
    assert "确认吊销" in confirm.content.decode()
    assert http_status(office, token) == 200  # the confirmation page alone revokes nothing
    done = post(client, f"/accounts/tokens/{record.pk}/revoke/")
    assert done.status_code == 302
    assert http_status(office, token) == 401
    listing = client.get("/accounts/tokens/").content.decode()
    assert "已吊销令牌“统计报表”" in listing and "已吊销" in listing


# -- the page ---------------------------------------------------------------------------------


@pytest.fixture
def demo(db):
    load_demo()


def test_the_page_issues_a_token_shows_it_once_and_stores_only_its_hash(demo):
    client = csrf_client("vm2")
    response = post(client, "/accounts/tokens/", {"name": "数据报送脚本"})
    html = response.content.decode()
    token = response.context["issued"]["token"]
    assert token.startswith("ch_") and token in html
    assert "只显示这一次" in html and response["Cache-Control"] == "no-store"
    record = ApiToken.objects.get(user=user("vm2"))
    assert record.key_hash == ApiToken.hash(token) and token not in str(ApiToken.objects.values().get())
    again = client.get("/accounts/tokens/").content.decode()
    assert token not in again and "数据报送脚本" in again
    for column in ("用途", "创建时间", "最近使用", "到期", "状态"):
        assert f"<th>{column}</th>" in again


def test_issuing_and_revoking_need_the_csrf_token(demo):
    client = csrf_client("vm2")
    assert client.post("/accounts/tokens/", {"name": "x"}).status_code == 403
    record, _ = ApiToken.issue(user("vm2"), "报送")
    assert client.post(f"/accounts/tokens/{record.pk}/revoke/").status_code == 403
    record.refresh_from_db()
    assert not record.revoked and not ApiToken.objects.filter(name="x").exists()


def test_a_user_sees_and_revokes_only_their_own_tokens(demo):
    theirs, _ = ApiToken.issue(user("finance"), "财政局接口")
    client = csrf_client("vm2")
    assert "财政局接口" not in client.get("/accounts/tokens/").content.decode()
    assert client.get(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    assert post(client, f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert not theirs.revoked and theirs.revoked_at is None


def test_the_page_needs_login_and_a_name(demo):
    assert Client().get("/accounts/tokens/").status_code == 302
    client = csrf_client("vm2")
    response = post(client, "/accounts/tokens/", {"name": ""})
    assert "请填写令牌用途" in response.content.decode() and not ApiToken.objects.exists()


def test_the_header_links_to_the_token_page(demo):
    client = csrf_client("vm2")
    assert 'href="/accounts/tokens/"' in client.get("/").content.decode()


# -- the command line -------------------------------------------------------------------------


def test_issuing_on_the_command_line_prints_only_the_token(demo):
    out = cli("vm2", "--name", "报送")
    assert out.count("\n") == 1 and out.startswith("ch_")
    record = ApiToken.objects.get(key_hash=ApiToken.hash(out.strip()))
    assert record.name == "报送" and record.user.username == "vm2"
    assert dt.timedelta(days=89) < record.expires_at - timezone.now() <= dt.timedelta(days=90)


def test_the_token_lifetime_is_a_setting(demo, settings):
    settings.CITYHALL_TOKEN_DAYS = 7
    record = ApiToken.objects.get(key_hash=ApiToken.hash(cli("vm2").strip()))
    assert dt.timedelta(days=6) < record.expires_at - timezone.now() <= dt.timedelta(days=7)


def test_the_list_shows_each_tokens_status(demo):
    now = timezone.now()
    ApiToken.issue(user("vm2"), "在用")
    ApiToken.issue(user("vm2"), "旧脚本", now=now - dt.timedelta(days=100))
    revoked, _ = ApiToken.issue(user("clerk"), "停用")
    cli("revoke", str(revoked.pk))
    everyone = cli("list")
    assert everyone.splitlines()[0].split() == ["编号", "用户", "用途", "创建时间", "最近使用", "到期", "状态"]
    lines = {line.split()[2]: line for line in everyone.splitlines()[1:]}
    assert lines["在用"].endswith("有效") and lines["旧脚本"].endswith("已过期") and lines["停用"].endswith("已吊销")
    only_vm2 = cli("list", "vm2")
    assert "在用" in only_vm2 and "停用" not in only_vm2


def test_a_user_named_like_a_subcommand_gets_a_token_with_issue(demo):
    get_user_model().objects.create_user("list", password="Unused-Pass-2026")
    assert "编号" in cli("list") or "没有令牌" in cli("list")  # "list" is the subcommand
    out = cli("issue", "list", "--name", "脚本")
    assert ApiToken.objects.get(key_hash=ApiToken.hash(out.strip())).user.username == "list"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("revoke", "99999"), "没有编号为 99999 的令牌"),
        (("revoke", "abc"), "令牌编号应为数字"),
        (("revoke",), "请给出要吊销的令牌编号"),
        (("nobody",), "没有用户名为“nobody”的账号"),
        (("vm2", "--days", "0"), "--days 须为正整数"),
    ],
)
def test_mistakes_on_the_command_line_are_refused_in_chinese(demo, args, message):
    with pytest.raises(CommandError, match=message):
        cli(*args)


def test_an_unknown_token_id_exits_nonzero_through_the_cityhall_command(demo, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cityhall_main(["token", "revoke", "99999"])
    assert exit_info.value.code == 2
    assert "没有编号为 99999 的令牌" in capsys.readouterr().err
