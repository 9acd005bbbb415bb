"""``python -m eventflow bench --load``: several organisers on the flagship event at once (issue 13).

Two parts, both against real ``streamlit run`` processes driven by Chromium:

1. **Per interaction** (one organiser, warm): a filter change, a cell edit, a save and a page
   switch on the seating editor of a 400-, a 2,000- and the 20,000-person event. Server time and
   statements come from the server itself (``EVENTFLOW_PROFILE``, ``eventflow/profiling.py``: the
   script run's wall time and each statement's time); the bytes are what the browser received on
   the websocket for the interaction.
2. **Concurrency**: 1, 2, 4, 8 and 16 organisers, each in their own Chromium tab on the flagship's
   seating editor, all asking for a full rerun at once ("r", Streamlit's rerun key: the page's
   whole script, heavier than a filter change), again and again; against one process and against
   two behind HAProxy (``eventflow/serve.py``). The wait is from the key press to the tab's run
   finishing.

Chromium's tabs run on the same two cores as the server and PostgreSQL: the figures are
pessimistic, and more so on a machine shared with others.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import text

from eventflow import bench, synthetic
from eventflow.config import Settings
from eventflow.db import Database

SIZES = (400, 2_000)  # copied from the flagship into its organisation, beside the flagship itself
CONCURRENCY = (1, 2, 4, 8, 16)
TARGET_MS = 300
TARGET_BYTES = 300_000
TARGET_WAIT_8_S = 1.5
KINDS = ("filter change", "cell edit", "save", "page switch")


# ------------------------------------------------------------------------------------ the events

def copy_event(database: Database, flagship: UUID, size: int) -> UUID:
    """An event of ``size`` people in the flagship's organisation: the flagship's first ``size``
    people with their tracks and seats, and a quarter more tables, empty (made once; found by name
    afterwards)."""
    name = f"Bench copy, {size:,} people, with free tables"
    with database.owner_connection() as conn:
        found = conn.execute(text("SELECT id FROM events WHERE name = :n"), {"n": name}).scalar()
        if found:
            return found
        event = conn.execute(text(
            "INSERT INTO events (organization_id, name) SELECT organization_id, :n FROM events WHERE id = :f "
            "RETURNING id"), {"n": name, "f": flagship}).scalar_one()
        params = {"f": flagship, "e": event, "size": size, "tables": size // 10 + 2}
        for statement in (
            """INSERT INTO tracks (organization_id, id, event_id, name, is_active)
               SELECT organization_id, md5(id::text || :e)::uuid, :e, name, is_active
                 FROM tracks WHERE event_id = :f""",
            """CREATE TEMP TABLE chosen ON COMMIT DROP AS
               SELECT id FROM participants WHERE event_id = :f ORDER BY id LIMIT :size""",
            """INSERT INTO participants (organization_id, id, event_id, full_name, email, company, is_vip,
                                         networking_opt_in, interests)
               SELECT organization_id, md5(id::text || :e)::uuid, :e, full_name, email, company, is_vip,
                      networking_opt_in, interests
                 FROM participants WHERE id IN (SELECT id FROM chosen)""",
            """INSERT INTO participant_tracks (organization_id, event_id, participant_id, track_id)
               SELECT organization_id, :e, md5(participant_id::text || :e)::uuid, md5(track_id::text || :e)::uuid
                 FROM participant_tracks WHERE participant_id IN (SELECT id FROM chosen)""",
            """INSERT INTO seating_tables (organization_id, event_id, table_number, capacity, is_vip_table, accessible)
               SELECT organization_id, :e, table_number, capacity, is_vip_table, accessible
                 FROM seating_tables WHERE event_id = :f AND table_number <= :tables""",
            # The flagship's first tables are its VIP tables: some ordinary empty ones to move people to.
            """INSERT INTO seating_tables (organization_id, event_id, table_number, capacity)
               SELECT organization_id, :e, :tables + n, 10 FROM events, generate_series(1, :tables / 4 + 1) AS n
                WHERE id = :e""",
            """INSERT INTO table_assignments (organization_id, event_id, participant_id, table_number, seat_number,
                                              is_vip_table, assigned_by)
               SELECT organization_id, :e, md5(participant_id::text || :e)::uuid, table_number, seat_number,
                      is_vip_table, assigned_by
                 FROM table_assignments WHERE participant_id IN (SELECT id FROM chosen) AND table_number <= :tables""",
        ):
            conn.execute(text(statement), params)
        conn.commit()
    return event


def free_tables(database: Database, event: UUID) -> list[int]:
    """Non-VIP, accessible-or-not tables with three or more free seats, by number."""
    with database.owner_connection() as conn:
        return list(conn.execute(text(
            """SELECT t.table_number FROM seating_tables AS t
                WHERE t.event_id = :e AND NOT t.is_vip_table
                  AND t.capacity - (SELECT count(*) FROM table_assignments AS a
                                     WHERE a.event_id = t.event_id AND a.table_number = t.table_number) >= 3
                ORDER BY t.table_number"""), {"e": event}).scalars())


# ------------------------------------------------------------------------------ per interaction

def _profile_lines(profile: Path) -> list[dict]:
    if not profile.exists():
        return []
    return [json.loads(line) for line in profile.read_text().splitlines() if line.strip()]


def _wait_idle(page) -> None:
    page.wait_for_selector("[data-test-script-state='notRunning']", state="attached")
    page.wait_for_function(
        "() => document.querySelector(\"[data-test-script-state='notRunning']\") !== null"
        " && document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0")


def _measure(page, profile: Path, received: list[int], action: Callable[[], object],
             limit: float = 120) -> dict[str, Any] | None:
    """Run ``action`` and gather the server runs it caused (until one ends normally) and the bytes
    the websocket brought; None when it caused none within ``limit`` seconds."""
    before = len(_profile_lines(profile))
    received.clear()
    action()
    deadline = time.monotonic() + limit
    while True:
        lines = _profile_lines(profile)[before:]
        if lines and lines[-1]["outcome"] == "done":
            break
        if time.monotonic() > deadline:
            if lines:
                raise RuntimeError(f"no finished run after the interaction: {lines}")
            return None
        time.sleep(0.05)
    _wait_idle(page)
    statements = [s for line in lines for s in line["statements"]]
    return {"ms": sum(line["ms"] for line in lines), "runs": len(lines), "statements": len(statements),
            "sql_ms": sum(ms for _, ms in statements), "bytes": sum(received),
            "sql": [[sql[:90], ms] for sql, ms in statements]}


def _edit_cell(page, row: int, choices: list[int]) -> str:
    """Put the first of ``choices`` that is not the cell's table already (typing the value a cell
    holds changes nothing and runs nothing; earlier runs of the bench left people at these tables)
    into the Table cell of ``row``, and return it. As an organiser does: the cell is found in the
    grid's accessible table by its header (never by pixel offsets), Enter opens its editor, the
    value goes in whole, Enter confirms. Typing key by key into a selected cell lost the first key
    now and then (a "43" became table 3, a VIP table, and the bench could not save: issue 13)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    grid = page.get_by_test_id("stDataFrame").first
    for attempt in range(4):
        _wait_idle(page)
        grid.get_by_test_id("data-grid-canvas").focus()
        header = grid.get_by_role("columnheader", name="Table", exact=True, include_hidden=True)
        cell = grid.locator(f"tr[role='row'][aria-rowindex='{row + 2}']").locator(
            f"[role='gridcell'][aria-colindex='{header.get_attribute('aria-colindex')}']")
        cell.focus()  # glide selects the cell that takes focus in its accessible table
        value = next(str(n) for n in choices if str(n) != cell.inner_text().strip())
        page.keyboard.press("Enter")
        editor = page.locator(".gdg-input")
        try:
            editor.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            if attempt == 3:
                raise
            page.keyboard.press("Escape")
    editor.fill(value)
    page.keyboard.press("Enter")
    return value


def participants_in(database: Database, event: UUID) -> int:
    with database.owner_connection() as conn:
        return conn.execute(text("SELECT count(*) FROM participants WHERE event_id = :e"), {"e": event}).scalar_one()


def open_editor(page, url: str, event: UUID, participants: int) -> None:
    """The seating editor of ``event``, checked by its size: figures are never of another event.
    A freshly started server's first session used to drop the link's ``?event=`` (fixed in app.py
    since) and show the organisation's first event; the "400-person" figures were then taken on
    the 2,000-person copy, whose VIP tables made every save of the 400's free tables a refusal."""
    expected = f"of {participants:,} participants shown"
    for _ in range(3):
        page.goto(f"{url}/seating_editor?event={event}")
        page.get_by_text("participants shown").first.wait_for()
        _wait_idle(page)
        if page.get_by_text(expected).count():
            return
    raise RuntimeError(f"the seating editor did not open the event {event} ({expected!r} not shown)")


def measure_interactions(browser, url: str, database: Database, event: UUID, profile: Path,
                         repeats: int) -> dict[str, list[dict]]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    received: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(len(payload))))
    samples: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    tables = free_tables(database, event)
    nav = page.locator("[data-testid='stSidebarNav'] a")
    try:
        open_editor(page, url, event, participants_in(database, event))
        for round_number in range(repeats + 2):  # two warm-up rounds, not kept
            keep = round_number >= 2
            got = {}
            for kind in ("filter change", "filter change 2"):
                got[kind] = _measure(page, profile, received,
                                     lambda: page.get_by_text("Unseated only", exact=True).click())
            # Warm page switches: away to the overview and back (a save just before would make them cold).
            got["page switch"] = _measure(page, profile, received,
                                          lambda: nav.filter(has_text="Overview").first.click())
            got["page switch 2"] = _measure(page, profile, received,
                                            lambda: nav.filter(has_text="Seating editor").first.click())
            page.get_by_text("participants shown").first.wait_for()
            _wait_idle(page)
            start = (7 * round_number) % len(tables)
            choices = tables[start:start + 3] + tables[:3]
            row = round_number % 10
            table = choices[0]
            got["cell edit"] = _measure(page, profile, received,
                                        functools.partial(_edit_cell, page, row, choices), limit=20)
            save = page.get_by_role("button", name="Save changes")
            if got["cell edit"] is not None and save.is_enabled():
                got["save"] = _measure(page, profile, received, save.click)
            elif page.get_by_role("button", name="Reload latest").count():
                # The edit broke a rule (e.g. the person needs an accessible table): start afresh.
                alerts = page.locator("[data-testid='stAlert']").all_inner_texts()
                print(f"    no save in round {round_number} (row {row}, table {table}): {alerts}", flush=True)
                page.screenshot(path=str(profile.parent / f"no-save-{round_number}.png"), full_page=True)
                _measure(page, profile, received, lambda: page.get_by_role("button", name="Reload latest").click())
            page.get_by_text("participants shown").first.wait_for()
            if keep:
                for kind, sample in got.items():
                    if sample is not None:
                        samples[kind.removesuffix(" 2")].append(sample | {"what": kind})
    finally:
        context.close()
    return samples


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else float("nan")


def summarise(samples: dict[str, list[dict]]) -> dict[str, dict[str, float]]:
    summary = {}
    for kind, runs in samples.items():
        if not runs:
            continue
        summary[kind] = {
            "median_ms": round(statistics.median(r["ms"] for r in runs), 1),
            "p95_ms": round(p95([r["ms"] for r in runs]), 1),
            "statements": round(statistics.median(r["statements"] for r in runs), 1),
            "sql_ms": round(statistics.median(r["sql_ms"] for r in runs), 1),
            "p95_bytes": int(p95([r["bytes"] for r in runs])),
            "samples": len(runs),
        }
    return summary


# -------------------------------------------------------------------------------- concurrency

# Seconds of pressing per row: the 8- and 16-organiser rows get the most, since their p95 is the
# goal and each press round of 8 tabs is one correlated sample (the last tab served waits longest).
SECONDS_QUICK: dict[int, float] = {1: 10, 2: 10, 4: 15, 8: 60, 16: 30}
SECONDS_FULL: dict[int, float] = {1: 20, 2: 20, 4: 30, 8: 150, 16: 60}
MIN_ROUNDS = 5
SUB_ROUNDS = 3  # the row's presses cut into this many consecutive stretches, each with its own p95
BOOTSTRAP = 2000

# Chromium's throttling of background tabs would be the rig's delay, not the server's; Playwright
# already launches it with --disable-background-timer-throttling, --disable-renderer-backgrounding
# and --disable-backgrounding-occluded-windows, so only these are added.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]

_RUN_COUNTER = """
() => {
  window.__runs = 0; window.__started = 0;
  const now = () => performance.timeOrigin + performance.now();  // epoch ms, comparable with the server's
  new MutationObserver(records => {
    for (const r of records) {
      if (r.attributeName !== 'data-test-script-state') continue;
      const state = r.target.getAttribute('data-test-script-state');
      if (r.oldValue === 'running' && state === 'notRunning') { window.__runs += 1; window.__doneAt = now(); }
      if (r.oldValue !== 'running' && state === 'running') window.__started += 1;
    }
  }).observe(document.body, {attributes: true, attributeOldValue: true, subtree: true,
                             attributeFilter: ['data-test-script-state']});
  // Nothing focused: a key press in a focused widget (the grid, a select box) is that widget's, and
  // Streamlit ignores its rerun key there.
  window.__pressed = () => { document.activeElement?.blur(); window.__clickAt = now(); };
}
"""


_SETTLED = """() => document.querySelector("[data-test-script-state='notRunning']") !== null
    && performance.timeOrigin + performance.now() - (window.__doneAt || 0) > 250"""


def _process_cpu(processes: list) -> float:
    import psutil

    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def _postmaster(database: Database):  # noqa: ANN202  (a psutil.Process, or None)
    import psutil

    try:
        with database.owner_connection() as conn:
            data_dir = Path(conn.execute(text("SHOW data_directory")).scalar_one())
        return psutil.Process(int((data_dir / "postmaster.pid").read_text().split()[0]))
    except Exception:  # noqa: BLE001  (a managed or remote server: its CPU is simply not counted)
        return None


def cpu_seconds(postmaster) -> dict[str, float]:  # noqa: ANN001
    """CPU seconds so far of the parts of the rig: the Streamlit servers, the browser rig (Chromium,
    Playwright's driver and this process), HAProxy, PostgreSQL, and the whole machine (the rest is
    other people's work)."""
    import psutil

    parts: dict[str, list] = {"server": [], "browser": [], "proxy": [], "database": []}
    for child in psutil.Process().children(recursive=True):
        try:
            name = child.name().lower()
        except psutil.Error:
            continue
        part = ("browser" if "chrom" in name or "headless" in name or name.startswith("node")
                else "proxy" if "haproxy" in name else "server" if "python" in name or "streamlit" in name
                else None)
        if part:
            parts[part].append(child)
    parts["browser"].append(psutil.Process())  # this driver too: the rig, not the server
    if postmaster is not None:
        with contextlib.suppress(psutil.Error):
            parts["database"] = [postmaster, *postmaster.children(recursive=True)]
    machine = psutil.cpu_times()
    busy = machine.user + machine.system + getattr(machine, "nice", 0) + getattr(machine, "irq", 0) \
        + getattr(machine, "softirq", 0)
    return {part: _process_cpu(processes) for part, processes in parts.items()} | {"machine": busy}


def _bootstrap_p95(rounds: list[list[float]], draws: int = BOOTSTRAP) -> tuple[float, float]:
    """A 90 % interval for the p95 wait, resampling whole press rounds (the waits of one round are
    not independent: the tabs queue behind each other)."""
    import random

    chooser = random.Random(13)
    estimates = sorted(p95([w for _ in rounds for w in chooser.choice(rounds)]) for _ in range(draws))
    return estimates[int(0.05 * draws)], estimates[int(0.95 * draws) - 1]


def _split_presses(presses: list[dict], lines: list[dict]) -> list[dict]:
    """Each press with its server run (the same session's page run that ended between the press and
    the tab's run finishing): the wait cut into before the run (the key press reaching the server and
    the run waiting to start), the run (its wall time; cpu_ms of it computing), and after the run (the
    last messages to the browser and the tab drawing them)."""
    runs: dict[str, list[dict]] = {}
    for line in lines:
        if line.get("kind") == "page" and line.get("session"):
            runs.setdefault(line["session"], []).append(line)
    split = []
    for press in presses:
        click, done = press["click"] / 1000, press["done"] / 1000
        ended = [r for r in runs.get(press["session"], []) if click <= r["at"] <= done + 0.05]
        if not ended:
            continue
        run = ended[-1]
        start = run["at"] - run["ms"] / 1000
        split.append({"before_s": max(0.0, start - click), "run_s": run["ms"] / 1000,
                      "run_cpu_s": run.get("cpu_ms", 0) / 1000, "after_s": max(0.0, done - run["at"]),
                      "until_run_done_s": max(0.0, run["at"] - click)})
    return split


def _sessions_of(tabs: list, profile: Path | None, open_tab: Callable[[Any], None]) -> list[str]:
    """Open each tab in turn and note the server session its runs came from (the last run's)."""
    sessions = []
    for tab in tabs:
        before = len(_profile_lines(profile)) if profile else 0
        open_tab(tab)
        mine = [line for line in (_profile_lines(profile)[before:] if profile else []) if line.get("session")]
        sessions.append(mine[-1]["session"] if mine else "")
    return sessions


def measure_concurrency(browser, url: str, event: UUID, seconds: dict[int, float], participants: int,
                        profile: Path | None = None, postmaster=None) -> dict[str, dict[str, Any]]:  # noqa: ANN001
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    figures: dict[str, dict[str, Any]] = {}
    for concurrent in CONCURRENCY:
        contexts = [browser.new_context(viewport={"width": 1400, "height": 900}) for _ in range(concurrent)]
        tabs = [context.new_page() for context in contexts]
        try:
            for tab in tabs:
                tab.set_default_timeout(180_000)
            sessions = _sessions_of(tabs, profile, lambda tab: open_editor(tab, url, event, participants))
            for tab in tabs:
                tab.evaluate(_RUN_COUNTER)
            profile_from = len(_profile_lines(profile)) if profile else 0
            rounds: list[list[float]] = []
            presses: list[dict] = []
            lost = 0
            stalled = 0.0  # seconds spent waiting for a rerun the server never got asked for
            cpu_before = cpu_seconds(postmaster)
            started = time.perf_counter()
            # At least MIN_ROUNDS rounds even when presses had to be repeated, within three times the time.
            while (time.perf_counter() - started < seconds[concurrent]
                   or (len(rounds) < MIN_ROUNDS and time.perf_counter() - started < 3 * seconds[concurrent])):
                for tab in tabs:
                    # Streamlit's frontend ignores the rerun key while it counts a run as going on;
                    # a tab whose last run ended a moment ago may not have settled yet.
                    tab.wait_for_function(_SETTLED)
                before = [tab.evaluate("[window.__runs, window.__started]") for tab in tabs]
                for tab in tabs:
                    tab.evaluate("window.__pressed()")
                    tab.keyboard.press("r")  # Streamlit's rerun key: the whole script
                waits: list[float] = []
                for tab, (runs, starts), session in zip(tabs, before, sessions, strict=True):
                    for _ in range(8):
                        waiting_since = time.perf_counter()
                        try:
                            # A run that started (or already ended) shows the press arrived; 5 s
                            # without either means the tab dropped it.
                            tab.wait_for_function(f"window.__runs > {runs} || window.__started > {starts}",
                                                  timeout=5_000)
                            tab.wait_for_function(f"window.__runs > {runs}", timeout=180_000)
                            break
                        except PlaywrightTimeout:
                            stalled += time.perf_counter() - waiting_since
                            # The tab's frontend dropped the key press (it arrived while the tab was
                            # still busy drawing the last run): press again and count from there,
                            # since the server never saw the first one. Reported as presses_repeated.
                            lost += 1
                            runs, starts = tab.evaluate("[window.__runs, window.__started]")
                            tab.evaluate("window.__pressed()")
                            tab.keyboard.press("r")
                    click, done = tab.evaluate("[window.__clickAt, window.__doneAt]")
                    waits.append((done - click) / 1000)
                    presses.append({"session": session, "click": click, "done": done})
                rounds.append(waits)
            elapsed = time.perf_counter() - started
            cpu_after = cpu_seconds(postmaster)
        finally:
            for context in contexts:
                context.close()
        every = [w for waits in rounds for w in waits]
        third = max(1, len(rounds) // SUB_ROUNDS)
        stretches = [rounds[i:i + third] for i in range(0, len(rounds), third)][:SUB_ROUNDS]
        low, high = _bootstrap_p95(rounds)
        cpu = {part: round(cpu_after[part] - cpu_before[part], 1) for part in cpu_after}
        cpu["other"] = round(cpu["machine"] - sum(v for k, v in cpu.items() if k != "machine"), 1)
        lines = _profile_lines(profile)[profile_from:] if profile else []
        split = _split_presses(presses, lines)
        # The rate leaves out the time spent waiting on dropped presses: that is the bench's own
        # timeout, not the server's work (without this, one dropped press made 1.3 runs/s read 0.06).
        row: dict[str, Any] = {
            "page_runs_per_s": round(len(every) / max(elapsed - stalled, 1e-6), 2),
            "median_wait_s": round(statistics.median(every), 2), "p95_wait_s": round(p95(every), 2),
            "presses_repeated": lost, "samples": len(every), "press_rounds": len(rounds),
            "seconds": round(elapsed, 1), "p95_wait_90pct_interval_s": [round(low, 2), round(high, 2)],
            "p95_wait_by_stretch_s": [round(p95([w for waits in part for w in waits]), 2) for part in stretches],
            "cpu_s": cpu, "cpu_s_per_run": {part: round(v / max(len(every), 1), 3) for part, v in cpu.items()},
        }
        if lines:
            # Garbage collection in the servers (all generations), per page run: it holds the GIL.
            row["gc_ms_per_run"] = round(sum(line.get("gc_ms_since_last", 0) for line in lines)
                                         / max(1, sum(line.get("kind") == "page" for line in lines)), 1)
        if split:
            row["wait_split_s"] = {
                "presses_matched": len(split),
                **{f"{part}_median": round(statistics.median(s[part] for s in split), 3)
                   for part in ("before_s", "run_s", "run_cpu_s", "after_s")},
                **{f"{part}_p95": round(p95([s[part] for s in split]), 3)
                   for part in ("before_s", "run_s", "run_cpu_s", "after_s", "until_run_done_s")}}
        figures[str(concurrent)] = row
        print(f"    {concurrent:>2} organisers: {_row_line(row)}", flush=True)
    return figures


def _row_line(row: dict[str, Any]) -> str:
    low, high = row["p95_wait_90pct_interval_s"]
    text_ = (f"{row['page_runs_per_s']} runs/s, wait median {row['median_wait_s']} s, p95 {row['p95_wait_s']} s "
             f"[{low}-{high}] of {row['samples']} in {row['press_rounds']} rounds, by stretch "
             f"{row['p95_wait_by_stretch_s']}, presses repeated {row['presses_repeated']}")
    split = row.get("wait_split_s")
    if split:
        text_ += (f"; median split: before run {split['before_s_median']} s, run {split['run_s_median']} s "
                  f"(cpu {split['run_cpu_s_median']}), after run {split['after_s_median']} s; p95 from the press "
                  f"to the server run's end {split['until_run_done_s_p95']} s")
    per_run = row["cpu_s_per_run"]
    if "gc_ms_per_run" in row:
        text_ += f"; garbage collection {row['gc_ms_per_run']} ms per run"
    text_ += (f"; CPU s per run: server {per_run['server']}, browser {per_run['browser']}, "
              f"database {per_run['database']}, others' {per_run['other']}")
    return text_


# ----------------------------------------------------------------- writers of one event (item 3)

_CHECK_IN = text("UPDATE participants SET checked_in_at = now() WHERE id = :p")


def counter_contention(database: Database, flagship: UUID, organiser: UUID, threads: int = 8,
                       each: int = 40) -> dict[str, Any]:
    """How long writers wait on an event's change-counter row (migration 025): ``threads`` door
    staff checking people in (one transaction per check-in) on one event, and spread over
    ``threads`` events of the same organisation; then one check-in while a 2-second write is open
    on the same event and on another. Check-ins set ``checked_in_at``: run it on bench data only."""
    import threading

    with database.owner_connection() as conn:
        events = list(conn.execute(text(
            """SELECT e.id FROM events AS e JOIN participants AS p ON p.event_id = e.id
                WHERE e.organization_id = (SELECT organization_id FROM events WHERE id = :f)
                GROUP BY e.id HAVING count(*) >= 200 ORDER BY (e.id = :f) DESC, e.id LIMIT :n"""),
            {"f": flagship, "n": threads}).scalars())
        people = {e: list(conn.execute(text("SELECT id FROM participants WHERE event_id = :e ORDER BY id LIMIT 200"),
                                       {"e": e}).scalars()) for e in events}

    def check_in(person: UUID) -> None:
        database.run_transaction(organiser, lambda session: session.execute(_CHECK_IN, {"p": person}))

    def burst(spread: bool) -> dict[str, float]:
        waits: list[float] = []

        def work(worker: int) -> None:
            event = events[worker % len(events)] if spread else events[0]
            for k in range(each):
                started = time.perf_counter()
                check_in(people[event][(worker * each + k) % len(people[event])])
                waits.append((time.perf_counter() - started) * 1000)
        workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
        return {"check_ins_per_s": round(len(waits) / elapsed), "median_ms": round(statistics.median(waits), 1),
                "p95_ms": round(p95(waits), 1)}

    def during_long_write(same_event: bool) -> float:
        opened = threading.Event()

        def long_write() -> None:
            with database.tenant_session(organiser) as session:
                session.execute(text("UPDATE participants SET company = company WHERE id = ANY (CAST(:ids AS uuid[]))"),
                                {"ids": [str(p) for p in people[events[0]][100:150]]})
                opened.set()
                time.sleep(2.0)
        writer = threading.Thread(target=long_write)
        writer.start()
        opened.wait()
        started = time.perf_counter()
        check_in(people[events[0] if same_event else events[1]][0])
        took = (time.perf_counter() - started) * 1000
        writer.join()
        return round(took)

    return {"one_event": burst(False), "spread_over_events": burst(True),
            "check_in_during_2s_write_same_event_ms": during_long_write(True),
            "check_in_during_2s_write_other_event_ms": during_long_write(False),
            "load_average": os.getloadavg()}


# ------------------------------------------------------------------------------------ the run

def run(quick: bool, repeats: int, seconds: dict[int, float], log_dir: Path) -> dict[str, Any]:
    """Both parts, then the writers' wait on the change counter; with
    ``EVENTFLOW_BENCH_REUSE_INTERACTIONS=1`` the per-interaction figures of the last run (kept in
    ``log_dir``) are reused and only the load test runs again."""
    run_started = time.perf_counter()
    spec = synthetic.QUICK if quick else synthetic.FULL
    data_dir = Settings.from_environment().data_dir / ("bench-quick" if quick else "bench")
    database, data = bench.prepare_dataset(spec, data_dir)
    events = {size: copy_event(database, data.flagship_event_id, size) for size in SIZES}
    events[spec.flagship_participants] = data.flagship_event_id
    with database.owner_connection() as conn:
        email = conn.execute(text("SELECT email FROM organisers WHERE id = :id"),
                             {"id": data.flagship_owner_id}).scalar_one()
    log_dir.mkdir(parents=True, exist_ok=True)
    profile = log_dir / "profile.jsonl"
    results: dict[str, Any] = {}
    saved = log_dir / "interactions.json"
    if os.environ.get("EVENTFLOW_BENCH_REUSE_INTERACTIONS") and saved.exists():
        # Re-running only the load test (it is the long, fragile part on a shared machine).
        results = json.loads(saved.read_text())
        print(f"  reusing the per-interaction figures of {saved}", flush=True)
    else:
        profile.unlink(missing_ok=True)
        results = measure_all_interactions(database, events, email, profile, log_dir, repeats,
                                           spec.flagship_participants)
        saved.write_text(json.dumps(results, indent=2, default=str))
    _load_tests(database, data.flagship_event_id, email, log_dir, seconds, results)
    print("  writers of one event and the change counter…", flush=True)
    results["counter_contention"] = counter_contention(database, data.flagship_event_id, data.flagship_owner_id)
    database.dispose()
    _headline(results, spec.flagship_participants, quick, repeats, seconds)
    results["load_meta"]["bench_minutes"] = round((time.perf_counter() - run_started) / 60, 1)
    return results


def measure_all_interactions(database: Database, events: dict[int, UUID], email: str, profile: Path,
                             log_dir: Path, repeats: int, flagship_size: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from eventflow.serve import start_app, stop_app

    results: dict[str, Any] = {}
    os.environ["EVENTFLOW_PROFILE"] = str(profile)
    try:
        app = start_app(database, email, log_dir / "streamlit-interactions.log")
    finally:
        os.environ.pop("EVENTFLOW_PROFILE", None)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(bench.CHROMIUM), headless=True,
                                                 args=CHROMIUM_ARGS)
            per_size = {}
            for size, event in sorted(events.items()):
                print(f"  interactions on the {size:,}-person event…", flush=True)
                samples = measure_interactions(browser, app.url, database, event, profile, repeats)
                per_size[str(size)] = summarise(samples)
                if size == flagship_size:
                    results["interaction_statements"] = {
                        kind: runs[len(runs) // 2]["sql"] for kind, runs in samples.items() if runs}
            results["interactions"] = per_size
            browser.close()
    finally:
        stop_app(app)
    return results


def _load_tests(database: Database, event: UUID, email: str, log_dir: Path, seconds: dict[int, float],
                results: dict[str, Any]) -> None:
    from playwright.sync_api import sync_playwright

    from eventflow.serve import start_app, start_cluster, stop_app, stop_cluster

    people = participants_in(database, event)
    postmaster = _postmaster(database)
    # The servers record each run (and whose it was) so that every wait can be split in server time
    # and the rest; one JSON line per run, appended by each process.
    profile = log_dir / "profile-load.jsonl"
    profile.unlink(missing_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(bench.CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        os.environ["EVENTFLOW_PROFILE"] = str(profile)
        try:
            print("  one process:", flush=True)
            app = start_app(database, email, log_dir / "streamlit-load.log")
            try:
                results["load_1proc"] = measure_concurrency(browser, app.url, event, seconds, people, profile,
                                                            postmaster)
            finally:
                stop_app(app)
            print("  two processes behind HAProxy:", flush=True)
            cluster = start_cluster(database, email, 2, log_dir / "cluster")
            try:
                results["load_2proc"] = measure_concurrency(browser, cluster.url, event, seconds, people,
                                                            profile, postmaster)
            finally:
                stop_cluster(cluster)
        finally:
            os.environ.pop("EVENTFLOW_PROFILE", None)
        browser.close()


def _headline(results: dict[str, Any], flagship_size: int, quick: bool, repeats: int,
              seconds: dict[int, float]) -> None:
    flagship = results["interactions"][str(flagship_size)]
    results["interaction_p95_ms"] = max(k["p95_ms"] for k in flagship.values())
    results["interaction_p95_kind"] = max(flagship, key=lambda kind: flagship[kind]["p95_ms"])
    results["interaction_bytes_p95"] = max(k["p95_bytes"] for k in flagship.values())
    results["load_8_p95_s"] = results["load_1proc"]["8"]["p95_wait_s"]
    results["load_8_p95_s_2proc"] = results["load_2proc"]["8"]["p95_wait_s"]
    results["load_8_runs_per_s"] = results["load_1proc"]["8"]["page_runs_per_s"]
    results["load_8_runs_per_s_2proc"] = results["load_2proc"]["8"]["page_runs_per_s"]
    results["load_8_samples"] = results["load_1proc"]["8"].get("samples")
    results["load_8_samples_2proc"] = results["load_2proc"]["8"].get("samples")
    results["load_8_p95_90pct_interval_s"] = results["load_1proc"]["8"].get("p95_wait_90pct_interval_s")
    results["load_8_p95_90pct_interval_s_2proc"] = results["load_2proc"]["8"].get("p95_wait_90pct_interval_s")
    results["load_meta"] = {"quick": quick, "repeats": repeats,
                            "seconds_per_level": {str(n): s for n, s in seconds.items()},
                            "machine": f"{os.cpu_count()} cores, shared", "load_average": os.getloadavg(),
                            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def print_tables(results: dict[str, Any]) -> None:
    print("\nserver time per interaction on the seating editor, warm (one organiser):")
    print(f"  {'people':>7} {'interaction':14} {'median ms':>10} {'p95 ms':>8} {'statements':>11} "
          f"{'SQL ms':>7} {'p95 bytes':>10}")
    for size, kinds in results["interactions"].items():
        for kind, f in kinds.items():
            print(f"  {int(size):>7,} {kind:14} {f['median_ms']:>10} {f['p95_ms']:>8} {f['statements']:>11} "
                  f"{f['sql_ms']:>7} {f['p95_bytes']:>10,}")
    print("\nstatements of a typical flagship interaction (SQL, ms):")
    for kind, statements in results.get("interaction_statements", {}).items():
        print(f"  {kind}:")
        for sql, ms in statements:
            print(f"    {ms:7.2f}  {sql}")
    print("\norganisers asking for a full rerun at once on the flagship's seating editor "
          "(p95 [90 % interval, bootstrap over press rounds], waits counted):")
    for label, key in (("1 process", "load_1proc"), ("2 processes behind HAProxy", "load_2proc")):
        print(f"  {label}:")
        print(f"  {'organisers':>10} {'runs/s':>7} {'median s':>9} {'p95 s':>6} {'p95 interval':>13} "
              f"{'waits':>6} {'p95 by stretch':>18} | {'before':>6} {'run':>5} {'cpu':>5} {'after':>6} "
              f"{'p95 to run end':>14} | "
              f"CPU s per run: {'server':>6} {'browser':>7} {'db':>5} {'others':>6}")
        for n in map(str, CONCURRENCY):
            row = results[key][n]
            low, high = row.get("p95_wait_90pct_interval_s", ["-", "-"])
            split = row.get("wait_split_s", {})
            per_run = row.get("cpu_s_per_run", {})
            stretch = ", ".join(map(str, row.get("p95_wait_by_stretch_s", [])))
            print(f"  {n:>10} {row['page_runs_per_s']:>7} {row['median_wait_s']:>9} {row['p95_wait_s']:>6} "
                  f"{f'{low}-{high}':>13} {row.get('samples', '-'):>6} {stretch:>18} | "
                  f"{split.get('before_s_median', '-'):>6} {split.get('run_s_median', '-'):>5} "
                  f"{split.get('run_cpu_s_median', '-'):>5} {split.get('after_s_median', '-'):>6} "
                  f"{split.get('until_run_done_s_p95', '-'):>14} | "
                  f"{'':15}{per_run.get('server', '-'):>6} {per_run.get('browser', '-'):>7} "
                  f"{per_run.get('database', '-'):>5} {per_run.get('other', '-'):>6}")
    print("  (before/run/cpu/after: medians of each wait cut at its server run: the key press reaching the "
          "server and the run waiting to start; the run's wall time; the thread's CPU in it; the last "
          "messages reaching the tab and the tab drawing them. p95 to run end: the press to the server "
          "run's end, i.e. the wait without the tab's own drawing. CPU s per run: the servers, the browser "
          "rig (Chromium, Playwright, this driver), PostgreSQL, and everything else on the machine)")
    contention = results.get("counter_contention")
    if contention:
        print("\nwriters of one event (check-ins, one transaction each; the change counter, migrations 025/033):")
        print(f"  8 at once on one event: {contention['one_event']}")
        print(f"  8 at once, spread over events: {contention['spread_over_events']}")
        print(f"  one check-in while a 2 s write is open on the same event: "
              f"{contention['check_in_during_2s_write_same_event_ms']} ms, on another event: "
              f"{contention['check_in_during_2s_write_other_event_ms']} ms")
    print(f"\ninteraction_p95_ms {results['interaction_p95_ms']} ({results['interaction_p95_kind']}; "
          f"target ≤ {TARGET_MS})  interaction_bytes_p95 {results['interaction_bytes_p95']:,} "
          f"(≤ {TARGET_BYTES:,})  load_8_p95_s {results['load_8_p95_s']} / 2 processes "
          f"{results['load_8_p95_s_2proc']} (≤ {TARGET_WAIT_8_S})")


def main(quick: bool, out: Path, repeats: int | None = None) -> int:
    log_dir = Path(os.environ.get("TMPDIR", "/tmp")) / "eventflow-bench-load"
    results = run(quick, repeats or 15, SECONDS_QUICK if quick else SECONDS_FULL, log_dir)
    print_tables(results)
    bench.merge_results(out, results)
    print(f"\nwritten to {out}")
    return 0
