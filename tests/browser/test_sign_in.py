"""Sign-in for real: ``streamlit run app.py`` with ``[auth]`` pointing at a real OpenID Connect provider
(``oidc-provider-mock``) on localhost, on an empty database without the demo.

The journey of a new organiser: sign in, create an organisation (EVENTFLOW_SIGNUP=open), create an
event with tracks, invite a colleague, who signs in and works as a manager; then sign-out, and a
provider answer without a verified e-mail. Screenshots of each step, and of the new pages at 1400,
820 and 390 px, land in test-artifacts/sign-in/.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from eventflow.db import Database, libpq_url
from eventflow.serve import ROOT, _free_port
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import click_and_wait, invite_colleague, wait_idle

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "sign-in"
WIDTHS = (1400, 820, 390)
STARTUP_LIMIT_SECONDS = 90  # a bound on waiting for a broken server, not a timing assertion
USERS = {
    "ada": {"sub": "ada", "email": "Ada.Lovelace@Example.org", "email_verified": True, "name": "Ada Lovelace"},
    "ben": {"sub": "ben", "email": "ben.okafor@example.org", "email_verified": True, "name": "Ben Okafor"},
    "eve": {"sub": "eve", "email": "eve@example.org", "email_verified": False, "name": "Eve Unverified"},
}


@dataclass
class SignInApp:
    url: str
    database: Database


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"exited early; see {log}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer; see {log}")
        time.sleep(0.3)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory) -> Iterator[str]:
    """oidc-provider-mock on 127.0.0.1 with three predefined people; yields its issuer URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    command = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)]
    for claims in USERS.values():
        command += ["--user-claims", json.dumps(claims)]
    process = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT)
    issuer = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(issuer + "/.well-known/openid-configuration", process, log)
        yield issuer
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def sign_in_app(pg_server, oidc_provider, tmp_path_factory) -> Iterator[SignInApp]:
    """The dashboard with [auth] in a secrets file of its own, on an empty database (no demo)."""
    database = pg_server.create_database()
    port = _free_port()
    folder = tmp_path_factory.mktemp("secrets")
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        'cookie_secret = "browser-test-cookie-secret-0123456789abcdef"\n'
        'client_id = "eventflow-test"\n'
        'client_secret = "test-secret"\n'
        f'server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"\n',
        encoding="utf-8")
    env = {key: value for key, value in os.environ.items()
           if key not in ("EVENTFLOW_LOCAL_ORGANISER", "EVENTFLOW_APP_PASSWORD", "EVENTFLOW_ACCEPT_UNVERIFIED_EMAIL")}
    env.update({"DATABASE_URL": libpq_url(database.owner_url),
                "EVENTFLOW_APP_DATABASE_URL": libpq_url(database.app_url),
                "EVENTFLOW_SIGNUP": "open", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"})
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "streamlit-sign-in.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
         "--secrets.files", str(secrets)],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"  # the host the session cookie is set for (redirect_uri)
    try:
        _wait_healthy(url + "/_stcore/health", process, log)
        yield SignInApp(url, database)
    finally:
        _stop(process)
        pg_server.drop_database(database)


@pytest.fixture
def tab(chromium):
    """A fresh browser (own cookies), so each person signs in on their own."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def _shot(page, name: str, *, widths: tuple[int, ...] = (1400,)) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        wait_idle(page)
        page.screenshot(path=str(SHOTS / (f"{name}.png" if widths == (1400,) else f"{name}-{width}.png")),
                        full_page=True)
    page.set_viewport_size({"width": 1400, "height": 900})
    wait_idle(page)


def _sign_in(page, app: SignInApp, who: str) -> None:
    page.goto(app.url)
    page.wait_for_selector("h1")
    wait_idle(page)
    page.get_by_role("button", name="Sign in").first.click()
    page.wait_for_url("**/oauth2/authorize**")
    page.get_by_role("button", name=who, exact=True).click()
    page.wait_for_url(app.url + "/**")
    page.wait_for_selector("h1")
    wait_idle(page)


def _open_page(page, title: str) -> None:
    click_and_wait(page, page.locator("[data-testid='stSidebarNav'] a", has_text=title).first)
    page.get_by_role("heading", name=title, exact=True).wait_for()


def _no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0


def _scalar(database: Database, sql: str, **params):
    with database.owner_connection() as conn:
        return conn.execute(text(sql), params).scalar()


def test_a_new_organiser_signs_in_builds_an_organisation_and_a_colleague_joins(sign_in_app, chromium, tab):
    app, page = sign_in_app, tab
    page.goto(app.url)
    page.get_by_text("Please sign in to see your events.").wait_for()
    _shot(page, "01-signed-out", widths=WIDTHS)

    _sign_in(page, app, "ada")
    page.get_by_text("Start your own organisation").wait_for()
    assert page.locator("[data-testid='stSidebar']").get_by_text("Ada Lovelace").count() == 1
    _shot(page, "02-welcome-new-person", widths=WIDTHS)
    assert _scalar(app.database, "SELECT issuer || ' ' || subject FROM organisers WHERE email = :e",
                   e="ada.lovelace@example.org").endswith(" ada")

    page.get_by_label("Organisation name").fill("Lovelace Conferences")
    click_and_wait(page, page.get_by_role("button", name="Create organisation"))
    page.get_by_role("heading", name="Events", exact=True).wait_for()
    _no_exception(page)
    _shot(page, "03-events-empty", widths=WIDTHS)

    page.get_by_label("Event name").fill("Analytical Engines Summit")
    page.get_by_label("Venue").fill("Royal Institution, London")
    page.get_by_role("textbox", name="Tracks (one per line)").fill("Mathematics\nMachines\nPoetry")
    click_and_wait(page, page.get_by_role("button", name="Create event"))
    page.get_by_text("Created the event “Analytical Engines Summit”").wait_for()
    _no_exception(page)
    _shot(page, "04-event-created", widths=WIDTHS)
    assert _scalar(app.database, "SELECT count(*) FROM tracks t JOIN events e ON e.id = t.event_id "
                                 "WHERE e.name = 'Analytical Engines Summit'") == 3

    _open_page(page, "Members")
    invite_colleague(page, "Ben.Okafor@example.org")
    _no_exception(page)
    _shot(page, "05-members-invited", widths=WIDTHS)

    # The colleague, in a browser of their own.
    colleague = chromium.new_context(viewport={"width": 1400, "height": 900})
    try:
        ben = colleague.new_page()
        ben.set_default_timeout(30_000)
        _sign_in(ben, app, "ben")
        _shot(ben, "06-colleague-signed-in")
        sidebar = ben.locator("[data-testid='stSidebar']")
        sidebar.get_by_text("Ben Okafor").wait_for()
        picked = sidebar.locator("[data-testid='stSelectbox']").first
        assert "Lovelace Conferences · manager" in picked.inner_text() + " ".join(
            field.input_value() for field in picked.locator("input").all())
        ben.get_by_role("heading", name="Analytical Engines Summit").wait_for()
        _open_page(ben, "Event settings")
        ben.get_by_label("New track").fill("Engineering")
        click_and_wait(ben, ben.get_by_role("button", name="Add track"))
        ben.get_by_text("Engineering").first.wait_for()
        _no_exception(ben)
        _shot(ben, "07-colleague-works-as-manager")
        assert _scalar(app.database, "SELECT count(*) FROM tracks WHERE name = 'Engineering'") == 1
        assert _scalar(app.database, "SELECT count(*) FROM invitations WHERE accepted_at IS NULL") == 0
        # A manager has no Members page.
        assert ben.locator("[data-testid='stSidebarNav'] a", has_text="Members").count() == 0
    finally:
        colleague.close()

    page.reload()
    page.wait_for_selector("h1")
    wait_idle(page)
    _open_page(page, "Members")
    page.get_by_text("Ben Okafor").first.wait_for(state="attached")  # a cell of the members grid
    _shot(page, "08-members-with-colleague", widths=WIDTHS)

    page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out").click()
    # Streamlit ends the session at the provider too (its end_session endpoint), which asks to confirm.
    page.wait_for_url("**/oauth2/end_session**")
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(app.url + "/**")
    page.get_by_text("Please sign in to see your events.").wait_for()
    _shot(page, "09-signed-out-again")


def test_an_unverified_email_opens_nothing(sign_in_app, tab):
    _sign_in(tab, sign_in_app, "eve")
    tab.get_by_text(re.compile(r"has not confirmed that eve\W*@example\.org is yours")).wait_for()
    _shot(tab, "10-unverified-email-refused")
    assert _scalar(sign_in_app.database, "SELECT count(*) FROM organisers WHERE email = 'eve@example.org'") == 0
