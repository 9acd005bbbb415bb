"""Administrative acts that sit above any one organisation: accounts and organisations.

These run on the owner's connection (:meth:`eventflow.db.Database.owner_connection`) because the
dashboard role, by design, cannot create organisations or organisers.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from sqlalchemy import Connection, text

from eventflow.emails import canonical_email

Role = Literal["owner", "manager", "viewer", "door"]


def ensure_organiser(conn: Connection, email: str, display_name: str, organiser_id: UUID | None = None) -> UUID:
    """The organiser with this e-mail (compared in its canonical form), created when missing."""
    row = conn.execute(
        text(
            """
            INSERT INTO organisers (id, email, display_name)
            VALUES (coalesce(CAST(:organiser_id AS uuid), gen_random_uuid()), :email, :display_name)
            ON CONFLICT (lower(email)) DO UPDATE SET display_name = organisers.display_name
            RETURNING id
            """
        ),
        {"organiser_id": organiser_id, "email": canonical_email(email), "display_name": display_name.strip()},
    ).one()
    return row.id


def ensure_organization(conn: Connection, name: str, organization_id: UUID | None = None) -> UUID:
    """The organisation with this id, or a new one with this name."""
    row = conn.execute(
        text(
            """
            INSERT INTO organizations (id, name)
            VALUES (coalesce(CAST(:organization_id AS uuid), gen_random_uuid()), :name)
            ON CONFLICT (id) DO UPDATE SET name = organizations.name
            RETURNING id
            """
        ),
        {"organization_id": organization_id, "name": name.strip()},
    ).one()
    return row.id


def set_membership(conn: Connection, organization_id: UUID, organiser_id: UUID, role: Role) -> None:
    """Make the organiser a member of the organisation with ``role`` (replacing any other role)."""
    conn.execute(
        text(
            """
            INSERT INTO memberships (organization_id, organiser_id, role)
            VALUES (:organization_id, :organiser_id, :role)
            ON CONFLICT (organization_id, organiser_id) DO UPDATE SET role = EXCLUDED.role
            """
        ),
        {"organization_id": organization_id, "organiser_id": organiser_id, "role": role},
    )


def find_organiser(conn: Connection, email: str) -> UUID | None:
    """The id of the organiser with this e-mail, or ``None``."""
    row = conn.execute(
        text("SELECT id FROM organisers WHERE email = :email"), {"email": canonical_email(email)}
    ).first()
    return row.id if row else None


class AmbiguousOrganisationError(LookupError):
    """Several organisations share the name an administrator gave; the message lists their ids."""


def organisations_named(conn: Connection, name: str) -> list[tuple[UUID, str]]:
    """Every organisation whose name equals ``name`` (ignoring case and extra spaces), oldest first."""
    rows = conn.execute(
        text("SELECT id, name FROM organizations WHERE lower(btrim(name)) = lower(:name) ORDER BY created_at, id"),
        {"name": " ".join(name.split())},
    ).all()
    return [(row.id, row.name) for row in rows]


def organisation_for(conn: Connection, *, name: str | None = None, organization_id: UUID | None = None,
                     create: bool = False) -> tuple[UUID, bool]:
    """The organisation an administrator means: by id, or by a name that only one organisation has.

    A name nobody has yet creates the organisation when ``create`` is set; a name several share is
    refused with their ids (``--organization-id`` picks one). Returns (id, created).
    """
    if organization_id is not None:
        found = conn.execute(text("SELECT id FROM organizations WHERE id = :id"), {"id": organization_id}).first()
        if found is None:
            raise LookupError(f"no organisation with the id {organization_id}")
        return found.id, False
    if not name or not name.strip():
        raise LookupError("name the organisation (--organization NAME or --organization-id ID)")
    matches = organisations_named(conn, name)
    if len(matches) == 1:
        return matches[0][0], False
    if len(matches) > 1:
        listed = ", ".join(f"{found_id} ({found_name})" for found_id, found_name in matches)
        raise AmbiguousOrganisationError(
            f"{len(matches)} organisations are called {name!r}: {listed}. Choose one with --organization-id.")
    if not create:
        raise LookupError(f"no organisation is called {name!r}")
    return ensure_organization(conn, " ".join(name.split())), True
