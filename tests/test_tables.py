"""Defining tables, seeing them at a glance, place cards."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from eventflow import tables


def _overview(world, org, who=None):
    with world.database.tenant_session(who or org.manager) as session:
        return tables.tables_overview(session, org.event_id)


def test_add_many_and_refuse_taken_numbers(world):
    org = world.a
    with world.database.tenant_session(org.manager) as session:
        assert tables.add_tables(session, org.event_id, first_number=10, count=3, capacity=8, label="Hall C") == [
            10, 11, 12]
    with world.database.tenant_session(org.manager) as session, pytest.raises(tables.TableInputError,
                                                                                match="already exist: 3, 10"):
        tables.add_tables(session, org.event_id, first_number=3, count=8, capacity=8)
    with world.database.tenant_session(org.manager) as session, pytest.raises(tables.TableInputError,
                                                                                match="between 1 and 1000"):
        tables.add_tables(session, org.event_id, first_number=20, count=1, capacity=0)
    assert list(_overview(world, org)["table_number"]) == [1, 2, 3, 10, 11, 12]


def test_edits_validate_capacity_against_seated_and_detect_conflicts(world):
    org = world.a
    with world.database.tenant_session(org.owner) as session:
        for person in (0, 1):
            session.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number) "
                                 "VALUES (:e, :p, 2)"), {"e": org.event_id, "p": org.participant_ids[person]})
    snapshot = _overview(world, org)
    changes, problems = tables.table_changes_from_editor(snapshot, {"edited_rows": {
        1: {"capacity": 1}, 2: {"capacity": 6, "label": " Window ", "is_vip_table": True}}})
    assert list(problems) == [2] and "cannot go below" in problems[2][0]
    assert [(c.table_number, dict(c.values)) for c in changes] == [
        (3, {"capacity": 6, "label": "Window", "is_vip_table": True})]
    with world.database.tenant_session(org.manager) as session:
        assert tables.save_table_changes(session, org.event_id, changes).saved == 1
    with world.database.tenant_session(org.manager) as session:   # the same, stale edit again
        stale = tables.save_table_changes(session, org.event_id, changes)
    assert stale.conflicts == (3,) and stale.conflict and not stale.ok
    assert stale.message == "Nothing was saved: someone else changed table 3 meanwhile. Reload and edit again."
    row = _overview(world, org).set_index("table_number").loc[3]
    assert (row["capacity"], row["label"], row["is_vip_table"]) == (6, "Window", True)


def test_at_a_glance_place_cards_and_removal(world):
    org = world.a
    with world.database.tenant_session(org.owner) as session:
        session.execute(text("INSERT INTO participant_tracks (participant_id, track_id) VALUES (:p, :t)"),
                        {"p": org.participant_ids[0], "t": org.track_ids[0]})
        for person, seat in ((0, 2), (1, 1), (2, None)):
            session.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number) "
                                 "VALUES (:e, :p, 2, :s)"), {"e": org.event_id, "p": org.participant_ids[person],
                                                             "s": seat})
    glance = _overview(world, org, org.viewer).set_index("table_number")
    assert (glance.loc[2, "seated"], glance.loc[2, "free"], glance.loc[2, "track_mix"]) == (3, 1, "Data 1")
    assert glance.loc[2, "people"].startswith("1. Alpha person 1, 2. Alpha person 0, Alpha person 2")
    with world.database.tenant_session(org.viewer) as session:
        cards = tables.place_cards(session, org.event_id)
    assert list(cards["name"]) == ["Alpha person 1", "Alpha person 0", "Alpha person 2"]
    page = tables.place_cards_html(cards, "<Gala>")
    assert "&lt;Gala&gt;" in page and page.count("<section>") == 1
    # Guest-facing: a VIP's line carries the name only, no "VIP" mark.
    vip_cards = cards.assign(vip=True)
    vip_page = tables.place_cards_html(vip_cards, "Gala")
    assert "Alpha person 1" in vip_page and "VIP" not in vip_page
    with world.database.tenant_session(org.manager) as session, pytest.raises(tables.TableInputError,
                                                                                match="move them"):
        tables.remove_tables(session, org.event_id, [2, 3])
    with world.database.tenant_session(org.viewer) as session, pytest.raises(tables.TableInputError):
        tables.remove_tables(session, org.event_id, [3])
    with world.database.tenant_session(org.manager) as session:
        assert tables.remove_tables(session, org.event_id, [3]) == 1


def test_a_deadlocked_table_save_is_handed_on_to_be_run_again(world):
    """A deadlock is no refusal to tell the organiser: it is raised again, so that
    ``Database.run_transaction`` runs the save once more (as for every other write)."""
    import contextlib
    import threading
    import time

    from sqlalchemy.exc import DBAPIError

    from eventflow.db import is_transient

    org = world.a
    versions = dict(_overview(world, org)[["table_number", "version"]].itertuples(index=False))
    changes = [tables.TableChange(number, versions[number], {"label": "Terrace"}) for number in (1, 2)]
    outcome: dict[str, object] = {}
    colleague = world.database.owner_engine.connect()
    try:
        # Table 3 changed: the colleague now holds the event's change counter (migration 025) until commit.
        colleague.execute(text("UPDATE seating_tables SET label = 'Colleague' WHERE event_id = :e AND table_number = 3"),
                          {"e": org.event_id})

        def save() -> None:
            with world.database.tenant_session(org.manager) as session:
                try:
                    outcome["result"] = tables.save_table_changes(session, org.event_id, changes)
                except DBAPIError as error:
                    outcome["error"] = error

        saver = threading.Thread(target=save)
        saver.start()
        time.sleep(0.3)  # the save has written tables 1 and 2 and waits for the counter
        # Waits for the save: a deadlock. The detector may pick the colleague instead; then the save goes on.
        with contextlib.suppress(DBAPIError):
            colleague.execute(text("UPDATE seating_tables SET label = 'Colleague' WHERE event_id = :e "
                                   "AND table_number = 1"), {"e": org.event_id})
        saver.join(30)
    finally:
        colleague.rollback()
        colleague.close()
    if "error" in outcome:
        assert is_transient(outcome["error"])
    else:  # the colleague was the one rolled back: the save went through, and no deadlock was reported
        result = outcome["result"]
        assert result.ok and "deadlock" not in result.message.lower(), result
