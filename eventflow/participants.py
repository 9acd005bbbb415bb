"""Participants: the list, CSV export, on-site flags (VIP, opt-in, checked in) and one person
added, edited or removed. Importing a file is :mod:`eventflow.participant_import`.

Exports neutralise cells a spreadsheet would run as a formula (:func:`eventflow.formatting.to_safe_csv`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from uuid import UUID
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from eventflow import guest_qr, text_rules
from eventflow.emails import EMAIL_MAX, EMAIL_PATTERN, canonical_email
from eventflow.errors import (
    Action,
    InputError,
    describe_database_error,
    nothing_was,
    require_editor,
)
from eventflow.event_settings import event_time_zone
from eventflow.formatting import fold, folded_text, seat_text, to_safe_csv
from eventflow.formatting import neutralise as neutralise  # re-exported: callers knew it here
from eventflow.history import begin_change_set
from eventflow.statements import changed_rows

_LIST_SEPARATORS = re.compile(r"\s*[;|,]\s*")

FLAGS = ("is_vip", "networking_opt_in", "checked_in")


def split_list(value: str) -> list[str]:
    """Interests or tracks as typed in one cell or field: separated by ``;``, ``|`` or ``,``."""
    return [part for part in _LIST_SEPARATORS.split((value or "").strip()) if part]


_SCREEN_TIME = "%H:%M · %-d %b"
_EXPORT_TIME = "%Y-%m-%d %H:%M ({zone})"


def checked_in_text(moment: datetime | None, zone: ZoneInfo, time_format: str = _SCREEN_TIME) -> str:
    """A check-in time as the door saw it: "14:05 · 1 Dec" in the event's time zone, blank when
    not checked in (never raw UTC with microseconds)."""
    if moment is None or pd.isna(moment):
        return ""
    return moment.astimezone(zone).strftime(time_format.replace("{zone}", zone.key))


def merge_selection(selected: Iterable[str], view_ids: Sequence[str], rows: Iterable[int]) -> list[str]:
    """The people selected after the organiser ticked ``rows`` (positions) of a view that showed
    ``view_ids``: the people of this view are exactly those ticked, everyone selected outside the
    view stays selected. Selections are kept as participant ids, so a new search (a new view)
    never turns a tick into someone else."""
    shown = set(view_ids)
    ticked = [view_ids[row] for row in rows if 0 <= row < len(view_ids)]
    return [pid for pid in selected if pid not in shown] + list(dict.fromkeys(ticked))


def search_people(people: pd.DataFrame, search: str) -> pd.DataFrame:
    """The rows of :func:`list_participants` whose name, company or e-mail contains what was typed,
    accents and case ignored ("muller" finds Müller), never read as a pattern."""
    needle = fold(search.strip())
    if not needle:
        return people
    return people[folded_text(people["name"], people["company"], people["email"]).str.contains(needle, regex=False)]


def list_participants(session: Session, event_id: UUID, *, time_format: str = _SCREEN_TIME) -> pd.DataFrame:
    """Everyone in the event with their tracks, flags and seat, ordered by name; ``checked_in_at``
    as text in the event's time zone."""
    rows = session.execute(
        text(
            """
            SELECT p.id::text AS participant_id, p.full_name AS name, p.email, p.company,
                   coalesce(array_to_string(tr.track_names, '; '), '') AS tracks,
                   p.is_vip AS vip, p.networking_opt_in, p.checked_in_at IS NOT NULL AS checked_in, p.checked_in_at,
                   array_to_string(p.interests, '; ') AS interests, p.dietary, p.needs_accessible,
                   p.accessibility, p.note, a.table_number, a.seat_number
              FROM participants AS p
              LEFT JOIN table_assignments AS a ON a.organization_id = p.organization_id AND a.participant_id = p.id
              LEFT JOIN participant_track_names AS tr
                     ON tr.organization_id = p.organization_id AND tr.event_id = p.event_id AND tr.participant_id = p.id
             WHERE p.event_id = :event_id
             ORDER BY lower(p.full_name), p.id
            """
        ),
        {"event_id": event_id},
    ).mappings().all()
    columns = ["participant_id", "name", "email", "company", "tracks", "vip", "networking_opt_in", "checked_in",
               "checked_in_at", "interests", "dietary", "needs_accessible", "accessibility", "note",
               "table_number", "seat_number"]
    frame = pd.DataFrame([dict(row) for row in rows], columns=columns)
    # Blank, not "None", where nothing was given.
    for column in ("email", "company", "dietary", "accessibility", "note"):
        frame[column] = frame[column].fillna("")
    zone = event_time_zone(session, event_id)
    frame["checked_in_at"] = [checked_in_text(moment, zone, time_format) for moment in frame["checked_in_at"]]
    return frame.astype({"table_number": "Int64", "seat_number": "Int64", "vip": "bool",
                         "networking_opt_in": "bool", "checked_in": "bool",
                         "needs_accessible": "bool"})


_FLAG_UPDATES = {
    "is_vip": text("UPDATE participants SET is_vip = :value "
                   "WHERE event_id = :event_id AND id = ANY (CAST(:ids AS uuid[])) AND is_vip IS DISTINCT FROM :value"),
    "networking_opt_in": text("UPDATE participants SET networking_opt_in = :value "
                              "WHERE event_id = :event_id AND id = ANY (CAST(:ids AS uuid[])) "
                              "AND networking_opt_in IS DISTINCT FROM :value"),
    # Checking in twice keeps the first arrival time.
    "checked_in": text("UPDATE participants "
                       "SET checked_in_at = CASE WHEN :value THEN coalesce(checked_in_at, now()) END "
                       "WHERE event_id = :event_id AND id = ANY (CAST(:ids AS uuid[])) "
                       "AND (checked_in_at IS NOT NULL) IS DISTINCT FROM :value"),
}


def set_flag(session: Session, event_id: UUID, participant_ids: Iterable[str | UUID], flag: str, value: bool) -> int:
    """Set VIP, networking opt-in or checked-in for many people in one statement; the number changed."""
    if flag not in _FLAG_UPDATES:
        raise ValueError(f"unknown flag {flag!r}; one of {', '.join(FLAGS)}")
    ids = [str(UUID(str(pid))) for pid in participant_ids]
    if not ids:
        return 0
    require_editor(session, event_id, "changed")
    return changed_rows(session, _FLAG_UPDATES[flag], {"event_id": event_id, "ids": ids, "value": bool(value)})


def export_participants_csv(session: Session, event_id: UUID) -> bytes:
    """The list as CSV; check-in times with their date and the event's time zone named, and each
    guest's check-in code (the text of their QR code, which the check-in desk accepts typed or
    scanned: for mail merges and badge printers)."""
    frame = list_participants(session, event_id, time_format=_EXPORT_TIME)
    frame["check_in_code"] = [guest_qr.guest_code(pid) for pid in frame["participant_id"]]
    return to_safe_csv(frame.drop(columns=["participant_id"]))


def view_digest(participant_ids: Sequence[str]) -> str:
    """A short fingerprint of the people a table shows, in order: the table's widget key, so a
    different list of people is a different table (its ticks never carry over by position)."""
    return hashlib.sha256("\n".join(participant_ids).encode()).hexdigest()[:16]


def zone_name(session: Session, event_id: UUID) -> str:
    return event_time_zone(session, event_id).key


# ------------------------------------------------------------------------- one person: add, edit, remove

DIETARY_MAX = ACCESSIBILITY_MAX = 200
NOTE_MAX = 1000


@dataclass(frozen=True)
class PersonForm:
    """What an organiser types about one person (the add and edit forms, and the re-import)."""

    name: str
    email: str = ""
    company: str = ""
    track_ids: tuple[UUID, ...] = ()
    interests: str = ""  # separated by ; or ,
    is_vip: bool = False
    networking_opt_in: bool | None = None  # None: the event's default (new people only)
    needs_accessible: bool = False
    accessibility: str = ""
    dietary: str = ""
    note: str = ""


@dataclass(frozen=True)
class Person:
    """One person as stored, with their seat: what the edit form starts from."""

    participant_id: UUID
    version: int
    form: PersonForm
    table_number: int | None
    seat_number: int | None
    checked_in_at: datetime | None


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def check_person(form: PersonForm) -> dict[str, object]:
    """The values to store, or :class:`InputError` naming every problem (nothing is written)."""
    problems: list[str] = []
    name = _clean(form.name)
    if not name:
        problems.append("Enter the person's name.")
    elif len(name) > 300:
        problems.append("The name is longer than 300 characters.")
    email_typed = form.email.strip()
    email = canonical_email(email_typed) if email_typed else None
    if email_typed and (len(email_typed) > EMAIL_MAX or not EMAIL_PATTERN.match(email_typed)):
        problems.append(f"“{email_typed}” is not an e-mail address (name@example.org).")
    texts = {"name": form.name, "company": form.company, "interests": form.interests,
             "accessibility details": form.accessibility, "dietary requirement": form.dietary, "note": form.note}
    for what, value in texts.items():
        reason = text_rules.problem(value, f"The {what}")
        if reason:
            problems.append(reason + ".")
    reason = text_rules.problem(email_typed, "The e-mail address", email=True)
    if reason:
        problems.append(reason + ".")
    company = _clean(form.company) or None
    if company and len(company) > 300:
        problems.append("The company is longer than 300 characters.")
    accessibility, dietary = _clean(form.accessibility) or None, _clean(form.dietary) or None
    if accessibility and len(accessibility) > ACCESSIBILITY_MAX:
        problems.append(f"The accessibility details are longer than {ACCESSIBILITY_MAX} characters.")
    if dietary and len(dietary) > DIETARY_MAX:
        problems.append(f"The dietary requirement is longer than {DIETARY_MAX} characters.")
    note = form.note.strip() or None
    if note and len(note) > NOTE_MAX:
        problems.append(f"The note is longer than {NOTE_MAX} characters.")
    interests = split_list(form.interests)
    if any(len(i) > 100 for i in interests):
        problems.append("An interest is longer than 100 characters (separate interests with ; or ,).")
    if problems:
        raise InputError(" ".join(problems))
    return {"full_name": name, "email": email, "company": company, "is_vip": bool(form.is_vip),
            "networking_opt_in": form.networking_opt_in, "needs_accessible": bool(form.needs_accessible),
            "accessibility": accessibility, "dietary": dietary, "note": note, "interests": interests,
            "track_ids": [str(t) for t in dict.fromkeys(form.track_ids)]}


def _email_taken(session: Session, event_id: UUID, email: str | None, other_than: UUID | None) -> str | None:
    if not email:
        return None
    return session.execute(text(
        "SELECT full_name FROM participants WHERE event_id = :event_id AND lower(email) = lower(:email) "
        "AND id IS DISTINCT FROM CAST(:other AS uuid)"),
        {"event_id": event_id, "email": email, "other": str(other_than) if other_than else None}).scalar()


def _check_tracks(session: Session, event_id: UUID, track_ids: list[str], action: Action) -> None:
    if not track_ids:
        return
    known = session.execute(text("SELECT count(*) FROM tracks WHERE event_id = :event_id AND is_active "
                                 "AND id = ANY (CAST(:ids AS uuid[]))"),
                            {"event_id": event_id, "ids": track_ids}).scalar_one()
    if known != len(track_ids):
        raise InputError(nothing_was(action, "a track you chose was removed or deactivated meanwhile. "
                                             "Reload and choose again."))


def _set_tracks(session: Session, event_id: UUID, participant_id: UUID, track_ids: list[str]) -> None:
    # Deactivated tracks are kept: the form offers active tracks only, and must not drop a choice it hides.
    session.execute(text(
        """
        DELETE FROM participant_tracks AS pt USING tracks AS t
         WHERE pt.participant_id = :pid AND pt.event_id = :event_id
           AND t.organization_id = pt.organization_id AND t.id = pt.track_id AND t.is_active
           AND NOT pt.track_id = ANY (CAST(:ids AS uuid[]))
        """), {"pid": participant_id, "event_id": event_id, "ids": track_ids})
    session.execute(text(
        """
        INSERT INTO participant_tracks (event_id, participant_id, track_id)
        SELECT :event_id, :pid, t FROM unnest(CAST(:ids AS uuid[])) AS t
        ON CONFLICT DO NOTHING
        """), {"pid": participant_id, "event_id": event_id, "ids": track_ids})


def add_participant(session: Session, event_id: UUID, form: PersonForm) -> UUID:
    """Add one person (a late guest); :class:`InputError` in the organiser's words, nothing written."""
    values = check_person(form)
    require_editor(session, event_id, "added")
    taken = _email_taken(session, event_id, values["email"], None)  # type: ignore[arg-type]
    if taken is not None:
        raise InputError(nothing_was("added", f"{values['email']} is already a participant of this event ({taken})."))
    _check_tracks(session, event_id, values["track_ids"], "added")  # type: ignore[arg-type]
    try:
        participant_id = session.execute(text(
            """
            INSERT INTO participants (event_id, full_name, email, company, is_vip, networking_opt_in, interests,
                                      needs_accessible, accessibility, dietary, note)
            VALUES (:event_id, :full_name, :email, :company, :is_vip, :networking_opt_in, CAST(:interests AS text[]),
                    :needs_accessible, :accessibility, :dietary, :note)
            RETURNING id
            """), {"event_id": event_id, **values}).scalar_one()
        _set_tracks(session, event_id, participant_id, values["track_ids"])  # type: ignore[arg-type]
    except DBAPIError as error:
        session.rollback()
        raise InputError(describe_database_error(error, "added")) from None
    return participant_id


def get_participant(session: Session, event_id: UUID, participant_id: UUID | str) -> Person | None:
    row = session.execute(text(
        """
        SELECT p.id, p.version, p.full_name, p.email, p.company, p.is_vip, p.networking_opt_in, p.interests,
               p.needs_accessible, p.accessibility, p.dietary, p.note, p.checked_in_at,
               a.table_number, a.seat_number,
               ARRAY(SELECT pt.track_id FROM participant_tracks AS pt JOIN tracks AS t
                       ON t.organization_id = pt.organization_id AND t.id = pt.track_id
                      WHERE pt.organization_id = p.organization_id AND pt.participant_id = p.id AND t.is_active
                      ORDER BY t.name) AS track_ids
          FROM participants AS p
          LEFT JOIN table_assignments AS a ON a.organization_id = p.organization_id AND a.participant_id = p.id
         WHERE p.event_id = :event_id AND p.id = CAST(:pid AS uuid)
        """), {"event_id": event_id, "pid": str(participant_id)}).mappings().first()
    if row is None:
        return None
    form = PersonForm(row["full_name"], row["email"] or "", row["company"] or "", tuple(row["track_ids"]),
                      "; ".join(row["interests"]), row["is_vip"], row["networking_opt_in"], row["needs_accessible"],
                      row["accessibility"] or "", row["dietary"] or "", row["note"] or "")
    return Person(row["id"], row["version"], form, row["table_number"], row["seat_number"], row["checked_in_at"])


GONE = "this person was removed meanwhile. Reload the list."


def _as_seen(session: Session, event_id: UUID, participant_id: UUID, version: int, done: Action,
             changed: str) -> Person:
    """The person at the ``version`` the organiser saw; refused (nothing was ``done``) when they were
    removed, or changed since (``changed``, with ``{name}`` for their name)."""
    require_editor(session, event_id, done)
    person = get_participant(session, event_id, participant_id)
    if person is None:
        raise InputError(nothing_was(done, GONE))
    if person.version != version:
        raise InputError(nothing_was(done, changed.format(name=person.form.name)))
    return person


def update_participant(session: Session, event_id: UUID, participant_id: UUID, version: int, form: PersonForm) -> bool:
    """Save the edit form; False when nothing differed. Refused, with nothing written, when someone
    changed the person since the form was opened (``version``), or for any problem in the form."""
    values = check_person(form)
    current = _as_seen(session, event_id, participant_id, version, "saved",
                       "someone changed {name} while you were editing. Reload to see their change, then edit again.")
    taken = _email_taken(session, event_id, values["email"], participant_id)  # type: ignore[arg-type]
    if taken is not None:
        raise InputError(nothing_was("saved", f"{values['email']} is already the e-mail of {taken} in this event."))
    _check_tracks(session, event_id, values["track_ids"], "saved")  # type: ignore[arg-type]
    if values["networking_opt_in"] is None:
        values["networking_opt_in"] = current.form.networking_opt_in
    try:
        changed = changed_rows(session, text(
            """
            UPDATE participants
               SET full_name = :full_name, email = :email, company = :company, is_vip = :is_vip,
                   networking_opt_in = :networking_opt_in, interests = CAST(:interests AS text[]),
                   needs_accessible = :needs_accessible, accessibility = :accessibility, dietary = :dietary,
                   note = :note
             WHERE event_id = :event_id AND id = :pid AND version = :version
               AND (full_name, email, company, is_vip, networking_opt_in, interests, needs_accessible,
                    accessibility, dietary, note)
                   IS DISTINCT FROM (:full_name, :email, :company, :is_vip, :networking_opt_in,
                                     CAST(:interests AS text[]), :needs_accessible, :accessibility, :dietary, :note)
            """), {"event_id": event_id, "pid": participant_id, "version": version, **values})
        before = set(map(str, current.form.track_ids))
        _set_tracks(session, event_id, participant_id, values["track_ids"])  # type: ignore[arg-type]
    except DBAPIError as error:
        session.rollback()
        raise InputError(describe_database_error(error, "saved")) from None
    return bool(changed) or before != set(cast(Iterable[str], values["track_ids"]))


def removal_consequences(person: Person) -> str:
    """What removing this person does, said before the organiser confirms."""
    seat = seat_text(person.table_number, person.seat_number)
    freed = "they have no seat" if seat == "unseated" else f"their seat ({seat}) is freed for someone else"
    return (f"Removing {person.form.name}: {freed}; keep-together and keep-apart rules naming them lose them "
            "(a rule left with one person goes); the seating history keeps what happened to the seat, under "
            "their name. To also take their name out of the history, an owner erases them instead (Privacy).")


def remove_participant(session: Session, event_id: UUID, participant_id: UUID, version: int) -> str:
    """Remove a cancelled person; returns the message saying what happened to their seat."""
    person = _as_seen(session, event_id, participant_id, version, "removed",
                      "someone changed {name} meanwhile. Reload and look again before removing them.")
    begin_change_set(session, "save")
    try:
        session.execute(text("DELETE FROM participants WHERE event_id = :event_id AND id = :pid"),
                        {"event_id": event_id, "pid": participant_id})
    except DBAPIError as error:
        session.rollback()
        raise InputError(describe_database_error(error, "removed")) from None
    seat = seat_text(person.table_number, person.seat_number)
    return f"Removed {person.form.name}." + ("" if seat == "unseated" else f" Their seat ({seat}) is free.")


def active_tracks(session: Session, event_id: UUID) -> dict[str, str]:
    """{track id: name} of the event's active tracks, by name: what the person form offers."""
    rows = session.execute(text("SELECT id::text, name FROM tracks WHERE event_id = :event_id AND is_active "
                                "ORDER BY lower(name)"), {"event_id": event_id}).all()
    return {row[0]: row[1] for row in rows}
