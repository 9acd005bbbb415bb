"""Creating an organisation from the dashboard, and how administrators name one."""

from __future__ import annotations

import uuid

import pytest

from eventflow import admin, organisations
from eventflow.errors import InputError
from tests.test_auth import _sign_in, _user


def test_a_new_person_creates_an_organisation_and_owns_it(world):
    person = _sign_in(world.database, _user(f"n-{uuid.uuid4().hex[:6]}", f"n.{uuid.uuid4().hex[:6]}@x.test"),
                      signup="open")
    name = f"Gamma {uuid.uuid4().hex[:6]}"
    with world.database.tenant_session(person.organiser_id) as s:
        created = organisations.create_organization(s, f"  {name}  ")
        with pytest.raises(InputError, match="already belong to an organisation called"):
            organisations.create_organization(s, name.upper())
    with world.database.owner_connection() as conn:
        assert admin.organisations_named(conn, name) == [(created, name)]
    # Another person may use the same name: other organisations' names are not theirs to know.
    other = _sign_in(world.database, _user(f"o-{uuid.uuid4().hex[:6]}", f"o.{uuid.uuid4().hex[:6]}@x.test"),
                     signup="open")
    with world.database.tenant_session(other.organiser_id) as s:
        organisations.create_organization(s, name)


@pytest.mark.parametrize("bad, words", [("", "needs a name"), ("   ", "needs a name"), ("x" * 201, "at most 200"),
                                        ("Evil\u202eCorp", "invisible")])
def test_bad_names_are_refused(world, bad, words):
    with world.database.tenant_session(world.outsider) as s, pytest.raises(InputError, match=words):
        organisations.create_organization(s, bad)


def test_nobody_signed_in_cannot_create_one(world):
    with world.database.tenant_session(None) as s, pytest.raises(InputError, match="signed-in"):
        organisations.create_organization(s, "Ghost Org")


def test_administrators_choose_organisations_by_id_when_names_repeat(world):
    name = f"Twin {uuid.uuid4().hex[:6]}"
    with world.database.owner_connection() as conn:
        first, created = admin.organisation_for(conn, name=name, create=True)
        assert created
        assert admin.organisation_for(conn, name=name.lower(), create=True) == (first, False)  # no second one
        second = admin.ensure_organization(conn, name)
        with pytest.raises(admin.AmbiguousOrganisationError, match=str(second)):
            admin.organisation_for(conn, name=name, create=True)
        assert admin.organisation_for(conn, organization_id=second) == (second, False)
