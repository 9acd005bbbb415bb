"""The seating editor page (issue 13): what an interaction costs, counted rather than timed — the
statements it sends, the rows it sends to the browser — and the shared snapshot behind it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text
from streamlit.testing.v1 import AppTest

from eventflow import seating, shared_cache
from eventflow.demo import DEMO_EVENT_ID, DEMO_MANAGER_EMAIL, DEMO_OWNER_EMAIL, OTHER_OWNER_EMAIL

PAGE = "pages/seating_editor.py"
GRID_QUERY_MARK = "LEFT JOIN participant_track_names"  # the snapshot's own query


@contextmanager
def statements(database) -> Iterator[list[str]]:
    sent: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    event.listen(database.app_engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(database.app_engine, "before_cursor_execute", keep)


def frames_sent(at: AppTest) -> list[int]:
    """Rows of every table element of the last run: the grid, the side panel, change lists."""
    return [len(frame.value) for frame in at.dataframe]


@pytest.fixture
def editor(own_demo_database, open_app):
    shared_cache.CACHE.clear()

    def open_as(email: str = DEMO_MANAGER_EMAIL) -> AppTest:
        at = open_app(own_demo_database, email, PAGE, timeout=60)
        assert not at.exception, [e.value for e in at.exception]
        return at

    yield open_as
    shared_cache.CACHE.clear()


def test_the_browser_gets_one_page_of_rows(editor) -> None:
    at = editor()  # 400 participants
    grid, side = frames_sent(at)[:2]
    assert grid == seating.PAGE_SIZE and side <= seating.PAGE_SIZE
    assert any("400 of 400 participants shown" in c.value and "page 1 of 4" in c.value for c in at.caption)
    at.number_input(key="seat_page").set_value(4).run()
    assert frames_sent(at)[0] == 400 - 3 * seating.PAGE_SIZE
    at.text_input(key="seat_search").set_value("a").run()  # a new search starts on its first page
    assert frames_sent(at)[0] <= seating.PAGE_SIZE
    assert any("page 1 of" in c.value for c in at.caption)


def test_an_interaction_sends_a_few_statements_whatever_the_event(editor, own_demo_database) -> None:
    counts = {}
    for email in (DEMO_OWNER_EMAIL, OTHER_OWNER_EMAIL):  # 400 and 60 participants
        at = editor(email)
        with statements(own_demo_database) as sent:
            at.toggle(key="seat_unseated").set_value(True).run()
        assert not at.exception
        assert not [s for s in sent if GRID_QUERY_MARK in s], "a filter change reloaded the grid"
        counts[email] = len(sent)
    assert counts[DEMO_OWNER_EMAIL] == counts[OTHER_OWNER_EMAIL]
    assert counts[DEMO_OWNER_EMAIL] <= 4, counts  # the organiser's scope and the event's marker


def test_colleagues_share_the_snapshot_and_see_a_save_at_once(editor, own_demo_database) -> None:
    first = editor(DEMO_MANAGER_EMAIL)
    with statements(own_demo_database) as sent:
        second = editor(DEMO_MANAGER_EMAIL)  # a colleague, in a session of their own
    assert not [s for s in sent if GRID_QUERY_MARK in s], "the second organiser read the grid again"

    with own_demo_database.owner_connection() as conn:
        person = conn.execute(text(
            "SELECT p.id FROM participants AS p WHERE p.event_id = :e AND NOT EXISTS "
            "(SELECT FROM table_assignments AS a WHERE a.participant_id = p.id) ORDER BY p.id LIMIT 1"),
            {"e": DEMO_EVENT_ID}).scalar_one()
        conn.execute(text("UPDATE participants SET full_name = 'Zelda Renamed-By-Colleague' WHERE id = :p"),
                     {"p": person})
    # No read-cache timer to wait for: the event's marker moved, the next run reads afresh.
    second.text_input(key="seat_search").set_value("Renamed-By-Colleague").run()
    assert any(c.value.startswith("1 of 400 participants shown") for c in second.caption)
    first.text_input(key="seat_search").set_value("Renamed-By-Colleague").run()
    assert any(c.value.startswith("1 of 400 participants shown") for c in first.caption)
