"""The Auto-seat page through AppTest, on a demo database of its own (applying a plan changes it)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from eventflow.db import Database
from eventflow.demo import DEMO_EVENT_ID, DEMO_MANAGER_EMAIL, DEMO_OWNER_EMAIL, DEMO_VIEWER_EMAIL

PAGE = "pages/auto_seat.py"


@pytest.fixture
def open_page(own_demo_database, open_app):
    def open_as(email: str, page: str | None = PAGE) -> AppTest:
        return open_app(own_demo_database, email, page)

    return open_as


def _count(database: Database, sql: str) -> int:
    with database.owner_connection() as conn:
        return conn.execute(text(sql), {"e": DEMO_EVENT_ID}).scalar_one()


@pytest.mark.parametrize("email", [DEMO_OWNER_EMAIL, DEMO_MANAGER_EMAIL])
def test_the_page_renders_for_owners_and_managers(open_page, email):
    at = open_page(email)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Auto-seat"
    assert "Preview" in [b.label for b in at.button]
    assert any(s.value == "Who to meet" for s in at.subheader)
    assert not at.dataframe, "who-to-meet is computed only on request"
    at.toggle(key="autoseat_show_meet").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.dataframe, "the who-to-meet table"
    assert at.dataframe[0].value.shape[0] > 0


def test_viewers_have_no_auto_seat_page(open_page):
    at = open_page(DEMO_VIEWER_EMAIL, page=None)
    assert not at.exception
    # The viewer's navigation has no such page, so switching to it is refused by Streamlit.
    with pytest.raises(Exception, match="auto_seat"):
        at.switch_page(PAGE).run()
    owner = open_page(DEMO_OWNER_EMAIL, page=None)
    owner.switch_page(PAGE).run()
    assert not owner.exception and owner.title[0].value == "Auto-seat"


def test_preview_then_apply_through_the_page_changes_the_database(open_page, own_demo_database):
    """The demo as it comes: a plan for everyone, previewed, then applied."""
    manager_seats = "SELECT count(*) FROM table_assignments WHERE event_id = :e AND assigned_by = 'manager'"
    pinned_before = _count(own_demo_database, manager_seats)
    seated_before = _count(own_demo_database, "SELECT count(*) FROM table_assignments WHERE event_id = :e")
    at = open_page(DEMO_MANAGER_EMAIL)
    at.number_input(key="autoseat_time_limit").set_value(3).run()
    at.button(key="autoseat_preview").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Newly seated"]) == 400 - seated_before
    assert _count(own_demo_database, "SELECT count(*) FROM table_assignments WHERE event_id = :e") == seated_before

    at.button(key="autoseat_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert _count(own_demo_database, "SELECT count(*) FROM table_assignments WHERE event_id = :e") == 400
    assert _count(own_demo_database, manager_seats) == pinned_before  # seats set by hand stay theirs
    assert _count(own_demo_database, "SELECT count(*) FROM assignment_history WHERE event_id = :e "
                              "AND change_kind = 'auto-seat'") >= 400 - seated_before
    assert "autoseat_apply" not in [b.key for b in at.button], "the preview is cleared after applying"
    # The confirmation is shown by app.py on the next run (AppTest's switch_page runs a page without
    # app.py, so go through app.py as the browser does after st.rerun()), and only once.
    at.switch_page("app.py").run()
    assert any(s.value.startswith("Plan applied:") and "newly seated" in s.value for s in at.success), \
        [s.value for s in at.success]
    at.run()
    assert not at.exception and not any(s.value.startswith("Plan applied:") for s in at.success)


def test_late_registrations_beyond_the_seats_get_a_partial_plan_that_writes_nothing_until_applied(open_page, own_demo_database):
    # 30 late registrations: 405 people who may not sit at a VIP table, 400 seats outside them.
    with own_demo_database.owner_connection() as conn:
        conn.execute(text("INSERT INTO participants (event_id, full_name) "
                          "SELECT :e, 'Late guest ' || n FROM generate_series(1, 30) AS n"), {"e": DEMO_EVENT_ID})
    seated_before = _count(own_demo_database, "SELECT count(*) FROM table_assignments WHERE event_id = :e")
    at = open_page(DEMO_MANAGER_EMAIL)
    at.number_input(key="autoseat_time_limit").set_value(3).run()
    at.button(key="autoseat_preview").click().run()
    assert not at.exception, [e.value for e in at.exception]
    # Not refused: the shortage in numbers, and a partial plan naming who is left out (5 of them).
    warning = next(w.value for w in at.warning if "Seats are short" in w.value)
    assert "405 guests who are not VIPs, 400 seats at tables not reserved for VIPs: 5 seats short" in warning
    assert not at.error, [e.value for e in at.error]
    left = next(d.value for d in at.dataframe if "Why no seat" in d.value.columns)
    assert len(left) == 5
    assert at.button(key="autoseat_apply").label.startswith("Apply partial plan")
    assert _count(own_demo_database, "SELECT count(*) FROM table_assignments WHERE event_id = :e") == seated_before

    at.toggle(key="autoseat_vip_reserved").set_value(False).run()
    assert any("options changed" in i.value for i in at.info)
    at.button(key="autoseat_preview").click().run()
    assert not at.error, [e.value for e in at.error]
    assert int({m.label: m.value for m in at.metric}["Newly seated"]) == 430 - seated_before


def _people(database: Database, n: int) -> list[str]:
    with database.owner_connection() as conn:
        return [str(pid) for pid in conn.execute(text(
            "SELECT id FROM participants WHERE event_id = :e ORDER BY lower(full_name), id LIMIT :n"),
            {"e": DEMO_EVENT_ID, "n": n}).scalars()]


def test_rules_are_added_and_removed_through_the_page(open_page, own_demo_database):
    at = open_page(DEMO_OWNER_EMAIL)
    at.radio(key="autoseat_rule_kind").set_value("apart")
    at.multiselect(key="autoseat_rule_people").set_value(_people(own_demo_database, 2))
    at.get("form_submit_button")[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _count(own_demo_database, "SELECT count(*) FROM seating_rules WHERE event_id = :e AND kind = 'apart'") == 1
    remove = [b for b in at.button if b.key.startswith("autoseat_remove_")]
    assert len(remove) == 1
    remove[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _count(own_demo_database, "SELECT count(*) FROM seating_rules WHERE event_id = :e") == 0

    # Three people cannot be kept "apart": the page says so and nothing is written.
    at.radio(key="autoseat_rule_kind").set_value("apart")
    at.multiselect(key="autoseat_rule_people").set_value(_people(own_demo_database, 3))
    at.get("form_submit_button")[0].click().run()
    assert any("exactly two" in e.value for e in at.error), [e.value for e in at.error]
    assert _count(own_demo_database, "SELECT count(*) FROM seating_rules WHERE event_id = :e") == 0


def test_too_few_seats_gives_a_partial_plan_that_says_so_and_applies(open_page, own_demo_database):
    seats = _count(own_demo_database, "SELECT sum(capacity) FROM seating_tables WHERE event_id = :e")
    people = _count(own_demo_database, "SELECT count(*) FROM participants WHERE event_id = :e")
    extra = seats - people + 7
    with own_demo_database.owner_connection() as conn:
        org = conn.execute(text("SELECT organization_id FROM events WHERE id = :e"), {"e": DEMO_EVENT_ID}).scalar_one()
        conn.execute(text("INSERT INTO participants (organization_id, event_id, full_name) "
                          "SELECT :o, :e, 'Late guest ' || n FROM generate_series(1, :k) AS n"),
                     {"o": org, "e": DEMO_EVENT_ID, "k": extra})
        conn.commit()
    at = open_page(DEMO_MANAGER_EMAIL)
    at.number_input(key="autoseat_time_limit").set_value(3).run()
    at.button(key="autoseat_preview").click().run()
    assert not at.exception, [e.value for e in at.exception]
    warning = next(w.value for w in at.warning if "Seats are short" in w.value)
    assert f"{people + extra} guests, {seats} seats: 7 seats short; add 1 table of" in warning
    info = next(i.value for i in at.info if "left without a seat" in i.value)
    assert "then VIPs" in info and "units" not in info
    # VIP tables are reserved in the demo: people who are not VIPs are short of more seats than 7.
    left = next(d.value for d in at.dataframe if "Why no seat" in d.value.columns)
    vip_free = _count(own_demo_database, "SELECT sum(capacity) FROM seating_tables WHERE event_id = :e "
                                         "AND is_vip_table") - _count(
        own_demo_database, "SELECT count(*) FROM participants WHERE event_id = :e AND is_vip")
    assert len(left) == 7 + vip_free and (left["Why no seat"] == "every table was full").all()
    if vip_free:
        assert "seats at tables not reserved for VIPs" in warning
    seats -= vip_free
    apply = at.button(key="autoseat_apply")
    assert apply.label == f"Apply partial plan ({seats} of {people + extra} seated)"
    apply.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _count(own_demo_database, "SELECT count(*) FROM table_assignments WHERE event_id = :e") == seats
