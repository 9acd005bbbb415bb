"""Pages never issue one query per row: the number of statements a page run sends does not grow
with the size of the event (the 400-person demo conference against the 60-person partner day)."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from eventflow.demo import DEMO_OWNER_EMAIL, OTHER_OWNER_EMAIL
from tests.conftest import statements_of_page_run

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = ["pages/overview.py", "pages/seating_editor.py", "pages/auto_seat.py", "pages/tables.py", "pages/participants.py",
         "pages/track_distribution.py", "pages/event_settings.py", "pages/history.py", "pages/floor_plan.py"]


def _statements_for(database, monkeypatch, email: str, page: str) -> int:
    monkeypatch.setenv("EVENTFLOW_LOCAL_ORGANISER", email)
    st.cache_data.clear()  # every read goes to the database
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return len(statements_of_page_run(database, at, page))


@pytest.mark.parametrize("page", PAGES)
def test_queries_per_page_do_not_grow_with_the_event(demo_database, as_default_database, monkeypatch, page) -> None:
    as_default_database(demo_database)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    large = _statements_for(demo_database, monkeypatch, DEMO_OWNER_EMAIL, page)     # 400 participants
    small = _statements_for(demo_database, monkeypatch, OTHER_OWNER_EMAIL, page)    # 60 participants
    assert large == small
    assert 0 < large < 40  # a handful per section, not one per person or table
