"""An auto-seat plan: load → solve → preview → apply.

1. :func:`read_plan_input` reads the event (:func:`eventflow.autoseat.instance.load_event`) in a
   short transaction; :func:`preview_detached` lets the connection go before solving.
2. :func:`solve_plan` solves it and returns a :class:`PlanPreview`: who moves where, the score
   before and after, every rule checked again by the engine's independent checker (under one
   heading per rule kind, :mod:`eventflow.autoseat.rules`), and the engine's explanation with
   people named — or, when no plan exists, why, by name. It keeps a snapshot of what it read.
3. :func:`apply_plan` writes the plan in the caller's transaction as one change set (kind
   "auto-seat" or "re-plan"). It refuses, writing nothing, when the seating, the participants or
   the tables changed since the preview.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from uuid import UUID

import pandas as pd
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from eventflow import engine, solve_slots
from eventflow.autoseat.instance import EventData, load_event, name_people, snapshot_of
from eventflow.autoseat.options import AutoSeatOptions
from eventflow.autoseat.rules import ConstraintCheck, rule_checks
from eventflow.engine.seat_numbers import stable_seat_numbers
from eventflow.errors import InputError, Outcome, editor_refusal, nothing_was, refused
from eventflow.formatting import seat_text
from eventflow.history import begin_change_set
from eventflow.statements import changed_rows

PlanKind = Literal["auto-seat", "re-plan"]


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
              "From": seat_text(c.old_table, c.old_seat), "To": seat_text(c.new_table, c.new_seat),
              "Change": c.change} for c in self.changes],
            columns=["Name", "From", "To", "Change"])


@dataclass(frozen=True)
class PlanInput:
    """Everything a preview is solved from, read in one short transaction (:func:`read_plan_input`)."""

    event_id: UUID
    options: AutoSeatOptions
    data: EventData = field(repr=False)


def read_plan_input(session: Session, event_id: UUID, options: AutoSeatOptions | None = None) -> PlanInput:
    """Read what a preview needs. The dashboard commits right after, so no transaction and no pooled
    connection is held during the solve (which may take minutes): see :func:`preview_detached`."""
    options = (options or AutoSeatOptions()).validated()
    return PlanInput(event_id, options, load_event(session, event_id, options))


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
        score_after=engine.score(instance, plan), checks=rule_checks(instance, plan, names),
        explanation=explanation)


@dataclass(frozen=True)
class ApplyResult(Outcome):
    seated: int = 0      # newly seated
    moved: int = 0       # changed table
    reseated: int = 0    # same table, other seat number


def _applied(seated: int, moved: int, reseated: int, change_set_id: UUID) -> ApplyResult:
    parts = [f"{seated} newly seated", f"{moved} moved to another table"]
    if reseated:
        parts.append(f"{reseated} given another seat number at their table")
    return ApplyResult(True, "Plan applied: " + ", ".join(parts) + ".", change_set_id=change_set_id,
                       seated=seated, moved=moved, reseated=reseated)


STALE_MESSAGE = nothing_was("written", "the seating, the participants or the tables changed since this preview "
                            "(a colleague may have just saved). Preview again to plan from the latest seating.")


def _current_snapshot(session: Session, event_id: UUID) -> tuple[Any, ...]:
    """The event as the snapshot of a preview sees it, its seats and tables locked; and whether the
    organiser could lock everything they see (row-level security lets only writers lock rows)."""
    locked_seats = session.execute(text(
        "SELECT participant_id::text, id::text, version FROM table_assignments WHERE event_id = :event_id "
        "FOR UPDATE"), {"event_id": event_id}).all()
    locked_tables = session.execute(text(
        "SELECT table_number, capacity, version FROM seating_tables WHERE event_id = :event_id "
        "FOR NO KEY UPDATE"), {"event_id": event_id}).all()
    people = session.execute(text("SELECT id::text FROM participants WHERE event_id = :event_id"),
                             {"event_id": event_id}).scalars().all()
    return snapshot_of([tuple(r) for r in locked_seats], list(people), [tuple(r) for r in locked_tables])


def apply_plan(session: Session, event_id: UUID, preview: PlanPreview) -> ApplyResult:
    """Write the previewed plan in the caller's transaction: one change set, ``assigned_by = 'auto'``
    for everyone who is newly seated or changes table (people who only get another seat number at
    their table keep theirs, so a manager's pin survives). Nothing is written when the event
    changed since the preview, when the plan is not feasible, or when the organiser may only view."""
    if preview.event_id != event_id:
        raise InputError("This preview belongs to another event.")
    if not preview.feasible:
        return ApplyResult(False, message=nothing_was("written", "this preview has no plan to apply."))
    refusal = editor_refusal(session, event_id, "written")
    if refusal is not None:
        return ApplyResult(False, message=str(refusal))
    snapshot = _current_snapshot(session, event_id)
    if snapshot != preview.snapshot:
        return ApplyResult(False, STALE_MESSAGE, conflict=True)
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
            return ApplyResult(False, STALE_MESSAGE, conflict=True)
        session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    except DBAPIError as error:
        return ApplyResult(False, message=refused(session, error, "written"))
    return _applied(len(inserts), sum(1 for c in updates if c.old_table != c.new_table),
                    sum(1 for c in updates if c.old_table == c.new_table), change_set_id)


def _json_rows(changes: list[PlannedSeat]) -> str:
    return json.dumps([{"participant_id": c.participant_id, "table_number": c.new_table,
                        "seat_number": c.new_seat} for c in changes])
