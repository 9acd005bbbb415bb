"""Shared helpers for the engine tests: tiny random instances and a brute-force optimum."""

from __future__ import annotations

import itertools
import random
from typing import Any

from eventflow.engine import Instance, check, instance_from_json, score

INTERESTS = ["ai", "cloud", "data", "design", "security", "startups"]
TRACKS = ["tech", "business", "design"]


def participant(pid: int | str, **fields: Any) -> dict[str, Any]:
    """A participant in JSON form; opted in with no data unless told otherwise."""
    return {"id": pid, "networking_opt_in": True, **fields}


def table(number: int, capacity: int, **fields: Any) -> dict[str, Any]:
    return {"table_number": number, "capacity": capacity, **fields}


def tiny_instance(seed: int, max_people: int = 8, max_tables: int = 3) -> dict[str, Any]:
    """A random instance small enough to brute-force, with every kind of rule (may be infeasible)."""
    rng = random.Random(seed)
    n = rng.randint(2, max_people)
    n_tables = rng.randint(1, max_tables)
    tables = [
        table(t + 1, rng.randint(1, 5), min_fill=rng.choice((0, 0, 0, 1, 2)),
              is_vip_table=rng.random() < 0.3, accessible=rng.random() < 0.5)
        for t in range(n_tables)
    ]
    people = [
        participant(
            k + 1,
            networking_opt_in=rng.random() < 0.7,
            is_vip=rng.random() < 0.15,
            needs_accessible=rng.random() < 0.1,
            company=rng.choice((None, "acme", "globex", "initech")),
            interests=rng.sample(INTERESTS, rng.randint(0, 3)),
            tracks=rng.sample(TRACKS, rng.randint(0, 2)),
        )
        for k in range(n)
    ]
    ids = [p["id"] for p in people]
    data: dict[str, Any] = {"tables": tables, "participants": people,
                            "vip_tables_reserved": rng.random() < 0.8}
    if rng.random() < 0.3:
        data["pinned"] = [{"participant_id": rng.choice(ids), "table_number": rng.randint(1, n_tables)}]
    if n >= 3 and rng.random() < 0.4:
        data["together"] = [rng.sample(ids, 2)]
    if n >= 2 and rng.random() < 0.4:
        data["apart"] = [rng.sample(ids, 2)]
    if n >= 2 and rng.random() < 0.3:
        a, b = rng.sample(ids, 2)
        data["pair_weights"] = [[a, b, rng.choice((2.5, -1.5))]]
    return data


def brute_force_optimum(instance: Instance) -> float | None:
    """Best score over every valid table assignment, or None if none is valid."""
    ids = [p.id for p in instance.participants]
    numbers = [t.table_number for t in instance.tables]
    best = None
    for tables in itertools.product(numbers, repeat=len(ids)):
        plan = dict(zip(ids, tables, strict=True))
        if not check(instance, plan):
            value = score(instance, plan)
            best = value if best is None else max(best, value)
    return best


def feasible_tiny_instances(count: int) -> list[Instance]:
    """The first ``count`` tiny instances (by seed) that have a valid seating."""
    found = []
    for seed in itertools.count():
        instance = instance_from_json(tiny_instance(seed))
        if brute_force_optimum(instance) is not None:
            found.append(instance)
            if len(found) == count:
                return found
    raise AssertionError("unreachable")


def every_feature_instance(n: int, n_tables: int, seed: int, *, fractional_weights: bool = True) -> dict[str, Any]:
    """A generated event (pins, keep-together groups, keep-apart pairs, VIP and accessible tables,
    minimum fills) with every weight kind on top: fractional and negative coefficients, and pair
    weights (fractional, negative, some for people who have not opted in)."""
    from eventflow.engine import generate_instance

    data = generate_instance(n, n_tables, seed)
    rng = random.Random(seed)
    ids = [p["id"] for p in data["participants"]]
    if fractional_weights:
        data["weights"] = {"shared_interest": 1.5, "same_company": -2.25, "same_track": -0.75}
    seen = {frozenset(p[:2]) for p in data["pair_weights"]}
    for _ in range(max(10, n // 20)):
        a, b = rng.sample(ids, 2)
        if frozenset((a, b)) not in seen:
            seen.add(frozenset((a, b)))
            data["pair_weights"].append([a, b, rng.choice((2.5, -1.5, 0.25, 4.0, -3.75))])
    return data
