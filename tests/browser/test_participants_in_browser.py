"""Participants in a real browser on a tablet (820 px) and a phone (390 px): a selection names
people, so a new search never turns the person ticked into the person shown (issue 11)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from eventflow.demo import DEMO_EVENT_ID
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import click_and_wait, no_exception, open_page, search_participants, tick_row

pytestmark = pytest.mark.browser


def _rename_two(database, first: str, second: str, skip: int) -> tuple[str, str]:
    """Two demo guests, not checked in, renamed ``first`` and ``second``: their ids."""
    with database.owner_connection() as conn:
        ids = conn.execute(text("SELECT id::text FROM participants WHERE event_id = :e ORDER BY id OFFSET :skip "
                                "LIMIT 2"), {"e": DEMO_EVENT_ID, "skip": skip}).scalars().all()
        for pid, name in zip(ids, (first, second), strict=True):
            conn.execute(text("UPDATE participants SET full_name = :n, checked_in_at = NULL WHERE id = :p"),
                         {"n": name, "p": pid})
    return ids[0], ids[1]


def _checked_in(database, participant_id: str) -> bool:
    with database.owner_connection() as conn:
        return conn.execute(text("SELECT checked_in_at IS NOT NULL FROM participants WHERE id = :p"),
                            {"p": participant_id}).scalar_one()


@pytest.fixture(scope="module")
def renamed(app_server) -> dict[int, tuple[str, str, str, str]]:
    """Per width: Lars's and Ingrid's names and ids, renamed before any page of this module reads
    the list (the dashboard caches reads for a few seconds)."""
    found = {}
    for width, skip in ((390, 40), (820, 50)):
        suffix = "Ph" if width == 390 else "Tb"
        lars, ingrid = f"Lars Johansson{suffix}", f"Ingrid Bergström{suffix}"
        found[width] = (lars, ingrid, *_rename_two(app_server.database, lars, ingrid, skip))
    return found


@pytest.mark.parametrize("width", [390, 820])
def test_a_selection_names_the_person_not_the_row(app_server, chromium, renamed, width):
    database = app_server.database
    lars, ingrid, lars_id, ingrid_id = renamed[width]
    context = chromium.new_context(viewport={"width": width, "height": 1000 if width == 390 else 1180},
                                   is_mobile=width == 390, has_touch=width == 390)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        open_page(page, f"{app_server.url}/participants")
        search_participants(page, lars)
        tick_row(page, 0, lars, "Change 1 selected")
        search_participants(page, ingrid)
        page.get_by_text("(1 not in the current search)").wait_for()
        page.screenshot(path=str(ARTIFACTS / f"participants-selection-{width}.png"), full_page=True)
        # Still Lars, named as such, though the only row on screen is Ingrid.
        assert page.get_by_text("Change 1 selected").count() == 1
        named = page.get_by_text("(1 not in the current search)")
        assert named.count() == 1 and ingrid not in named.inner_text() and lars in named.inner_text()
        click_and_wait(page, page.get_by_role("button", name="Check in", exact=True))
        page.get_by_text("Check in: 1 of 1 changed.").wait_for()
        assert _checked_in(database, lars_id) and not _checked_in(database, ingrid_id)
        # Ticking Ingrid too now selects both people.
        tick_row(page, 0, ingrid, "Change 2 selected")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert no_exception(page)
        page.screenshot(path=str(ARTIFACTS / f"participants-selection-both-{width}.png"), full_page=True)
    finally:
        page.screenshot(path=str(ARTIFACTS / f"participants-selection-last-{width}.png"), full_page=True)
        context.close()
