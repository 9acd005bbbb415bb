"""The seed plan's decisions, as the database enforces them (through the app role, as the UI would)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.conftest import World


def _seat(session, event_id, participant_id, table, seat=None, assigned_by="manager"):
    # Written the way SQL against the seed schema is: no organization_id, whatever is_vip_table.
    session.execute(
        text("INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number, is_vip_table, assigned_by) "
             "VALUES (:event, :participant, :table, :seat, false, :assigned_by)"),
        {"event": event_id, "participant": participant_id, "table": table, "seat": seat, "assigned_by": assigned_by},
    )


def test_networking_opt_in_is_false_unless_chosen(world: World) -> None:
    a = world.a
    with world.database.tenant_session(a.manager) as session:
        columns = dict(session.execute(text(
            "SELECT column_name, is_nullable FROM information_schema.columns "
            "WHERE table_name = 'participants' AND column_name = 'networking_opt_in'")).all())
        assert columns == {"networking_opt_in": "NO"}
        opted = session.execute(text("SELECT bool_or(networking_opt_in) FROM participants WHERE event_id = :e"),
                                {"e": a.event_id}).scalar_one()
    assert opted is False


@pytest.mark.parametrize(
    ("settings", "explicit", "expected"),
    [
        ("{}", None, False),
        ('{"default_networking_opt_in": true}', None, True),
        ('{"default_networking_opt_in": false}', None, False),
        ('{"default_networking_opt_in": true}', False, False),
        ("{}", True, True),
    ],
)
def test_event_default_applies_only_without_an_explicit_choice(world: World, settings, explicit, expected) -> None:
    a = world.a
    with world.database.tenant_session(a.owner) as session:
        session.execute(text("UPDATE events SET settings = CAST(:s AS jsonb) WHERE id = :e"), {"s": settings, "e": a.event_id})
        if explicit is None:
            sql = "INSERT INTO participants (event_id, full_name) VALUES (:e, 'New Person') RETURNING networking_opt_in"
        else:
            sql = ("INSERT INTO participants (event_id, full_name, networking_opt_in) "
                   "VALUES (:e, 'New Person', :explicit) RETURNING networking_opt_in")
        assert session.execute(text(sql), {"e": a.event_id, "explicit": explicit}).scalar_one() is expected


def test_event_setting_must_be_a_boolean(world: World) -> None:
    with pytest.raises(IntegrityError, match="check"), world.database.tenant_session(world.a.owner) as session:
        session.execute(text("""UPDATE events SET settings = '{"default_networking_opt_in": "yes"}' WHERE id = :e"""),
                        {"e": world.a.event_id})


def test_assignment_defaults_and_vip_flag_follow_the_table(world: World) -> None:
    a = world.a
    with world.database.tenant_session(a.manager) as session:
        _seat(session, a.event_id, a.participant_ids[0], table=1, seat=1)
        row = session.execute(text(
            "SELECT organization_id, is_vip_table, assigned_by, assigned_at, version, assigned_by_organiser_id "
            "FROM table_assignments WHERE participant_id = :p"), {"p": a.participant_ids[0]}).one()
    assert row.organization_id == a.id
    assert row.is_vip_table is True  # table 1 is a VIP table, whatever the insert said
    assert row.assigned_by == "manager"
    assert row.assigned_at is not None
    assert row.version == 1
    assert row.assigned_by_organiser_id == a.manager

    with world.database.tenant_session(a.owner) as session:
        session.execute(text("UPDATE seating_tables SET is_vip_table = false WHERE event_id = :e AND table_number = 1"),
                        {"e": a.event_id})
        flag = session.execute(text("SELECT is_vip_table FROM table_assignments WHERE participant_id = :p"),
                               {"p": a.participant_ids[0]}).scalar_one()
    assert flag is False


@pytest.mark.parametrize("source", ["ai", "manager", "auto"])
def test_assigned_by_accepts_the_three_sources(world: World, source: str) -> None:
    with world.database.tenant_session(world.a.manager) as session:
        _seat(session, world.a.event_id, world.a.participant_ids[0], table=2, assigned_by=source)
    with world.database.tenant_session(world.a.viewer) as session:
        stored = session.execute(text("SELECT assigned_by FROM table_assignments WHERE participant_id = :p"),
                                 {"p": world.a.participant_ids[0]}).scalar_one()
    assert stored == source


@pytest.mark.parametrize("source", ["AI", "human", "", "import"])
def test_assigned_by_rejects_other_values(world: World, source: str) -> None:
    with pytest.raises(IntegrityError, match="assigned_by_check"), world.database.tenant_session(world.a.manager) as s:
        _seat(s, world.a.event_id, world.a.participant_ids[0], table=2, assigned_by=source)


@pytest.mark.parametrize(("table", "seat", "constraint"), [
    (0, None, "table_number_check"),
    (-3, None, "table_number_check"),
    (2, 0, "seat_number_check"),
    (2, -1, "seat_number_check"),
    (99, None, "seating_table_fkey"),  # a table number must be one of the event's tables
    (3, 3, "table 3 has no seat 3: it has 2 chairs"),
])
def test_table_and_seat_numbers_are_checked(world: World, table: int, seat: int | None, constraint: str) -> None:
    with pytest.raises(IntegrityError, match=constraint), world.database.tenant_session(world.a.manager) as s:
        _seat(s, world.a.event_id, world.a.participant_ids[0], table=table, seat=seat)


def test_table_number_is_required(world: World) -> None:
    with pytest.raises(IntegrityError, match="table_number"), world.database.tenant_session(world.a.manager) as s:
        _seat(s, world.a.event_id, world.a.participant_ids[0], table=None)


def test_one_assignment_per_participant(world: World) -> None:
    a = world.a
    with pytest.raises(IntegrityError, match="one_per_participant"), world.database.tenant_session(a.manager) as s:
        _seat(s, a.event_id, a.participant_ids[0], table=2, seat=1)
        _seat(s, a.event_id, a.participant_ids[0], table=2, seat=2)


def test_one_participant_per_seat(world: World) -> None:
    a = world.a
    with pytest.raises(IntegrityError, match="one_per_seat"), world.database.tenant_session(a.manager) as s:
        _seat(s, a.event_id, a.participant_ids[0], table=2, seat=1)
        _seat(s, a.event_id, a.participant_ids[1], table=2, seat=1)
    with world.database.tenant_session(a.manager) as s:
        assert s.execute(text("SELECT count(*) FROM table_assignments WHERE event_id = :e"), {"e": a.event_id}).scalar() == 0
        # Seat numbers are optional: many people can be at a table without one.
        _seat(s, a.event_id, a.participant_ids[0], table=2)
        _seat(s, a.event_id, a.participant_ids[1], table=2)


def test_two_people_swap_seats_in_one_transaction(world: World) -> None:
    a = world.a
    first, second = a.participant_ids[:2]
    with world.database.tenant_session(a.manager) as s:
        _seat(s, a.event_id, first, table=2, seat=1)
        _seat(s, a.event_id, second, table=2, seat=2)
    with world.database.tenant_session(a.manager) as s:
        s.execute(text("UPDATE table_assignments SET seat_number = 2 WHERE participant_id = :p"), {"p": first})
        s.execute(text("UPDATE table_assignments SET seat_number = 1 WHERE participant_id = :p"), {"p": second})
    with world.database.tenant_session(a.viewer) as s:
        seats = dict(s.execute(text("SELECT participant_id, seat_number FROM table_assignments WHERE event_id = :e"),
                               {"e": a.event_id}).all())
    assert seats == {first: 2, second: 1}


def test_table_capacity_is_never_exceeded(world: World) -> None:
    a = world.a
    with pytest.raises(IntegrityError, match="table 3 is over capacity: 3 people seated, 2 chairs"), \
            world.database.tenant_session(a.manager) as s:
        for person in a.participant_ids[:3]:
            _seat(s, a.event_id, person, table=3)


def test_a_table_cannot_shrink_below_who_sits_there(world: World) -> None:
    a = world.a
    with world.database.tenant_session(a.manager) as s:
        for seat, person in enumerate(a.participant_ids[:3], start=1):
            _seat(s, a.event_id, person, table=2, seat=seat)
    with pytest.raises(IntegrityError, match="cannot shrink to 2 chairs: 3 people"), \
            world.database.tenant_session(a.manager) as s:
        s.execute(text("UPDATE seating_tables SET capacity = 2 WHERE event_id = :e AND table_number = 2"), {"e": a.event_id})
    with world.database.tenant_session(a.manager) as s:
        s.execute(text("UPDATE seating_tables SET capacity = 3 WHERE event_id = :e AND table_number = 2"), {"e": a.event_id})


def test_moving_someone_refreshes_the_audit_trail_and_version(world: World) -> None:
    a = world.a
    person = a.participant_ids[0]
    with world.database.tenant_session(a.owner) as s:
        _seat(s, a.event_id, person, table=2, seat=1, assigned_by="auto")
        before = s.execute(text("SELECT assigned_at, version FROM table_assignments WHERE participant_id = :p"),
                           {"p": person}).one()
    with world.database.tenant_session(a.manager) as s:
        s.execute(text("UPDATE table_assignments SET table_number = 3, seat_number = 1, assigned_by = 'manager' "
                       "WHERE participant_id = :p"), {"p": person})
        after = s.execute(text("SELECT assigned_at, version, assigned_by_organiser_id, is_vip_table "
                               "FROM table_assignments WHERE participant_id = :p"), {"p": person}).one()
    assert after.assigned_at > before.assigned_at
    assert after.version == before.version + 1
    assert after.assigned_by_organiser_id == a.manager


def test_track_statistics_counts_only_active_tracks(world: World) -> None:
    """Hand-computed: 6 people; Data = {0,1,2}, Cloud = {2,3}, Retired = {3,4,5}.

    People in at least one active track: {0,1,2,3} = 4. Data 3/4 = 75.00 %, Cloud 2/4 = 50.00 %.
    Retired is left out, and person 4 and 5 (only in Retired) do not count in the total.
    """
    a = world.a
    data, cloud, retired = a.track_ids
    p = a.participant_ids
    links = [(p[0], data), (p[1], data), (p[2], data), (p[2], cloud), (p[3], cloud),
             (p[3], retired), (p[4], retired), (p[5], retired)]
    with world.database.tenant_session(a.manager) as s:
        # Seed-style: no organization_id nor event_id; the trigger takes them from the participant.
        s.execute(text("INSERT INTO participant_tracks (participant_id, track_id) VALUES (:p, :t)"),
                  [{"p": person, "t": track} for person, track in links])
        rows = s.execute(text("SELECT event_id, track_id, track_name, participant_count, percentage "
                              "FROM track_statistics WHERE event_id = :e ORDER BY track_name"), {"e": a.event_id}).all()
    assert [(r.track_name, r.participant_count, r.percentage) for r in rows] == [
        ("Cloud", 2, Decimal("50.00")),
        ("Data", 3, Decimal("75.00")),
    ]
    assert {r.track_id for r in rows} == {data, cloud}
    assert {r.event_id for r in rows} == {a.event_id}


def test_track_statistics_rounds_to_two_decimals_and_lists_empty_tracks(world: World) -> None:
    """Data = {0}, Cloud = {0,1,2}: 3 people in active tracks; Data 1/3 = 33.33 %, Cloud 100.00 %."""
    a = world.a
    data, cloud, _ = a.track_ids
    p = a.participant_ids
    with world.database.tenant_session(a.manager) as s:
        s.execute(text("INSERT INTO participant_tracks (participant_id, track_id) VALUES (:p, :t)"),
                  [{"p": p[0], "t": data}, {"p": p[0], "t": cloud}, {"p": p[1], "t": cloud}, {"p": p[2], "t": cloud}])
        s.execute(text("INSERT INTO tracks (event_id, name) VALUES (:e, 'Empty')"), {"e": a.event_id})
        rows = dict(s.execute(text("SELECT track_name, percentage FROM track_statistics WHERE event_id = :e"),
                              {"e": a.event_id}).all())
    assert rows == {"Data": Decimal("33.33"), "Cloud": Decimal("100.00"), "Empty": Decimal("0.00")}


def test_participant_and_track_must_belong_to_the_same_event(world: World) -> None:
    a = world.a
    with world.database.tenant_session(a.owner) as s:
        other_event = s.execute(text("INSERT INTO events (organization_id, name) VALUES (:o, 'Second') RETURNING id"),
                                {"o": a.id}).scalar_one()
        other_track = s.execute(text("INSERT INTO tracks (event_id, name) VALUES (:e, 'Elsewhere') RETURNING id"),
                                {"e": other_event}).scalar_one()
    with pytest.raises(IntegrityError, match="participant_tracks"), world.database.tenant_session(a.owner) as s:
        s.execute(text("INSERT INTO participant_tracks (participant_id, track_id) VALUES (:p, :t)"),
                  {"p": a.participant_ids[0], "t": other_track})


def test_email_is_unique_per_event_case_insensitively(world: World) -> None:
    a = world.a
    with pytest.raises(IntegrityError, match="participants_event_email_key"), \
            world.database.tenant_session(a.owner) as s:
        s.execute(text("INSERT INTO participants (event_id, full_name, email) VALUES (:e, 'Dup', 'PERSON0@alpha.example')"),
                  {"e": a.event_id})


def test_invalid_organiser_setting_is_an_error_not_a_wildcard(world: World) -> None:
    with pytest.raises(DBAPIError, match="invalid input syntax for type uuid"), \
            world.database.app_engine.connect() as conn:
        conn.execute(text("SELECT set_config('eventflow.organiser_id', 'not-a-uuid', true)"))
        conn.execute(text("SELECT count(*) FROM participants")).scalar()
