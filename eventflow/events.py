"""Events an organiser can see, their settings and their tracks.

Every function takes a tenant-scoped session (:func:`eventflow.db.tenant_session`): what it
returns is what row-level security lets the signed-in organiser see, and what it writes is
refused by the database for anyone who may only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from eventflow import text_rules
from eventflow.errors import InputError, OrganiserError, describe_database_error, require_editor
from eventflow.event_settings import save_settings, with_defaults
from eventflow.statements import changed_rows

TRACK_NAME_MAX = 200


EventInputError = OrganiserError  # the name callers knew; the vocabulary lives in eventflow.errors


@dataclass(frozen=True)
class EventSummary:
    id: UUID
    name: str
    organization_id: UUID
    organization_name: str
    starts_on: date | None
    ends_on: date | None
    venue: str | None

    @property
    def label(self) -> str:
        when = f" ({self.starts_on:%d %b %Y})" if self.starts_on else ""
        return f"{self.name}{when}"


@dataclass(frozen=True)
class EventSettings:
    event_id: UUID
    name: str
    starts_on: date | None
    ends_on: date | None
    venue: str | None
    default_networking_opt_in: bool


@dataclass(frozen=True)
class Track:
    id: UUID
    name: str
    is_active: bool
    participants: int


def visible_events(session: Session) -> list[EventSummary]:
    """All events of every organisation the organiser belongs to, newest first."""
    rows = session.execute(
        text(
            """
            SELECT e.id, e.name, e.organization_id, o.name AS organization_name,
                   e.starts_on, e.ends_on, e.venue
              FROM events AS e
              JOIN organizations AS o ON o.id = e.organization_id
             ORDER BY o.name, e.starts_on DESC NULLS LAST, e.name
            """
        )
    ).all()
    return [EventSummary(**row._mapping) for row in rows]


def event_settings(session: Session, event_id: UUID) -> EventSettings | None:
    row = session.execute(
        text("SELECT id AS event_id, name, starts_on, ends_on, venue, settings FROM events WHERE id = :event_id"),
        {"event_id": event_id},
    ).first()
    if row is None:
        return None
    return EventSettings(row.event_id, row.name, row.starts_on, row.ends_on, row.venue,
                         with_defaults(row.settings)["default_networking_opt_in"])


def set_default_networking_opt_in(session: Session, event_id: UUID, value: bool) -> None:
    """New participants imported without an opt-in answer get this value (a database trigger applies it)."""
    save_settings(session, event_id, {"default_networking_opt_in": bool(value)})


def update_event_details(session: Session, event_id: UUID, name: str, starts_on: date | None,
                         ends_on: date | None, venue: str | None) -> None:
    require_editor(session, event_id, "changed")
    name = (name or "").strip()
    if not name:
        raise InputError("The event needs a name.")
    if len(name) > 200:
        raise InputError("The event name is longer than 200 characters.")
    text_rules.check(name, "the event name", error=InputError)
    if starts_on and ends_on and ends_on < starts_on:
        raise InputError("The event cannot end before it starts.")
    venue = (venue or "").strip() or None
    if venue and len(venue) > 500:
        raise InputError("The venue is longer than 500 characters.")
    text_rules.check(venue, "the venue", error=InputError)
    updated = changed_rows(
        session, text("UPDATE events SET name = :name, starts_on = :starts_on, ends_on = :ends_on, venue = :venue "
                      "WHERE id = :event_id"),
        {"event_id": event_id, "name": name, "starts_on": starts_on, "ends_on": ends_on, "venue": venue},
    )
    _require_one(updated)


def list_tracks(session: Session, event_id: UUID) -> list[Track]:
    """Active tracks first; with how many participants chose each."""
    rows = session.execute(
        text(
            """
            SELECT t.id, t.name, t.is_active, count(pt.participant_id) AS participants
              FROM tracks AS t
              LEFT JOIN participant_tracks AS pt
                     ON pt.organization_id = t.organization_id AND pt.track_id = t.id
             WHERE t.event_id = :event_id
             GROUP BY t.id, t.name, t.is_active
             ORDER BY NOT t.is_active, lower(t.name)
            """
        ),
        {"event_id": event_id},
    ).all()
    return [Track(**row._mapping) for row in rows]


def add_track(session: Session, event_id: UUID, name: str) -> UUID:
    require_editor(session, event_id, "added")
    name = _track_name(name)
    _refuse_duplicate_name(session, event_id, name, except_id=None)
    try:
        with session.begin_nested():
            return session.execute(
                text("INSERT INTO tracks (event_id, name) VALUES (:event_id, :name) RETURNING id"),
                {"event_id": event_id, "name": name},
            ).scalar_one()
    except DBAPIError as error:
        raise InputError(describe_database_error(error, "added")) from None


def rename_track(session: Session, event_id: UUID, track_id: UUID, name: str) -> None:
    require_editor(session, event_id, "changed")
    name = _track_name(name)
    _refuse_duplicate_name(session, event_id, name, except_id=track_id)
    updated = changed_rows(
        session, text("UPDATE tracks SET name = :name WHERE id = :track_id AND event_id = :event_id"),
        {"track_id": track_id, "event_id": event_id, "name": name},
    )
    _require_one(updated)


def set_track_active(session: Session, event_id: UUID, track_id: UUID, active: bool) -> None:
    """Deactivating keeps the participants' choices but leaves the track out of every statistic."""
    require_editor(session, event_id, "changed")
    updated = changed_rows(
        session, text("UPDATE tracks SET is_active = :active WHERE id = :track_id AND event_id = :event_id"),
        {"track_id": track_id, "event_id": event_id, "active": bool(active)},
    )
    _require_one(updated)


def _track_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InputError("A track needs a name.")
    if len(name) > TRACK_NAME_MAX:
        raise InputError(f"A track name may be at most {TRACK_NAME_MAX} characters.")
    text_rules.check(name, "the track name", error=InputError)
    return name


def _refuse_duplicate_name(session: Session, event_id: UUID, name: str, except_id: UUID | None) -> None:
    taken = session.execute(
        text("SELECT name FROM tracks WHERE event_id = :event_id AND lower(name) = lower(:name) "
             "AND id IS DISTINCT FROM CAST(:except_id AS uuid)"),
        {"event_id": event_id, "name": name, "except_id": except_id},
    ).first()
    if taken:
        raise InputError(f"This event already has a track called “{taken.name}”.")


def _require_one(rowcount: int) -> None:
    # require_editor has vouched for the organiser: no row means it was removed meanwhile.
    if rowcount != 1:
        raise InputError("Nothing was changed: it was removed meanwhile. Reload the page.")
