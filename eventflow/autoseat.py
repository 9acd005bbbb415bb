"""Auto-seat: the seating engine (``eventflow.engine``) run on an event's data, and its plans written.

How a plan travels:

1. :func:`event_instance` reads the event into an engine :class:`~eventflow.engine.Instance`: the
   tables, every participant, the keep-together and keep-apart rules, and the pins (seats set by a
   manager, when the event pins them; people already checked in, unless the organiser lets them
   move). Company, tracks and interests are read only for people who opted in to networking: the
   others' are never even selected, so they cannot reach matching.
2. :func:`preview_plan` solves it and returns a :class:`PlanPreview`: who moves where, the score
   before and after, every rule checked again by the engine's independent checker, and the
   engine's explanation with people named — or, when no plan exists, why, by name. It also keeps a
   snapshot of the seating it was computed from.
3. :func:`apply_plan` writes the plan in the caller's transaction as one change set (kind
   "auto-seat" or "re-plan"). It refuses, writing nothing, when the seating, the participants or
   the tables changed since the preview.

Walk-ins (:func:`walk_in_suggestions`, :func:`accept_walk_in`) and the "who to meet" list
(:func:`who_to_meet_table`) use the same instance.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, NamedTuple
from uuid import UUID

import pandas as pd
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from eventflow import engine, solve_slots, text_rules
from eventflow.db import is_transient
from eventflow.engine.instance import ParticipantId, TableNumber
from eventflow.engine.seat_numbers import stable_seat_numbers
from eventflow.history import begin_change_set
from eventflow.participants import to_safe_csv
from eventflow.seating import describe_database_error
from eventflow.statements import changed_rows

PlanKind = Literal["auto-seat", "re-plan"]
RuleKind = Literal["together", "apart"]
Mode = Literal["auto", "exact", "heuristic"]

DEFAULT_TIME_LIMIT = 5.0
MAX_TIME_LIMIT = 600.0
# Constraint families of engine.check, in the order organisers read them; each sentence the
# checker writes starts with one of these prefixes (or names a participant without a seat).
CHECK_FAMILIES = (
    ("seated", "Everyone has exactly one seat"),
    ("capacity", "No table over capacity"),
    ("min_fill", "Minimum fill of every table"),
    ("seat numbers", "Seat numbers exist and are used once"),
    ("pinned", "Pinned people stay at their table"),
    ("together", "Keep-together groups share a table, side by side"),
    ("apart", "Keep-apart pairs at different tables"),
    ("vip", "VIPs at VIP tables (and VIP tables reserved, when set)"),
    ("accessible", "Accessible places for those who need them"),
)


class AutoSeatError(ValueError):
    """Bad input from the organiser (options, rules, walk-ins): nothing was written."""


# ------------------------------------------------------------------------------------------ options

@dataclass(frozen=True)
class SeatingSettings:
    """The event's auto-seat settings (``events.settings``); both default to true."""

    pin_manager_seats: bool = True
    vip_tables_reserved: bool = True


@dataclass(frozen=True)
class AutoSeatOptions:
    """What the organiser chose for one run. ``None`` takes the event's setting."""

    time_limit: float = DEFAULT_TIME_LIMIT
    mode: Mode = "auto"
    vip_tables_reserved: bool | None = None
    pin_manager_seats: bool | None = None
    replan: bool = False  # on the day: keep today's seating where possible
    move_penalty: float = 1.0  # re-plan only: score given up for each seated person who changes table
    move_checked_in: bool = False  # let people who already checked in change table
    seed: int = 0

    def validated(self) -> AutoSeatOptions:
        if not isinstance(self.time_limit, (int, float)) or not math.isfinite(self.time_limit) \
                or not 0 < self.time_limit <= MAX_TIME_LIMIT:
            raise AutoSeatError(f"The time limit must be between 0 and {MAX_TIME_LIMIT:g} seconds.")
        if self.mode not in ("auto", "exact", "heuristic"):
            raise AutoSeatError("The mode must be auto, exact or heuristic.")
        if not isinstance(self.move_penalty, (int, float)) or not math.isfinite(self.move_penalty) \
                or self.move_penalty < 0:
            raise AutoSeatError("The move penalty must be zero or more.")
        return self


def seating_settings(session: Session, event_id: UUID) -> SeatingSettings:
    row = session.execute(text("""
        SELECT coalesce((settings ->> 'pin_manager_seats')::boolean, true) AS pin_manager_seats,
               coalesce((settings ->> 'vip_tables_reserved')::boolean, true) AS vip_tables_reserved
          FROM events WHERE id = :event_id
    """), {"event_id": event_id}).first()
    if row is None:
        raise AutoSeatError("This event does not exist (or you cannot see it).")
    return SeatingSettings(**row._mapping)


def save_seating_settings(session: Session, event_id: UUID, settings: SeatingSettings) -> None:
    updated = changed_rows(session, text("""
        UPDATE events
           SET settings = settings || jsonb_build_object('pin_manager_seats', CAST(:pin AS boolean),
                                                         'vip_tables_reserved', CAST(:vip AS boolean))
         WHERE id = :event_id
    """), {"event_id": event_id, "pin": bool(settings.pin_manager_seats),
           "vip": bool(settings.vip_tables_reserved)})
    if updated != 1:
        raise PermissionError("You can see this event but not change its settings.")


# -------------------------------------------------------------------------------------------- rules

@dataclass(frozen=True)
class SeatingRule:
    id: UUID
    kind: RuleKind
    note: str | None
    participant_ids: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def description(self) -> str:
        joined = ", ".join(self.names)
        return f"Keep together: {joined}" if self.kind == "together" else f"Keep apart: {' and '.join(self.names)}"


def list_rules(session: Session, event_id: UUID) -> list[SeatingRule]:
    rows = session.execute(text("""
        SELECT r.id, r.kind, r.note, r.created_at,
               array_agg(p.id::text ORDER BY lower(p.full_name), p.id) AS participant_ids,
               array_agg(p.full_name ORDER BY lower(p.full_name), p.id) AS names
          FROM seating_rules AS r
          JOIN seating_rule_members AS m ON m.organization_id = r.organization_id AND m.rule_id = r.id
          JOIN participants AS p ON p.organization_id = m.organization_id AND p.id = m.participant_id
         WHERE r.event_id = :event_id
         GROUP BY r.id, r.kind, r.note, r.created_at
         ORDER BY r.kind DESC, r.created_at, r.id
    """), {"event_id": event_id}).all()
    return [SeatingRule(r.id, r.kind, r.note, tuple(r.participant_ids), tuple(r.names)) for r in rows]


def add_rule(session: Session, event_id: UUID, kind: str, participant_ids: list[str | UUID],
             note: str | None = None) -> UUID:
    """Add a keep-together group (two or more people) or a keep-apart pair (exactly two)."""
    if kind not in ("together", "apart"):
        raise AutoSeatError("A rule keeps people together or apart.")
    try:
        people = list(dict.fromkeys(str(UUID(str(pid))) for pid in participant_ids))
    except ValueError:
        raise AutoSeatError("Pick participants from the list.") from None
    if kind == "apart" and len(people) != 2:
        raise AutoSeatError("A keep-apart rule names exactly two different people.")
    if kind == "together" and len(people) < 2:
        raise AutoSeatError("A keep-together group needs at least two different people.")
    note = (note or "").strip() or None
    if note and len(note) > 500:
        raise AutoSeatError("The note is longer than 500 characters.")
    text_rules.check(note, "the note", error=AutoSeatError)
    found = session.execute(text("SELECT count(*) FROM participants WHERE event_id = :event_id "
                                 "AND id = ANY (CAST(:people AS uuid[]))"),
                            {"event_id": event_id, "people": people}).scalar_one()
    if found != len(people):
        raise AutoSeatError("Some of these people are not participants of this event.")
    try:
        rule_id = session.execute(text(
            "INSERT INTO seating_rules (event_id, kind, note) VALUES (:event_id, :kind, :note) RETURNING id"),
            {"event_id": event_id, "kind": kind, "note": note}).scalar_one()
        session.execute(text("""
            INSERT INTO seating_rule_members (organization_id, event_id, rule_id, participant_id)
            SELECT r.organization_id, r.event_id, r.id, p.id
              FROM seating_rules AS r CROSS JOIN unnest(CAST(:people AS uuid[])) AS p (id)
             WHERE r.id = :rule_id
        """), {"rule_id": rule_id, "people": people})
        # Check the rule's size now, then defer again: the caller may add another rule in this transaction.
        session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        session.execute(text("SET CONSTRAINTS ALL DEFERRED"))
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) == "42501":
            raise PermissionError("You can see this event's seating rules but not change them.") from None
        raise
    return rule_id


def remove_rule(session: Session, event_id: UUID, rule_id: UUID) -> None:
    deleted = changed_rows(session, text("DELETE FROM seating_rules WHERE event_id = :event_id AND id = :rule_id"),
                              {"event_id": event_id, "rule_id": rule_id})
    if deleted != 1:
        exists = session.execute(text("SELECT 1 FROM seating_rules WHERE event_id = :event_id AND id = :rule_id"),
                                 {"event_id": event_id, "rule_id": rule_id}).first()
        if exists:
            raise PermissionError("You can see this event's seating rules but not change them.")
        raise AutoSeatError("This rule no longer exists: someone may have removed it already.")


# ------------------------------------------------------------------------------------ the instance

class EventInstance(NamedTuple):
    instance: engine.Instance
    current: dict[ParticipantId, TableNumber]  # participant id -> table number today
    frozen: frozenset[ParticipantId]   # people who must keep their table in this run


@dataclass(frozen=True)
class _SeatRow:
    assignment_id: str
    version: int
    table_number: int
    seat_number: int | None
    assigned_by: str


@dataclass(frozen=True)
class _EventData:
    event: EventInstance
    names: dict[ParticipantId, str]
    seats: dict[ParticipantId, _SeatRow]
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
           CASE WHEN p.networking_opt_in THEN coalesce(
               (SELECT array_agg(t.name ORDER BY t.name)
                  FROM participant_tracks AS pt
                  JOIN tracks AS t ON t.organization_id = pt.organization_id AND t.event_id = pt.event_id
                                  AND t.id = pt.track_id
                 WHERE pt.organization_id = p.organization_id AND pt.event_id = p.event_id
                   AND pt.participant_id = p.id AND t.is_active), '{}') ELSE '{}' END AS tracks,
           a.id::text AS assignment_id, a.version, a.table_number, a.seat_number, a.assigned_by
      FROM participants AS p
      LEFT JOIN table_assignments AS a
             ON a.organization_id = p.organization_id AND a.event_id = p.event_id AND a.participant_id = p.id
     WHERE p.event_id = :event_id
     ORDER BY lower(p.full_name), p.id
""")


def _load(session: Session, event_id: UUID, options: AutoSeatOptions) -> _EventData:
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
    seats: dict[ParticipantId, _SeatRow] = {
        p.id: _SeatRow(p.assignment_id, p.version, p.table_number, p.seat_number, p.assigned_by)
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
    )
    frozen = frozenset() if options.move_checked_in else checked_in
    snapshot = _snapshot_of(
        [(pid, s.assignment_id, s.version) for pid, s in seats.items()], [p.id for p in people],
        [(r.table_number, r.capacity, r.version) for r in table_rows])
    return _EventData(
        event=EventInstance(instance, current, frozen), names={p.id: p.full_name for p in people},
        seats=seats, capacities={r.table_number: r.capacity for r in table_rows}, snapshot=snapshot,
        settings=SeatingSettings(pin_manager, reserved), pinned_by_manager=by_manager, checked_in=checked_in)


def _snapshot_of(seats: list[tuple], people: list[str], tables: list[tuple]) -> tuple:
    # What a plan is computed from: every seat row with its version, who takes part, the tables.
    return (tuple(sorted(seats)), tuple(sorted(people)), tuple(sorted(tables)))


def event_instance(session: Session, event_id: UUID, options: AutoSeatOptions | None = None) -> EventInstance:
    """The engine's instance for the event, today's seating (participant -> table) and the people
    who must keep their table (checked in, unless ``options.move_checked_in``)."""
    return _load(session, event_id, (options or AutoSeatOptions()).validated()).event


# ------------------------------------------------------------------------------------------ preview

@dataclass(frozen=True)
class PlannedSeat:
    participant_id: str
    full_name: str
    old_table: int | None
    old_seat: int | None
    new_table: int
    new_seat: int

    @property
    def change(self) -> str:
        if self.old_table is None:
            return "newly seated"
        return "changes table" if self.old_table != self.new_table else "new seat number"


@dataclass(frozen=True)
class ConstraintCheck:
    rule: str
    ok: bool
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanPreview:
    event_id: UUID
    kind: PlanKind
    status: str  # optimal, feasible or infeasible
    options: AutoSeatOptions
    changes: tuple[PlannedSeat, ...] = ()   # only the people whose seat changes
    plan: tuple[tuple[str, int, int], ...] = ()  # everyone: (participant, table, seat)
    score_before: float = 0.0
    score_after: float | None = None
    checks: tuple[ConstraintCheck, ...] = ()
    explanation: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()   # why no plan exists, people named
    snapshot: tuple = field(default=(), repr=False)
    seated_before: int = 0
    participants: int = 0

    @property
    def feasible(self) -> bool:
        return self.status != "infeasible"

    @property
    def newly_seated(self) -> int:
        return sum(1 for c in self.changes if c.old_table is None)

    @property
    def moved(self) -> int:
        return sum(1 for c in self.changes if c.old_table is not None and c.old_table != c.new_table)

    def changes_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"Name": c.full_name,
              "From": "unseated" if c.old_table is None else _seat_text(c.old_table, c.old_seat),
              "To": _seat_text(c.new_table, c.new_seat), "Change": c.change} for c in self.changes],
            columns=["Name", "From", "To", "Change"])


def _seat_text(table: int, seat: int | None) -> str:
    return f"table {table}" + (f", seat {seat}" if seat is not None else "")


_QUOTED_ID = re.compile(r"'([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'")


def name_people(sentence: str, names: Mapping[ParticipantId, str]) -> str:
    """The engine names people by id; organisers know them by name."""
    return _QUOTED_ID.sub(lambda m: names.get(m.group(1), "a participant"), sentence)


def _family(message: str) -> str:
    for key, _ in CHECK_FAMILIES:
        if message.startswith(key + ":"):
            return key
    return "seated"  # "participant … has no seat", "… is seated twice", unknown people


def _checks(instance: engine.Instance, plan: list[engine.Assignment], names: Mapping[ParticipantId, str]
            ) -> tuple[ConstraintCheck, ...]:
    found: dict[str, list[str]] = defaultdict(list)
    for message in engine.check(instance, plan):
        found[_family(message)].append(name_people(message, names))
    return tuple(ConstraintCheck(label, not found[key], tuple(found[key])) for key, label in CHECK_FAMILIES)


@dataclass(frozen=True)
class PlanInput:
    """Everything a preview is solved from, read in one short transaction (:func:`read_plan_input`)."""

    event_id: UUID
    options: AutoSeatOptions
    data: _EventData = field(repr=False)


def read_plan_input(session: Session, event_id: UUID, options: AutoSeatOptions | None = None) -> PlanInput:
    """Read what a preview needs. The dashboard commits right after, so no transaction and no pooled
    connection is held during the solve (which may take minutes): see :func:`preview_detached`."""
    options = (options or AutoSeatOptions()).validated()
    return PlanInput(event_id, options, _load(session, event_id, options))


def preview_detached(read: Callable[[Callable[[Session], PlanInput]], PlanInput], event_id: UUID,
                     options: AutoSeatOptions | None = None, *,
                     wait_seconds: float = solve_slots.DEFAULT_WAIT_SECONDS) -> PlanPreview:
    """A preview as the dashboard runs it: take one of the server's solve slots (or raise
    :class:`~eventflow.solve_slots.ServerBusy`), read the event through ``read`` (which runs a
    function in its own transaction, e.g. ``Database.run_transaction`` for an organiser) and let the
    connection go, then solve. Applying re-checks the snapshot, so nothing is lost by not holding
    the transaction."""
    with solve_slots.solve_slot(wait_seconds):
        plan_input = read(lambda session: read_plan_input(session, event_id, options))
        return solve_plan(plan_input)


def preview_plan(session: Session, event_id: UUID, options: AutoSeatOptions | None = None) -> PlanPreview:
    """Read and solve in the caller's transaction (the CLI and tests); nothing is written."""
    return solve_plan(read_plan_input(session, event_id, options))


def solve_plan(plan_input: PlanInput) -> PlanPreview:
    """Solve the event and describe the plan, without the database."""
    event_id, options, data = plan_input.event_id, plan_input.options, plan_input.data
    instance, current, frozen = data.event
    kind: PlanKind = "re-plan" if options.replan else "auto-seat"
    names = data.names
    base = PlanPreview(event_id=event_id, kind=kind, status="infeasible", options=options, snapshot=data.snapshot,
                       seated_before=len(current), participants=len(instance.participants),
                       score_before=engine.score(instance, current))
    if not instance.participants:
        return replace(base, problems=("This event has no participants to seat yet.",))
    try:
        solution = engine.solve(
            instance, time_limit=options.time_limit, mode=options.mode, seed=options.seed,
            # The current seating is always the starting point (people already seated stay put
            # when nothing is gained); only a re-plan makes moving them cost something.
            current=current, move_penalty=options.move_penalty if options.replan else 0.0, frozen=frozen)
    except engine.InstanceError as error:
        return replace(base, problems=(name_people(str(error), names),))
    explanation = tuple(name_people(line, names) for line in solution.explanation)
    if solution.status == "infeasible":
        return replace(base, explanation=explanation,
                       problems=tuple(name_people(p.message, names) for p in solution.problems) or explanation)
    plan = stable_seat_numbers(instance, solution.assignments,
                               {pid: (seat.table_number, seat.seat_number) for pid, seat in data.seats.items()})
    changes = []
    for a in plan:
        old = data.seats.get(a.participant_id)
        if old is None or (old.table_number, old.seat_number) != (a.table_number, a.seat_number):
            changes.append(PlannedSeat(str(a.participant_id), names[a.participant_id],
                                       None if old is None else old.table_number,
                                       None if old is None else old.seat_number, int(a.table_number), a.seat_number))
    changes.sort(key=lambda c: (c.new_table, c.new_seat))
    return replace(
        base, status=solution.status, changes=tuple(changes),
        plan=tuple((str(a.participant_id), int(a.table_number), a.seat_number) for a in plan),
        score_after=engine.score(instance, plan), checks=_checks(instance, plan, names),
        explanation=explanation)


# -------------------------------------------------------------------------------------------- apply

@dataclass(frozen=True)
class ApplyResult:
    applied: bool
    seated: int = 0      # newly seated
    moved: int = 0       # changed table
    reseated: int = 0    # same table, other seat number
    change_set_id: UUID | None = None
    message: str = ""

    @property
    def summary(self) -> str:
        if not self.applied:
            return self.message
        parts = [f"{self.seated} newly seated", f"{self.moved} moved to another table"]
        if self.reseated:
            parts.append(f"{self.reseated} given another seat number at their table")
        return "Plan applied: " + ", ".join(parts) + "."


STALE_MESSAGE = ("Nothing was written: the seating, the participants or the tables changed since this "
                 "preview (a colleague may have just saved). Preview again to plan from the latest seating.")


def _current_snapshot(session: Session, event_id: UUID) -> tuple[tuple, bool]:
    """The event as the snapshot of a preview sees it, its seats and tables locked; and whether the
    organiser could lock everything they see (row-level security lets only writers lock rows)."""
    locked_seats = session.execute(text(
        "SELECT participant_id::text, id::text, version FROM table_assignments WHERE event_id = :event_id "
        "FOR UPDATE"), {"event_id": event_id}).all()
    locked_tables = session.execute(text(
        "SELECT table_number, capacity, version FROM seating_tables WHERE event_id = :event_id "
        "FOR NO KEY UPDATE"), {"event_id": event_id}).all()
    visible = session.execute(text(
        "SELECT (SELECT count(*) FROM table_assignments WHERE event_id = :event_id), "
        "(SELECT count(*) FROM seating_tables WHERE event_id = :event_id)"), {"event_id": event_id}).one()
    people = session.execute(text("SELECT id::text FROM participants WHERE event_id = :event_id"),
                             {"event_id": event_id}).scalars().all()
    may_write = (len(locked_seats), len(locked_tables)) == tuple(visible)
    return _snapshot_of([tuple(r) for r in locked_seats], list(people), [tuple(r) for r in locked_tables]), may_write


def apply_plan(session: Session, event_id: UUID, preview: PlanPreview) -> ApplyResult:
    """Write the previewed plan in the caller's transaction: one change set, ``assigned_by = 'auto'``
    for everyone who is newly seated or changes table (people who only get another seat number at
    their table keep theirs, so a manager's pin survives). Nothing is written when the event
    changed since the preview, when the plan is not feasible, or when the organiser may only view."""
    if preview.event_id != event_id:
        raise AutoSeatError("This preview belongs to another event.")
    if not preview.feasible:
        return ApplyResult(False, message="Nothing was written: this preview has no plan to apply.")
    snapshot, may_write = _current_snapshot(session, event_id)
    if not may_write:
        return ApplyResult(False, message="Nothing was written: you can only view this event.")
    if snapshot != preview.snapshot:
        return ApplyResult(False, message=STALE_MESSAGE)
    if not preview.changes:
        return ApplyResult(True, message="Nothing to change: everyone already sits as planned.")
    change_set_id = begin_change_set(session, preview.kind)
    inserts = [c for c in preview.changes if c.old_table is None]
    updates = [c for c in preview.changes if c.old_table is not None]
    try:
        written = 0
        if updates:
            # Seat uniqueness is checked at commit, so swaps and rotations need no ordering here.
            written += changed_rows(session, text("""
                UPDATE table_assignments AS a
                   SET table_number = u.table_number, seat_number = u.seat_number,
                       assigned_by = CASE WHEN a.table_number = u.table_number THEN a.assigned_by ELSE 'auto' END
                  FROM jsonb_to_recordset(CAST(:rows AS jsonb))
                       AS u (participant_id uuid, table_number integer, seat_number integer)
                 WHERE a.event_id = :event_id AND a.participant_id = u.participant_id
            """), {"event_id": event_id, "rows": _json_rows(updates)})
        if inserts:
            written += changed_rows(session, text("""
                INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number, assigned_by)
                SELECT :event_id, u.participant_id, u.table_number, u.seat_number, 'auto'
                  FROM jsonb_to_recordset(CAST(:rows AS jsonb))
                       AS u (participant_id uuid, table_number integer, seat_number integer)
            """), {"event_id": event_id, "rows": _json_rows(inserts)})
        if written != len(preview.changes):
            session.rollback()
            return ApplyResult(False, message=STALE_MESSAGE)
        session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    except DBAPIError as error:
        if is_transient(error):
            raise  # Database.run_transaction runs it again
        session.rollback()
        if getattr(error.orig, "sqlstate", None) == "42501":
            return ApplyResult(False, message="Nothing was written: you can only view this event.")
        return ApplyResult(False, message=describe_database_error(error).replace("Nothing was saved",
                                                                                  "Nothing was written"))
    return ApplyResult(True, seated=len(inserts), moved=sum(1 for c in updates if c.old_table != c.new_table),
                       reseated=sum(1 for c in updates if c.old_table == c.new_table), change_set_id=change_set_id)


def _json_rows(changes: list[PlannedSeat]) -> str:
    return json.dumps([{"participant_id": c.participant_id, "table_number": c.new_table,
                        "seat_number": c.new_seat} for c in changes])


# ----------------------------------------------------------------------------------------- walk-ins

@dataclass(frozen=True)
class WalkInSuggestion:
    table_number: int
    free_seats: int
    gain: float
    meets: tuple[tuple[str, float, tuple[str, ...]], ...]  # (name, weight, shared interests)
    reason: str


def walk_in_suggestions(session: Session, event_id: UUID, participant_id: str | UUID, top: int = 3,
                        options: AutoSeatOptions | None = None) -> list[WalkInSuggestion]:
    """The best tables with a free seat for someone not seated yet, with whom they would meet
    there (only people who opted in to networking are ever named, and only when the walk-in did too)."""
    data = _load(session, event_id, (options or AutoSeatOptions()).validated())
    instance, current, _ = data.event
    pid = str(participant_id)
    if pid not in data.names:
        raise AutoSeatError("This person is not a participant of this event.")
    if pid in current:
        raise AutoSeatError(f"{data.names[pid]} already sits at table {current[pid]}.")
    found = engine.suggest_tables(instance, current, pid, top=top)
    return [WalkInSuggestion(
        int(s.table_number), s.free_seats, s.gain,
        tuple((data.names[other], w, tuple(shared)) for other, w, shared in s.meets),
        name_people(s.reason, data.names).replace(
            "not opted in to networking", "this person has not opted in to networking"),
    ) for s in found]


def accept_walk_in(session: Session, event_id: UUID, participant_id: str | UUID, table_number: int) -> ApplyResult:
    """Seat a walk-in at a suggested table, on its first free seat: ``assigned_by = 'ai'``, one
    change set of kind "walk-in". Refused, with nothing written, if the table no longer suits."""
    pid = str(participant_id)
    # Lock the table first: two organisers seating walk-ins at once then take different seats.
    locked = session.execute(text("SELECT capacity FROM seating_tables WHERE event_id = :event_id "
                                  "AND table_number = :table FOR NO KEY UPDATE"),
                             {"event_id": event_id, "table": table_number}).first()
    if locked is None:
        exists = session.execute(text("SELECT 1 FROM seating_tables WHERE event_id = :event_id "
                                      "AND table_number = :table"),
                                 {"event_id": event_id, "table": table_number}).first()
        return ApplyResult(False, message="Nothing was written: you can only view this event." if exists
                           else f"Nothing was written: table {table_number} does not exist in this event.")
    allowed = walk_in_suggestions(session, event_id, pid, top=10_000)
    if table_number not in {s.table_number for s in allowed}:
        return ApplyResult(False, message=f"Nothing was written: table {table_number} is full or no longer suits "
                                          "this person (VIP, accessibility or keep-apart rules). Pick another.")
    taken = set(session.execute(text("SELECT seat_number FROM table_assignments WHERE event_id = :event_id "
                                     "AND table_number = :table AND seat_number IS NOT NULL"),
                                {"event_id": event_id, "table": table_number}).scalars())
    seat = next(s for s in range(1, locked.capacity + 1) if s not in taken)
    change_set_id = begin_change_set(session, "walk-in")
    try:
        session.execute(text("""
            INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number, assigned_by)
            VALUES (:event_id, :participant_id, :table, :seat, 'ai')
        """), {"event_id": event_id, "participant_id": pid, "table": table_number, "seat": seat})
        session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    except DBAPIError as error:
        if is_transient(error):
            raise
        session.rollback()
        return ApplyResult(False, message=describe_database_error(error).replace("Nothing was saved",
                                                                                  "Nothing was written"))
    return ApplyResult(True, seated=1, change_set_id=change_set_id,
                       message=f"Seated at table {table_number}, seat {seat}.")


# ------------------------------------------------------------------------------------- who to meet

WHO_TO_MEET_COLUMNS = ["participant", "rank", "meet", "weight", "shared_interests"]


def who_to_meet_table(session: Session, event_id: UUID, top: int = 5) -> pd.DataFrame:
    """For each participant who opted in to networking, the ``top`` opted-in people they would
    gain most from meeting: one row per pair, with the weight and the interests they share."""
    data = _load(session, event_id, AutoSeatOptions())
    matches = engine.who_to_meet(data.event.instance, top=top)
    rows = [{"participant": data.names[pid], "rank": rank, "meet": data.names[other], "weight": round(w, 3),
             "shared_interests": ", ".join(shared)}
            for pid, found in matches.items() for rank, (other, w, shared) in enumerate(found, start=1)]
    frame = pd.DataFrame(rows, columns=WHO_TO_MEET_COLUMNS)
    return frame.sort_values(["participant", "rank"], key=lambda s: s.str.lower() if s.dtype == object else s,
                             kind="stable").reset_index(drop=True)


def who_to_meet_csv(frame: pd.DataFrame) -> bytes:
    """The who-to-meet table as CSV, formula-like cells neutralised (names come from imports)."""
    return to_safe_csv(frame)


def unseated_participants(session: Session, event_id: UUID) -> list[tuple[str, str]]:
    """(id, name) of everyone in the event without a seat, by name: the walk-in candidates."""
    rows = session.execute(text("""
        SELECT p.id::text, p.full_name FROM participants AS p
         WHERE p.event_id = :event_id
           AND NOT EXISTS (SELECT FROM table_assignments AS a
                            WHERE a.organization_id = p.organization_id AND a.event_id = p.event_id
                              AND a.participant_id = p.id)
         ORDER BY lower(p.full_name), p.id
    """), {"event_id": event_id}).all()
    return [(r[0], r[1]) for r in rows]


def participant_names(session: Session, event_id: UUID) -> list[tuple[str, str]]:
    """(id, name) of everyone in the event, by name: for picking the people of a rule."""
    rows = session.execute(text("SELECT id::text, full_name FROM participants WHERE event_id = :event_id "
                                "ORDER BY lower(full_name), id"), {"event_id": event_id}).all()
    return [(r[0], r[1]) for r in rows]
