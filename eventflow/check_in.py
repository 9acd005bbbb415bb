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
from sqlalchemy.orm import Session

from eventflow.errors import InputError, nothing_was
from eventflow.formatting import seat_text
from eventflow.participants import set_flag

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


_GUEST_COLUMNS = """
    p.id::text AS participant_id, p.full_name AS name, p.company, a.table_number, a.seat_number,
    t.label AS table_label, p.checked_in_at
  FROM participants AS p
  LEFT JOIN table_assignments AS a ON a.organization_id = p.organization_id AND a.participant_id = p.id
  LEFT JOIN seating_tables AS t
         ON t.organization_id = a.organization_id AND t.event_id = a.event_id AND t.table_number = a.table_number
"""

_FIND = text(f"""
    SELECT {_GUEST_COLUMNS}
     WHERE p.event_id = :event_id
       AND eventflow.fold(:query) <> ''  -- only punctuation typed: nobody, not everybody
       AND NOT EXISTS (SELECT FROM unnest(string_to_array(eventflow.fold(:query), ' ')) AS w(word)
                        WHERE w.word <> '' AND strpos(' ' || p.search_text, ' ' || w.word) = 0)
     ORDER BY lower(p.full_name), p.id
     LIMIT :limit
""")

_ONE = text(f"SELECT {_GUEST_COLUMNS} WHERE p.event_id = :event_id AND p.id = CAST(:participant_id AS uuid)")

_COUNT = text("""
    SELECT count(*) FILTER (WHERE checked_in_at IS NOT NULL) AS checked_in, count(*) AS expected
      FROM participants WHERE event_id = :event_id
""")


def find_guests(session: Session, event_id: UUID, query: str, limit: int = MAX_RESULTS) -> list[Guest]:
    """The guests of the event whose name, company or e-mail has a word starting with each word of
    ``query`` (accents, case and punctuation ignored), by name; none for an empty query."""
    if not (query or "").strip():
        return []
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
    arrival time. Viewers are refused (``ViewOnly``), as every write is."""
    set_flag(session, event_id, [participant_id], "checked_in", arrived)
    found = guest(session, event_id, participant_id)
    if found is None:
        raise InputError(nothing_was("changed", "this guest is no longer on the list (removed meanwhile?). "
                                                "Search again."))
    return found
