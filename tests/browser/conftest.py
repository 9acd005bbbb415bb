"""A real ``streamlit run app.py`` on a fresh demo database, driven by Debian's Chromium.

Skipped, with the reason, where no Chromium is installed; that is the only skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from eventflow.db import Database
from eventflow.demo import DEMO_MANAGER_EMAIL
from eventflow.serve import RunningApp, start_app, stop_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("EVENTFLOW_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = None
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM} (install Debian's chromium to run the browser tests)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed"
    for item in items:
        if "browser" in item.keywords and reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_database(pg_server) -> Iterator[Database]:
    """A fresh database with the demo, for the browser tests only (they change it)."""
    with pg_server.demo() as database:
        yield database


@pytest.fixture(scope="session")
def app_server(browser_database: Database) -> Iterator[RunningApp]:
    """The dashboard as the demo manager (local mode)."""
    ARTIFACTS.mkdir(exist_ok=True)
    app = start_app(browser_database, DEMO_MANAGER_EMAIL, ARTIFACTS / "streamlit-manager.log")
    yield app
    stop_app(app)


class CountingBrowser:
    """A Playwright browser whose every new context counts the script runs of its pages
    (``helpers.rerun_after`` waits on that count)."""

    def __init__(self, browser) -> None:
        self._browser = browser

    def new_context(self, **options):
        from tests.browser.helpers import install_rerun_counter  # (imports Playwright, which may be missing)

        context = self._browser.new_context(**options)
        install_rerun_counter(context)
        return context

    def __getattr__(self, name: str):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import expect, sync_playwright

    # expect() retries for 5 s by default: too short for a rerun on a loaded 2-core machine (a page's
    # first run took 10 s there). Like the pages' own default timeouts, a bound, not an assertion.
    expect.set_options(timeout=30_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield CountingBrowser(browser)
        browser.close()


@pytest.fixture
def page(chromium, request):
    """A fresh browser tab (own Streamlit session); its screenshot is kept under test-artifacts/."""
    context = chromium.new_context(viewport={"width": 1600, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    ARTIFACTS.mkdir(exist_ok=True)
    name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
    try:
        tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        context.close()
