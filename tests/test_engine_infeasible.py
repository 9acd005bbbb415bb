"""Infeasible instances are detected up front and explained: the rule and the people involved."""

from __future__ import annotations

import pytest
from engine_fixtures import participant, table

from eventflow.engine import instance_from_json, solve


def people(*ids, **fields) -> list[dict]:
    return [participant(k, **fields) for k in ids]


CASES = {
    "more VIPs than VIP seats": (
        {"tables": [table(1, 2, is_vip_table=True), table(2, 10)],
         "participants": people("v1", "v2", "v3", is_vip=True) + people("a", "b")},
        "vip", ["v1", "v2", "v3"],
    ),
    "group larger than any table": (
        {"tables": [table(1, 3), table(2, 3)],
         "participants": people(1, 2, 3, 4), "together": [[1, 2, 3, 4]]},
        "keep-together", [1, 2, 3, 4],
    ),
    "group larger than any table it may use": (
        {"tables": [table(1, 6, is_vip_table=True), table(2, 2), table(3, 2)],
         "participants": people(1, 2, 3, 4), "together": [[1, 2, 3]]},
        "keep-together", [1, 2, 3],
    ),
    "more pins than a table seats": (
        {"tables": [table(1, 2), table(2, 5)], "participants": people(1, 2, 3),
         "pinned": [{"participant_id": k, "table_number": 1} for k in (1, 2, 3)]},
        "pinned", [1, 2, 3],
    ),
    "more people than seats": (
        {"tables": [table(1, 2), table(2, 2)], "participants": people(1, 2, 3, 4, 5)},
        "capacity", [1, 2, 3, 4, 5],
    ),
    "accessible demand exceeds accessible seats": (
        {"tables": [table(1, 1, accessible=True), table(2, 5)],
         "participants": people("w1", "w2", needs_accessible=True) + people("x")},
        "accessible", ["w1", "w2"],
    ),
    "keep-apart pair inside a keep-together group": (
        {"tables": [table(1, 5)], "participants": people(1, 2, 3),
         "together": [[1, 2, 3]], "apart": [[1, 3]]},
        "keep-apart", [1, 3],
    ),
    "keep-apart pair pinned to one table": (
        {"tables": [table(1, 5), table(2, 5)], "participants": people(1, 2),
         "pinned": [{"participant_id": 1, "table_number": 2}, {"participant_id": 2, "table_number": 2}],
         "apart": [[2, 1]]},
        "keep-apart", [1, 2],
    ),
    "min_fill above what everyone can fill": (
        {"tables": [table(1, 5, min_fill=3), table(2, 5, min_fill=3)], "participants": people(1, 2, 3, 4)},
        "min_fill", [1, 2, 3, 4],
    ),
    "min_fill above capacity": (
        {"tables": [table(1, 2, min_fill=3), table(2, 5)], "participants": people(1, 2, 3)},
        "min_fill: table 1", [],
    ),
    "group pinned to two tables": (
        {"tables": [table(1, 5), table(2, 5)], "participants": people(1, 2),
         "pinned": [{"participant_id": 1, "table_number": 1}, {"participant_id": 2, "table_number": 2}],
         "together": [[1, 2]]},
        "keep-together", [1, 2],
    ),
    "VIP pinned to a non-VIP table": (
        {"tables": [table(1, 5, is_vip_table=True), table(2, 5)], "participants": people("boss", is_vip=True),
         "pinned": [{"participant_id": "boss", "table_number": 2}]},
        "VIP", ["boss"],
    ),
    "no table is both VIP and accessible": (
        {"tables": [table(1, 5, is_vip_table=True), table(2, 5, accessible=True)],
         "participants": [participant("chair", is_vip=True, needs_accessible=True)]},
        "VIP table", ["chair"],
    ),
    "every table is a reserved VIP table": (
        {"tables": [table(1, 5, is_vip_table=True)], "participants": people("guest")},
        "VIP", ["guest"],
    ),
    "no tables at all": (
        {"tables": [], "participants": people(1, 2)},
        "capacity", [1, 2],
    ),
    "reserved VIP tables leave too few seats for the others": (
        {"tables": [table(1, 5, is_vip_table=True), table(2, 2)], "participants": people(1, 2, 3)},
        "VIP", [1, 2, 3],
    ),
}


@pytest.mark.parametrize("mode", ["exact", "heuristic"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_infeasible_input_is_explained(case: str, mode: str) -> None:
    data, rule, ids = CASES[case]
    solution = solve(instance_from_json(data), mode=mode, time_limit=2)
    assert solution.status == "infeasible"
    assert solution.objective is None and solution.assignments == []
    text = " ".join(solution.explanation)
    assert rule.lower() in text.lower()
    for pid in ids:
        assert repr(pid) in text
    assert any(set(ids) <= set(p.participant_ids) for p in solution.problems)


def test_frozen_person_pinned_elsewhere_is_explained() -> None:
    instance = instance_from_json({"tables": [table(1, 3), table(2, 3)], "participants": people(1, 2),
                                   "pinned": [{"participant_id": 1, "table_number": 2}]})
    solution = solve(instance, current={1: 1}, frozen={1})
    assert solution.status == "infeasible"
    assert "frozen at table 1 but pinned to table 2" in solution.explanation[0]


@pytest.mark.parametrize("mode", ["exact", "heuristic"])
def test_unpackable_groups_are_reported_honestly(mode: str) -> None:
    # Six people in three pairs, two tables of three: every count adds up, yet no plan exists.
    instance = instance_from_json({
        "tables": [table(1, 3), table(2, 3)],
        "participants": people(1, 2, 3, 4, 5, 6),
        "together": [[1, 2], [3, 4], [5, 6]],
    })
    solution = solve(instance, mode=mode, time_limit=5)
    assert solution.status == "infeasible"
    assert "no seating satisfies all rules together" in solution.explanation[0]
