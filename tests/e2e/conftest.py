"""Browser fixtures for the end-to-end tests: Debian's Chromium driven through Playwright.

Chromium comes from the distribution (``apt-get install chromium fonts-noto-cjk``), never
from ``playwright install``. Without it the e2e tests are skipped, unless
CITYHALL_REQUIRE_BROWSER=1 (as in CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/e2e as ``e2e`` (so ``-m "not e2e"`` leaves them out)."""
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: install Debian's Chromium (apt-get install chromium fonts-noto-cjk)"
        if os.environ.get("CITYHALL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CITYHALL_REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)

    # Playwright's sync API drives an asyncio event loop in the main thread. Django's
    # async-safety check sees that running loop and raises SynchronousOnlyOperation for any
    # ORM call in this thread (e.g. pytest-django flushing the database after a
    # transactional test). Those calls are ordinary synchronous code, never inside a
    # coroutine, so the check is a false positive here. It is switched off only once a
    # browser test starts; script/test runs the browser tests in a process of their own.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser, live_server, transactional_db) -> Iterator:
    """A fresh browser context per test, pointed at the live server.

    Uncaught JavaScript errors on the page fail the test.
    """
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    js_errors: list[str] = []
    page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    page.on("console", lambda m: js_errors.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        yield page
    finally:
        context.close()
    assert not js_errors, f"JavaScript errors on the page: {js_errors}"


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker) -> Iterator[None]:
    """The test database, always created. pytest-django creates it only for tests that ask for ``db``
    or ``live_server``; the document journeys use a module-scoped office (tests/e2e/office.py) instead,
    so a run of those alone would otherwise find no tables."""
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)
