"""The list, export with neutralised formulas, flags, and one person added, edited or removed.

Importing a file is tested in test_participant_import.py."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from eventflow import participants


def test_export_neutralises_formula_cells(world):
    org = world.a
    with world.database.tenant_session(org.owner) as session:
        session.execute(text("UPDATE participants SET company = '=HYPERLINK(\"http://evil\")' WHERE id = :id"),
                        {"id": org.participant_ids[0]})
        exported = participants.export_participants_csv(session, org.event_id).decode("utf-8-sig")
    assert "'=HYPERLINK" in exported and "\n=HYPERLINK" not in exported and ",=HYPERLINK" not in exported
    assert [participants.neutralise(v) for v in ("+1", "-x", "@a", "ok", 5)] == ["'+1", "'-x", "'@a", "ok", 5]


def test_the_exported_check_in_code_finds_that_guest_at_the_door_and_nobody_elsewhere(world):
    import csv
    import io

    from eventflow import check_in, guest_qr

    a, b = world.a, world.b
    with world.database.tenant_session(a.owner) as session:
        other_event = session.execute(text("INSERT INTO events (organization_id, name) VALUES (:o, 'Second event') "
                                           "RETURNING id"), {"o": a.id}).scalar_one()
        session.execute(text("UPDATE participants SET company = '=cmd|calc' WHERE id = :p"),
                        {"p": a.participant_ids[0]})
        exported = participants.export_participants_csv(session, a.event_id).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == len(a.participant_ids) and "participant_id" not in rows[0]
    assert "'=cmd|calc" in {r["company"] for r in rows} and "=cmd|calc" not in {r["company"] for r in rows}
    by_code = {r["check_in_code"]: r["name"] for r in rows}
    assert len(by_code) == len(rows)
    for code, name in by_code.items():
        # The exact text of the guest's QR code; typed or pasted at the desk (spaces, any case), it finds them.
        assert guest_qr.participant_in(code) is not None and code == guest_qr.guest_code(guest_qr.participant_in(code))
        for typed in (code, f"  {code.lower()} "):
            with world.database.tenant_session(a.manager) as session:
                assert [g.name for g in check_in.find_guests(session, a.event_id, typed)] == [name]
        # Nobody in another event of the organisation, nor in another organisation, nor for an outsider.
        with world.database.tenant_session(a.manager) as session:
            assert check_in.find_guests(session, other_event, code) == []
        for organiser, event in ((b.manager, b.event_id), (b.manager, a.event_id), (world.outsider, a.event_id)):
            with world.database.tenant_session(organiser) as session:
                assert check_in.find_guests(session, event, code) == []
    with world.database.tenant_session(a.manager) as session:  # not a code of ours: an ordinary search
        assert check_in.find_guests(session, a.event_id, "EVENTFLOW-GUEST:not-a-uuid") == []


def test_flags_for_many_people_and_viewers_change_nothing(world):
    org = world.a
    ids = org.participant_ids[:3]
    with world.database.tenant_session(org.manager) as session:
        assert participants.set_flag(session, org.event_id, ids, "checked_in", True) == 3
        assert participants.set_flag(session, org.event_id, ids, "checked_in", True) == 0  # already in
        assert participants.set_flag(session, org.event_id, ids[:1], "is_vip", True) == 1
    with world.database.tenant_session(org.viewer) as session:
        with pytest.raises(PermissionError, match="only view"):
            participants.set_flag(session, org.event_id, ids, "networking_opt_in", True)
        frame = participants.list_participants(session, org.event_id)
    assert frame["checked_in"].sum() == 3 and frame["vip"].sum() == 1 and frame["networking_opt_in"].sum() == 0
    with pytest.raises(ValueError, match="unknown flag"):
        participants.set_flag(None, org.event_id, ids, "version", True)


def test_check_in_times_show_in_the_event_time_zone(world):
    from eventflow import event_settings

    org = world.a
    with world.database.tenant_session(org.manager) as session:
        event_settings.save_settings(session, org.event_id, {"time_zone": "Asia/Tokyo"})
        session.execute(text("UPDATE participants SET checked_in_at = '2026-12-01 05:07:33.123456+00' WHERE id = :p"),
                        {"p": org.participant_ids[0]})
    with world.database.tenant_session(org.viewer) as session:
        frame = participants.list_participants(session, org.event_id).set_index("participant_id")
        exported = participants.export_participants_csv(session, org.event_id).decode("utf-8-sig")
    assert frame.loc[str(org.participant_ids[0]), "checked_in_at"] == "14:07 · 1 Dec"
    assert frame.loc[str(org.participant_ids[1]), "checked_in_at"] == ""
    assert "2026-12-01 14:07 (Asia/Tokyo)" in exported and "05:07" not in exported


def test_a_selection_keeps_the_people_ticked_whatever_the_view_shows():
    everyone = ["lars", "ingrid", "anna"]
    assert participants.merge_selection([], everyone, [0]) == ["lars"]
    # A search now shows only Ingrid; the table has no ticks of its own yet: Lars stays, Ingrid is not added.
    assert participants.merge_selection(["lars"], ["ingrid"], []) == ["lars"]
    assert participants.merge_selection(["lars"], ["ingrid"], [0]) == ["lars", "ingrid"]
    # Unticking in a view that shows Lars removes him only.
    assert participants.merge_selection(["lars", "ingrid"], everyone, [1]) == ["ingrid"]
    assert participants.merge_selection(["lars"], ["ingrid"], [5]) == ["lars"]  # a stale row is ignored
    assert participants.view_digest(["a", "b"]) != participants.view_digest(["b", "a"])


# ------------------------------------------------------------------------- one person

def _people(world, org):
    with world.database.owner_connection() as conn:
        return conn.execute(text("SELECT full_name, email, dietary, accessibility, note, needs_accessible, version "
                                 "FROM participants WHERE event_id = :e ORDER BY full_name"),
                            {"e": org.event_id}).all()


def test_add_a_late_guest_with_every_field(world):
    org = world.a
    form = participants.PersonForm("  Late   Guest ", "Late.Guest@Example.ORG", "Acme", (org.track_ids[0],),
                                   "ai; ux", True, None, True, "wheelchair", "vegan", "arrives at 10")
    with world.database.tenant_session(org.manager) as session:
        pid = participants.add_participant(session, org.event_id, form)
        person = participants.get_participant(session, org.event_id, pid)
    assert person.form == participants.PersonForm("Late Guest", "late.guest@example.org", "Acme",
                                                  (org.track_ids[0],), "ai; ux", True, False, True, "wheelchair",
                                                  "vegan", "arrives at 10")


@pytest.mark.parametrize(("form", "says"), [
    (participants.PersonForm("   "), "Enter the person's name."),
    (participants.PersonForm("A", email="not-an-address"), "is not an e-mail address"),
    (participants.PersonForm("A", email="PERSON0@alpha.example"), "already a participant of this event (Alpha person 0)"),
    (participants.PersonForm("A\u202eB"), "The name contains invisible or control characters"),
    (participants.PersonForm("A", dietary="x" * 201), "dietary requirement is longer than 200"),
    (participants.PersonForm("A", note="x" * 1001), "note is longer than 1000"),
])
def test_a_bad_form_says_why_and_writes_nothing(world, form, says):
    org = world.a
    before = _people(world, org)
    with world.database.tenant_session(org.manager) as session, pytest.raises(participants.InputError, match=re.escape(says)):
        participants.add_participant(session, org.event_id, form)
    assert _people(world, org) == before


def test_edit_in_place_and_a_stale_form_is_refused(world):
    org = world.a
    pid = org.participant_ids[0]
    with world.database.tenant_session(org.manager) as session:
        person = participants.get_participant(session, org.event_id, pid)
        fixed = participants.PersonForm(**{**person.form.__dict__, "name": "Alpha Person Zero", "dietary": "halal"})
        assert participants.update_participant(session, org.event_id, pid, person.version, fixed)
        assert not participants.update_participant(session, org.event_id, pid, person.version + 1, fixed)
    with world.database.tenant_session(org.manager) as session, pytest.raises(
            participants.InputError, match="changed Alpha Person Zero while you were editing"):
        participants.update_participant(session, org.event_id, pid, person.version, fixed)
    with world.database.tenant_session(org.manager) as session, pytest.raises(
            participants.InputError, match="already the e-mail of Alpha person 1"):
        participants.update_participant(session, org.event_id, pid, person.version + 1,
                                        participants.PersonForm("X", email="person1@alpha.example"))
    with world.database.tenant_session(org.viewer) as session, pytest.raises(PermissionError, match="only view"):
        participants.update_participant(session, org.event_id, pid, person.version + 1, fixed)
    names = [row.full_name for row in _people(world, org)]
    assert "Alpha Person Zero" in names and "X" not in names


def test_remove_frees_the_seat_and_the_history_keeps_the_name(world):
    org = world.a
    pid = org.participant_ids[2]
    with world.database.tenant_session(org.manager) as session:
        session.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number) "
                             "VALUES (:e, :p, 2, 3)"), {"e": org.event_id, "p": pid})
    with world.database.tenant_session(org.manager) as session:
        person = participants.get_participant(session, org.event_id, pid)
        assert "their seat (table 2, seat 3) is freed" in participants.removal_consequences(person)
        message = participants.remove_participant(session, org.event_id, pid, person.version)
    assert message == "Removed Alpha person 2. Their seat (table 2, seat 3) is free."
    with world.database.tenant_session(org.viewer) as session:
        history = session.execute(text(
            "SELECT h.operation, n.full_name, n.removed FROM assignment_history h JOIN participant_names n "
            "ON n.organization_id = h.organization_id AND n.participant_id = h.participant_id "
            "WHERE h.participant_id = :p ORDER BY h.id"), {"p": pid}).all()
        seat_taken = session.execute(text("SELECT count(*) FROM table_assignments WHERE participant_id = :p"),
                                     {"p": pid}).scalar_one()
    assert [tuple(r) for r in history] == [("insert", "Alpha person 2", True), ("delete", "Alpha person 2", True)]
    assert seat_taken == 0
    with world.database.tenant_session(org.manager) as session, pytest.raises(participants.InputError,
                                                                             match="removed meanwhile"):
        participants.remove_participant(session, org.event_id, pid, person.version)
