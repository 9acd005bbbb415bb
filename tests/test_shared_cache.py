"""The cross-session cache (eventflow/shared_cache.py) and the change counters it is keyed by
(migration 025): every write moves the marker, and a cached read never crosses organisations."""

from __future__ import annotations

import threading
import uuid

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from eventflow import seating, shared_cache
from eventflow.events import list_tracks
from tests.conftest import World


def _marker(world: World, organiser: uuid.UUID, org: uuid.UUID, event: uuid.UUID) -> uuid.UUID | None:
    with world.database.tenant_session(organiser) as session:
        return shared_cache.event_marker(session, org, event)


WRITES = {
    "seat someone": "INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number) "
                    "VALUES (:e, :p, 2, 1)",
    "rename someone": "UPDATE participants SET company = 'Renamed' WHERE id = :p",
    "check someone in": "UPDATE participants SET checked_in_at = now() WHERE id = :p",
    "pick a track": "INSERT INTO participant_tracks (participant_id, track_id) VALUES (:p, :t)",
    "rename a track": "UPDATE tracks SET name = 'Renamed' WHERE id = :t",
    "add a table": "INSERT INTO seating_tables (event_id, table_number, capacity) VALUES (:e, 9, 4)",
    "label a table": "UPDATE seating_tables SET label = 'Stage' WHERE event_id = :e AND table_number = 1",
    "change the event's settings": "UPDATE events SET settings = '{\"vip_tables_reserved\": true}' WHERE id = :e",
    "remove someone": "DELETE FROM participants WHERE id = :p",
    # The floor plan (migration 032): a table's place and the room's elements.
    "place a table": "INSERT INTO table_layouts (event_id, table_number, x, y) VALUES (:e, 1, 4, 4)",
    "add a stage": "INSERT INTO room_elements (event_id, kind, label, x, y, width, height) "
                   "VALUES (:e, 'stage', 'Stage', 1, 1, 6, 3)",
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_moves_the_event_marker_and_only_that_event(world: World, write: str) -> None:
    a, b = world.a, world.b
    before_a = _marker(world, a.owner, a.id, a.event_id)
    before_b = _marker(world, b.owner, b.id, b.event_id)
    assert before_a is not None and before_b is not None
    with world.database.tenant_session(a.manager) as session:
        session.execute(text(WRITES[write]), {"e": a.event_id, "p": a.participant_ids[-1], "t": a.track_ids[0]})
    assert _marker(world, a.viewer, a.id, a.event_id) != before_a
    assert _marker(world, b.owner, b.id, b.event_id) == before_b


def test_reading_moves_no_marker(world: World) -> None:
    a = world.a
    before = _marker(world, a.owner, a.id, a.event_id)
    with world.database.tenant_session(a.owner) as session:
        seating.load_seating_grid(session, a.event_id)
    assert _marker(world, a.owner, a.id, a.event_id) == before


def test_a_new_event_has_a_marker_and_a_deleted_one_takes_it_along(world: World) -> None:
    a = world.a
    event = uuid.uuid4()
    with world.database.tenant_session(a.owner) as session:
        session.execute(text("INSERT INTO events (organization_id, id, name) VALUES (:o, :e, 'New')"),
                        {"o": a.id, "e": event})
    assert _marker(world, a.owner, a.id, event) is not None
    with world.database.tenant_session(a.owner) as session:
        session.execute(text("DELETE FROM events WHERE id = :e"), {"e": event})
    with world.database.owner_connection() as conn:
        assert conn.execute(text("SELECT count(*) FROM event_change_counters WHERE event_id = :e"),
                            {"e": event}).scalar() == 0


def test_markers_are_visible_to_members_only_and_written_by_the_database_only(world: World) -> None:
    a, b = world.a, world.b
    assert _marker(world, a.owner, b.id, b.event_id) is None
    assert _marker(world, a.owner, a.id, b.event_id) is None  # B's event named under A's organisation
    assert _marker(world, world.outsider, a.id, a.event_id) is None
    for organiser in (a.owner, a.manager):
        with pytest.raises(ProgrammingError) as refused, world.database.tenant_session(organiser) as session:
            session.execute(text("UPDATE event_change_counters SET changes = 0 WHERE organization_id = :a"),
                            {"a": a.id})
        assert refused.value.orig.sqlstate == "42501"


# ------------------------------------------------------------- the counter moves at commit (033)

def _changes(world: World, event: uuid.UUID) -> int:
    with world.database.owner_connection() as conn:
        return conn.execute(text("SELECT changes FROM event_change_counters WHERE event_id = :e"),
                            {"e": event}).scalar_one()


def _pending(world: World) -> int:
    with world.database.owner_connection() as conn:
        return conn.execute(text("SELECT count(*) FROM event_changes_pending")).scalar_one()


def test_a_long_write_left_open_does_not_hold_up_a_check_in_on_the_same_event(world: World) -> None:
    a = world.a
    before = _changes(world, a.event_id)
    pending_before = _pending(world)
    with world.database.tenant_session(a.manager) as bulk:
        # An import or auto-seat still writing: several statements on the event, not yet committed.
        bulk.execute(text("UPDATE participants SET company = 'Imported' WHERE event_id = :e AND id <> :door"),
                     {"e": a.event_id, "door": a.participant_ids[0]})
        bulk.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number) "
                          "VALUES (:e, :p, 2, 1)"), {"e": a.event_id, "p": a.participant_ids[-1]})
        with world.database.tenant_session(a.manager) as door:
            # A wrongful wait on the counter row is an error here, not a slow test.
            door.execute(text("SET LOCAL lock_timeout = '500ms'"))
            door.execute(text("UPDATE participants SET checked_in_at = now() WHERE id = :p"),
                         {"p": a.participant_ids[0]})
        assert _changes(world, a.event_id) == before + 1  # the check-in, committed while the import is open
        after_check_in = _marker(world, a.viewer, a.id, a.event_id)
    # The import's two statements count at its commit, and leave no notes behind.
    assert _changes(world, a.event_id) == before + 3
    assert _marker(world, a.viewer, a.id, a.event_id) != after_check_in
    assert _pending(world) == pending_before


def test_the_counter_moves_only_at_commit_and_not_for_a_rolled_back_write(world: World) -> None:
    a = world.a
    before, marker = _changes(world, a.event_id), _marker(world, a.viewer, a.id, a.event_id)
    with pytest.raises(RuntimeError), world.database.tenant_session(a.manager) as session:
        session.execute(text("UPDATE participants SET company = 'Gone' WHERE id = :p"), {"p": a.participant_ids[0]})
        # Inside the writing transaction the note is there and the counter has not moved yet.
        assert session.execute(text("SELECT statements FROM event_changes_pending WHERE event_id = :e"),
                               {"e": a.event_id}).scalar_one() == 1
        assert session.execute(text("SELECT changes FROM event_change_counters WHERE event_id = :e"),
                               {"e": a.event_id}).scalar_one() == before
        raise RuntimeError("the organiser cancelled")
    assert (_changes(world, a.event_id), _marker(world, a.viewer, a.id, a.event_id)) == (before, marker)


def test_set_constraints_immediate_moves_the_counter_inside_the_transaction(world: World) -> None:
    # The seating save reads its own bump back this way (seating._grid_after_save).
    a = world.a
    before = _changes(world, a.event_id)
    with world.database.tenant_session(a.manager) as session:
        session.execute(text("UPDATE participants SET company = 'One' WHERE id = :p"), {"p": a.participant_ids[0]})
        session.execute(text("UPDATE participants SET company = 'Two' WHERE id = :p"), {"p": a.participant_ids[1]})
        session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        assert session.execute(text("SELECT changes FROM event_change_counters WHERE event_id = :e"),
                               {"e": a.event_id}).scalar_one() == before + 2
        session.execute(text("UPDATE participants SET company = 'Three' WHERE id = :p"), {"p": a.participant_ids[0]})
    assert _changes(world, a.event_id) == before + 3


def test_one_transaction_over_two_events_moves_both_counters(world: World) -> None:
    a = world.a
    other = uuid.uuid4()
    with world.database.tenant_session(a.owner) as session:
        session.execute(text("INSERT INTO events (organization_id, id, name) VALUES (:o, :e, 'Second')"),
                        {"o": a.id, "e": other})
    before = (_changes(world, a.event_id), _changes(world, other))
    with world.database.tenant_session(a.owner) as session:
        session.execute(text("INSERT INTO tracks (event_id, name) VALUES (:e, 'Added together'), (:f, 'Added together')"),
                        {"e": a.event_id, "f": other})
        session.execute(text("UPDATE events SET name = name WHERE id = ANY (CAST(:ids AS uuid[]))"),
                        {"ids": [str(a.event_id), str(other)]})
    assert (_changes(world, a.event_id), _changes(world, other)) == (before[0] + 2, before[1] + 2)


def test_the_notes_are_written_by_the_database_only(world: World) -> None:
    a = world.a
    with pytest.raises(ProgrammingError) as refused, world.database.tenant_session(a.owner) as session:
        session.execute(text("INSERT INTO event_changes_pending (organization_id, event_id, transaction_id) "
                             "VALUES (:o, :e, pg_current_xact_id())"), {"o": a.id, "e": a.event_id})
    assert refused.value.orig.sqlstate == "42501"


# ------------------------------------------------------------------------------------ the cache

def _grid(world: World, organiser: uuid.UUID, org: uuid.UUID, event: uuid.UUID, role: str,
          cache: shared_cache.SharedCache) -> seating.SeatingGrid:
    with world.database.tenant_session(organiser) as session:
        return shared_cache.event_read(session, org, event, role, seating.load_seating_grid, cache=cache)


def test_colleagues_share_one_read_until_someone_writes(world: World) -> None:
    a, cache = world.a, shared_cache.SharedCache()
    first = _grid(world, a.owner, a.id, a.event_id, "manager", cache)
    assert _grid(world, a.manager, a.id, a.event_id, "manager", cache) is first
    assert (cache.hits, cache.misses) == (1, 1)
    with world.database.tenant_session(a.manager) as session:
        session.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number) "
                             "VALUES (:e, :p, 2, 1)"), {"e": a.event_id, "p": a.participant_ids[0]})
    after = _grid(world, a.viewer, a.id, a.event_id, "manager", cache)
    assert after is not first
    seated = after.frame.set_index("participant_id").loc[str(a.participant_ids[0])]
    assert (seated.table_number, seated.seat_number) == (2, 1)
    assert len(cache) == 1  # the older snapshot was dropped when the newer one arrived


def test_a_cached_read_never_crosses_organisations(world: World) -> None:
    a, b, cache = world.a, world.b, shared_cache.SharedCache()
    theirs = _grid(world, b.owner, b.id, b.event_id, "owner", cache)
    assert len(theirs.frame) == len(b.participant_ids)
    # A's owner asks for B's event in every way a key could be forged: B's organisation, A's
    # organisation, the same role. Each read runs under A's row-level security and sees nothing.
    for org in (b.id, a.id):
        for organiser in (a.owner, a.manager, a.viewer, world.outsider):
            seen = _grid(world, organiser, org, b.event_id, "owner", cache)
            assert seen is not theirs
            assert seen.frame.empty and seen.tables == ()
    # Nothing A read was stored, and B's entry is untouched.
    assert len(cache) == 1
    assert _grid(world, b.manager, b.id, b.event_id, "owner", cache) is theirs


def test_roles_and_readers_do_not_share_entries(world: World) -> None:
    a, cache = world.a, shared_cache.SharedCache()
    as_owner = _grid(world, a.owner, a.id, a.event_id, "owner", cache)
    as_viewer = _grid(world, a.viewer, a.id, a.event_id, "viewer", cache)
    assert as_owner is not as_viewer
    with world.database.tenant_session(a.owner) as session:
        tracks = shared_cache.event_read(session, a.id, a.event_id, "owner", list_tracks, cache=cache)
    assert [t.name for t in tracks][:2] == ["Cloud", "Data"]
    assert len(cache) == 3


def test_organisers_missing_at_once_load_once() -> None:
    cache, loads, started = shared_cache.SharedCache(), [], threading.Event()

    def load() -> object:
        loads.append(1)
        started.wait(2)
        return object()

    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_load("slot", "m1", load)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    started.set()
    for thread in threads:
        thread.join()
    assert len(loads) == 1 and len({id(r) for r in results}) == 1


def test_a_failed_load_is_not_kept() -> None:
    cache = shared_cache.SharedCache()
    with pytest.raises(RuntimeError):
        cache.get_or_load("slot", "m1", lambda: (_ for _ in ()).throw(RuntimeError("database gone")))
    assert cache.get_or_load("slot", "m1", lambda: 42) == 42


# ------------------------------------------------------------------ a save hands on its grid

def _load(world: World, organiser: uuid.UUID, event: uuid.UUID) -> seating.SeatingGrid:
    with world.database.tenant_session(organiser) as session:
        return seating.load_seating_grid(session, event)


def _seat(grid: seating.SeatingGrid, person: uuid.UUID, table: int, seat: int | None) -> seating.ChangeSet:
    position = int(grid.frame.index[grid.frame["participant_id"] == str(person)][0])
    return seating.changes_from_editor(grid.frame, {"edited_rows": {position: {"table_number": table,
                                                                                "seat_number": seat}}})


KEY_COLUMNS = ["participant_id", "table_number", "seat_number", "version", "assignment_id", "base_table",
               "base_seat", "assigned_by"]


def test_a_save_nobody_raced_hands_on_the_grid_as_saved(world: World) -> None:
    a = world.a
    grid = _load(world, a.manager, a.event_id)
    with world.database.tenant_session(a.manager) as session:
        result = seating.save_changes(session, a.event_id, _seat(grid, a.participant_ids[0], 2, 3), grid)
    assert result.ok and result.grid_after is not None
    fresh = _load(world, a.manager, a.event_id)
    def rows(grid: seating.SeatingGrid) -> list[tuple]:
        frame = grid.frame[KEY_COLUMNS].astype(object)
        return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]

    assert rows(result.grid_after) == rows(fresh)
    assert result.grid_after.changes_seen == fresh.changes_seen
    assert result.marker_after == _marker(world, a.manager, a.id, a.event_id)
    # ... and a second save from it, moving the same person again, is no conflict.
    with world.database.tenant_session(a.manager) as session:
        again = seating.save_changes(session, a.event_id, _seat(result.grid_after, a.participant_ids[0], 3, 1),
                                     result.grid_after)
    assert again.ok and again.saved == 1


def test_a_save_after_a_colleagues_write_hands_on_nothing(world: World) -> None:
    a = world.a
    grid = _load(world, a.manager, a.event_id)
    with world.database.tenant_session(a.owner) as session:  # a colleague checks someone in
        session.execute(text("UPDATE participants SET checked_in_at = now() WHERE id = :p"),
                        {"p": a.participant_ids[1]})
    with world.database.tenant_session(a.manager) as session:
        result = seating.save_changes(session, a.event_id, _seat(grid, a.participant_ids[0], 2, 3), grid)
    assert result.ok and result.saved == 1
    assert result.grid_after is None and result.marker_after is None


# ------------------------------------------------------------------ the floor plan's shared drawings

def _plan(world: World, organiser: uuid.UUID, event: uuid.UUID):
    from eventflow import floor_plan

    with world.database.tenant_session(organiser) as session:
        return floor_plan.load_drawn_plan(session, event)


def test_a_colleagues_layout_change_is_on_the_shared_plan_at_once(world: World) -> None:
    from eventflow import floor_plan

    a = world.a
    floor_plan.forget_shared_plans()
    world.database.run_transaction(a.manager, lambda s: floor_plan.ensure_layout(s, a.event_id))
    first = _plan(world, a.manager, a.event_id)
    assert _plan(world, a.manager, a.event_id).key == first.key and len(floor_plan._shared) == 1
    place = next(t for t in first.plan.tables if t.number == 1)
    # A colleague moves table 1 and adds a bar, each in their own session: the next read draws both.
    moved = world.database.run_transaction(
        a.owner, lambda s: floor_plan.move_table(s, a.event_id, 1, place.x + 2, place.y, place.version))
    assert moved.ok, moved
    after_move = _plan(world, a.manager, a.event_id)
    assert after_move.key != first.key
    assert next(t for t in after_move.plan.tables if t.number == 1).x == place.x + 2
    world.database.run_transaction(a.owner, lambda s: floor_plan.add_element(s, a.event_id, "bar", "Coffee"))
    after_bar = _plan(world, a.manager, a.event_id)
    assert "Coffee" in {e.label for e in after_bar.plan.elements}
    assert len(floor_plan._shared) == 1  # the older drawings were dropped as the newer arrived


def test_a_shared_plan_is_keyed_by_organisation_and_never_crosses(world: World) -> None:
    from eventflow import floor_plan

    a, b = world.a, world.b
    floor_plan.forget_shared_plans()
    theirs = _plan(world, b.owner, b.event_id)
    assert len(theirs.plan.grid.frame) == len(b.participant_ids)
    for organiser in (a.owner, a.manager, a.viewer, world.outsider):
        with world.database.tenant_session(organiser) as session:
            assert floor_plan.plan_stamp(session, b.event_id) is None  # no marker, no key: nothing shared
        seen = _plan(world, organiser, b.event_id)
        assert seen.plan.grid.frame.empty and seen.plan.tables == ()
    assert len(floor_plan._shared) == 1
    with world.database.tenant_session(b.owner) as owner, world.database.tenant_session(b.viewer) as viewer:
        mine, theirs_as_viewer = floor_plan.plan_stamp(owner, b.event_id), floor_plan.plan_stamp(viewer, b.event_id)
    assert mine[1] == b.id and mine[:3] + mine[4:] == theirs_as_viewer[:3] + theirs_as_viewer[4:]
    assert mine[3] != theirs_as_viewer[3]  # the role is part of the key
