"""Auto-seat on real data: the instance read from the database, previews, applying plans, re-plans on
the day, walk-ins, who-to-meet, and the seating rules' tables (per organisation, writers only)."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from eventflow import autoseat, engine, formatting
from eventflow.autoseat import AutoSeatError, AutoSeatOptions
from tests.conftest import World

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
FAST = AutoSeatOptions(time_limit=3.0)


def _exec(world: World, organiser, sql: str, params: dict | None = None) -> None:
    with world.database.tenant_session(organiser) as s:
        s.execute(text(sql), params or {})


def _seat(world: World, person, table: int, seat: int, by: str = "manager") -> None:
    _exec(world, world.a.owner, "INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number, "
          "assigned_by) VALUES (:e, :p, :t, :s, :by)",
          {"e": world.a.event_id, "p": person, "t": table, "s": seat, "by": by})


def _seats(world: World) -> dict[str, tuple]:
    with world.database.owner_connection() as conn:
        return {str(r.participant_id): (r.table_number, r.seat_number, r.assigned_by, r.version) for r in conn.execute(
            text("SELECT participant_id, table_number, seat_number, assigned_by, version FROM table_assignments "
                 "WHERE event_id = :e"), {"e": world.a.event_id})}


def _history(world: World) -> list:
    with world.database.owner_connection() as conn:
        return conn.execute(text("SELECT change_set_id, change_kind, participant_id, new_assigned_by, organiser_id "
                                 "FROM assignment_history WHERE event_id = :e ORDER BY id"),
                            {"e": world.a.event_id}).all()


def _opt_in(world: World, person, interests: list[str], company: str | None = "Shared Co") -> None:
    _exec(world, world.a.owner, "UPDATE participants SET networking_opt_in = true, interests = :i, company = :c "
          "WHERE id = :p", {"p": person, "i": interests, "c": company})


def _name(world: World, person) -> str:
    return f"Alpha person {world.a.participant_ids.index(person)}"


def _preview(world: World, organiser=None, options: AutoSeatOptions = FAST) -> autoseat.PlanPreview:
    with world.database.tenant_session(organiser or world.a.manager) as s:
        return autoseat.preview_plan(s, world.a.event_id, options)


def _apply(world: World, preview: autoseat.PlanPreview, organiser=None) -> autoseat.ApplyResult:
    return world.database.run_transaction(organiser or world.a.manager,
                                          lambda s: autoseat.apply_plan(s, world.a.event_id, preview))


# ------------------------------------------------------------------------------------ the instance

def test_instance_carries_tables_rules_pins_and_only_opted_in_peoples_matching_data(world: World) -> None:
    a, p = world.a, world.a.participant_ids
    _opt_in(world, p[0], ["ai", "climate"])
    # p[1] did not opt in, yet has interests, a company and a track on file: none may reach the engine.
    _exec(world, a.owner, "UPDATE participants SET interests = '{ai,secret}' WHERE id = :p", {"p": p[1]})
    _exec(world, a.owner, "INSERT INTO participant_tracks (participant_id, track_id) VALUES (:p, :t), (:q, :t)",
          {"p": p[1], "q": p[0], "t": a.track_ids[0]})
    _exec(world, a.owner, "INSERT INTO participant_tracks (participant_id, track_id) VALUES (:p, :t)",
          {"p": p[0], "t": a.track_ids[2]})  # a retired track: not used for matching
    _seat(world, p[2], 2, 1, "manager")
    _seat(world, p[3], 2, 2, "auto")
    _seat(world, p[4], 3, 1, "ai")
    _exec(world, a.owner, "UPDATE participants SET checked_in_at = now() WHERE id = :p", {"p": p[4]})
    with world.database.tenant_session(a.manager) as s:
        autoseat.add_rule(s, a.event_id, "together", [p[0], p[5]])
        autoseat.add_rule(s, a.event_id, "apart", [p[2], p[3]])
        instance, current, frozen = autoseat.event_instance(s, a.event_id, AutoSeatOptions())

    assert [(t.table_number, t.capacity, t.is_vip_table) for t in instance.tables] == [(1, 4, True), (2, 4, False),
                                                                                     (3, 2, False)]
    people = {x.id: x for x in instance.participants}
    assert set(people) == {str(x) for x in p}
    assert people[str(p[0])].interests == {"ai", "climate"}
    assert people[str(p[0])].tracks == {"Data"}
    assert people[str(p[0])].company == "Shared Co"
    stranger = people[str(p[1])]
    assert (stranger.networking_opt_in, stranger.company, stranger.interests, stranger.tracks) == (
        False, None, frozenset(), frozenset())
    assert current == {str(p[2]): 2, str(p[3]): 2, str(p[4]): 3}
    assert frozen == {str(p[4])}
    assert dict(instance.pinned) == {str(p[2]): 2, str(p[4]): 3}  # the manager's seat and the checked-in person
    assert [set(g) for g in instance.together] == [{str(p[0]), str(p[5])}]
    assert [set(pair) for pair in instance.apart] == [{str(p[2]), str(p[3])}]
    assert instance.vip_tables_reserved is True

    with world.database.tenant_session(a.manager) as s:
        autoseat.save_seating_settings(s, a.event_id, autoseat.SeatingSettings(pin_manager_seats=False,
                                                                               vip_tables_reserved=False))
        instance, _, frozen = autoseat.event_instance(s, a.event_id, AutoSeatOptions(move_checked_in=True))
    assert dict(instance.pinned) == {} and frozen == frozenset()
    assert instance.vip_tables_reserved is False


# ------------------------------------------------------------------------------- preview and apply

def test_preview_then_apply_seats_everyone_as_auto_in_one_auto_seat_change_set(world: World) -> None:
    a, p = world.a, world.a.participant_ids
    for person in p[:4]:
        _opt_in(world, person, ["ai", "robotics"], company=None)
    _seat(world, p[5], 2, 3, "manager")
    preview = _preview(world)
    assert preview.feasible and preview.kind == "auto-seat"
    assert all(check.ok for check in preview.checks) and len(preview.checks) == len(autoseat.CHECK_FAMILIES)
    assert preview.score_before == 0 and preview.score_after is not None and preview.score_after > 0
    assert preview.explanation and not any(UUID_TEXT.search(line) for line in preview.explanation)
    # Independently of the preview's own checks: the plan breaks no rule.
    with world.database.tenant_session(a.manager) as s:
        instance, _, _ = autoseat.event_instance(s, a.event_id)
    plan = [engine.Assignment(pid, table, seat) for pid, table, seat in preview.plan]
    assert engine.check(instance, plan) == []
    assert engine.score(instance, plan) == preview.score_after
    assert {c.participant_id for c in preview.changes} == {str(x) for x in p[:5]}
    assert _seats(world) == {str(p[5]): (2, 3, "manager", 1)}, "a preview writes nothing"

    result = _apply(world, preview)
    assert result.ok and result.seated == 5 and result.moved == 0, result
    seats = _seats(world)
    assert {pid: (t, s) for pid, (t, s, _, _) in seats.items()} == {pid: (t, s) for pid, t, s in preview.plan}
    assert {pid: by for pid, (_, _, by, _) in seats.items()} == {**{str(x): "auto" for x in p[:5]},
                                                                str(p[5]): "manager"}
    history = _history(world)[1:]  # after the manager's own seat
    assert len(history) == 5 and {h.change_kind for h in history} == {"auto-seat"}
    assert {h.change_set_id for h in history} == {result.change_set_id}
    assert {h.organiser_id for h in history} == {a.manager}


def test_apply_is_refused_and_writes_nothing_when_the_seating_changed_after_the_preview(world: World) -> None:
    a, p = world.a, world.a.participant_ids
    _seat(world, p[0], 2, 1, "auto")
    preview = _preview(world)
    assert preview.feasible
    _exec(world, a.manager, "UPDATE table_assignments SET seat_number = 4 WHERE participant_id = :p", {"p": p[0]})
    before, history_before = _seats(world), _history(world)
    result = _apply(world, preview)
    assert not result.ok and result.message == autoseat.STALE_MESSAGE
    assert _seats(world) == before and _history(world) == history_before

    # A participant added meanwhile makes the plan stale too (it would leave them out).
    fresh = _preview(world)
    _exec(world, a.owner, "INSERT INTO participants (event_id, full_name) VALUES (:e, 'Late Larry')",
          {"e": a.event_id})
    assert not _apply(world, fresh).ok
    assert _seats(world) == before


def test_a_viewer_can_preview_but_not_apply(world: World) -> None:
    preview = _preview(world, world.a.viewer)
    assert preview.feasible
    result = _apply(world, preview, world.a.viewer)
    assert not result.ok and "only view" in result.message
    assert _seats(world) == {}


def test_swaps_and_rotations_are_applied_in_one_go(world: World) -> None:
    p = world.a.participant_ids
    # Everyone opted in; p0..p3 share interests and want to sit together, but sit apart today.
    for person in p:
        _opt_in(world, person, ["ai"] if person in p[:4] else ["gardening"], company=None)
    _seat(world, p[0], 2, 1, "auto")
    _seat(world, p[1], 3, 1, "auto")
    _seat(world, p[2], 3, 2, "auto")
    _seat(world, p[3], 2, 2, "auto")
    _seat(world, p[4], 2, 3, "auto")
    _seat(world, p[5], 2, 4, "auto")
    preview = _preview(world, options=AutoSeatOptions(time_limit=3.0, mode="exact"))
    assert preview.status == "optimal" and preview.moved >= 2
    result = _apply(world, preview)
    assert result.ok, result
    tables = {pid: t for pid, (t, _, _, _) in _seats(world).items()}
    assert len({tables[str(x)] for x in p[:4]}) == 1


# --------------------------------------------------------------------------------------- infeasible

def _assert_names_not_ids(lines: tuple[str, ...], names: list[str]) -> None:
    joined = " ".join(lines)
    for name in names:
        assert name in joined, (name, joined)
    assert not UUID_TEXT.search(joined), joined


def test_more_vips_than_vip_seats_gives_a_partial_plan_naming_who_is_left_out(world: World) -> None:
    a, p = world.a, world.a.participant_ids
    _exec(world, a.owner, "UPDATE participants SET is_vip = true WHERE event_id = :e AND id = ANY (:ids)",
          {"e": a.event_id, "ids": p[:5]})
    preview = _preview(world)
    assert preview.feasible and preview.partial
    # VIPs sit at VIP tables: table 1 seats 4, so the fifth VIP (by name) has no seat.
    assert preview.shortage == "5 VIPs, 4 seats at VIP tables: 1 seat short; add 1 VIP table of 4."
    assert [(x.full_name, x.reason) for x in preview.left_out] == [(_name(world, p[4]), "the VIP tables were full")]
    assert "VIPs" in preview.priority and "units" not in " ".join(preview.explanation + (preview.priority,))
    _assert_names_not_ids(preview.left_out_frame()["Name"].tolist(), [_name(world, p[4])])
    result = _apply(world, preview)
    assert result.ok and result.seated == 5
    seats = _seats(world)
    assert str(p[4]) not in seats and {seats[str(x)][0] for x in p[:4]} == {1}


def test_a_keep_together_group_larger_than_any_table_is_explained_by_name(world: World) -> None:
    a, p = world.a, world.a.participant_ids
    with world.database.tenant_session(a.manager) as s:
        autoseat.add_rule(s, a.event_id, "together", p[:5])
    preview = _preview(world)
    assert not preview.feasible
    assert any("keep-together" in line for line in preview.problems), preview.problems
    _assert_names_not_ids(preview.problems, [_name(world, x) for x in p[:5]])
    assert not _apply(world, preview).ok and _seats(world) == {}


def _add_guests(world: World, count: int) -> list[str]:
    ids = []
    for index in range(count):
        with world.database.tenant_session(world.a.owner) as s:
            ids.append(str(s.execute(text("INSERT INTO participants (event_id, full_name) VALUES (:e, :n) RETURNING id"),
                                     {"e": world.a.event_id, "n": f"Extra guest {index}"}).scalar_one()))
    return ids


def test_more_people_than_seats_gives_a_partial_plan_in_the_stated_priority(world: World) -> None:
    extra = _add_guests(world, 5)  # 11 people, 10 seats
    _seat(world, extra[4], 3, 1, "auto")   # already seated: first among "everyone else"
    preview = _preview(world, options=AutoSeatOptions(time_limit=3.0, vip_tables_reserved=False))
    assert preview.feasible and preview.partial and not preview.problems
    assert preview.shortage == "11 guests, 10 seats: 1 seat short; add 1 table of 4."
    assert [(x.full_name, x.reason, x.old_table) for x in preview.left_out] == [
        ("Extra guest 3", "every table was full", None)]
    assert preview.partial_summary.startswith("The plan seats 10 people")
    result = _apply(world, preview)
    assert result.ok and len(_seats(world)) == 10 and extra[3] not in _seats(world)


def test_a_keep_together_group_comes_before_others_who_had_a_seat(world: World) -> None:
    a, p = world.a, world.a.participant_ids
    extra = _add_guests(world, 5)
    everyone = [str(x) for x in p] + extra
    for index, pid in enumerate(everyone[1:]):  # all but Alpha person 0 seated: 10 seats, 10 people
        _seat(world, pid, [1, 1, 1, 1, 2, 2, 2, 2, 3, 3][index], [1, 2, 3, 4, 1, 2, 3, 4, 1, 2][index], "auto")
    with world.database.tenant_session(a.manager) as s:
        autoseat.add_rule(s, a.event_id, "together", [p[0], p[1]])
    preview = _preview(world, options=AutoSeatOptions(time_limit=3.0, vip_tables_reserved=False))
    assert preview.partial
    # The group (Alpha person 0 and 1) is seated; the last by name of those who had a seat gives way.
    assert [(x.full_name, x.old_table) for x in preview.left_out] == [("Extra guest 4", 3)]
    result = _apply(world, preview)
    assert result.ok and result.unseated == 1 and "1 left without a seat" in result.message
    seats = _seats(world)
    assert extra[4] not in seats and seats[str(p[0])][0] == seats[str(p[1])][0]


def test_the_shortage_sentence_counts_tables_to_add() -> None:
    from eventflow.autoseat.shortage import Shortage
    assert Shortage(148, 116, 8).sentence == "148 guests, 116 seats: 32 seats short; add 4 tables of 8."
    assert Shortage(11, 10, 4).tables_to_add == 1


def test_bad_options_are_refused_with_a_clear_message(world: World) -> None:
    for options in (AutoSeatOptions(time_limit=0), AutoSeatOptions(time_limit=float("nan")),
                    AutoSeatOptions(move_penalty=-1), AutoSeatOptions(mode="magic")):  # type: ignore[arg-type]
        with pytest.raises(AutoSeatError):
            _preview(world, options=options)


# ----------------------------------------------------------------------------------- on the day

def test_replan_keeps_checked_in_and_pinned_people_and_seats_the_walk_ins(world: World) -> None:
    a, p = world.a, world.a.participant_ids
    for person in p:
        _opt_in(world, person, ["ai"], company=None)
    _seat(world, p[0], 2, 1, "manager")   # pinned by the manager
    _seat(world, p[1], 3, 1, "auto")      # checked in below
    _seat(world, p[2], 2, 2, "auto")
    _exec(world, a.owner, "UPDATE participants SET checked_in_at = now() WHERE id = :p", {"p": p[1]})
    # Keeping p1 apart from p2 would be easy; keeping p1 with p3..p5 cannot happen at a table of two:
    # the re-plan must keep p0 at table 2 and p1 at table 3 whatever the score would like.
    options = AutoSeatOptions(time_limit=3.0, replan=True, move_penalty=0.5)
    preview = _preview(world, options=options)
    assert preview.feasible and preview.kind == "re-plan"
    planned = {pid: (t, s) for pid, t, s in preview.plan}
    assert planned[str(p[0])][0] == 2 and planned[str(p[1])] == (3, 1)
    assert {str(x) for x in p[3:]} <= {c.participant_id for c in preview.changes if c.old_table is None}
    assert any(line.startswith("Re-plan:") for line in preview.explanation)
    result = _apply(world, preview)
    assert result.ok and result.seated == 3
    seats = _seats(world)
    assert len(seats) == 6 and seats[str(p[1])][:3] == (3, 1, "auto") and seats[str(p[0])][2] == "manager"
    assert {h.change_kind for h in _history(world)[3:]} == {"re-plan"}


def test_replan_may_move_checked_in_people_when_the_organiser_allows_it(world: World) -> None:
    a, p = world.a, world.a.participant_ids
    _seat(world, p[0], 3, 1, "auto")
    _exec(world, a.owner, "UPDATE participants SET checked_in_at = now() WHERE id = :p", {"p": p[0]})
    with world.database.tenant_session(a.manager) as s:
        # p0 must now sit apart from p1, who is pinned by the manager to p0's table.
        autoseat.add_rule(s, a.event_id, "apart", [p[0], p[1]])
    _seat(world, p[1], 3, 2, "manager")
    kept = _preview(world, options=AutoSeatOptions(time_limit=3.0, replan=True))
    assert not kept.feasible
    _assert_names_not_ids(kept.problems, [_name(world, p[0]), _name(world, p[1])])
    moved = _preview(world, options=AutoSeatOptions(time_limit=3.0, replan=True, move_checked_in=True))
    assert moved.feasible
    assert {pid: t for pid, t, _ in moved.plan}[str(p[0])] != 3


def test_walk_in_suggestions_name_only_opted_in_people_and_accepting_writes_ai(world: World) -> None:
    a, p = world.a, world.a.participant_ids
    _opt_in(world, p[0], ["ai", "climate"])
    _opt_in(world, p[1], ["ai"], company="Other Co")
    _seat(world, p[1], 2, 1, "auto")
    _seat(world, p[2], 2, 2, "auto")   # not opted in: never named
    _seat(world, p[3], 3, 1, "auto")
    with world.database.tenant_session(a.manager) as s:
        suggestions = autoseat.walk_in_suggestions(s, a.event_id, p[0])
    assert suggestions and suggestions[0].table_number == 2
    assert _name(world, p[1]) in suggestions[0].reason and "ai" in suggestions[0].reason
    assert suggestions[0].meets == ((_name(world, p[1]), 1.0, ("ai",)),)
    for suggestion in suggestions:
        assert _name(world, p[2]) not in suggestion.reason and _name(world, p[3]) not in suggestion.reason
        assert not UUID_TEXT.search(suggestion.reason)
        assert suggestion.table_number != 1  # the reserved VIP table

    with world.database.tenant_session(a.manager) as s:  # someone who did not opt in: ranked by free seats only
        quiet = autoseat.walk_in_suggestions(s, a.event_id, p[4])
    assert quiet and all(s.meets == () and "opted in" in s.reason for s in quiet)

    result = world.database.run_transaction(a.manager, lambda s: autoseat.accept_walk_in(s, a.event_id, p[0], 2))
    assert result.ok and result.seated == 1
    assert _seats(world)[str(p[0])][:3] == (2, 3, "ai")  # the first free seat
    assert [h.change_kind for h in _history(world)][-1] == "walk-in"

    with world.database.tenant_session(a.manager) as s, pytest.raises(AutoSeatError, match="already sits"):
        autoseat.walk_in_suggestions(s, a.event_id, p[0])
    before = _seats(world)
    refused = world.database.run_transaction(a.manager, lambda s: autoseat.accept_walk_in(s, a.event_id, p[4], 1))
    assert not refused.ok and "no longer suits" in refused.message
    refused = world.database.run_transaction(a.viewer, lambda s: autoseat.accept_walk_in(s, a.event_id, p[4], 3))
    assert not refused.ok and "only view" in refused.message
    assert _seats(world) == before


def test_suggestions_and_who_to_meet_hold_no_connection_while_the_engine_computes(world: World) -> None:
    a, p = world.a, world.a.participant_ids
    pool = world.database.app_engine.pool
    for read in (lambda s: autoseat.walk_in_suggestions(s, a.event_id, p[0]),
                 lambda s: autoseat.who_to_meet_table(s, a.event_id)):
        with world.database.tenant_session(a.manager) as s:
            assert read(s) is not None
            # The read's transaction ended before the engine ran: no transaction, no pooled connection.
            assert not s.in_transaction() and pool.checkedout() == 0
            # The session still works, as the same organiser (a new transaction, row-level security).
            assert s.execute(text("SELECT count(*) FROM participants WHERE event_id = :e"),
                             {"e": a.event_id}).scalar() == len(p)


def test_who_to_meet_lists_only_opted_in_people(world: World) -> None:
    a, p = world.a, world.a.participant_ids
    _opt_in(world, p[0], ["ai", "climate"], company=None)
    _opt_in(world, p[1], ["ai", "climate"], company=None)
    _opt_in(world, p[2], ["ai"], company=None)
    _exec(world, a.owner, "UPDATE participants SET interests = '{ai,climate}' WHERE id = :p", {"p": p[3]})
    with world.database.tenant_session(a.viewer) as s:
        frame = autoseat.who_to_meet_table(s, a.event_id)
    assert list(frame.columns) == autoseat.WHO_TO_MEET_COLUMNS
    opted_in = {_name(world, x) for x in p[:3]}
    assert set(frame["participant"]) == opted_in and set(frame["meet"]) == opted_in
    first = frame[frame["participant"] == _name(world, p[0])]
    assert first["meet"].tolist() == [_name(world, p[1]), _name(world, p[2])]
    assert first["shared_interests"].tolist() == ["ai, climate", "ai"]
    assert first["weight"].tolist() == [2.0, 1.0]
    csv = formatting.to_safe_csv(frame).decode("utf-8-sig")
    assert _name(world, p[3]) not in csv and _name(world, p[1]) in csv


# --------------------------------------------------------------------------------------------- rules

def test_rules_are_added_listed_and_removed_and_bad_rules_are_refused(world: World) -> None:
    a, p = world.a, world.a.participant_ids
    with world.database.tenant_session(a.manager) as s:
        together = autoseat.add_rule(s, a.event_id, "together", [p[0], p[1], p[2]], note="  family ")
        autoseat.add_rule(s, a.event_id, "apart", [p[3], p[4]])
        for kind, people in (("apart", [p[0], p[1], p[2]]), ("apart", [p[0], p[0]]), ("together", [p[0]]),
                             ("sideways", [p[0], p[1]]), ("together", ["not-an-id", p[1]]),
                             ("together", [p[0], world.b.participant_ids[0]])):
            with pytest.raises(AutoSeatError):
                autoseat.add_rule(s, a.event_id, kind, people)
    with world.database.tenant_session(a.viewer) as s:
        rules = autoseat.list_rules(s, a.event_id)
    assert [(r.kind, set(r.names), r.note) for r in rules] == [
        ("together", {_name(world, x) for x in p[:3]}, "family"), ("apart", {_name(world, x) for x in p[3:5]}, None)]
    assert rules[1].description.startswith("Keep apart: ")

    with pytest.raises(PermissionError), world.database.tenant_session(a.viewer) as s:
        autoseat.add_rule(s, a.event_id, "apart", [p[0], p[5]])
    with pytest.raises(PermissionError), world.database.tenant_session(a.viewer) as s:
        autoseat.remove_rule(s, a.event_id, together)
    with pytest.raises(AutoSeatError), world.database.tenant_session(world.b.owner) as s:
        autoseat.remove_rule(s, a.event_id, together)  # B cannot even see it
    with world.database.tenant_session(world.b.owner) as s:
        assert autoseat.list_rules(s, a.event_id) == []
    with world.database.tenant_session(a.manager) as s:
        assert len(autoseat.list_rules(s, a.event_id)) == 2
        autoseat.remove_rule(s, a.event_id, together)
        assert [r.kind for r in autoseat.list_rules(s, a.event_id)] == ["apart"]


def test_the_database_keeps_rules_well_formed(world: World) -> None:
    a, p = world.a, world.a.participant_ids
    insert_rule = "INSERT INTO seating_rules (organization_id, id, event_id, kind) VALUES (:o, :r, :e, :k)"
    insert_member = ("INSERT INTO seating_rule_members (organization_id, event_id, rule_id, participant_id) "
                     "VALUES (:o, :e, :r, :p)")
    for kind, people in (("apart", p[:1]), ("apart", p[:3]), ("together", p[:1]), ("together", [])):
        rule = uuid.uuid4()
        with pytest.raises(DBAPIError) as refused, world.database.tenant_session(a.owner) as s:
            s.execute(text(insert_rule), {"o": a.id, "r": rule, "e": a.event_id, "k": kind})
            for person in people:
                s.execute(text(insert_member), {"o": a.id, "e": a.event_id, "r": rule, "p": person})
        assert refused.value.orig.sqlstate == "23514", kind
    # A rule cannot name a person of another event, even of the same organisation.
    with pytest.raises(DBAPIError), world.database.tenant_session(a.owner) as s:
        rule = uuid.uuid4()
        s.execute(text(insert_rule), {"o": a.id, "r": rule, "e": a.event_id, "k": "apart"})
        for person in (p[0], world.b.participant_ids[0]):
            s.execute(text(insert_member), {"o": a.id, "e": a.event_id, "r": rule, "p": person})
    with world.database.tenant_session(a.owner) as s:
        assert s.execute(text("SELECT count(*) FROM seating_rules")).scalar() == 0

    # Deleting a participant is never blocked: a pair loses its rule, a group of three keeps two.
    with world.database.tenant_session(a.manager) as s:
        autoseat.add_rule(s, a.event_id, "apart", [p[0], p[1]])
        autoseat.add_rule(s, a.event_id, "together", [p[0], p[2], p[3]])
    _exec(world, a.owner, "DELETE FROM participants WHERE id = :p", {"p": p[0]})
    with world.database.tenant_session(a.manager) as s:
        rules = autoseat.list_rules(s, a.event_id)
    assert [(r.kind, set(r.names)) for r in rules] == [("together", {_name(world, p[2]), _name(world, p[3])})]


def test_an_unknown_rule_kind_is_never_shown_under_another_rules_heading(monkeypatch) -> None:
    # Every kind the checker knows today has a heading of its own family.
    assert {autoseat.check_family(kind) for kind in engine.RuleKind} == {key for key, _ in autoseat.CHECK_FAMILIES}
    for kind in ("near_stage", "vip_zone", "capacity_soft", "seated"):  # kinds the table does not know
        assert autoseat.check_family(kind) == "other", kind

    # Through the page's checks: a violation of an unknown kind gets a heading of its own, and the
    # plan does not pass (every rule must hold before "Apply plan" is offered).
    pat = str(uuid.uuid4())
    instance = engine.Instance(tables=(engine.Table(1, 2),), participants=(engine.Participant(pat),))
    plan = [engine.Assignment(pat, 1, 1)]
    unknown = engine.Violation("near_stage", (pat,), (1,), f"near_stage: participant '{pat}' is not near the stage")
    monkeypatch.setattr(engine, "violations", lambda instance, plan: [unknown])
    checks = {c.rule: c for c in autoseat.rule_checks(instance, plan, {pat: "Pat"})}
    assert all(c.ok for rule, c in checks.items() if rule != autoseat.rules.OTHER[1])
    assert checks[autoseat.rules.OTHER[1]].problems == ("near_stage: participant Pat is not near the stage",)


# -------------------------------------------------------------------------------------- networking

def test_a_zero_networking_score_says_nobody_opted_in_and_what_the_score_rewards(world: World) -> None:
    preview = _preview(world)
    assert preview.score_before == 0 and preview.score_after == 0
    assert preview.networking[0].startswith("The networking score is 0 whatever the seating: Nobody has opted in")
    assert "+1 point for each interest they share" in preview.networking[1]
    assert "-2 points (to mix companies)" in preview.networking[1]


def test_keep_colleagues_together_turns_the_company_weight_round(world: World) -> None:
    p = world.a.participant_ids
    for person in p[:4]:
        _opt_in(world, person, [], company="Shared Co")
    for person in p[4:]:
        _opt_in(world, person, [], company="Other Co")
    mixed = _preview(world, options=AutoSeatOptions(time_limit=3.0, vip_tables_reserved=False))
    together = _preview(world, options=AutoSeatOptions(time_limit=3.0, vip_tables_reserved=False, company="together"))
    assert "+2 points (to keep colleagues together)" in together.networking[-1]
    assert mixed.networking[0] == "6 of 6 participants opted in to networking."

    def colleagues_at_one_table(preview) -> int:
        table_of = {pid: table for pid, table, _ in preview.plan}
        return len({table_of[str(x)] for x in p[:4]})

    assert colleagues_at_one_table(together) == 1   # the four from Shared Co at one table
    assert colleagues_at_one_table(mixed) >= 2
    with pytest.raises(AutoSeatError, match="Colleagues"):
        _preview(world, options=AutoSeatOptions(company="sometimes"))
