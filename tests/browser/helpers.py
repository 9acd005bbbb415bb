"""Steps the browser tests share: waiting for Streamlit, finding and editing grid cells."""

from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROW_HEIGHT = 35  # st.data_editor's default row and header height, in CSS pixels


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


def edit_grid_cell(page, grid_index: int, row: int, column: int, value: str) -> None:
    """Type ``value`` into the cell at (row, column) of a data editor, both counted from 0.

    Clicks the row's first cell, then moves right with the keyboard (column widths vary, key
    presses do not), types — which opens the cell editor — and confirms with Enter. A rerun that
    redraws the grid between the click and the keys (a busy machine) loses the selection: then the
    cell editor does not open, and the whole gesture is tried again.
    """
    grid = page.locator("[data-testid='stDataFrame']").nth(grid_index)
    for attempt in range(4):
        wait_idle(page)
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 40, box["y"] + ROW_HEIGHT + ROW_HEIGHT * row + ROW_HEIGHT / 2)
        for _ in range(column):
            page.keyboard.press("ArrowRight")
        page.keyboard.type(value)
        try:
            page.wait_for_selector(".gdg-input", timeout=5_000)
            break
        except PlaywrightTimeout:
            if attempt == 3:
                raise
            page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    wait_idle(page)
