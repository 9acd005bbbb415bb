"""The floor plan: automatic layout, table and element moves with optimistic concurrency and history,
people moved through the grid's own validation, finding people, copying a layout, the payload."""

from __future__ import annotations

import json
import math
import uuid

import pytest
from sqlalchemy import text

from eventflow import floor_plan, seating
from eventflow.floor_plan import FloorPlanError


def _plan(database, org, who=None):
    with database.tenant_session(who or org.manager) as session:
        return floor_plan.load_floor_plan(session, org.event_id)


def _in_transaction(database, who, work):
    return database.run_transaction(who, work)


def _seat(database, org, index, table, seat):
    with database.tenant_session(org.owner) as session:
        session.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number) "
                             "VALUES (:e, :p, :t, :s)"),
                        {"e": org.event_id, "p": org.participant_ids[index], "t": table, "s": seat})


def _seats(database, org):
    with database.owner_connection() as conn:
        rows = conn.execute(text("SELECT participant_id, table_number, seat_number, assigned_by "
                                 "FROM table_assignments WHERE event_id = :e"), {"e": org.event_id}).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _place(database, org, table):
    with database.owner_connection() as conn:
        return conn.execute(text("SELECT x, y, version FROM table_layouts WHERE event_id = :e AND table_number = :n"),
                            {"e": org.event_id, "n": table}).first()


# ---------------------------------------------------------------------------------------- pure parts

def _tables(n, vip=(), accessible=(), capacity=10):
    return [seating.TableInfo(i, capacity, i in vip, None, i in accessible) for i in range(1, n + 1)]


def test_auto_layout_puts_vip_tables_by_the_stage_and_accessible_ones_by_the_entrance():
    layout = floor_plan.auto_layout(_tables(30, vip=(7, 8), accessible=(20, 21)))
    stage = next(e for e in layout.elements if e.kind == "stage")
    entrance = next(e for e in layout.elements if e.kind == "entrance")
    zone = next(e for e in layout.elements if e.kind == "vip_zone")
    assert {e.kind for e in layout.elements} == {"stage", "screen", "entrance", "bar", "vip_zone"}
    stage_centre = (stage.x + stage.width / 2, stage.y + stage.height)
    entrance_centre = (entrance.x, entrance.y + entrance.height / 2)

    def distance(point, table):
        x, y, _ = layout.places[table]
        return math.dist(point, (x, y))

    to_stage = sorted(layout.places, key=lambda n: distance(stage_centre, n))
    assert set(to_stage[:2]) == {7, 8}
    to_entrance = sorted(layout.places, key=lambda n: distance(entrance_centre, n))
    assert set(to_entrance[:2]) == {20, 21}
    for table in (7, 8):
        x, y, _ = layout.places[table]
        assert zone.x <= x <= zone.x + zone.width and zone.y <= y <= zone.y + zone.height
    # On the grid, no two tables overlap, and nothing stands on the stage.
    assert all(x % 0.5 == 0 and y % 0.5 == 0 for x, y, _ in layout.places.values())
    points = list(layout.places.values())
    width = floor_plan.footprint(10, "round")[0]
    assert all(math.dist(a[:2], b[:2]) >= width for i, a in enumerate(points) for b in points[i + 1:])
    assert all(y - width / 2 > stage.y + stage.height for _, y, _ in points)


def test_snap_and_seats_follow_the_table():
    assert floor_plan.snap(3.26) == 3.5 and floor_plan.snap(-4) == 0 and floor_plan.snap(99999) == 2000
    seats = floor_plan.seat_positions(8, "round")
    assert len(seats) == 8 and seats[0][0] == pytest.approx(0) and seats[0][1] < 0  # seat 1 at the top
    rect = floor_plan.seat_positions(6, "rectangular")
    assert sorted(y for _, y in rect) == sorted([rect[0][1]] * 3 + [-rect[0][1]] * 3)


def test_find_ignores_accents_and_case(world):
    org = world.a
    with world.database.tenant_session(org.owner) as session:
        session.execute(text("UPDATE participants SET full_name = 'Zoë Müller-Østergård' WHERE id = :p"),
                        {"p": org.participant_ids[2]})
    _seat(world.database, org, 2, 2, 3)
    grid = _plan(world.database, org).grid
    found = floor_plan.find_people(grid, "  MULLER  zoe ")
    assert [f.name for f in found] == ["Zoë Müller-Østergård"]
    assert found[0].where == "Zoë Müller-Østergård: table 2, seat 3"
    assert floor_plan.find_people(grid, "") == [] and floor_plan.find_people(grid, "nobody") == []


# ------------------------------------------------------------------------------------------ layout

def test_a_new_event_is_laid_out_once_and_moves_are_checked_against_the_version(world):
    org = world.a
    plan = _plan(world.database, org)
    assert plan.unplaced == [1, 2, 3] and all(e.id is None for e in plan.elements)
    for _ in range(2):  # idempotent
        assert world.database.run_transaction(
            org.manager, lambda s: floor_plan.ensure_layout(s, org.event_id)).ok
    plan = _plan(world.database, org)
    assert not plan.needs_layout and len(plan.elements) == 5
    table = plan.table(2)

    mine = world.database.run_transaction(
        org.manager, lambda s: floor_plan.move_table(s, org.event_id, 2, 20.26, 11.9, table.version))
    assert mine.ok and tuple(_place(world.database, org, 2)[:2]) == (20.5, 12.0)
    # A colleague who still sees the old version does not overwrite it.
    theirs = world.database.run_transaction(
        org.owner, lambda s: floor_plan.move_table(s, org.event_id, 2, 3, 3, table.version))
    assert theirs.conflict and not theirs.ok and "20.5 m, 12 m" in theirs.message
    assert tuple(_place(world.database, org, 2)[:2]) == (20.5, 12.0)
    # Viewers are told, not silently ignored; nothing changes.
    fresh = _place(world.database, org, 2).version
    viewer = world.database.run_transaction(
        org.viewer, lambda s: floor_plan.move_table(s, org.event_id, 2, 5, 5, fresh))
    assert not viewer.ok and "only view" in viewer.message and _place(world.database, org, 2).version == fresh
    with pytest.raises(FloorPlanError):
        world.database.run_transaction(org.manager, lambda s: floor_plan.move_table(s, org.event_id, 2, "x", 1, fresh))

    with world.database.owner_connection() as conn:
        history = conn.execute(text("SELECT operation, change_kind, (old_state ->> 'x')::float, (new_state ->> 'x')::float "
                                    "FROM layout_history WHERE event_id = :e AND table_number = 2 ORDER BY id"),
                               {"e": org.event_id}).all()
    assert [tuple(h) for h in history] == [("insert", "layout", None, plan.table(2).x),
                                           ("update", "layout", plan.table(2).x, 20.5)]


def test_room_elements_move_with_a_version_and_labels_are_checked(world):
    org = world.a
    element_id = world.database.run_transaction(
        org.manager, lambda s: floor_plan.add_element(s, org.event_id, "bar", "  Coffee   bar ", x=10, y=2))
    element = next(e for e in _plan(world.database, org).elements if e.id == element_id)
    assert element.label == "Coffee bar"
    assert world.database.run_transaction(org.manager, lambda s: floor_plan.move_element(
        s, org.event_id, element_id, 12.2, 4, element.version, width=3)).ok
    stale = world.database.run_transaction(org.owner, lambda s: floor_plan.move_element(
        s, org.event_id, element_id, 1, 1, element.version))
    assert stale.conflict and "Coffee bar" in stale.message
    moved = next(e for e in _plan(world.database, org).elements if e.id == element_id)
    assert (moved.x, moved.y, moved.width) == (12.0, 4.0, 3.0)
    for bad in (" " * 3, "x" * 101):
        with pytest.raises(FloorPlanError):
            world.database.run_transaction(org.manager, lambda s, bad=bad: floor_plan.add_element(
                s, org.event_id, "stage", bad))
    with pytest.raises(FloorPlanError):
        world.database.run_transaction(org.manager, lambda s: floor_plan.add_element(s, org.event_id, "pool"))


def test_copy_layout_gives_a_duplicated_event_the_same_room(world):
    org = world.a
    world.database.run_transaction(org.manager, lambda s: floor_plan.ensure_layout(s, org.event_id))
    source = _plan(world.database, org)
    new_event = uuid.uuid4()
    with world.database.tenant_session(org.owner) as session:
        session.execute(text("INSERT INTO events (organization_id, id, name) VALUES (:o, :e, 'Copy')"),
                        {"o": org.id, "e": new_event})
        session.execute(text("INSERT INTO seating_tables (event_id, table_number, capacity) "
                             "VALUES (:e, 1, 4), (:e, 2, 4)"), {"e": new_event})
        assert floor_plan.copy_layout(session, org.event_id, new_event) == 2
        assert floor_plan.copy_layout(session, org.event_id, new_event) == 0  # idempotent
        copy = floor_plan.load_floor_plan(session, new_event)
    assert [(t.number, t.x, t.y) for t in copy.tables] == [(t.number, t.x, t.y) for t in source.tables[:2]]
    assert sorted((e.kind, e.label, e.x) for e in copy.elements) == sorted((e.kind, e.label, e.x)
                                                                         for e in source.elements)
    # Another organisation cannot copy A's room, nor into A's event.
    with world.database.tenant_session(world.b.owner) as session:
        assert floor_plan.copy_layout(session, org.event_id, world.b.event_id) == 0
        assert floor_plan.copy_layout(session, world.b.event_id, new_event) == 0


# ------------------------------------------------------------------------------------------- people

def test_a_person_moves_through_the_grids_validation_as_a_manager(world):
    org = world.a
    _seat(world.database, org, 0, 2, 1)
    grid = _plan(world.database, org).grid
    pid = str(org.participant_ids[0])
    moved = world.database.run_transaction(org.manager, lambda s: floor_plan.move_person(s, grid, pid, 3))
    assert moved.ok and "table 3, seat 1" in moved.message
    assert _seats(world.database, org)[org.participant_ids[0]] == (3, 1, "manager")
    # The reserved VIP table refuses a non-VIP, with the reason, and nothing changes.
    grid = _plan(world.database, org).grid
    refused = world.database.run_transaction(org.manager, lambda s: floor_plan.move_person(s, grid, pid, 1))
    assert not refused.ok and "reserved for VIPs" in refused.message
    assert _seats(world.database, org)[org.participant_ids[0]] == (3, 1, "manager")
    # Unseat, through the same path.
    assert world.database.run_transaction(org.manager, lambda s: floor_plan.unseat_person(s, grid, pid)).ok
    assert org.participant_ids[0] not in _seats(world.database, org)


def test_a_drop_on_a_full_table_offers_a_swap_and_the_swap_saves_both(world):
    org = world.a
    _seat(world.database, org, 0, 3, 1)
    _seat(world.database, org, 1, 3, 2)  # table 3 has 2 seats: full
    _seat(world.database, org, 2, 2, 1)
    grid = _plan(world.database, org).grid
    offer = world.database.run_transaction(
        org.manager, lambda s: floor_plan.move_person(s, grid, str(org.participant_ids[2]), 3))
    assert not offer.ok and offer.target_table == 3
    assert {pid for pid, _ in offer.swap_with} == {str(org.participant_ids[0]), str(org.participant_ids[1])}
    assert _seats(world.database, org)[org.participant_ids[2]][:2] == (2, 1)
    swapped = world.database.run_transaction(org.manager, lambda s: floor_plan.swap_people(
        s, grid, str(org.participant_ids[2]), str(org.participant_ids[0])))
    assert swapped.ok
    seats = _seats(world.database, org)
    assert seats[org.participant_ids[2]] == (3, 1, "manager") and seats[org.participant_ids[0]] == (2, 1, "manager")


def test_a_colleagues_move_in_between_is_reported_not_overwritten(world):
    org = world.a
    _seat(world.database, org, 0, 2, 1)
    mine = _plan(world.database, org).grid
    theirs = _plan(world.database, org, org.owner).grid
    pid = str(org.participant_ids[0])
    assert world.database.run_transaction(org.owner, lambda s: floor_plan.move_person(s, theirs, pid, 2, 4)).ok
    result = world.database.run_transaction(org.manager, lambda s: floor_plan.move_person(s, mine, pid, 3))
    assert result.conflict and not result.ok and "colleague" in result.message
    assert _seats(world.database, org)[org.participant_ids[0]][:2] == (2, 4)


def test_a_taken_seat_offers_a_swap_with_its_holder(world):
    org = world.a
    _seat(world.database, org, 0, 2, 1)
    _seat(world.database, org, 1, 2, 2)
    grid = _plan(world.database, org).grid
    offer = world.database.run_transaction(
        org.manager, lambda s: floor_plan.move_person(s, grid, str(org.participant_ids[0]), 2, 2))
    assert not offer.ok and offer.swap_with == ((str(org.participant_ids[1]), "Alpha person 1"),)


# ------------------------------------------------------------------------------------------ payload

def test_payload_is_columnar_and_carries_names_as_data(world):
    org = world.a
    with world.database.tenant_session(org.owner) as session:
        session.execute(text("UPDATE participants SET full_name = '<img src=x onerror=alert(1)>' WHERE id = :p"),
                        {"p": org.participant_ids[0]})
    _seat(world.database, org, 0, 2, 1)
    plan = _plan(world.database, org)
    payload = floor_plan.plan_payload(plan, can_edit=False, hit=str(org.participant_ids[0]))
    drawing = json.loads(payload["plan"])
    assert payload["edit"] is False and drawing["t"]["n"] == [1, 2, 3] and len(drawing["p"]["name"]) == 6
    # People travel as positions, not ids; the position maps back to the person on that plan only.
    assert "id" not in drawing["p"] and str(org.participant_ids[0]) not in payload["plan"]
    index = payload["hit"]
    assert floor_plan.participant_at(plan, index) == str(org.participant_ids[0])
    assert drawing["p"]["name"][index] == "<img src=x onerror=alert(1)>"
    assert (drawing["p"]["t"][index], drawing["p"]["s"][index]) == (2, 1)
    for wrong in (-1, 6, "x", None):
        with pytest.raises(floor_plan.FloorPlanError, match="no longer on the plan"):
            floor_plan.participant_at(plan, wrong)
    json.dumps(payload)  # plain JSON all the way


def test_an_unchanged_plan_draws_the_same_string(world):
    """The browser parses a drawing once per key: reading an unchanged event again gives the same key,
    and a change gives another."""
    org = world.a
    first, again = floor_plan.draw(_plan(world.database, org)), floor_plan.draw(_plan(world.database, org))
    assert (first.key, first.drawing) == (again.key, again.drawing)
    _seat(world.database, org, 0, 2, 1)
    assert floor_plan.draw(_plan(world.database, org)).key != first.key


def test_refresh_reads_back_only_what_ones_own_save_changed(world):
    org = world.a
    _seat(world.database, org, 0, 2, 1)
    world.database.run_transaction(org.manager, lambda s: floor_plan.ensure_layout(s, org.event_id))
    plan = _plan(world.database, org)
    pid = str(org.participant_ids[0])
    assert world.database.run_transaction(org.manager, lambda s: floor_plan.move_person(s, plan.grid, pid, 3)).ok
    table = plan.table(1)
    assert world.database.run_transaction(
        org.manager, lambda s: floor_plan.move_table(s, org.event_id, 1, table.x + 2, table.y, table.version)).ok
    with world.database.tenant_session(org.manager) as session:
        patched = floor_plan.refresh_plan(session, plan, people=[pid], tables=[1])
    fresh = _plan(world.database, org)
    columns = ["participant_id", "base_table", "base_seat", "assignment_id", "version"]
    assert patched.grid.frame[columns].sort_values("participant_id").reset_index(drop=True).equals(
        fresh.grid.frame[columns].sort_values("participant_id").reset_index(drop=True))
    assert patched.tables == fresh.tables
    # And it is a snapshot the next move can be saved against.
    assert world.database.run_transaction(org.manager, lambda s: floor_plan.move_person(s, patched.grid, pid, 2)).ok


# ------------------------------------------------------------------------------ shared between sessions

def _drawn(database, who, event_id):
    with database.tenant_session(who) as session:
        return floor_plan.load_drawn_plan(session, event_id)


def test_an_unchanged_plan_is_shared_and_any_change_is_seen_at_once(world):
    org = world.a
    floor_plan.forget_shared_plans()
    _seat(world.database, org, 0, 2, 1)
    first = _drawn(world.database, org.manager, org.event_id)
    again = _drawn(world.database, org.manager, org.event_id)
    assert again.key == first.key and len(floor_plan._shared) == 1
    # Each caller gets a frame of its own: changing it changes nobody else's plan.
    again.plan.grid.frame.loc[:, "full_name"] = "changed"
    assert "changed" not in set(_drawn(world.database, org.manager, org.event_id).plan.grid.frame["full_name"])
    # Whatever the plan is drawn from, changed behind the page's back, is drawn on the next read.
    changes = [
        "UPDATE participants SET full_name = 'Renamed' WHERE id = :p",
        "UPDATE participants SET checked_in_at = now() WHERE id = :p",
        "UPDATE table_assignments SET seat_number = 3 WHERE participant_id = :p",
        "DELETE FROM table_assignments WHERE participant_id = :p",
        "UPDATE seating_tables SET label = 'Window' WHERE event_id = :e AND table_number = 1",
        "UPDATE room_elements SET label = 'Main stage' WHERE event_id = :e AND kind = 'stage'",
    ]
    world.database.run_transaction(org.manager, lambda s: floor_plan.ensure_layout(s, org.event_id))
    keys = {_drawn(world.database, org.manager, org.event_id).key}
    for statement in changes:
        with world.database.owner_connection() as conn:
            conn.execute(text(statement), {"p": org.participant_ids[0], "e": org.event_id})
            conn.commit()
        keys.add(_drawn(world.database, org.manager, org.event_id).key)
    assert len(keys) == len(changes) + 1


def test_a_shared_plan_never_reaches_another_organisation_or_role(world):
    org, other = world.a, world.b
    floor_plan.forget_shared_plans()
    _drawn(world.database, org.manager, org.event_id)
    with world.database.tenant_session(other.owner) as session:
        assert floor_plan.plan_stamp(session, org.event_id) is None
    foreign = _drawn(world.database, other.owner, org.event_id)
    assert foreign.plan.tables == () and foreign.plan.grid.frame.empty
    with world.database.tenant_session(org.viewer) as session, world.database.tenant_session(org.manager) as manager:
        assert floor_plan.plan_stamp(session, org.event_id) != floor_plan.plan_stamp(manager, org.event_id)


# ------------------------------------------------------------------------------------------ rotation

def test_turning_a_table_and_an_element_is_saved_and_in_the_history(world):
    org = world.a
    db = world.database
    db.run_transaction(org.manager, lambda s: floor_plan.ensure_layout(s, org.event_id))
    place = _place(db, org, 2)
    result = db.run_transaction(org.manager, lambda s: floor_plan.turn_table(s, org.event_id, 2, -15, place.version))
    assert result.ok and result.message == "Table 2 turned to 345°."
    plan = _plan(db, org)
    turned = plan.table(2)
    assert (turned.rotation, turned.x, turned.y) == (345, place.x, place.y)  # turned where it stands
    # Its seats turn with it, on screen and in print (the same geometry).
    assert floor_plan.seat_positions(turned.capacity, turned.shape, 345) != floor_plan.seat_positions(
        turned.capacity, turned.shape, 0)
    stage = next(e for e in plan.elements if e.kind == "stage")
    result = db.run_transaction(org.manager, lambda s: floor_plan.turn_element(s, org.event_id, stage.id, 90,
                                                                               stage.version))
    assert result.ok and "turned to 90°" in result.message
    with db.owner_connection() as conn:
        history = conn.execute(text(
            "SELECT subject, old_state ->> 'rotation', new_state ->> 'rotation', change_kind FROM layout_history "
            "WHERE event_id = :e AND operation = 'update' ORDER BY id"), {"e": org.event_id}).all()
    assert [tuple(h) for h in history] == [("table", "0", "345", "layout"), ("element", "0", "90", "layout")]
    from eventflow import floor_plan_print
    assert 'transform="rotate(90 ' in floor_plan_print.plan_svg(_plan(db, org), "Plan")


def test_a_turn_on_a_stale_version_is_a_conflict_and_bad_angles_are_refused(world):
    org = world.a
    db = world.database
    db.run_transaction(org.manager, lambda s: floor_plan.ensure_layout(s, org.event_id))
    version = _place(db, org, 1).version
    assert db.run_transaction(org.owner, lambda s: floor_plan.move_table(s, org.event_id, 1, 4, 4, version)).ok
    late = db.run_transaction(org.manager, lambda s: floor_plan.turn_table(s, org.event_id, 1, 30, version))
    assert not late.ok and late.conflict and "a colleague moved table 1 meanwhile" in late.message
    assert "turn it again" in late.message and _place(db, org, 1).version == version + 1
    for angle in ("left", float("nan"), None):
        with pytest.raises(FloorPlanError, match="rotation must be a number"):
            db.run_transaction(org.manager, lambda s, a=angle: floor_plan.turn_table(s, org.event_id, 1, a, version + 1))
    viewer = db.run_transaction(org.viewer, lambda s: floor_plan.turn_table(s, org.event_id, 1, 30, version + 1))
    assert not viewer.ok and "only view" in viewer.message


# ---------------------------------------------------------------------------------------------- undo

def _undo_last(db, org, who):
    with db.tenant_session(who) as session:
        last = floor_plan.last_layout_change(session, org.event_id)
    assert last is not None
    return last, db.run_transaction(who, lambda s: floor_plan.undo_layout_change(s, org.event_id, last.change_set_id))


def test_undo_puts_back_the_last_changes_one_after_another(world):
    org, db = world.a, world.database
    db.run_transaction(org.manager, lambda s: floor_plan.ensure_layout(s, org.event_id))
    with db.tenant_session(org.manager) as session:
        assert floor_plan.last_layout_change(session, org.event_id) is None  # automatic places: nothing to undo
    start = _place(db, org, 1)
    assert db.run_transaction(org.manager, lambda s: floor_plan.move_table(s, org.event_id, 1, 20, 21,
                                                                           start.version)).ok
    assert db.run_transaction(org.manager, lambda s: floor_plan.turn_table(s, org.event_id, 1, 45,
                                                                           start.version + 1)).ok
    stage = next(e for e in _plan(db, org).elements if e.kind == "stage")
    assert db.run_transaction(org.manager, lambda s: floor_plan.move_element(s, org.event_id, stage.id, 9, 9,
                                                                             stage.version)).ok
    last, result = _undo_last(db, org, org.manager)
    assert last.what == "“Stage” moved" and result.ok and result.message == "Undone: “Stage” moved."
    back = next(e for e in _plan(db, org).elements if e.id == stage.id)
    assert (back.x, back.y) == (stage.x, stage.y)
    last, result = _undo_last(db, org, org.manager)
    assert last.what == "Table 1 turned" and result.ok and _plan(db, org).table(1).rotation == 0
    last, result = _undo_last(db, org, org.manager)
    assert last.what == "Table 1 moved" and result.ok
    assert (_place(db, org, 1).x, _place(db, org, 1).y) == (start.x, start.y)
    with db.tenant_session(org.manager) as session:
        assert floor_plan.last_layout_change(session, org.event_id) is None
    # An undo is a change set of its own in the history, naming what it undid; a change is undone once.
    with db.owner_connection() as conn:
        undos = conn.execute(text("SELECT count(DISTINCT undoes_change_set) FROM layout_history "
                                  "WHERE event_id = :e AND change_kind = 'undo'"), {"e": org.event_id}).scalar()
    assert undos == 3
    again = db.run_transaction(org.manager, lambda s: floor_plan.undo_layout_change(s, org.event_id,
                                                                                    last.change_set_id))
    assert not again.ok and again.message == "That change was undone already."


def test_undo_is_refused_when_a_colleague_changed_the_same_thing_since(world):
    org, db = world.a, world.database
    db.run_transaction(org.manager, lambda s: floor_plan.ensure_layout(s, org.event_id))
    start = _place(db, org, 2)
    assert db.run_transaction(org.manager, lambda s: floor_plan.move_table(s, org.event_id, 2, 30, 30,
                                                                           start.version)).ok
    with db.tenant_session(org.manager) as session:
        offered = floor_plan.last_layout_change(session, org.event_id)  # on the manager's screen ...
    assert db.run_transaction(org.owner, lambda s: floor_plan.move_table(s, org.event_id, 2, 31, 31,
                                                                         start.version + 1)).ok  # ... meanwhile
    with db.owner_connection() as conn:
        owner_name = conn.execute(text("SELECT coalesce(display_name, email) FROM organisers WHERE id = :o"),
                                  {"o": org.owner}).scalar()
    result = db.run_transaction(org.manager, lambda s: floor_plan.undo_layout_change(s, org.event_id,
                                                                                     offered.change_set_id))
    assert not result.ok and result.conflict
    assert result.message.startswith("Not undone: table 2 was changed after this change")
    assert f"({owner_name} changed it)" in result.message and "Nothing was changed" in result.message
    assert (_place(db, org, 2).x, _place(db, org, 2).y) == (31, 31)
    # From then on Undo offers nothing older than that move of the same table, and says why.
    with db.tenant_session(org.manager) as session:
        offer = floor_plan.undo_offer(session, org.event_id)
    assert offer.change is None and offer.note.startswith("“Table 2 moved” can no longer be undone: table 2 was")
    # A colleague's change elsewhere does not stand in the way.
    assert db.run_transaction(org.manager, lambda s: floor_plan.move_table(s, org.event_id, 3, 40, 40,
                                                                           _place(db, org, 3).version)).ok
    assert db.run_transaction(org.owner, lambda s: floor_plan.move_table(s, org.event_id, 1, 41, 41,
                                                                         _place(db, org, 1).version)).ok
    last, result = _undo_last(db, org, org.manager)
    assert last.what == "Table 3 moved" and result.ok
    # A later change of one's own that a colleague changed over is skipped: the one before it is offered.
    assert db.run_transaction(org.manager, lambda s: floor_plan.move_table(s, org.event_id, 3, 50, 50,
                                                                           _place(db, org, 3).version)).ok
    assert db.run_transaction(org.manager, lambda s: floor_plan.move_table(s, org.event_id, 1, 52, 52,
                                                                           _place(db, org, 1).version)).ok
    assert db.run_transaction(org.owner, lambda s: floor_plan.move_table(s, org.event_id, 1, 53, 53,
                                                                         _place(db, org, 1).version)).ok
    with db.tenant_session(org.manager) as session:
        offer = floor_plan.undo_offer(session, org.event_id)
    assert offer.change.what == "Table 3 moved" and "“Table 1 moved” can no longer be undone" in offer.note


def test_only_ones_own_changes_are_offered_and_undone(world):
    org, other, db = world.a, world.b, world.database
    db.run_transaction(org.manager, lambda s: floor_plan.ensure_layout(s, org.event_id))
    assert db.run_transaction(org.owner, lambda s: floor_plan.move_table(s, org.event_id, 1, 12, 12,
                                                                         _place(db, org, 1).version)).ok
    with db.tenant_session(org.manager) as session:
        assert floor_plan.last_layout_change(session, org.event_id) is None
    with db.tenant_session(org.owner) as session:
        owners = floor_plan.last_layout_change(session, org.event_id)
    refused = db.run_transaction(org.manager, lambda s: floor_plan.undo_layout_change(s, org.event_id,
                                                                                      owners.change_set_id))
    assert not refused.ok and "Only the organiser who made a change" in refused.message
    foreign = db.run_transaction(other.owner, lambda s: floor_plan.undo_layout_change(s, org.event_id,
                                                                                      owners.change_set_id))
    assert not foreign.ok and foreign.message == "There is no such change to undo."
    with pytest.raises(FloorPlanError):
        db.run_transaction(org.owner, lambda s: floor_plan.undo_layout_change(s, org.event_id, "not an id"))
    assert _place(db, org, 1).x == 12


def test_undo_brings_back_a_removed_element_and_removes_an_added_one(world):
    org, db = world.a, world.database
    added = db.run_transaction(org.manager, lambda s: floor_plan.add_element(s, org.event_id, "bar", "Coffee"))
    last, result = _undo_last(db, org, org.manager)
    assert last.what == "“Coffee” added" and result.ok
    assert all(e.id != added for e in _plan(db, org).elements)
    kept = db.run_transaction(org.manager, lambda s: floor_plan.add_element(s, org.event_id, "screen", "Left screen",
                                                                           x=3, y=4))
    assert db.run_transaction(org.manager, lambda s: floor_plan.remove_element(s, org.event_id, kept)).ok
    last, result = _undo_last(db, org, org.manager)
    assert last.what == "“Left screen” removed" and result.ok
    back = next(e for e in _plan(db, org).elements if e.id == kept)
    assert (back.label, back.x, back.y) == ("Left screen", 3.0, 4.0)


def test_a_room_element_is_renamed_and_resized_in_place_with_a_version_and_undone(world):
    from eventflow.history import layout_changes

    org, db = world.a, world.database
    element_id = db.run_transaction(org.manager, lambda s: floor_plan.add_element(s, org.event_id, "bar", x=10, y=2))
    bar = next(e for e in _plan(db, org).elements if e.id == element_id)
    result = db.run_transaction(org.manager, lambda s: floor_plan.change_element(
        s, org.event_id, element_id, bar.version, label="  <b>Coffee</b>   bar ", width=3.2, height="6"))
    assert result.ok and result.message == "“Bar” renamed to “<b>Coffee</b> bar” and resized to 3 × 6 m."
    changed = next(e for e in _plan(db, org).elements if e.id == element_id)
    assert (changed.label, changed.width, changed.height, changed.x, changed.y) == ("<b>Coffee</b> bar", 3.0, 6.0,
                                                                                   bar.x, bar.y)
    # Invalid input is refused with the reason, and writes nothing.
    for bad, reason in (({"label": "   "}, "Give the room element a label"), ({"label": "x" * 101}, "at most 100"),
                        ({"width": 0}, "width must be between"), ({"height": "deep"}, "height must be a number"),
                        ({}, "new label or size")):
        with pytest.raises(FloorPlanError, match=reason):
            db.run_transaction(org.manager, lambda s, bad=bad: floor_plan.change_element(
                s, org.event_id, element_id, changed.version, **bad))
    # A stale version is a colleague's change; a viewer can only view.
    stale = db.run_transaction(org.owner, lambda s: floor_plan.change_element(
        s, org.event_id, element_id, bar.version, label="Mine"))
    assert stale.conflict and "a colleague changed “<b>Coffee</b> bar” meanwhile" in stale.message
    viewer = db.run_transaction(org.viewer, lambda s: floor_plan.change_element(
        s, org.event_id, element_id, changed.version, label="Mine"))
    assert not viewer.ok and "only view" in viewer.message
    # In the history, in words, and undone like any layout change.
    with db.tenant_session(org.manager) as s:
        assert layout_changes(s, org.event_id)["what"].iloc[0] == (
            "“Bar” resized from 4 × 2 m to 3 × 6 m, renamed to “<b>Coffee</b> bar”")
    last, undone = _undo_last(db, org, org.manager)
    assert undone.ok
    back = next(e for e in _plan(db, org).elements if e.id == element_id)
    assert (back.label, back.width, back.height) == ("Bar", bar.width, bar.height)
