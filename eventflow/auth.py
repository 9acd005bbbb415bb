"""Who is using the dashboard, and what role they have in each organisation.

Two ways in:

* **Sign-in** (Streamlit's ``st.login``, OpenID Connect, ``[auth]`` in ``.streamlit/secrets.toml``):
  the provider's ID token names an issuer and a subject. ``eventflow.sign_in`` (SQL) finds the
  organiser bound to that pair; at a person's first sign-in it binds the account an administrator
  or an invitation prepared for their *verified* address. Later sign-ins match on issuer +
  subject only, so an address changed at the provider, or a look-alike address, never opens
  someone else's account. An identity whose e-mail the provider did not verify is refused, unless
  ``EVENTFLOW_ACCEPT_UNVERIFIED_EMAIL`` says otherwise (the sidebar then says so).
* **Local mode** (no sign-in configured): the embedded database runs as the demo owner, or as
  ``EVENTFLOW_LOCAL_ORGANISER``. Against a real server (``DATABASE_URL``) local mode is off
  unless that variable names someone. Local mode only runs when Streamlit serves on a loopback
  address (the project's ``.streamlit/config.toml`` sets ``server.address = "127.0.0.1"``): served
  on every interface, whoever reached the port would act as that organiser (issue 9, item 1).
  Local mode is an administrator's choice, so its look-up runs on the owner's connection; the
  dashboard role cannot look up e-mails.

**E-mail addresses** are stored and compared in one canonical form: :func:`canonical_email`,
Unicode NFKC then case folding (so ``Alex@Example.ORG`` and ``alex@example.org`` are one address,
and two accounts can never differ only by a look-alike character). Folding also maps look-alikes
onto plain letters (the Kelvin sign ``K``, U+212A, folds to ``k``), so an address is used to
*claim* an account or an invitation only when it is plain (:func:`is_plain_email`): folding changes
nothing in it but the case of ASCII letters. A provider address with such characters can still
sign in to an account already bound to its issuer + subject, never to one found by address.

Role checks here only decide what the interface offers; row-level security enforces them.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import text

from eventflow.config import Settings
from eventflow.db import Database
from eventflow.demo import DEMO_OWNER_EMAIL
from eventflow.emails import canonical_email, email_problem, is_plain_email  # noqa: F401 (re-exported)

Role = Literal["owner", "manager", "viewer", "door"]
Mode = Literal["sign-in", "local", "none"]
Signup = Literal["open", "invite"]
EDITING_ROLES: frozenset[str] = frozenset({"owner", "manager"})


class SignInConfigurationError(RuntimeError):
    """The sign-in set-up is broken; the dashboard must stop rather than open without sign-in."""


# ---------------------------------------------------------------------------------- settings

@dataclass(frozen=True)
class SignInSettings:
    """``EVENTFLOW_SIGNUP`` (``open``: any verified sign-in may create an organisation; ``invite``:
    only invitations and administrators let people in; default ``invite`` with ``DATABASE_URL``,
    ``open`` on the embedded database) and ``EVENTFLOW_ACCEPT_UNVERIFIED_EMAIL`` (``true`` for
    providers that never send ``email_verified``)."""

    signup: Signup
    accept_unverified_email: bool

    @classmethod
    def from_environment(cls, settings: Settings | None = None) -> SignInSettings:
        settings = settings or Settings.from_environment()
        signup = (os.environ.get("EVENTFLOW_SIGNUP") or ("open" if settings.embedded else "invite")).strip().lower()
        if signup not in ("open", "invite"):
            raise SignInConfigurationError(f"EVENTFLOW_SIGNUP must be 'open' or 'invite', not {signup!r}.")
        unverified = (os.environ.get("EVENTFLOW_ACCEPT_UNVERIFIED_EMAIL") or "false").strip().lower()
        if unverified not in ("true", "false", "1", "0", "yes", "no"):
            raise SignInConfigurationError(
                f"EVENTFLOW_ACCEPT_UNVERIFIED_EMAIL must be true or false, not {unverified!r}.")
        return cls(signup, unverified in ("true", "1", "yes"))  # type: ignore[arg-type]


PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")


def auth_config_problems(section: Mapping[str, Any]) -> list[str]:
    """What is missing from ``[auth]`` for ``st.login`` to work (empty: complete).

    Either one provider (its keys directly in ``[auth]``) or named providers (``[auth.google]``…);
    ``redirect_uri`` and ``cookie_secret`` always sit in ``[auth]``.
    """
    problems = [f"[auth] has no {key}" for key in ("redirect_uri", "cookie_secret")
                if not str(section.get(key) or "").strip()]
    providers = {name: value for name, value in section.items() if isinstance(value, Mapping)}
    if providers:
        for name, provider in providers.items():
            problems += [f"[auth.{name}] has no {key}" for key in PROVIDER_KEYS
                         if not str(provider.get(key) or "").strip()]
    else:
        problems += [f"[auth] has no {key}" for key in PROVIDER_KEYS if not str(section.get(key) or "").strip()]
    return problems


# ---------------------------------------------------------------------------------- identity

@dataclass(frozen=True)
class IdentityClaim:
    """Who the request says it is, before the database has been asked."""

    mode: Mode
    email: str | None  # canonical; in sign-in mode only when it may be used to claim an account
    needs_sign_in: bool = False  # sign-in is configured but nobody has signed in yet
    reason: str = ""
    issuer: str | None = None
    subject: str | None = None
    display_name: str | None = None
    shown_email: str | None = None  # what the provider sent, for messages
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
    may_create_organization: bool = False
    unverified_email_accepted: bool = False

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


def claim_identity(settings: Settings, *, sign_in_configured: bool, user: Mapping[str, Any] | None,
                   accept_unverified_email: bool = False, served_on: str | None = LOOPBACK) -> IdentityClaim:
    """Decide, without the database, whose identity this session claims.

    ``user`` is what the provider's ID token said (``st.user``), or ``None`` before sign-in;
    ``served_on`` is Streamlit's effective ``server.address``; local mode needs a loopback one.
    """
    if sign_in_configured:
        if not user:
            return IdentityClaim("sign-in", None, needs_sign_in=True, reason="Please sign in to see your events.")
        issuer = str(user.get("iss") or "").strip()
        subject = str(user.get("sub") or "").strip()
        raw_email = str(user.get("email") or "").strip()
        name = str(user.get("name") or "").strip() or None
        if not issuer or not subject:
            return IdentityClaim("sign-in", None, reason="The identity provider did not say who you are (no issuer "
                                 "or subject in its answer). Ask an administrator to check the sign-in set-up.")
        verified = user.get("email_verified") is True or str(user.get("email_verified")).lower() == "true"
        if not verified and not accept_unverified_email:
            return IdentityClaim("sign-in", None, shown_email=raw_email or None, reason=(
                f"Your identity provider has not confirmed that {raw_email or 'your e-mail address'} is yours, "
                "so it cannot open an organiser account. Confirm the address with your provider, then sign in again."))
        usable = raw_email if raw_email and email_problem(raw_email) is None else None
        return IdentityClaim("sign-in", canonical_email(usable) if usable else None, issuer=issuer, subject=subject,
                             display_name=name, shown_email=raw_email or None)
    local = canonical_email(settings.local_organiser) if settings.local_organiser else \
        DEMO_OWNER_EMAIL if settings.embedded else None
    if local and not is_loopback(served_on):
        return IdentityClaim("none", None, reason=local_mode_refusal(served_on, local), local_mode_refused=True)
    if local:
        return IdentityClaim("local", local)
    return IdentityClaim(
        "none", None,
        reason="Sign-in is not configured for this database. Configure [auth] in .streamlit/secrets.toml, "
               "or name an organiser in EVENTFLOW_LOCAL_ORGANISER for local use.",
    )


def resolve_identity(database: Database, claim: IdentityClaim, *, signup: Signup = "invite",
                     unverified_email_accepted: bool = False) -> Identity:
    """The organiser the claim belongs to (binding or creating the account at a first sign-in), and
    their memberships, read as that organiser."""
    if claim.mode == "sign-in" and claim.issuer and claim.subject:
        with database.tenant_session(None) as session:
            organiser_id = session.execute(
                text("SELECT eventflow.sign_in(:issuer, :subject, :email, :name, :may_create)"),
                {"issuer": claim.issuer, "subject": claim.subject, "email": claim.email,
                 "name": claim.display_name, "may_create": signup == "open"},
            ).scalar()
    elif claim.mode == "local" and claim.email:
        with database.owner_connection() as conn:
            organiser_id = conn.execute(text("SELECT id FROM organisers WHERE email = :email"),
                                        {"email": claim.email}).scalar()
            if organiser_id is not None:
                conn.execute(text("SELECT eventflow.accept_invitations(:id, :email)"),
                             {"id": organiser_id, "email": claim.email})
    else:
        return Identity(claim.mode, claim.shown_email, None, None, (), claim.reason)
    shown = claim.shown_email or claim.email
    if organiser_id is None:
        return Identity(claim.mode, shown, None, None, (), _no_account_message(claim, signup))
    with database.tenant_session(organiser_id) as session:
        own = session.execute(
            text("SELECT display_name, email FROM organisers WHERE id = :id"), {"id": organiser_id}
        ).one()
        rows = session.execute(
            text(
                """
                SELECT m.organization_id, o.name AS organization_name, m.role
                  FROM memberships AS m
                  JOIN organizations AS o ON o.id = m.organization_id
                 WHERE m.organiser_id = :organiser_id
                 ORDER BY lower(o.name), o.created_at, o.id
                """
            ),
            {"organiser_id": organiser_id},
        ).all()
    memberships = tuple(Membership(**row._mapping) for row in rows)
    may_create = signup == "open"
    if memberships:
        message = ""
    elif may_create:
        message = "You are not a member of any organisation yet. Create one, or ask an owner to invite you."
    else:
        message = (f"You are not a member of any organisation yet. Ask an owner of your organisation to invite "
                   f"{own.email}; the invitation takes effect the next time you sign in.")
    return Identity(claim.mode, own.email, organiser_id, own.display_name, memberships, message,
                    may_create_organization=may_create,
                    unverified_email_accepted=unverified_email_accepted and claim.mode == "sign-in")


def _no_account_message(claim: IdentityClaim, signup: Signup) -> str:
    if claim.mode == "local":
        return (f"{claim.email} is not registered as an organiser. An administrator can add it with "
                f"python -m eventflow organiser add {claim.email}.")
    if claim.email is None and claim.shown_email:
        return (f"{claim.shown_email} contains characters that look like others, so it cannot be matched to an "
                "account or invitation. Ask an administrator to help you sign in.")
    if claim.email is None:
        return "Your identity provider sent no e-mail address, so no account or invitation can be matched."
    return (f"{claim.email} has no access yet. Ask an owner of your organisation to invite this address; the "
            "invitation takes effect the next time you sign in."
            + ("" if signup == "invite" else " (If this address already has an account bound to another sign-in, "
                                             "use that one.)"))
