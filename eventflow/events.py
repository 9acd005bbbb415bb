"""Events an organiser can see, their settings and their tracks.

Every function takes a tenant-scoped session (:func:`eventflow.db.tenant_session`): what it
returns is what row-level security lets the signed-in organiser see, and what it writes is
refused by the database for anyone who may only read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from eventflow import text_rules
from eventflow.errors import (
    INSUFFICIENT_PRIVILEGE,
    InputError,
    OrganiserError,
    describe_database_error,
    require_editor,
    view_only,
)
from eventflow.event_settings import save_settings, with_defaults
from eventflow.statements import changed_rows

TRACK_NAME_MAX = 200
EVENT_NAME_MAX = 200
VENUE_MAX = 500
ARCHIVED_SQLSTATE = "EF010"  # raised by the database for any change inside an archived event (sql/012)
ARCHIVED_MESSAGE = "This event is archived and read-only. Restore it (Events page) to change it."


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
    archived: bool = False

    @property
    def label(self) -> str:
        when = f" ({self.starts_on:%d %b %Y})" if self.starts_on else ""
        return f"{self.name}{when}" + (" · archived" if self.archived else "")


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


def visible_events(session: Session, include_archived: bool = False) -> list[EventSummary]:
    """All events of every organisation the organiser belongs to, newest first; archived ones only
    when asked for."""
    rows = session.execute(
        text(
            """
            SELECT e.id, e.name, e.organization_id, o.name AS organization_name,
                   e.starts_on, e.ends_on, e.venue, e.archived_at IS NOT NULL AS archived
              FROM events AS e
              JOIN organizations AS o ON o.id = e.organization_id
             WHERE CAST(:include_archived AS boolean) OR e.archived_at IS NULL
             ORDER BY o.name, e.starts_on DESC NULLS LAST, e.name, e.id
            """
        ),
        {"include_archived": include_archived},
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
    name, venue = _event_details(name, starts_on, ends_on, venue)
    updated = _changed(
        session,
        "UPDATE events SET name = :name, starts_on = :starts_on, ends_on = :ends_on, venue = :venue "
        "WHERE id = :event_id",
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
    updated = _changed(session, "UPDATE tracks SET name = :name WHERE id = :track_id AND event_id = :event_id",
                       {"track_id": track_id, "event_id": event_id, "name": name})
    _require_one(updated)


def set_track_active(session: Session, event_id: UUID, track_id: UUID, active: bool) -> None:
    """Deactivating keeps the participants' choices but leaves the track out of every statistic."""
    require_editor(session, event_id, "changed")
    updated = _changed(session, "UPDATE tracks SET is_active = :active WHERE id = :track_id AND event_id = :event_id",
                       {"track_id": track_id, "event_id": event_id, "active": bool(active)})
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


def _write_refused(error: DBAPIError) -> str:
    code = getattr(error.orig, "sqlstate", None)
    if code == ARCHIVED_SQLSTATE:
        return ARCHIVED_MESSAGE
    if code == INSUFFICIENT_PRIVILEGE:
        return view_only("changed")
    if code == "23505":
        return "That name is already taken in this event."
    return "The database refused the change; nothing was saved."


def _changed(session: Session, statement: str, parameters: dict) -> int:
    """Run an UPDATE or DELETE in a savepoint; the database's refusals become organiser-worded errors."""
    try:
        with session.begin_nested():
            return changed_rows(session, text(statement), parameters)
    except DBAPIError as error:
        raise InputError(_write_refused(error)) from None


def _event_details(name: str, starts_on: date | None, ends_on: date | None,
                   venue: str | None) -> tuple[str, str | None]:
    name = " ".join((name or "").split())
    if not name:
        raise InputError("The event needs a name.")
    if len(name) > EVENT_NAME_MAX:
        raise InputError(f"The event name is longer than {EVENT_NAME_MAX} characters.")
    if starts_on and ends_on and ends_on < starts_on:
        raise InputError("The event cannot end before it starts.")
    venue = (venue or "").strip() or None
    if venue and len(venue) > VENUE_MAX:
        raise InputError(f"The venue is longer than {VENUE_MAX} characters.")
    text_rules.check(name, "the event name", error=InputError)
    text_rules.check(venue, "the venue", error=InputError)
    return name, venue


# ------------------------------------------------------------------------------ the event's life

@dataclass(frozen=True)
class EventOverview:
    """One line of the Events page."""

    id: UUID
    name: str
    starts_on: date | None
    ends_on: date | None
    venue: str | None
    archived: bool
    participants: int
    tables: int
    tracks: int


def list_events(session: Session, organization_id: UUID) -> list[EventOverview]:
    """The organisation's events, current ones first (newest first), then the archived ones."""
    rows = session.execute(
        text(
            """
            SELECT e.id, e.name, e.starts_on, e.ends_on, e.venue, e.archived_at IS NOT NULL AS archived,
                   (SELECT count(*) FROM participants AS p WHERE p.event_id = e.id) AS participants,
                   (SELECT count(*) FROM seating_tables AS t WHERE t.event_id = e.id) AS tables,
                   (SELECT count(*) FROM tracks AS k WHERE k.event_id = e.id) AS tracks
              FROM events AS e
             WHERE e.organization_id = :org
             ORDER BY e.archived_at IS NOT NULL, e.starts_on DESC NULLS LAST, lower(e.name), e.id
            """
        ),
        {"org": organization_id},
    ).all()
    return [EventOverview(**row._mapping) for row in rows]


def parse_track_names(text_value: str) -> list[str]:
    """Track names typed one per line (commas separate too); blank lines are skipped."""
    names = [_track_name(part) for line in (text_value or "").splitlines() for part in line.split(",")
             if part.strip()]
    seen: dict[str, str] = {}
    for name in names:
        if name.lower() in seen:
            raise InputError(f"The track “{name}” is listed twice.")
        seen[name.lower()] = name
    return names


def create_event(session: Session, organization_id: UUID, name: str, starts_on: date | None = None,
                 ends_on: date | None = None, venue: str | None = None, default_networking_opt_in: bool = False,
                 tracks: Sequence[str] = ()) -> UUID:
    """A new event of the organisation with its tracks (owners and managers; the database refuses
    viewers)."""
    name, venue = _event_details(name, starts_on, ends_on, venue)
    track_names = parse_track_names("\n".join(tracks))
    try:
        with session.begin_nested():
            event_id = session.execute(
                text(
                    """
                    INSERT INTO events (organization_id, name, starts_on, ends_on, venue, settings)
                    VALUES (:org, :name, :starts_on, :ends_on, :venue,
                            jsonb_build_object('default_networking_opt_in', CAST(:opt_in AS boolean)))
                    RETURNING id
                    """
                ),
                {"org": organization_id, "name": name, "starts_on": starts_on, "ends_on": ends_on, "venue": venue,
                 "opt_in": bool(default_networking_opt_in)},
            ).scalar_one()
            for track in track_names:
                session.execute(
                    text("INSERT INTO tracks (organization_id, event_id, name) VALUES (:org, :event, :name)"),
                    {"org": organization_id, "event": event_id, "name": track})
    except DBAPIError as error:
        raise InputError(_creation_refused(error)) from None
    return event_id


def duplicate_event(session: Session, source_event_id: UUID, name: str, starts_on: date | None = None,
                    ends_on: date | None = None, venue: str | None = None) -> UUID:
    """A new event shaped like ``source_event_id``: its tracks (with their active state), tables
    (capacity, minimum fill, VIP, accessible, label) and their places on the floor plan with the
    room's elements, settings and seating-rule settings — without
    any participant, seat or person-to-person rule (those name people). ``venue`` ``None`` keeps the
    source's venue. An archived event can be duplicated (reading it is allowed)."""
    source = session.execute(
        text("SELECT organization_id, venue, settings FROM events WHERE id = :id"), {"id": source_event_id}
    ).first()
    if source is None:
        raise InputError("That event no longer exists.")
    name, venue = _event_details(name, starts_on, ends_on, source.venue if venue is None else venue)
    parameters = {"org": source.organization_id, "source": source_event_id}
    try:
        with session.begin_nested():
            new_id = session.execute(
                text(
                    """
                    INSERT INTO events (organization_id, name, starts_on, ends_on, venue, settings)
                    SELECT organization_id, :name, :starts_on, :ends_on, :venue, settings
                      FROM events WHERE organization_id = :org AND id = :source
                    RETURNING id
                    """
                ),
                {**parameters, "name": name, "starts_on": starts_on, "ends_on": ends_on, "venue": venue},
            ).scalar_one()
            parameters["new"] = new_id
            session.execute(text(
                """
                INSERT INTO tracks (organization_id, event_id, name, description, is_active)
                SELECT organization_id, :new, name, description, is_active
                  FROM tracks WHERE organization_id = :org AND event_id = :source
                """), parameters)
            session.execute(text(
                """
                INSERT INTO seating_tables (organization_id, event_id, table_number, capacity, min_fill,
                                            is_vip_table, label, accessible)
                SELECT organization_id, :new, table_number, capacity, min_fill, is_vip_table, label, accessible
                  FROM seating_tables WHERE organization_id = :org AND event_id = :source
                """), parameters)
            # The room: where each table stands, and the room's elements (floor plan, issue 14).
            from eventflow import floor_plan  # late: floor_plan imports the seating modules

            floor_plan.copy_layout(session, source_event_id, new_id)
    except DBAPIError as error:
        raise InputError(_creation_refused(error)) from None
    return new_id


def archive_event(session: Session, event_id: UUID) -> None:
    """Read-only from now on, and out of the event picker (owners and managers)."""
    _set_archived(session, event_id, True)


def restore_event(session: Session, event_id: UUID) -> None:
    _set_archived(session, event_id, False)


def _set_archived(session: Session, event_id: UUID, archive: bool) -> None:
    changed = _changed(session, "UPDATE events SET archived_at = CASE WHEN :archive THEN now() END "
                                "WHERE id = :id AND (archived_at IS NULL) = :archive",
                       {"id": event_id, "archive": archive})
    if changed == 1:
        return
    archived = session.execute(text("SELECT archived_at IS NOT NULL FROM events WHERE id = :id"),
                               {"id": event_id}).scalar()
    if archived is None:
        raise InputError("That event no longer exists.")
    if archived == archive:
        raise InputError("This event is already archived." if archive else "This event is not archived.")
    raise InputError("Nothing was changed: archiving and restoring events needs a manager or owner.")


def delete_event(session: Session, event_id: UUID, typed_name: str) -> str:
    """Delete the event with everything in it, when ``typed_name`` is exactly its name (owners only).
    Returns the deleted event's name."""
    row = session.execute(text("SELECT name FROM events WHERE id = :id"), {"id": event_id}).first()
    if row is None:
        raise InputError("That event no longer exists.")
    if (typed_name or "").strip() != row.name:
        raise InputError(f"To delete it, type the event's name exactly: {row.name}")
    deleted = _changed(session, "DELETE FROM events WHERE id = :id", {"id": event_id})
    if deleted != 1:
        raise InputError("Only an owner of the organisation can delete an event.")
    return row.name


def _creation_refused(error: DBAPIError) -> str:
    if getattr(error.orig, "sqlstate", None) == "42501":
        return "Only owners and managers can create events; you can view this organisation's events."
    return _write_refused(error)
