"""A real ``streamlit run app.py`` on a fresh demo database, driven by Debian's Chromium.

Skipped, with the reason, where no Chromium is installed; that is the only skip.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from eventflow.db import Database, libpq_url
from eventflow.demo import DEMO_MANAGER_EMAIL, load_demo

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("EVENTFLOW_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
STARTUP_LIMIT_SECONDS = 90  # a bound on waiting for a broken server, not a timing assertion


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


@dataclass
class RunningApp:
    url: str
    database: Database
    process: subprocess.Popen
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(database: Database, organiser_email: str, log: Path) -> RunningApp:
    port = _free_port()
    env = {**os.environ,
           "DATABASE_URL": libpq_url(database.owner_url),
           "EVENTFLOW_APP_DATABASE_URL": libpq_url(database.app_url),
           "EVENTFLOW_LOCAL_ORGANISER": organiser_email,
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    env.pop("EVENTFLOW_APP_PASSWORD", None) if database.app_url.password is None else None
    output = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early; see {log}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.terminate()
            raise RuntimeError(f"streamlit did not become healthy; see {log}")
        time.sleep(0.3)
    return RunningApp(url, database, process, log)


def stop_app(app: RunningApp) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        app.process.kill()


@pytest.fixture(scope="session")
def browser_database(pg_server) -> Iterator[Database]:
    """A fresh database with the demo, for the browser tests only (they change it)."""
    database = pg_server.create_database()
    load_demo(database)
    yield database
    pg_server.drop_database(database)


@pytest.fixture(scope="session")
def app_server(browser_database: Database) -> Iterator[RunningApp]:
    """The dashboard as the demo manager (local mode)."""
    ARTIFACTS.mkdir(exist_ok=True)
    app = start_app(browser_database, DEMO_MANAGER_EMAIL, ARTIFACTS / "streamlit-manager.log")
    yield app
    stop_app(app)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
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
