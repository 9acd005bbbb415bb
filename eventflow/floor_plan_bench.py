"""Floor-plan figures for ``python -m eventflow bench`` (``--floor-plan`` runs only these).

On the flagship event (20,000 people, 2,000 tables): the page's script run with the read cache cleared
(cold; once with the plan another session drew still shared, once with that dropped too: the first view
after a change), the time until a real Chromium shows the drawn plan after navigation, a drop (one person moved
to another table: validated, saved, the plan read again and its payload built — everything the server
does between the drop and the updated plan), a table dragged, and the payload's size. On an event of
about 400 people: the same interactions, which should feel instant. Timings, not tests: the machine
may be shared, so they are pessimistic.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import text

from eventflow import floor_plan
from eventflow.db import Database

TARGETS_MS = {"floor_plan_page_ms": 1500, "floor_plan_page_first_ms": 1500, "floor_plan_400_page_first_ms": 300,
              "floor_plan_browser_ms": 2000, "floor_plan_drop_ms": 500,
              "floor_plan_table_move_ms": 500, "floor_plan_400_drop_ms": 300, "floor_plan_400_table_move_ms": 300,
              "floor_plan_400_find_ms": 300, "floor_plan_400_page_ms": 300}
PAYLOAD_LIMIT_BYTES = 5_000_000


def payload_bytes(plan: floor_plan.FloorPlan) -> int:
    """What Streamlit sends the browser for the plan: the payload as JSON."""
    return len(json.dumps(floor_plan.plan_payload(plan, can_edit=True)).encode())


def _movable_person(plan: floor_plan.FloorPlan) -> tuple[str, int]:
    """A seated non-VIP without accessibility needs or rules, and an ordinary table with a free seat."""
    frame, rules = plan.grid.frame, plan.grid.rules
    in_rules = {pid for group in rules.together for pid in group} | {pid for pair in rules.apart for pid in pair}
    fill = frame["base_table"].dropna().astype(int).value_counts().to_dict()
    free = [t.number for t in plan.tables if not t.is_vip and fill.get(t.number, 0) < t.capacity]
    for row in frame[frame["base_table"].notna() & ~frame["is_vip"]].itertuples():
        pid = str(row.participant_id)
        if pid in rules.needs_accessible or pid in in_rules:
            continue
        target = next((n for n in free if n != int(row.base_table)), None)
        if target is not None:
            return pid, target
    raise RuntimeError("no movable person in this event")


def _timed(work, repeats: int) -> dict[str, float]:
    times = []
    for index in range(repeats + 1):
        started = time.perf_counter()
        work()
        if index:  # the first run warms up
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"median": times[len(times) // 2], "min": times[0], "max": times[-1]}


def measure_interactions(database: Database, organiser: UUID, event: UUID, repeats: int,
                         prefix: str) -> dict[str, Any]:
    """Server-side time of a drop and of a table drag, from the intent to the next payload."""
    database.run_transaction(organiser, lambda s: floor_plan.ensure_layout(s, event))

    def load() -> floor_plan.FloorPlan:
        with database.tenant_session(organiser) as session:
            return floor_plan.load_floor_plan(session, event)

    plan = load()

    def refreshed(**changed: Any) -> floor_plan.FloorPlan:
        with database.tenant_session(organiser) as session:
            return floor_plan.refresh_plan(session, plan, **changed)

    def drop() -> None:
        # As the page does it: validate and save against the plan on screen, read back the changed
        # rows, build the payload the browser redraws from.
        nonlocal plan
        pid, target = _movable_person(plan)
        result = database.run_transaction(organiser, lambda s: floor_plan.move_person(s, plan.grid, pid, target))
        assert result.ok, result.message
        plan = refreshed(people=[pid])
        json.dumps(floor_plan.plan_payload(plan, can_edit=True))

    def table_move() -> None:
        nonlocal plan
        table = plan.tables[len(plan.tables) // 2]
        result = database.run_transaction(organiser, lambda s: floor_plan.move_table(
            s, event, table.number, table.x + (0.5 if table.x < 1000 else -0.5), table.y, table.version))
        assert result.ok, result.message
        plan = refreshed(tables=[table.number])
        json.dumps(floor_plan.plan_payload(plan, can_edit=True))

    def reload() -> None:  # a full read, as after a colleague's change or a conflict
        json.dumps(floor_plan.plan_payload(load(), can_edit=True))

    def find() -> None:
        name = str(plan.grid.frame["full_name"].iloc[len(plan.grid.frame) // 2]).upper()
        assert floor_plan.find_people(plan.grid, name)

    return {f"{prefix}_drop_ms": _timed(drop, repeats), f"{prefix}_table_move_ms": _timed(table_move, repeats),
            f"{prefix}_find_ms": _timed(find, repeats), f"{prefix}_full_reload_ms": _timed(reload, repeats),
            f"{prefix}_payload_bytes": payload_bytes(plan),
            f"{prefix}_people": len(plan.grid.frame), f"{prefix}_tables": len(plan.tables)}


def measure_page(database: Database, organiser_email: str, event: UUID, repeats: int, *,
                 first: bool = False) -> dict[str, float]:
    """The floor-plan page's full script run (AppTest), read cache cleared before each: cold. ``first``:
    the plans shared between sessions dropped too (the first view after a change); otherwise the
    event's plan is as the previous run left it (another organiser, a new tab, a return to the page)."""
    import streamlit as st
    import streamlit.logger
    from streamlit.testing.v1 import AppTest

    from eventflow import db as db_module

    streamlit.logger.set_log_level("error")
    db_module._default = database
    os.environ["EVENTFLOW_LOCAL_ORGANISER"] = organiser_email
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=120)
    at.session_state["event_pick"] = str(event)
    at.run()
    at.switch_page("pages/floor_plan.py").run()
    assert not at.exception, [e.value for e in at.exception]

    def cold() -> None:
        st.cache_data.clear()
        if first:
            floor_plan.forget_shared_plans()
        at.run()
        assert not at.exception

    return _timed(cold, repeats)


# The plan lives in the component's shadow root: true once every table is drawn there.
_DRAWN = """tables => {
  for (const host of document.querySelectorAll('*')) {
    const svg = host.shadowRoot && host.shadowRoot.querySelector('svg.plan[data-ready]');
    if (svg) return svg.querySelectorAll('g.tb').length === tables;
  }
  return false;
}"""


def measure_browser(database: Database, organiser_email: str, event: UUID, repeats: int,
                    tables: int) -> dict[str, Any]:
    """From navigation to the plan drawn (every table in the SVG) in Debian's Chromium."""
    from playwright.sync_api import sync_playwright

    from eventflow.bench import CHROMIUM
    from eventflow.serve import start_app, stop_app

    if not CHROMIUM.exists():
        return {"skipped": f"no Chromium at {CHROMIUM}"}
    log = Path(os.environ.get("TMPDIR", "/tmp")) / "eventflow-bench-floor-plan.log"
    app = start_app(database, organiser_email, log)
    times, until_data, drawing = [], [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            tab = context.new_page()
            tab.set_default_timeout(120_000)
            tab.goto(f"{app.url}/floor_plan?event={event}")  # warm: the server's first run and caches
            tab.wait_for_function(_DRAWN, arg=tables)
            for _ in range(repeats):
                started = time.perf_counter()
                tab.goto(f"{app.url}/floor_plan?event={event}")
                tab.wait_for_function(_DRAWN, arg=tables, polling=20)
                times.append((time.perf_counter() - started) * 1000)
                # Where it went: until the plan's data reached our drawing code (Streamlit's page start,
                # the script run, the transfer), and our drawing itself.
                start, drawn = tab.evaluate(_MARKS)
                until_data.append(start)
                drawing.append(drawn - start)
            browser.close()
    finally:
        stop_app(app)
    return {"total": _spread(times), "until_data": _spread(until_data), "drawing": _spread(drawing)}


_MARKS = """() => ['floor-plan-start', 'floor-plan-drawn'].map(
    name => performance.getEntriesByName(name, 'mark').at(-1).startTime)"""


def _spread(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"median": times[len(times) // 2], "min": times[0], "max": times[-1]}


def run(database: Database, flagship_event: UUID, flagship_owner: UUID, repeats: int) -> dict[str, Any]:
    with database.owner_connection() as conn:
        email = conn.execute(text("SELECT email FROM organisers WHERE id = :id"), {"id": flagship_owner}).scalar_one()
        # An event of about 400 people in the flagship's organisation (the "everything instant" size).
        small = conn.execute(text("""
            SELECT e.id FROM events AS e JOIN participants AS p ON p.event_id = e.id
             WHERE e.organization_id = (SELECT organization_id FROM events WHERE id = :flagship) AND e.id <> :flagship
             GROUP BY e.id ORDER BY abs(count(*) - 400), e.id LIMIT 1"""), {"flagship": flagship_event}).scalar()
    results: dict[str, Any] = {}
    print("  flagship: drop and table drag, server side…", flush=True)
    results |= measure_interactions(database, flagship_owner, flagship_event, repeats, "floor_plan")
    if small is not None:
        print("  a 400-person event: drop, table drag, find, page run…", flush=True)
        results |= measure_interactions(database, flagship_owner, small, repeats, "floor_plan_400")
        results["floor_plan_400_page_ms"] = measure_page(database, email, small, repeats)
        results["floor_plan_400_page_first_ms"] = measure_page(database, email, small, repeats, first=True)
    print("  flagship: page run (cold)…", flush=True)
    results["floor_plan_page_ms"] = measure_page(database, email, flagship_event, repeats)
    results["floor_plan_page_first_ms"] = measure_page(database, email, flagship_event, repeats, first=True)
    print("  flagship: navigation to the drawn plan in Chromium…", flush=True)
    try:
        browser = measure_browser(database, email, flagship_event, max(5, repeats // 2), results["floor_plan_tables"])
        if "total" in browser:
            results["floor_plan_browser_ms"] = browser["total"]
            results["floor_plan_browser_until_data_ms"] = browser["until_data"]
            results["floor_plan_browser_drawing_ms"] = browser["drawing"]
        else:
            results["floor_plan_browser_ms"] = browser
    except Exception as error:  # a browser that cannot start must not cost the other figures
        results["floor_plan_browser_error"] = f"{type(error).__name__}: {error}"[:300]
    people = results["floor_plan_people"]
    results["floor_plan_payload_bytes_per_person"] = round(results["floor_plan_payload_bytes"] / max(people, 1), 1)
    results["floor_plan_payload_within_limit"] = results["floor_plan_payload_bytes"] < PAYLOAD_LIMIT_BYTES
    if small is not None:
        results["floor_plan_400_payload_bytes_per_person"] = round(
            results["floor_plan_400_payload_bytes"] / max(results["floor_plan_400_people"], 1), 1)
    assert math.isfinite(results["floor_plan_payload_bytes_per_person"])
    return results
