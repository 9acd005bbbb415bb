from __future__ import annotations

import pytest
from sqlalchemy import text

from eventflow import demo
from eventflow.db import Database


def _organiser(database: Database, email: str):
    with database.owner_connection() as conn:
        return conn.execute(text("SELECT id FROM organisers WHERE email = :e"), {"e": email}).scalar_one()


def test_demo_is_idempotent(demo_database: Database) -> None:
    with demo_database.owner_connection() as conn:
        before = conn.execute(text("SELECT (SELECT count(*) FROM participants), (SELECT count(*) FROM table_assignments),"
                                   " (SELECT count(*) FROM organisers), (SELECT count(*) FROM memberships)")).one()
    assert demo.load_demo(demo_database) is False
    with demo_database.owner_connection() as conn:
        after = conn.execute(text("SELECT (SELECT count(*) FROM participants), (SELECT count(*) FROM table_assignments),"
                                  " (SELECT count(*) FROM organisers), (SELECT count(*) FROM memberships)")).one()
    assert after == before


def test_demo_conference_has_the_promised_shape(demo_database: Database) -> None:
    owner = _organiser(demo_database, demo.DEMO_OWNER_EMAIL)
    with demo_database.tenant_session(owner) as s:
        facts = s.execute(text("""
            SELECT (SELECT count(*) FROM participants WHERE event_id = :e) AS participants,
                   (SELECT count(*) FROM participants WHERE event_id = :e AND is_vip) AS vips,
                   (SELECT avg(networking_opt_in::int) FROM participants WHERE event_id = :e) AS opt_in_rate,
                   (SELECT count(DISTINCT company) FROM participants WHERE event_id = :e) AS companies,
                   (SELECT count(*) FROM participants WHERE event_id = :e AND cardinality(interests) > 0) AS with_interests,
                   (SELECT count(*) FROM tracks WHERE event_id = :e) AS tracks,
                   (SELECT count(*) FROM tracks WHERE event_id = :e AND NOT is_active) AS inactive_tracks,
                   (SELECT count(*) FROM seating_tables WHERE event_id = :e AND capacity = 10) AS tables_of_ten,
                   (SELECT count(*) FROM seating_tables WHERE event_id = :e AND is_vip_table) AS vip_tables,
                   (SELECT count(*) FROM table_assignments WHERE event_id = :e) AS seated,
                   (SELECT count(*) FROM table_assignments a JOIN participants p ON p.id = a.participant_id
                     WHERE a.event_id = :e AND p.is_vip AND NOT a.is_vip_table) AS vips_elsewhere,
                   (SELECT count(*) FROM events) AS events_visible
        """), {"e": demo.DEMO_EVENT_ID}).one()
    assert facts.participants == 400
    assert 20 <= facts.vips <= 30
    assert 0.5 <= facts.opt_in_rate <= 0.7
    assert facts.companies >= 10
    assert facts.with_interests == 400
    assert (facts.tracks, facts.inactive_tracks) == (6, 1)
    assert (facts.tables_of_ten, facts.vip_tables) == (44, 4)
    assert 0 < facts.seated < 400  # part of them seated
    assert facts.vips_elsewhere == 0
    assert facts.events_visible == 1  # Northwind's event is not Demo Events'


@pytest.mark.parametrize("event_id", [demo.DEMO_EVENT_ID, demo.OTHER_EVENT_ID])
def test_auto_seat_can_plan_each_demo_event_as_it_comes(demo_database: Database, event_id) -> None:
    """A first-time organiser pressing Preview gets a plan, not an explanation of why there is none."""
    from eventflow import autoseat

    owner = _organiser(demo_database, demo.DEMO_OWNER_EMAIL if event_id == demo.DEMO_EVENT_ID
                       else demo.OTHER_OWNER_EMAIL)
    with demo_database.tenant_session(owner) as s:
        preview = autoseat.preview_plan(s, event_id, autoseat.AutoSeatOptions(time_limit=2, mode="heuristic"))
    assert preview.feasible, preview.problems
    assert all(check.ok for check in preview.checks)


def test_demo_roles_and_second_organisation(demo_database: Database) -> None:
    with demo_database.owner_connection() as conn:
        roles = dict(conn.execute(text(
            "SELECT o.email, m.role FROM memberships m JOIN organisers o ON o.id = m.organiser_id "
            "WHERE m.organization_id = :org"), {"org": demo.DEMO_ORGANIZATION_ID}).all())
    assert roles == {demo.DEMO_OWNER_EMAIL: "owner", demo.DEMO_MANAGER_EMAIL: "manager", demo.DEMO_VIEWER_EMAIL: "viewer"}
    other = _organiser(demo_database, demo.OTHER_OWNER_EMAIL)
    with demo_database.tenant_session(other) as s:
        events = s.execute(text("SELECT name FROM events")).scalars().all()
        stats = s.execute(text("SELECT count(*) FROM track_statistics")).scalar()
    assert events == ["Northwind Partner Day"]
    assert stats == 3
