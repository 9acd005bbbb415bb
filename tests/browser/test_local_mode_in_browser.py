"""Local mode on a real ``streamlit run --server.address 0.0.0.0``: refused, on the page and in the
terminal, and nothing of the organiser's is shown (issue 9, item 1)."""

from __future__ import annotations

import pytest

from eventflow.demo import DEMO_OWNER_EMAIL
from eventflow.serve import start_app, stop_app
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import no_exception, open_page

pytestmark = pytest.mark.browser


def test_local_mode_served_on_every_interface_is_refused(browser_database, page) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "streamlit-every-interface.log"
    app = start_app(browser_database, DEMO_OWNER_EMAIL, log, address="0.0.0.0")
    try:
        open_page(page, app.url)
        body = page.locator("[data-testid='stMain']").inner_text()
        assert "Local mode is refused" in body and "0.0.0.0" in body
        assert no_exception(page)
        # Nothing of the demo owner's: no organisation picker, no event.
        sidebar = page.locator("[data-testid='stSidebar']").inner_text()
        assert "Organisation" not in sidebar and "Demo Events" not in sidebar
        assert "EventFlow Summit" not in body
        page.screenshot(path=str(ARTIFACTS / "local-mode-refused.png"), full_page=True)
    finally:
        stop_app(app)
    assert "Local mode is refused" in log.read_text()  # the terminal of whoever started it
