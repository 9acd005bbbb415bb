"""The event as the engine sees it: tables, participants, rules and pins read into an
:class:`~eventflow.engine.Instance` (:func:`load_event`), with today's seats and a snapshot that
applying a plan compares against. Company, tracks and interests are read only for people who opted
in to networking: the others' are never even selected, so they cannot reach matching."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.orm import Session

from eventflow import engine
from eventflow.autoseat.networking import weights_for
from eventflow.autoseat.options import AutoSeatOptions, SeatingSettings, seating_settings
from eventflow.engine.instance import ParticipantId, TableNumber


class EventInstance(NamedTuple):
    instance: engine.Instance
    current: dict[ParticipantId, TableNumber]  # participant id -> table number today
    frozen: frozenset[ParticipantId]   # people who must keep their table in this run


@dataclass(frozen=True)
class SeatRow:
    assignment_id: str
    version: int
    table_number: int
    seat_number: int | None
    assigned_by: str


@dataclass(frozen=True)
class EventData:
    event: EventInstance
    names: dict[ParticipantId, str]
    seats: dict[ParticipantId, SeatRow]
    capacities: dict[int, int]
    snapshot: tuple
    settings: SeatingSettings
    pinned_by_manager: frozenset[ParticipantId]
    checked_in: frozenset[ParticipantId]


_PARTICIPANTS = text("""
    SELECT p.id::text AS id, p.full_name, p.is_vip, p.networking_opt_in, p.needs_accessible,
           p.checked_in_at IS NOT NULL AS checked_in,
           -- Matching data only for people who said yes: the others' never leave the database.
           CASE WHEN p.networking_opt_in THEN p.company END AS company,
           CASE WHEN p.networking_opt_in THEN p.interests ELSE '{}' END AS interests,
           CASE WHEN p.networking_opt_in THEN coalesce(tr.track_names, '{}') ELSE '{}' END AS tracks,
           a.id::text AS assignment_id, a.version, a.table_number, a.seat_number, a.assigned_by
      FROM participants AS p
      LEFT JOIN table_assignments AS a
             ON a.organization_id = p.organization_id AND a.event_id = p.event_id AND a.participant_id = p.id
      LEFT JOIN participant_track_names AS tr
             ON tr.organization_id = p.organization_id AND tr.event_id = p.event_id AND tr.participant_id = p.id
     WHERE p.event_id = :event_id
     ORDER BY lower(p.full_name), p.id
""")


def load_event(session: Session, event_id: UUID, options: AutoSeatOptions) -> EventData:
    settings = seating_settings(session, event_id)
    pin_manager = settings.pin_manager_seats if options.pin_manager_seats is None else options.pin_manager_seats
    reserved = settings.vip_tables_reserved if options.vip_tables_reserved is None else options.vip_tables_reserved
    table_rows = session.execute(text("""
        SELECT table_number, capacity, min_fill, is_vip_table, accessible, version
          FROM seating_tables WHERE event_id = :event_id ORDER BY table_number
    """), {"event_id": event_id}).all()
    people = session.execute(_PARTICIPANTS, {"event_id": event_id}).all()
    rules = session.execute(text("""
        SELECT r.id, r.kind, array_agg(m.participant_id::text ORDER BY m.participant_id) AS members
          FROM seating_rules AS r
          JOIN seating_rule_members AS m ON m.organization_id = r.organization_id AND m.rule_id = r.id
         WHERE r.event_id = :event_id
         GROUP BY r.id, r.kind ORDER BY r.id
    """), {"event_id": event_id}).all()

    tables = tuple(engine.Table(r.table_number, r.capacity, r.min_fill, r.is_vip_table, r.accessible)
                   for r in table_rows)
    participants = tuple(engine.Participant(
        id=p.id, is_vip=p.is_vip, networking_opt_in=p.networking_opt_in,
        company=(p.company or None) if p.networking_opt_in else None,
        tracks=frozenset(p.tracks or ()) if p.networking_opt_in else frozenset(),
        interests=frozenset(p.interests or ()) if p.networking_opt_in else frozenset(),
        needs_accessible=p.needs_accessible,
    ) for p in people)
    seats: dict[ParticipantId, SeatRow] = {
        p.id: SeatRow(p.assignment_id, p.version, p.table_number, p.seat_number, p.assigned_by)
        for p in people if p.assignment_id is not None}
    current: dict[ParticipantId, TableNumber] = {pid: seat.table_number for pid, seat in seats.items()}
    by_manager = frozenset(pid for pid, seat in seats.items() if seat.assigned_by == "manager")
    checked_in = frozenset(p.id for p in people if p.checked_in and p.id in seats)
    pinned_people = (by_manager if pin_manager else frozenset()) | (
        frozenset() if options.move_checked_in else checked_in)
    # Frozen people are pins as well: the engine's checker then knows they may stay where they sit
    # (a checked-in non-VIP at a VIP table, say) and checks that they did.
    instance = engine.Instance(
        tables=tables, participants=participants,
        pinned={pid: current[pid] for pid in sorted(pinned_people)},
        together=tuple(tuple(r.members) for r in rules if r.kind == "together" and len(r.members) >= 2),
        apart=tuple((r.members[0], r.members[1]) for r in rules if r.kind == "apart" and len(r.members) == 2),
        vip_tables_reserved=bool(reserved),
        weights=weights_for(options.company),
    )
    frozen = frozenset() if options.move_checked_in else checked_in
    snapshot = snapshot_of(
        [(pid, s.assignment_id, s.version) for pid, s in seats.items()], [p.id for p in people],
        [(r.table_number, r.capacity, r.version) for r in table_rows])
    return EventData(
        event=EventInstance(instance, current, frozen), names={p.id: p.full_name for p in people},
        seats=seats, capacities={r.table_number: r.capacity for r in table_rows}, snapshot=snapshot,
        settings=SeatingSettings(pin_manager, reserved), pinned_by_manager=by_manager, checked_in=checked_in)


def snapshot_of(seats: list[tuple], people: list[str], tables: list[tuple]) -> tuple:
    # What a plan is computed from: every seat row with its version, who takes part, the tables.
    return (tuple(sorted(seats)), tuple(sorted(people)), tuple(sorted(tables)))


def event_instance(session: Session, event_id: UUID, options: AutoSeatOptions | None = None) -> EventInstance:
    """The engine's instance for the event, today's seating (participant -> table) and the people
    who must keep their table (checked in, unless ``options.move_checked_in``)."""
    return load_event(session, event_id, (options or AutoSeatOptions()).validated()).event


_QUOTED_ID = re.compile(r"'([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'")


def name_people(sentence: str, names: Mapping[ParticipantId, str]) -> str:
    """The engine names people by id; organisers know them by name."""
    return _QUOTED_ID.sub(lambda m: names.get(m.group(1), "a participant"), sentence)
