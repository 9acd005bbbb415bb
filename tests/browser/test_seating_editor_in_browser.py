"""The seating editor in Chromium: usable at 1400, 820 and 390 px without scrolling the page
sideways (issue 11), and a filter change reruns only the editor's fragment and sends one page of
rows over the websocket (issue 13)."""

from __future__ import annotations

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from eventflow.demo import DEMO_EVENT_ID
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import click_and_wait, no_exception, open_page

pytestmark = pytest.mark.browser

PAGE_WIDTH = "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"


@pytest.mark.parametrize("width", [1400, 820, 390])
def test_the_editor_fits_the_screen(app_server, chromium, width) -> None:
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        open_page(page, f"{app_server.url}/seating_editor?event={DEMO_EVENT_ID}")
        page.get_by_text("participants shown").first.wait_for()
        assert no_exception(page)
        # Nothing sticks out of the page: the grid scrolls inside itself, the rest wraps.
        assert page.evaluate(PAGE_WIDTH) <= width, f"the page scrolls sideways at {width} px"
        for label in ("Search", "Track", "Table"):
            box = page.get_by_label(label, exact=True).first.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, f"{label} is cut off at {width} px"
        for label in ("Unseated only", "VIP only"):
            box = page.get_by_text(label, exact=True).first.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, f"{label} is cut off at {width} px"
        grid = page.locator("[data-testid='stDataFrame']").first.bounding_box()
        assert grid and grid["x"] >= 0 and grid["x"] + grid["width"] <= width + 1
        save = page.get_by_role("button", name="Save changes").bounding_box()
        assert save and save["x"] + save["width"] <= width
        page.screenshot(path=str(ARTIFACTS / f"seating-editor-{width}px.png"), full_page=True)
    finally:
        context.close()


def _finished_runs(frames: list[bytes]) -> list[str]:
    """How each script run the server reported in these websocket frames ended."""
    ends = []
    for frame in frames:
        message = ForwardMsg.FromString(frame)
        if message.WhichOneof("type") == "script_finished":
            ends.append(ForwardMsg.ScriptFinishedStatus.Name(message.script_finished))
    return ends


def test_a_filter_change_reruns_the_fragment_and_sends_one_page(app_server, chromium) -> None:
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    received: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(
        payload if isinstance(payload, bytes) else payload.encode())))
    try:
        open_page(page, f"{app_server.url}/seating_editor?event={DEMO_EVENT_ID}")
        page.get_by_text("participants shown").first.wait_for()
        assert "FINISHED_SUCCESSFULLY" in _finished_runs(received)  # the page's own full run
        received.clear()
        # The count line reads "… of 400 participants shown" before the click too: wait for the rerun.
        click_and_wait(page, page.get_by_text("Unseated only"))
        page.get_by_text("of 400 participants shown").first.wait_for()
        assert _finished_runs(received) == ["FINISHED_FRAGMENT_RUN_SUCCESSFULLY"]
        assert 0 < sum(len(frame) for frame in received) < 300_000
        assert no_exception(page)
    finally:
        context.close()
