"""Import as real spreadsheets come, and re-import as an update keyed by e-mail."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from eventflow import errors
from eventflow import participant_import as pi


def _plan(world, org, content: str, mapping: dict[int, str] | None = None):
    table = pi.read_table(content.encode(), 5)
    assert table.file_error is None, table.file_error
    with world.database.tenant_session(org.manager) as session:
        people = pi.event_people(session, org.event_id)
    return pi.plan_import(table, mapping if mapping is not None else pi.suggest_mapping(table.header), people)


def _apply(world, org, plan, **kwargs):
    with world.database.tenant_session(org.manager) as session:
        return pi.apply_import(session, org.event_id, plan, **kwargs)


def _people(world, org):
    with world.database.owner_connection() as conn:
        return {r.full_name: r for r in conn.execute(text(
            "SELECT full_name, email, company, dietary, needs_accessible, is_vip FROM participants WHERE event_id = :e"),
            {"e": org.event_id})}


def test_columns_of_a_real_spreadsheet_are_mapped_and_unknown_ones_ignored():
    header = ("Full Name", "E-Mail", "Organisation", "Diet", "Wheelchair", "Plus one of", "Shoe size", "Notes")
    assert pi.suggest_mapping(header) == {0: "name", 1: "email", 2: "company", 3: "dietary", 4: "needs_accessible",
                                          5: "plus_one_of", 6: pi.IGNORE, 7: "note"}


def test_a_re_import_updates_by_e_mail_field_by_field_and_writes_nothing_before(world):
    org = world.a
    content = ("name,email,company,tracks,dietary,wheelchair,shoe size\n"
               "Alpha person 0,PERSON0@Alpha.Example,Alpha Corp,Data,vegan,yes,42\n"   # changed: diet, wheelchair
               "Alpha person 1,person1@alpha.example,Alpha Corp,,,no,41\n"            # unchanged
               "New Person,new@x.test,New Co,Robotics,halal,,40\n")                   # added, new track
    plan = _plan(world, org, content)
    assert plan.ok, plan.problems
    assert (plan.count("added"), plan.count("changed"), plan.count("unchanged")) == (1, 1, 1)
    changed = next(r for r in plan.rows if r.status == "changed")
    assert [pi.describe_change(c) for c in changed.changes] == [
        "Tracks: (none) → Data", "Dietary requirement: (blank) → vegan", "Needs an accessible table: no → yes"]
    assert plan.new_tracks == ["Robotics"]
    assert len(plan.missing) == 4  # persons 2-5, offered for removal, not removed
    assert "New Person" not in _people(world, org)  # nothing written by the preview
    result = _apply(world, org, plan)
    assert result.message == "Added 1, updated 1 participants; created 1 track."
    people = _people(world, org)
    assert people["Alpha person 0"].dietary == "vegan" and people["Alpha person 0"].needs_accessible
    assert people["New Person"].dietary == "halal" and len(people) == 7


def test_people_missing_from_the_file_are_removed_only_when_asked(world):
    org = world.a
    plan = _plan(world, org, "name,email\nAlpha person 0,person0@alpha.example\n")
    assert _apply(world, org, plan).removed == 0 and len(_people(world, org)) == 6
    plan = _plan(world, org, "name,email\nAlpha person 0,person0@alpha.example\n")
    assert _apply(world, org, plan, remove_missing=True).removed == 5
    assert list(_people(world, org)) == ["Alpha person 0"]


def test_problems_and_likely_duplicates_are_flagged_and_nothing_is_written(world):
    org = world.a
    plan = _plan(world, org, "name,email,company,tracks,vip\n"
                             "Ann Lee,,Acme,,\n"
                             "ann  lee,,ACME,,\n"
                             "Bo,bo@x.test,,,\n"
                             "Bo Again,BO@x.test,,,\n"
                             "Old,old@x.test,,Retired,\n"
                             "Flag,flag@x.test,,,maybe\n")
    assert {line: msgs[0][:24] for line, msgs in plan.problems.items()} == {
        3: "likely duplicate: the sa", 5: "likely duplicate: BO@x.t", 6: "track “Retired” is deact",
        7: "VIP “maybe” is not yes o"}
    assert [r["line"] for r in pi.preview_rows(plan, problems_only=True)] == [3, 5, 6, 7]
    before = _people(world, org)
    with pytest.raises(pi.InputError, match="Nothing was imported"):
        _apply(world, org, plan)
    assert _people(world, org) == before


def test_plus_ones_become_keep_together_rules(world):
    org = world.a
    plan = _plan(world, org, "name,email,plus_one_of\n"
                             "Host Person,host@x.test,\n"
                             "Partner Person,partner@x.test,host@x.test\n"
                             "Child Person,,Partner Person\n"
                             "Guest Of Existing,,person3@alpha.example\n"
                             "Lost Guest,,Nobody Known\n")
    assert plan.problems == {6: ["plus-one of “Nobody Known”, who is neither in the file nor in this event"]}
    plan = _plan(world, org, "name,email,plus_one_of\n"
                             "Host Person,host@x.test,\n"
                             "Partner Person,partner@x.test,host@x.test\n"
                             "Child Person,,Partner Person\n"
                             "Guest Of Existing,,person3@alpha.example\n")
    assert plan.ok and sorted(len(g) for g in plan.groups) == [2, 3]
    assert _apply(world, org, plan).groups == 2
    with world.database.owner_connection() as conn:
        rules = sorted(sorted(r[0]) for r in conn.execute(text(
            "SELECT array_agg(p.full_name) FROM seating_rules r JOIN seating_rule_members m ON m.rule_id = r.id "
            "JOIN participants p ON p.id = m.participant_id WHERE r.event_id = :e AND r.kind = 'together' "
            "GROUP BY r.id"), {"e": org.event_id}))
    assert rules == [["Alpha person 3", "Guest Of Existing"], ["Child Person", "Host Person", "Partner Person"]]
    # The same file again adds no second rule.
    plan = _plan(world, org, "name,email,plus_one_of\nHost Person,host@x.test,\nPartner Person,partner@x.test,"
                             "host@x.test\n")
    assert _apply(world, org, plan).groups == 0


def test_a_person_changed_since_the_preview_refuses_the_import(world):
    org = world.a
    plan = _plan(world, org, "name,email,dietary\nAlpha person 0,person0@alpha.example,vegan\n")
    with world.database.tenant_session(org.manager) as session:
        session.execute(text("UPDATE participants SET company = 'Moved' WHERE id = :p"), {"p": org.participant_ids[0]})
    with pytest.raises(pi.InputError, match="changed or removed by someone else since the preview"):
        _apply(world, org, plan)


def test_a_mapping_must_name_the_names_once(world):
    table = pi.read_table(b"a,b\nx,y\n", 5)
    with pytest.raises(pi.InputError, match="holds the names"):
        pi.plan_import(table, {0: pi.IGNORE, 1: "email"}, pi.EventPeople((), {}))
    with pytest.raises(pi.InputError, match="chosen more than once: Name"):
        pi.plan_import(table, {0: "name", 1: "name"}, pi.EventPeople((), {}))
    assert "columns" in pi.read_table(("," * 100 + "\n1\n").encode(), 5).file_error


def test_the_fingerprint_follows_every_change_to_the_event(world):
    org = world.a
    with world.database.tenant_session(org.manager) as session:
        first = pi.event_people(session, org.event_id).fingerprint()
        again = pi.event_people(session, org.event_id).fingerprint()
        session.execute(text("UPDATE participants SET company = 'X' WHERE id = :p"), {"p": org.participant_ids[0]})
        changed = pi.event_people(session, org.event_id).fingerprint()
    assert first == again != changed


# ------------------------------------------------------- ported from the retired import path of participants.py

def _count(world, org):
    with world.database.owner_connection() as conn:
        return conn.execute(text("SELECT count(*) FROM participants WHERE event_id = :e"),
                            {"e": org.event_id}).scalar_one()


def test_clean_file_is_imported_with_tracks_and_default_opt_in(world):
    org = world.a
    plan = _plan(world, org, "Name,E-mail,Company,Tracks,VIP,Networking opt-in,Interests\n"
                             "Zoe Park,zoe@x.test,Acme,data; cloud,yes,,ai;ux\n"
                             "Yan Li,,,,no,yes,\n")
    assert plan.ok, plan.problems
    assert plan.new_tracks == []  # "data; cloud" are the event's Data and Cloud, in another case
    assert _apply(world, org, plan).added == 2
    with world.database.owner_connection() as conn:
        zoe = conn.execute(text("SELECT p.is_vip, p.networking_opt_in, p.interests, count(pt.track_id) AS tracks "
                                "FROM participants p LEFT JOIN participant_tracks pt ON pt.participant_id = p.id "
                                "WHERE p.email = 'zoe@x.test' GROUP BY p.organization_id, p.id")).one()
        yan = conn.execute(text("SELECT networking_opt_in, is_vip FROM participants WHERE full_name = 'Yan Li'")).one()
    assert (zoe.is_vip, zoe.networking_opt_in, zoe.interests, zoe.tracks) == (True, False, ["ai", "ux"], 2)
    assert tuple(yan) == (True, False)


def test_any_bad_row_means_nothing_is_imported_and_each_row_says_why(world):
    org = world.a
    plan = _plan(world, org, "name,email,tracks,vip,interests\n"
                             "Good Person,good@x.test,Data,no,\n"
                             ",nameless@x.test,,,\n"
                             "Old Track,ot@x.test,Retired,,\n"
                             "Bad Flag,bf@x.test,,maybe,\n"
                             "Twice,GOOD@x.test,,,\n"
                             "Bad Mail,not-an-address,,,\n"
                             "Long Interest,li@x.test,,," + "y" * 101 + "\n")
    assert not plan.ok
    assert {line: msgs[0].split(" ")[0] for line, msgs in plan.problems.items()} == {
        3: "name", 4: "track", 5: "VIP", 6: "likely", 7: "e-mail", 8: "an"}
    assert "longer than 100 characters" in plan.problems[8][0]
    before = _count(world, org)
    with pytest.raises(pi.InputError, match="Nothing was imported: some rows have problems"):
        _apply(world, org, plan)
    assert _count(world, org) == before


def test_oversized_upload_is_refused_before_it_is_read(world):
    with pytest.raises(pi.InputError, match="The file is 2.0 MB; the limit is 1 MB"):
        pi.check_upload_size(2 * 1024 * 1024, 1)
    pi.check_upload_size(1024 * 1024, 1)  # at the limit: accepted
    with pytest.raises(pi.InputError, match="limit is 1 MB"):
        pi.read_table(b"name\n" + b"x" * (1024 * 1024 + 10), 1)


def test_file_level_problems(world):
    org = world.a
    with pytest.raises(pi.InputError, match="Choose the column that holds the names"):
        _plan(world, org, "email\na@b.test\n")
    # Unknown columns are offered for mapping and ignored unless the organiser chooses a field.
    plan = _plan(world, org, "name,shoe size\nA,42\n")
    assert plan.ok and plan.mapped == ("name",) and plan.rows[0].values == {"name": "A"}
    assert "UTF-8" in pi.read_table("name\nJosé\n".encode("latin-1"), 5).file_error


def test_viewer_import_is_refused_by_the_database(world):
    org = world.a
    plan = _plan(world, org, "name\nNew Person\n")
    before = _count(world, org)
    with world.database.tenant_session(org.viewer) as session, pytest.raises(errors.ViewOnly, match="only view"):
        pi.apply_import(session, org.event_id, plan)
    assert _count(world, org) == before


def test_a_column_named_like_a_field_another_column_fills_is_pointed_out(world):
    org = world.a
    plan = _plan(world, org, "name,Email,E-mail,Diet,Food\nAda,,ada@x.test,vegan,\n")
    assert plan.notes == ["Column “E-mail” also looks like E-mail, and is ignored: column “Email” fills E-mail. "
                          "Check above that this is the right one."]  # "Food" is blank: nothing to lose
    assert _plan(world, org, "name,Email,E-mail\nAda,ada@x.test,\n").notes == []


def test_a_tracks_column_of_hundreds_of_new_names_is_refused(world):
    org = world.a
    many = "".join(f"P{i},Company {i}\n" for i in range(pi.MAX_NEW_TRACKS + 1))
    with pytest.raises(pi.InputError, match="names 101 tracks this event does not have; an import creates at most "
                                            "100. Is it the right column?"):
        _plan(world, org, "name,tracks\n" + many)
    assert len(_plan(world, org, "name,tracks\n" + many.rsplit("P", 1)[0]).new_tracks) == pi.MAX_NEW_TRACKS
