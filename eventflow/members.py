"""An organisation's members, its pending invitations, and the history of both.

Owners invite people by e-mail with a role; the invitation takes effect when that address signs in,
verified by the identity provider (``eventflow.sign_in``). Inviting never looks at other
organisations: whether the address has an account elsewhere, and under which name, stays unknown.
The database keeps the rules: only owners write (row-level security), nobody inserts memberships
directly, an organisation keeps at least one owner, and every change lands in
``membership_history`` with who made it.

Every function takes a tenant-scoped session (the dashboard) or the owner's connection (the
command line, as an administrator): both run the same statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from sqlalchemy import Connection, CursorResult, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from eventflow.emails import canonical_email, email_problem
from eventflow.errors import InputError

Role = Literal["owner", "manager", "viewer", "door"]
ROLES: tuple[Role, ...] = ("owner", "manager", "viewer", "door")
ROLE_DESCRIPTIONS = {
    "owner": "everything, including members and deleting events",
    "manager": "creates and edits events, tables, participants and seating",
    "viewer": "reads everything, changes nothing",
    "door": "door staff: finds guests and checks them in; sees names and tables, nothing else",
}
Db = Session | Connection


@dataclass(frozen=True)
class Member:
    organiser_id: UUID
    display_name: str
    email: str
    role: Role
    joined_at: datetime


@dataclass(frozen=True)
class Invitation:
    id: UUID
    email: str
    role: Role
    invited_by_name: str | None
    created_at: datetime


@dataclass(frozen=True)
class HistoryEntry:
    changed_at: datetime
    action: str
    email: str | None
    person_name: str | None
    old_role: str | None
    new_role: str | None
    changed_by_name: str | None
    via: str

    @property
    def who(self) -> str:
        if self.changed_by_name:
            return self.changed_by_name
        return {"sign-in": "(their own sign-in)", "administrator": "an administrator (command line)"}.get(
            self.via, "—")


def list_members(db: Db, organization_id: UUID) -> list[Member]:
    rows = db.execute(
        text(
            """
            SELECT m.organiser_id, o.display_name, o.email, m.role, m.created_at AS joined_at
              FROM memberships AS m
              JOIN organisers AS o ON o.id = m.organiser_id
             WHERE m.organization_id = :org
             ORDER BY array_position(ARRAY['owner', 'manager', 'viewer', 'door'], m.role),
                      lower(o.display_name), o.email
            """
        ),
        {"org": organization_id},
    ).all()
    return [Member(**row._mapping) for row in rows]


def list_invitations(db: Db, organization_id: UUID) -> list[Invitation]:
    """Pending invitations, oldest first."""
    rows = db.execute(
        text(
            """
            SELECT i.id, i.email, i.role, o.display_name AS invited_by_name, i.created_at
              FROM invitations AS i
              LEFT JOIN organisers AS o ON o.id = i.invited_by
             WHERE i.organization_id = :org AND i.accepted_at IS NULL
             ORDER BY i.created_at, i.email
            """
        ),
        {"org": organization_id},
    ).all()
    return [Invitation(**row._mapping) for row in rows]


def invite(db: Db, organization_id: UUID, email: str, role: str) -> str:
    """Invite ``email`` with ``role``; returns the message to show. Refuses an address that is
    already a member or already invited here (only this organisation is looked at)."""
    problem = email_problem(email)
    if problem:
        raise InputError(problem)
    role = _role(role)
    address = canonical_email(email)
    member = db.execute(
        text("SELECT o.display_name FROM memberships AS m JOIN organisers AS o ON o.id = m.organiser_id "
             "WHERE m.organization_id = :org AND o.email = :email"),
        {"org": organization_id, "email": address},
    ).first()
    if member is not None:
        raise InputError(f"{address} is already a member ({member.display_name}). Change their role in the "
                               "list of members instead.")
    pending = db.execute(
        text("SELECT role FROM invitations WHERE organization_id = :org AND email = :email AND accepted_at IS NULL"),
        {"org": organization_id, "email": address},
    ).first()
    if pending is not None:
        raise InputError(f"{address} is already invited as {pending.role}. Change the role of the pending "
                               "invitation instead.")
    _write(db, "INSERT INTO invitations (organization_id, email, role) VALUES (:org, :email, :role)",
           {"org": organization_id, "email": address, "role": role})
    return (f"Invited {address} as {role}. They get access the next time they sign in with this address "
            "(verified by their sign-in provider).")


_NOT_PENDING = "That invitation is no longer pending (it was accepted or withdrawn)."


def change_invitation_role(db: Db, organization_id: UUID, invitation_id: UUID, role: str) -> None:
    _pending_invitation(db, "UPDATE invitations SET role = :role", organization_id, invitation_id, role=_role(role))


def withdraw_invitation(db: Db, organization_id: UUID, invitation_id: UUID) -> None:
    _pending_invitation(db, "DELETE FROM invitations", organization_id, invitation_id)


def change_role(db: Db, organization_id: UUID, organiser_id: UUID, role: str) -> None:
    _membership(db, "UPDATE memberships SET role = :role", organization_id, organiser_id,
                "Nothing was changed: only owners change members, and this person may have left.", role=_role(role))


def remove_member(db: Db, organization_id: UUID, organiser_id: UUID) -> None:
    _membership(db, "DELETE FROM memberships", organization_id, organiser_id,
                "Nothing was changed: only owners remove members, and this person may have left already.")


def _pending_invitation(db: Db, change: str, organization_id: UUID, invitation_id: UUID, **values: str) -> None:
    """Change or delete one invitation that is still pending; refused once it was accepted or withdrawn."""
    _require_one(_write(db, f"{change} WHERE organization_id = :org AND id = :id AND accepted_at IS NULL",
                        {"org": organization_id, "id": invitation_id, **values}), _NOT_PENDING)


def _membership(db: Db, change: str, organization_id: UUID, organiser_id: UUID, refusal: str,
                **values: str) -> None:
    """Change or delete one membership; row-level security lets only owners, so 0 rows is the refusal."""
    _require_one(_write(db, f"{change} WHERE organization_id = :org AND organiser_id = :organiser",
                        {"org": organization_id, "organiser": organiser_id, **values}), refusal)


def remove_by_email(db: Db, organization_id: UUID, email: str) -> str:
    """Remove the member with this address, or withdraw the pending invitation for it (command line)."""
    address = canonical_email(email)
    member = db.execute(
        text("SELECT m.organiser_id FROM memberships AS m JOIN organisers AS o ON o.id = m.organiser_id "
             "WHERE m.organization_id = :org AND o.email = :email"), {"org": organization_id, "email": address},
    ).first()
    if member is not None:
        remove_member(db, organization_id, member.organiser_id)
        return f"removed {address}"
    invitation = db.execute(
        text("SELECT id FROM invitations WHERE organization_id = :org AND email = :email AND accepted_at IS NULL"),
        {"org": organization_id, "email": address},
    ).first()
    if invitation is not None:
        withdraw_invitation(db, organization_id, invitation.id)
        return f"withdrew the invitation for {address}"
    raise InputError(f"{address} is neither a member nor invited.")


def membership_history(db: Db, organization_id: UUID, limit: int = 200) -> list[HistoryEntry]:
    rows = db.execute(
        text(
            """
            SELECT changed_at, action, email, person_name, old_role, new_role, changed_by_name, via
              FROM membership_history
             WHERE organization_id = :org
             ORDER BY changed_at DESC, id DESC
             LIMIT :limit
            """
        ),
        {"org": organization_id, "limit": limit},
    ).all()
    return [HistoryEntry(**row._mapping) for row in rows]


def _role(role: str) -> Role:
    if role not in ROLES:
        raise InputError(f"“{role}” is not a role; choose owner, manager, viewer or door.")
    return role


def _write(db: Db, statement: str, parameters: dict) -> int:
    try:
        with db.begin_nested():
            result = db.execute(text(statement), parameters)
            assert isinstance(result, CursorResult)  # what a data-changing statement returns
            return result.rowcount
    except DBAPIError as error:
        code = getattr(error.orig, "sqlstate", None)
        if code == "EF001":
            raise InputError("An organisation needs at least one owner: make someone else an owner first.") \
                from None
        if code == "42501":
            raise InputError("Only owners can change members and invitations.") from None
        if code == "23505":
            raise InputError("This address is already invited.") from None
        raise


def _require_one(rowcount: int, message: str) -> None:
    # Row-level security hides what the organiser may not change: 0 rows means no right, or gone.
    if rowcount != 1:
        raise InputError(message)
