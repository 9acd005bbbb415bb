"""Who is signed in: the claim (pure) and its resolution against the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from eventflow.auth import claim_identity, resolve_identity
from eventflow.config import Settings
from eventflow.demo import DEMO_OWNER_EMAIL


def _settings(database_url=None, local=None) -> Settings:
    return Settings(database_url, None, None, Path("/tmp/unused"), local, 5)


@pytest.mark.parametrize("database_url, local, configured, email, expected", [
    (None, None, False, None, ("local", DEMO_OWNER_EMAIL)),                  # embedded: the demo owner
    (None, "me@x.test", False, None, ("local", "me@x.test")),
    ("postgresql://db/x", None, False, None, ("none", None)),               # shared database: no local mode
    ("postgresql://db/x", "me@x.test", False, None, ("local", "me@x.test")),
    ("postgresql://db/x", "me@x.test", True, " Signed@X.test ", ("sign-in", "Signed@X.test")),
    (None, None, True, None, ("sign-in", None)),                            # configured, not signed in yet
])
def test_claim(database_url, local, configured, email, expected):
    claim = claim_identity(_settings(database_url, local), sign_in_configured=configured, signed_in_email=email)
    assert (claim.mode, claim.email) == expected
    assert claim.needs_sign_in == (configured and email is None)


def test_organiser_for_email_finds_exactly_that_organiser(world):
    # Guards the SQL lookup itself: an unknown address must find nobody, a known one its owner.
    with world.database.tenant_session(None) as session:
        lookup = session.execute(text("SELECT eventflow.organiser_for_email(:e)"), {"e": "nobody@nowhere.test"})
        assert lookup.scalar() is None
    with world.database.owner_connection() as conn:
        viewer_email = conn.execute(text("SELECT email FROM organisers WHERE id = :id"),
                                    {"id": world.a.viewer}).scalar_one()
    with world.database.tenant_session(None) as session:
        found = session.execute(text("SELECT eventflow.organiser_for_email(:e)"), {"e": viewer_email.upper()})
        assert found.scalar() == world.a.viewer


def test_resolve_gives_memberships_and_roles(world):
    with world.database.owner_connection() as conn:
        email = conn.execute(text("SELECT email FROM organisers WHERE id = :id"), {"id": world.a.viewer}).scalar_one()
    identity = resolve_identity(world.database.tenant_session, claim_identity(
        _settings(local=email), sign_in_configured=False, signed_in_email=None))
    assert identity.organiser_id == world.a.viewer
    assert [(m.organization_id, m.role, m.can_edit) for m in identity.memberships] == [(world.a.id, "viewer", False)]


def test_unknown_email_sees_nothing_and_is_told(world):
    identity = resolve_identity(world.database.tenant_session, claim_identity(
        _settings(), sign_in_configured=True, signed_in_email="stranger@example.test"))
    assert identity.organiser_id is None and identity.memberships == ()
    assert "stranger@example.test" in identity.message


def test_outsider_without_membership(world):
    with world.database.owner_connection() as conn:
        email = conn.execute(text("SELECT email FROM organisers WHERE id = :id"), {"id": world.outsider}).scalar_one()
    identity = resolve_identity(world.database.tenant_session, claim_identity(
        _settings(local=email), sign_in_configured=False, signed_in_email=None))
    assert identity.known and identity.memberships == () and "not a member" in identity.message
