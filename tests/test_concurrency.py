"""Eight organisers editing one event at once, through the grid's own save path.

Each worker is its own organiser with its own connection pool, and makes random moves, swaps and
unseats, sometimes from a snapshot that is already out of date (as a second browser tab would).
Afterwards the event must satisfy every rule, the history must hold every accepted write, and
replaying the history must give the final seating (no lost update).
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd
import pytest
from sqlalchemy import text

from eventflow import admin, seating
from eventflow.db import Database
from tests.conftest import World

WORKERS = 8
OPERATIONS = 200


@dataclass
class Tally:
    accepted: list[uuid.UUID] = field(default_factory=list)  # change-set ids
    already_done: int = 0  # accepted, but the rows already held what the save wanted
    refused: int = 0
    invalid: int = 0
    attempts: int = 0
    unexplained: list[str] = field(default_factory=list)


def _seat_change(row, new: seating.Seat) -> seating.SeatChange:
    return seating.SeatChange(
        participant_id=row.participant_id, full_name=row.full_name,
        assignment_id=None if pd.isna(row.assignment_id) else row.assignment_id,
        version=None if pd.isna(row.version) else int(row.version),
        old=seating_value(row.base_table, row.base_seat), new=new)


def seating_value(table, seat) -> seating.Seat:
    return (None if pd.isna(table) else int(table)), (None if pd.isna(seat) else int(seat))


def _random_change(grid: seating.SeatingGrid, rng: random.Random) -> seating.ChangeSet:
    rows = list(grid.frame.itertuples())
    seated = [r for r in rows if seating_value(r.base_table, r.base_seat)[0] is not None]
    taken = {seating_value(r.base_table, r.base_seat) for r in seated}
    kind = rng.choice(("move", "move", "swap", "unseat"))
    if kind == "swap" and len(seated) >= 2:
        first, second = rng.sample(seated, 2)
        return seating.ChangeSet((
            _seat_change(first, seating_value(second.base_table, second.base_seat)),
            _seat_change(second, seating_value(first.base_table, first.base_seat)),
        ))
    if kind == "unseat" and seated:
        return seating.ChangeSet((_seat_change(rng.choice(seated), (None, None)),))
    person = rng.choice(rows)
    free = [(t.number, s) for t in grid.tables for s in range(1, t.capacity + 1) if (t.number, s) not in taken]
    if not free:
        return seating.ChangeSet((_seat_change(rng.choice(seated), (None, None)),))
    return seating.ChangeSet((_seat_change(person, rng.choice(free)),))


def _worker(database: Database, organiser: uuid.UUID, event_id: uuid.UUID, seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    grid = None
    for _ in range(OPERATIONS):
        if grid is None or rng.random() < 0.7:  # otherwise: edit from the snapshot already shown
            grid = database.run_transaction(organiser, lambda s: seating.load_seating_grid(s, event_id))
        change_set = _random_change(grid, rng)

        def save(session, change_set=change_set, grid=grid):
            tally.attempts += 1
            return seating.save_changes(session, event_id, change_set, grid)

        result = database.run_transaction(organiser, save)
        if result.ok and result.saved:
            tally.accepted.append(result.change_set_id)
        elif result.ok:
            tally.already_done += 1
        elif not result.problems:
            tally.refused += 1
            # A conflict is named as such: rows changed since loading, or a seat or table someone
            # else just took. A generic refusal or a permission problem would be a bug here.
            if "code" in result.message or "only view" in result.message:
                tally.unexplained.append(result.message)
        else:
            tally.invalid += 1  # refused before writing: the snapshot said the seat was taken
        grid = grid if rng.random() < 0.5 else None


def _make_busy_event(world: World) -> list[uuid.UUID]:
    """Organisation A's event with six tables of six, 34 more guests and WORKERS managers."""
    a = world.a
    organisers = []
    with world.database.owner_connection() as conn:
        for n in range(WORKERS):
            organiser = admin.ensure_organiser(conn, f"editor{n}.{uuid.uuid4().hex[:6]}@alpha.example", f"Editor {n}")
            admin.set_membership(conn, a.id, organiser, "manager")
            organisers.append(organiser)
    with world.database.tenant_session(a.owner) as s:
        s.execute(text("DELETE FROM seating_tables WHERE event_id = :e"), {"e": a.event_id})
        s.execute(text("INSERT INTO seating_tables (event_id, table_number, capacity) "
                       "SELECT :e, n, 6 FROM generate_series(1, 6) AS n"), {"e": a.event_id})
        s.execute(text("INSERT INTO participants (event_id, full_name) SELECT :e, 'Guest ' || n "
                       "FROM generate_series(1, 34) AS n"), {"e": a.event_id})
    return organisers


@pytest.fixture
def busy_event(world: World) -> tuple[World, list[uuid.UUID]]:
    return world, _make_busy_event(world)


def test_eight_concurrent_editors_lose_nothing(busy_event, capsys) -> None:
    world, organisers = busy_event
    with capsys.disabled():
        print(f"\nconcurrent editors: {_edit_concurrently(world, organisers)}")


STRESS_RUNS = int(os.environ.get("EVENTFLOW_STRESS_RUNS") or 3)


@pytest.mark.slow
def test_concurrent_editors_stress(database, capsys) -> None:
    """The test above, again and again on fresh organisations: the PostgreSQL 15 deadlock that
    reached a worker showed in about one full run of ten (issue 15, item 7; found with 30 runs).
    More runs: EVENTFLOW_STRESS_RUNS=50."""
    from tests.conftest import make_organisation

    for run in range(STRESS_RUNS):
        with database.owner_connection() as conn:
            outsider = admin.ensure_organiser(conn, f"outsider.{uuid.uuid4().hex[:8]}@example.test", "Outsider")
        world = World(database, make_organisation(database, "Alpha"), make_organisation(database, "Beta"), outsider)
        summary = _edit_concurrently(world, _make_busy_event(world))
        with capsys.disabled():
            print(f"\nstress run {run + 1}/{STRESS_RUNS}: {summary}")


def _edit_concurrently(world: World, organisers: list[uuid.UUID]) -> str:
    """Run the workers on A's event, check every invariant, and return the figures."""
    a = world.a
    pools = [Database(world.database.owner_url, world.database.app_url) for _ in organisers]
    tallies = [Tally() for _ in organisers]
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            _worker(pools[index], organisers[index], a.event_id, seed=index, tally=tallies[index])
        except BaseException as error:  # surfaced below: a worker must never see a raw database error
            errors.append(error)

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(organisers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    elapsed = time.perf_counter() - started
    for pool in pools:
        pool.dispose()
    assert errors == []

    accepted = [cs for t in tallies for cs in t.accepted]
    refused = sum(t.refused for t in tallies)
    invalid = sum(t.invalid for t in tallies)
    already_done = sum(t.already_done for t in tallies)
    retries = sum(t.attempts for t in tallies) - WORKERS * OPERATIONS
    summary = (f"{WORKERS} workers x {OPERATIONS} operations in {elapsed:.1f} s: "
               f"{len(accepted)} writes accepted, {already_done} already done by someone else, "
               f"{refused} refused as conflicts, {invalid} refused by validation, {retries} transparent retries")
    assert len(accepted) + already_done + refused + invalid == WORKERS * OPERATIONS
    # Saves of one event wait in line (seating.lock_event_seating): none deadlocks, so none is run
    # again. Before, a few deadlocked in most runs, and in about one run of ten on PostgreSQL 15 a
    # save lost ten retries in a row and the deadlock reached the organiser (issue 15, item 7).
    assert retries == 0
    assert len(accepted) > WORKERS * OPERATIONS // 4  # the test exercised real writes
    assert refused > 0  # and real contention
    assert [u for t in tallies for u in t.unexplained] == []

    with world.database.tenant_session(a.owner) as s:
        final = {r.participant_id: (r.table_number, r.seat_number) for r in s.execute(
            text("SELECT participant_id, table_number, seat_number FROM table_assignments WHERE event_id = :e"),
            {"e": a.event_id})}
        over = s.execute(text("SELECT a.table_number FROM table_assignments a JOIN seating_tables t "
                              "ON t.event_id = a.event_id AND t.table_number = a.table_number WHERE a.event_id = :e "
                              "GROUP BY a.table_number, t.capacity HAVING count(*) > t.capacity "
                              "OR max(a.seat_number) > t.capacity"), {"e": a.event_id}).all()
        history = s.execute(text("SELECT change_set_id, participant_id, operation, old_table_number, old_seat_number, "
                                 "new_table_number, new_seat_number FROM assignment_history "
                                 "WHERE event_id = :e ORDER BY id"), {"e": a.event_id}).all()
    assert over == []
    seats = [seat for seat in final.values() if seat[1] is not None]
    assert len(seats) == len(set(seats))

    # Every accepted save is in the history, and nothing else is.
    in_history = set(Counter(r.change_set_id for r in history))
    assert in_history - set(accepted) == set(), "history rows from no accepted save"
    assert set(accepted) - in_history == set(), f"{len(set(accepted) - in_history)} accepted saves missing from history"

    # Replaying the history per person gives the final seating, and each row starts where the
    # previous one ended (an overwritten, i.e. lost, update would break that chain).
    replay: dict = {}
    for row in history:
        previous = replay.get(row.participant_id, (None, None))
        assert (row.old_table_number, row.old_seat_number) == previous, row
        replay[row.participant_id] = (row.new_table_number, row.new_seat_number)
    assert {p: s for p, s in replay.items() if s[0] is not None} == final
    return summary
