"""The check-in desk: find a guest as you type (accents and case do not matter), check them in or
out with one tap, and show where they sit and how many have arrived.

Matching happens in the database on ``participants.search_text``, the guest's name, company and
e-mail folded by ``eventflow.fold`` (``sql/017_check_in_search.sql``); what the door staff type is
folded by the same function, so "anna muller" finds "Anna Müller". Every word typed must start a
word of the guest's name, company or e-mail ("mull" finds Müller, "ller" does not).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from eventflow import guest_qr
from eventflow.errors import ARCHIVED, ARCHIVED_SQLSTATE, EVENT_GONE, InputError, ViewOnly, nothing_was, sqlstate
from eventflow.formatting import seat_text

MAX_RESULTS = 20  # a door list longer than this is a search that needs one more letter


@dataclass(frozen=True)
class Guest:
    participant_id: str
    name: str
    company: str | None
    table_number: int | None
    seat_number: int | None
    table_label: str | None
    checked_in_at: datetime | None

    @property
    def checked_in(self) -> bool:
        return self.checked_in_at is not None

    @property
    def seat(self) -> str:
        """"Table 4, seat 2", "Table 4" or "No seat yet"."""
        where = seat_text(self.table_number, self.seat_number)
        return "No seat yet" if where == "unseated" else where[0].upper() + where[1:]


@dataclass(frozen=True)
class DoorCount:
    checked_in: int
    expected: int

    @property
    def still_to_come(self) -> int:
        return self.expected - self.checked_in


# Through the database's door functions (sql/022), for every role: door staff have no other way
# to guests, and one path keeps one set of rules. They return company only to roles that may see it.
_FIND = text("""
    SELECT participant_id::text, name, company, table_number, seat_number, table_label, checked_in_at
      FROM eventflow.door_guests(:event_id, :query, :limit)
""")

_ONE = text("""
    SELECT participant_id::text, name, company, table_number, seat_number, table_label, checked_in_at
      FROM eventflow.door_guests(:event_id, '', 1, CAST(:participant_id AS uuid))
""")

_COUNT = text("SELECT checked_in, expected FROM eventflow.door_count(:event_id)")

_CHECK_IN = text("SELECT eventflow.door_check_in(:event_id, CAST(:participant_id AS uuid), :arrived)")

DOOR_ROLES = frozenset({"owner", "manager", "door"})  # who may check guests in (the database decides)


def find_guests(session: Session, event_id: UUID, query: str, limit: int = MAX_RESULTS) -> list[Guest]:
    """The guests of the event whose name, company or e-mail has a word starting with each word of
    ``query`` (accents, case and punctuation ignored), by name; none for an empty query. A guest's
    check-in code (what their QR code holds, also in the exported list) finds that guest, in this
    event only."""
    if not (query or "").strip():
        return []
    code = guest_qr.participant_in(query)
    if code is not None:  # a guest's check-in code, typed, pasted or from a scanner that types
        found = guest(session, event_id, code)
        return [found] if found else []
    rows = session.execute(_FIND, {"event_id": event_id, "query": query[:200], "limit": limit}).mappings()
    return [Guest(**row) for row in rows]


def guest(session: Session, event_id: UUID, participant_id: str | UUID) -> Guest | None:
    row = session.execute(_ONE, {"event_id": event_id, "participant_id": str(UUID(str(participant_id)))}
                          ).mappings().one_or_none()
    return Guest(**row) if row else None


def door_count(session: Session, event_id: UUID) -> DoorCount:
    row = session.execute(_COUNT, {"event_id": event_id}).one()
    return DoorCount(int(row.checked_in), int(row.expected))


def set_checked_in(session: Session, event_id: UUID, participant_id: str | UUID, arrived: bool) -> Guest:
    """Check one guest in (``arrived``) or out; doing it twice changes nothing and keeps the first
    arrival time. Door staff, managers and owners; anyone else is refused (``ViewOnly``), and so is
    a change to an archived event."""
    participant = str(UUID(str(participant_id)))
    try:
        session.execute(_CHECK_IN, {"event_id": event_id, "participant_id": participant, "arrived": bool(arrived)})
    except DBAPIError as error:
        if sqlstate(error) == "42501":
            session.rollback()
            raise ViewOnly(nothing_was("changed", "checking guests in needs door staff, a manager or an owner."))\
                from None
        if sqlstate(error) == "P0002":
            session.rollback()
            raise InputError(nothing_was("changed", EVENT_GONE)) from None
        if sqlstate(error) == ARCHIVED_SQLSTATE:
            session.rollback()
            raise ViewOnly(nothing_was("changed", ARCHIVED)) from None
        raise
    found = guest(session, event_id, participant)
    if found is None:
        raise InputError(nothing_was("changed", "this guest is no longer on the list (removed meanwhile?). "
                                                "Search again."))
    return found
