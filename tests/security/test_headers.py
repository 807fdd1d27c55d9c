"""Response headers and the API docs (issue 8 #11): a strict script policy on every response, the docs from
our own static files and only for people who are logged in."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from cityhall.org.demo import load_demo

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/rules/", "/accounts/login/", "/api/v1/rules", "/nope/"])
def test_every_response_carries_a_script_policy_and_a_permissions_policy(client, path):
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "object-src 'none'" in csp and "frame-ancestors 'self'" in csp
    assert "camera=()" in response["Permissions-Policy"]


def test_the_api_docs_need_a_login_and_load_nothing_from_a_cdn():
    load_demo()
    anonymous = Client()
    response = anonymous.get("/api/v1/docs")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client = Client()
    client.force_login(get_user_model().objects.get(username="clerk"))
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_no_template_carries_an_inline_script_or_handler():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "cityhall"
    offenders = []
    for path in root.rglob("templates/**/*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text) or re.search(
            r"\son[a-z]+=\"", text
        ):
            offenders.append(str(path.relative_to(root)))
    assert not offenders
