"""Per-event queries use indexes, not sequential scans, on a data set large enough that the planner cares."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from eventflow import synthetic
from eventflow.db import Database, libpq_url
from tests.conftest import ScratchServer

BIG_TABLES = {"participants", "table_assignments", "participant_tracks", "assignment_history"}
SPEC = synthetic.SyntheticSpec(organizations=10, events=60, participants=60_000, flagship_participants=5_000,
                               flagship_tracks=20, flagship_tables=500)


@pytest.fixture(scope="module")
def large(pg_server: ScratchServer) -> Iterator[tuple[Database, synthetic.SyntheticSet]]:
    database = pg_server.create_database()
    loaded = synthetic.load(libpq_url(database.owner_url), SPEC)
    with database.owner_connection() as conn:  # give the history table rows, through its trigger
        conn.execute(text("UPDATE table_assignments SET assigned_by = 'manager'"))
        conn.execute(text("ANALYZE assignment_history"))
    yield database, loaded
    pg_server.drop_database(database)


def _scans(plan: dict) -> list[tuple[str, str]]:
    found = [(plan["Node Type"], plan.get("Relation Name", ""))]
    for child in plan.get("Plans", []):
        found += _scans(child)
    return found


def _plan(database: Database, organiser, sql: str, params: dict) -> list[tuple[str, str]]:
    with database.tenant_session(organiser) as s:
        raw = s.execute(text("EXPLAIN (FORMAT JSON) " + sql), params).scalar()
    plan = raw if isinstance(raw, list) else json.loads(raw)
    return _scans(plan[0]["Plan"])


QUERIES = {
    "track statistics": "SELECT * FROM track_statistics WHERE event_id = :event_id",
    "participants of the event": "SELECT * FROM participants WHERE event_id = :event_id",
    "seats of the event": "SELECT * FROM table_assignments WHERE event_id = :event_id",
    "seats at one table": "SELECT * FROM table_assignments WHERE event_id = :event_id AND table_number = 7",
    "tracks of the people": "SELECT * FROM participant_tracks WHERE event_id = :event_id",
    "history of the event": "SELECT * FROM assignment_history WHERE event_id = :event_id ORDER BY changed_at DESC LIMIT 50",
}


def test_the_data_set_is_large(large) -> None:
    database, loaded = large
    with database.owner_connection() as conn:
        assert conn.execute(text("SELECT count(*) FROM participants")).scalar() == loaded.participants >= 50_000


@pytest.mark.parametrize("name", list(QUERIES))
def test_per_event_queries_use_indexes(large, name: str) -> None:
    database, loaded = large
    scans = _plan(database, loaded.flagship_owner_id, QUERIES[name], {"event_id": loaded.flagship_event_id})
    assert [s for s in scans if s[0] == "Seq Scan" and s[1] in BIG_TABLES] == [], scans
    assert any(s[0].startswith(("Index", "Bitmap")) for s in scans)
