"""Fixtures for the browser tests: one app server and one Chromium per session, a fresh
offline browser context and page per test.

Every test here is marked ``e2e`` (deselect with ``pytest -m "not e2e"``). Each page
runs with no internet (:func:`tests.harness.offline`): only the app itself answers.
Screenshots go to ``tests/artifacts/<test>-<step>.png``; a failing test also leaves
``tests/artifacts/FAILED-<test>.png``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Error,
    Page,
    Playwright,
    sync_playwright,
)

from tests.harness import (
    BlockedRequests,
    launch_browser,
    offline,
    run_app,
    screenshot,
)

E2E_DIR = Path(__file__).resolve().parent
VIEWPORT = {"width": 1400, "height": 1000}
# Playwright's default is 30 s; on a busy 2-core box a first load can take ~10 s.
DEFAULT_TIMEOUT_MS = 30_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the item, so fixtures can tell a failed test."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Base URL of one dashboard server on the default data/ for the whole session."""
    with run_app() as url:
        yield url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch_browser(playwright)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def blocked(context: BrowserContext) -> BlockedRequests:
    """No internet in this test's context; the record of what the page tried to reach."""
    return offline(context)


@pytest.fixture
def page_errors() -> list[Error]:
    """Uncaught JavaScript errors of the test's page (main page and iframes)."""
    return []


@pytest.fixture
def page(
    request: pytest.FixtureRequest,
    context: BrowserContext,
    blocked: BlockedRequests,
    page_errors: list[Error],
) -> Iterator[Page]:
    """A page in the offline context. The test fails if the page threw a JS error."""
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(error))
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        try:
            screenshot(page, f"FAILED-{_slug(request.node.name)}")
        except Error:
            pass
    assert not page_errors, f"JavaScript errors on the page: {page_errors}"


@pytest.fixture
def shot(request: pytest.FixtureRequest, page: Page) -> Callable[[str], Path]:
    """``shot("02-filtered")`` saves tests/artifacts/<test name>-02-filtered.png."""
    prefix = _slug(request.node.name.removeprefix("test_"))

    def take(step: str) -> Path:
        return screenshot(page, f"{prefix}-{step}")

    return take


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")
