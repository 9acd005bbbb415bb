"""Administrative acts that sit above any one organisation: accounts and organisations.

These run on the owner's connection (:meth:`eventflow.db.Database.owner_connection`) because the
dashboard role, by design, cannot create organisations or organisers.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from sqlalchemy import Connection, text

Role = Literal["owner", "manager", "viewer"]


def ensure_organiser(conn: Connection, email: str, display_name: str, organiser_id: UUID | None = None) -> UUID:
    """The organiser with this e-mail (case-insensitive), created when missing."""
    row = conn.execute(
        text(
            """
            INSERT INTO organisers (id, email, display_name)
            VALUES (coalesce(CAST(:organiser_id AS uuid), gen_random_uuid()), :email, :display_name)
            ON CONFLICT (lower(email)) DO UPDATE SET display_name = organisers.display_name
            RETURNING id
            """
        ),
        {"organiser_id": organiser_id, "email": email.strip(), "display_name": display_name.strip()},
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
        text("SELECT id FROM organisers WHERE lower(email) = lower(:email)"), {"email": email.strip()}
    ).first()
    return row.id if row else None
