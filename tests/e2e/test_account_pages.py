"""The account pages in a real browser: a user issues an API token, uses it, revokes it; then changes
their password, first with a disguised common one (refused in Chinese), then a good one."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from cityhall.org.demo import DEMO_PASSWORD

pytest_plugins = ["tests.e2e.office"]

pytestmark = pytest.mark.e2e


def api_status(server: str, token: str) -> int:
    request = urllib.request.Request(server + "/api/v1/inbox")  # noqa: S310 - our own live server
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - our own live server
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_a_user_issues_uses_and_revokes_an_api_token(as_user, module_server):
    page = as_user("fgw")
    page.locator("#nav-tokens").click()
    expect(page).to_have_url(re.compile(r"/accounts/tokens/$"))
    page.locator("#id_name").fill("   ")  # passes the browser's own required check; the server must refuse
    page.locator("#token-issue-form button[type=submit]").click()
    expect(page.locator("#token-issue-form .error").first).to_contain_text("请填写令牌用途")
    page.locator("#id_name").fill("数据报送脚本")
    page.locator("#token-issue-form button[type=submit]").click()
    token = page.locator("#issued-token-value").inner_text().strip()
    assert token.startswith("ch_")
    expect(page.locator("#issued-token")).to_contain_text("只显示这一次")
    assert api_status(module_server, token) == 200

    page.goto("/accounts/tokens/")
    expect(page.locator("#issued-token")).to_have_count(0)  # shown once only
    row = page.locator("#tokens tbody tr", has_text="数据报送脚本")
    expect(row).not_to_contain_text("从未使用")
    row.get_by_role("link", name="吊销").click()
    page.locator("#token-revoke-form button").click()
    expect(page.locator("#tokens tbody tr", has_text="数据报送脚本")).to_have_attribute("data-status", "revoked")
    assert api_status(module_server, token) == 401


def test_a_user_changes_their_password_and_a_disguised_common_one_is_refused(as_user, orm):
    page = as_user("fgw")
    page.locator("#nav-password").click()
    expect(page.locator("#password-rules")).to_contain_text("Passw0rd!!")
    page.locator("#id_old_password").fill(DEMO_PASSWORD)
    page.locator("#id_new_password1").fill("Passw0rd!!")
    page.locator("#id_new_password2").fill("Passw0rd!!")
    page.locator("#password-change-form button[type=submit]").click()
    expect(page.locator("#password-change-form .error").first).to_contain_text("密码过于常见")
    assert get_user_model().objects.get(username="fgw").check_password(DEMO_PASSWORD)

    page.locator("#id_old_password").fill(DEMO_PASSWORD)
    page.locator("#id_new_password1").fill("Hunhe-Qiao#2026x")
    page.locator("#id_new_password2").fill("Hunhe-Qiao#2026x")
    page.locator("#password-change-form button[type=submit]").click()
    expect(page.locator("[role='status'], .alert-success").first).to_contain_text("密码已修改")
    assert get_user_model().objects.get(username="fgw").check_password("Hunhe-Qiao#2026x")
