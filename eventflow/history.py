"""Who moved whom, when — and undoing one change set; and who changed the room's layout, when.

The database records every change to ``table_assignments`` itself (``sql/005``); this module reads
that history and reverses one change set on request. Layout changes (tables and room elements placed,
moved, turned, resized, renamed, removed; ``sql/015``) are recorded the same way and read here in the
organisers' words (:func:`layout_changes`); the floor plan undoes them (``floor_plan.undo_layout_change``).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from eventflow.errors import Outcome, ViewOnly, nothing_was, require_editor, view_only
from eventflow.event_settings import event_time_zone
from eventflow.formatting import local_time, seat_text
from eventflow.statements import changed_rows

ChangeKind = Literal["save", "auto-seat", "re-plan", "walk-in", "import", "undo", "tables", "layout"]


def begin_change_set(session: Session, kind: ChangeKind) -> UUID:
    """Name the change set the current transaction writes, and say what it is.

    Call it first thing in the transaction of a save, an auto-seat, an import or an undo; the
    history rows written by that transaction then carry this id and kind.
    """
    change_set_id = uuid.uuid4()
    session.execute(
        text("SELECT set_config('eventflow.change_set_id', :id, true), "
             "set_config('eventflow.change_kind', :kind, true)"),
        {"id": str(change_set_id), "kind": kind},
    )
    return change_set_id


# Names through participant_names (sql/019): a removed person keeps their name here, an erased one does not.
_RECENT_CHANGE_SETS = """
SELECT h.change_set_id,
       min(h.changed_at) AS changed_at,
       max(h.change_kind) AS kind,
       coalesce(max(o.display_name), 'someone no longer in this organisation') AS organiser,
       count(*) AS rows_changed,
       count(DISTINCT h.participant_id) AS people,
       string_agg(DISTINCT coalesce(p.full_name, '(erased participant)'), ', ') AS who
  FROM assignment_history AS h
  LEFT JOIN organisers AS o ON o.id = h.organiser_id
  LEFT JOIN participant_names AS p ON p.organization_id = h.organization_id AND p.participant_id = h.participant_id
 WHERE h.event_id = :event_id
   AND h.change_set_id IN (
        SELECT f.change_set_id FROM assignment_history AS f
         WHERE f.event_id = :event_id
           AND (CAST(:participant_id AS uuid) IS NULL OR f.participant_id = CAST(:participant_id AS uuid))
           AND (CAST(:table_number AS integer) IS NULL
                OR CAST(:table_number AS integer) IN (f.old_table_number, f.new_table_number)))
 GROUP BY h.change_set_id
 ORDER BY changed_at DESC
 LIMIT :limit
"""


def recent_change_sets(session: Session, event_id: UUID, *, participant_id: UUID | None = None,
                       table_number: int | None = None, limit: int = 50) -> pd.DataFrame:
    """The latest change sets of an event, newest first, optionally only those touching a
    participant or a table: when, what kind, who made it, how many rows and people."""
    rows = session.execute(text(_RECENT_CHANGE_SETS), {
        "event_id": event_id, "participant_id": participant_id, "table_number": table_number, "limit": limit,
    }).mappings().all()
    columns = ["change_set_id", "changed_at", "kind", "organiser", "rows_changed", "people", "who"]
    return pd.DataFrame(rows, columns=columns)


def change_set_details(session: Session, event_id: UUID, change_set_id: UUID) -> pd.DataFrame:
    """Every row of one change set: who moved from which table and seat to which."""
    rows = session.execute(text("""
        SELECT h.id, h.participant_id, coalesce(p.full_name, '(erased participant)') AS participant,
               h.operation, h.old_table_number, h.old_seat_number, h.new_table_number, h.new_seat_number,
               h.old_assigned_by, h.new_assigned_by, h.changed_at
          FROM assignment_history AS h
          LEFT JOIN participant_names AS p
                 ON p.organization_id = h.organization_id AND p.participant_id = h.participant_id
         WHERE h.event_id = :event_id AND h.change_set_id = :change_set_id
         ORDER BY h.id
    """), {"event_id": event_id, "change_set_id": change_set_id}).mappings().all()
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Seat:
    table_number: int
    seat_number: int | None
    assigned_by: str


@dataclass(frozen=True)
class UndoResult(Outcome):  # change_set_id: the undo's own change set
    restored: int = 0
    problems: tuple[str, ...] = ()  # why not, person by person
    # Refused: the people who stop the undo (moved since, or their old seat or table taken), and how
    # many others it could still put back: "undo the rest" skips the first.
    blocked: tuple[UUID, ...] = ()
    restorable: int = 0


def _not_undone(*problems: str, blocked: tuple[UUID, ...] = (), restorable: int = 0) -> UndoResult:
    return UndoResult(False, nothing_was("undone", " ".join(problems)), problems=problems, blocked=blocked,
                      restorable=restorable)


NO_RELOAD = "Reloading will not change this: it is the seating as saved now."


def undo_change_set(session: Session, event_id: UUID, change_set_id: UUID,
                    skip: Collection[UUID] = ()) -> UndoResult:
    """Put everyone the change set touched back where they were before it, as a new change set.

    Refused, with nothing written, if anyone it touched has been moved since (the undo would
    overwrite a later decision), or if their old seat or table is now taken by someone else (a
    walk-in, say): the refusal names the seat and the person and offers to undo the rest, i.e. to
    call again with ``skip`` = the result's ``blocked`` people, who then stay where they are. The
    caller's transaction commits or rolls back the whole undo; a capacity clash found at commit
    (a colleague's save in between) rolls it back too.
    """
    rows = session.execute(text("""
        SELECT h.participant_id, h.operation, h.old_table_number, h.old_seat_number, h.old_assigned_by,
               h.new_table_number, h.new_seat_number, h.new_assigned_by,
               coalesce(p.full_name, '(deleted participant)') AS participant
          FROM assignment_history AS h
          LEFT JOIN participants AS p ON p.organization_id = h.organization_id AND p.id = h.participant_id
         WHERE h.event_id = :event_id AND h.change_set_id = :change_set_id
         ORDER BY h.id
    """), {"event_id": event_id, "change_set_id": change_set_id}).all()
    if not rows:
        return _not_undone("This change set does not exist in this event (or you cannot see it).")
    require_editor(session, event_id, "undone")

    before: dict[UUID, Seat | None] = {}
    after: dict[UUID, Seat | None] = {}
    names: dict[UUID, str] = {}
    for row in rows:
        old = None if row.operation == "insert" else Seat(row.old_table_number, row.old_seat_number,
                                                          row.old_assigned_by)
        new = None if row.operation == "delete" else Seat(row.new_table_number, row.new_seat_number,
                                                          row.new_assigned_by)
        before.setdefault(row.participant_id, old)  # the first row of a person holds their state before
        after[row.participant_id] = new             # the last one their state after
        names[row.participant_id] = row.participant
    for person in skip:
        before.pop(person, None)
        after.pop(person, None)

    current_rows = session.execute(text("""
        SELECT participant_id, table_number, seat_number, assigned_by FROM table_assignments
         WHERE event_id = :event_id AND participant_id = ANY (:people)
    """), {"event_id": event_id, "people": list(before)}).all()
    current = {r.participant_id: Seat(r.table_number, r.seat_number, r.assigned_by) for r in current_rows}
    # Lock them so nobody moves them between this check and the undo.
    session.execute(text("""
        SELECT participant_id FROM table_assignments
         WHERE event_id = :event_id AND participant_id = ANY (:people)
           FOR UPDATE
    """), {"event_id": event_id, "people": list(before)}).all()
    moved = [person for person in before if current.get(person) != after[person]]
    problems = [
        f"{names[person]} has been moved since: now {_describe(current.get(person))}, "
        f"this change left them {_describe(after[person])}."
        for person in moved
    ]
    taken = _places_taken_since(session, event_id, before, after, names, exclude=set(moved))
    problems += [problem for _, problem in taken]
    if problems:
        blocked = tuple(dict.fromkeys([*moved, *(person for person, _ in taken)]))
        restorable = sum(1 for person in before if person not in blocked and before[person] != after[person])
        if taken:
            problems.append(NO_RELOAD)
        return _not_undone(*problems, blocked=blocked, restorable=restorable)

    undo_id = begin_change_set(session, "undo")
    restored = 0
    for person, seat in before.items():
        if seat == after[person]:
            continue
        restored += 1
        if seat is None:
            written = changed_rows(
                session, text("DELETE FROM table_assignments WHERE event_id = :event_id AND participant_id = :person"),
                {"event_id": event_id, "person": person})
        elif person in current:
            # Their row exists and is locked above: nobody changed it since the check.
            written = changed_rows(session, text("""
                UPDATE table_assignments
                   SET table_number = :table_number, seat_number = :seat_number, assigned_by = :assigned_by
                 WHERE event_id = :event_id AND participant_id = :person
            """), {"event_id": event_id, "person": person, "table_number": seat.table_number,
                   "seat_number": seat.seat_number, "assigned_by": seat.assigned_by})
        else:
            # Unseated at the check, so there was no row to lock: a colleague may seat them meanwhile.
            # Their seat wins; the insert then waits for their commit and adds nothing.
            written = changed_rows(session, text("""
                INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number, assigned_by)
                VALUES (:event_id, :person, :table_number, :seat_number, :assigned_by)
                ON CONFLICT (organization_id, event_id, participant_id) DO NOTHING
            """), {"event_id": event_id, "person": person, "table_number": seat.table_number,
                   "seat_number": seat.seat_number, "assigned_by": seat.assigned_by})
            if written == 0:
                now = session.execute(text("""
                    SELECT table_number, seat_number, assigned_by FROM table_assignments
                     WHERE event_id = :event_id AND participant_id = :person
                """), {"event_id": event_id, "person": person}).first()
                session.rollback()  # nothing of the undo is kept
                return _not_undone(f"{names[person]} has been seated since: now "
                                   f"{_describe(Seat(*now) if now else None)}, this change left them unseated.")
        if written != 1:
            # Row-level security filtered the write out (the role changed since require_editor):
            # raise so the caller rolls back what was written.
            raise ViewOnly(view_only("undone"))
    return UndoResult(True, f"Undone: {restored} people are back where they were before it.", change_set_id=undo_id,
                      restored=restored)


def _places_taken_since(session: Session, event_id: UUID, before: dict[UUID, Seat | None],
                        after: dict[UUID, Seat | None], names: dict[UUID, str],
                        exclude: set[UUID]) -> list[tuple[UUID, str]]:
    """People whose way back is blocked: their old seat now held by someone the undo does not move,
    or their old table full with people it does not move. (person, sentence naming seat and holder)."""
    going_back = {person: seat for person, seat in before.items()
                  if person not in exclude and seat is not None and seat != after[person]}
    if not going_back:
        return []
    moving = [person for person in before if before[person] != after[person]]  # the others stay put
    tables = sorted({seat.table_number for seat in going_back.values()})
    holders = session.execute(text("""
        SELECT a.participant_id, a.table_number, a.seat_number, p.full_name, a.assigned_by, a.assigned_at,
               t.capacity
          FROM table_assignments AS a
          JOIN participants AS p ON p.organization_id = a.organization_id AND p.id = a.participant_id
          JOIN seating_tables AS t ON t.organization_id = a.organization_id AND t.event_id = a.event_id
                                  AND t.table_number = a.table_number
         WHERE a.event_id = :event_id AND a.table_number = ANY (:tables)
           AND NOT (a.participant_id = ANY (:moving))
    """), {"event_id": event_id, "tables": tables, "moving": moving}).all()
    capacity = {row.table_number: row.capacity for row in holders}
    staying: dict[int, int] = {}
    by_seat: dict[tuple[int, int], Any] = {}
    for row in holders:
        staying[row.table_number] = staying.get(row.table_number, 0) + 1
        if row.seat_number is not None:
            by_seat[(row.table_number, row.seat_number)] = row
    arriving: dict[int, int] = {}
    found = []
    how = {"ai": "seated as a walk-in", "auto": "seated by auto-seat", "manager": "seated by hand"}
    for person, seat in sorted(going_back.items(), key=lambda item: names[item[0]].casefold()):
        holder = by_seat.get((seat.table_number, seat.seat_number)) if seat.seat_number is not None else None
        if holder is not None:
            found.append((person, f"Seat {seat.seat_number} at table {seat.table_number} now belongs to "
                                  f"{holder.full_name} ({how.get(holder.assigned_by, 'seated')} since this "
                                  f"change), so {names[person]} cannot go back to it."))
            continue
        arriving[seat.table_number] = arriving.get(seat.table_number, 0) + 1
        table_capacity = capacity.get(seat.table_number)
        if table_capacity is not None and staying[seat.table_number] + arriving[seat.table_number] > table_capacity:
            found.append((person, f"Table {seat.table_number} is now full ({_people(staying[seat.table_number])} "
                                  f"for {table_capacity} {'seat' if table_capacity == 1 else 'seats'} were seated "
                                  f"there since this change), so {names[person]} cannot go back to it."))
    return found


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def _describe(seat: Seat | None) -> str:
    return "unseated" if seat is None else seat_text(seat.table_number, seat.seat_number)


# ------------------------------------------------------------------------------------ layout changes

# The latest layout change sets (optionally only those touching one table), each with at most :per_set of
# its rows and how many it has: placing 2,000 tables automatically is one line, not 2,000.
_LAYOUT_CHANGES = text("""
    WITH sets AS (
        SELECT f.change_set_id, max(f.id) AS last_id
          FROM layout_history AS f
         WHERE f.event_id = :event_id
           AND (CAST(:table_number AS integer) IS NULL OR f.table_number = CAST(:table_number AS integer))
         GROUP BY f.change_set_id
         ORDER BY max(f.id) DESC
         LIMIT :limit
    ), rows AS (
        SELECT h.*, s.last_id,
               row_number() OVER (PARTITION BY h.change_set_id ORDER BY h.id) AS place,
               count(*) OVER (PARTITION BY h.change_set_id) AS items
          FROM layout_history AS h JOIN sets AS s ON s.change_set_id = h.change_set_id
         WHERE h.event_id = :event_id
           AND (CAST(:table_number AS integer) IS NULL OR h.table_number = CAST(:table_number AS integer))
    )
    SELECT r.change_set_id::text AS change_set_id, r.changed_at, r.change_kind, r.undoes_change_set,
           r.subject, r.table_number, r.operation, r.old_state, r.new_state, r.items, r.place,
           coalesce(o.display_name, o.email, 'someone no longer in this organisation') AS organiser
      FROM rows AS r LEFT JOIN organisers AS o ON o.id = r.organiser_id
     WHERE r.place <= :per_set
     ORDER BY r.last_id DESC, r.id
""")
LAYOUT_KINDS = {"layout": "Layout", "undo": "Undo", "tables": "Tables"}  # else "Change" (e.g. by a script)


def _metres(value: Any) -> str:
    return f"{float(value):g} m"


def _at(state: dict[str, Any]) -> str:
    return f"{_metres(state.get('x', 0))}, {_metres(state.get('y', 0))}"


def _size(state: dict[str, Any]) -> str:
    return f"{float(state.get('width', 0)):g} × {_metres(state.get('height', 0))}"


def describe_layout_change(subject: str, table_number: int | None, operation: str,
                           old: dict[str, Any] | None, new: dict[str, Any] | None) -> str:
    """One layout history row in the organisers' words: which table or element, from where to where.
    Positions are metres from the room's top-left corner, as on the floor plan."""
    old, new = old or {}, new or {}
    if subject == "table":
        name = f"Table {table_number}"
    else:
        name = f"“{new.get('label') or old.get('label') or 'Room element'}”"
    if operation == "insert":
        verb = "placed" if subject == "table" else "added"
        extra = "" if subject == "table" else f" ({_size(new)})"
        return f"{name} {verb} at {_at(new)}{extra}"
    if operation == "delete":
        return f"{name} {'taken off the plan' if subject == 'table' else 'removed'} (it was at {_at(old)})"
    parts = []
    if (old.get("x"), old.get("y")) != (new.get("x"), new.get("y")):
        parts.append(f"moved from {_at(old)} to {_at(new)}")
    if old.get("rotation") != new.get("rotation"):
        parts.append(f"turned from {old.get('rotation', 0)}° to {new.get('rotation', 0)}°")
    if old.get("shape") != new.get("shape"):
        parts.append(f"made {new.get('shape')} (was {old.get('shape')})")
    if (old.get("width"), old.get("height")) != (new.get("width"), new.get("height")):
        parts.append(f"resized from {_size(old)} to {_size(new)}")
    if subject == "element" and old.get("label") != new.get("label"):
        name = f"“{old.get('label')}”"
        parts.append(f"renamed to “{new.get('label')}”")
    return f"{name} {', '.join(parts) or 'changed'}"


def layout_changes(session: Session, event_id: UUID, *, table_number: int | None = None, limit: int = 50,
                   per_set: int = 10) -> pd.DataFrame:
    """The latest layout change sets of an event, newest first, one line per table or room element
    changed (at most ``per_set`` per change set, then one line saying how many more): when (in the
    event's time zone), what kind, by whom, and what changed from where to where. ``table_number``:
    only the changes of that table."""
    found = session.execute(_LAYOUT_CHANGES, {"event_id": event_id, "table_number": table_number,
                                              "limit": limit, "per_set": per_set}).all()
    zone = event_time_zone(session, event_id) if found else None  # (an event one cannot see has no rows)
    lines = []
    for row in found:
        moment: datetime = row.changed_at
        assert zone is not None
        kind = LAYOUT_KINDS.get(row.change_kind or "", "Change")
        what = describe_layout_change(row.subject, row.table_number, row.operation, row.old_state, row.new_state)
        lines.append((row.change_set_id, local_time(moment, zone), kind, row.organiser, what))
        if row.place == per_set and row.items > per_set:
            lines.append((row.change_set_id, local_time(moment, zone), kind, row.organiser,
                          f"… and {row.items - per_set} more in the same change"))
    return pd.DataFrame(lines, columns=["change_set_id", "when", "kind", "organiser", "what"])
