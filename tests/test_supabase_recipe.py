"""The Supabase recipe of docs/scaling.md, run as written on a simulated Supabase (issue 9, item 12).

Supabase's API (PostgREST) runs each request as the role ``authenticated`` with the verified JWT's
claims in the transaction-local setting ``request.jwt.claims``; Supabase Auth keeps users in
``auth.users``. Both are simulated here (a NOLOGIN role, a table with the columns the recipe reads),
and the recipe's SQL is taken from the document itself, so the two cannot drift apart.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from eventflow.db import Database, libpq_url
from tests.conftest import Organisation, make_organisation

DOC = Path(__file__).resolve().parent.parent / "docs" / "scaling.md"

SUPABASE = """
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticated') THEN
        CREATE ROLE authenticated NOLOGIN NOINHERIT;
    END IF;
END $$;
CREATE SCHEMA auth;
CREATE TABLE auth.users (id uuid PRIMARY KEY, email text, email_confirmed_at timestamptz,
                         is_anonymous boolean NOT NULL DEFAULT false);
"""


def recipe_sql() -> str:
    """The SQL block of docs/scaling.md that starts with the recipe's marker comment, unindented."""
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(), flags=re.S)
    recipe = [b for b in blocks if "-- Supabase recipe" in b]
    assert len(recipe) == 1, "docs/scaling.md holds exactly one Supabase recipe block"
    return "\n".join(line[2:] if line.startswith("  ") else line for line in recipe[0].splitlines())


@dataclass
class Supabase:
    database: Database
    a: Organisation
    b: Organisation
    users: dict[str, uuid.UUID]  # label -> auth.users id

    def owner_email(self, organisation: Organisation) -> str:
        with self.database.owner_connection() as conn:
            return conn.execute(text("SELECT email FROM organisers WHERE id = :id"), {"id": organisation.owner}).scalar()

    def claims(self, label: str, **extra: object) -> dict:
        with self.database.owner_connection() as conn:
            email = conn.execute(text("SELECT email FROM auth.users WHERE id = :id"), {"id": self.users[label]}).scalar()
        return {"sub": str(self.users[label]), "email": email, "role": "authenticated", "aud": "authenticated",
                **extra}

    def api_request(self, claims: dict | None, organiser_setting: uuid.UUID | None = None) -> tuple:
        """As PostgREST runs a request: role authenticated, the JWT's claims set for the transaction.
        Returns who the policies see as the organiser, and the events they let through."""
        with self.database.owner_connection() as conn:
            conn.execute(text("SET LOCAL ROLE authenticated"))
            if claims is not None:
                conn.execute(text("SELECT set_config('request.jwt.claims', :c, true)"), {"c": json.dumps(claims)})
            if organiser_setting is not None:
                conn.execute(text("SELECT set_config('eventflow.organiser_id', :o, true)"), {"o": str(organiser_setting)})
            who = conn.execute(text("SELECT eventflow.current_organiser_id()")).scalar()
            events = set(conn.execute(text("SELECT id FROM events")).scalars())
        return who, events


@pytest.fixture
def supabase(fresh_database: Database) -> Iterator[Supabase]:
    a, b = make_organisation(fresh_database, "Alpha"), make_organisation(fresh_database, "Beta")
    # psycopg directly: without parameters it leaves format()'s %I and %s in the recipe alone.
    with psycopg.connect(libpq_url(fresh_database.owner_url)) as raw:
        raw.execute(SUPABASE)
        raw.execute(recipe_sql())
    with fresh_database.owner_connection() as conn:
        emails = {o: conn.execute(text("SELECT email FROM organisers WHERE id = :id"), {"id": o}).scalar()
                  for o in (a.owner, b.owner)}
        users = {}
        for label, email, confirmed, anonymous in (
                ("alpha", emails[a.owner], True, False), ("beta", emails[b.owner], True, False),
                ("alpha-unconfirmed", emails[a.owner].upper(), False, False),
                ("alpha-anonymous", emails[a.owner].title(), True, True)):
            users[label] = conn.execute(text(
                "INSERT INTO auth.users (id, email, email_confirmed_at, is_anonymous) "
                "VALUES (gen_random_uuid(), :email, CASE WHEN :confirmed THEN now() END, :anonymous) RETURNING id"),
                {"email": email, "confirmed": confirmed, "anonymous": anonymous}).scalar()
    yield Supabase(fresh_database, a, b, users)


def test_a_confirmed_user_sees_their_own_organisation_only(supabase: Supabase) -> None:
    who, events = supabase.api_request(supabase.claims("alpha"))
    assert who == supabase.a.owner
    assert events == {supabase.a.event_id}


def test_the_jwt_takes_precedence_over_the_apps_setting(supabase: Supabase) -> None:
    # An API client that managed to set eventflow.organiser_id to B's owner stays A's owner.
    who, events = supabase.api_request(supabase.claims("alpha"), organiser_setting=supabase.b.owner)
    assert who == supabase.a.owner
    assert events == {supabase.a.event_id}


def test_without_a_jwt_the_apps_setting_does_not_count_for_api_users(supabase: Supabase) -> None:
    assert supabase.api_request(None, organiser_setting=supabase.b.owner) == (None, set())


@pytest.mark.parametrize("label, extra", [
    ("alpha-unconfirmed", {}),                                                   # e-mail never confirmed
    ("alpha-unconfirmed", {"email_verified": True,                               # claims it anyway
                           "user_metadata": {"email_verified": True}}),
    ("alpha-anonymous", {"is_anonymous": False}),                                # anonymous sign-in
    ("alpha", {"role": "anon"}),                                                 # not an authenticated request
    ("alpha", {"email": "someone.else@example.test"}),                           # address changed since the token
    ("alpha", {"sub": str(uuid.uuid4())}),                                       # no such user
])
def test_unverified_or_foreign_tokens_see_nothing(supabase: Supabase, label: str, extra: dict) -> None:
    assert supabase.api_request(supabase.claims(label, **extra)) == (None, set())


def test_the_dashboard_ignores_any_jwt_and_uses_its_own_setting(supabase: Supabase) -> None:
    db = supabase.database
    with db.tenant_session(supabase.a.owner) as s:  # also passes the start-up check after the recipe
        s.execute(text("SELECT set_config('request.jwt.claims', :c, true)"),
                  {"c": json.dumps(supabase.claims("beta"))})
        assert s.execute(text("SELECT eventflow.current_organiser_id()")).scalar() == supabase.a.owner
        assert set(s.execute(text("SELECT id FROM events")).scalars()) == {supabase.a.event_id}


def test_the_recipe_function_is_pinned_and_not_public(supabase: Supabase) -> None:
    with supabase.database.owner_connection() as conn:
        definer, config, public = conn.execute(text(
            "SELECT prosecdef, proconfig, has_function_privilege('public', oid, 'EXECUTE') FROM pg_proc "
            "WHERE oid = 'eventflow.current_organiser_id()'::regprocedure")).one()
    assert definer and any(c.startswith("search_path=") for c in config) and not public
