"""Creating an organisation from the dashboard (when ``EVENTFLOW_SIGNUP`` is ``open``).

The dashboard role cannot insert organisations or memberships; ``eventflow.create_organization``
(SQL, SECURITY DEFINER) creates one with the signed-in organiser as its owner, and refuses a name
the organiser already belongs to (other organisations' names are never consulted nor revealed).
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from eventflow import text_rules
from eventflow.errors import InputError

ORGANISATION_NAME_MAX = 200


def clean_organisation_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise InputError("The organisation needs a name.")
    if len(cleaned) > ORGANISATION_NAME_MAX:
        raise InputError(f"An organisation name may be at most {ORGANISATION_NAME_MAX} characters.")
    return text_rules.check(cleaned, "the organisation name", error=InputError) or cleaned


def create_organization(session: Session, name: str) -> UUID:
    """A new organisation owned by the signed-in organiser."""
    cleaned = clean_organisation_name(name)
    try:
        with session.begin_nested():
            return session.execute(text("SELECT eventflow.create_organization(:name)"), {"name": cleaned}).scalar_one()
    except DBAPIError as error:
        code = getattr(error.orig, "sqlstate", None)
        if code == "EF002":
            raise InputError(f"You already belong to an organisation called “{cleaned}”. "
                                         "Choose another name.") from None
        if code == "42501":
            raise InputError("Only a signed-in organiser can create an organisation.") from None
        raise
