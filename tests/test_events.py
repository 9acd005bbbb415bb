"""Events: visible to an organiser, settings and tracks, and their life (create, duplicate, archive, delete)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from eventflow import events


def test_only_own_events_are_visible(world):
    with world.database.tenant_session(world.a.viewer) as session:
        visible = events.visible_events(session)
    assert world.a.event_id in {e.id for e in visible} and world.b.event_id not in {e.id for e in visible}


def test_tracks_add_rename_deactivate(world):
    org = world.a
    with world.database.tenant_session(org.manager) as session:
        new = events.add_track(session, org.event_id, "  Green   Tech ")
        with pytest.raises(events.EventInputError, match="already has a track"):
            events.rename_track(session, org.event_id, new, "data")
        events.rename_track(session, org.event_id, new, "Climate")
        events.set_track_active(session, org.event_id, org.track_ids[0], False)
        tracks = {t.name: t.is_active for t in events.list_tracks(session, org.event_id)}
    assert tracks == {"Climate": True, "Cloud": True, "Data": False, "Retired": False}


def test_settings_and_viewer_refusal(world):
    org = world.a
    with world.database.tenant_session(org.owner) as session:
        events.set_default_networking_opt_in(session, org.event_id, True)
        with pytest.raises(events.EventInputError, match="end before"):
            events.update_event_details(session, org.event_id, "X", __import__("datetime").date(2026, 5, 2),
                                        __import__("datetime").date(2026, 5, 1), None)
    with world.database.tenant_session(org.viewer) as session:
        assert events.event_settings(session, org.event_id).default_networking_opt_in is True
        with pytest.raises(events.EventInputError, match="only view"):
            events.set_default_networking_opt_in(session, org.event_id, False)
        with pytest.raises(events.EventInputError, match="only view"):
            events.add_track(session, org.event_id, "Sneaky")


# ------------------------------------------------------------------------------ the event's life

def test_create_an_event_with_tracks(world):
    from datetime import date

    with world.database.tenant_session(world.a.manager) as s:
        event_id = events.create_event(s, world.a.id, "  Autumn   Forum ", date(2026, 10, 1), date(2026, 10, 2),
                                       "Hall 3", True, ["Data", "Cloud"])
        settings = events.event_settings(s, event_id)
        tracks = {t.name for t in events.list_tracks(s, event_id)}
    assert (settings.name, settings.venue, settings.default_networking_opt_in) == ("Autumn Forum", "Hall 3", True)
    assert tracks == {"Data", "Cloud"}


@pytest.mark.parametrize("name, starts, ends, tracks, words", [
    ("", None, None, [], "needs a name"),
    ("x" * 201, None, None, [], "longer than 200"),
    ("Fine", "2026-10-02", "2026-10-01", [], "cannot end before"),
    ("Fine", None, None, ["Data", "data"], "listed twice"),
    ("Bell\x07", None, None, [], "control"),
])
def test_bad_event_input_is_refused_and_nothing_is_written(world, name, starts, ends, tracks, words):
    from datetime import date

    with world.database.tenant_session(world.a.owner) as s:
        before = len(events.list_events(s, world.a.id))
        with pytest.raises(events.EventInputError, match=words):
            events.create_event(s, world.a.id, name, starts and date.fromisoformat(starts),
                                ends and date.fromisoformat(ends), None, False, tracks)
        assert len(events.list_events(s, world.a.id)) == before


def test_a_viewer_cannot_create_and_only_an_owner_deletes(world):
    with world.database.tenant_session(world.a.viewer) as s, pytest.raises(events.EventInputError, match="Only owners and managers"):
        events.create_event(s, world.a.id, "Sneaky")
    with world.database.tenant_session(world.a.manager) as s:
        with pytest.raises(events.EventInputError, match="type the event's name exactly"):
            events.delete_event(s, world.a.event_id, "alpha conference")
        with pytest.raises(events.EventInputError, match="Only an owner"):
            events.delete_event(s, world.a.event_id, "Alpha conference")
    with world.database.tenant_session(world.a.owner) as s:
        assert events.delete_event(s, world.a.event_id, "Alpha conference") == "Alpha conference"
        assert events.list_events(s, world.a.id) == []
    with world.database.owner_connection() as conn:
        assert conn.execute(text("SELECT count(*) FROM participants WHERE event_id = :e"),
                            {"e": world.a.event_id}).scalar() == 0


def test_duplicate_copies_tracks_tables_and_settings_without_people(world):
    with world.database.tenant_session(world.a.owner) as s:
        events.set_default_networking_opt_in(s, world.a.event_id, True)
        s.execute(text("UPDATE events SET settings = settings || '{\"pin_manager_seats\": false}', venue = 'Pier 9' "
                       "WHERE id = :e"), {"e": world.a.event_id})
        s.execute(text("UPDATE seating_tables SET label = 'Stage', accessible = true WHERE event_id = :e "
                       "AND table_number = 2"), {"e": world.a.event_id})
        s.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number) VALUES (:e, :p, 2)"),
                  {"e": world.a.event_id, "p": world.a.participant_ids[0]})
        s.execute(text("INSERT INTO table_layouts (organization_id, event_id, table_number, x, y, shape, rotation) "
                       "VALUES (:o, :e, 2, 100, 200, 'rectangular', 90)"), {"o": world.a.id, "e": world.a.event_id})
        s.execute(text("INSERT INTO room_elements (organization_id, event_id, kind, label, x, y, width, height) "
                       "VALUES (:o, :e, 'stage', 'Main stage', 10, 10, 300, 80)"), {"o": world.a.id, "e": world.a.event_id})
    with world.database.tenant_session(world.a.manager) as s:
        copy = events.duplicate_event(s, world.a.event_id, "Alpha conference 2027")
    with world.database.owner_connection() as conn:
        def shape(event_id, query):
            return sorted(tuple(r) for r in conn.execute(text(query), {"e": event_id}))
        for query in ("SELECT name, is_active FROM tracks WHERE event_id = :e",
                      "SELECT table_number, capacity, min_fill, is_vip_table, label, accessible "
                      "FROM seating_tables WHERE event_id = :e",
                      "SELECT settings::text, venue FROM events WHERE id = :e",
                      "SELECT table_number, x, y, shape, rotation FROM table_layouts WHERE event_id = :e",
                      "SELECT kind, label, x, y, width, height FROM room_elements WHERE event_id = :e"):
            assert shape(copy, query) == shape(world.a.event_id, query), query
        people = conn.execute(text("SELECT (SELECT count(*) FROM participants WHERE event_id = :e) + "
                                   "(SELECT count(*) FROM table_assignments WHERE event_id = :e)"), {"e": copy}).scalar()
    assert people == 0


def test_an_archived_event_is_read_only_and_leaves_the_picker(world):
    with world.database.tenant_session(world.a.manager) as s:
        s.execute(text("INSERT INTO table_layouts (event_id, table_number, x, y) VALUES (:e, 1, 5, 5)"),
                  {"e": world.a.event_id})
    with world.database.tenant_session(world.a.manager) as s:
        events.archive_event(s, world.a.event_id)
        assert [e.id for e in events.visible_events(s)] == []
        (archived,) = events.visible_events(s, include_archived=True)
        assert archived.archived and archived.label.endswith("archived")
        with pytest.raises(events.EventInputError, match="archived and read-only"):
            events.update_event_details(s, world.a.event_id, "Renamed", None, None, None)
        with pytest.raises(events.EventInputError, match="archived and read-only"):
            events.add_track(s, world.a.event_id, "New track")
    # Whatever path a write takes, the database refuses it: every table of the event.
    attempts = (
        "UPDATE participants SET company = 'x' WHERE event_id = :e",
        "DELETE FROM participants WHERE event_id = :e",
        "INSERT INTO participants (event_id, full_name) VALUES (:e, 'Late')",
        "INSERT INTO participant_tracks (participant_id, track_id) VALUES (:p, :t)",
        "UPDATE seating_tables SET capacity = 9 WHERE event_id = :e",
        "INSERT INTO table_assignments (event_id, participant_id, table_number) VALUES (:e, :p, 2)",
        "INSERT INTO seating_rules (event_id, kind) VALUES (:e, 'apart')",
        "UPDATE tracks SET name = 'x' WHERE event_id = :e",
        "UPDATE events SET settings = '{}' WHERE id = :e",
        "INSERT INTO table_layouts (event_id, table_number, x, y) VALUES (:e, 3, 10, 10)",
        "UPDATE table_layouts SET x = 20 WHERE event_id = :e",
        "INSERT INTO room_elements (event_id, kind, label, x, y, width, height) "
        "VALUES (:e, 'bar', 'Bar', 1, 1, 2, 2)",
    )
    for statement in attempts:
        with pytest.raises(DBAPIError) as refused, world.database.tenant_session(world.a.owner) as s:
            s.execute(text(statement), {"e": world.a.event_id, "p": world.a.participant_ids[0],
                                        "t": world.a.track_ids[0]})
        assert refused.value.orig.sqlstate == "EF010", statement
    with world.database.tenant_session(world.a.viewer) as s, pytest.raises(events.EventInputError):
        events.restore_event(s, world.a.event_id)
    with world.database.tenant_session(world.a.manager) as s:
        events.restore_event(s, world.a.event_id)
        events.add_track(s, world.a.event_id, "New track")
        assert [e.id for e in events.visible_events(s)] == [world.a.event_id]


def test_an_archived_event_can_be_deleted_by_an_owner(world):
    with world.database.tenant_session(world.a.owner) as s:
        events.archive_event(s, world.a.event_id)
        events.delete_event(s, world.a.event_id, "Alpha conference")
        assert events.list_events(s, world.a.id) == []


def test_every_table_of_an_events_rows_is_read_only_when_archived(database):
    # Found from the catalog, so a table added later cannot be forgotten. The history tables (and
    # the participant log and change counters) are written by triggers of the protected tables;
    # events has a trigger of its own.
    with database.owner_connection() as conn:
        with_event_id = {r[0] for r in conn.execute(text(
            "SELECT c.relname FROM pg_catalog.pg_class AS c "
            "JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace "
            "JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid AND a.attname = 'event_id' "
            "AND NOT a.attisdropped WHERE n.nspname = 'public' AND c.relkind = 'r'"))}
        protected = {r[0] for r in conn.execute(text(
            "SELECT c.relname FROM pg_catalog.pg_trigger AS t JOIN pg_catalog.pg_class AS c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE '%\\_read\\_only\\_when\\_archived'"))}
    assert {"participants", "table_layouts", "room_elements"} <= protected
    assert with_event_id - protected - {"assignment_history", "layout_history", "participant_log",
                                        "event_change_counters", "event_changes_pending"} == set()
