"""The History page through AppTest (on its own demo database, since undo changes it), and what
every page shows when the database cannot be reached."""

from __future__ import annotations

from uuid import UUID

import pytest
import streamlit as st
from sqlalchemy import text
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from eventflow import seating
from eventflow.db import Database
from eventflow.demo import DEMO_EVENT_ID, DEMO_OWNER_EMAIL, DEMO_VIEWER_EMAIL, demo_id
from eventflow.history import begin_change_set, recent_change_sets
from eventflow.ui import UNREACHABLE_MESSAGE

PAGE = "pages/history.py"
OWNER = demo_id(f"organiser:{DEMO_OWNER_EMAIL}")


@pytest.fixture
def open_page(open_app):
    """An AppTest factory: the given database, the organiser with the given e-mail (local mode)."""
    def open_as(database: Database, email: str, page: str = PAGE) -> AppTest:
        return open_app(database, email, page, timeout=60)

    return open_as


def _seats(database: Database) -> dict[str, tuple]:
    with database.owner_connection() as conn:
        return {str(r.participant_id): (r.table_number, r.seat_number) for r in conn.execute(
            text("SELECT participant_id, table_number, seat_number FROM table_assignments WHERE event_id = :e"),
            {"e": DEMO_EVENT_ID})}


def _history_rows(database: Database) -> int:
    with database.owner_connection() as conn:
        return conn.execute(text("SELECT count(*) FROM assignment_history WHERE event_id = :e"),
                            {"e": DEMO_EVENT_ID}).scalar_one()


def _move_two_people(database: Database) -> UUID:
    """A real grid save as the demo owner: two seated people moved to a table with room, seat left open."""
    with database.tenant_session(OWNER) as session:
        grid = seating.load_seating_grid(session, DEMO_EVENT_ID)
        fill = seating.table_fill(grid)
        target = int(fill.loc[(fill["free"] >= 2) & ~fill["vip"], "table"].iloc[0])
        frame = grid.frame
        movable = frame.index[frame["table_number"].notna() & (frame["table_number"] != target)
                              & ~frame["is_vip"]][:2]
        edits = {"edited_rows": {int(i): {"table_number": target, "seat_number": None} for i in movable}}
        change_set = seating.changes_from_editor(frame, edits)
        result = seating.save_changes(session, DEMO_EVENT_ID, change_set, grid)
    assert result.ok and result.saved == 2, result
    return result.change_set_id


def _sql_change_set(database: Database, statement: str, params: dict) -> UUID:
    with database.tenant_session(OWNER) as session:
        change_set = begin_change_set(session, "save")
        session.execute(text(statement), {"e": DEMO_EVENT_ID, **params})
    return change_set


def _undo_through_page(open_page, database: Database, change_set: UUID) -> AppTest:
    at = open_page(database, DEMO_OWNER_EMAIL)
    assert not at.exception, [e.value for e in at.exception]
    # AppTest knows a select box only by the labels shown: pick it by its place in the same list.
    with database.tenant_session(OWNER) as session:
        listed = list(recent_change_sets(session, DEMO_EVENT_ID).change_set_id)
    at.selectbox(key="history_change_set").select_index(listed.index(change_set)).run()
    at.button(key="undo_change_set").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_history_renders_for_the_owner_with_the_latest_save(open_page, own_demo_database):
    change_set = _move_two_people(own_demo_database)
    at = open_page(own_demo_database, DEMO_OWNER_EMAIL)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "History"
    picker = at.selectbox(key="history_change_set")
    assert picker.index == 0 and picker.options[0].endswith(f"ref {str(change_set)[:8]}")  # newest first
    shown = at.dataframe[0].value
    assert shown.iloc[0]["kind"] == "save" and shown.iloc[0]["people"] == 2
    assert shown.iloc[0]["organiser"] == "Morgan Reyes"
    assert len(at.dataframe[1].value) == 2  # the expanded change set: one row per person moved
    assert [b.label for b in at.button if b.key == "undo_change_set"] == ["Undo this change set"]


def test_viewer_sees_the_history_without_an_undo_button(open_page, own_demo_database):
    _move_two_people(own_demo_database)
    at = open_page(own_demo_database, DEMO_VIEWER_EMAIL)
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="history_change_set").options, "the viewer sees change sets"
    assert not [b for b in at.button if b.key == "undo_change_set"]
    assert any("needs a manager or owner" in c.value for c in at.caption)


def _touching(database: Database, where: str, params: dict) -> int:
    with database.owner_connection() as conn:
        return conn.execute(text(f"SELECT count(DISTINCT change_set_id) FROM assignment_history "
                                 f"WHERE event_id = :e AND {where}"), {"e": DEMO_EVENT_ID, **params}).scalar_one()


def test_filter_by_participant_and_table(open_page, own_demo_database):
    change_set = _move_two_people(own_demo_database)
    with own_demo_database.owner_connection() as conn:
        moved = conn.execute(text("SELECT h.participant_id::text, p.full_name, h.new_table_number "
                                  "FROM assignment_history h JOIN participants p ON p.id = h.participant_id "
                                  "WHERE h.change_set_id = :c ORDER BY h.id"), {"c": change_set}).first()
    at = open_page(own_demo_database, DEMO_OWNER_EMAIL)
    everyone = len(at.dataframe[0].value)
    at.selectbox(key="history_person").set_value(moved.participant_id).run()
    assert not at.exception, [e.value for e in at.exception]
    listed = at.dataframe[0].value
    assert len(listed) == _touching(own_demo_database, "participant_id = :p", {"p": moved.participant_id})
    assert len(listed) < everyone
    assert all(moved.full_name in who for who in listed["who"])

    at.selectbox(key="history_person").set_value(None).run()
    at.selectbox(key="history_table").set_value(moved.new_table_number).run()
    listed = at.dataframe[0].value
    assert len(listed) == _touching(own_demo_database, ":t IN (old_table_number, new_table_number)",
                                    {"t": moved.new_table_number})
    assert listed.iloc[0]["kind"] == "save"


def test_undo_through_the_page_restores_the_seats_and_confirms_after_the_rerun(open_page, own_demo_database):
    before = _seats(own_demo_database)
    change_set = _move_two_people(own_demo_database)
    assert _seats(own_demo_database) != before
    at = _undo_through_page(open_page, own_demo_database, change_set)
    assert _seats(own_demo_database) == before
    assert not at.error, [e.value for e in at.error]
    # The undo is itself the newest change set, and of kind "undo".
    assert at.dataframe[0].value.iloc[0]["kind"] == "undo"
    # The confirmation is shown by app.py on the next run (AppTest's switch_page runs a page without
    # app.py, so go through app.py as the browser would after st.rerun()).
    at.switch_page("app.py").run()
    assert any("Undone: 2 people are back" in s.value for s in at.success), [s.value for s in at.success]


def test_undo_refused_when_someone_moved_since_writes_nothing(open_page, own_demo_database):
    change_set = _move_two_people(own_demo_database)
    with own_demo_database.owner_connection() as conn:
        person = conn.execute(text("SELECT participant_id FROM assignment_history WHERE change_set_id = :c "
                                   "ORDER BY id LIMIT 1"), {"c": change_set}).scalar_one()
    _sql_change_set(own_demo_database, "DELETE FROM table_assignments WHERE event_id = :e AND participant_id = :p",
                    {"p": person})
    seats, history_rows = _seats(own_demo_database), _history_rows(own_demo_database)
    at = _undo_through_page(open_page, own_demo_database, change_set)
    assert any("Nothing was undone" in e.value and "has been moved since" in e.value for e in at.error), \
        [e.value for e in at.error]
    assert not at.success
    assert (_seats(own_demo_database), _history_rows(own_demo_database)) == (seats, history_rows)


def test_undo_hitting_a_full_table_at_commit_is_a_message_not_a_trace(open_page, own_demo_database):
    # A one-chair table: someone sits there, is unseated (the change set to undo), and then the
    # chair is taken by someone else. Undoing would put two people on one chair.
    with own_demo_database.owner_connection() as conn:
        first, second = conn.execute(text(
            "SELECT p.id FROM participants p LEFT JOIN table_assignments a ON a.participant_id = p.id "
            "WHERE p.event_id = :e AND a.id IS NULL AND NOT p.is_vip ORDER BY p.id LIMIT 2"),
            {"e": DEMO_EVENT_ID}).scalars().all()
    _sql_change_set(own_demo_database, "INSERT INTO seating_tables (event_id, table_number, capacity) "
                    "VALUES (:e, 901, 1)", {})
    _sql_change_set(own_demo_database, "INSERT INTO table_assignments (event_id, participant_id, table_number, "
                    "assigned_by) VALUES (:e, :p, 901, 'manager')", {"p": first})
    unseat = _sql_change_set(own_demo_database, "DELETE FROM table_assignments WHERE event_id = :e AND "
                             "participant_id = :p", {"p": first})
    _sql_change_set(own_demo_database, "INSERT INTO table_assignments (event_id, participant_id, table_number, "
                    "assigned_by) VALUES (:e, :p, 901, 'manager')", {"p": second})
    seats, history_rows = _seats(own_demo_database), _history_rows(own_demo_database)
    at = _undo_through_page(open_page, own_demo_database, unseat)
    assert any(e.value.startswith("Nothing was undone") and "Table 901 is now full (1 person for 1 seat" in e.value
               and "Reloading will not change this" in e.value for e in at.error), [e.value for e in at.error]
    assert not [b for b in at.button if b.key == "undo_the_rest"], "nobody else to put back"
    assert (_seats(own_demo_database), _history_rows(own_demo_database)) == (seats, history_rows)


def test_undo_blocked_by_a_walk_in_names_them_and_undoes_the_rest(open_page, own_demo_database):
    with own_demo_database.owner_connection() as conn:
        (first, t1, s1), (second, t2, s2) = conn.execute(text(
            "SELECT a.participant_id, a.table_number, a.seat_number FROM table_assignments a "
            "JOIN participants p ON p.id = a.participant_id WHERE a.event_id = :e AND a.seat_number IS NOT NULL "
            "AND NOT p.is_vip AND NOT a.is_vip_table ORDER BY a.table_number, a.seat_number LIMIT 2"),
            {"e": DEMO_EVENT_ID}).all()
        walk_in, walk_in_name = conn.execute(text(
            "SELECT p.id, p.full_name FROM participants p LEFT JOIN table_assignments a ON a.participant_id = p.id "
            "WHERE p.event_id = :e AND a.id IS NULL AND NOT p.is_vip ORDER BY p.id LIMIT 1"),
            {"e": DEMO_EVENT_ID}).one()
    _sql_change_set(own_demo_database, "INSERT INTO seating_tables (event_id, table_number, capacity) "
                    "VALUES (:e, 902, 4)", {})
    moved = _sql_change_set(own_demo_database, "UPDATE table_assignments SET table_number = 902, seat_number = NULL "
                            "WHERE event_id = :e AND participant_id IN (:a, :b)", {"a": first, "b": second})
    _sql_change_set(own_demo_database, "INSERT INTO table_assignments (event_id, participant_id, table_number, "
                    "seat_number, assigned_by) VALUES (:e, :p, :t, :s, 'ai')", {"p": walk_in, "t": t1, "s": s1})
    at = _undo_through_page(open_page, own_demo_database, moved)
    refusal = next(e.value for e in at.error if e.value.startswith("Nothing was undone"))
    assert f"Seat {s1} at table {t1} now belongs to {walk_in_name} (seated as a walk-in" in refusal
    assert "Reloading will not change this" in refusal and "Reload to" not in refusal
    rest = at.button(key="undo_the_rest")
    assert rest.label == "Undo the rest: put back the other 1, leave 1 where they are now"
    rest.click().run()
    assert not at.exception, [e.value for e in at.exception]
    seats = _seats(own_demo_database)
    assert seats[str(second)] == (t2, s2) and seats[str(first)] == (902, None) and seats[str(walk_in)] == (t1, s1)


# ------------------------------------------------------------------------- the database unreachable

def _unreachable_copy(database: Database) -> Database:
    """The same database, but the dashboard's connection points at a socket folder that does not exist."""
    app_url = make_url(database.app_url.render_as_string(hide_password=False)).set(
        host=None, port=None, query={"host": "/nonexistent/eventflow-socket-dir", "connect_timeout": "2"})
    return Database(database.owner_url, app_url)


def test_an_unreachable_database_is_a_clear_message(open_page, own_demo_database, as_default_database):
    unreachable = _unreachable_copy(own_demo_database)
    try:
        at = open_page(unreachable, DEMO_OWNER_EMAIL, page=None)  # on opening the dashboard
        assert not at.exception, [e.value for e in at.exception]
        assert [e.value for e in at.error] == [UNREACHABLE_MESSAGE]
        assert not at.title

        at = open_page(own_demo_database, DEMO_OWNER_EMAIL)  # and while a page is open
        assert at.title[0].value == "History"
        as_default_database(unreachable)
        st.cache_data.clear()
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert [e.value for e in at.error] == [UNREACHABLE_MESSAGE]
    finally:
        unreachable.dispose()


def test_pages_work_again_after_the_database_dropped_every_connection(open_page, own_demo_database):
    at = open_page(own_demo_database, DEMO_OWNER_EMAIL)
    assert not at.exception
    with own_demo_database.owner_connection() as conn:  # what a server restart does to the pool
        dropped = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                    "WHERE usename = 'eventflow_app' AND datname = current_database()")).scalar()
    assert dropped >= 1
    st.cache_data.clear()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "History" and not at.error


def _layout_frame(at: AppTest):
    found = [d.value for d in at.dataframe if "what" in d.value.columns]
    assert len(found) == 1, "one table of layout changes"
    return found[0]


def test_layout_changes_show_beside_the_seating_changes_and_follow_the_table_filter(open_page, own_demo_database):
    from eventflow import floor_plan

    with own_demo_database.tenant_session(OWNER) as session:
        plan = floor_plan.load_floor_plan(session, DEMO_EVENT_ID)
    table = next(t for t in plan.tables if t.version is not None)
    assert own_demo_database.run_transaction(OWNER, lambda s: floor_plan.move_table(
        s, DEMO_EVENT_ID, table.number, table.x + 2, table.y, table.version)).ok
    at = open_page(own_demo_database, DEMO_OWNER_EMAIL)
    assert not at.exception, [e.value for e in at.exception]
    assert [t.label for t in at.tabs] == ["Seating changes", "Room layout changes"]
    moves = _layout_frame(at)
    newest = moves.iloc[0]
    assert newest["what"] == (f"Table {table.number} moved from {table.x:g} m, {table.y:g} m "
                              f"to {table.x + 2:g} m, {table.y:g} m")
    assert newest["organiser"] == "Morgan Reyes" and newest["kind"] == "Layout"
    assert newest["when"].endswith(")")  # in the event's time zone, named
    assert any("undo your own layout changes" in c.value for c in at.caption)

    at.selectbox(key="history_table").set_value(table.number).run()
    assert not at.exception, [e.value for e in at.exception]
    assert all(f"Table {table.number} " in what for what in _layout_frame(at)["what"])
