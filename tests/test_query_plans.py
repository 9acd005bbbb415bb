"""Per-event queries use indexes, not sequential scans, on a data set large enough that the planner cares."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from eventflow import synthetic
from eventflow.db import Database, libpq_url
from tests.conftest import ScratchServer, app_pages, statements_of_page_run

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
        assert conn.execute(text("SELECT count(*) FROM participants")).scalar() == loaded.participants == SPEC.participants


@pytest.mark.parametrize("name", list(QUERIES))
def test_per_event_queries_use_indexes(large, name: str) -> None:
    database, loaded = large
    scans = _plan(database, loaded.flagship_owner_id, QUERIES[name], {"event_id": loaded.flagship_event_id})
    assert [s for s in scans if s[0] == "Seq Scan" and s[1] in BIG_TABLES] == [], scans
    assert any(s[0].startswith(("Index", "Bitmap")) for s in scans)


# ------------------------------------------------------------------ work per statement of a page run

# Rows any one plan node may produce or discard, per participant of the event: generous for joins
# with several tracks per person, far below the seats × tracks blow-up a mis-estimated join makes.
ROWS_PER_PARTICIPANT = 25


def _rows_handled(plan: dict) -> list[tuple[str, float]]:
    """(node, rows produced over all loops plus rows its filters discarded) for every plan node."""
    loops = plan.get("Actual Loops", 1)
    handled = (plan.get("Actual Rows", 0) + plan.get("Rows Removed by Join Filter", 0)
               + plan.get("Rows Removed by Filter", 0)) * loops
    found = [(f"{plan['Node Type']} {plan.get('Relation Name', '')}".strip(), handled)]
    for child in plan.get("Plans", []):
        found += _rows_handled(child)
    return found


def _page_statements(open_app, database: Database, loaded: synthetic.SyntheticSet, page: str) -> list:
    with database.owner_connection() as conn:
        email = conn.execute(text("SELECT email FROM organisers WHERE id = :id"),
                             {"id": loaded.flagship_owner_id}).scalar_one()
    at = open_app(database, email, session={"event_pick": str(loaded.flagship_event_id)})
    sent = statements_of_page_run(database, at, page)
    return [(s, p) for s, p in sent if s.lstrip().upper().startswith(("SELECT", "WITH")) and "set_config" not in s]


@pytest.mark.parametrize("page", app_pages("owner"))
def test_no_statement_of_a_page_does_work_out_of_proportion_to_the_event(large, open_app, page: str) -> None:
    """Every read a page run sends on the flagship event, run again with EXPLAIN ANALYZE as the same
    organiser: no plan node handles more than a small multiple of the event's participants. Row
    counts, not times: a plan that pairs every seat with every track fails here on any machine."""
    database, loaded = large
    statements = _page_statements(open_app, database, loaded, page)
    assert statements
    limit = ROWS_PER_PARTICIPANT * SPEC.flagship_participants
    heavy = []
    with database.tenant_session(loaded.flagship_owner_id) as session:
        connection = session.connection()
        for statement, parameters in statements:
            raw = connection.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).scalar()
            plan = raw if isinstance(raw, list) else json.loads(raw)
            worst = max(_rows_handled(plan[0]["Plan"]), key=lambda node: node[1])
            if worst[1] > limit:
                heavy.append((worst, " ".join(statement.split())[:300]))
        session.rollback()
    assert heavy == [], heavy
