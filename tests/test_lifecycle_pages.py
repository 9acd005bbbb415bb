"""The Welcome, Events and Members pages through Streamlit's AppTest (local mode), on a demo
database of this module's own: a new organiser creates an organisation, events are created,
archived, restored and deleted, and owners invite colleagues."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from eventflow import admin, ui
from eventflow.demo import DEMO_MANAGER_EMAIL, DEMO_ORGANIZATION_ID, DEMO_OWNER_EMAIL, DEMO_VIEWER_EMAIL

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def app(own_demo_database, open_app, monkeypatch):
    """conftest's ``open_app`` on this module's own demo, with the sign-up policy to test."""
    def open_as(email: str, page: str | None = None, signup: str = "invite") -> AppTest:
        monkeypatch.setenv("EVENTFLOW_SIGNUP", signup)
        at = open_app(own_demo_database, email, page)
        assert not at.exception, [e.value for e in at.exception]
        return at

    return open_as


def _submit(at: AppTest, label: str) -> AppTest:
    next(b for b in at.get("form_submit_button") if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _scalar(database, sql: str, **params):
    with database.owner_connection() as conn:
        return conn.execute(text(sql), params).scalar()


def test_a_person_without_organisation_creates_one_when_signup_is_open(app, own_demo_database):
    email = f"new.{uuid.uuid4().hex[:6]}@example.test"
    with own_demo_database.owner_connection() as conn:
        admin.ensure_organiser(conn, email, "Newcomer")
    closed = app(email)
    assert closed.title[0].value == "Welcome to EventFlow Seating"
    assert not any(b.label == "Create organisation" for b in closed.get("form_submit_button"))
    assert any("member add" in c.value for c in closed.code)  # what to ask an administrator
    at = app(email, signup="open")
    at.text_input[0].input("  Newcomer   Events ")
    _submit(at, "Create organisation")
    assert _scalar(own_demo_database, "SELECT o.name FROM organizations o JOIN memberships m "
                   "ON m.organization_id = o.id JOIN organisers p ON p.id = m.organiser_id "
                   "WHERE p.email = :e AND m.role = 'owner'", e=email) == "Newcomer Events"
    # Next time in, the new owner lands on the Events page of their organisation, ready for a first event.
    again = app(email, signup="open")
    assert [t.value for t in again.title] == ["Events"]
    assert "Newcomer Events · you are owner" in again.caption[0].value


def test_events_page_creates_archives_restores_and_deletes(app, own_demo_database):
    at = app(DEMO_OWNER_EMAIL, "pages/events.py")
    name = f"Spring Forum {uuid.uuid4().hex[:4]}"
    next(t for t in at.text_input if t.label == "Event name").input(name)
    next(t for t in at.text_input if t.label == "Venue").input("Hall <b>7</b>")
    at.text_area[0].input("Data\nCloud")
    _submit(at, "Create event")
    event_id = _scalar(own_demo_database, "SELECT id FROM events WHERE name = :n", n=name)
    assert _scalar(own_demo_database, "SELECT count(*) FROM tracks WHERE event_id = :e", e=event_id) == 2
    assert _scalar(own_demo_database, "SELECT venue FROM events WHERE id = :e", e=event_id) == "Hall <b>7</b>"
    at.run()

    at.button(key=f"archive_{event_id}").click().run()
    at.run()
    assert _scalar(own_demo_database, "SELECT archived_at IS NOT NULL FROM events WHERE id = :e", e=event_id)
    at.button(key=f"restore_{event_id}").click().run()
    at.run()
    assert not _scalar(own_demo_database, "SELECT archived_at IS NOT NULL FROM events WHERE id = :e", e=event_id)

    at.text_input(key=f"confirm_{event_id}").input("wrong name")
    at.button(key=f"delete_{event_id}").click().run()
    assert any("type the event's name exactly" in e.value for e in at.error)
    at.text_input(key=f"confirm_{event_id}").input(name)
    at.button(key=f"delete_{event_id}").click().run()
    assert _scalar(own_demo_database, "SELECT count(*) FROM events WHERE id = :e", e=event_id) == 0


def test_managers_create_but_do_not_delete_and_viewers_only_look(app):
    manager = app(DEMO_MANAGER_EMAIL, "pages/events.py")
    assert any(b.label == "Create event" for b in manager.get("form_submit_button"))
    assert not [b for b in manager.button if b.key and b.key.startswith("delete_")]
    viewer = app(DEMO_VIEWER_EMAIL, "pages/events.py")
    assert not viewer.get("form_submit_button")
    assert not [b for b in viewer.button if b.key and b.key.startswith(("archive_", "delete_"))]


def test_members_page_invites_and_records_it(app, own_demo_database):
    at = app(DEMO_OWNER_EMAIL, "pages/members.py")
    address = f"colleague.{uuid.uuid4().hex[:6]}@example.test"
    next(t for t in at.text_input if t.label == "E-mail address").input(address)
    _submit(at, "Send invitation")
    assert _scalar(own_demo_database, "SELECT role FROM invitations WHERE email = :e AND organization_id = :o",
                   e=address, o=DEMO_ORGANIZATION_ID) == "manager"
    next(t for t in at.text_input if t.label == "E-mail address").input("not an address")
    _submit(at, "Send invitation")
    assert any(ui.plain("not an e-mail") in e.value for e in at.error)  # shown as text, escaped


def test_only_owners_get_the_members_page(app):
    manager = app(DEMO_MANAGER_EMAIL)
    with pytest.raises(Exception):  # noqa: B017 - not in the navigation: AppTest cannot switch to it
        manager.switch_page("pages/members.py").run()
        assert manager.title[0].value != "Members"


def test_an_incomplete_auth_section_stops_the_app_instead_of_local_mode(own_demo_database, as_default_database,
                                                                         monkeypatch):
    as_default_database(own_demo_database)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 40,
                          "client_id": "eventflow", "server_metadata_url": "https://idp.example/.well-known"}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Sign-in is configured but incomplete: [auth] has no client_secret" in e.value for e in at.error)
    assert not at.title and "Local mode" not in str(at.sidebar)  # nothing opened


def test_a_secrets_file_that_cannot_be_read_stops_the_app(own_demo_database, as_default_database, monkeypatch,
                                                          tmp_path):
    broken = tmp_path / "secrets.toml"
    broken.write_text("[auth\nredirect_uri = ", encoding="utf-8")
    real_get_option = st.get_option
    monkeypatch.setattr(st, "get_option",
                        lambda key: [str(broken)] if key == "secrets.files" else real_get_option(key))
    as_default_database(own_demo_database)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(f"The secrets file {broken} cannot be read" in e.value for e in at.error)
    assert not at.title
