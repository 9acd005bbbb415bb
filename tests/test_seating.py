"""The seating grid: edits into change sets (pure), validation, and saving with optimistic concurrency."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest
from sqlalchemy import text

from eventflow import seating
from eventflow.seating import ChangeSet, changes_from_editor, load_seating_grid, save_changes, validate_changes


@pytest.fixture
def world(world):
    """These tests are about capacity, seats and concurrency: the fixture's VIP table 1 is open to
    everyone here. The placement rules have their own tests below (they reserve it again)."""
    _reserve_vip_tables(world.database, world.a, False)
    _reserve_vip_tables(world.database, world.b, False)
    return world


def _reserve_vip_tables(database, org, reserved: bool) -> None:
    with database.tenant_session(org.owner) as session:
        session.execute(text("UPDATE events SET settings = settings || jsonb_build_object('vip_tables_reserved', "
                             "CAST(:r AS boolean)) WHERE id = :e"), {"r": reserved, "e": org.event_id})


def _seat(database, org, index, table, seat=None, by="auto"):
    with database.tenant_session(org.owner) as session:
        session.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number, "
                             "assigned_by) VALUES (:e, :p, :t, :s, :by)"),
                        {"e": org.event_id, "p": org.participant_ids[index], "t": table, "s": seat, "by": by})


def _grid(database, org, who=None):
    with database.tenant_session(who or org.manager) as session:
        return load_seating_grid(session, org.event_id)


def _position(frame: pd.DataFrame, participant_id) -> int:
    return int(frame.index[frame["participant_id"] == str(participant_id)][0])


def _edit(grid, edits: dict) -> ChangeSet:
    """edits: {participant_id: {column: value}} -> editor state by position, as st.data_editor reports it."""
    state = {"edited_rows": {_position(grid.frame, pid): values for pid, values in edits.items()},
             "added_rows": [], "deleted_rows": []}
    return changes_from_editor(grid.frame, state)


def _assignments(database, org):
    with database.owner_connection() as conn:
        rows = conn.execute(text("SELECT participant_id, table_number, seat_number, assigned_by FROM table_assignments "
                                 "WHERE event_id = :e"), {"e": org.event_id}).all()
    return {row.participant_id: (row.table_number, row.seat_number, row.assigned_by) for row in rows}


# ------------------------------------------------------------------------------------- pure parts

def _frame(rows):
    base = []
    for pid, name, table, seat, version in rows:
        base.append({"participant_id": pid, "full_name": name, "table_number": table, "seat_number": seat,
                     "base_table": table, "base_seat": seat, "version": version,
                     "assignment_id": None if table is None else f"a-{pid}"})
    return pd.DataFrame(base).astype({"table_number": "Int64", "seat_number": "Int64", "base_table": "Int64",
                                      "base_seat": "Int64", "version": "Int64"})


SNAPSHOT = _frame([("p1", "Ada", 1, 1, 3), ("p2", "Ben", None, None, None), ("p3", "Cem", 2, None, 1)])


def test_edits_are_mapped_by_position_to_people():
    changes = changes_from_editor(SNAPSHOT, {"edited_rows": {1: {"table_number": 2, "seat_number": 4}}})
    assert [(c.participant_id, c.old, c.new, c.kind) for c in changes.changes] == [("p2", (None, None), (2, 4), "seat")]


def test_string_keys_and_numbers_as_text_are_accepted():
    changes = changes_from_editor(SNAPSHOT, {"edited_rows": {"0": {"table_number": "2", "seat_number": 5.0}}})
    found = [(c.participant_id, c.new, c.version, c.assignment_id) for c in changes.changes]
    assert found == [("p1", (2, 5), 3, "a-p1")]


def test_clearing_the_table_unseats_whatever_the_seat():
    changes = changes_from_editor(SNAPSHOT, {"edited_rows": {0: {"table_number": None}}})
    assert [(c.participant_id, c.new, c.kind) for c in changes.changes] == [("p1", (None, None), "unseat")]


def test_typing_the_old_value_back_is_no_change_and_read_only_columns_are_ignored():
    changes = changes_from_editor(SNAPSHOT, {"edited_rows": {0: {"table_number": 1, "full_name": "Mallory"},
                                                             2: {"is_vip": True}}})
    assert not changes


@pytest.mark.parametrize("value, message", [("abc", "not a number"), (0, "1 or more"), (2.5, "whole number"),
                                            (True, "must be a number")])
def test_unreadable_values_are_problems_on_their_row(value, message):
    changes = changes_from_editor(SNAPSHOT, {"edited_rows": {1: {"table_number": value}}})
    assert not changes.changes
    assert message in changes.problems["p2"][0]


def test_a_seat_without_a_table_is_a_problem():
    changes = changes_from_editor(SNAPSHOT, {"edited_rows": {1: {"seat_number": 3}}})
    assert "needs a table" in changes.problems["p2"][0]


def test_merge_keeps_drafts_and_later_edits_win():
    first = changes_from_editor(SNAPSHOT, {"edited_rows": {0: {"table_number": 2}, 1: {"table_number": 1}}})
    later = changes_from_editor(SNAPSHOT, {"edited_rows": {0: {"table_number": 3}}})
    merged = seating.merge_changes(first, later).by_participant()
    # A bare table number: the seat is left to take_free_seats, never the old seat number.
    assert {pid: c.new for pid, c in merged.items()} == {"p1": (3, None), "p2": (1, None)}
    assert not merged["p1"].seat_given


def test_typing_the_loaded_table_back_restores_the_loaded_seat():
    moved = seating.apply_changes(SNAPSHOT, changes_from_editor(SNAPSHOT, {"edited_rows": {0: {"table_number": 2}}}))
    assert not changes_from_editor(moved, {"edited_rows": {0: {"table_number": 1}}})


def test_drafts_shown_in_a_filtered_view_stay_measured_from_the_loaded_seats():
    drafts = changes_from_editor(SNAPSHOT, {"edited_rows": {1: {"table_number": 2}}})
    view = seating.filter_grid(seating.apply_changes(SNAPSHOT, drafts).assign(
        company="", email="", tracks="", is_vip=False), table=2)
    assert list(view["participant_id"]) == ["p2", "p3"]
    # No new edit in this view: the draft is still reported, against the seat as loaded.
    again = changes_from_editor(view, {"edited_rows": {}})
    assert [(c.participant_id, c.old, c.new) for c in again.changes] == [("p2", (None, None), (2, None))]


@pytest.mark.parametrize(("typed", "found"), [
    ("İ", ["p1"]), ("istanbul", ["p1"]), ("İSTANBUL", ["p1"]),  # pandas' Arrow lower() and Python's disagreed on İ
    ("muller", ["p2"]), ("MÜLLER", ["p2"]), ("müller", ["p2"]), ("Muller Ltd", []),  # one field at a time
    ("yilmaz", ["p1"]), ("YILMAZ", ["p1"]),  # dotless ı, read as at the check-in desk
    ("expo\nanna", []), ("%", ["p3"]), (".*", []),  # never a pattern
])
def test_search_ignores_accents_and_case_the_same_way_on_both_sides(typed, found):
    frame = _frame([("p1", "Ayşe Yılmaz", 1, 1, 1), ("p2", "Anna Müller", 2, None, 1),
                    ("p3", "Cem 100%", None, None, None)]).assign(
        company=["İstanbul Expo", "Ltd", None], email=["ayse@x.test", "anna@x.test", "cem@x.test"],
        tracks="", is_vip=False)
    frame = frame.astype({"full_name": "str", "company": "str", "email": "str"})  # Arrow strings, as loaded
    assert list(seating.filter_grid(frame, search=typed)["participant_id"]) == found
    # The seating editor's paged window reads the grid's cached search text: the same matches.
    grid = seating.SeatingGrid(event_id=uuid.uuid4(), frame=frame, tables=())
    assert list(seating.grid_window(grid, ChangeSet(), search=typed).frame["participant_id"]) == found


# ------------------------------------------------------------------------------ against the database

def test_load_reads_one_event_with_versions(world):
    _seat(world.database, world.a, 0, 1, 1)
    grid = _grid(world.database, world.a)
    assert len(grid.frame) == 6 and grid.table_numbers == [1, 2, 3]
    row = grid.frame.iloc[_position(grid.frame, world.a.participant_ids[0])]
    assert (row["table_number"], row["seat_number"], row["version"], row["assigned_by"]) == (1, 1, 1, "auto")
    assert set(grid.frame["participant_id"]) == {str(p) for p in world.a.participant_ids}


def test_the_grid_shows_diet_and_access_needs(world):
    """Issue 10: on site the organiser moving someone sees what the kitchen and the venue must know."""
    first, second, third = (str(p) for p in world.a.participant_ids[:3])
    with world.database.owner_connection() as conn:
        conn.execute(text("UPDATE participants SET dietary = 'vegan', needs_accessible = true WHERE id = :p"),
                     {"p": first})
        conn.execute(text("UPDATE participants SET accessibility = 'step-free route' WHERE id = :p"), {"p": second})
        conn.commit()
    frame = _grid(world.database, world.a).frame.set_index("participant_id")
    assert frame.loc[first, "needs"] == "vegan · accessible table"
    assert frame.loc[second, "needs"] == "step-free route"
    assert frame.loc[third, "needs"] == ""
    assert "needs" in seating.DISPLAY_COLUMNS


def test_validation_names_each_problem_on_its_row(world):
    org = world.a
    _seat(world.database, org, 0, 3, 1)
    _seat(world.database, org, 1, 3, 2)
    grid = _grid(world.database, org)
    p = [str(x) for x in org.participant_ids]
    changes = _edit(grid, {p[2]: {"table_number": 3},                      # table 3 is full (2 seats)
                           p[3]: {"table_number": 9},                      # no such table
                           p[4]: {"table_number": 2, "seat_number": 5},    # table 2 has 4 seats
                           p[5]: {"table_number": 1, "seat_number": 1}})   # fine
    problems = validate_changes(changes, grid)
    assert set(problems) == {p[2], p[3], p[4]}
    assert "Table 3 would have 3 people for 2 seats" in problems[p[2]]
    assert "Table 9 does not exist in this event" in problems[p[3]]
    assert "no seat 5" in problems[p[4]][0]


def test_a_taken_seat_is_refused_and_nothing_is_written(world):
    org = world.a
    _seat(world.database, org, 0, 2, 1)
    grid = _grid(world.database, org)
    p = [str(x) for x in org.participant_ids]
    changes = _edit(grid, {p[1]: {"table_number": 2, "seat_number": 1}, p[2]: {"table_number": 1}})
    with world.database.tenant_session(org.manager) as session:
        result = save_changes(session, org.event_id, changes, grid)
    assert not result.ok and list(result.problems) == [p[1]]
    assert "also given to" in result.problems[p[1]][0]
    assert set(_assignments(world.database, org)) == {org.participant_ids[0]}


def test_save_writes_only_changed_rows_as_manager(world):
    org = world.a
    _seat(world.database, org, 0, 2, 1)
    _seat(world.database, org, 1, 2, 2)
    grid = _grid(world.database, org)
    p = [str(x) for x in org.participant_ids]
    changes = _edit(grid, {p[0]: {"seat_number": 3}, p[2]: {"table_number": 1, "seat_number": 2}})
    with world.database.tenant_session(org.manager) as session:
        result = save_changes(session, org.event_id, changes, grid)
    assert result.ok and result.saved == 2
    now = _assignments(world.database, org)
    assert now[org.participant_ids[0]] == (2, 3, "manager")
    assert now[org.participant_ids[1]] == (2, 2, "auto")  # untouched row keeps its audit trail
    assert now[org.participant_ids[2]] == (1, 2, "manager")


def test_swapping_two_seats_in_one_save(world):
    org = world.a
    _seat(world.database, org, 0, 3, 1)
    _seat(world.database, org, 1, 3, 2)
    grid = _grid(world.database, org)
    p = [str(x) for x in org.participant_ids]
    changes = _edit(grid, {p[0]: {"seat_number": 2}, p[1]: {"seat_number": 1}})
    assert validate_changes(changes, grid) == {}
    with world.database.tenant_session(org.manager) as session:
        assert save_changes(session, org.event_id, changes, grid).ok
    now = _assignments(world.database, org)
    assert now[org.participant_ids[0]][:2] == (3, 2) and now[org.participant_ids[1]][:2] == (3, 1)


def test_a_move_by_table_number_only_takes_the_next_free_seat(world):
    org = world.a
    _seat(world.database, org, 0, 2, 1)
    _seat(world.database, org, 1, 3, 1)
    _seat(world.database, org, 2, 3, 2)
    grid = _grid(world.database, org)
    p = [str(x) for x in org.participant_ids]
    # Both from seat 1 or 2 elsewhere, to table 2 whose seat 1 is taken: seats 2 and 3, in name order.
    changes = seating.pending_changes(ChangeSet(), _edit(grid, {p[1]: {"table_number": 2},
                                                                p[2]: {"table_number": 2}}), grid)
    assert {c.participant_id: c.new for c in changes.changes} == {p[1]: (2, 2), p[2]: (2, 3)}
    assert validate_changes(changes, grid) == {}
    with world.database.tenant_session(org.manager) as session:
        assert save_changes(session, org.event_id, changes, grid).ok
    now = _assignments(world.database, org)
    assert [now[org.participant_ids[i]][:2] for i in range(3)] == [(2, 1), (2, 2), (2, 3)]
    assert seating.free_seats(_grid(world.database, org), 2) == [4]


def test_an_unresolved_bare_table_move_is_given_a_free_seat_when_saved(world):
    org = world.a
    _seat(world.database, org, 0, 2, 1)
    _seat(world.database, org, 1, 3, 1)
    grid = _grid(world.database, org)
    changes = _edit(grid, {str(org.participant_ids[1]): {"table_number": 2}})
    with world.database.tenant_session(org.manager) as session:
        assert save_changes(session, org.event_id, changes, grid).ok
    assert _assignments(world.database, org)[org.participant_ids[1]][:2] == (2, 2)


def test_a_move_to_a_full_table_says_it_is_full(world):
    org = world.a
    for index, seat in enumerate((1, 2, 3, 4)):
        _seat(world.database, org, index, 2, seat)   # table 2 has 4 seats
    _seat(world.database, org, 4, 3, 1)
    grid = _grid(world.database, org)
    assert seating.free_seats(grid, 2) == []
    changes = seating.move_to_table(grid, str(org.participant_ids[4]), 2)
    assert changes.changes[0].new == (2, None)
    problems = validate_changes(changes, grid)
    assert "would have 5 people for 4 seats" in problems[str(org.participant_ids[4])][0]


def test_move_to_table_offers_a_given_free_seat_or_the_next_one(world):
    org = world.a
    _seat(world.database, org, 0, 2, 1)
    grid = _grid(world.database, org)
    p = [str(x) for x in org.participant_ids]
    assert seating.free_seats(grid, 2) == [2, 3, 4]
    first = seating.move_to_table(grid, p[1], 2)
    assert first.changes[0].new == (2, 2)
    second = seating.move_to_table(grid, p[2], 2, pending=first)
    assert second.changes[0].new == (2, 3)
    assert seating.move_to_table(grid, p[3], 2, 4).changes[0].new == (2, 4)
    assert not seating.move_to_table(grid, p[0], 2)  # already there: nothing to do
    assert seating.free_seats(grid, 2, seating.merge_changes(first, second)) == [4]


def test_a_swap_is_one_action_saved_together(world):
    org = world.a
    _seat(world.database, org, 0, 2, 1)
    _seat(world.database, org, 1, 3, 2)
    grid = _grid(world.database, org)
    p = [str(x) for x in org.participant_ids]
    swap = seating.swap_seats(grid, p[0], p[1])
    assert {c.participant_id: c.new for c in swap.changes} == {p[0]: (3, 2), p[1]: (2, 1)}
    with world.database.tenant_session(org.manager) as session:
        result = save_changes(session, org.event_id, swap, grid)
    assert result.ok and result.saved == 2
    now = _assignments(world.database, org)
    assert now[org.participant_ids[0]][:2] == (3, 2) and now[org.participant_ids[1]][:2] == (2, 1)
    with world.database.owner_connection() as conn:  # one entry in the history, so one undo
        assert conn.execute(text("SELECT count(DISTINCT change_set_id) FROM assignment_history "
                                 "WHERE event_id = :e AND operation = 'update'"), {"e": org.event_id}).scalar() == 1
    # Swapping with an unseated person gives them the seat and unseats the other.
    unseated = seating.swap_seats(_grid(world.database, org), p[0], p[2])
    assert {c.participant_id: c.new for c in unseated.changes} == {p[0]: (None, None), p[2]: (3, 2)}
    with pytest.raises(seating.InputError, match="nothing to swap"):
        seating.swap_seats(_grid(world.database, org), p[3], p[4])
    with pytest.raises(seating.InputError, match="two different"):
        seating.swap_seats(grid, p[0], p[0])


def test_clearing_the_table_unseats(world):
    org = world.a
    _seat(world.database, org, 0, 2, 1)
    grid = _grid(world.database, org)
    changes = _edit(grid, {str(org.participant_ids[0]): {"table_number": None}})
    with world.database.tenant_session(org.manager) as session:
        assert save_changes(session, org.event_id, changes, grid).saved == 1
    assert _assignments(world.database, org) == {}


def test_a_row_changed_by_someone_else_is_a_conflict_and_nothing_is_written(world):
    org = world.a
    _seat(world.database, org, 0, 2, 1)
    mine = _grid(world.database, org)
    theirs = _grid(world.database, org, org.owner)
    p = [str(x) for x in org.participant_ids]
    with world.database.tenant_session(org.owner) as session:
        session.execute(text("UPDATE events SET settings = settings || '{\"time_zone\": \"Europe/Berlin\"}' "
                             "WHERE id = :e"), {"e": org.event_id})
    with world.database.tenant_session(org.owner) as session:   # the colleague saves first
        assert save_changes(session, org.event_id, _edit(theirs, {p[0]: {"table_number": 1}}), theirs).ok
    changes = _edit(mine, {p[0]: {"table_number": 3}, p[1]: {"table_number": 3}})
    with world.database.tenant_session(org.manager) as session:
        result = save_changes(session, org.event_id, changes, mine)
    # "Changed by" is the colleague (not the kind "manager"), at a local time in the event's zone.
    assert [(c.participant_id, c.yours, c.loaded, c.theirs, c.theirs_by) for c in result.conflicts] == [
        (p[0], (3, 1), (2, 1), (1, 1), "Alpha owner")]
    assert result.conflicts[0].theirs_at_local.endswith("(Europe/Berlin)")
    now = _assignments(world.database, org)
    assert now == {org.participant_ids[0]: (1, 1, "manager")}  # theirs kept; my other edit not written


def test_seating_someone_a_colleague_seated_meanwhile_is_a_conflict(world):
    org = world.a
    mine = _grid(world.database, org)
    _seat(world.database, org, 0, 1, 1, by="ai")
    with world.database.tenant_session(org.manager) as session:
        result = save_changes(session, org.event_id, _edit(mine, {str(org.participant_ids[0]): {"table_number": 2}}),
                              mine)
    assert [c.theirs for c in result.conflicts] == [(1, 1)]
    assert result.conflicts[0].theirs_by == "Alpha owner"
    assert not result.ok and result.conflict and result.message == seating.CONFLICT_MESSAGE


def test_saving_the_same_change_twice_is_harmless(world):
    org = world.a
    grid = _grid(world.database, org)
    changes = _edit(grid, {str(org.participant_ids[0]): {"table_number": 2, "seat_number": 2}})
    for _ in range(2):
        with world.database.tenant_session(org.manager) as session:
            assert save_changes(session, org.event_id, changes, grid).ok
    assert _assignments(world.database, org)[org.participant_ids[0]] == (2, 2, "manager")


def test_capacity_race_is_caught_at_commit_as_a_message(world):
    org = world.a
    grid = _grid(world.database, org)   # table 3 (2 seats) is empty when loaded
    _seat(world.database, org, 0, 3)
    _seat(world.database, org, 1, 3)    # a colleague filled it meanwhile
    changes = _edit(grid, {str(org.participant_ids[2]): {"table_number": 3}})
    with world.database.tenant_session(org.manager) as session:
        result = save_changes(session, org.event_id, changes, grid)
    assert not result.ok and "over capacity" in result.message and "Nothing was saved" in result.message
    assert org.participant_ids[2] not in _assignments(world.database, org)


def test_viewers_cannot_save(world):
    org = world.a
    _seat(world.database, org, 0, 2, 1)
    grid = _grid(world.database, org, org.viewer)
    p = [str(x) for x in org.participant_ids]
    for edits in ({p[0]: {"table_number": 1}}, {p[1]: {"table_number": 1}}):
        with world.database.tenant_session(org.viewer) as session:
            result = save_changes(session, org.event_id, _edit(grid, edits), grid)
        assert not result.ok and result.message == "Nothing was saved: you can only view this event."
    assert _assignments(world.database, org) == {org.participant_ids[0]: (2, 1, "auto")}


def test_another_organisation_cannot_touch_the_grid(world):
    grid = _grid(world.database, world.a)
    changes = _edit(grid, {str(world.a.participant_ids[0]): {"table_number": 1}})
    with world.database.tenant_session(world.b.owner) as session:
        assert len(load_seating_grid(session, world.a.event_id).frame) == 0
        result = save_changes(session, world.a.event_id, changes, grid)
    assert not result.ok and world.a.participant_ids[0] not in _assignments(world.database, world.a)
    assert "Alpha" not in result.message


def test_table_fill_counts_pending_edits(world):
    org = world.a
    _seat(world.database, org, 0, 2)
    grid = _grid(world.database, org)
    changes = _edit(grid, {str(org.participant_ids[0]): {"table_number": 1},
                           str(org.participant_ids[1]): {"table_number": 1}})
    before = seating.table_fill(grid).copy()  # without edits: the grid's own, shared frame
    fill = seating.table_fill(grid, changes).set_index("table")
    assert fill.loc[2, "seated"] == 1 and fill.loc[2, "after_edits"] == 0
    assert fill.loc[1, "after_edits"] == 2 and fill.loc[1, "free"] == 2
    # The edits never leak into the fill every colleague of the snapshot is shown.
    pd.testing.assert_frame_equal(seating.table_fill(grid), before)
    assert seating.table_fill(grid).set_index("table").loc[2, "after_edits"] == 1
    shown = seating.tables_in_view(seating.table_fill(grid, changes), grid.frame.head(1), changes)
    assert list(shown.columns) == ["table", "full", "capacity", "free", "vip"] and set(shown["table"]) == {1, 2}


def test_only_edited_and_drafted_rows_are_read_back_from_the_editor():
    # A row whose shown seat is an earlier draft counts even without an edit; untouched rows never do.
    drafted = SNAPSHOT.assign(table_number=pd.array([1, 4, 2], dtype="Int64"))
    changes = changes_from_editor(drafted, {"edited_rows": {2: {"seat_number": 7}}})
    assert {c.participant_id: c.new for c in changes.changes} == {"p2": (4, None), "p3": (2, 7)}
    assert not changes_from_editor(SNAPSHOT, {"edited_rows": {}})


def test_a_full_small_table_is_a_full_bar(world):
    # Tables of 4, 4 and 2 seats: two people at the 2-seat table fill it, whatever the largest table is.
    org = world.a
    grid = _grid(world.database, org)
    changes = _edit(grid, {str(org.participant_ids[0]): {"table_number": 3},
                           str(org.participant_ids[1]): {"table_number": 3},
                           str(org.participant_ids[2]): {"table_number": 1}})
    fill = seating.table_fill(grid, changes).set_index("table")
    assert fill.loc[3, "full"] == 1.0 and fill.loc[1, "full"] == 0.25 and fill.loc[2, "full"] == 0.0


# ------------------------------------------------------------------------------ placement rules

def _rule(database, org, kind, *indexes):
    with database.tenant_session(org.owner) as session:
        rule = session.execute(text("INSERT INTO seating_rules (event_id, kind) VALUES (:e, :k) RETURNING id"),
                               {"e": org.event_id, "k": kind}).scalar_one()
        for index in indexes:
            session.execute(text("INSERT INTO seating_rule_members (organization_id, event_id, rule_id, participant_id) "
                                 "VALUES (:o, :e, :r, :p)"),
                            {"o": org.id, "e": org.event_id, "r": rule, "p": org.participant_ids[index]})


def test_reserved_vip_tables_and_accessible_places_are_checked_for_those_who_join(world):
    org = world.a
    _reserve_vip_tables(world.database, org, True)
    with world.database.tenant_session(org.owner) as session:
        session.execute(text("UPDATE participants SET needs_accessible = true WHERE id = :p"),
                        {"p": org.participant_ids[1]})
        session.execute(text("UPDATE seating_tables SET accessible = true WHERE event_id = :e AND table_number = 3"),
                        {"e": org.event_id})
    _seat(world.database, org, 2, 1, 1)  # seated at the VIP table before the rule: stays put
    grid = _grid(world.database, org)
    p = [str(x) for x in org.participant_ids]
    problems = validate_changes(_edit(grid, {p[0]: {"table_number": 1}, p[1]: {"table_number": 2},
                                             p[2]: {"seat_number": 2}, p[3]: {"table_number": 3}}), grid)
    assert problems == {
        p[0]: ("Table 1 is reserved for VIPs, and Alpha person 0 is not a VIP",),
        p[1]: ("Alpha person 1 needs an accessible place, and table 2 is not accessible",),
    }
    assert not validate_changes(_edit(grid, {p[1]: {"table_number": 3}}), grid)
    with world.database.tenant_session(org.manager) as session:
        result = save_changes(session, org.event_id, _edit(grid, {p[0]: {"table_number": 1}}), grid)
    assert not result.ok and _assignments(world.database, org) == {org.participant_ids[2]: (1, 1, "auto")}


def test_keep_apart_and_keep_together_rules_are_checked_when_a_move_breaks_them(world):
    org = world.a
    _rule(world.database, org, "apart", 0, 1)
    _rule(world.database, org, "together", 2, 3)
    _seat(world.database, org, 0, 2, 1)
    _seat(world.database, org, 2, 3, 1)
    _seat(world.database, org, 3, 3, 2)
    grid = _grid(world.database, org)
    p = [str(x) for x in org.participant_ids]
    problems = validate_changes(_edit(grid, {p[1]: {"table_number": 2},
                                             p[2]: {"table_number": 2, "seat_number": 3}}), grid)
    assert problems[p[1]] == ("Alpha person 1 and Alpha person 0 are to be kept apart, so not both at table 2",)
    assert problems[p[2]] == ("Alpha person 2 is to sit together with Alpha person 3: move the whole group "
                              "to one table",)
    # The whole group moving together is fine; so is the apart pair at different tables.
    assert not validate_changes(_edit(grid, {p[2]: {"table_number": 2, "seat_number": 3},
                                             p[3]: {"table_number": 2, "seat_number": 4},
                                             p[1]: {"table_number": 1}}), grid)
