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
from eventflow.autoseat.networking import networking_note
from eventflow.autoseat.options import AutoSeatOptions
from eventflow.autoseat.rules import ConstraintCheck, rule_checks
from eventflow.autoseat.shortage import (
    PRIORITY_SENTENCE,
    choose_partial,
    in_organisers_words,
    is_seat_shortage,
    restricted,
    seat_shortages,
)
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
class LeftOut:
    """Someone a partial plan leaves without a seat (losing the seat they had, if any), and why."""

    participant_id: str
    full_name: str
    reason: str
    old_table: int | None = None
    old_seat: int | None = None


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
    # Seats short: the numbers in one sentence ("148 guests, 116 seats: 32 seats short; add 4 tables
    # of 8."), and with a partial plan, who it leaves without a seat and the order people were seated in.
    shortage: str = ""
    left_out: tuple[LeftOut, ...] = ()
    priority: str = ""
    partial_summary: str = ""
    networking: tuple[str, ...] = ()  # what the networking score rewards, and why it may be 0

    @property
    def feasible(self) -> bool:
        return self.status != "infeasible"

    @property
    def partial(self) -> bool:
        return self.feasible and bool(self.left_out)

    def left_out_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"Name": person.full_name, "Seat now": seat_text(person.old_table, person.old_seat),
                              "Why no seat": person.reason} for person in self.left_out],
                            columns=["Name", "Seat now", "Why no seat"])

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
    """Solve the event and describe the plan, without the database. When seats are short, the plan
    is partial: it seats everyone it can in the order of :data:`~eventflow.autoseat.shortage.PRIORITY`
    and names the people left without a seat."""
    event_id, options, data = plan_input.event_id, plan_input.options, plan_input.data
    instance, current, frozen = data.event
    kind: PlanKind = "re-plan" if options.replan else "auto-seat"
    names = data.names
    shortage = " ".join(item.sentence for item in seat_shortages(instance))
    base = PlanPreview(event_id=event_id, kind=kind, status="infeasible", options=options, snapshot=data.snapshot,
                       seated_before=len(current), participants=len(instance.participants),
                       score_before=engine.score(instance, current),
                       shortage=shortage,
                       networking=networking_note(instance))
    if not instance.participants:
        return replace(base, problems=("This event has no participants to seat yet.",))
    if not instance.tables:
        return replace(base, problems=(f"There are no tables yet: add tables for {len(instance.participants)} "
                                       "guests on the Tables page.",))
    planned, left_out = instance, tuple[LeftOut, ...]()
    try:
        solution = _solve(instance, options, current, frozen)
        if solution.status == "infeasible" and is_seat_shortage(solution.problems):
            choice = choose_partial(instance, current, names)
            if choice.seated:
                planned = restricted(instance, choice.seated)
                solution = _solve(planned, options, {pid: t for pid, t in current.items() if pid in choice.seated},
                                  frozen & choice.seated)
                left_out = tuple(LeftOut(str(pid), names[pid], choice.reasons[pid],
                                         *((data.seats[pid].table_number, data.seats[pid].seat_number)
                                           if pid in data.seats else (None, None)))
                                 for pid in choice.left_out)
                base = replace(base, priority=PRIORITY_SENTENCE, partial_summary=choice.summary())
    except engine.InstanceError as error:
        return replace(base, problems=(in_organisers_words(name_people(str(error), names)),))
    if solution.status == "infeasible":
        problems = tuple(in_organisers_words(name_people(p.message, names)) for p in solution.problems)
        return replace(base, problems=problems or tuple(in_organisers_words(name_people(line, names))
                                                        for line in solution.explanation))
    plan = stable_seat_numbers(planned, solution.assignments,
                               {pid: (seat.table_number, seat.seat_number) for pid, seat in data.seats.items()
                                if pid in {p.id for p in planned.participants}})
    changes = []
    for a in plan:
        old = data.seats.get(a.participant_id)
        if old is None or (old.table_number, old.seat_number) != (a.table_number, a.seat_number):
            changes.append(PlannedSeat(str(a.participant_id), names[a.participant_id],
                                       None if old is None else old.table_number,
                                       None if old is None else old.seat_number, int(a.table_number), a.seat_number))
    changes.sort(key=lambda c: (c.new_table, c.new_seat))
    return replace(
        base, status=solution.status, changes=tuple(changes), left_out=left_out,
        plan=tuple((str(a.participant_id), int(a.table_number), a.seat_number) for a in plan),
        score_after=engine.score(planned, plan), checks=rule_checks(planned, plan, names),
        explanation=_explanation(solution, planned, plan, current, frozen, kind, names))


def _solve(instance: engine.Instance, options: AutoSeatOptions, current: dict, frozen: frozenset) -> engine.Solution:
    return engine.solve(
        instance, time_limit=options.time_limit, mode=options.mode, seed=options.seed,
        # The current seating is always the starting point (people already seated stay put
        # when nothing is gained); only a re-plan makes moving them cost something.
        current=current, move_penalty=options.move_penalty if options.replan else 0.0, frozen=frozen)


def _explanation(solution: engine.Solution, instance: engine.Instance, plan: list, current: dict,
                 frozen: frozenset, kind: PlanKind, names: dict) -> tuple[str, ...]:
    """How the plan was found, in organisers' words (the engine's own lines speak of objectives,
    perturbation rounds and frozen units)."""
    used = len({a.table_number for a in plan})
    lines = [f"Seats {len(plan)} people at {used} of {len(instance.tables)} tables."]
    if solution.status == "optimal":
        lines.append("No better plan exists under these rules (proved).")
    else:
        lines.append("The best plan found within the time limit; a longer time limit may find a better one.")
    if kind == "re-plan":
        table_of = {a.participant_id: a.table_number for a in plan}
        moves = sum(1 for pid, table in current.items() if pid in table_of and table_of[pid] != table)
        newly = sum(1 for pid in table_of if pid not in current)
        lines.append(f"Re-plan: {moves} people who already had a seat change table, {newly} are newly seated, "
                     f"and {len(frozen)} who checked in keep their table.")
    lines.append("Every rule holds: table sizes, people placed by hand, keep-together groups side by side, "
                 "keep-apart pairs, VIP tables and accessible places.")
    lines += [in_organisers_words(name_people(line, names)) for line in solution.warnings]
    return tuple(lines)


@dataclass(frozen=True)
class ApplyResult(Outcome):
    seated: int = 0      # newly seated
    moved: int = 0       # changed table
    reseated: int = 0    # same table, other seat number
    unseated: int = 0    # a partial plan's people who lost the seat they had


def _applied(seated: int, moved: int, reseated: int, change_set_id: UUID, unseated: int = 0) -> ApplyResult:
    parts = [f"{seated} newly seated", f"{moved} moved to another table"]
    if reseated:
        parts.append(f"{reseated} given another seat number at their table")
    if unseated:
        parts.append(f"{unseated} left without a seat (seats are short)")
    return ApplyResult(True, "Plan applied: " + ", ".join(parts) + ".", change_set_id=change_set_id,
                       seated=seated, moved=moved, reseated=reseated, unseated=unseated)


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
    unseat = [person.participant_id for person in preview.left_out if person.old_table is not None]
    if not preview.changes and not unseat:
        return ApplyResult(True, message="Nothing to change: everyone already sits as planned.")
    change_set_id = begin_change_set(session, preview.kind)
    inserts = [c for c in preview.changes if c.old_table is None]
    updates = [c for c in preview.changes if c.old_table is not None]
    try:
        written = 0
        if unseat:
            # A partial plan gives their seats to people ahead of them in the stated priority.
            written += changed_rows(session, text(
                "DELETE FROM table_assignments WHERE event_id = :event_id "
                "AND participant_id = ANY (CAST(:ids AS uuid[]))"), {"event_id": event_id, "ids": unseat})
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
        if written != len(preview.changes) + len(unseat):
            session.rollback()
            return ApplyResult(False, STALE_MESSAGE, conflict=True)
        session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    except DBAPIError as error:
        return ApplyResult(False, message=refused(session, error, "written"))
    return _applied(len(inserts), sum(1 for c in updates if c.old_table != c.new_table),
                    sum(1 for c in updates if c.old_table == c.new_table), change_set_id, unseated=len(unseat))


def _json_rows(changes: list[PlannedSeat]) -> str:
    return json.dumps([{"participant_id": c.participant_id, "table_number": c.new_table,
                        "seat_number": c.new_seat} for c in changes])
