"""A freshly started server opens the page in the address bar, as far as the organiser's role
allows (issue 9, item 10): Streamlit runs the very first session of a new server without app.py,
and app.py then resumes to that page."""

from __future__ import annotations

import pytest

from eventflow.demo import DEMO_VIEWER_EMAIL
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
