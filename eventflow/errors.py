"""One vocabulary for what goes wrong, in the organisers' words.

* The exceptions: :class:`OrganiserError` (something the organiser can act on; nothing was
  written), :class:`InputError` (input they can correct) and :class:`ViewOnly` (they may only view
  this event; also a ``PermissionError``). Pages catch :class:`OrganiserError` and show its text.
* The test of "may this organiser change this event": :func:`editor_refusal` /
  :func:`require_editor`, the only place that decides "you can only view".
* The translation of a database refusal (SQLSTATE, constraint) into a sentence:
  :func:`describe_database_error`.
* The message texts: every refusal reads "Nothing was <done>: <why>" (:func:`nothing_was`).
* What a write did: :class:`Outcome`, the one result every write returns (a seating save, an
  auto-seat plan or walk-in, an undo, a floor-plan move), extended only by the counts it reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from eventflow.db import is_transient

# What did not happen, as the organiser asked for it: "Nothing was <action>: …".
Action = Literal["saved", "written", "added", "removed", "imported", "changed", "undone"]

VIEW_ONLY = "you can only view this event."
EVENT_GONE = "this event does not exist (or you cannot see it)."
INSUFFICIENT_PRIVILEGE = "42501"  # SQLSTATE: row-level security refused a row (INSERT … WITH CHECK)
TRANSIENT = ("40001", "40P01")    # serialization failure, deadlock: retried by Database.run_transaction


class OrganiserError(ValueError):
    """Something the organiser can act on; nothing was written. The message is shown as it is."""


class InputError(OrganiserError):
    """Input the organiser can correct; the message says what to change."""


class ViewOnly(OrganiserError, PermissionError):
    """The organiser may only view this event: a viewer, or someone whose role changed meanwhile."""


@dataclass(frozen=True)
class Outcome:
    """What one write did, the same shape for every write an organiser makes, so a page shows any of
    them the same way: ``message`` if ``ok`` as success, otherwise as the reason nothing was written.

    Writes that report more (how many were saved, moved, restored; which rows have problems) extend
    it with those fields only."""

    ok: bool               # written, or nothing needed writing; False: nothing was written
    message: str = ""      # the sentence for the organiser: what was done, or "Nothing was …: why"
    conflict: bool = False  # a colleague changed it first: reload to show theirs, then try again
    change_set_id: UUID | None = None  # the history's id for what this write changed, when it changed something


def nothing_was(action: Action, why: str) -> str:
    return f"Nothing was {action}: {why}"


def view_only(action: Action) -> str:
    return nothing_was(action, VIEW_ONLY)


_MAY_EDIT = text("""
    SELECT e.organization_id = ANY (eventflow.organization_ids(ARRAY['owner', 'manager'])) AS may_edit,
           e.archived_at IS NOT NULL AS archived
      FROM events AS e WHERE e.id = :event_id
""")
ARCHIVED = "this event is archived and read-only. Restore it on the Events page to change it."
ARCHIVED_SQLSTATE = "EF010"  # the database refuses any change inside an archived event (sql/012)


def editor_refusal(session: Session, event_id: UUID, action: Action) -> OrganiserError | None:
    """Why this organiser may not change the event (None: they may).

    Row-level security enforces it either way (viewers' writes are filtered out or refused);
    asking first lets every write say so in one sentence, before it touches anything."""
    found = session.execute(_MAY_EDIT, {"event_id": event_id}).first()
    if found is None:
        return InputError(nothing_was(action, EVENT_GONE))
    if not found.may_edit:
        return ViewOnly(view_only(action))
    return ViewOnly(nothing_was(action, ARCHIVED)) if found.archived else None


def require_editor(session: Session, event_id: UUID, action: Action) -> None:
    """Raise :class:`ViewOnly` (or :class:`InputError` for an event out of sight) unless the
    organiser may change the event."""
    refusal = editor_refusal(session, event_id, action)
    if refusal is not None:
        raise refusal


def sqlstate(error: DBAPIError) -> str | None:
    code = getattr(error.orig, "sqlstate", None)
    return code if isinstance(code, str) else None


_CONSTRAINT_MESSAGES = {
    "table_assignments_capacity": "A table would have more people than seats — someone may have just filled it. "
                                  "Reload to see the latest seating.",
    "table_assignments_seat_within_capacity": "A seat number is higher than the table's number of seats.",
    "table_assignments_one_per_seat": "Two people would share one seat — someone may have just taken it. "
                                      "Reload to see the latest seating.",
    "table_assignments_seating_table_fkey": "A table you chose no longer exists. Reload to see the current tables.",
    "table_assignments_participant_fkey": "A participant you seated was removed meanwhile. Reload and try again.",
    "table_assignments_one_per_participant": "Someone seated one of these people meanwhile. Reload and try again.",
    "seating_tables_capacity_covers_seated": "A table cannot have fewer seats than the people seated at it.",
}
# These triggers only ever look at the organiser's own table, so their wording is safe to show.
_OWN_TABLE_TRIGGERS = ("table_assignments_capacity", "table_assignments_seat_within_capacity",
                       "seating_tables_capacity_covers_seated")


def refused(session: Session, error: DBAPIError, action: Action = "saved") -> str:
    """A write the database refused, as the sentence for organisers, the transaction rolled back.
    A deadlock or serialization failure is raised again instead: ``Database.run_transaction`` runs
    the whole transaction once more."""
    if is_transient(error):
        raise error
    session.rollback()
    return describe_database_error(error, action)


def describe_database_error(error: DBAPIError, action: Action = "saved") -> str:
    """A refusal by the database as a sentence for organisers — never a trace, never another
    tenant's data."""
    diag = getattr(error.orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    code = sqlstate(error)
    if constraint in _OWN_TABLE_TRIGGERS:
        detail = getattr(diag, "message_primary", None)
        base = _CONSTRAINT_MESSAGES[constraint]
        return nothing_was(action, f"{detail}. {base}" if detail else base)
    if constraint in _CONSTRAINT_MESSAGES:
        return nothing_was(action, _CONSTRAINT_MESSAGES[constraint])
    if code == INSUFFICIENT_PRIVILEGE:
        return view_only(action)
    if code == ARCHIVED_SQLSTATE:
        return nothing_was(action, ARCHIVED)
    if code in TRANSIENT:
        return nothing_was(action, "another change happened at the same moment. Please try again.")
    if code == "23505":
        return nothing_was(action, "something with the same name or e-mail was added meanwhile. "
                                   "Reload and try again.")
    return nothing_was(action, f"the database refused the change (code {code or 'unknown'}).")
