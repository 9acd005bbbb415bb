"""The Track distribution page on a 150-person event: how long its script run takes, and how many
statements it sends (``python -m eventflow bench --distribution``). Prints figures; asserts none.

The event is cut from the demo conference (its first 150 guests with their tracks and seats) in an
embedded database of its own (``<data dir>/bench-distribution``), so the dashboard's data are untouched.
Timings on a shared machine are pessimistic.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import event as sa_event
from sqlalchemy import text

from eventflow import db, migrations
from eventflow.bench import timed
from eventflow.config import Settings
from eventflow.db import Database, derive_app_url, sqlalchemy_url
from eventflow.demo import DEMO_EVENT_ID, DEMO_OWNER_EMAIL, demo_id, load_demo

BENCH_EVENT_ID = demo_id("event:bench-150")
PAGE = "pages/track_distribution.py"

_CUT_EVENT = """
INSERT INTO events (organization_id, id, name, starts_on)
SELECT organization_id, :bench, 'Distribution bench (150 people)', starts_on FROM events WHERE id = :demo;
INSERT INTO tracks (organization_id, event_id, name, is_active)
SELECT organization_id, :bench, name, is_active FROM tracks WHERE event_id = :demo;
INSERT INTO seating_tables (organization_id, event_id, table_number, capacity, is_vip_table, label, accessible)
SELECT organization_id, :bench, table_number, capacity, is_vip_table, label, accessible
  FROM seating_tables WHERE event_id = :demo;
CREATE TEMP TABLE bench_people ON COMMIT DROP AS
SELECT id AS old_id, gen_random_uuid() AS new_id FROM participants WHERE event_id = :demo
 ORDER BY lower(full_name), id LIMIT 150;
INSERT INTO participants (organization_id, event_id, id, full_name, email, company, is_vip, networking_opt_in,
                          interests)
SELECT p.organization_id, :bench, b.new_id, p.full_name, p.email, p.company, p.is_vip, p.networking_opt_in,
       p.interests
  FROM participants AS p JOIN bench_people AS b ON b.old_id = p.id;
INSERT INTO participant_tracks (organization_id, event_id, participant_id, track_id)
SELECT pt.organization_id, :bench, b.new_id, nt.id
  FROM participant_tracks AS pt JOIN bench_people AS b ON b.old_id = pt.participant_id
  JOIN tracks AS ot ON ot.id = pt.track_id
  JOIN tracks AS nt ON nt.event_id = :bench AND nt.name = ot.name;
INSERT INTO table_assignments (organization_id, event_id, participant_id, table_number, seat_number, assigned_by)
SELECT a.organization_id, :bench, b.new_id, a.table_number, a.seat_number, a.assigned_by
  FROM table_assignments AS a JOIN bench_people AS b ON b.old_id = a.participant_id;
"""


def _database(data_dir: Path) -> Database:
    from eventflow.embedded import start_embedded_server

    owner_url = start_embedded_server(data_dir)
    migrations.upgrade(owner_url)
    owner = sqlalchemy_url(owner_url)
    database = Database(owner, derive_app_url(owner, None))
    load_demo(database)
    with database.owner_connection() as conn:
        if conn.execute(text("SELECT count(*) FROM events WHERE id = :bench"), {"bench": BENCH_EVENT_ID}).scalar() == 0:
            for statement in filter(str.strip, _CUT_EVENT.split(";")):
                conn.execute(text(statement), {"bench": BENCH_EVENT_ID, "demo": DEMO_EVENT_ID})
            conn.commit()
    return database


def measure(database: Database, event_id: UUID, repeats: int) -> dict[str, object]:
    """First run in this process, cold runs (read cache cleared) and warm reruns, in milliseconds;
    and the statements one cold run sends."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    db._default = database
    os.environ["EVENTFLOW_LOCAL_ORGANISER"] = DEMO_OWNER_EMAIL
    os.environ.pop("DATABASE_URL", None)
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=120)
    at.session_state["event_pick"] = str(event_id)
    at.run()
    started = time.perf_counter()
    at.switch_page(PAGE).run()
    first = (time.perf_counter() - started) * 1000
    assert not at.exception, [e.value for e in at.exception]

    def cold() -> None:
        st.cache_data.clear()
        at.run()

    sent: list[str] = []
    keep = lambda *args: sent.append(args[2])  # noqa: E731 (before_cursor_execute: the statement is third)
    sa_event.listen(database.app_engine, "before_cursor_execute", keep)
    try:
        cold()
    finally:
        sa_event.remove(database.app_engine, "before_cursor_execute", keep)
    return {"first_run_ms": round(first), "cold_ms": timed(cold, repeats), "warm_ms": timed(at.run, repeats),
            "statements": len(sent), "transactions": sum("set_config('eventflow.organiser_id'" in s for s in sent)}


def main(repeats: int = 5) -> int:
    data_dir = Settings.from_environment().data_dir / "bench-distribution"
    print(f"Track distribution page, 150-person event (database in {data_dir})…", flush=True)
    figures = measure(_database(data_dir), BENCH_EVENT_ID, repeats)
    print(f"  first run in this process: {figures['first_run_ms']} ms")
    for key in ("cold_ms", "warm_ms"):
        runs: Any = figures[key]
        print(f"  {key[:-3]} runs: median {runs['median']:.0f} ms (min {runs['min']:.0f}, max {runs['max']:.0f})")
    print(f"  one cold run: {figures['statements']} statements in {figures['transactions']} transaction(s)")
    return 0
