"""Who is using the dashboard, and what role they have in each organisation.

Two ways in:

* **Sign-in** (Streamlit's ``st.login`` with ``[auth]`` in ``.streamlit/secrets.toml``): the
  identity provider vouches for an e-mail; ``eventflow.organiser_for_email`` maps it to an
  organiser. An e-mail nobody registered sees nothing.
* **Local mode** (no sign-in configured): the embedded database runs as the demo owner, or as
  ``EVENTFLOW_LOCAL_ORGANISER``. Against a real server (``DATABASE_URL``) local mode is off
  unless that variable names someone — a shared database is never opened to whoever reaches
  the port. Local mode only runs when Streamlit serves on a loopback address (the project's
  ``.streamlit/config.toml`` sets ``server.address = "127.0.0.1"``): served on every interface,
  whoever reached the port would act as that organiser (issue 9, item 1).

Role checks here only decide what the interface offers; row-level security enforces them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.orm import Session

from eventflow.config import Settings
from eventflow.demo import DEMO_OWNER_EMAIL

Role = Literal["owner", "manager", "viewer"]
Mode = Literal["sign-in", "local", "none"]
EDITING_ROLES: frozenset[str] = frozenset({"owner", "manager"})


@dataclass(frozen=True)
class IdentityClaim:
    """Who the request says it is, before the database has been asked."""

    mode: Mode
    email: str | None
    needs_sign_in: bool = False  # sign-in is configured but nobody has signed in yet
    reason: str = ""
    local_mode_refused: bool = False  # local mode was asked for, but the dashboard is served beyond this computer


@dataclass(frozen=True)
class Membership:
    organization_id: UUID
    organization_name: str
    role: Role

    @property
    def can_edit(self) -> bool:
        return self.role in EDITING_ROLES


@dataclass(frozen=True)
class Identity:
    mode: Mode
    email: str | None
    organiser_id: UUID | None
    display_name: str | None
    memberships: tuple[Membership, ...]
    message: str = ""

    @property
    def known(self) -> bool:
        return self.organiser_id is not None

    def role_in(self, organization_id: UUID | None) -> Role | None:
        for membership in self.memberships:
            if membership.organization_id == organization_id:
                return membership.role
        return None


LOOPBACK = "127.0.0.1"


def is_loopback(address: str | None) -> bool:
    """Whether a Streamlit ``server.address`` serves this computer only (unset means every interface)."""
    host = (address or "").strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # empty (every interface), a host name or a non-loopback address


def local_mode_refusal(address: str | None, email: str) -> str:
    where = f"the address {address}" if address else "every network interface of this computer"
    return (f"Local mode is refused: this dashboard is served on {where}, so anyone who can reach it over "
            f"the network would act as {email} without signing in. To use it on this computer only, start it "
            f"with `streamlit run app.py --server.address 127.0.0.1` (the project's .streamlit/config.toml does "
            f"this when you start it from the project folder). To serve it to others, configure sign-in "
            f"([auth] in .streamlit/secrets.toml; see docs/security.md).")


def claim_identity(settings: Settings, *, sign_in_configured: bool, signed_in_email: str | None,
                   served_on: str | None = LOOPBACK) -> IdentityClaim:
    """Decide, without the database, whose identity this session claims.

    ``served_on`` is Streamlit's effective ``server.address``; local mode needs a loopback one.
    """
    if sign_in_configured:
        if signed_in_email:
            return IdentityClaim("sign-in", signed_in_email.strip())
        return IdentityClaim("sign-in", None, needs_sign_in=True, reason="Please sign in to see your events.")
    local = settings.local_organiser.strip() if settings.local_organiser else DEMO_OWNER_EMAIL if settings.embedded \
        else None
    if local and not is_loopback(served_on):
        return IdentityClaim("none", None, reason=local_mode_refusal(served_on, local), local_mode_refused=True)
    if local:
        return IdentityClaim("local", local)
    return IdentityClaim(
        "none", None,
        reason="Sign-in is not configured for this database. Configure [auth] in .streamlit/secrets.toml, "
               "or name an organiser in EVENTFLOW_LOCAL_ORGANISER for local use.",
    )


def organiser_for_email(session: Session, email: str) -> UUID | None:
    return session.execute(text("SELECT eventflow.organiser_for_email(:email)"), {"email": email}).scalar()


SessionFactory = Callable[[UUID | None], AbstractContextManager[Session]]


def resolve_identity(session_for: SessionFactory, claim: IdentityClaim) -> Identity:
    """Look the claimed e-mail up, then read the organiser's own memberships as that organiser.

    ``session_for(organiser_id)`` opens a tenant-scoped session (``Database.tenant_session``).
    """
    if not claim.email:
        return Identity(claim.mode, None, None, None, (), claim.reason)
    with session_for(None) as session:
        organiser_id = organiser_for_email(session, claim.email)
    if organiser_id is None:
        return Identity(
            claim.mode, claim.email, None, None, (),
            f"{claim.email} is not registered as an organiser. Ask an owner of your organisation to add you.",
        )
    with session_for(organiser_id) as session:
        own = session.execute(
            text("SELECT display_name, email FROM organisers WHERE id = :id"), {"id": organiser_id}
        ).first()
        # Belt and braces: the lookup must name the organiser whose address was claimed, or a
        # faulty lookup would hand one person's organisations to someone else.
        if own is None or own.email.strip().lower() != claim.email.strip().lower():
            return Identity(claim.mode, claim.email, None, None, (),
                            f"{claim.email} could not be matched to an organiser account. "
                            "Ask an administrator to check the sign-in set-up.")
        display_name = own.display_name
        rows = session.execute(
            text(
                """
                SELECT m.organization_id, o.name AS organization_name, m.role
                  FROM memberships AS m
                  JOIN organizations AS o ON o.id = m.organization_id
                 WHERE m.organiser_id = :organiser_id
                 ORDER BY o.name
                """
            ),
            {"organiser_id": organiser_id},
        ).all()
    memberships = tuple(Membership(**row._mapping) for row in rows)
    message = "" if memberships else "You are not a member of any organisation yet."
    return Identity(claim.mode, claim.email, organiser_id, display_name, memberships, message)
