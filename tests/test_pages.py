"""Every page through Streamlit's AppTest, on the demo data, as owner, viewer and strangers."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from eventflow.demo import DEMO_EVENT_ID, DEMO_MANAGER_EMAIL, DEMO_OWNER_EMAIL, DEMO_VIEWER_EMAIL, OTHER_OWNER_EMAIL
from tests.conftest import app_pages

SAVE_LABELS = ("Save changes", "Save table changes", "Save details", "Add tables", "Add track", "Import",
               "Check in", "Remove")


@pytest.fixture
def app(demo_database, open_app):
    """An AppTest factory on the shared demo, as the organiser with the given e-mail (local mode)."""
    return lambda email, page=None: open_app(demo_database, email, page, timeout=60)


def _labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button] + [b.label for b in at.get("form_submit_button")]


def _hand_count(database, sql: str) -> int:
    with database.owner_connection() as conn:
        return conn.execute(text(sql), {"event": DEMO_EVENT_ID}).scalar_one()


@pytest.mark.parametrize("page", app_pages("owner"))
def test_every_page_renders_for_the_owner(app, page):
    at = app(DEMO_OWNER_EMAIL, page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "each page has a title"


@pytest.mark.parametrize("page", app_pages("viewer"))
def test_viewers_see_every_page_without_save_buttons(app, page):
    at = app(DEMO_VIEWER_EMAIL, page)
    assert not at.exception, [e.value for e in at.exception]
    shown = _labels(at)
    enabled = [b.label for b in at.button if not b.disabled]
    assert not [label for label in enabled if label.startswith(SAVE_LABELS)], shown
    assert "Save changes" not in shown


def test_managers_get_the_save_button(app):
    at = app(DEMO_MANAGER_EMAIL, "pages/seating_editor.py")
    assert "Save changes" in _labels(at)


def test_overview_matches_hand_counted_demo(app, demo_database):
    expected = {
        "Participants": _hand_count(demo_database, "SELECT count(*) FROM participants WHERE event_id = :event"),
        "Seated": _hand_count(demo_database, "SELECT count(*) FROM table_assignments WHERE event_id = :event"),
        "Checked in": _hand_count(demo_database, "SELECT count(*) FROM participants WHERE event_id = :event "
                                                 "AND checked_in_at IS NOT NULL"),
    }
    expected["Unseated"] = expected["Participants"] - expected["Seated"]
    at = app(DEMO_OWNER_EMAIL)
    metrics = {m.label: m.value for m in at.metric}
    for label, value in expected.items():
        assert metrics[label] == str(value), label
    assert "EventFlow Summit 2026" in at.title[0].value
    assert "Congress Centre, Hall B" in at.caption[0].value


def test_unknown_local_organiser_sees_no_data(app):
    at = app("nobody@nowhere.test")
    assert not at.exception
    # (ui.plain puts an invisible word joiner before the @ so the address is not made a mailto link)
    assert any("nobody@nowhere.test" in w.value.replace("\u2060", "") for w in at.warning)
    assert not at.metric
    assert not at.sidebar.selectbox  # no organisation or event picker


def test_other_organisation_sees_only_its_own_events(app):
    at = app(OTHER_OWNER_EMAIL)
    organisations = at.sidebar.selectbox(key="organisation_pick").options
    assert len(organisations) == 1 and "Northwind" in organisations[0]
    assert [o for o in at.sidebar.selectbox(key="event_pick").options] == ["Northwind Partner Day (15 Dec 2026)"]
    assert "Northwind Partner Day" in at.title[0].value


def test_local_mode_is_labelled(app):
    at = app(DEMO_OWNER_EMAIL)
    assert any("Local mode" in w.value for w in at.sidebar.warning)


def test_external_database_without_sign_in_or_local_organiser_shows_nothing(app, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://unused.invalid/eventflow")
    at = app(None)
    assert not at.exception
    assert any("Sign-in is not configured" in i.value for i in [*at.info, *at.warning])
    assert not at.metric
