"""Organiser- and guest-typed text in a real browser: hostile names, tracks, notes, the event's
name and venue stay text on every page (issue 9, item 4), and no table offers Streamlit's own
"Download as CSV", which would write formula cells raw (item 5).

The pages walked are the ones ``app.py`` routes to (read from its ``PAGES``), so a page added
later is walked too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from eventflow import autoseat
from eventflow.db import Database
from eventflow.demo import DEMO_EVENT_ID, DEMO_MANAGER_EMAIL, DEMO_OWNER_EMAIL, load_demo
from eventflow.serve import RunningApp, start_app, stop_app
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import click_and_wait, no_exception, open_page

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
EVENT_NAME = "[Reset your password](https://evil.example/event) ![](http://evil.example/event.gif)"
VENUE = "<img src=\"http://evil.example/venue.gif\"> www.evil.example/venue"
TRACKS = ("<a href=\"https://evil.example/track\">Data</a>", "[Cloud](javascript:alert(1))")
PEOPLE = (  # name, e-mail
    ("![](http://evil.example/person.gif)", "mallory@evil.example"),
    ("[Reset your password](https://evil.example/person)", "eve@example.org"),
    ("https://evil.example/bare :red[red] $x^2$ **bold**", "trudy@example.org"),
    ("<img src=x onerror=alert(1)> [js](javascript:alert(1))", "oscar@example.org"),
)
NOTE = "Call [support](https://evil.example/note) ![](http://evil.example/note.gif)"
MANAGER_NAME = "[Manager](https://evil.example/manager) :material/lock: :smile:"
WORD_JOINER = "\u2060"
HOSTILE_LINK = re.compile(r"evil\.example|javascript:", re.IGNORECASE)


def routed_pages() -> list[str]:
    """URL paths of ``app.PAGES`` (read from the source: importing app.py would run the app)."""
    tree = ast.parse((ROOT / "app.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PAGES" for t in node.targets):
            paths = [call.args[0].value for call in node.value.elts]  # type: ignore[attr-defined]
            break
    else:
        raise AssertionError("app.py has no PAGES list")
    # The first page is the default one, served at the root.
    return ["", *(Path(path).stem for path in paths[1:])]


def _make_hostile(database: Database) -> None:
    with database.owner_connection() as conn:
        conn.execute(text("UPDATE events SET name = :name, venue = :venue WHERE id = :e"),
                     {"name": EVENT_NAME, "venue": VENUE, "e": DEMO_EVENT_ID})
        conn.execute(text("UPDATE organisers SET display_name = :name WHERE email = :email"),
                     {"name": MANAGER_NAME, "email": DEMO_MANAGER_EMAIL})
        track_ids = conn.execute(text("SELECT id FROM tracks WHERE event_id = :e AND is_active ORDER BY name LIMIT 2"),
                                 {"e": DEMO_EVENT_ID}).scalars().all()
        for track_id, name in zip(track_ids, TRACKS, strict=True):
            conn.execute(text("UPDATE tracks SET name = :name WHERE id = :id"), {"name": name, "id": track_id})
        # Two seated people (they show on Tables, History, in the plan) and two without a seat
        # (walk-ins), all in the renamed tracks.
        seated = conn.execute(text(
            "SELECT p.id FROM participants AS p JOIN table_assignments AS a ON a.participant_id = p.id "
            "WHERE p.event_id = :e AND NOT p.is_vip ORDER BY p.email LIMIT 2"), {"e": DEMO_EVENT_ID}).scalars().all()
        unseated = conn.execute(text(
            "SELECT p.id FROM participants AS p WHERE p.event_id = :e AND NOT p.is_vip AND NOT EXISTS "
            "(SELECT FROM table_assignments AS a WHERE a.participant_id = p.id) ORDER BY p.email LIMIT 2"),
            {"e": DEMO_EVENT_ID}).scalars().all()
        people = [*seated, *unseated]
        for person, (name, email) in zip(people, PEOPLE, strict=True):
            conn.execute(text("UPDATE participants SET full_name = :name, email = :email WHERE id = :id"),
                         {"name": name, "email": email, "id": person})
        # A change set naming them, for the History page.
        conn.execute(text("UPDATE table_assignments SET seat_number = NULL WHERE participant_id = ANY (:people)"),
                     {"people": list(seated)})
        owner = conn.execute(text("SELECT id FROM organisers WHERE email = :e"), {"e": DEMO_OWNER_EMAIL}).scalar()
    with database.tenant_session(owner) as session:
        autoseat.add_rule(session, DEMO_EVENT_ID, "apart", [str(people[0]), str(people[1])], NOTE)


@pytest.fixture(scope="module")
def hostile_app(pg_server) -> Iterator[RunningApp]:
    database = pg_server.create_database()
    load_demo(database)
    _make_hostile(database)
    ARTIFACTS.mkdir(exist_ok=True)
    app = start_app(database, DEMO_MANAGER_EMAIL, ARTIFACTS / "streamlit-hostile.log")
    yield app
    stop_app(app)
    pg_server.drop_database(database)


_MADE_FROM_HOSTILE_TEXT = """(pattern) => {
    const hostile = new RegExp(pattern, "i");
    const found = [];
    for (const link of document.querySelectorAll("a")) {
        const target = link.getAttribute("href") || link.getAttribute("xlink:href") || "";
        if (hostile.test(target)) found.push(link.outerHTML.slice(0, 200));
    }
    for (const media of document.querySelectorAll("img, image, video, audio, source, iframe, object, embed")) {
        const source = media.getAttribute("src") || media.getAttribute("href") || media.getAttribute("xlink:href")
            || media.getAttribute("srcset") || media.getAttribute("data") || "";
        if (hostile.test(source) || media.getAttribute("onerror")) found.push(media.outerHTML.slice(0, 200));
    }
    return found;
}"""


@pytest.mark.parametrize("path", routed_pages())
def test_hostile_text_is_shown_as_text_on_every_page(hostile_app, page, path):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url) if "evil.example" in request.url else None)
    open_page(page, f"{hostile_app.url}/{path}")
    if path == "auto_seat":  # the plan, its checks and explanation name people
        click_and_wait(page, page.get_by_role("button", name="Preview", exact=True), timeout=120_000)
        page.get_by_text("Rules checked on the plan").or_(page.get_by_text("No seating satisfies")).first.wait_for()
    for tab in page.get_by_role("tab").all():  # every tab's content, charts included (no rerun: drawn already)
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
    assert no_exception(page)
    assert page.evaluate(_MADE_FROM_HOSTILE_TEXT, HOSTILE_LINK.pattern) == []
    assert requested == []
    shown = _visible_text(page)
    if path == "":
        # Shown as typed: the title is the event's name, character for character.
        assert page.locator("h1").first.inner_text().replace(WORD_JOINER, "").strip() == EVENT_NAME
        assert VENUE in shown
    if path == "event_settings":
        assert TRACKS[0] in shown
    assert MANAGER_NAME in shown  # the sidebar names the signed-in organiser as typed too


def _visible_text(page) -> str:
    # Without the invisible word joiners that keep addresses from turning into links (ui.plain).
    return page.evaluate("() => document.body.innerText").replace(WORD_JOINER, "")


TABLE_PAGES = ("participants", "tables", "history", "seating_editor", "track_distribution", "auto_seat")


@pytest.mark.parametrize("path", TABLE_PAGES)
def test_no_table_offers_its_own_csv_download(hostile_app, page, path):
    """Streamlit's table toolbar would write ``=HYPERLINK(...)`` cells raw; the app's own exports
    neutralise them. The toolbar keeps search and full screen."""
    open_page(page, f"{hostile_app.url}/{path}")
    if path == "auto_seat":
        click_and_wait(page, page.get_by_text("Show who should meet whom"))  # the toggle reruns the page
    tables = page.locator("[data-testid='stDataFrame']")
    page.locator("[data-testid='stDataFrame']:visible").first.wait_for(state="visible")
    visible = [table for table in tables.all() if table.is_visible()]
    assert visible, "no table on the page"
    for table in visible:
        table.scroll_into_view_if_needed()
        table.hover()
        toolbar = page.locator("[data-testid='stElementToolbar']").filter(has=page.get_by_role("button"))
        toolbar.first.wait_for(state="visible")
        labels = [button.get_attribute("aria-label") or button.inner_text()
                  for button in page.locator("[data-testid='stElementToolbar'] button").all()]
        assert any("search" in label.lower() for label in labels), labels   # the toolbar did show
        assert not any("download" in label.lower() for label in labels), labels
    assert no_exception(page)


def test_the_upload_box_states_the_apps_limit(hostile_app, page):
    """Issue 9, item 8: the box said 200 MB while the caption said 5 MB."""
    open_page(page, f"{hostile_app.url}/participants")
    page.get_by_role("tab", name="Import").click()  # the import has a tab of its own
    box = page.locator("[data-testid='stFileUploaderDropzone']")
    box.scroll_into_view_if_needed()
    said = box.inner_text()
    assert "5MB" in said.replace(" ", "") and "200" not in said, said
    assert "Up to 5 MB" in page.evaluate("() => document.body.innerText")
