"""A person's data: export as JSON and erasure, owners only, recorded, and never across organisations."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from eventflow import events, participants, privacy


def _seat_and_move(world, org, pid) -> None:
    with world.database.tenant_session(org.manager) as session:
        session.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number) "
                             "VALUES (:e, :p, 2, 1)"), {"e": org.event_id, "p": pid})
    with world.database.tenant_session(org.manager) as session:
        session.execute(text("UPDATE table_assignments SET seat_number = 2 WHERE participant_id = :p"), {"p": pid})


def _log(world, org) -> list[tuple]:
    with world.database.owner_connection() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT action, full_name, organiser_id FROM participant_log WHERE organization_id = :o ORDER BY id"),
            {"o": org.id})]


def test_an_owner_exports_everything_about_one_person_and_it_is_recorded(world):
    org, pid = world.a, world.a.participant_ids[0]
    _seat_and_move(world, org, pid)
    with world.database.tenant_session(org.manager) as session:
        session.execute(text("UPDATE participants SET dietary = 'vegan', note = 'prefers aisle' WHERE id = :p"),
                        {"p": pid})
    with world.database.tenant_session(org.owner) as session:
        document = json.loads(privacy.export_person(session, org.event_id, pid))
    assert document["participant"]["full_name"] == "Alpha person 0"
    assert document["participant"]["dietary"] == "vegan" and document["participant"]["note"] == "prefers aisle"
    assert document["seat"]["table_number"] == 2 and document["seat"]["seat_number"] == 2
    assert [h["operation"] for h in document["seating_history"]] == ["insert", "update"]
    assert [r["action"] for r in document["data_requests"]] == ["exported"]
    assert _log(world, org) == [("exported", None, org.owner)]


def test_erasure_deletes_the_person_and_anonymises_their_history(world):
    org, pid = world.a, world.a.participant_ids[1]
    _seat_and_move(world, org, pid)
    with world.database.tenant_session(org.owner) as session:
        session.execute(text("UPDATE participants SET checked_in_at = now() WHERE id = :p"), {"p": pid})
    with world.database.tenant_session(org.owner) as session:
        privacy.export_person(session, org.event_id, pid)
        assert privacy.erase_person(session, org.event_id, pid).startswith("Erased Alpha person 1")
    with world.database.owner_connection() as conn:
        assert conn.execute(text("SELECT count(*) FROM participants WHERE id = :p"), {"p": pid}).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM assignment_history WHERE participant_id = :p"),
                            {"p": pid}).scalar_one() == 0
        anonymous = conn.execute(text("SELECT participant_id FROM participant_log WHERE action = 'erased' "
                                      "AND organization_id = :o"), {"o": org.id}).scalar_one()
        kept = conn.execute(text("SELECT operation FROM assignment_history WHERE participant_id = :a ORDER BY id"),
                            {"a": anonymous}).scalars().all()
        everywhere = conn.execute(text(
            "SELECT count(*) FROM participant_log WHERE organization_id = :o "
            "AND (full_name = 'Alpha person 1' OR participant_id = :p)"), {"o": org.id, "p": pid}).scalar_one()
    assert kept == ["insert", "update", "delete"]  # what happened to the seat, without who
    assert everywhere == 0
    assert _log(world, org) == [("erased", None, org.owner)]
    with world.database.tenant_session(org.viewer) as session:
        names = session.execute(text("SELECT count(*) FROM participant_names WHERE participant_id IN (:p, :a)"),
                                {"p": pid, "a": anonymous}).scalar_one()
    assert names == 0


@pytest.mark.parametrize("who", ["manager", "viewer", "other_owner", "outsider"])
def test_only_an_owner_of_the_organisation_exports_or_erases(world, who):
    org, pid = world.a, world.a.participant_ids[2]
    organiser = {"manager": org.manager, "viewer": org.viewer, "other_owner": world.b.owner,
                 "outsider": world.outsider}[who]
    with world.database.tenant_session(organiser) as session, pytest.raises(privacy.OrganiserError):
        privacy.export_person(session, org.event_id, pid)
    with world.database.tenant_session(organiser) as session, pytest.raises(privacy.OrganiserError):
        privacy.erase_person(session, org.event_id, pid)
    # The functions themselves refuse too, whatever the app asks.
    for function in ("record_participant_export", "erase_participant"):
        with world.database.tenant_session(organiser) as session, pytest.raises(Exception) as refused:
            session.execute(text(f"SELECT eventflow.{function}(:e, :p)"), {"e": org.event_id, "p": pid})
        assert refused.value.orig.sqlstate == "42501"
        assert "Alpha" not in str(refused.value)
    with world.database.owner_connection() as conn:
        assert conn.execute(text("SELECT count(*) FROM participants WHERE id = :p"), {"p": pid}).scalar_one() == 1
    assert _log(world, org) == []


def test_deleting_an_event_deletes_its_participant_log(world):
    org = world.a
    with world.database.tenant_session(org.owner) as session:
        session.execute(text("DELETE FROM participants WHERE id = :p"), {"p": org.participant_ids[0]})
        privacy.export_person(session, org.event_id, org.participant_ids[1])
    assert len(_log(world, org)) == 2
    with world.database.tenant_session(org.owner) as session:
        session.execute(text("DELETE FROM events WHERE id = :e"), {"e": org.event_id})
    assert _log(world, org) == []


def test_an_owner_erases_a_person_from_an_archived_event_and_it_stays_read_only(world):
    """Erasure is the person's right: it does not wait for someone to restore an event that is over.
    Everything else in the archived event still refuses to change."""
    org = world.a
    erased, partner, other = org.participant_ids[0], org.participant_ids[1], org.participant_ids[2]
    _seat_and_move(world, org, erased)
    with world.database.tenant_session(org.manager) as session:
        rule = session.execute(text("INSERT INTO seating_rules (event_id, kind) VALUES (:e, 'together') RETURNING id"),
                               {"e": org.event_id}).scalar_one()
        session.execute(text("INSERT INTO seating_rule_members (organization_id, event_id, rule_id, participant_id) "
                             "VALUES (:o, :e, :r, :a), (:o, :e, :r, :b)"),
                        {"o": org.id, "e": org.event_id, "r": rule, "a": erased, "b": partner})
        session.execute(text("INSERT INTO participant_tracks (participant_id, track_id) VALUES (:p, :t)"),
                        {"p": erased, "t": org.track_ids[0]})
        events.archive_event(session, org.event_id)

    with world.database.tenant_session(org.owner) as session:
        assert privacy.erase_person(session, org.event_id, erased).startswith("Erased Alpha person 0")
    with world.database.owner_connection() as conn:
        def count(query: str) -> int:
            return conn.execute(text(query), {"e": org.event_id, "p": erased, "r": rule}).scalar_one()
        assert count("SELECT count(*) FROM participants WHERE id = :p") == 0
        assert count("SELECT count(*) FROM table_assignments WHERE participant_id = :p") == 0
        assert count("SELECT count(*) FROM participant_tracks WHERE participant_id = :p") == 0
        assert count("SELECT count(*) FROM seating_rules WHERE id = :r") == 0  # a together rule of one binds nobody
        assert count("SELECT count(*) FROM events WHERE id = :e AND archived_at IS NOT NULL") == 1
        assert count("SELECT count(*) FROM participants WHERE event_id = :e") == len(org.participant_ids) - 1
    assert _log(world, org) == [("erased", None, org.owner)]

    # The erasure's pass ends with it, in the same transaction too; a removal is refused as before.
    with world.database.tenant_session(org.owner) as session, pytest.raises(DBAPIError, match="restore it first"):
        privacy.erase_person(session, org.event_id, partner)
        session.execute(text("DELETE FROM participants WHERE id = :p"), {"p": other})
    with world.database.tenant_session(org.owner) as session, pytest.raises(privacy.OrganiserError, match="archived and read-only"):
        participants.remove_participant(session, org.event_id, other,
                                        participants.get_participant(session, org.event_id, other).version)
