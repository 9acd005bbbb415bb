"""Walk-ins (:func:`walk_in_suggestions`, :func:`accept_walk_in`) and the "who to meet" list
(:func:`who_to_meet_table`), on the same instance a plan is made from."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import pandas as pd
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from eventflow import engine
from eventflow.autoseat.instance import EventData, load_event
from eventflow.autoseat.options import AutoSeatOptions
from eventflow.autoseat.plan import ApplyResult
from eventflow.errors import InputError, editor_refusal, nothing_was, refused
from eventflow.history import begin_change_set


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
    there (only people who opted in to networking are ever named, and only when the walk-in did too).
    Read, let the connection go (:func:`_let_go`), then compute."""
    data = load_event(session, event_id, (options or AutoSeatOptions()).validated())
    _let_go(session)
    return _suggestions(data, str(participant_id), top)


def _let_go(session: Session) -> None:
    """End a read's transaction before the engine computes, so its connection is back in the pool
    (a busy event day: many organisers asking for suggestions must not hold every pooled
    connection while the engine thinks). A later statement in ``session`` opens a new transaction
    as the same organiser. Only for functions that read: anything written before would be committed."""
    session.commit()


def _suggestions(data: EventData, pid: str, top: int) -> list[WalkInSuggestion]:
    instance, current, _ = data.event
    if pid not in data.names:
        raise InputError("This person is not a participant of this event.")
    if pid in current:
        raise InputError(f"{data.names[pid]} already sits at table {current[pid]}.")
    found = engine.suggest_tables(instance, current, pid, top=top)
    opted_in = instance.participant(pid).networking_opt_in
    suggestions = []
    for s in found:
        meets = tuple((data.names[other], w, tuple(shared)) for other, w, shared in s.meets)
        suggestions.append(WalkInSuggestion(int(s.table_number), s.free_seats, s.gain, meets,
                                            _walk_in_reason(s.gain, s.free_seats, meets, opted_in)))
    return suggestions


def _walk_in_reason(gain: float, free: int, meets: tuple[tuple[str, float, tuple[str, ...]], ...],
                    opted_in: bool) -> str:
    # Written here from the suggestion's figures, in the organisers' words (the engine's own
    # reason names people by id and is meant for the command line).
    if not opted_in:
        return f"{free} free seats; this person has not opted in to networking, so ranked by free seats only"
    if not meets:
        return f"gain {gain:g}; no matching people yet, {free} free seats"
    who = "; ".join(f"{name} ({', '.join(shared) or 'organiser match'})" for name, _, shared in meets[:5])
    return f"gain {gain:g}; would meet {len(meets)} matching people: {who}"


def accept_walk_in(session: Session, event_id: UUID, participant_id: str | UUID, table_number: int) -> ApplyResult:
    """Seat a walk-in at a suggested table, on its first free seat: ``assigned_by = 'ai'``, one
    change set of kind "walk-in". Refused, with nothing written, if the table no longer suits."""
    pid = str(participant_id)
    refusal = editor_refusal(session, event_id, "written")
    if refusal is not None:
        return ApplyResult(False, message=str(refusal))
    # Lock the table first: two organisers seating walk-ins at once then take different seats.
    locked = session.execute(text("SELECT capacity FROM seating_tables WHERE event_id = :event_id "
                                  "AND table_number = :table FOR NO KEY UPDATE"),
                             {"event_id": event_id, "table": table_number}).first()
    if locked is None:
        return ApplyResult(False, message=nothing_was("written", f"table {table_number} does not exist in this event."))
    # In this transaction, under the table's lock (not let go: this is a write).
    allowed = _suggestions(load_event(session, event_id, AutoSeatOptions().validated()), pid, top=10_000)
    if table_number not in {s.table_number for s in allowed}:
        return ApplyResult(False, message=nothing_was("written", f"table {table_number} is full or no longer suits "
                                                      "this person (VIP, accessibility or keep-apart rules). "
                                                      "Pick another."))
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
        return ApplyResult(False, message=refused(session, error, "written"))
    return ApplyResult(True, seated=1, change_set_id=change_set_id,
                       message=f"Seated at table {table_number}, seat {seat}.")


WHO_TO_MEET_COLUMNS = ["participant", "rank", "meet", "weight", "shared_interests"]


def who_to_meet_table(session: Session, event_id: UUID, top: int = 5) -> pd.DataFrame:
    """For each participant who opted in to networking, the ``top`` opted-in people they would
    gain most from meeting: one row per pair, with the weight and the interests they share."""
    data = load_event(session, event_id, AutoSeatOptions())
    _let_go(session)
    matches = engine.who_to_meet(data.event.instance, top=top)
    rows = [{"participant": data.names[pid], "rank": rank, "meet": data.names[other], "weight": round(w, 3),
             "shared_interests": ", ".join(shared)}
            for pid, found in matches.items() for rank, (other, w, shared) in enumerate(found, start=1)]
    frame = pd.DataFrame(rows, columns=WHO_TO_MEET_COLUMNS)
    return frame.sort_values(["participant", "rank"], key=lambda s: s.str.lower() if s.dtype == object else s,
                             kind="stable").reset_index(drop=True)


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
