"""Re-planning on the day: seat newcomers, keep frozen people, move few others."""

from __future__ import annotations

import itertools

import pytest
from engine_fixtures import participant, table

from eventflow.engine import check, generate_instance, instance_from_json, score, solve


def test_newcomers_are_seated_without_moving_anyone_when_moves_are_expensive() -> None:
    data = generate_instance(200, 20, seed=8)
    instance = instance_from_json(data)
    first = solve(instance, mode="heuristic", time_limit=1)
    current = {a.participant_id: a.table_number for a in first.assignments[10:]}
    frozen = set(list(current)[:50])
    again = solve(instance, mode="heuristic", time_limit=1, current=current, move_penalty=100.0,
                  frozen=frozen)
    assert again.status == "feasible" and check(instance, again.assignments) == []
    assert again.moves == 0
    assert all(again.table_of()[pid] == current[pid] for pid in current)
    assert "0 already-seated people change table" in " ".join(again.explanation)


def test_frozen_people_never_move_and_objective_charges_moves() -> None:
    data = generate_instance(120, 12, seed=9)
    instance = instance_from_json(data)
    first = solve(instance, mode="heuristic", time_limit=0.5, seed=1)
    # Today's plan came from another seed, so a better one exists nearby.
    current = first.table_of()
    frozen = set(list(current)[::7])
    again = solve(instance, mode="heuristic", time_limit=1, current=current, move_penalty=0.5,
                  frozen=frozen, seed=2)
    assert check(instance, again.assignments) == []
    assert all(again.table_of()[pid] == current[pid] for pid in frozen)
    moved = sum(again.table_of()[pid] != t for pid, t in current.items())
    assert again.moves == moved
    assert again.objective == pytest.approx(score(instance, again.assignments) - 0.5 * moved)


def brute_force_replan(instance, current, penalty, frozen) -> float:
    ids = [p.id for p in instance.participants]
    numbers = [t.table_number for t in instance.tables]
    best = None
    for combo in itertools.product(numbers, repeat=len(ids)):
        plan = dict(zip(ids, combo, strict=True))
        if any(plan[pid] != current[pid] for pid in frozen) or check(instance, plan):
            continue
        moves = sum(plan[pid] != t for pid, t in current.items())
        value = score(instance, plan) - penalty * moves
        best = value if best is None else max(best, value)
    return best


@pytest.mark.parametrize("penalty", [0.0, 0.75, 3.0])
@pytest.mark.parametrize("mode", ["exact", "heuristic"])
def test_replan_matches_brute_force(penalty: float, mode: str) -> None:
    instance = instance_from_json({
        "tables": [table(1, 3), table(2, 3), table(3, 2)],
        "participants": [
            participant(1, interests=["ai", "cloud"]), participant(2, interests=["ai", "cloud"]),
            participant(3, interests=["design"]), participant(4, interests=["design", "ai"]),
            participant(5, interests=["cloud"], company="acme"), participant(6, company="acme"),
            participant(7, networking_opt_in=False, interests=["ai"]),
        ],
        "together": [[3, 4]],
    })
    current = {1: 1, 3: 2, 4: 2, 5: 1, 6: 3, 2: 3}
    frozen = {6}
    best = brute_force_replan(instance, current, penalty, frozen)
    solution = solve(instance, mode=mode, time_limit=5, current=current, move_penalty=penalty,
                     frozen=frozen)
    assert check(instance, solution.assignments) == []
    assert solution.objective == pytest.approx(best)
    if mode == "exact":
        assert solution.status == "optimal" and solution.bound == pytest.approx(best)


def test_a_current_plan_that_no_longer_fits_is_repaired() -> None:
    # Table 1 shrank to two seats after four people were seated there.
    instance = instance_from_json({
        "tables": [table(1, 2), table(2, 4)],
        "participants": [participant(k, interests=["ai"]) for k in range(1, 6)],
        "apart": [[4, 5]],
    })
    current = {1: 1, 2: 1, 3: 1, 4: 1}
    solution = solve(instance, mode="heuristic", time_limit=1, current=current, move_penalty=1.0)
    assert solution.status == "feasible" and check(instance, solution.assignments) == []
    assert solution.moves == sum(solution.table_of()[pid] != t for pid, t in current.items()) >= 2
