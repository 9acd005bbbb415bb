"""The dashboard in a real browser: every page opens, and the seating grid saves and detects conflicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from eventflow.demo import DEMO_EVENT_ID, DEMO_OWNER_EMAIL
from eventflow.seating import changes_from_editor, load_seating_grid, save_changes
from tests.browser.helpers import click_and_wait, edit_grid_cell, no_exception, open_page, rerun_after
from tests.conftest import app_page_titles

pytestmark = pytest.mark.browser

# URL path -> the start of the page's heading, for every page app.py offers the manager: the first
# page is the default (at "/"), and the overview's heading is the event's name.
PAGES = {("" if index == 0 else Path(path).stem): title
         for index, (path, title) in enumerate(app_page_titles("manager"))}
PAGES[""] = "EventFlow Summit 2026"


def _someone_unseated(database) -> tuple[str, str, str]:
    with database.owner_connection() as conn:
        row = conn.execute(text(
            """
            SELECT p.id::text, p.email, p.full_name FROM participants AS p
             WHERE p.event_id = :event AND NOT p.is_vip AND NOT p.needs_accessible
               AND NOT EXISTS (SELECT FROM table_assignments AS a WHERE a.participant_id = p.id)
             ORDER BY p.email LIMIT 1
            """), {"event": DEMO_EVENT_ID}).one()
    return row[0], row[1], row[2]


def _free_table(database) -> int:
    with database.owner_connection() as conn:
        return conn.execute(text(
            """
            SELECT t.table_number FROM seating_tables AS t
             WHERE t.event_id = :event AND NOT t.is_vip_table
               AND (SELECT count(*) FROM table_assignments AS a
                     WHERE a.event_id = t.event_id AND a.table_number = t.table_number) < t.capacity - 1
             ORDER BY t.table_number LIMIT 1
            """), {"event": DEMO_EVENT_ID}).scalar_one()


def _assignment(database, participant_id: str):
    with database.owner_connection() as conn:
        return conn.execute(text("SELECT table_number, assigned_by FROM table_assignments "
                                 "WHERE participant_id = :p"), {"p": participant_id}).first()


def _show_only(page, email: str) -> None:
    search = page.locator("input[aria-label='Search']")
    search.fill(email)
    rerun_after(page, lambda: search.press("Enter"))
    page.get_by_text("1 of 400 participants shown").wait_for()


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_opens(app_server, page, path):
    open_page(page, f"{app_server.url}/{path}")
    assert page.locator("h1").first.inner_text().startswith(PAGES[path])
    assert no_exception(page)
    assert page.get_by_text("Local mode").count() == 1


@pytest.mark.parametrize("width", [1600, 390])  # the grid helper finds cells the same way on a phone
def test_edit_a_seat_in_the_grid_and_save(app_server, page, width):
    page.set_viewport_size({"width": width, "height": 1000})
    participant, email, name = _someone_unseated(app_server.database)
    table = _free_table(app_server.database)
    open_page(page, f"{app_server.url}/seating_editor")
    _show_only(page, email)
    edit_grid_cell(page, 0, name, "Table", str(table))
    page.get_by_text("Unsaved changes: 1").wait_for()
    click_and_wait(page, page.get_by_role("button", name="Save changes"))
    page.get_by_text("Saved 1 seating change(s).").wait_for()
    assert tuple(_assignment(app_server.database, participant)) == (table, "manager")
    assert no_exception(page)


def test_a_colleagues_conflicting_edit_is_reported_and_nothing_is_lost(app_server, page):
    database = app_server.database
    participant, email, name = _someone_unseated(database)
    table = _free_table(database)
    open_page(page, f"{app_server.url}/seating_editor")
    _show_only(page, email)   # the manager has the grid open ...

    # ... when the owner, another organiser, seats the same person (through the same save path).
    owner = database.owner_connection
    with owner() as conn:
        owner_id = conn.execute(text("SELECT id FROM organisers WHERE email = :e"), {"e": DEMO_OWNER_EMAIL}).scalar()
    with database.tenant_session(owner_id) as session:
        grid = load_seating_grid(session, DEMO_EVENT_ID)
        position = int(grid.frame.index[grid.frame["participant_id"] == participant][0])
        colleague = changes_from_editor(grid.frame, {"edited_rows": {position: {"table_number": table}}})
        assert save_changes(session, DEMO_EVENT_ID, colleague, grid).ok

    edit_grid_cell(page, 0, name, "Table", str(table + 1))
    click_and_wait(page, page.get_by_role("button", name="Save changes"))
    page.get_by_text("someone else changed these people").wait_for()
    conflict = page.locator("[data-testid='stDataFrame']").last
    conflict.wait_for(state="visible")  # raises after the timeout if the conflict table never shows
    assert tuple(_assignment(database, participant)) == (table, "manager")  # the colleague's seat is kept
    assert page.get_by_text("Unsaved changes: 1").count() == 1              # and the manager's edit too
    assert no_exception(page)


def _seating_by(database, assigned_by: str) -> int:
    with database.owner_connection() as conn:
        return conn.execute(text("SELECT count(*) FROM table_assignments WHERE event_id = :e AND assigned_by = :by"),
                            {"e": DEMO_EVENT_ID, "by": assigned_by}).scalar_one()


def _unseated_count(database) -> int:
    with database.owner_connection() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM participants AS p WHERE p.event_id = :e "
            "AND NOT EXISTS (SELECT FROM table_assignments AS a WHERE a.participant_id = p.id)"),
            {"e": DEMO_EVENT_ID}).scalar_one()


def test_auto_seat_preview_then_apply_seats_everyone(app_server, page):
    """Runs last in this module: it seats the whole demo event."""
    database = app_server.database
    assert _unseated_count(database) > 0
    manager_seats_before = _seating_by(database, "manager")
    open_page(page, f"{app_server.url}/auto_seat")
    click_and_wait(page, page.get_by_role("button", name="Preview", exact=True), timeout=120_000)
    page.get_by_role("button", name="Apply plan").wait_for()
    assert page.get_by_text("Rules checked on the plan").count() == 1
    click_and_wait(page, page.get_by_role("button", name="Apply plan"), timeout=120_000)
    page.get_by_text("Plan applied:").wait_for()
    assert _unseated_count(database) == 0
    assert _seating_by(database, "auto") > 0
    assert _seating_by(database, "manager") == manager_seats_before  # seats set by hand are pinned
    assert no_exception(page)
