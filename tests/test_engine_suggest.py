"""Walk-in suggestions and who-to-meet lists."""

from __future__ import annotations

import pytest
from engine_fixtures import participant, table

from eventflow.engine import InstanceError, instance_from_json, suggest_tables, who_to_meet


def event() -> dict:
    return {
        "tables": [table(1, 3), table(2, 3), table(3, 2, accessible=True), table(4, 4, is_vip_table=True)],
        "participants": [
            participant("ana", interests=["ai", "cloud"], company="acme"),
            participant("ben", interests=["ai", "cloud"]),
            participant("cat", interests=["design"]),
            participant("dan", interests=["ai"], company="acme"),
            participant("eve", interests=["ai", "cloud", "design"], networking_opt_in=False),
            participant("vip", is_vip=True, interests=["ai"]),
            participant("walk", interests=["ai", "cloud"]),
            participant("shy", interests=["ai", "cloud"], networking_opt_in=False),
            participant("roll", needs_accessible=True, interests=["ai"]),
        ],
        "apart": [["walk", "cat"]],
    }


CURRENT = {"ana": 1, "ben": 1, "cat": 2, "dan": 2, "eve": 3, "vip": 4}


def test_best_table_first_with_whom_they_would_meet() -> None:
    instance = instance_from_json(event())
    suggestions = suggest_tables(instance, CURRENT, "walk", top=3)
    # Table 2 holds cat (keep apart), table 4 is a reserved VIP table.
    assert [s.table_number for s in suggestions] == [1, 3]
    best = suggestions[0]
    assert best.gain == 4 and best.free_seats == 1
    assert [(pid, w, shared) for pid, w, shared in best.meets] == [
        ("ana", 2.0, ["ai", "cloud"]), ("ben", 2.0, ["ai", "cloud"])]
    assert "'ana' (ai, cloud)" in best.reason
    # eve at table 3 shares interests but has not opted in: no gain, not listed.
    assert suggestions[1].gain == 0 and suggestions[1].meets == ()


def test_full_tables_vip_tables_and_accessibility_are_respected() -> None:
    instance = instance_from_json(event())
    full = {**CURRENT, "x": 1}
    data = event()
    data["participants"].append(participant("x"))
    instance = instance_from_json(data)
    assert 1 not in [s.table_number for s in suggest_tables(instance, full, "walk", top=5)]
    assert [s.table_number for s in suggest_tables(instance, CURRENT, "roll", top=5)] == [3]
    vip_data = event()
    vip_data["participants"].append(participant("guest2", is_vip=True))
    vip_instance = instance_from_json(vip_data)
    assert [s.table_number for s in suggest_tables(vip_instance, CURRENT, "guest2")] == [4]


def test_keep_together_and_pins_decide_the_table() -> None:
    data = event()
    data["together"] = [["walk", "dan"]]
    data["apart"] = []
    assert [s.table_number for s in suggest_tables(instance_from_json(data), CURRENT, "walk")] == [2]
    data["together"] = []
    data["pinned"] = [{"participant_id": "walk", "table_number": 4}]
    assert [s.table_number for s in suggest_tables(instance_from_json(data), CURRENT, "walk")] == [4]


def test_non_opted_in_walk_in_is_ranked_by_free_seats_only() -> None:
    instance = instance_from_json(event())
    suggestions = suggest_tables(instance, CURRENT, "shy", top=5)
    assert [s.table_number for s in suggestions] == [1, 2, 3]
    assert all(s.gain == 0 and s.meets == () and "not opted in" in s.reason for s in suggestions)


def test_unknown_walk_in_raises() -> None:
    with pytest.raises(InstanceError, match="unknown participant id 'nobody'"):
        suggest_tables(instance_from_json(event()), CURRENT, "nobody")


def test_who_to_meet_lists_positive_matches_among_opted_in_people() -> None:
    matches = who_to_meet(instance_from_json(event()), top=5)
    assert set(matches) == {"ana", "ben", "cat", "dan", "vip", "walk", "roll"}
    assert matches["ben"][:2] == [("ana", 2.0, ["ai", "cloud"]), ("walk", 2.0, ["ai", "cloud"])]
    # ana and dan share "ai" but also the company (-2): weight -1, so not listed.
    assert "dan" not in [other for other, _, _ in matches["ana"]]
    assert matches["cat"] == []
    assert all(w > 0 for lst in matches.values() for _, w, _ in lst)
    assert len(who_to_meet(instance_from_json(event()), top=1)["ben"]) == 1
