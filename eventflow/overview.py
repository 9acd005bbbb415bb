"""The event at a glance: who is coming, who is seated, how full the tables are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class EventOverview:
    event_name: str
    starts_on: date | None
    ends_on: date | None
    venue: str | None
    participants: int
    seated: int
    checked_in: int
    vips: int
    vips_at_vip_tables: int
    networking_opt_in: int
    tables: int
    seats: int
    tables_full: int
    tables_partly_filled: int
    tables_empty: int

    @property
    def unseated(self) -> int:
        return self.participants - self.seated

    @property
    def networking_opt_in_rate(self) -> float:
        """Share of participants (0–1) who agreed to be seated for networking; 0 without participants."""
        return self.networking_opt_in / self.participants if self.participants else 0.0

    @property
    def seated_rate(self) -> float:
        return self.seated / self.participants if self.participants else 0.0

    @property
    def dates(self) -> str:
        if not self.starts_on:
            return "dates not set"
        if not self.ends_on or self.ends_on == self.starts_on:
            return f"{self.starts_on:%d %b %Y}"
        return f"{self.starts_on:%d %b %Y} – {self.ends_on:%d %b %Y}"


_OVERVIEW = text(
    """
    WITH people AS (
        SELECT count(*) AS participants,
               count(a.id) AS seated,
               count(*) FILTER (WHERE p.checked_in_at IS NOT NULL) AS checked_in,
               count(*) FILTER (WHERE p.is_vip) AS vips,
               count(*) FILTER (WHERE p.is_vip AND a.is_vip_table) AS vips_at_vip_tables,
               count(*) FILTER (WHERE p.networking_opt_in) AS networking_opt_in
          FROM participants AS p
          LEFT JOIN table_assignments AS a
                 ON a.organization_id = p.organization_id AND a.participant_id = p.id
         WHERE p.event_id = :event_id
    ), fill AS (
        SELECT t.capacity, count(a.id) AS seated
          FROM seating_tables AS t
          LEFT JOIN table_assignments AS a
                 ON a.organization_id = t.organization_id AND a.event_id = t.event_id
                AND a.table_number = t.table_number
         WHERE t.event_id = :event_id
         GROUP BY t.organization_id, t.event_id, t.table_number, t.capacity
    )
    SELECT e.name AS event_name, e.starts_on, e.ends_on, e.venue, people.*,
           (SELECT count(*) FROM fill) AS tables,
           (SELECT coalesce(sum(capacity), 0) FROM fill) AS seats,
           (SELECT count(*) FROM fill WHERE seated >= capacity) AS tables_full,
           (SELECT count(*) FROM fill WHERE seated > 0 AND seated < capacity) AS tables_partly_filled,
           (SELECT count(*) FROM fill WHERE seated = 0) AS tables_empty
      FROM events AS e, people
     WHERE e.id = :event_id
    """
)


def event_overview(session: Session, event_id: UUID) -> EventOverview | None:
    """``None`` when the event does not exist or the organiser may not see it."""
    row = session.execute(_OVERVIEW, {"event_id": event_id}).first()
    return EventOverview(**row._mapping) if row else None
