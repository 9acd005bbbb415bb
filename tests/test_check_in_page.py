"""The check-in page through AppTest: accent-free search, one tap, viewers told why they cannot."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from eventflow.demo import DEMO_EVENT_ID, DEMO_MANAGER_EMAIL, DEMO_VIEWER_EMAIL

PAGE = "pages/check_in.py"


@pytest.fixture(scope="module")
def guest(own_demo_database) -> str:
    """A seated demo guest renamed with accents; their id."""
    with own_demo_database.owner_connection() as conn:
        return conn.execute(text(
            """
            UPDATE participants SET full_name = 'Zoë Ångström-Müller', checked_in_at = NULL
             WHERE id = (SELECT a.participant_id FROM table_assignments AS a
                          WHERE a.event_id = :event AND a.seat_number IS NOT NULL
                          ORDER BY a.participant_id LIMIT 1)
            RETURNING id::text
            """), {"event": DEMO_EVENT_ID}).scalar_one()


def _checked_in(database, participant_id: str) -> bool:
    with database.owner_connection() as conn:
        return conn.execute(text("SELECT checked_in_at IS NOT NULL FROM participants WHERE id = :p"),
                            {"p": participant_id}).scalar_one()


def _seat(database, participant_id: str) -> tuple[int, int]:
    with database.owner_connection() as conn:
        return tuple(conn.execute(text("SELECT table_number, seat_number FROM table_assignments "
                                       "WHERE participant_id = :p"), {"p": participant_id}).one())


def test_a_manager_checks_a_guest_in_and_out_by_an_accent_free_search(own_demo_database, open_app, guest):
    at = open_app(own_demo_database, DEMO_MANAGER_EMAIL, PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Check-in"
    at.text_input(key=f"door_search:{DEMO_EVENT_ID}").input("zoe angstrom muller").run()
    table, seat = _seat(own_demo_database, guest)
    assert any(m.value.startswith(f"### Table {table}, seat {seat}") for m in at.markdown)
    at.button(key=f"door_{guest}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _checked_in(own_demo_database, guest)
    assert at.button(key=f"door_{guest}").label == "Check out"
    at.button(key=f"door_{guest}").click().run()
    assert not _checked_in(own_demo_database, guest)
    # The confirmation is shown by app.py on the next run (AppTest's switch_page runs a page without
    # app.py; the browser goes through app.py after st.rerun()).
    at.switch_page("app.py").run()
    assert any(s.value.startswith("Zoë Ångström-Müller is checked out. Table") for s in at.success), \
        [s.value for s in at.success]
    assert not _checked_in(own_demo_database, guest)


def test_a_viewer_sees_the_seat_and_is_told_checking_in_needs_a_manager(own_demo_database, open_app, guest):
    at = open_app(own_demo_database, DEMO_VIEWER_EMAIL, PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert any("needs door staff, a manager or an owner" in i.value for i in at.info)
    at.text_input(key=f"door_search:{DEMO_EVENT_ID}").input("ZOE").run()
    assert any("Zo" in m.value and "Ångström" in m.value for m in at.markdown)
    assert not [b for b in at.button if b.key == f"door_{guest}"]


def test_nobody_matching_says_so(own_demo_database, open_app):
    at = open_app(own_demo_database, DEMO_MANAGER_EMAIL, PAGE)
    at.text_input(key=f"door_search:{DEMO_EVENT_ID}").input("xqzzy").run()
    assert any("Nobody on the list matches" in w.value for w in at.warning)



def test_print_outs_are_offered_and_the_time_zone_is_set_in_event_settings(own_demo_database, open_app):
    at = open_app(own_demo_database, DEMO_MANAGER_EMAIL, "pages/event_settings.py")
    assert not at.exception, [e.value for e in at.exception]
    zone_picker = next(s for s in at.selectbox if s.label == "Time zone of the event")
    assert zone_picker.value == "UTC"
    zone_picker.set_value("Europe/Lisbon")
    next(b for b in at.button if b.label == "Save details").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with own_demo_database.owner_connection() as conn:
        assert conn.execute(text("SELECT settings ->> 'time_zone' FROM events WHERE id = :e"),
                            {"e": DEMO_EVENT_ID}).scalar_one() == "Europe/Lisbon"
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Europe/Lisbon" in c.value for c in at.caption)
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == ["Place cards", "Table lists", "Guest QR codes (for check-in)", "Find your table (escort list)"]


DOOR_EMAIL = "door@demo.eventflow.test"


@pytest.fixture(scope="module")
def door_staff(own_demo_database) -> str:
    from eventflow import admin
    from eventflow.demo import DEMO_ORGANIZATION_ID
    with own_demo_database.owner_connection() as conn:
        person = admin.ensure_organiser(conn, DOOR_EMAIL, "Dora Door")
        admin.set_membership(conn, DEMO_ORGANIZATION_ID, person, "door")
        conn.commit()
    return DOOR_EMAIL


def test_door_staff_get_the_check_in_desk_only_and_check_a_guest_in(own_demo_database, open_app, guest,
                                                                   door_staff):
    import app as dashboard
    at = open_app(own_demo_database, door_staff)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Check-in", "door staff land on the check-in desk"
    assert any("Door staff" in i.value for i in at.sidebar.info)
    assert [spec.path for spec in dashboard.PAGES if "door" in spec.roles] == [PAGE]
    with pytest.raises(Exception, match="participants"):  # not in their navigation: refused
        at.switch_page("pages/participants.py").run()
    at = open_app(own_demo_database, door_staff, PAGE)
    at.text_input(key=f"door_search:{DEMO_EVENT_ID}").input("zoe angstrom").run()
    card = at.get("markdown")
    assert any("Zoë Ångström-Müller" in m.value for m in card)
    assert not any("Print-outs" in e.label for e in at.expander), "no print-outs for door staff"
    if _checked_in(own_demo_database, guest):
        at.button(key=f"door_{guest}").click().run()
    at.button(key=f"door_{guest}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _checked_in(own_demo_database, guest)
