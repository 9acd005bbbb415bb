"""The check-in desk on a real PostgreSQL: accent- and case-insensitive search, one-tap check-in
that is idempotent, viewers refused, and another organisation sees and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from eventflow import check_in
from eventflow.errors import InputError, ViewOnly

GUESTS = ("Anna Müller", "Zoë Ångström", "Łukasz Żółć", "Jürgen Straße", "王小明", "Anne-Marie O'Brien",
          "Annabel Lee")


@pytest.fixture
def desk(world):
    org = world.a
    ids = {}
    with world.database.tenant_session(org.manager) as session:
        for name in GUESTS:
            ids[name] = session.execute(
                text("INSERT INTO participants (event_id, full_name, company) VALUES (:e, :n, 'Nordlicht GmbH') "
                     "RETURNING id::text"), {"e": org.event_id, "n": name}).scalar_one()
        session.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number, "
                             "assigned_by) VALUES (:e, :p, 2, 3, 'manager')"),
                        {"e": org.event_id, "p": ids["Anna Müller"]})
    return world, ids


def _names(world, organiser, event_id, query):
    with world.database.tenant_session(organiser) as session:
        return [g.name for g in check_in.find_guests(session, event_id, query)]


@pytest.mark.parametrize(("typed", "expected"), [
    ("anna muller", ["Anna Müller"]),
    ("ANNA MÜLLER", ["Anna Müller"]),
    ("  muller ", ["Anna Müller"]),
    ("mull an", ["Anna Müller"]),
    ("zoe angstrom", ["Zoë Ångström"]),
    ("lukasz zolc", ["Łukasz Żółć"]),
    ("strasse", ["Jürgen Straße"]),
    ("jurgen", ["Jürgen Straße"]),
    ("王", ["王小明"]),
    ("anne marie obrien", []),  # the apostrophe splits O'Brien into o and brien
    ("anne-marie o brien", ["Anne-Marie O'Brien"]),
    ("anna", ["Anna Müller", "Annabel Lee"]),
    ("ann", ["Anna Müller", "Annabel Lee", "Anne-Marie O'Brien"]),
    ("ller", []),  # word starts only: a fragment in the middle of a name is not a match
    ("nordlicht muller", ["Anna Müller"]),  # the company counts too
    ("%", []),
    ("- '", []),
    ("", []),
])
def test_search_ignores_accents_case_and_punctuation(desk, typed, expected):
    world, _ = desk
    assert _names(world, world.a.viewer, world.a.event_id, typed) == expected


def test_a_guest_shows_table_and_seat(desk):
    world, _ = desk
    with world.database.tenant_session(world.a.viewer) as session:
        anna, = check_in.find_guests(session, world.a.event_id, "anna muller")
    assert (anna.table_number, anna.seat_number, anna.seat) == (2, 3, "Table 2, seat 3")
    with world.database.tenant_session(world.a.viewer) as session:
        lee, = check_in.find_guests(session, world.a.event_id, "lee")
    assert lee.seat == "No seat yet"


def test_check_in_is_idempotent_and_counted(desk):
    world, ids = desk
    org, anna = world.a, ids["Anna Müller"]
    with world.database.tenant_session(org.viewer) as session:
        before = check_in.door_count(session, org.event_id)
    assert before.checked_in == 0 and before.expected == len(GUESTS) + len(org.participant_ids)
    with world.database.tenant_session(org.manager) as session:
        first = check_in.set_checked_in(session, org.event_id, anna, True)
    with world.database.tenant_session(org.manager) as session:
        again = check_in.set_checked_in(session, org.event_id, anna, True)
        count = check_in.door_count(session, org.event_id)
    assert first.checked_in and again.checked_in_at == first.checked_in_at  # the first arrival time is kept
    assert (count.checked_in, count.still_to_come) == (1, before.expected - 1)
    with world.database.tenant_session(org.owner) as session:
        out = check_in.set_checked_in(session, org.event_id, anna, False)
        out_again = check_in.set_checked_in(session, org.event_id, anna, False)
        assert check_in.door_count(session, org.event_id).checked_in == 0
    assert not out.checked_in and not out_again.checked_in


def test_viewers_cannot_check_anyone_in(desk):
    world, ids = desk
    with world.database.tenant_session(world.a.viewer) as session, pytest.raises(ViewOnly):
        check_in.set_checked_in(session, world.a.event_id, ids["Anna Müller"], True)
    with world.database.tenant_session(world.a.owner) as session:
        assert check_in.door_count(session, world.a.event_id).checked_in == 0


def test_another_organisation_cannot_see_or_check_in(desk):
    world, ids = desk
    a, b = world.a, world.b
    assert _names(world, b.manager, a.event_id, "anna muller") == []
    with world.database.tenant_session(b.manager) as session:
        assert check_in.guest(session, a.event_id, ids["Anna Müller"]) is None
        assert check_in.door_count(session, a.event_id).expected == 0
        with pytest.raises(InputError, match="does not exist"):
            check_in.set_checked_in(session, a.event_id, ids["Anna Müller"], True)
    with world.database.tenant_session(b.owner) as session, pytest.raises(InputError):
        # Their own event, someone else's guest: nobody of theirs matches, nothing changes.
        check_in.set_checked_in(session, b.event_id, ids["Anna Müller"], True)
    assert _names(world, world.outsider, a.event_id, "anna") == []
    with world.database.tenant_session(a.owner) as session:
        assert check_in.door_count(session, a.event_id).checked_in == 0


def test_a_removed_guest_is_reported(desk):
    world, ids = desk
    with world.database.tenant_session(world.a.owner) as session:
        session.execute(text("DELETE FROM participants WHERE id = :p"), {"p": ids["Annabel Lee"]})
    with world.database.tenant_session(world.a.manager) as session, pytest.raises(InputError, match="no longer"):
        check_in.set_checked_in(session, world.a.event_id, ids["Annabel Lee"], True)


def test_the_search_column_is_kept_by_the_database(desk):
    world, ids = desk
    with world.database.tenant_session(world.a.manager) as session:
        session.execute(text("UPDATE participants SET full_name = 'Søren Kierkegård' WHERE id = :p"),
                        {"p": ids["Annabel Lee"]})
    assert _names(world, world.a.manager, world.a.event_id, "soren kierkegard") == ["Søren Kierkegård"]


def test_guests_added_before_the_upgrade_are_found_and_keep_their_version(pg_server, tmp_path):
    import shutil
    import uuid

    import psycopg
    from psycopg import sql as pgsql

    from eventflow import migrations
    from eventflow.db import libpq_url, sqlalchemy_url

    name = f"eventflow_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_server.admin_url, autocommit=True) as conn:
        conn.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
    url = libpq_url(sqlalchemy_url(pg_server.admin_url).set(database=name))
    try:
        before = tmp_path / "sql"
        before.mkdir()
        for path in sorted(migrations.SQL_DIR.glob("*.sql")):
            if path.name < "017":
                shutil.copy(path, before / path.name)
        migrations.upgrade(url, before)
        with psycopg.connect(url) as conn:
            org = conn.execute("INSERT INTO organizations (name) VALUES ('Old') RETURNING id").fetchone()[0]
            for event, archived in (("Running", False), ("Archived", True)):
                event_id = conn.execute("INSERT INTO events (organization_id, name) VALUES (%s, %s) RETURNING id",
                                        (org, event)).fetchone()[0]
                conn.execute("INSERT INTO participants (organization_id, event_id, full_name) VALUES (%s, %s, %s)",
                             (org, event_id, f"Anna Müller {event}"))
                if archived:
                    conn.execute("UPDATE events SET archived_at = now() WHERE id = %s", (event_id,))
        migrations.upgrade(url)
        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT search_text, version FROM participants ORDER BY full_name").fetchall()
        assert rows == [("anna muller archived", 1), ("anna muller running", 1)]
    finally:
        with psycopg.connect(pg_server.admin_url, autocommit=True) as conn:
            conn.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name)))


# ------------------------------------------------------------------------------------ door staff

def _door_staff(world, org):
    """A door-staff member of ``org`` (the fixture's world has owner, manager and viewer)."""
    import uuid

    from eventflow import admin
    with world.database.owner_connection() as conn:
        person = admin.ensure_organiser(conn, f"door.{uuid.uuid4().hex[:8]}@example.test", "Door Person")
        admin.set_membership(conn, org.id, person, "door")
        conn.commit()
    return person


def test_door_staff_find_guests_by_name_see_tables_and_check_them_in(desk):
    world, ids = desk
    door = _door_staff(world, world.a)
    assert _names(world, door, world.a.event_id, "anna muller") == ["Anna Müller"]
    # Only names are searched for door staff, and the company is not shown to them.
    assert _names(world, door, world.a.event_id, "nordlicht") == []
    with world.database.tenant_session(door) as session:
        anna = check_in.find_guests(session, world.a.event_id, "anna muller")[0]
        assert (anna.company, anna.seat) == (None, "Table 2, seat 3")
        assert check_in.door_count(session, world.a.event_id).expected == len(GUESTS) + len(world.a.participant_ids)
        assert check_in.set_checked_in(session, world.a.event_id, ids["Anna Müller"], True).checked_in
    with world.database.tenant_session(world.a.manager) as session:
        assert check_in.guest(session, world.a.event_id, ids["Anna Müller"]).checked_in
        assert check_in.find_guests(session, world.a.event_id, "nordlicht")  # others still search companies
    # Another organisation's event: nothing found, nothing changed.
    with world.database.tenant_session(door) as session:
        assert check_in.find_guests(session, world.b.event_id, "beta") == []
        assert check_in.door_count(session, world.b.event_id).expected == 0
        with pytest.raises(InputError, match="does not exist"):
            check_in.set_checked_in(session, world.b.event_id, world.b.participant_ids[0], True)


def test_door_staff_see_nothing_else_directly(desk):
    world, _ = desk
    door = _door_staff(world, world.a)
    with world.database.tenant_session(door) as session:
        for table in ("participants", "table_assignments", "seating_tables", "tracks", "participant_tracks",
                      "assignment_history", "seating_rules", "invitations", "membership_history"):
            assert session.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
        assert session.execute(text("SELECT count(*) FROM memberships")).scalar() == 1  # their own
        assert session.execute(text("SELECT id FROM events")).scalars().all() == [world.a.event_id]
        assert session.execute(text("UPDATE participants SET checked_in_at = now()")).rowcount == 0
        assert session.execute(text("UPDATE events SET name = 'Renamed'")).rowcount == 0
