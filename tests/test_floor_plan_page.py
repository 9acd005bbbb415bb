"""The floor-plan page through AppTest: editors get the tools, viewers a read-only plan."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from eventflow.demo import DEMO_EVENT_ID, DEMO_MANAGER_EMAIL, DEMO_VIEWER_EMAIL

PAGE = "pages/floor_plan.py"


@pytest.fixture
def open_as(open_app, demo_database):
    """The floor-plan page of the demo event, as the organiser with this e-mail (conftest's ``open_app``)."""
    def run(email: str) -> AppTest:
        at = open_app(demo_database, email, PAGE, timeout=60)
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


def _plan_data(at: AppTest) -> dict:
    import json

    found = [node.proto for node in at.get("bidi_component")]
    assert len(found) == 1
    payload = json.loads(found[0].json)
    return payload | json.loads(payload["plan"])  # the drawing travels as a JSON string of its own


def test_managers_get_the_plan_with_editing_walk_ins_and_print(open_as, demo_database):
    at = open_as(DEMO_MANAGER_EMAIL)
    assert at.title[0].value == "Floor plan"
    data = _plan_data(at)
    assert data["edit"] is True and len(data["t"]["n"]) == 44 and len(data["p"]["name"]) == 400
    assert {e["k"] for e in data["e"]} == {"stage", "screen", "entrance", "bar", "vip_zone"}
    # A walk-in: found by name among those without a seat, then the engine's tables, with reasons.
    data = _plan_data(at)
    index, loose = next((index, name) for index, (name, table, flags) in enumerate(zip(
        data["p"]["name"], data["p"]["t"], data["p"]["f"], strict=True)) if table == 0 and not flags & 2)
    at.text_input(key="floor_walk_in_name").input(loose.lower()).run()
    with demo_database.owner_connection() as conn:
        pid = conn.execute(text("SELECT id::text FROM participants WHERE event_id = :e AND full_name = :n"),
                           {"e": DEMO_EVENT_ID, "n": loose}).scalar_one()
    at.radio(key="floor_walk_in").set_value(pid).run()
    assert not at.exception, [e.value for e in at.exception]
    suggested = [t.value for t in at.text if t.value.startswith("Table ")]
    assert suggested and _plan_data(at)["suggest"] and _plan_data(at)["walkin"]


def test_viewers_see_it_read_only(open_as):
    at = open_as(DEMO_VIEWER_EMAIL)
    assert _plan_data(at)["edit"] is False
    assert not any(t.label == "Who arrived?" for t in at.text_input)
    assert any("Read-only" in c.value for c in at.caption)


def test_find_answers_where_someone_sits(open_as):
    at = open_as(DEMO_VIEWER_EMAIL)
    name = _plan_data(at)["p"]["name"][0]
    at.text_input(key="floor_find").input(name.upper()).run()
    assert any(t.value.startswith(f"Where is … {name}") for t in at.text)
