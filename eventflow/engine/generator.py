"""Realistic random seating instances, shared by the tests and the benchmark.

Every generated instance is feasible by construction: a hidden seating is drawn first and the
pins, keep-together groups, keep-apart pairs, accessibility needs and minimum fills are all
derived from it, so a solver reporting "infeasible" on one is wrong.
"""

from __future__ import annotations

import math
import random
from typing import Any

INTERESTS = [
    "ai", "cloud", "security", "data", "devops", "frontend", "mobile", "design", "product",
    "marketing", "sales", "finance", "hr", "legal", "sustainability", "iot", "blockchain",
    "gaming", "health", "education", "robotics", "open-source", "startups", "leadership",
    "research", "ux", "analytics", "quantum", "networking", "accessibility",
]
TRACKS = ["keynote", "engineering", "business", "design", "research", "community"]


def generate_instance(
    n_participants: int,
    n_tables: int,
    seed: int = 0,
    *,
    opt_in_rate: float = 0.6,
    vip_rate: float = 0.06,
    vip_table_rate: float = 0.1,
    seat_slack: float = 1.1,
    string_ids: bool = False,
) -> dict[str, Any]:
    """An instance in JSON form: ~60% networking opt-in, companies, 6 tracks, interests from a
    vocabulary of 30, ~6% VIPs on ~10% VIP tables, some accessibility needs, and a few pins,
    keep-together groups, keep-apart pairs and min fills."""
    rng = random.Random(seed)
    n, t_count = n_participants, n_tables
    per_table = max(2, math.ceil(n * seat_slack / t_count))
    capacity = [per_table + rng.choice((-1, 0, 0, 1)) for _ in range(t_count)]
    while sum(capacity) < math.ceil(n * seat_slack):
        capacity[rng.randrange(t_count)] += 1
    capacity = [max(2, c) for c in capacity]
    n_vip_tables = max(1, round(t_count * vip_table_rate)) if t_count > 1 else 0
    vip_tables = set(rng.sample(range(t_count), n_vip_tables))
    accessible = {t for t in range(t_count) if rng.random() < 0.3}
    vip_seats = sum(capacity[t] for t in vip_tables)
    other_seats = sum(capacity) - vip_seats
    n_vip = min(round(n * vip_rate), vip_seats, n)
    n_vip = max(n_vip, n - other_seats)  # everyone who does not fit elsewhere becomes a VIP

    def slots(tables: list[int]) -> list[int]:
        out = [t for t in tables for _ in range(capacity[t])]
        rng.shuffle(out)
        return out

    hidden = slots(sorted(vip_tables))[:n_vip] + slots(
        [t for t in range(t_count) if t not in vip_tables]
    )[: n - n_vip]
    ids: list[int | str] = [f"p{k:05d}" if string_ids else k + 1 for k in range(n)]
    company_pool = [f"company-{k}" for k in range(max(2, n // 6))]
    interest_popularity = [1.0 / (k + 1) ** 0.7 for k in range(len(INTERESTS))]
    participants = []
    for k in range(n):
        opted = rng.random() < opt_in_rate
        participants.append({
            "id": ids[k],
            "is_vip": k < n_vip,
            "networking_opt_in": opted,
            # Zipf-like: a few large companies send many people.
            "company": company_pool[min(int(rng.paretovariate(1.2)) - 1, len(company_pool) - 1)]
            if rng.random() < 0.9 else None,
            "tracks": sorted(set(rng.sample(TRACKS, rng.choice((1, 1, 2))))),
            "interests": sorted(set(rng.choices(INTERESTS, interest_popularity, k=rng.randint(3, 6)))),
            "needs_accessible": hidden[k] in accessible and rng.random() < 0.1,
        })

    at_table: dict[int, list[int]] = {}
    for k, t in enumerate(hidden):
        at_table.setdefault(t, []).append(k)
    tables = []
    for t in range(t_count):
        seated = len(at_table.get(t, []))
        min_fill = min(seated, rng.randint(2, 4)) if rng.random() < 0.1 else 0
        tables.append({"table_number": t + 1, "capacity": capacity[t], "min_fill": min_fill,
                       "is_vip_table": t in vip_tables, "accessible": t in accessible})

    together = []
    for t, people in at_table.items():
        if t in vip_tables and not all(k < n_vip for k in people):
            continue
        if len(people) >= 3 and rng.random() < 0.15:
            group = rng.sample(people, rng.choice((2, 2, 3)))
            together.append([ids[k] for k in group])
    pinned = [
        {"participant_id": ids[k], "table_number": hidden[k] + 1}
        for k in rng.sample(range(n), max(1, n // 100)) if n
    ]
    apart = []
    for _ in range(max(1, n // 200) if n > 1 else 0):
        a, b = rng.sample(range(n), 2)
        if hidden[a] != hidden[b]:
            apart.append([ids[a], ids[b]])
    pair_weights: list[list[Any]] = []
    for _ in range(max(1, n // 100) if n > 1 else 0):
        a, b = rng.sample(range(n), 2)
        if {ids[a], ids[b]} not in [set(p[:2]) for p in pair_weights]:
            pair_weights.append([ids[a], ids[b], rng.choice((2.0, 3.0, -3.0))])
    return {
        "tables": tables,
        "participants": participants,
        "pinned": pinned,
        "together": together,
        "apart": apart,
        "weights": {"shared_interest": 1.0, "same_company": -2.0, "same_track": -0.5},
        "pair_weights": pair_weights,
        "vip_tables_reserved": True,
    }
