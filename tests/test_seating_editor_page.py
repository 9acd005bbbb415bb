"""The seating editor page (issue 13): what an interaction costs, counted rather than timed — the
statements it sends, the rows it sends to the browser — and the shared snapshot behind it; and
(AppTest, own demo database) a move to a table takes a free seat, a swap is one action."""

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
    # Only the columns shown travel: the hidden ones (ids, versions, seats as loaded) stay on the server.
    assert list(at.dataframe[0].value.columns) == list(seating.DISPLAY_COLUMNS)
    # The demo has people without a company and unseated people without "assigned by": their
    # cells are empty, not a grey "None".
    shown = at.dataframe[0].value
    for column in ("company", "needs", "assigned_by"):
        assert not shown[column].isna().any(), column
    assert (shown["company"] == "").any()
    assert list(at.dataframe[1].value.columns) == ["table", "full", "capacity", "free", "vip"]
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


def _first_page(database) -> list[str]:
    with database.owner_connection() as conn:
        return list(conn.execute(text("SELECT id::text FROM participants WHERE event_id = :e "
                                      "ORDER BY lower(full_name), id LIMIT :n"),
                                 {"e": DEMO_EVENT_ID, "n": seating.PAGE_SIZE}).scalars())


def _seats(database) -> dict[str, tuple[int, int | None]]:
    with database.owner_connection() as conn:
        rows = conn.execute(text("SELECT participant_id::text, table_number, seat_number FROM table_assignments "
                                 "WHERE event_id = :e"), {"e": DEMO_EVENT_ID}).all()
    return {row[0]: (row[1], row[2]) for row in rows}


def test_move_by_table_takes_the_offered_free_seat_and_a_swap_is_one_action(own_demo_database, open_app):
    before = _seats(own_demo_database)
    at = open_app(own_demo_database, DEMO_MANAGER_EMAIL, PAGE)
    assert not at.exception, [e.value for e in at.exception]
    person = at.selectbox(key="quick_person")
    first_page = _first_page(own_demo_database)  # the people the page offers: its first 100 rows
    pid = next(p for p in first_page if p in before and before[p][1] is not None)
    fill = {}
    with own_demo_database.owner_connection() as conn:
        # Ordinary accessible tables: whoever is moved may sit there (no VIP or accessibility rule).
        for number, capacity in conn.execute(text("SELECT table_number, capacity FROM seating_tables "
                                                  "WHERE event_id = :e AND NOT is_vip_table ORDER BY NOT accessible, 1"),
                                             {"e": DEMO_EVENT_ID}):
            fill[number] = capacity
    taken = {}
    for table, seat in before.values():
        if seat is not None:
            taken.setdefault(table, set()).add(seat)
    target = next(n for n, cap in fill.items() if n != before[pid][0] and len(taken.get(n, ())) < cap)
    first_free = min(set(range(1, fill[target] + 1)) - taken.get(target, set()))
    person.set_value(pid).run()
    at.selectbox(key="quick_table").set_value(target).run()
    seat_box = at.selectbox(key=f"quick_seat:{target}")
    assert seat_box.options[0] == f"Next free seat ({first_free})"
    at.button(key="quick_move").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    after = _seats(own_demo_database)
    assert after[pid] == (target, first_free)

    # Swap two seated people at different tables: both saved, each on the other's seat.
    a = pid
    b = next(p for p in first_page if p in after and after[p][0] not in (target, None) and after[p][1] is not None)
    at.selectbox(key="quick_person").set_value(a).run()
    at.selectbox(key="quick_other").set_value(b).run()
    at.button(key="quick_swap").click().run()
    assert not at.exception, [e.value for e in at.exception]
    swapped = _seats(own_demo_database)
    assert swapped[a] == after[b] and swapped[b] == after[a]
