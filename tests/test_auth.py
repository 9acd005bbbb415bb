"""Who is signed in: the claim (pure), e-mail canonical form, and sign-in against the database
(binding to issuer + subject, look-alike addresses, invitations, self sign-up)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from eventflow import admin, members
from eventflow.auth import (
    SignInConfigurationError,
    SignInSettings,
    auth_config_problems,
    canonical_email,
    claim_identity,
    is_plain_email,
    resolve_identity,
)
from eventflow.config import Settings
from eventflow.demo import DEMO_OWNER_EMAIL

ISSUER = "http://127.0.0.1:9455"
KELVIN = "\u212a"


def _settings(database_url=None, local=None) -> Settings:
    return Settings(database_url, None, None, Path("/tmp/unused"), local, 5)


def _user(sub: str, email: str | None, verified=True, name: str | None = None, iss: str = ISSUER) -> dict:
    return {"iss": iss, "sub": sub, "email": email, "email_verified": verified, "name": name}


def _sign_in(database, user: dict, signup="invite", accept_unverified=False):
    claim = claim_identity(_settings("postgresql://db/x"), sign_in_configured=True, user=user,
                           accept_unverified_email=accept_unverified)
    return resolve_identity(database, claim, signup=signup, unverified_email_accepted=accept_unverified)


def _email_of(database, organiser) -> str:
    with database.owner_connection() as conn:
        return conn.execute(text("SELECT email FROM organisers WHERE id = :id"), {"id": organiser}).scalar_one()


# --------------------------------------------------------------------------- pure decisions

@pytest.mark.parametrize("database_url, local, configured, user, expected", [
    (None, None, False, None, ("local", DEMO_OWNER_EMAIL)),                  # embedded: the demo owner
    (None, "Me@X.test", False, None, ("local", "me@x.test")),
    ("postgresql://db/x", None, False, None, ("none", None)),               # shared database: no local mode
    ("postgresql://db/x", "me@x.test", False, None, ("local", "me@x.test")),
    ("postgresql://db/x", "me@x.test", True, _user("s1", " Signed@X.test "), ("sign-in", "signed@x.test")),
    (None, None, True, None, ("sign-in", None)),                            # configured, not signed in yet
])
def test_claim(database_url, local, configured, user, expected):
    claim = claim_identity(_settings(database_url, local), sign_in_configured=configured, user=user)
    assert (claim.mode, claim.email) == expected
    assert claim.needs_sign_in == (configured and user is None)


def test_an_unverified_email_is_refused_unless_the_setting_relaxes_it():
    refused = claim_identity(_settings(), sign_in_configured=True, user=_user("s", "a@x.test", verified=False))
    assert refused.email is None and refused.issuer is None and "not confirmed" in refused.reason
    missing = claim_identity(_settings(), sign_in_configured=True, user=_user("s", "a@x.test", verified=None))
    assert missing.issuer is None
    relaxed = claim_identity(_settings(), sign_in_configured=True, user=_user("s", "a@x.test", verified=False),
                             accept_unverified_email=True)
    assert (relaxed.email, relaxed.subject) == ("a@x.test", "s")


def test_canonical_form_is_nfkc_then_casefold_and_look_alikes_are_not_plain():
    assert canonical_email("  Alex@Example.ORG ") == "alex@example.org"
    assert canonical_email(f"{KELVIN}elly@x.test") == "kelly@x.test"           # Kelvin sign folds to k
    assert canonical_email("ｆｕｌｌ@x.test") == "full@x.test"                  # full-width letters
    assert is_plain_email("Alex@Example.ORG")
    assert not is_plain_email(f"{KELVIN}elly@x.test")
    assert not is_plain_email("ｆｕｌｌ@x.test")
    assert not is_plain_email("Straße@x.test")                               # ß folds to ss
    # A look-alike address is kept out of any account look-up.
    claim = claim_identity(_settings(), sign_in_configured=True, user=_user("s", f"{KELVIN}elly@x.test"))
    assert claim.email is None and claim.subject == "s"


def test_auth_section_must_be_complete():
    complete = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                "client_id": "id", "client_secret": "secret", "server_metadata_url": "https://idp/.well-known"}
    assert auth_config_problems(complete) == []
    assert auth_config_problems({**complete, "client_secret": ""}) == ["[auth] has no client_secret"]
    named = {"redirect_uri": "u", "cookie_secret": "c", "google": {"client_id": "i", "client_secret": "s"}}
    assert auth_config_problems(named) == ["[auth.google] has no server_metadata_url"]


def test_signup_setting(monkeypatch):
    monkeypatch.delenv("EVENTFLOW_SIGNUP", raising=False)
    assert SignInSettings.from_environment(_settings("postgresql://db/x")).signup == "invite"
    assert SignInSettings.from_environment(_settings()).signup == "open"
    monkeypatch.setenv("EVENTFLOW_SIGNUP", "everyone")
    with pytest.raises(SignInConfigurationError, match="open' or 'invite"):
        SignInSettings.from_environment(_settings())


# ----------------------------------------------------------------------------- the database

def test_the_app_role_can_no_longer_look_up_an_email(world):
    with pytest.raises(DBAPIError), world.database.tenant_session(None) as session:
        session.execute(text("SELECT eventflow.organiser_for_email('x@y.test')"))


def test_first_sign_in_binds_and_later_ones_match_on_issuer_and_subject(world):
    email = _email_of(world.database, world.a.manager)
    first = _sign_in(world.database, _user("manager-sub", email.upper(), name="Mona"))
    assert first.organiser_id == world.a.manager
    assert [m.role for m in first.memberships] == ["manager"]
    # The address changed at the provider: still the same person.
    moved = _sign_in(world.database, _user("manager-sub", "new.address@elsewhere.test"))
    assert moved.organiser_id == world.a.manager
    # Someone else whom the provider now gives the old address: not this account.
    other = _sign_in(world.database, _user("somebody-else", email), signup="open")
    assert other.organiser_id is None
    # Same subject at another issuer: another identity.
    assert _sign_in(world.database, _user("manager-sub", "z@z.test", iss="https://other.example")).organiser_id is None


def test_a_look_alike_address_never_opens_an_account(world):
    with world.database.owner_connection() as conn:
        victim = admin.ensure_organiser(conn, f"kelly.{uuid.uuid4().hex[:6]}@example.test", "Kelly")
        admin.set_membership(conn, world.a.id, victim, "owner")
    address = _email_of(world.database, victim)
    look_alike = KELVIN + address[1:]
    assert canonical_email(look_alike) == address
    for signup in ("invite", "open"):
        identity = _sign_in(world.database, _user("mallory", look_alike), signup=signup)
        assert identity.organiser_id is None and identity.memberships == ()
        assert "look like others" in identity.message
    # The real person still claims their account afterwards.
    assert _sign_in(world.database, _user("kelly", address)).organiser_id == victim


def test_invitation_is_accepted_at_sign_in_with_the_verified_address(world):
    address = f"colleague.{uuid.uuid4().hex[:6]}@example.test"
    with world.database.tenant_session(world.a.owner) as session:
        members.invite(session, world.a.id, address.upper(), "manager")
    # Not verified: nothing.
    assert _sign_in(world.database, _user("colleague", address, verified=False)).organiser_id is None
    joined = _sign_in(world.database, _user("colleague", address, name="Cole League"))
    assert joined.display_name == "Cole League"
    assert [(m.organization_id, m.role) for m in joined.memberships] == [(world.a.id, "manager")]
    with world.database.tenant_session(world.a.owner) as session:
        assert members.list_invitations(session, world.a.id) == []
        history = members.membership_history(session, world.a.id)
    assert (history[0].action, history[0].email, history[0].via) == ("joined", address, "sign-in")


def test_self_sign_up_only_when_open(world):
    stranger = _user(f"new-{uuid.uuid4().hex[:6]}", f"new.{uuid.uuid4().hex[:6]}@example.test")
    closed = _sign_in(world.database, stranger, signup="invite")
    assert closed.organiser_id is None and "Ask an owner" in closed.message
    opened = _sign_in(world.database, stranger, signup="open")
    assert opened.known and opened.memberships == () and opened.may_create_organization


def test_resolve_gives_memberships_and_roles_in_local_mode(world):
    email = _email_of(world.database, world.a.viewer)
    identity = resolve_identity(world.database, claim_identity(_settings(local=email), sign_in_configured=False,
                                                               user=None))
    assert identity.organiser_id == world.a.viewer
    assert [(m.organization_id, m.role, m.can_edit) for m in identity.memberships] == [(world.a.id, "viewer", False)]


def test_unknown_local_email_sees_nothing_and_is_told(world):
    identity = resolve_identity(world.database, claim_identity(_settings(local="stranger@example.test"),
                                                               sign_in_configured=False, user=None))
    assert identity.organiser_id is None and identity.memberships == ()
    assert "stranger@example.test" in identity.message


def test_outsider_without_membership(world):
    email = _email_of(world.database, world.outsider)
    identity = resolve_identity(world.database, claim_identity(_settings(local=email), sign_in_configured=False,
                                                               user=None))
    assert identity.known and identity.memberships == () and "not a member" in identity.message
