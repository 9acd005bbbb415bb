"""Steps the browser tests share: waiting for Streamlit, finding and editing grid cells."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

T = TypeVar("T")

# Counts, in the page, the script runs the server reports finished, so a test can wait for the run
# an action caused. ``data-test-script-state`` alone cannot tell: right after a click the frontend
# has not yet heard that a rerun began, and the attribute still reads "notRunning" from the last
# run (and React may even fold "running" and "notRunning" into one render when both messages
# arrive together on a busy machine, so counting "running" would miss runs too).
#
# Every websocket frame is a ForwardMsg (protobuf); ``script_finished`` is its field 6, an enum
# (0 finished, 1 compile error, 2 stopped early for a rerun, 3 a fragment's run finished). The
# count goes up once the browser has nothing left to do after the frame (an idle callback), i.e.
# once Streamlit has handled it and React has drawn the result.
RERUN_COUNTER = """(() => {
  if (window.__eventflow) return;
  const state = window.__eventflow = {finished: 0, lastStatus: -1, received: 0, running: 0, statuses: []};
  function varint(bytes, at) {
    let value = 0, shift = 0, byte;
    do { byte = bytes[at++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    return [value, at];
  }
  function scriptFinished(bytes) {  // the status, or -1 for any other message
    let at = 0;
    while (at < bytes.length) {
      let tag; [tag, at] = varint(bytes, at);
      const field = Math.floor(tag / 8), wire = tag & 7;
      if (field === 6 && wire === 0) return varint(bytes, at)[0];
      if (wire === 0) at = varint(bytes, at)[1];
      else if (wire === 1) at += 8;
      else if (wire === 5) at += 4;
      else if (wire === 2) { let length; [length, at] = varint(bytes, at); at += length; }
      else return -1;
    }
    return -1;
  }
  const settle = (status) => {
    const done = () => { state.finished += 1; state.lastStatus = status; state.statuses = [...state.statuses.slice(-19), status]; };
    if (window.requestIdleCallback) window.requestIdleCallback(done, {timeout: 2000}); else setTimeout(done, 50);
  };
  const Native = window.WebSocket;
  const delay = __SLOW_SOCKET_MS__;
  class CountingWebSocket extends Native {
    constructor(...args) {
      super(...args);
      if (delay > 0) {  // a slow server, to bring races out: every listener hears each message late, in order
        const listen = this.addEventListener.bind(this);
        this.addEventListener = (type, listener, ...rest) => listen(type, type !== "message" ? listener
          : (event) => setTimeout(() => listener.call(this, event), delay), ...rest);
      }
      this.addEventListener("message", (event) => {
        if (!(event.data instanceof ArrayBuffer)) return;
        const status = scriptFinished(new Uint8Array(event.data));
        if (status >= 0) { state.received += 1; settle(status); }
      });
    }
  }
  window.WebSocket = CountingWebSocket;
  // For the record (and the failure message): how often the page was seen running.
  new MutationObserver((records) => {
    for (const record of records)
      if (record.target.getAttribute("data-test-script-state") === "running" && record.oldValue !== "running")
        state.running += 1;
  }).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                        attributeFilter: ["data-test-script-state"]});
})();"""

_IDLE = ("document.querySelector(\"[data-test-script-state='notRunning']\") !== null"
         " && document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0")


def install_rerun_counter(context) -> None:
    """Count script runs in every page of this browser context (see :func:`rerun_after`).

    ``EVENTFLOW_BROWSER_SLOW_SOCKET_MS=300`` makes the pages hear every websocket message that much
    later, as from a loaded server: races between an action and its rerun then show on any machine
    (``wait_idle`` after a click fails at once). The suite must pass with it."""
    delay = int(os.environ.get("EVENTFLOW_BROWSER_SLOW_SOCKET_MS", "0"))
    context.add_init_script(RERUN_COUNTER.replace("__SLOW_SOCKET_MS__", str(delay)))


def wait_idle(page) -> None:
    """Wait until Streamlit is idle: not running, no skeletons, and (in a page that counts runs,
    see :data:`RERUN_COUNTER`) at least one run finished and drawn, the last not cut short for a
    rerun (``st.rerun()``, a first visit resuming its page: between the two runs the state reads
    "notRunning" for a moment).

    Right for a page that is loading. NOT after an action that reruns the script: that rerun may
    not have begun yet, and the page still looks idle from the run before. Use :func:`rerun_after`
    there, or wait for what the action shows."""
    page.wait_for_selector("[data-test-script-state='notRunning']", state="attached")
    page.wait_for_function(
        f"() => {_IDLE} && (!window.__eventflow || (window.__eventflow.finished >= 1"
        " && window.__eventflow.finished === window.__eventflow.received && window.__eventflow.lastStatus !== 2))")


def finished_runs(page) -> int:
    """How many script runs (whole or fragment) the page has heard of finishing so far (some may
    still be drawing: :func:`wait_for_runs_after` waits for one heard of after this count)."""
    count = page.evaluate("() => window.__eventflow ? window.__eventflow.received : null")
    if count is None:
        raise AssertionError("this page counts no script runs: make its browser context with the chromium "
                             "fixture's new_context, or call helpers.install_rerun_counter on it first")
    return count


def wait_for_runs_after(page, before: int, timeout: float | None = None) -> None:
    """Wait until a script run finished after ``before`` (a :func:`finished_runs` count) and
    Streamlit is idle: not running, no skeletons, every run heard of drawn, and the last run not
    cut short for another (``st.rerun()`` or a second widget change: the run that follows is the
    one to wait for)."""
    try:
        page.wait_for_function(
            "(before) => window.__eventflow.finished > before && window.__eventflow.lastStatus !== 2"
            f" && window.__eventflow.finished === window.__eventflow.received && {_IDLE}",
            arg=before, timeout=timeout)
    except PlaywrightTimeout as error:
        seen = page.evaluate("() => window.__eventflow")
        raise AssertionError(f"no script run finished after the action (runs seen before: {before}; "
                             f"now: {seen})") from error


def rerun_after(page, action: Callable[[], T], timeout: float | None = None) -> T:
    """Do ``action`` (a click, a key press, a filled box: anything that reruns the script) and wait
    for the rerun it causes to finish and be drawn; returns what ``action`` returned.

    For actions that rerun the script for sure. Where a rerun may or may not happen, wait for the
    element the action shows instead (``locator.wait_for``, ``expect``)."""
    wait_idle(page)
    before = finished_runs(page)
    result = action()
    wait_for_runs_after(page, before, timeout)
    return result


def click_and_wait(page, locator, timeout: float | None = None) -> None:
    """Click ``locator`` and wait for the script run the click causes (see :func:`rerun_after`)."""
    rerun_after(page, locator.click, timeout)


def open_page(page, url: str) -> None:
    """Load ``url`` and wait until its runs are done (a first visit takes two: see :func:`wait_idle`)."""
    page.goto(url)
    page.wait_for_selector("h1")
    wait_idle(page)


# A download whose file the server makes on the click (``st.download_button`` with a function): the
# place cards are a page per seated guest, ~6 s on a quiet machine, a minute and more on a loaded
# one. A bound on waiting, not a timing assertion.
DOWNLOAD_TIMEOUT_MS = 180_000


def download(page, button) -> bytes:
    """Click the download button ``button`` (a locator) and return the file's bytes; checks that the
    click did not rerun the script.

    The app's download buttons say ``on_click="ignore"``: by default a download reruns the page,
    and each run gives every download button whose file is made on the click a new file id and
    drops the old ones, so a second print-out clicked before that rerun was drawn sent the old id,
    the server answered "Deferred file ... not found" and the organiser got nothing (and the rerun
    folded the Print-outs expander)."""
    wait_idle(page)
    before = finished_runs(page)
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as started:
        button.click()
    data = Path(started.value.path()).read_bytes()
    wait_idle(page)
    assert finished_runs(page) == before, "the download reran the script (on_click='ignore' missing?)"
    return data


def no_exception(page) -> bool:
    return page.locator("[data-testid='stException']").count() == 0


def grid_cell(page, grid_index: int, row: int | str, column: str):
    """The cell of a data editor (``st.data_editor``/``st.dataframe``, a glide-data-grid canvas) in
    the row ``row`` (its position among the rows shown, from 0, or the exact text of one of its
    cells, e.g. a name) and the column headed ``column``.

    The canvas keeps an accessible table of the rows and columns in view (inside the canvas, built
    once the grid has focus): cells are found there by role and header, never by pixel offsets, so
    column widths, row heights, the window width and scrolling do not matter. A row outside the
    view is not in that table: filter the grid first."""
    grid = page.get_by_test_id("stDataFrame").nth(grid_index)
    grid.get_by_test_id("data-grid-canvas").focus()
    header = grid.get_by_role("columnheader", name=column, exact=True, include_hidden=True)
    if isinstance(row, int):
        found = grid.locator(f"tr[role='row'][aria-rowindex='{row + 2}']")  # 1 is the header row
    else:
        found = grid.get_by_role("row", include_hidden=True).filter(
            has=page.get_by_role("gridcell", name=row, exact=True, include_hidden=True))
    return found.locator(f"[role='gridcell'][aria-colindex='{header.get_attribute('aria-colindex')}']")


def grid_cell_in_view(page, grid_index: int, row: str, column: str):
    """:func:`grid_cell`, after bringing ``column`` into view: on a narrow screen the grid shows only
    its first columns, and its accessible table only those. The row's first cell is selected and the
    selection walks right with the arrow key, as an organiser with a keyboard does, until the column
    is drawn (the row must stay findable: its name column pinned)."""
    grid = page.get_by_test_id("stDataFrame").nth(grid_index)
    grid.get_by_test_id("data-grid-canvas").focus()
    header = grid.get_by_role("columnheader", name=column, exact=True, include_hidden=True)
    if not header.count():
        found = grid.get_by_role("row", include_hidden=True).filter(
            has=page.get_by_role("gridcell", name=row, exact=True, include_hidden=True))
        found.get_by_role("gridcell", include_hidden=True).first.focus()
        for step in range(20):
            page.keyboard.press("ArrowRight")
            try:
                header.wait_for(state="attached", timeout=2_000)
                break
            except PlaywrightTimeout:
                if step == 19:
                    raise
    return grid_cell(page, grid_index, row, column)


def edit_grid_cell(page, grid_index: int, row: int | str, column: str, value: str) -> None:
    """Put ``value`` into a data editor's cell (found as in :func:`grid_cell`) as an organiser does:
    select the cell, Enter opens its editor, the value goes in, Enter confirms.

    Every step waits for what it needs instead of a fixed pause: the cell to be selected, the
    editor to be open, and at the end the grid to show the value. A rerun that redraws the grid
    between selecting and typing (a busy machine) leaves no editor open; then the cell is selected
    again, once more at most.
    """
    for attempt in range(2):
        wait_idle(page)
        cell = grid_cell(page, grid_index, row, column)
        cell.focus()  # glide selects the cell that takes focus in its accessible table
        expect(cell).to_have_attribute("aria-selected", "true", timeout=30_000)
        page.keyboard.press("Enter")
        editor = page.locator(".gdg-input")
        try:
            editor.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            if attempt == 1:
                raise
    editor.fill(value)  # not key by key: a key pressed before the editor has focus would be lost
    # The grid shows the value at once; the rerun that sends the edit to the script comes after.
    rerun_after(page, lambda: page.keyboard.press("Enter"))
    expect(grid_cell(page, grid_index, row, column)).to_have_text(value, timeout=30_000)


def search_participants(page, value: str) -> None:
    """Type ``value`` into the Participants search and wait for the rerun it causes, which must
    show one person (``value`` must differ from the search shown, or nothing reruns)."""
    box = page.locator("input[aria-label='Search']")
    wait_idle(page)
    box.fill(value)
    rerun_after(page, lambda: box.press("Enter"))
    expect(box).to_have_value(value)
    page.get_by_text("1 of ").first.wait_for()


def tick_row(page, grid_index: int, name: str, ticked: str) -> None:
    """Tick the selection box of the row of a selectable ``st.dataframe`` whose cell reads ``name``
    (found as in :func:`grid_cell`), and wait until the page says ``ticked`` (e.g. "Change 1
    selected").

    Glide's accessible table has no cells for the row markers, so the box is ticked from the
    keyboard, as an organiser without a mouse does: the person's own cell is selected (it takes
    focus), and Shift+Space selects its row. A rerun that redraws the grid between the two steps
    loses the selection; then it is done again, twice more at most."""
    for attempt in range(3):
        wait_idle(page)
        try:
            cell = grid_cell(page, grid_index, name, "Name")
            cell.focus()
            expect(cell).to_have_attribute("aria-selected", "true", timeout=15_000)
            rerun_after(page, lambda: page.keyboard.press("Shift+Space"), timeout=15_000)
            page.get_by_text(ticked).first.wait_for(timeout=15_000)
            break
        except (PlaywrightTimeout, AssertionError):
            if attempt == 2:
                raise


def invite_colleague(page, email: str) -> None:
    """On the Members page (already open): invite ``email`` as a manager and wait for the
    confirmation. The address is shown lower-cased, and as text: an invisible word joiner keeps it
    from becoming a link, hence the ``\\W*`` before the ``@``."""
    page.get_by_role("textbox", name="E-mail address").fill(email)
    click_and_wait(page, page.get_by_role("button", name="Send invitation"))
    user, _, domain = email.lower().partition("@")
    page.get_by_text(re.compile(rf"Invited {re.escape(user)}\W*@{re.escape(domain)} as manager")).wait_for()
