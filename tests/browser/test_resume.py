"""A freshly started server opens the page in the address bar, as far as the organiser's role
allows (issue 9, item 10): Streamlit runs the very first session of a new server without app.py,
and app.py then resumes to that page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from eventflow.demo import DEMO_MANAGER_EMAIL, DEMO_ORGANIZATION_ID, DEMO_VIEWER_EMAIL, demo_id
from eventflow.events import create_event
from eventflow.serve import start_app, stop_app
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import no_exception, open_page

pytestmark = pytest.mark.browser


def test_a_viewer_opening_auto_seat_on_a_fresh_server_gets_a_message_not_a_traceback(browser_database, page):
    ARTIFACTS.mkdir(exist_ok=True)
    app = start_app(browser_database, DEMO_VIEWER_EMAIL, ARTIFACTS / "streamlit-fresh-viewer.log")
    try:
        open_page(page, f"{app.url}/auto_seat")  # the very first request this server gets
        page.get_by_text("Auto-seat needs a manager or owner").wait_for()
        shown = page.evaluate("() => document.body.innerText")
        assert no_exception(page)
        assert "Traceback" not in shown and "/pages/" not in shown and ".py" not in shown
        assert page.locator("h1").first.inner_text().startswith("EventFlow Summit 2026")  # the overview
        # The viewer's own pages still open as usual.
        open_page(page, f"{app.url}/history")
        assert no_exception(page) and page.locator("h1").first.inner_text() == "History"
    finally:
        stop_app(app)


def test_a_link_to_another_event_on_a_fresh_server_opens_that_event_on_that_page(pg_server, page):
    """A shared ``/floor_plan?event=<id>`` link, as the server's very first request: the resume
    through app.py keeps the query, so the linked event opens, not the organisation's default one."""
    ARTIFACTS.mkdir(exist_ok=True)
    with pg_server.demo() as database:
        with database.tenant_session(demo_id(f"organiser:{DEMO_MANAGER_EMAIL}")) as session:
            gala = create_event(session, DEMO_ORGANIZATION_ID, "Autumn Forum", date(2026, 11, 20))  # not the default: older than the Summit
        app = start_app(database, DEMO_MANAGER_EMAIL, ARTIFACTS / "streamlit-fresh-link.log")
        try:
            open_page(page, f"{app.url}/floor_plan?event={gala}")  # the very first request this server gets
            page.locator("h1", has_text="Floor plan").wait_for()
            assert no_exception(page)
            expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Event")).to_have_value(
                re.compile("^Autumn Forum"))
            assert "event=" in page.url and str(gala) in page.url  # the link stays shareable
        finally:
            stop_app(app)
