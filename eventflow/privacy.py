"""One person's data protection rights (GDPR articles 15 and 17), for owners: everything stored
about a participant as JSON, and erasure.

Both are decided in the database (``sql/019``): ``eventflow.record_participant_export`` and
``eventflow.erase_participant`` accept only an owner of the participant's organisation, and both
leave a row in ``participant_log`` saying who did it and when. Erasure deletes the person (seat,
tracks, rule memberships and check-in go with the row) and gives the seating history rows about
them a new anonymous id, so the history still counts the seat changes but no longer says whose
they were.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from eventflow.errors import (
    INSUFFICIENT_PRIVILEGE,
    InputError,
    OrganiserError,
    describe_database_error,
    nothing_was,
    sqlstate,
)

OWNERS_ONLY = "only an owner of this organisation may export or erase a person's data."


def _json_default(value: object) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _rows(session: Session, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(row) for row in session.execute(text(query), params).mappings()]


def export_person(session: Session, event_id: UUID, participant_id: UUID | str) -> bytes:
    """Everything stored about one participant, as JSON (UTF-8); the export is recorded."""
    params = {"event_id": event_id, "pid": str(participant_id)}
    try:
        session.execute(text("SELECT eventflow.record_participant_export(:event_id, CAST(:pid AS uuid))"), params)
    except DBAPIError as error:
        session.rollback()
        if sqlstate(error) == INSUFFICIENT_PRIVILEGE:
            raise OrganiserError(nothing_was("written", OWNERS_ONLY)) from None
        raise
    person = _rows(session, """
        SELECT p.id, p.full_name, p.email, p.company, p.is_vip, p.networking_opt_in, p.interests,
               p.needs_accessible, p.accessibility, p.dietary, p.note, p.checked_in_at, p.created_at, p.updated_at,
               e.name AS event_name, e.starts_on AS event_starts_on
          FROM participants AS p JOIN events AS e ON e.organization_id = p.organization_id AND e.id = p.event_id
         WHERE p.event_id = :event_id AND p.id = CAST(:pid AS uuid)""", params)
    document = {
        "exported_at": datetime.now().astimezone().isoformat(),
        "participant": person[0] if person else None,
        "tracks": [r["name"] for r in _rows(session, """
            SELECT t.name FROM participant_tracks AS pt
              JOIN tracks AS t ON t.organization_id = pt.organization_id AND t.id = pt.track_id
             WHERE pt.event_id = :event_id AND pt.participant_id = CAST(:pid AS uuid) ORDER BY t.name""", params)],
        "seat": next(iter(_rows(session, """
            SELECT table_number, seat_number, assigned_by, updated_at FROM table_assignments
             WHERE event_id = :event_id AND participant_id = CAST(:pid AS uuid)""", params)), None),
        "seating_rules": _rows(session, """
            SELECT r.kind, r.note,
                   ARRAY(SELECT o.full_name FROM seating_rule_members AS om
                           JOIN participants AS o ON o.organization_id = om.organization_id AND o.id = om.participant_id
                          WHERE om.organization_id = r.organization_id AND om.rule_id = r.id
                            AND om.participant_id <> CAST(:pid AS uuid) ORDER BY o.full_name) AS with_people
              FROM seating_rules AS r
              JOIN seating_rule_members AS m ON m.organization_id = r.organization_id AND m.rule_id = r.id
             WHERE r.event_id = :event_id AND m.participant_id = CAST(:pid AS uuid)""", params),
        "seating_history": _rows(session, """
            SELECT changed_at, change_kind, operation, old_table_number, old_seat_number, new_table_number,
                   new_seat_number FROM assignment_history
             WHERE event_id = :event_id AND participant_id = CAST(:pid AS uuid) ORDER BY id""", params),
        "data_requests": _rows(session, """
            SELECT action, logged_at FROM participant_log
             WHERE event_id = :event_id AND participant_id = CAST(:pid AS uuid) ORDER BY id""", params),
    }
    if document["participant"] is None:
        raise InputError(nothing_was("written", "this person was removed meanwhile."))
    return json.dumps(document, default=_json_default, ensure_ascii=False, indent=2).encode()


def erasure_consequences(name: str) -> str:
    return (f"Erasing {name} deletes them from this event (their seat is freed, their tracks, rule memberships "
            "and check-in go with them) and takes their name out of the seating history: its rows stay, "
            "anonymous. This cannot be undone. The erasure itself is recorded (who, when), without the name.")


def erase_person(session: Session, event_id: UUID, participant_id: UUID | str) -> str:
    """Erase one participant (owners only); the message for the organiser."""
    params = {"event_id": event_id, "pid": str(participant_id)}
    name = session.execute(text("SELECT full_name FROM participants WHERE event_id = :event_id "
                                "AND id = CAST(:pid AS uuid)"), params).scalar()
    if name is None:
        raise InputError(nothing_was("removed", "this person was removed meanwhile."))
    try:
        session.execute(text("SELECT eventflow.erase_participant(:event_id, CAST(:pid AS uuid))"), params)
    except DBAPIError as error:
        session.rollback()
        if sqlstate(error) == INSUFFICIENT_PRIVILEGE:
            raise OrganiserError(nothing_was("removed", OWNERS_ONLY)) from None
        raise OrganiserError(describe_database_error(error, "removed")) from None
    return f"Erased {name}: their data are deleted and the seating history no longer names them."
