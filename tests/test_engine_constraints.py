"""Every hard rule holds on generated instances; the checker and scorer agree with the solver."""

from __future__ import annotations

from engine_fixtures import brute_force_optimum, participant, table, tiny_instance
from hypothesis import given, settings
from hypothesis import strategies as st

from eventflow.engine import check, generate_instance, instance_from_json, score, solve


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(1, 120),
    people_per_table=st.integers(3, 12),
    string_ids=st.booleans(),
)
def test_heuristic_plans_satisfy_every_rule(seed: int, n: int, people_per_table: int,
                                            string_ids: bool) -> None:
    data = generate_instance(n, max(1, n // people_per_table), seed, string_ids=string_ids)
    instance = instance_from_json(data)
    solution = solve(instance, mode="heuristic", time_limit=0.3, seed=seed)
    assert solution.status == "feasible", solution.explanation  # feasible by construction
    assert check(instance, solution.assignments) == []
    assert solution.objective == score(instance, solution.assignments)
    assert sorted(map(str, solution.table_of())) == sorted(str(p["id"]) for p in data["participants"])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_tiny_instances_are_seated_validly_or_truly_infeasible(seed: int) -> None:
    instance = instance_from_json(tiny_instance(seed))
    solution = solve(instance, mode="heuristic", time_limit=0.5, seed=seed)
    if solution.status == "infeasible":
        assert brute_force_optimum(instance) is None
        assert solution.explanation
    else:
        assert check(instance, solution.assignments) == []


def test_keep_together_groups_get_adjacent_seats() -> None:
    instance = instance_from_json({
        "tables": [table(1, 6), table(2, 6)],
        "participants": [participant(k, interests=["ai"] if k % 2 else ["cloud"]) for k in range(1, 11)],
        "together": [[2, 5, 9], [4, 10], [10, 7]],  # the last two overlap, so they merge
        "apart": [[2, 4]],
    })
    solution = solve(instance, mode="heuristic", time_limit=0.5)
    assert check(instance, solution.assignments) == []
    seats = {a.participant_id: (a.table_number, a.seat_number) for a in solution.assignments}
    for group in ([2, 5, 9], [4, 10, 7]):
        assert len({seats[p][0] for p in group}) == 1
        numbers = sorted(seats[p][1] for p in group)
        assert numbers == list(range(numbers[0], numbers[0] + len(group)))


def test_checker_reports_each_broken_rule() -> None:
    instance = instance_from_json({
        "tables": [table(1, 2, min_fill=1), table(2, 2, is_vip_table=True), table(3, 2, min_fill=1)],
        "participants": [participant(1, is_vip=True), participant(2), participant(3, needs_accessible=True),
                         participant(4), participant(5)],
        "pinned": [{"participant_id": 4, "table_number": 2}],
        "together": [[2, 5]],
        "apart": [[1, 3]],
    })
    plan = {1: 1, 2: 2, 3: 1, 4: 1, 5: 1}
    problems = " | ".join(check(instance, plan))
    for words in ("capacity: table 1", "min_fill: table 3", "pinned: participant 4", "together",
                  "apart: participants 1 and 3", "vip: VIP participant 1",
                  "vip: participant 2 is not a VIP", "accessible: participant 3"):
        assert words in problems


def test_pin_lets_a_group_sit_at_a_reserved_vip_table() -> None:
    instance = instance_from_json({
        "tables": [table(1, 4, is_vip_table=True), table(2, 4)],
        "participants": [participant(k) for k in range(1, 5)],
        "pinned": [{"participant_id": 1, "table_number": 1}],
        "together": [[1, 2]],
    })
    solution = solve(instance, time_limit=2)
    assert solution.status == "optimal"
    assert solution.table_of()[2] == 1
    assert check(instance, solution.assignments) == []


def test_an_empty_event_is_trivially_optimal() -> None:
    for data in ({"tables": [], "participants": []}, {"tables": [table(1, 4)], "participants": []}):
        solution = solve(instance_from_json(data))
        assert (solution.status, solution.objective, solution.assignments) == ("optimal", 0.0, [])
