"""Steps the browser tests share: waiting for Streamlit, finding and editing grid cells."""

from __future__ import annotations

import re

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect


def wait_idle(page) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_selector("[data-test-script-state='notRunning']", state="attached")
    page.wait_for_function(
        "() => document.querySelector(\"[data-test-script-state='notRunning']\") !== null"
        " && document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0")


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("h1")
    wait_idle(page)


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
    page.keyboard.press("Enter")
    expect(grid_cell(page, grid_index, row, column)).to_have_text(value, timeout=30_000)
    wait_idle(page)


def search_participants(page, value: str) -> None:
    """Type ``value`` into the Participants search until the list shows one person (a rerun still
    drawing the page may drop a first try)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.locator("input[aria-label='Search']")
    for attempt in range(3):
        wait_idle(page)
        box.fill(value)
        box.press("Enter")
        try:
            page.get_by_text("1 of ").first.wait_for(timeout=15_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    wait_idle(page)


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
            page.keyboard.press("Shift+Space")
            page.get_by_text(ticked).first.wait_for(timeout=15_000)
            break
        except (PlaywrightTimeout, AssertionError):
            if attempt == 2:
                raise
    wait_idle(page)


def invite_colleague(page, email: str) -> None:
    """On the Members page (already open): invite ``email`` as a manager and wait for the
    confirmation. The address is shown lower-cased, and as text: an invisible word joiner keeps it
    from becoming a link, hence the ``\\W*`` before the ``@``."""
    page.get_by_role("textbox", name="E-mail address").fill(email)
    page.get_by_role("button", name="Send invitation").click()
    user, _, domain = email.lower().partition("@")
    page.get_by_text(re.compile(rf"Invited {re.escape(user)}\W*@{re.escape(domain)} as manager")).wait_for()
    wait_idle(page)
