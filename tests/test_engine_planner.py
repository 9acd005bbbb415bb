"""``solve``: what it says besides the plan (warnings, exact mode's size guard, the clock)."""

from __future__ import annotations

import time

from engine_fixtures import participant, table

from eventflow.engine import check, generate_instance, instance_from_json, solve
from eventflow.engine.exact import EXACT_MAX_BYTES, exact_model_size
from eventflow.engine.indexed import IndexedInstance


def test_ignored_pair_weights_are_counted_in_a_warning() -> None:
    data = {"tables": [table(1, 2), table(2, 2)],
            "participants": [participant(1), participant(2, networking_opt_in=False), participant(3),
                             participant(4)],
            "pair_weights": [[1, 2, 4.0], [1, 3, 1.5], [2, 4, -2.0]]}
    solution = solve(instance_from_json(data), mode="heuristic", time_limit=2)
    message = "2 pair weights ignored: people who have not opted in"
    assert any(message in w for w in solution.warnings)
    assert any(message in line for line in solution.explanation)
    # The rule itself is unchanged: the one usable weight is the only one scored.
    assert solution.objective == 1.5


def test_no_warning_when_every_pair_weight_is_usable() -> None:
    data = {"tables": [table(1, 2), table(2, 2)], "participants": [participant(k) for k in range(1, 5)],
            "pair_weights": [[1, 2, 4.0]]}
    solution = solve(instance_from_json(data), mode="heuristic", time_limit=2)
    assert solution.warnings == []
    assert not any("ignored" in line for line in solution.explanation)


def test_the_warning_comes_with_an_infeasible_answer_too() -> None:
    data = {"tables": [table(1, 1)], "participants": [participant(1, networking_opt_in=False), participant(2)],
            "pair_weights": [[1, 2, 4.0]]}
    solution = solve(instance_from_json(data))
    assert solution.status == "infeasible"
    assert any("1 pair weight ignored" in line for line in solution.explanation)


def test_exact_mode_on_a_large_event_falls_back_to_the_heuristic_and_says_so() -> None:
    # The 412-person demo once ran 31 s and 2.2 GB in CP-SAT; 1,200 people ran out of memory.
    instance = instance_from_json(generate_instance(1200, 150, seed=0))
    assert exact_model_size(IndexedInstance(instance, instance.pinned)).bytes > EXACT_MAX_BYTES
    solution = solve(instance, mode="exact", time_limit=5)
    assert solution.status == "feasible"
    assert solution.method == "heuristic"
    assert check(instance, solution.assignments) == []
    assert any("Exact mode was not run" in line and "1200 participants" in line for line in solution.explanation)


def test_exact_mode_still_proves_small_events() -> None:
    instance = instance_from_json(generate_instance(24, 3, seed=1))
    assert exact_model_size(IndexedInstance(instance, instance.pinned)).bytes < EXACT_MAX_BYTES
    solution = solve(instance, mode="exact", time_limit=30)
    assert solution.method == "exact"
    assert not any("Exact mode was not run" in line for line in solution.explanation)


def test_a_clock_started_earlier_counts_against_the_time_limit() -> None:
    # The command's start-up counts: a clock that ran out before solve() leaves no search time,
    # yet the greedy plan is still complete and valid.
    instance = instance_from_json(generate_instance(300, 30, seed=2))
    solution = solve(instance, mode="heuristic", time_limit=1, started=time.monotonic() - 5)
    assert solution.status == "feasible"
    assert check(instance, solution.assignments) == []
    assert solution.objective >= solution.greedy_score
