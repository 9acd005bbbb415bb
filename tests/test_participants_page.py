"""The Participants page through AppTest: add a late guest, fix a name, remove a cancellation
(with the confirmation saying what happens to the seat), and a bad form that writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from eventflow.demo import DEMO_EVENT_ID, DEMO_MANAGER_EMAIL

PAGE = "pages/participants.py"
SELECTED = f"people_selected:{DEMO_EVENT_ID}"


def _count(database, name: str) -> int:
    with database.owner_connection() as conn:
        return conn.execute(text("SELECT count(*) FROM participants WHERE event_id = :e AND full_name = :n"),
                            {"e": DEMO_EVENT_ID, "n": name}).scalar_one()


def _form_input(at, form_prefix: str, label: str):
    return next(w for w in at.text_input if w.label == label and form_prefix in str(w.proto.form_id))


def test_add_a_late_guest_and_a_bad_form_writes_nothing(own_demo_database, open_app):
    at = open_app(own_demo_database, DEMO_MANAGER_EMAIL, PAGE)
    assert not at.exception, [e.value for e in at.exception]
    _form_input(at, "add:", "Name (required)").input("Late Guest Ödön")
    _form_input(at, "add:", "E-mail").input("not an address")
    _form_input(at, "add:", "Dietary requirement").input("vegan")
    next(b for b in at.button if b.label == "Add person").click().run()
    assert any("is not an e-mail address" in e.value for e in at.error), [e.value for e in at.error]
    assert _count(own_demo_database, "Late Guest Ödön") == 0
    _form_input(at, "add:", "E-mail").input("Late.Guest@Example.org")
    next(b for b in at.button if b.label == "Add person").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _count(own_demo_database, "Late Guest Ödön") == 1
    with own_demo_database.owner_connection() as conn:
        assert conn.execute(text("SELECT email, dietary FROM participants WHERE full_name = 'Late Guest Ödön'")).one() \
            == ("late.guest@example.org", "vegan")


@pytest.fixture
def seated(own_demo_database) -> tuple[str, str, int, int]:
    with own_demo_database.owner_connection() as conn:
        row = conn.execute(text(
            "SELECT p.id::text, p.full_name, a.table_number, a.seat_number FROM participants p "
            "JOIN table_assignments a ON a.participant_id = p.id WHERE p.event_id = :e AND a.seat_number IS NOT NULL "
            "ORDER BY p.id DESC LIMIT 1"), {"e": DEMO_EVENT_ID}).one()
    return tuple(row)


def test_fix_a_name_then_remove_the_person_after_confirming(own_demo_database, open_app, seated):
    pid, name, table, seat = seated
    at = open_app(own_demo_database, DEMO_MANAGER_EMAIL, PAGE, session={SELECTED: [pid]})
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value == f"Edit {name}" for s in at.subheader), [s.value for s in at.subheader]
    _form_input(at, "edit:", "Name (required)").input(name + " Jr")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert not at.error, [e.value for e in at.error]
    assert _count(own_demo_database, name + " Jr") == 1
    at.switch_page(PAGE).run()
    assert any(f"their seat (table {table}, seat {seat}) is freed" in m.value for m in at.markdown)
    remove = next(b for b in at.button if b.label == "Remove")
    assert remove.disabled  # until confirmed
    next(c for c in at.checkbox if c.label.startswith("Yes, remove")).check().run()
    next(b for b in at.button if b.label == "Remove").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _count(own_demo_database, name + " Jr") == 0
    with own_demo_database.owner_connection() as conn:
        assert conn.execute(text("SELECT count(*) FROM table_assignments WHERE participant_id = :p"),
                            {"p": pid}).scalar_one() == 0


def test_an_owner_exports_then_erases_after_typing_the_name(own_demo_database, open_app, seated):
    from eventflow.demo import DEMO_OWNER_EMAIL

    pid, name, _, _ = seated
    at = open_app(own_demo_database, DEMO_OWNER_EMAIL, PAGE, session={SELECTED: [pid]})
    assert not at.exception, [e.value for e in at.exception]
    next(b for b in at.button if b.label == "Prepare their data (JSON)").click().run()
    assert not at.error, [e.value for e in at.error]
    assert [d.proto.label for d in at.get("download_button") if d.proto.label == "Download their data"]
    assert next(b for b in at.button if b.label == "Erase").disabled
    next(t for t in at.text_input if t.label == "Type their name to confirm").input(name).run()
    next(b for b in at.button if b.label == "Erase").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with own_demo_database.owner_connection() as conn:
        assert conn.execute(text("SELECT count(*) FROM participants WHERE id = :p"), {"p": pid}).scalar_one() == 0
        assert conn.execute(text("SELECT array_agg(action ORDER BY id) FROM participant_log WHERE event_id = :e"),
                            {"e": DEMO_EVENT_ID}).scalar_one()[-1] == "erased"


def test_a_manager_is_not_offered_privacy_actions(own_demo_database, open_app, seated):
    at = open_app(own_demo_database, DEMO_MANAGER_EMAIL, PAGE, session={SELECTED: [seated[0]]})
    assert not [b for b in at.button if b.label in ("Erase", "Prepare their data (JSON)")]
