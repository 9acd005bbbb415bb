"""``python -m eventflow bench``: the dashboard at conference scale, beside the baselines.

Builds (or reuses) a large data set in a separate embedded server, then measures what an organiser
waits for on the flagship event: the track statistics with row-level security against the same
aggregate without it (the limit) and against the naive pandas alternative, loading and saving the
seating grid against a one-ORM-object-per-row save, full page runs, and the seating engine against
its greedy baseline. Prints a table (median of repeated runs, min and max beside) and writes the
same figures to ``bench/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pandas as pd
import psycopg
from sqlalchemy import text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from eventflow import floor_plan_bench, migrations, seating, synthetic
from eventflow.config import Settings
from eventflow.db import Database, derive_app_url, libpq_url, sqlalchemy_url

RESULTS = Path(__file__).resolve().parent.parent / "bench" / "results.json"
TARGETS_MS = {"stats_rls_ms": 50, "grid_load_ms": 500, "grid_save_100_ms": 300,
              "page_distribution_ms": 1500, "page_seating_ms": 1500, **floor_plan_bench.TARGETS_MS}


# ------------------------------------------------------------------------------------ the data set

def merge_results(path: Path, results: dict[str, Any], replacing: str = "") -> None:
    """Write ``results`` into the JSON file at ``path``, keeping the figures of other runs; the
    stored keys starting with ``replacing`` (one benchmark's figures) go first, so that a figure this
    run did not measure (e.g. a seed spread from an earlier run with several seeds) is not kept
    beside ones it did."""
    stored = json.loads(path.read_text()) if path.exists() else {}
    if replacing:
        stored = {key: value for key, value in stored.items() if not key.startswith(replacing)}
    stored.update(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored, indent=2, default=str) + "\n")


def prepare_dataset(spec: synthetic.SyntheticSpec, data_dir: Path) -> tuple[Database, synthetic.SyntheticSet]:
    """The data set in ``data_dir``: reused when it was built from the same spec, else rebuilt."""
    from eventflow.embedded import DATABASE_NAME, start_embedded_server

    owner_url = start_embedded_server(data_dir)
    # A data set built on another schema is rebuilt: the migrations are part of what it was made from.
    wanted = json.dumps(asdict(spec) | {"schema": [m.checksum for m in migrations.discover()],
                                        "generator": synthetic.GENERATOR_VERSION}, sort_keys=True)
    with psycopg.connect(owner_url, autocommit=True) as conn:
        marker = conn.execute("SELECT to_regclass('eventflow.bench_dataset') IS NOT NULL").fetchone() == (True,)
        row = conn.execute("SELECT spec, loaded FROM eventflow.bench_dataset").fetchone() if marker else None
    if row and row[0] == wanted:
        stored: dict[str, Any] = {k: (UUID(v) if k != "participants" else v) for k, v in row[1].items()}
        loaded = synthetic.SyntheticSet(**stored)
        print(f"reusing the data set in {data_dir}")
    else:
        admin_url = libpq_url(sqlalchemy_url(owner_url).set(database="postgres"))
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        migrations.upgrade(owner_url)
        started = time.perf_counter()
        print(f"building the data set in {data_dir}: {spec.organizations} organisations, {spec.events} events, "
              f"{spec.participants:,} participants (COPY)…", flush=True)
        loaded = synthetic.load(owner_url, spec)
        print(f"  loaded in {time.perf_counter() - started:.0f} s", flush=True)
        with psycopg.connect(owner_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS eventflow.bench_dataset (spec text, loaded jsonb)")
            conn.execute("DELETE FROM eventflow.bench_dataset")
            conn.execute("INSERT INTO eventflow.bench_dataset VALUES (%s, %s)",
                         [wanted, json.dumps({k: str(v) for k, v in asdict(loaded).items()} |
                                             {"participants": loaded.participants})])
    owner = sqlalchemy_url(owner_url)
    return Database(owner, derive_app_url(owner, None)), loaded


# ------------------------------------------------------------------------------------ measuring

def timed(work: Callable[[], Any], repeats: int, warmup: int = 1) -> dict[str, float]:
    """Milliseconds: median, min and max of ``repeats`` runs after ``warmup`` unmeasured ones."""
    for _ in range(warmup):
        work()
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        runs.append((time.perf_counter() - started) * 1000)
    return {"median": statistics.median(runs), "min": min(runs), "max": max(runs)}


def timed_interleaved(works: dict[str, Callable[[], Any]], repeats: int, warmup: int = 1) -> dict[str, dict]:
    """Like :func:`timed` for several alternatives, run in turn within each repeat."""
    runs: dict[str, list[float]] = {key: [] for key in works}
    for round_number in range(warmup + repeats):
        for key, work in works.items():
            started = time.perf_counter()
            work()
            if round_number >= warmup:
                runs[key].append((time.perf_counter() - started) * 1000)
    return {key: {"median": statistics.median(r), "min": min(r), "max": max(r)} for key, r in runs.items()}


STATS_QUERY = text("SELECT * FROM track_statistics WHERE event_id = :event_id")


def measure_statistics(database: Database, data: synthetic.SyntheticSet, repeats: int) -> dict[str, dict]:
    params = {"event_id": data.flagship_event_id}

    def with_rls() -> None:
        with database.tenant_session(data.flagship_owner_id) as session:
            assert session.execute(STATS_QUERY, params).all()

    def without_rls() -> None:
        # The owner is a superuser on the embedded server: row-level security does not apply.
        with database.owner_connection() as conn:
            assert conn.execute(STATS_QUERY, params).all()

    def in_pandas() -> None:
        with database.tenant_session(data.flagship_owner_id) as session:
            people = pd.DataFrame(session.execute(text(
                "SELECT id FROM participants WHERE event_id = :event_id"), params).all(), columns=["participant_id"])
            links = pd.DataFrame(session.execute(text(
                "SELECT participant_id, track_id FROM participant_tracks WHERE event_id = :event_id"), params).all(),
                columns=["participant_id", "track_id"])
            tracks = pd.DataFrame(session.execute(text(
                "SELECT id AS track_id, name, is_active FROM tracks WHERE event_id = :event_id"), params).all(),
                columns=["track_id", "name", "is_active"])
        active = links.merge(tracks[tracks.is_active], on="track_id").merge(people, on="participant_id")
        total = active.participant_id.nunique()
        counts = active.groupby(["track_id", "name"]).participant_id.count()
        assert len((counts * 100 / total).round(2)) > 0

    # Interleaved, so that a noisy neighbour slows both sides of the ratio alike.
    paired = timed_interleaved({"stats_rls_ms": with_rls, "stats_limit_ms": without_rls}, repeats)
    return paired | {"stats_pandas_ms": timed(in_pandas, max(3, repeats // 3))}


class _Base(DeclarativeBase):
    pass


class _AssignmentRow(_Base):
    """The row-by-row baseline's mapping: what an ORM-first save would load and flush."""

    __tablename__ = "table_assignments"
    organization_id: Mapped[UUID] = mapped_column(primary_key=True)
    id: Mapped[UUID] = mapped_column(primary_key=True)
    table_number: Mapped[int]
    seat_number: Mapped[int | None]
    assigned_by: Mapped[str]
    version: Mapped[int]


def _hundred_swaps(grid: seating.SeatingGrid) -> seating.ChangeSet:
    """50 pairs of seated people trade seats: 100 changed rows, always valid."""
    seated = grid.frame[grid.frame.base_table.notna() & grid.frame.base_seat.notna()].head(100)
    rows = list(seated.itertuples())
    changes = []
    for first, second in zip(rows[0::2], rows[1::2], strict=True):
        for mover, target in ((first, second), (second, first)):
            changes.append(seating.SeatChange(
                mover.participant_id, mover.full_name, mover.assignment_id, int(mover.version),
                (int(mover.base_table), int(mover.base_seat)), (int(target.base_table), int(target.base_seat))))
    return seating.ChangeSet(tuple(changes))


def measure_grid(database: Database, data: synthetic.SyntheticSet, repeats: int) -> dict[str, dict]:
    event, organiser = data.flagship_event_id, data.flagship_owner_id

    def load() -> seating.SeatingGrid:
        with database.tenant_session(organiser) as session:
            return seating.load_seating_grid(session, event)

    grid_load = timed(load, repeats)
    saves, rowwise = [], []
    for _ in range(max(3, repeats // 2)):
        grid = load()
        change_set = _hundred_swaps(grid)
        started = time.perf_counter()  # validation, the writes and the commit's deferred checks
        with database.tenant_session(organiser) as session:
            result = seating.save_changes(session, event, change_set, grid)
        saves.append((time.perf_counter() - started) * 1000)
        assert result.ok and result.saved == 100, result

        change_set = _hundred_swaps(load())
        started = time.perf_counter()
        with database.tenant_session(organiser) as session:
            _save_row_by_row(session, data.flagship_organization_id, change_set)
        rowwise.append((time.perf_counter() - started) * 1000)
    summary = {"grid_load_ms": grid_load,
               "grid_save_100_ms": {"median": statistics.median(saves), "min": min(saves), "max": max(saves)},
               "grid_save_rowwise_ms": {"median": statistics.median(rowwise), "min": min(rowwise), "max": max(rowwise)}}
    return summary


def _save_row_by_row(session: Session, organization_id: UUID, change_set: seating.ChangeSet) -> None:
    for change in change_set.changes:
        row = session.get(_AssignmentRow, (organization_id, UUID(change.assignment_id)))
        assert row is not None and row.version == change.version
        table_number, row.seat_number = change.new
        assert table_number is not None  # the swaps only move seated people
        row.table_number = table_number
        row.assigned_by = "manager"
        session.flush()


def measure_pages(database: Database, data: synthetic.SyntheticSet, repeats: int) -> dict[str, dict]:
    """Full script runs of two pages through Streamlit's AppTest, with the read cache cleared
    before each (the wait after a click that follows a save) and warm (any other click)."""
    import streamlit as st
    import streamlit.logger
    from streamlit.testing.v1 import AppTest

    from eventflow import db as db_module

    streamlit.logger.set_log_level("error")  # AppTest's "bare mode" warnings would bury the table

    db_module._default = database
    with database.owner_connection() as conn:
        email = conn.execute(text("SELECT email FROM organisers WHERE id = :id"),
                             {"id": data.flagship_owner_id}).scalar_one()
    os.environ["EVENTFLOW_LOCAL_ORGANISER"] = email
    app = str(Path(__file__).resolve().parent.parent / "app.py")
    results = {}
    for key, page in (("page_distribution_ms", "pages/track_distribution.py"),
                      ("page_seating_ms", "pages/seating_editor.py")):
        at = AppTest.from_file(app, default_timeout=120)
        at.session_state["event_pick"] = str(data.flagship_event_id)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]

        def cold(at: AppTest = at) -> None:
            st.cache_data.clear()
            at.run()
            assert not at.exception

        def warm(at: AppTest = at) -> None:
            at.run()

        results[key] = timed(cold, repeats)
        results[key.replace("_ms", "_warm_ms")] = timed(warm, repeats)
    return results


CHROMIUM = Path(os.environ.get("EVENTFLOW_CHROMIUM", "/usr/bin/chromium"))


# ------------------------------------------------------------------------------------ reporting

def _flat(results: dict[str, Any]) -> dict[str, Any]:
    """``{"stats_rls_ms": {median, min, max}}`` as ``stats_rls_ms`` (the median), ``stats_rls_min_ms``
    and ``stats_rls_max_ms``: stable keys a script can compare run to run."""
    flat: dict[str, Any] = {}
    for key, value in results.items():
        if isinstance(value, dict) and set(value) == {"median", "min", "max"}:
            base = key.removesuffix("_ms")
            flat[key] = round(value["median"], 3)
            flat[f"{base}_min_ms"] = round(value["min"], 3)
            flat[f"{base}_max_ms"] = round(value["max"], 3)
        else:
            flat[key] = value
    return flat


def print_table(results: dict[str, Any]) -> None:
    print()
    print(f"{'figure':32} {'median':>12} {'min':>12} {'max':>12}   target")
    for key, value in results.items():
        if isinstance(value, dict) and set(value) == {"median", "min", "max"}:
            target = TARGETS_MS.get(key)
            verdict = "" if target is None else (f"< {target} ms  " + ("met" if value["median"] < target else "MISSED"))
            print(f"{key:32} {value['median']:12.1f} {value['min']:12.1f} {value['max']:12.1f}   {verdict}")
    for key, value in results.items():
        if isinstance(value, int | float | str):
            print(f"{key:32} {value if not isinstance(value, float) else round(value, 3)!s:>12}")
    load = results.get("replica_load")
    if isinstance(load, dict):
        print("\none dashboard process, organisers clicking at once on the flagship's seating editor:")
        for organisers, figures in load.items():
            print(f"  {organisers:>8} organisers  " + "  ".join(f"{k} {v}" for k, v in figures.items()))


def run(quick: bool, repeats: int | None = None, engine: bool = True, data_dir: Path | None = None) -> dict[str, Any]:
    spec = synthetic.QUICK if quick else synthetic.FULL
    repeats = repeats or (5 if quick else 15)
    data_dir = data_dir or Settings.from_environment().data_dir / ("bench-quick" if quick else "bench")
    database, data = prepare_dataset(spec, data_dir)
    results: dict[str, Any] = {}
    print("measuring track statistics…", flush=True)
    results |= measure_statistics(database, data, repeats)
    print("measuring the seating grid…", flush=True)
    results |= measure_grid(database, data, repeats)
    print("measuring page runs…", flush=True)
    results |= measure_pages(database, data, repeats)
    results["rls_overhead_ratio"] = results["stats_rls_ms"]["median"] / results["stats_limit_ms"]["median"]
    results["stats_pandas_ratio"] = results["stats_pandas_ms"]["median"] / results["stats_rls_ms"]["median"]
    results["grid_save_rowwise_ratio"] = (results["grid_save_rowwise_ms"]["median"]
                                          / results["grid_save_100_ms"]["median"])
    print("measuring the floor plan…", flush=True)
    results |= floor_plan_bench.run(database, data.flagship_event_id, data.flagship_owner_id, repeats)
    if engine:
        print("measuring the seating engine…", flush=True)
        from eventflow import engine_bench

        results |= engine_bench.run(quick=quick)
    results["meta"] = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "quick": quick,
                       "machine": f"{platform.machine()}, {os.cpu_count()} cores", "python": platform.python_version(),
                       "participants": data.participants, "flagship_participants": spec.flagship_participants,
                       "repeats": repeats}
    database.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eventflow bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a 100,000-participant data set, fewer repeats")
    parser.add_argument("--engine", action="store_true", help="only the seating engine's figures")
    parser.add_argument("--load", action="store_true",
                        help="only organisers' interactions and 1-16 organisers at once (eventflow/load_bench.py)")
    parser.add_argument("--floor-plan", action="store_true", help="only the floor plan's figures")
    parser.add_argument("--distribution", action="store_true",
                        help="only the Track distribution page on a 150-person event")
    parser.add_argument("--repeats", type=int, help="runs per figure")
    parser.add_argument("--mdgp", action="store_true",
                        help="only the engine against published results on MDGPLIB (with --quick: 8 instances)")
    parser.add_argument("--seeds", type=int, default=1, help="runs per MDGPLIB instance (with --mdgp)")
    parser.add_argument("--cpu-clock", action="store_true",
                        help="with --mdgp: count the limit in CPU seconds of the run (a loaded machine)")
    parser.add_argument("--instances", default="",
                        help="with --mdgp: only instances whose name contains one of these comma-separated parts")
    parser.add_argument("--jobs", type=int, default=1,
                        help="with --mdgp --cpu-clock: runs at a time (each is timed by its own CPU seconds)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.distribution:
        from eventflow import statistics_bench

        return statistics_bench.main(args.repeats or 5)
    if args.mdgp:
        from eventflow import engine_bench

        return engine_bench.mdgp_main(args.quick, args.seeds, args.out, args.cpu_clock,
                                      instances=args.instances, jobs=args.jobs)
    if args.engine:
        from eventflow import engine_bench

        return engine_bench.main(["--quick"] if args.quick else [])
    if args.floor_plan:
        spec = synthetic.QUICK if args.quick else synthetic.FULL
        data_dir = Settings.from_environment().data_dir / ("bench-quick" if args.quick else "bench")
        database, data = prepare_dataset(spec, data_dir)
        results = floor_plan_bench.run(database, data.flagship_event_id, data.flagship_owner_id, args.repeats or 5)
        print_table(results)
        merge_results(args.out, results)
        print(f"\nwritten to {args.out}")
        database.dispose()
        return 0
    if args.load:
        from eventflow import load_bench

        return load_bench.main(args.quick, args.out, args.repeats)
    results = run(args.quick, args.repeats)
    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(_flat(results), indent=2, default=str) + "\n")
    print(f"\nwritten to {args.out}")
    return 0
