"""The Overview's figures, against a hand-built event."""

from __future__ import annotations

from sqlalchemy import text

from eventflow.overview import event_overview


def test_figures_match_a_hand_counted_event(world):
    org = world.a  # tables: 1 (VIP, 4 seats), 2 (4), 3 (2); six participants
    p = org.participant_ids
    with world.database.tenant_session(org.owner) as session:
        session.execute(text("UPDATE participants SET is_vip = true WHERE id = ANY(:ids)"), {"ids": [p[0], p[1]]})
        session.execute(text("UPDATE participants SET networking_opt_in = true WHERE id = ANY(:ids)"),
                        {"ids": [p[0], p[2], p[3]]})
        session.execute(text("UPDATE participants SET checked_in_at = now() WHERE id = :id"), {"id": p[4]})
        for person, table in ((p[0], 1), (p[1], 2), (p[2], 3), (p[3], 3)):
            session.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number) "
                                 "VALUES (:e, :p, :t)"), {"e": org.event_id, "p": person, "t": table})
    with world.database.tenant_session(org.viewer) as session:
        overview = event_overview(session, org.event_id)
    assert (overview.participants, overview.seated, overview.unseated, overview.checked_in) == (6, 4, 2, 1)
    assert (overview.vips, overview.vips_at_vip_tables) == (2, 1)
    assert overview.networking_opt_in == 3 and overview.networking_opt_in_rate == 0.5
    assert (overview.tables, overview.seats) == (3, 10)
    assert (overview.tables_full, overview.tables_partly_filled, overview.tables_empty) == (1, 2, 0)


def test_another_organisations_event_is_invisible(world):
    with world.database.tenant_session(world.b.owner) as session:
        assert event_overview(session, world.a.event_id) is None
