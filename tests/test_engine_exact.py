"""Exact mode, heuristic mode and brute force agree on tiny instances."""

from __future__ import annotations

import pytest
from engine_fixtures import brute_force_optimum, feasible_tiny_instances, tiny_instance
from hypothesis import given, settings
from hypothesis import strategies as st

from eventflow.engine import Instance, check, generate_instance, instance_from_json, solve

TINY = feasible_tiny_instances(25)


@pytest.mark.parametrize("instance", TINY, ids=[f"tiny{k}" for k in range(len(TINY))])
def test_exact_and_heuristic_reach_the_brute_force_optimum(instance: Instance) -> None:
    best = brute_force_optimum(instance)
    exact = solve(instance, mode="exact", time_limit=10)
    heuristic = solve(instance, mode="heuristic", time_limit=1)
    assert exact.status == "optimal"
    assert exact.objective == pytest.approx(best)
    assert exact.bound == pytest.approx(best)
    assert heuristic.status == "feasible" and heuristic.bound is None
    assert heuristic.objective == pytest.approx(best)
    assert check(instance, exact.assignments) == check(instance, heuristic.assignments) == []


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_exact_matches_brute_force_including_infeasibility(seed: int) -> None:
    instance = instance_from_json(tiny_instance(seed, max_people=7))
    best = brute_force_optimum(instance)
    exact = solve(instance, mode="exact", time_limit=10)
    if best is None:
        assert exact.status == "infeasible"
    else:
        assert exact.status == "optimal"
        assert exact.objective == pytest.approx(best)


def test_auto_mode_proves_small_events_and_reports_the_bound() -> None:
    instance = instance_from_json(generate_instance(24, 3, seed=4))
    solution = solve(instance, time_limit=30)
    assert solution.method == "exact"
    assert solution.status == "optimal"
    assert solution.bound == pytest.approx(solution.objective)
    assert "proved optimal" in " ".join(solution.explanation)


def test_auto_mode_uses_the_heuristic_for_large_events() -> None:
    instance = instance_from_json(generate_instance(150, 15, seed=1))
    solution = solve(instance, time_limit=1)
    assert solution.method == "heuristic" and solution.status == "feasible"
    assert solution.bound is None
    assert solution.objective >= solution.greedy_score
    assert "greedy start scored" in " ".join(solution.explanation)


def test_fractional_pair_weights_are_scored_exactly() -> None:
    data = generate_instance(12, 2, seed=5)
    data["pair_weights"] = [[1, 2, 0.3], [3, 4, -1.7]]
    instance = instance_from_json(data)
    solution = solve(instance, mode="exact", time_limit=10)
    assert solution.status == "optimal"
    assert solution.bound >= solution.objective - 1e-9
