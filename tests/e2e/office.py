"""A shared office for the document journeys: the demo organisation loaded once per module, and one
logged-in browser context per role, reused by every test of the module (login once, not per step).

The data is committed (not in a per-test transaction), so the live server sees it; the module's
teardown flushes the database for the tests that follow.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from cityhall.documents.demo import load_documents
from cityhall.org.demo import DEMO_PASSWORD, load_demo

from .conftest import TIMEOUT_MS

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def office(django_db_setup, django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock():
        load_demo()
        load_documents()
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def orm(django_db_blocker) -> Iterator[None]:
    """ORM access in the test body, against the committed data the live server serves."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="module")
def module_server(django_db_setup, django_db_blocker) -> Iterator[str]:
    """A live server of the module's own. pytest-django's ``live_server`` makes every test that uses it
    transactional, flushing the database (and the logged-in sessions) after each test."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        server = LiveServer("localhost")
        try:
            yield server.url
        finally:
            server.stop()


@pytest.fixture(scope="module")
def as_user(browser: Browser, module_server: str, office) -> Iterator[Callable[[str], Page]]:
    """``as_user("clerk")`` → that person's page, logged in once for the whole module."""
    contexts: dict[str, tuple[BrowserContext, Page]] = {}
    errors: list[str] = []

    def open_as(username: str) -> Page:
        if username not in contexts:
            context = browser.new_context(
                locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=module_server
            )
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
            # A script or style the Content-Security-Policy blocks is a broken page too.
            page.on(
                "console",
                lambda m: errors.append(f"{username}: {m.text}") if "Content Security Policy" in m.text else None,
            )
            page.goto("/accounts/login/")
            page.locator("#id_username").fill(username)
            page.locator("#id_password").fill(DEMO_PASSWORD)
            page.locator("#login-form").get_by_role("button", name="登录").click()
            expect(page).to_have_url(re.compile(r"/$"))
            contexts[username] = (context, page)
        return contexts[username][1]

    yield open_as
    for context, _ in contexts.values():
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def inbox_item(page: Page, text: str) -> Locator:
    """Open the 待办 and find the row whose title contains ``text``."""
    page.goto("/")
    row = page.locator("#inbox tbody tr", has_text=text)
    expect(row.first).to_be_visible()
    return row.first


def open_from_inbox(page: Page, text: str) -> None:
    row = inbox_item(page, text)
    row.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/documents/\d+/$"))
    # The page's deferred scripts (常用语, counters) bind their handlers on load; a test can act before a
    # person could, so it waits for them as a person would.
    page.wait_for_load_state("load")


def done(page: Page, state: str | None = None) -> None:
    expect(page.locator("[role='status']", has_text="已").first).to_be_visible()
    if state is not None:
        expect(page.locator("#doc-state")).to_have_text(state)


def actions(page: Page) -> Locator:
    return page.locator("#actions")


def history(page: Page, action: str) -> Locator:
    return page.locator(f"#history [data-action='{action}']")


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path
