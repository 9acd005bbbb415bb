"""One tenant's previews cannot take the server down for the others (issue 9, item 6): a preview
holds no database connection while it solves, solves are bounded per server, and a full server
or a full connection pool is a message, not a traceback."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from eventflow import autoseat, engine, events, solve_slots
from eventflow.demo import DEMO_EVENT_ID, DEMO_MANAGER_EMAIL, OTHER_OWNER_EMAIL

PREVIEWS = 16  # more than the app's pool holds (5 + 10 overflow)
SLOTS = 3


def _organiser(database, email: str):
    with database.owner_connection() as conn:
        return conn.execute(text("SELECT id FROM organisers WHERE email = :e"), {"e": email}).scalar_one()


def test_the_slots_refuse_beyond_their_number():
    slots = solve_slots.SolveSlots(2)
    first, second = slots.slot(0), slots.slot(0)
    with first, second, pytest.raises(solve_slots.ServerBusy, match="busy planning other events"):
        slots.slot(0).__enter__()
    with slots.slot(0):  # released again
        pass


def test_concurrent_previews_hold_no_connection_while_solving_and_other_tenants_keep_working(
        own_demo_database, monkeypatch):
    database = own_demo_database
    manager, other_owner = _organiser(database, DEMO_MANAGER_EMAIL), _organiser(database, OTHER_OWNER_EMAIL)
    monkeypatch.setattr(solve_slots, "_server_slots", solve_slots.SolveSlots(SLOTS))

    # Which thread holds how many of the app's pooled connections.
    held: Counter[int] = Counter()
    lock = threading.Lock()

    def checkout(*_):
        with lock:
            held[threading.get_ident()] += 1

    def checkin(*_):
        with lock:
            held[threading.get_ident()] -= 1

    pool = database.app_engine.pool
    event.listen(pool, "checkout", checkout)
    event.listen(pool, "checkin", checkin)

    held_while_solving: list[int] = []
    solving = threading.Semaphore(0)
    real_solve = engine.solve

    def watched_solve(*args, **kwargs):
        with lock:
            held_while_solving.append(held[threading.get_ident()])
        solving.release()
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(autoseat.engine, "solve", watched_solve)

    options = autoseat.AutoSeatOptions(time_limit=3, mode="heuristic")
    start = threading.Barrier(PREVIEWS)
    outcomes: list[object] = []

    def preview() -> None:
        start.wait()
        try:
            outcomes.append(autoseat.preview_detached(
                lambda read: database.run_transaction(manager, read), DEMO_EVENT_ID, options, wait_seconds=0))
        except Exception as error:  # noqa: BLE001 - every outcome is checked below
            outcomes.append(error)

    threads = [threading.Thread(target=preview) for _ in range(PREVIEWS)]
    try:
        for thread in threads:
            thread.start()
        solving.acquire(timeout=120)  # at least one solve is under way
        # Meanwhile another organisation works as usual, many times over.
        other_reads = 0
        while any(thread.is_alive() for thread in threads):
            with database.tenant_session(other_owner) as session:
                assert events.visible_events(session)
            other_reads += 1
        for thread in threads:
            thread.join()
    finally:
        event.remove(pool, "checkout", checkout)
        event.remove(pool, "checkin", checkin)

    previews = [o for o in outcomes if isinstance(o, autoseat.PlanPreview)]
    busy = [o for o in outcomes if isinstance(o, solve_slots.ServerBusy)]
    assert len(outcomes) == PREVIEWS
    assert len(previews) + len(busy) == PREVIEWS, [o for o in outcomes if isinstance(o, Exception)]
    assert all(p.feasible for p in previews) and previews
    assert busy, "more previews than slots at once: some are told the server is busy"
    assert all("try again" in str(b) for b in busy)
    assert held_while_solving and set(held_while_solving) == {0}, held_while_solving
    assert other_reads > 0
    print(f"\n{PREVIEWS} concurrent previews, {SLOTS} slots: {len(previews)} planned, {len(busy)} told busy; "
          f"the other organisation read {other_reads} times meanwhile")


# ------------------------------------------------------------------------ messages, not tracebacks

@pytest.fixture
def manager_app(own_demo_database, open_app):
    return open_app(own_demo_database, DEMO_MANAGER_EMAIL)


def test_a_full_server_is_a_clear_message_on_the_auto_seat_page(manager_app, monkeypatch):
    slots = solve_slots.SolveSlots(1)
    monkeypatch.setattr(solve_slots, "_server_slots", slots)
    monkeypatch.setattr(solve_slots, "DEFAULT_WAIT_SECONDS", 0.0)
    at = manager_app.switch_page("pages/auto_seat.py").run()
    with slots.slot(0):  # another organiser's solve is running
        at.button(key="autoseat_preview").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("busy planning other events" in w.value for w in at.warning)


def test_a_pool_timeout_is_a_clear_message(manager_app, monkeypatch):
    def exhausted(*_args, **_kwargs):
        raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00")

    at = manager_app.switch_page("pages/overview.py")
    monkeypatch.setattr("eventflow.ui._cached_read", exhausted)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("very busy" in e.value for e in at.error)
    assert not any("QueuePool" in e.value for e in at.error)
