"""The check-in desk in a real browser on a phone (390 px) and a tablet (820 px): find a guest by an
accent-free search, check them in with one tap, no horizontal scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from eventflow.demo import DEMO_EVENT_ID
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import download, no_exception, open_page, rerun_after

pytestmark = pytest.mark.browser

RENAMED = {390: "Zoë Ångström-Müller", 820: "Łukasz Żółć-Jürgens"}
TYPED = {390: "zoe angstrom muller", 820: "LUKASZ ZOLC"}


def _seated_guest(database, name: str, skip: int) -> tuple[str, int, int]:
    """A seated, not yet checked-in demo guest, renamed ``name``: (id, table, seat)."""
    with database.owner_connection() as conn:
        row = conn.execute(text(
            """
            UPDATE participants AS p SET full_name = :name, checked_in_at = NULL
              FROM table_assignments AS a
             WHERE a.participant_id = p.id AND p.id = (
                   SELECT a2.participant_id FROM table_assignments AS a2
                    WHERE a2.event_id = :event AND a2.seat_number IS NOT NULL
                    ORDER BY a2.participant_id DESC OFFSET :skip LIMIT 1)
            RETURNING p.id::text, a.table_number, a.seat_number
            """), {"event": DEMO_EVENT_ID, "name": name, "skip": skip}).one()
    return row[0], row[1], row[2]


def _checked_in(database, participant_id: str) -> bool:
    with database.owner_connection() as conn:
        return conn.execute(text("SELECT checked_in_at IS NOT NULL FROM participants WHERE id = :p"),
                            {"p": participant_id}).scalar_one()


@pytest.mark.parametrize("width", [390, 820])
def test_check_in_by_an_accent_free_search(app_server, chromium, width):
    database = app_server.database
    pid, table, seat = _seated_guest(database, RENAMED[width], skip=0 if width == 390 else 1)
    context = chromium.new_context(viewport={"width": width, "height": 900 if width == 390 else 1180},
                                   is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        open_page(page, f"{app_server.url}/check_in")
        page.get_by_text("checked in", exact=False).first.wait_for()
        search = page.locator("input[aria-label='Find a guest']")
        rerun_after(page, lambda: search.fill(TYPED[width]))  # a live search: it reruns as the guest is typed
        card = page.locator(f".st-key-guest_{pid}")
        card.wait_for()
        assert card.get_by_text(RENAMED[width]).count() == 1
        assert card.get_by_text(f"Table {table}, seat {seat}").count() == 1
        page.screenshot(path=str(ARTIFACTS / f"check_in-found-{width}.png"), full_page=True)
        rerun_after(page, card.get_by_role("button", name="Check in").tap)
        page.get_by_text(f"{RENAMED[width]} is checked in. Table {table}, seat {seat}.").wait_for()
        assert _checked_in(database, pid)
        expect(page.locator(f".st-key-guest_{pid}").get_by_role("button", name="Check out")).to_have_count(1)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert no_exception(page)
        page.screenshot(path=str(ARTIFACTS / f"check_in-done-{width}.png"), full_page=True)
    finally:
        context.close()


def test_download_the_escort_list_and_place_cards_on_a_phone(app_server, chromium):
    import io

    from pypdf import PdfReader

    database = app_server.database
    _seated_guest(database, "Ingrid Bergström-Ø", skip=2)
    context = chromium.new_context(viewport={"width": 390, "height": 900}, is_mobile=True, has_touch=True,
                                   accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        open_page(page, f"{app_server.url}/check_in")
        page.get_by_text("Print-outs (PDF)").click()  # an expander: no rerun
        page.get_by_role("button", name="Find your table (escort list)").wait_for(state="visible")
        page.wait_for_timeout(500)  # the expander's opening animation, for the screenshot only
        page.screenshot(path=str(ARTIFACTS / "check_in-printouts-390.png"), full_page=True)
        texts = {}
        for button in ("Find your table (escort list)", "Place cards"):
            texts[button] = [p.extract_text() for p in PdfReader(io.BytesIO(
                download(page, page.get_by_role("button", name=button)))).pages]
        assert any("Ingrid Bergström-Ø" in t for t in texts["Find your table (escort list)"])
        assert "Find your table" in texts["Find your table (escort list)"][0]
        cards = texts["Place cards"]
        assert len(cards) > 100 and any("Ingrid Bergström-Ø" in t for t in cards)
        assert not any("VIP" in t for t in cards)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert no_exception(page)
    finally:
        context.close()
