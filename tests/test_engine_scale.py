"""The engine at conference scale with every feature at once (regression: a 20,000-person event
with fractional pair weights crashed in the sparse search's group exchange)."""

from __future__ import annotations

import pytest
from engine_fixtures import every_feature_instance
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventflow.engine import check, instance_from_json, score, solve
from eventflow.engine.indexed import IndexedInstance


def _assert_valid(data: dict, time_limit: float) -> None:
    instance = instance_from_json(data)
    solution = solve(instance, mode="heuristic", time_limit=time_limit)
    assert solution.status == "feasible", solution.explanation
    assert check(instance, solution.assignments) == []
    assert solution.objective == pytest.approx(score(instance, solution.assignments))
    assert solution.objective >= solution.greedy_score - 1e-6


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), fractional=st.booleans())
def test_every_feature_at_2000_people(seed: int, fractional: bool) -> None:
    _assert_valid(every_feature_instance(2000, 200, seed, fractional_weights=fractional), time_limit=3)


def test_unit_weights_to_units_without_attributes_takes_fractional_pair_weights() -> None:
    # The crash in one call: a group priced against people who have no attributes, one of whom
    # has a fractional pair weight with a group member (an event above the dense-vector size).
    people = [{"id": k, "networking_opt_in": True} for k in range(6000)]
    data = {"tables": [{"table_number": 1, "capacity": 6000}], "participants": people,
            "together": [[0, 1]], "pair_weights": [[0, 2, 2.5]],
            "weights": {"shared_interest": 1.0, "same_company": -2.0, "same_track": 0.0}}
    people[0]["interests"] = ["ai"]
    model = IndexedInstance(instance_from_json(data), {})
    units = model.unit_of_person[[model.person_ids.index(2), model.person_ids.index(3)]]
    assert list(model.unit_weights_to(0, units)) == [2.5, 0.0]


@pytest.mark.slow
def test_every_feature_at_20000_people() -> None:
    _assert_valid(every_feature_instance(20_000, 2000, seed=7), time_limit=15)
