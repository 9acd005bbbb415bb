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
    problem = (W, B, unit_size, capacity, min_fill, allowed, movable_units, is_mover, apart_ptr, apart_idx,
               np.zeros((T, T), dtype=np.bool_))
    table_of = np.arange(n, dtype=np.int64) % T
    G, size, avoid = np.zeros((n, T)), np.zeros(T, dtype=np.int64), np.zeros((n, T), dtype=np.int64)
    kernel.rebuild(W, unit_size, apart_ptr, apart_idx, table_of, G, size, avoid)
    return problem, (table_of, G, size, avoid, np.zeros(3))


def test_move_gains_kept_up_to_date_equal_those_computed_from_scratch() -> None:
    for seed in range(3):
        problem, plan = _problem_and_plan(seed)
        W, B, unit_size, _, _, _, movable_units, _, apart_ptr, apart_idx, _ = problem
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


def _corner_problem(interchangeable: bool) -> tuple[kernel.Problem, np.ndarray]:
    """Five people; table 0 seats exactly two, table 1 exactly three.  0 and 1 belong together,
    as do 2, 3 and 4, but 2 sits with 0 and 1 (at table 1) and 3 and 4 at table 0."""
    n, T = 5, 2
    W = np.zeros((n, n))
    for i, j in ((0, 1), (2, 3), (2, 4), (3, 4)):
        W[i, j] = W[j, i] = 10.0
    problem = (W, np.zeros((n, T)), np.ones(n, dtype=np.int64), np.array([2, 3]), np.array([2, 3]),
               np.ones((n, T), dtype=np.bool_), np.arange(n, dtype=np.int64), np.ones(n, dtype=np.bool_),
               np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64),
               np.array([[False, interchangeable], [interchangeable, False]]))
    return problem, np.array([1, 1, 1, 0, 0])


def test_a_move_blocked_at_both_tables_is_made_with_the_tables_exchanging_their_people() -> None:
    from eventflow.engine.search import _Run

    for interchangeable in (True, False):
        problem, table_of = _corner_problem(interchangeable)
        run = _Run(problem, table_of, 5, 4)
        assert run.values[kernel.OBJECTIVE] == 20.0
        kernel.run_chunk(problem, run.plan, run.tabu, run.best_table_of, run.run_best_table_of, run.pool,
                         run.pool_values, run.counters, 1)
        if interchangeable:
            # Person 2 joins 3 and 4, and the three take the table for three: one step.
            assert run.values[kernel.OBJECTIVE] == 40.0
            assert run.table_of.tolist() == [0, 0, 1, 1, 1]
        else:
            # Every single move breaks a table's size, and no swap gains: a step that loses.
            assert run.values[kernel.OBJECTIVE] < 40.0
        assert run.size.tolist() == [2, 3]


def test_tables_exchanging_their_people_keep_the_gains_and_bookkeeping_true() -> None:
    for seed in range(3):
        problem, plan = _problem_and_plan(seed)
        W, B, unit_size, _, _, _, movable_units, _, apart_ptr, apart_idx, _ = problem
        table_of, G, size, avoid, values = plan
        n, T = G.shape
        B[:, :] = 0.0  # tables exchanging people have the same stay bonus
        rng = np.random.default_rng(seed)
        tabu = rng.integers(0, 5, size=(n, T))
        M, R = np.empty((n, T)), np.empty((T, T))
        kernel._gains(problem, plan, M, R)
        before_value, before_tabu, before_table_of = values[kernel.OBJECTIVE], tabu.copy(), table_of.copy()
        kernel._relabel(plan, tabu, M, R, 1, 3)
        swapped = np.select([before_table_of == 1, before_table_of == 3], [3, 1], before_table_of)
        assert table_of.tolist() == swapped.tolist()
        assert values[kernel.OBJECTIVE] == before_value
        assert np.array_equal(tabu[:, [3, 1]], before_tabu[:, [1, 3]])
        fresh_G, fresh_size = np.zeros((n, T)), np.zeros(T, dtype=np.int64)
        fresh_avoid = np.zeros((n, T), dtype=np.int64)
        kernel.rebuild(W, unit_size, apart_ptr, apart_idx, table_of, fresh_G, fresh_size, fresh_avoid)
        assert np.allclose(G, fresh_G) and np.array_equal(size, fresh_size) and np.array_equal(avoid, fresh_avoid)
        fresh_M, fresh_R = np.empty((n, T)), np.empty((T, T))
        kernel._gains(problem, plan, fresh_M, fresh_R)
        assert np.allclose(M[movable_units], fresh_M[movable_units])
        assert np.array_equal(R, fresh_R)
