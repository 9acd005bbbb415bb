"""Tenant isolation, read from the catalog so that a table or view added later is covered too."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from eventflow import members
from eventflow.db import Database, libpq_url
from tests.conftest import World


def _catalog(database: Database, query: str) -> list[tuple]:
    with psycopg.connect(libpq_url(database.owner_url)) as conn:
        return conn.execute(query).fetchall()


def tenant_tables(database: Database) -> list[str]:
    """Every table the app role can reach that carries organization_id."""
    return [row[0] for row in _catalog(database, """
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
           AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'organization_id')
         ORDER BY 1""")]


def app_may(database: Database, table: str, privilege: str) -> bool:
    return _catalog(database, f"SELECT has_table_privilege('eventflow_app', '{table}', '{privilege}')")[0][0]


def public_views(database: Database) -> list[str]:
    return [row[0] for row in _catalog(database, """
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm') ORDER BY 1""")]


def test_the_catalog_lists_what_the_seed_promises(database: Database) -> None:
    # Guards the catalog queries themselves: an empty list would make every test below pass.
    assert {"events", "tracks", "participants", "participant_tracks", "seating_tables",
            "table_assignments", "memberships", "assignment_history", "invitations", "membership_history",
            "table_layouts", "room_elements", "layout_history", "participant_log"} <= set(tenant_tables(database))
    assert "track_statistics" in public_views(database)


def test_every_table_has_row_level_security_enabled_and_forced(database: Database) -> None:
    unprotected = _catalog(database, """
        SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
           AND NOT (c.relrowsecurity AND c.relforcerowsecurity)""")
    assert unprotected == []


def test_every_view_is_security_invoker(database: Database) -> None:
    views = _catalog(database, """
        SELECT c.relname, c.relkind, coalesce(c.reloptions, '{}') FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND c.relkind IN ('v', 'm')""")
    assert views, "expected at least track_statistics"
    offenders = [name for name, kind, options in views
                 if kind == "m" or not any(o.lower() in ("security_invoker=true", "security_invoker=on") for o in options)]
    assert offenders == []


def test_app_role_is_powerless_outside_row_level_security(database: Database) -> None:
    (role,) = _catalog(database, "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles "
                                 "WHERE rolname = 'eventflow_app'")
    assert role == (False, False, False, False)
    owned = _catalog(database, """
        SELECT 'relation ' || relname FROM pg_class WHERE relowner = 'eventflow_app'::regrole
        UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE proowner = 'eventflow_app'::regrole
        UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE nspowner = 'eventflow_app'::regrole
        UNION ALL SELECT 'type ' || typname FROM pg_type WHERE typowner = 'eventflow_app'::regrole
        UNION ALL SELECT 'database ' || datname FROM pg_database WHERE datdba = 'eventflow_app'::regrole""")
    assert owned == []
    memberships = _catalog(database, "SELECT roleid::regrole::text FROM pg_auth_members "
                                     "WHERE member = 'eventflow_app'::regrole")
    assert memberships == []
    ledger = _catalog(database, "SELECT has_table_privilege('eventflow_app', 'eventflow.schema_migrations', 'SELECT')")
    assert ledger == [(False,)]


def test_security_definer_functions_pin_their_search_path(database: Database) -> None:
    definers = _catalog(database, """
        SELECT p.oid::regprocedure::text, coalesce(p.proconfig, '{}') FROM pg_proc p
          JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema')""")
    assert definers, "the membership lookup is expected to be SECURITY DEFINER"
    assert [name for name, config in definers if not any(c.startswith("search_path=") for c in config)] == []
    public_execute = _catalog(database, """
        SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema')
           AND has_function_privilege('public', p.oid, 'EXECUTE')""")
    assert public_execute == []


def test_every_key_between_tenant_tables_includes_organization_id(database: Database) -> None:
    constraints = _catalog(database, """
        SELECT con.conrelid::regclass::text, con.conname, con.contype,
               array(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey))
          FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
         WHERE con.contype IN ('p', 'u', 'f') AND c.relnamespace = 'public'::regnamespace
           AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'organization_id')
           -- a reference to a table above tenancy (organizations, organisers) is the exception
           AND NOT (con.contype = 'f' AND NOT EXISTS (
                    SELECT FROM pg_attribute a WHERE a.attrelid = con.confrelid AND a.attname = 'organization_id'))""")
    assert len(constraints) > 10
    assert [(t, name) for t, name, _, columns in constraints if "organization_id" not in columns] == []
    unique_indexes = _catalog(database, """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
          JOIN pg_class c ON c.oid = i.indrelid
         WHERE i.indisunique AND c.relnamespace = 'public'::regnamespace
           AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'organization_id')""")
    assert [name for name, definition in unique_indexes if "organization_id" not in definition] == []


def test_policy_columns_are_indexed(database: Database) -> None:
    unindexed = _catalog(database, """
        SELECT c.relname FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
           AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'organization_id')
           AND NOT EXISTS (SELECT FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
                                                   AND a.attnum = i.indkey[0]
                            WHERE i.indrelid = c.oid AND a.attname = 'organization_id')""")
    assert unindexed == []


# ----------------------------------------------------------------------------- isolation

@pytest.fixture
def populated_world(world: World) -> World:
    """The world, with a track membership, a seat, a seating rule and a pending invitation in each
    organisation: a row in every table (membership_history has the members' arrivals)."""
    for org in (world.a, world.b):
        with world.database.tenant_session(org.owner) as session:
            members.invite(session, org.id, f"invited@{org.id.hex[:8]}.example", "viewer")
            rule = session.execute(text("INSERT INTO seating_rules (event_id, kind) VALUES (:e, 'apart') RETURNING id"),
                                   {"e": org.event_id}).scalar_one()
            session.execute(text("INSERT INTO seating_rule_members (organization_id, event_id, rule_id, participant_id) "
                                 "VALUES (:o, :e, :r, :p), (:o, :e, :r, :q)"),
                            {"o": org.id, "e": org.event_id, "r": rule, "p": org.participant_ids[0],
                             "q": org.participant_ids[1]})
            session.execute(text("INSERT INTO participant_tracks (participant_id, track_id) VALUES (:p, :t)"),
                            {"p": org.participant_ids[-1], "t": org.track_ids[0]})
            session.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number) "
                                 "VALUES (:e, :p, 2, 1)"), {"e": org.event_id, "p": org.participant_ids[-1]})
            # The floor plan: a placed table, a room element, and so layout history rows.
            session.execute(text("INSERT INTO table_layouts (event_id, table_number, x, y) VALUES (:e, 1, 4, 6)"),
                            {"e": org.event_id})
            session.execute(text("INSERT INTO room_elements (event_id, kind, label, x, y, width, height) "
                                 "VALUES (:e, 'stage', 'Stage', 2, 1, 8, 3)"), {"e": org.event_id})
            # A cancelled guest removed (the participant log keeps their name), and one export recorded.
            cancelled = session.execute(text("INSERT INTO participants (event_id, full_name) VALUES (:e, 'Cancelled') "
                                             "RETURNING id"), {"e": org.event_id}).scalar_one()
            session.execute(text("DELETE FROM participants WHERE id = :p"), {"p": cancelled})
            session.execute(text("SELECT eventflow.record_participant_export(:e, :p)"),
                            {"e": org.event_id, "p": org.participant_ids[0]})
        # Change notes live only inside the writing transaction (migration 033); a note left as if
        # by a transaction still open elsewhere gives the table a row in each organisation.
        with world.database.owner_connection() as conn:
            conn.execute(text("INSERT INTO event_changes_pending (organization_id, event_id, transaction_id) "
                              "VALUES (:o, :e, '1'::xid8)"), {"o": org.id, "e": org.event_id})
    return world


def _org_rows(database: Database, table: str, organization_id: uuid.UUID) -> list[dict]:
    column = "id" if table == "organizations" else "organization_id"
    with database.owner_connection() as conn:
        # Ordered: the planner may pick another scan between two reads, and the rows are compared as lists.
        return [row[0] for row in conn.execute(
            text(f"SELECT to_jsonb(t) FROM {table} AS t WHERE {column} = :org ORDER BY to_jsonb(t)::text"),
            {"org": organization_id})]


def test_organisation_a_cannot_see_or_touch_b(populated_world: World) -> None:
    w = populated_world
    tables = tenant_tables(w.database) + ["organizations"]
    before = {table: _org_rows(w.database, table, w.b.id) for table in tables}
    for table in tables:
        column = "id" if table == "organizations" else "organization_id"
        theirs = _org_rows(w.database, table, w.b.id)
        assert theirs, f"the fixture should give B rows in {table}"
        for organiser in (w.a.owner, w.a.manager, w.a.viewer):
            with w.database.tenant_session(organiser) as s:
                visible = s.execute(text(f"SELECT count(*) FROM {table} WHERE {column} = :b"), {"b": w.b.id}).scalar()
                assert visible == 0, f"{table}: A sees B's rows"
                own = s.execute(text(f"SELECT count(*) FROM {table} WHERE {column} = :a"), {"a": w.a.id}).scalar()
                assert own > 0, f"{table}: A should see its own rows"
                if table != "organizations" and app_may(w.database, table, "UPDATE"):
                    updated = s.execute(text(f"UPDATE {table} SET organization_id = organization_id WHERE organization_id = :b"),
                                        {"b": w.b.id}).rowcount
                    deleted = s.execute(text(f"DELETE FROM {table} WHERE organization_id = :b"), {"b": w.b.id}).rowcount
                    assert (updated, deleted) == (0, 0), f"{table}: A changed B's rows"
        for statement in ("INSERT INTO {t} SELECT * FROM jsonb_populate_record(NULL::{t}, CAST(:row AS jsonb))",
                          "INSERT INTO {t} SELECT * FROM jsonb_populate_record(NULL::{t}, CAST(:row AS jsonb)) "
                          "ON CONFLICT DO NOTHING"):
            with pytest.raises(ProgrammingError) as refused, w.database.tenant_session(w.a.owner) as s:
                s.execute(text(statement.format(t=table)), {"row": json.dumps(theirs[0])})
            assert refused.value.orig.sqlstate == "42501", f"{table}: {refused.value}"
    assert {table: _org_rows(w.database, table, w.b.id) for table in tables} == before


def test_b_rows_survive_a_attempts(populated_world: World) -> None:
    w = populated_world
    before = {t: len(_org_rows(w.database, t, w.b.id)) for t in tenant_tables(w.database)}
    with w.database.tenant_session(w.a.owner) as s:
        for table in before:
            if app_may(w.database, table, "DELETE"):
                # A's own last owner cannot go (the database keeps one); everything else is tried.
                keep_own_owner = " WHERE organization_id <> :a OR role <> 'owner'" if table == "memberships" else ""
                s.execute(text(f"DELETE FROM {table}{keep_own_owner}"), {"a": w.a.id})
    after = {t: len(_org_rows(w.database, t, w.b.id)) for t in tenant_tables(w.database)}
    assert after == before
    assert len(_org_rows(w.database, "events", w.a.id)) == 0  # A could delete its own


def test_a_cannot_point_at_b_parents(populated_world: World) -> None:
    w = populated_world
    attempts = {
        "participant in B's event": ("INSERT INTO participants (organization_id, event_id, full_name) "
                                     "VALUES (:a, :b_event, 'Mallory')"),
        "track in B's event": "INSERT INTO tracks (organization_id, event_id, name) VALUES (:a, :b_event, 'Spy')",
        "seat for B's participant": ("INSERT INTO table_assignments (organization_id, event_id, participant_id, table_number) "
                                     "VALUES (:a, :a_event, :b_person, 2)"),
        "B's participant in A's track": ("INSERT INTO participant_tracks (organization_id, event_id, participant_id, track_id) "
                                         "VALUES (:a, :a_event, :b_person, :a_track)"),
        "seed-style row naming B's event": "INSERT INTO participants (event_id, full_name) VALUES (:b_event, 'Mallory')",
        "place for B's table": "INSERT INTO table_layouts (organization_id, event_id, table_number, x, y) "
                               "VALUES (:a, :b_event, 1, 1, 1)",
        "room element in B's event": "INSERT INTO room_elements (organization_id, event_id, kind, label, x, y, width, "
                                     "height) VALUES (:a, :b_event, 'bar', 'Bar', 1, 1, 1, 1)",
    }
    for label, statement in attempts.items():
        with pytest.raises(DBAPIError) as refused, w.database.tenant_session(w.a.owner) as s:
            s.execute(text(statement), {"a": w.a.id, "b_event": w.b.event_id, "a_event": w.a.event_id,
                                        "b_person": w.b.participant_ids[0], "a_track": w.a.track_ids[0]})
        assert refused.value.orig.sqlstate in ("23503", "42501", "23502"), f"{label}: {refused.value}"
        assert "Beta" not in str(refused.value), f"{label}: the error names B's data"


def test_track_statistics_shows_only_your_organisation(populated_world: World) -> None:
    w = populated_world
    with w.database.owner_connection() as conn:
        expected = conn.execute(text(
            "SELECT track_id, count(*) FROM participant_tracks pt JOIN tracks t ON t.id = pt.track_id "
            "WHERE t.organization_id = :a AND t.is_active GROUP BY track_id"), {"a": w.a.id}).all()
    with w.database.tenant_session(w.a.viewer) as s:
        rows = s.execute(text("SELECT track_id, participant_count, event_id FROM track_statistics")).all()
    assert {r.event_id for r in rows} == {w.a.event_id}
    counts = {r.track_id: r.participant_count for r in rows if r.participant_count}
    assert counts == dict(expected)


def test_participant_track_names_shows_only_your_organisation_and_active_tracks(populated_world: World) -> None:
    w = populated_world
    # The populated world gives A's last person the active track "Data"; add the inactive "Retired".
    person, retired = w.a.participant_ids[-1], w.a.track_ids[2]
    with w.database.tenant_session(w.a.owner) as s:
        s.execute(text("INSERT INTO participant_tracks (participant_id, track_id) VALUES (:p, :t)"),
                  {"p": person, "t": retired})
    for organiser in (w.a.owner, w.a.viewer):
        with w.database.tenant_session(organiser) as s:
            rows = s.execute(text("SELECT organization_id, participant_id, track_names FROM participant_track_names")).all()
        assert [(r.organization_id, r.participant_id, r.track_names) for r in rows] == [(w.a.id, person, ["Data"])]


@pytest.mark.parametrize("who", ["nobody", "empty", "outsider"])
def test_without_a_member_organiser_every_query_sees_nothing(populated_world: World, who: str) -> None:
    w = populated_world
    relations = tenant_tables(w.database) + public_views(w.database) + ["organizations", "organisers"]
    with w.database.app_engine.connect() as conn:
        if who == "empty":
            conn.execute(text("SELECT set_config('eventflow.organiser_id', '', true)"))
        elif who == "outsider":
            conn.execute(text("SELECT set_config('eventflow.organiser_id', :o, true)"), {"o": str(w.outsider)})
        counts = {r: conn.execute(text(f"SELECT count(*) FROM {r}")).scalar() for r in relations}
    expected = {r: 0 for r in relations}
    if who == "outsider":
        expected["organisers"] = 1  # yourself, and nobody else
    assert counts == expected


def test_a_viewer_cannot_write(populated_world: World) -> None:
    w = populated_world
    for table in tenant_tables(w.database):
        mine = _org_rows(w.database, table, w.a.id)
        with w.database.tenant_session(w.a.viewer) as s:
            assert s.execute(text(f"SELECT count(*) FROM {table}")).scalar() == len(mine)
            if app_may(w.database, table, "UPDATE"):
                assert s.execute(text(f"UPDATE {table} SET organization_id = organization_id")).rowcount == 0
                assert s.execute(text(f"DELETE FROM {table}")).rowcount == 0
        with pytest.raises(ProgrammingError) as refused, w.database.tenant_session(w.a.viewer) as s:
            s.execute(text(f"INSERT INTO {table} SELECT * FROM jsonb_populate_record(NULL::{table}, "
                           "CAST(:row AS jsonb) - 'id')"), {"row": json.dumps(mine[0])})
        assert refused.value.orig.sqlstate == "42501", table
        assert len(_org_rows(w.database, table, w.a.id)) == len(mine)


def test_door_staff_see_only_their_events_and_write_nothing(populated_world: World) -> None:
    """The door-staff role (sql/022): no row of any tenant table or view except their organisation's
    events and their own membership; guests reach them only through the door functions
    (tests/test_check_in.py). Derived from the catalog, so a table added later is covered too."""
    from eventflow import admin

    w = populated_world
    with w.database.owner_connection() as conn:
        door = admin.ensure_organiser(conn, f"door.{uuid.uuid4().hex[:8]}@example.test", "Door Person")
        admin.set_membership(conn, w.a.id, door, "door")
        conn.commit()
    visible = {"events": len(_org_rows(w.database, "events", w.a.id)), "memberships": 1}
    for table in tenant_tables(w.database) + public_views(w.database):
        mine = _org_rows(w.database, table, w.a.id) if table in tenant_tables(w.database) else []
        with w.database.tenant_session(door) as s:
            assert s.execute(text(f"SELECT count(*) FROM {table}")).scalar() == visible.get(table, 0), table
            if table in tenant_tables(w.database) and app_may(w.database, table, "UPDATE"):
                assert s.execute(text(f"UPDATE {table} SET organization_id = organization_id")).rowcount == 0, table
                assert s.execute(text(f"DELETE FROM {table}")).rowcount == 0, table
        if mine and app_may(w.database, table, "INSERT"):
            with pytest.raises(ProgrammingError) as refused, w.database.tenant_session(door) as s:
                s.execute(text(f"INSERT INTO {table} SELECT * FROM jsonb_populate_record(NULL::{table}, "
                               "CAST(:row AS jsonb) - 'id')"), {"row": json.dumps(mine[0])})
            assert refused.value.orig.sqlstate == "42501", table
    with w.database.tenant_session(door) as s:
        assert s.execute(text("SELECT id FROM organizations")).scalars().all() == [w.a.id]


def test_a_manager_writes_but_cannot_change_memberships(populated_world: World) -> None:
    w = populated_world
    with w.database.tenant_session(w.a.manager) as s:
        assert s.execute(text("UPDATE participants SET company = 'Renamed' WHERE organization_id = :a"),
                         {"a": w.a.id}).rowcount == len(w.a.participant_ids)
        assert s.execute(text("UPDATE memberships SET role = 'owner'")).rowcount == 0
    with w.database.tenant_session(w.a.owner) as s:
        assert s.execute(text("UPDATE memberships SET role = role WHERE organization_id = :a"), {"a": w.a.id}).rowcount == 3


def test_a_pooled_connection_carries_no_organiser_after_commit_or_rollback(populated_world: World) -> None:
    w = populated_world
    database = Database(w.database.owner_url, w.database.app_url)  # a pool of our own, one connection in use
    try:
        with database.tenant_session(w.a.owner) as s:
            pid = s.execute(text("SELECT pg_backend_pid()")).scalar()
            assert s.execute(text("SELECT count(*) FROM participants")).scalar() == len(w.a.participant_ids)
        with pytest.raises(RuntimeError), database.tenant_session(w.a.owner) as s:
            s.execute(text("SELECT 1"))
            raise RuntimeError("roll back")
        for _ in range(2):
            with database.app_engine.connect() as conn:
                assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == pid  # the same pooled connection
                assert conn.execute(text("SELECT coalesce(current_setting('eventflow.organiser_id', true), '')")).scalar() == ""
                assert conn.execute(text("SELECT count(*) FROM participants")).scalar() == 0
    finally:
        database.dispose()


def test_organiser_is_set_again_after_each_commit_in_one_session(populated_world: World) -> None:
    w = populated_world
    with w.database.tenant_session(w.a.owner) as s:
        first = s.execute(text("SELECT count(*) FROM participants")).scalar()
        s.commit()
        second = s.execute(text("SELECT count(*) FROM participants")).scalar()
        s.rollback()
        third = s.execute(text("SELECT count(*) FROM participants")).scalar()
    assert first == second == third == len(w.a.participant_ids)


def test_errors_do_not_reveal_another_organisations_email(populated_world: World) -> None:
    w = populated_world
    insert = text("INSERT INTO participants (event_id, full_name, email) VALUES (:e, 'Same Mail', 'person0@beta.example')")
    # B has person0@beta.example; the same address in A is accepted (uniqueness is per organisation and
    # event), so no refusal tells A that B knows this address.
    with w.database.tenant_session(w.a.owner) as s:
        s.execute(insert, {"e": w.a.event_id})
        assert s.execute(text("SELECT count(*) FROM participants WHERE lower(email) = 'person0@beta.example'")
                         ).scalar_one() == 1  # A's own row; B's stays out of sight
    # A second one in A is refused, and the refusal speaks of A's row only: no B name, id or event.
    with pytest.raises(DBAPIError) as refused, w.database.tenant_session(w.a.owner) as s:
        s.execute(insert, {"e": w.a.event_id})
    said = f"{refused.value.orig} {getattr(refused.value.orig.diag, 'message_detail', '')}"
    assert refused.value.orig.sqlstate == "23505"
    assert str(w.b.id) not in said and str(w.b.event_id) not in said and "Beta" not in said, said


def test_the_app_refuses_to_run_as_a_privileged_role(database: Database) -> None:
    from eventflow.db import UnsafeRoleError

    as_owner = Database(database.owner_url, database.owner_url)
    try:
        with pytest.raises(UnsafeRoleError), as_owner.tenant_session(None) as s:
            s.execute(text("SELECT 1"))
    finally:
        as_owner.dispose()
