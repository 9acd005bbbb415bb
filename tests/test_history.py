from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from eventflow.history import begin_change_set, change_set_details, recent_change_sets, undo_change_set
from tests.conftest import World


def _seats(world: World, organiser) -> dict:
    with world.database.tenant_session(organiser) as s:
        return {r.participant_id: (r.table_number, r.seat_number, r.assigned_by) for r in s.execute(
            text("SELECT participant_id, table_number, seat_number, assigned_by FROM table_assignments"))}


def _save(world: World, organiser, statements: list[tuple[str, dict]], kind="save"):
    with world.database.tenant_session(organiser) as s:
        change_set = begin_change_set(s, kind)
        for sql, params in statements:
            s.execute(text(sql), params)
    return change_set


def _insert(event, person, table, seat, by="manager"):
    return ("INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number, assigned_by) "
            "VALUES (:e, :p, :t, :s, :by)", {"e": event, "p": person, "t": table, "s": seat, "by": by})


def _move(person, table, seat):
    return ("UPDATE table_assignments SET table_number = :t, seat_number = :s, assigned_by = 'manager' "
            "WHERE participant_id = :p", {"p": person, "t": table, "s": seat})


def test_every_change_is_recorded_with_who_and_one_change_set_per_save(world: World) -> None:
    a = world.a
    p = a.participant_ids
    first = _save(world, a.owner, [_insert(a.event_id, p[0], 2, 1, "auto"), _insert(a.event_id, p[1], 2, 2, "auto")],
                  kind="auto-seat")
    second = _save(world, a.manager, [_move(p[0], 3, 1), ("DELETE FROM table_assignments WHERE participant_id = :p",
                                                          {"p": p[1]})])
    with world.database.tenant_session(a.viewer) as s:
        rows = s.execute(text("SELECT change_set_id, change_kind, operation, participant_id, old_table_number, "
                              "old_seat_number, new_table_number, new_seat_number, new_assigned_by, organiser_id "
                              "FROM assignment_history WHERE event_id = :e ORDER BY id"), {"e": a.event_id}).all()
        sets = recent_change_sets(s, a.event_id)
        details = change_set_details(s, a.event_id, second)
    assert [(r.change_set_id, r.change_kind, r.operation, r.participant_id, r.organiser_id) for r in rows] == [
        (first, "auto-seat", "insert", p[0], a.owner),
        (first, "auto-seat", "insert", p[1], a.owner),
        (second, "save", "update", p[0], a.manager),
        (second, "save", "delete", p[1], a.manager),
    ]
    assert (rows[2].old_table_number, rows[2].old_seat_number, rows[2].new_table_number, rows[2].new_seat_number) == (2, 1, 3, 1)
    assert list(sets.change_set_id) == [second, first]
    assert list(sets.rows_changed) == [2, 2]
    assert sets.organiser.iloc[0] == "Alpha manager"
    assert list(details.operation) == ["update", "delete"]


def test_unnamed_transactions_still_get_one_change_set_each(world: World) -> None:
    a = world.a
    for person in a.participant_ids[:2]:
        with world.database.tenant_session(a.manager) as s:
            s.execute(text(_insert(a.event_id, person, 2, None)[0]), _insert(a.event_id, person, 2, None)[1])
    with world.database.tenant_session(a.manager) as s:
        sets = s.execute(text("SELECT DISTINCT change_set_id FROM assignment_history WHERE event_id = :e"),
                         {"e": a.event_id}).all()
    assert len(sets) == 2


@pytest.mark.parametrize("statement", [
    "UPDATE assignment_history SET new_table_number = 99",
    "DELETE FROM assignment_history",
    "INSERT INTO assignment_history (organization_id, change_set_id, event_id, participant_id, operation) "
    "SELECT organization_id, change_set_id, event_id, participant_id, operation FROM assignment_history",
    "TRUNCATE assignment_history",
])
def test_the_app_role_can_neither_change_nor_delete_history(world: World, statement: str) -> None:
    a = world.a
    _save(world, a.owner, [_insert(a.event_id, a.participant_ids[0], 2, 1)])
    with pytest.raises(ProgrammingError) as refused, world.database.tenant_session(a.owner) as s:
        s.execute(text(statement))
    assert refused.value.orig.sqlstate == "42501"
    with world.database.tenant_session(a.owner) as s:
        assert s.execute(text("SELECT count(*) FROM assignment_history WHERE event_id = :e"), {"e": a.event_id}).scalar() == 1


def test_undo_restores_everyone_and_is_itself_recorded(world: World) -> None:
    a = world.a
    p = a.participant_ids
    _save(world, a.owner, [_insert(a.event_id, p[0], 2, 1, "auto"), _insert(a.event_id, p[1], 2, 2, "auto"),
                           _insert(a.event_id, p[2], 3, 1, "auto")])
    before = _seats(world, a.owner)
    # One save: a swap, a move, an unseat and a new seat.
    change = _save(world, a.manager, [
        _move(p[0], 2, 2), _move(p[1], 2, 1), _move(p[2], 2, 3),
        _insert(a.event_id, p[3], 3, 2),
    ])
    assert _seats(world, a.owner) != before

    with world.database.tenant_session(a.manager) as s:
        result = undo_change_set(s, a.event_id, change)
    assert result.ok and result.restored == 4
    assert _seats(world, a.owner) == before
    with world.database.tenant_session(a.viewer) as s:
        kinds = s.execute(text("SELECT change_kind, count(*) FROM assignment_history WHERE change_set_id = :c "
                               "GROUP BY 1"), {"c": result.change_set_id}).all()
    assert kinds == [("undo", 4)]


def test_undo_of_an_unseat_puts_the_person_back(world: World) -> None:
    a = world.a
    _save(world, a.owner, [_insert(a.event_id, a.participant_ids[0], 2, 4, "ai")])
    change = _save(world, a.owner, [("DELETE FROM table_assignments WHERE participant_id = :p", {"p": a.participant_ids[0]})])
    with world.database.tenant_session(a.owner) as s:
        assert undo_change_set(s, a.event_id, change).ok
    assert _seats(world, a.owner) == {a.participant_ids[0]: (2, 4, "ai")}


def test_undo_is_refused_when_someone_was_moved_since(world: World) -> None:
    a = world.a
    p = a.participant_ids
    change = _save(world, a.owner, [_insert(a.event_id, p[0], 2, 1), _insert(a.event_id, p[1], 2, 2)])
    _save(world, a.manager, [_move(p[1], 3, 1)])
    later = _seats(world, a.owner)
    with world.database.tenant_session(a.owner) as s:
        result = undo_change_set(s, a.event_id, change)
    assert not result.ok
    assert result.problems == ("Alpha person 1 has been moved since: now table 3, seat 1, this change left them table 2, seat 2.",)
    assert result.message == "Nothing was undone: " + result.problems[0]
    assert _seats(world, a.owner) == later


def test_undo_that_would_overfill_a_table_names_the_table_and_writes_nothing(world: World) -> None:
    a = world.a
    p = a.participant_ids
    _save(world, a.owner, [_insert(a.event_id, p[0], 3, 1)])
    change = _save(world, a.owner, [_move(p[0], 2, 1)])
    _save(world, a.owner, [_insert(a.event_id, p[1], 3, None), _insert(a.event_id, p[2], 3, None)])  # table 3 full
    later = _seats(world, a.owner)
    with world.database.tenant_session(a.owner) as s:
        result = undo_change_set(s, a.event_id, change)
    assert not result.ok and result.blocked == (p[0],) and result.restorable == 0
    assert result.problems[0] == ("Table 3 is now full (2 people for 2 seats were seated there since this change), "
                                  "so Alpha person 0 cannot go back to it.")
    assert "Reloading will not change this" in result.problems[-1]
    assert _seats(world, a.owner) == later


def test_undo_blocked_by_a_walk_in_names_the_seat_and_person_and_can_undo_the_rest(world: World) -> None:
    a = world.a
    p = a.participant_ids
    _save(world, a.owner, [_insert(a.event_id, p[0], 2, 1), _insert(a.event_id, p[1], 2, 2)])
    change = _save(world, a.manager, [_move(p[0], 3, 1), _move(p[1], 3, 2)])
    _save(world, a.manager, [_insert(a.event_id, p[2], 2, 1, "ai")], kind="walk-in")  # takes p0's old seat
    later = _seats(world, a.owner)
    with world.database.tenant_session(a.owner) as s:
        result = undo_change_set(s, a.event_id, change)
    assert not result.ok
    assert result.problems == (
        "Seat 1 at table 2 now belongs to Alpha person 2 (seated as a walk-in since this change), so Alpha person 0 "
        "cannot go back to it.",
        "Reloading will not change this: it is the seating as saved now.")
    assert result.blocked == (p[0],) and result.restorable == 1
    assert _seats(world, a.owner) == later
    with world.database.tenant_session(a.owner) as s:
        rest = undo_change_set(s, a.event_id, change, skip=result.blocked)
    assert rest.ok and rest.restored == 1
    now = _seats(world, a.owner)
    assert now[p[1]][:2] == (2, 2) and now[p[0]][:2] == (3, 1) and now[p[2]][:2] == (2, 1)


def test_a_viewer_cannot_undo(world: World) -> None:
    a = world.a
    change = _save(world, a.owner, [_insert(a.event_id, a.participant_ids[0], 2, 1)])
    with pytest.raises(PermissionError, match="only view"), world.database.tenant_session(a.viewer) as s:
        undo_change_set(s, a.event_id, change)
    assert _seats(world, a.owner) == {a.participant_ids[0]: (2, 1, "manager")}


def test_another_organisation_cannot_see_or_undo_the_history(world: World) -> None:
    a, b = world.a, world.b
    change = _save(world, a.owner, [_insert(a.event_id, a.participant_ids[0], 2, 1)])
    with world.database.tenant_session(b.owner) as s:
        assert s.execute(text("SELECT count(*) FROM assignment_history WHERE change_set_id = :c"), {"c": change}).scalar() == 0
        assert recent_change_sets(s, a.event_id).empty
        result = undo_change_set(s, a.event_id, change)
    assert not result.ok
    assert _seats(world, a.owner) == {a.participant_ids[0]: (2, 1, "manager")}


def test_undo_never_overwrites_a_seat_a_colleague_sets_meanwhile(world: World) -> None:
    """Two concurrent transactions: the undo would seat someone again who was unseated at its check,
    while a colleague, in a transaction not yet committed, seats that person elsewhere. The
    colleague's seat is kept and the undo is refused naming the person and their seat."""
    import threading
    import time

    a = world.a
    person = a.participant_ids[0]
    _save(world, a.owner, [_insert(a.event_id, person, 2, 4, "ai")])
    unseat = _save(world, a.owner, [("DELETE FROM table_assignments WHERE participant_id = :p", {"p": person})])

    outcome: list[object] = []
    with world.database.tenant_session(a.manager) as colleague:
        begin_change_set(colleague, "save")
        statement, parameters = _insert(a.event_id, person, 3, 1)
        colleague.execute(text(statement), parameters)  # ... not committed yet

        def undo() -> None:
            try:
                with world.database.tenant_session(a.owner) as s:
                    outcome.append(undo_change_set(s, a.event_id, unseat))
            except Exception as error:  # noqa: BLE001 - checked below
                outcome.append(error)

        undoing = threading.Thread(target=undo)
        undoing.start()
        # Commit the colleague's seat only once the undo waits on it (its check saw nobody there).
        for _ in range(600):
            with world.database.owner_connection() as conn:
                if conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                     "AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO table_assignments%'"
                                     )).scalar():
                    break
            time.sleep(0.05)
        else:
            pytest.fail("the undo never waited for the colleague's transaction")
    undoing.join(timeout=60)

    assert len(outcome) == 1 and not isinstance(outcome[0], Exception), outcome
    result = outcome[0]
    assert not result.ok
    assert result.problems == ("Alpha person 0 has been seated since: now table 3, seat 1, "
                               "this change left them unseated.",)
    assert _seats(world, a.owner) == {person: (3, 1, "manager")}


# ------------------------------------------------------------------------------------ layout changes

def test_layout_changes_say_who_when_and_from_where_to_where_in_the_events_time_zone(world: World) -> None:
    from eventflow import floor_plan
    from eventflow.event_settings import save_settings
    from eventflow.history import layout_changes

    a, db = world.a, world.database
    db.run_transaction(a.owner, lambda s: save_settings(s, a.event_id, {"time_zone": "Asia/Kolkata"}))
    assert db.run_transaction(a.manager, lambda s: floor_plan.ensure_layout(s, a.event_id)).ok
    with db.tenant_session(a.manager) as s:
        plan = floor_plan.load_floor_plan(s, a.event_id)
    two = plan.table(2)
    stage = next(e for e in plan.elements if e.kind == "stage")
    assert db.run_transaction(a.manager, lambda s: floor_plan.move_table(s, a.event_id, 2, two.x + 3, two.y,
                                                                         two.version)).ok
    assert db.run_transaction(a.owner, lambda s: floor_plan.move_element(
        s, a.event_id, stage.id, stage.x, stage.y, stage.version, rotation=90, label="Main <b>stage</b>")).ok
    with db.tenant_session(a.manager) as s:
        offer = floor_plan.undo_offer(s, a.event_id)
    assert db.run_transaction(a.manager, lambda s: floor_plan.undo_layout_change(
        s, a.event_id, offer.change.change_set_id)).ok

    with db.tenant_session(a.viewer) as s:  # viewers read the history too
        lines = layout_changes(s, a.event_id)
        only_two = layout_changes(s, a.event_id, table_number=2)
    assert list(lines.columns) == ["change_set_id", "when", "kind", "organiser", "what"]
    assert lines["change_set_id"].nunique() == 4  # placement, move, turn + rename, undo; newest first
    undo, renamed, moved = lines.iloc[0], lines.iloc[1], lines.iloc[2]
    assert undo["kind"] == "Undo" and undo["organiser"] == "Alpha manager"
    assert undo["what"] == f"Table 2 moved from {two.x + 3:g} m, {two.y:g} m to {two.x:g} m, {two.y:g} m"
    assert renamed["kind"] == "Layout" and renamed["organiser"] == "Alpha owner"
    assert renamed["what"] == "“Stage” turned from 0° to 90°, renamed to “Main <b>stage</b>”"
    assert moved["what"] == f"Table 2 moved from {two.x:g} m, {two.y:g} m to {two.x + 3:g} m, {two.y:g} m"
    assert moved["when"].endswith("(Asia/Kolkata)")
    placed = lines[lines["change_set_id"] == lines["change_set_id"].iloc[-1]]["what"].tolist()
    assert "Table 1 placed at" in placed[0] and any(w.startswith("“Stage” added at") for w in placed)
    assert only_two["what"].tolist() == [undo["what"], moved["what"], placed[1]]

    # Another organisation sees none of it, even asking for this event by its id.
    with db.tenant_session(world.b.owner) as s:
        assert layout_changes(s, a.event_id).empty
    with db.tenant_session(world.outsider) as s:
        assert layout_changes(s, a.event_id).empty


def test_a_large_layout_change_is_a_few_lines_not_one_per_table(world: World) -> None:
    from eventflow import floor_plan
    from eventflow.history import layout_changes

    a, db = world.a, world.database
    assert db.run_transaction(a.manager, lambda s: floor_plan.ensure_layout(s, a.event_id)).ok
    with db.tenant_session(a.manager) as s:
        lines = layout_changes(s, a.event_id, per_set=2)
    assert len(lines) == 3 and lines["what"].iloc[-1].startswith("… and ")
    assert lines["what"].iloc[-1].endswith("more in the same change")
