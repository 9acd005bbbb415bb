"""A participant who has not opted in is never matched on their interests, company or tracks."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from eventflow.engine import generate_instance, instance_from_json, score, solve, suggest_tables, who_to_meet
from eventflow.engine.generator import INTERESTS, TRACKS


def scramble_non_opted_in(data: dict, seed: int) -> dict:
    """The same instance with every non-opted-in person's networking data replaced."""
    rng = random.Random(seed)
    changed = {**data, "participants": []}
    for p in data["participants"]:
        if not p["networking_opt_in"]:
            p = {**p, "interests": rng.sample(INTERESTS, rng.randint(0, 6)),
                 "tracks": rng.sample(TRACKS, rng.randint(0, 3)),
                 "company": rng.choice([None, "company-0", "company-1", "elsewhere"])}
        changed["participants"].append(p)
    return changed


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(8, 40))
def test_non_opted_in_data_changes_nothing(seed: int, n: int) -> None:
    data = generate_instance(n, max(1, n // 7), seed)
    # Also give non-opted-in people an organiser pair weight: it must be ignored too.
    outsiders = [p["id"] for p in data["participants"] if not p["networking_opt_in"]]
    if len(outsiders) >= 2:
        data["pair_weights"] = [[outsiders[0], outsiders[1], 5.0]]
    original = instance_from_json(data)
    scrambled = instance_from_json(scramble_non_opted_in(data, seed))

    plan = solve(original, mode="heuristic", time_limit=0.3, seed=seed)
    assert score(original, plan.assignments) == score(scrambled, plan.assignments)
    assert who_to_meet(original) == who_to_meet(scrambled)
    current = {a.participant_id: a.table_number for a in plan.assignments[: n // 2]}
    for p in data["participants"][n // 2:]:
        assert suggest_tables(original, current, p["id"]) == suggest_tables(scrambled, current, p["id"])


def test_exact_optimum_ignores_non_opted_in_data() -> None:
    data = generate_instance(18, 3, seed=11)
    first = solve(instance_from_json(data), mode="exact", time_limit=20)
    second = solve(instance_from_json(scramble_non_opted_in(data, 1)), mode="exact", time_limit=20)
    assert first.status == second.status == "optimal"
    assert first.objective == second.objective


def test_non_opted_in_people_never_appear_in_matches() -> None:
    data = generate_instance(40, 5, seed=2)
    instance = instance_from_json(data)
    outsiders = {p["id"] for p in data["participants"] if not p["networking_opt_in"]}
    matches = who_to_meet(instance)
    assert outsiders and not outsiders & set(matches)
    assert all(other not in outsiders for lst in matches.values() for other, _, _ in lst)
    current = {p["id"]: (k % 4) + 1 for k, p in enumerate(data["participants"][:20])}
    for pid in (p["id"] for p in data["participants"][20:]):
        for suggestion in suggest_tables(instance, current, pid, top=5):
            assert all(other not in outsiders for other, _, _ in suggestion.meets)
            if pid in outsiders:
                assert suggestion.gain == 0 and "not opted in" in suggestion.reason
