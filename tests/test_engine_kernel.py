"""The compiled kernel's bookkeeping: what it keeps up to date must equal what it would compute
from scratch, or the tabu search picks its moves on stale values (the plans stay valid, so
nothing else would notice)."""

from __future__ import annotations

import numpy as np

from eventflow.engine import kernel


def _problem_and_plan(seed: int) -> tuple[kernel.Problem, kernel.Plan]:
    rng = np.random.default_rng(seed)
    n, T = 30, 5
    W = rng.normal(size=(n, n)).round(1)
    W = np.triu(W, 1) + np.triu(W, 1).T  # negative weights too
    B = np.where(rng.random((n, T)) < 0.2, 2.5, 0.0)  # a stay bonus at some tables
    unit_size = np.ones(n, dtype=np.int64)
    capacity = np.full(T, 8, dtype=np.int64)
    min_fill = np.full(T, 4, dtype=np.int64)
    allowed = np.ones((n, T), dtype=np.bool_)
    movable_units = np.flatnonzero(rng.random(n) < 0.8).astype(np.int64)  # some people pinned
    is_mover = np.zeros(n, dtype=np.bool_)
    is_mover[movable_units] = True
    apart_ptr = np.zeros(n + 1, dtype=np.int64)
    apart_idx = np.zeros(0, dtype=np.int64)
    problem = (W, B, unit_size, capacity, min_fill, allowed, movable_units, is_mover, apart_ptr, apart_idx)
    table_of = np.arange(n, dtype=np.int64) % T
    G, size, avoid = np.zeros((n, T)), np.zeros(T, dtype=np.int64), np.zeros((n, T), dtype=np.int64)
    kernel.rebuild(W, unit_size, apart_ptr, apart_idx, table_of, G, size, avoid)
    return problem, (table_of, G, size, avoid, np.zeros(3))


def test_move_gains_kept_up_to_date_equal_those_computed_from_scratch() -> None:
    for seed in range(3):
        problem, plan = _problem_and_plan(seed)
        W, B, unit_size, _, _, _, movable_units, _, apart_ptr, apart_idx = problem
        table_of, G, size, avoid, values = plan
        n, T = G.shape
        M, R = np.empty((n, T)), np.empty((T, T))
        kernel._gains(problem, plan, M, R)
        rng = np.random.default_rng(seed + 10)
        for step in range(200):
            u = int(rng.choice(movable_units))
            a = int(table_of[u])
            if step % 2:  # a swap with someone at another table
                others = [v for v in movable_units if table_of[v] != a]
                v = int(rng.choice(others))
                b = int(table_of[v])
                kernel._move(W, B, unit_size, apart_ptr, apart_idx, table_of, G, size, avoid, values, u, b)
                kernel._move(W, B, unit_size, apart_ptr, apart_idx, table_of, G, size, avoid, values, v, a)
            else:  # a move
                b = int((a + 1 + rng.integers(T - 1)) % T)
                kernel._move(W, B, unit_size, apart_ptr, apart_idx, table_of, G, size, avoid, values, u, b)
            kernel._update_gains(problem, plan, M, R, a, b)
            fresh_M, fresh_R = np.empty((n, T)), np.empty((T, T))
            kernel._gains(problem, plan, fresh_M, fresh_R)
            assert np.allclose(M[movable_units], fresh_M[movable_units], atol=1e-9), (seed, step)
            assert np.array_equal(np.isinf(R), np.isinf(fresh_R)), (seed, step)
            assert np.allclose(R[np.isfinite(R)], fresh_R[np.isfinite(fresh_R)], atol=1e-9), (seed, step)
        # The move gains are what they say: G's value at b less that at the own table, bonus included.
        u = int(movable_units[0])
        t = int(table_of[u])
        assert M[u, (t + 1) % T] == G[u, (t + 1) % T] + B[u, (t + 1) % T] - G[u, t] - B[u, t]
