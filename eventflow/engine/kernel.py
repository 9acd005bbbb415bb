"""Compiled core of the heuristic: iterated tabu search over move and swap neighbourhoods.

The search of the best published MDGP methods (Lai & Hao 2016; Yang et al. 2022, "TPSDP"),
adapted to seating rules, on a dense unit × unit weight matrix ``W`` and a unit × table gain
matrix ``G[u, t]`` = sum of W(u, v) over units v at table t:

* every iteration scans the whole move (unit to another table) and swap (two units exchange
  tables) neighbourhoods, reading each value off ``G`` in O(1), and applies the best one that is
  not tabu (a unit may not return to the table it just left for a few iterations) unless it beats
  the best plan seen (aspiration); applying it updates ``G`` in O(units).  The scan goes table
  pair by table pair, and an upper bound per pair (the most anyone at one table gains by moving
  to the other) rules most pairs out before anyone at them is looked at;
* a move that would leave a table below its minimum or another over its capacity is made all
  the same when the two tables may exchange their people as a whole and the sizes then fit: the
  move, then the exchange (:func:`_relabel`);
* after ``depth`` iterations without a new best of the current run, the plan is perturbed by
  random feasible moves and swaps, starting from the best plan seen or from the run's best, more
  strongly the longer no run has improved on the best plan;
* the side rules are part of every feasibility test: allowed tables (pins, VIP and accessible
  tables), capacities and minimum fills, keep-apart pairs (a per unit × table count of the
  people each unit must avoid), and the re-planning stay bonus ``B[u, t]``.

Compiled with numba (``cache=True``: the machine code is kept next to this file, so only the
first run after an install pays the compilation).  The Python side (:mod:`search`) calls
:func:`run_chunk` repeatedly with a bounded number of iterations and checks the clock between
calls, since compiled code cannot read it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

_EPS = 1e-9
#: The share of stalled runs whose successor starts from a child of two elite plans.
CROSSOVER_SHARE = 0.5
CROSSOVER_AFTER = 50
#: The share of the other stalled runs whose successor starts by shifting table sizes (_shift).
SHIFT_SHARE = 0.3

# Indexes into the int64 ``counters`` array that carries the search state between chunks.
ITERATION, IDLE, ROUNDS, IDLE_ROUNDS, DEPTH, TENURE, TENURE_SPREAD, STRENGTH, POOL_COUNT = range(9)
N_COUNTERS = 9
# Indexes into the float64 ``values`` array.
OBJECTIVE, BEST, RUN_BEST = range(3)

_F = TypeVar("_F", bound=Callable[..., Any])
#: The instance, as arrays: (W, B, unit_size, capacity, min_fill, allowed, movable_units,
#: is_mover, apart_ptr, apart_idx, interchangeable); see search._compiled_search.
#: ``interchangeable[a, b]``: the people at tables a and b may change places as a whole (the same
#: people may sit at both, the same stay bonus, nobody pinned there), see :func:`_relabel`.
Problem = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                np.ndarray, np.ndarray, np.ndarray, np.ndarray]
#: A plan and what is kept up to date with it: (table_of, G, size, avoid, values).
Plan = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _jit(function: _F) -> _F:
    """numba.njit(cache=True) with the function's own signature kept for the type checker (the
    dispatcher numba returns is untyped; calls from Python go through the same arguments)."""
    return cast(_F, numba.njit(cache=True, nogil=True)(function))


@_jit
def seed_kernel(seed: int) -> None:
    np.random.seed(seed)


@_jit
def _seat(
    W: np.ndarray, unit_size: np.ndarray, apart_ptr: np.ndarray, apart_idx: np.ndarray,
    G: np.ndarray, size: np.ndarray, avoid: np.ndarray, u: int, t: int, sign: int,
) -> None:
    """Unit u joins (``sign`` 1) or leaves (-1) table t: G's column t, t's size and the
    keep-apart counts of t follow; ``table_of`` is the caller's."""
    for x in range(G.shape[0]):
        G[x, t] += sign * W[u, x]
    size[t] += sign * unit_size[u]
    for k in range(apart_ptr[u], apart_ptr[u + 1]):
        avoid[apart_idx[k], t] += sign


@_jit
def rebuild(
    W: np.ndarray, unit_size: np.ndarray, apart_ptr: np.ndarray, apart_idx: np.ndarray,
    table_of: np.ndarray, G: np.ndarray, size: np.ndarray, avoid: np.ndarray,
) -> None:
    """Recompute G, table sizes and the keep-apart counts from ``table_of`` (units at -1 are
    not seated)."""
    G[:, :] = 0.0
    size[:] = 0
    avoid[:, :] = 0
    for v in range(G.shape[0]):
        if table_of[v] >= 0:
            _seat(W, unit_size, apart_ptr, apart_idx, G, size, avoid, v, table_of[v], 1)


@_jit
def _move(
    W: np.ndarray, B: np.ndarray, unit_size: np.ndarray, apart_ptr: np.ndarray,
    apart_idx: np.ndarray, table_of: np.ndarray, G: np.ndarray, size: np.ndarray,
    avoid: np.ndarray, values: np.ndarray, u: int, b: int,
) -> None:
    a = table_of[u]
    values[OBJECTIVE] += G[u, b] - G[u, a] + B[u, b] - B[u, a]
    _seat(W, unit_size, apart_ptr, apart_idx, G, size, avoid, u, a, -1)
    _seat(W, unit_size, apart_ptr, apart_idx, G, size, avoid, u, b, 1)
    table_of[u] = b


@_jit
def _move_ok(
    unit_size: np.ndarray, capacity: np.ndarray, allowed: np.ndarray, size: np.ndarray,
    avoid: np.ndarray, u: int, a: int, b: int,
) -> bool:
    """May unit u move from table a to table b?  Another table, one u may use, nobody there u
    must avoid, a seat for every member.  (Whether a keeps its minimum fill without u is the
    caller's to check, once for every b.)"""
    if b == a or not allowed[u, b] or avoid[u, b] > 0:
        return False
    return bool(size[b] + unit_size[u] <= capacity[b])


@_jit
def _is_apart(apart_ptr: np.ndarray, apart_idx: np.ndarray, u: int, v: int) -> bool:
    for k in range(apart_ptr[u], apart_ptr[u + 1]):  # noqa: SIM110 (a plain loop compiles tighter than any())
        if apart_idx[k] == v:
            return True
    return False


@_jit
def _swap_ok(
    unit_size: np.ndarray, capacity: np.ndarray, min_fill: np.ndarray, allowed: np.ndarray,
    apart_ptr: np.ndarray, apart_idx: np.ndarray, size: np.ndarray, avoid: np.ndarray,
    u: int, a: int, v: int, b: int,
) -> bool:
    if not (allowed[u, b] and allowed[v, a]):
        return False
    su, sv = unit_size[u], unit_size[v]
    if su != sv:
        na, nb = size[a] - su + sv, size[b] - sv + su
        if na > capacity[a] or na < min_fill[a] or nb > capacity[b] or nb < min_fill[b]:
            return False
    if avoid[u, b] > 0 or avoid[v, a] > 0:
        # Only allowed if the one to avoid is the very unit leaving.
        if avoid[u, b] - (1 if _is_apart(apart_ptr, apart_idx, u, v) else 0) > 0:
            return False
        if avoid[v, a] - (1 if _is_apart(apart_ptr, apart_idx, v, u) else 0) > 0:
            return False
    return True


@_jit
def perturb(problem: Problem, plan: Plan, tabu: np.ndarray, iteration: int, strength: int) -> None:
    """``strength`` random feasible moves or swaps (undirected perturbation); the units moved
    may not move back at once."""
    W, B, unit_size, capacity, min_fill, allowed, movable_units, is_mover, apart_ptr, apart_idx, _ = problem
    table_of, G, size, avoid, values = plan
    m = len(movable_units)
    T = G.shape[1]
    done = 0
    for _ in range(20 * strength):
        if done >= strength:
            break
        u = movable_units[np.random.randint(m)]
        if not is_mover[u]:
            continue  # moving someone without weights changes nothing but seats
        a = table_of[u]
        if np.random.random() < 0.5:
            b = np.random.randint(T)
            if (size[a] - unit_size[u] >= min_fill[a]
                    and _move_ok(unit_size, capacity, allowed, size, avoid, u, a, b)):
                _move(W, B, unit_size, apart_ptr, apart_idx, table_of, G, size, avoid, values, u, b)
                tabu[u, a] = iteration + 1 + np.random.randint(4)
                done += 1
            continue
        v = movable_units[np.random.randint(m)]
        b = table_of[v]
        if b == a or not _swap_ok(unit_size, capacity, min_fill, allowed, apart_ptr, apart_idx,
                                  size, avoid, u, a, v, b):
            continue
        _move(W, B, unit_size, apart_ptr, apart_idx, table_of, G, size, avoid, values, u, b)
        _move(W, B, unit_size, apart_ptr, apart_idx, table_of, G, size, avoid, values, v, a)
        tabu[u, a] = iteration + 1 + np.random.randint(4)
        tabu[v, b] = iteration + 1 + np.random.randint(4)
        done += 1


@_jit
def _pool_add(pool: np.ndarray, pool_values: np.ndarray, counters: np.ndarray, plan: np.ndarray,
              value: float) -> None:
    """Keep ``plan`` among the elite plans if it is new and better than the worst kept."""
    k = counters[POOL_COUNT]
    for i in range(k):
        if abs(pool_values[i] - value) <= 1e-9 * max(1.0, abs(value)):
            return  # the same objective: almost always the same plan again
    if k < len(pool_values):
        pool[k, :] = plan
        pool_values[k] = value
        counters[POOL_COUNT] = k + 1
        return
    worst = np.argmin(pool_values)
    if value > pool_values[worst]:
        pool[worst, :] = plan
        pool_values[worst] = value


@_jit
def crossover(problem: Problem, plan: Plan, first: np.ndarray, second: np.ndarray) -> bool:
    """A child of two plans in ``table_of`` (group-based crossover, as in grouping genetic
    algorithms): the parents take turns giving the child their best remaining table (the sum of
    weights among its people), whose people not yet seated sit at that table; everyone left
    joins, in random order, the table they add most to (tables below their minimum fill first).
    What the parents agree on is kept, the rest is mixed; False (``table_of`` then undefined)
    if the child breaks a rule the search cannot repair, e.g. a table left below its minimum."""
    W, _, unit_size, capacity, min_fill, allowed, movable_units, _, apart_ptr, apart_idx, _ = problem
    table_of, G, size, avoid, _ = plan
    n, T = G.shape
    movable = np.zeros(n, dtype=np.bool_)
    for u in movable_units:
        movable[u] = True
    value = np.zeros((2, T))
    for p in range(2):
        parent = first if p == 0 else second
        for u in range(n):
            for v in range(u + 1, n):
                if parent[u] == parent[v]:
                    value[p, parent[u]] += W[u, v]
    for u in range(n):
        table_of[u] = -1 if movable[u] else first[u]
    taken = np.zeros(T, dtype=np.bool_)
    p = np.random.randint(2)
    for _ in range(T):
        parent = first if p == 0 else second
        t, best = -1, -np.inf
        for c in range(T):
            if not taken[c] and value[p, c] > best:
                t, best = c, value[p, c]
        taken[t] = True
        for u in range(n):
            if parent[u] == t and table_of[u] == -1:
                table_of[u] = t
        p = 1 - p
    rebuild(W, unit_size, apart_ptr, apart_idx, table_of, G, size, avoid)
    left = movable_units.copy()
    np.random.shuffle(left)
    for u in left:
        if table_of[u] >= 0:
            continue
        short = False
        for t in range(T):
            if size[t] < min_fill[t] and _move_ok(unit_size, capacity, allowed, size, avoid, u, -1, t):
                short = True
        b, best = -1, -np.inf
        for t in range(T):
            if ((not short or size[t] < min_fill[t])
                    and _move_ok(unit_size, capacity, allowed, size, avoid, u, -1, t) and G[u, t] > best):
                b, best = t, G[u, t]
        if b < 0:
            return False
        table_of[u] = b
        _seat(W, unit_size, apart_ptr, apart_idx, G, size, avoid, u, b, 1)
    for t in range(T):  # noqa: SIM110 (a plain loop compiles tighter than all())
        if size[t] < min_fill[t]:
            return False
    return True


@_jit
def _shift(problem: Problem, plan: Plan, tabu: np.ndarray) -> bool:
    """Move as many people as the sizes allow from one table above its minimum fill to one
    below its capacity, those who add most there first (strategic oscillation of the table
    sizes).  With size ranges, which tables are full matters as much as who sits where, and one
    unit at a time never gets there: each single move on the way loses.  False if no two such
    tables or nobody can move."""
    W, B, unit_size, capacity, min_fill, allowed, movable_units, is_mover, apart_ptr, apart_idx, _ = problem
    table_of, G, size, avoid, values = plan
    T = G.shape[1]
    a, b = np.random.randint(T), np.random.randint(T)
    if a == b or size[a] <= min_fill[a] or size[b] >= capacity[b]:
        return False
    moved = 0
    while True:
        best, bu = -np.inf, -1
        for u in movable_units:
            if (table_of[u] == a and is_mover[u] and size[a] - unit_size[u] >= min_fill[a]
                    and _move_ok(unit_size, capacity, allowed, size, avoid, u, a, b)
                    and G[u, b] - G[u, a] > best):
                best, bu = G[u, b] - G[u, a], u
        if bu < 0:
            return moved > 0
        _move(W, B, unit_size, apart_ptr, apart_idx, table_of, G, size, avoid, values, bu, b)
        tabu[bu, a] = 1 + np.random.randint(4)
        moved += 1


@_jit
def resize(problem: Problem, plan: Plan, target: np.ndarray) -> None:
    """Bring the table sizes toward ``target`` (people per table): while some table is above its
    target and another below, the unit whose move between two such tables loses least moves.
    Every move keeps the rules (capacities, minimum fills, allowed tables, keep-apart pairs), so
    a target the rules forbid is only approached."""
    W, B, unit_size, capacity, min_fill, allowed, movable_units, _, apart_ptr, apart_idx, _ = problem
    table_of, G, size, avoid, values = plan
    T = G.shape[1]
    while True:
        best, bu, bb = -np.inf, -1, -1
        for u in movable_units:
            a = table_of[u]
            if size[a] <= target[a] or size[a] - unit_size[u] < min_fill[a]:
                continue
            for b in range(T):
                if (size[b] + unit_size[u] <= target[b]
                        and _move_ok(unit_size, capacity, allowed, size, avoid, u, a, b)):
                    d = G[u, b] + B[u, b] - G[u, a] - B[u, a]
                    if d > best:
                        best, bu, bb = d, u, b
        if bu < 0:
            return
        _move(W, B, unit_size, apart_ptr, apart_idx, table_of, G, size, avoid, values, bu, bb)


@_jit
def descent(problem: Problem, plan: Plan, max_sweeps: int) -> bool:
    """Sweeps over the units in random order, each taking its best improving move or swap,
    until a sweep changes nothing (a local optimum: returns False) or ``max_sweeps`` (True).

    Much faster than tabu search from a greedy plan on large events: one sweep applies up to one
    change per unit, where a tabu-search iteration applies one change in all."""
    W, B, unit_size, capacity, min_fill, allowed, movable_units, is_mover, apart_ptr, apart_idx, _ = problem
    table_of, G, size, avoid, values = plan
    T = G.shape[1]
    m = len(movable_units)
    order = movable_units.copy()
    for _ in range(max_sweeps):
        np.random.shuffle(order)
        improved = False
        for i in range(m):
            u = order[i]
            if not is_mover[u]:
                continue
            a = table_of[u]
            base = G[u, a] + B[u, a]
            best_delta, bv, bb = _EPS, -1, -1
            if size[a] - unit_size[u] >= min_fill[a]:
                for b in range(T):
                    if not _move_ok(unit_size, capacity, allowed, size, avoid, u, a, b):
                        continue
                    d = G[u, b] + B[u, b] - base
                    if d > best_delta:
                        best_delta, bv, bb = d, -1, b
            for j in range(m):
                v = movable_units[j]
                b = table_of[v]
                if b == a:
                    continue
                d = (G[u, b] + B[u, b] - base + G[v, a] + B[v, a] - G[v, b] - B[v, b]
                     - 2.0 * W[u, v])
                if d > best_delta and _swap_ok(unit_size, capacity, min_fill, allowed, apart_ptr,
                                               apart_idx, size, avoid, u, a, v, b):
                    best_delta, bv, bb = d, v, b
            if bb >= 0:
                _move(W, B, unit_size, apart_ptr, apart_idx, table_of, G, size, avoid, values, u, bb)
                if bv >= 0:
                    _move(W, B, unit_size, apart_ptr, apart_idx, table_of, G, size, avoid, values, bv, a)
                improved = True
        if not improved:
            return False
    return True


@_jit
def _gains(problem: Problem, plan: Plan, M: np.ndarray, R: np.ndarray) -> None:
    """M[u, b], the change if movable unit u alone moved to table b (rules aside), and R[a, b],
    the most any movable unit at table a gains by moving to b, from scratch."""
    _, B, _, _, _, _, movable_units, _, _, _, _ = problem
    table_of, G, _, _, _ = plan
    T = G.shape[1]
    R[:, :] = -np.inf
    for i in range(len(movable_units)):
        u = movable_units[i]
        a = table_of[u]
        base = G[u, a] + B[u, a]
        for b in range(T):
            d = G[u, b] + B[u, b] - base
            M[u, b] = d
            if d > R[a, b]:
                R[a, b] = d


@_jit
def _update_gains(problem: Problem, plan: Plan, M: np.ndarray, R: np.ndarray, a: int, b: int) -> None:
    """M and R after a move or swap between tables a and b: only G's columns a and b changed, so
    only the rows of the people at a and b and everyone's columns a and b (O(n + (|a| + |b|) T)
    instead of O(n T))."""
    _, B, _, _, _, _, movable_units, _, _, _, _ = problem
    table_of, G, _, _, _ = plan
    T = G.shape[1]
    R[a, :] = -np.inf
    R[b, :] = -np.inf
    R[:, a] = -np.inf
    R[:, b] = -np.inf
    for i in range(len(movable_units)):
        u = movable_units[i]
        t = table_of[u]
        base = G[u, t] + B[u, t]
        if t == a or t == b:
            for c in range(T):
                d = G[u, c] + B[u, c] - base
                M[u, c] = d
                if d > R[t, c]:
                    R[t, c] = d
        else:
            d = G[u, a] + B[u, a] - base
            M[u, a] = d
            if d > R[t, a]:
                R[t, a] = d
            d = G[u, b] + B[u, b] - base
            M[u, b] = d
            if d > R[t, b]:
                R[t, b] = d


@_jit
def _relabel(plan: Plan, tabu: np.ndarray, M: np.ndarray, R: np.ndarray, a: int, b: int) -> None:
    """The people at tables a and b change places as a whole (only where
    ``interchangeable[a, b]``), which leaves the plan's value as it is.  After a move from a table
    of s people to one of s - 1, every table keeps its size: one person changed group.

    With size ranges the best plans sit at corners of the ranges (tables at their minimum or
    full), where a move of one person is blocked at both ends, and two plans that differ by a
    person and by which of two nearly equal tables holds the larger group were many losing steps
    apart: on RanReal_n120_ds_02 a seed ended 0.17 % below the best plan found, two people away
    from it.  The tabu list, gains and bounds follow the people (they are about who sits with
    whom)."""
    table_of, G, size, avoid, _ = plan
    for x in range(G.shape[0]):
        if table_of[x] == a:
            table_of[x] = b
        elif table_of[x] == b:
            table_of[x] = a
        G[x, a], G[x, b] = G[x, b], G[x, a]
        avoid[x, a], avoid[x, b] = avoid[x, b], avoid[x, a]
        tabu[x, a], tabu[x, b] = tabu[x, b], tabu[x, a]
        M[x, a], M[x, b] = M[x, b], M[x, a]
    size[a], size[b] = size[b], size[a]
    for c in range(R.shape[0]):
        R[a, c], R[b, c] = R[b, c], R[a, c]
    for c in range(R.shape[0]):
        R[c, a], R[c, b] = R[c, b], R[c, a]


@_jit
def run_chunk(
    problem: Problem, plan: Plan, tabu: np.ndarray, best_table_of: np.ndarray,
    run_best_table_of: np.ndarray, pool: np.ndarray, pool_values: np.ndarray, counters: np.ndarray,
    iterations: int,
) -> None:
    """``iterations`` steps of tabu search (with perturbations when a run stalls).

    ``movable_units`` lists the units that may change table; ``is_mover`` marks those whose own
    change can alter the objective (the others, people without any weight, only move in swaps).
    """
    (W, B, unit_size, capacity, min_fill, allowed, movable_units, is_mover, apart_ptr, apart_idx,
     interchangeable) = problem
    table_of, G, size, avoid, values = plan
    n, T = G.shape
    m = len(movable_units)
    # M[u, b]: the change if u alone moved to table b (rules aside); a swap of u (at a) and v
    # (at b) is worth M[u, b] + M[v, a] - 2 W[u, v].
    M = np.empty((n, T))
    # R[b, a]: the most any movable unit at table b gains by moving to a.  A move from b to a
    # is worth at most R[b, a], and a swap between a and b at most R[a, b] + R[b, a] - 2 min(W)
    # (of u at a, at most M[u, b] + R[b, a] - 2 min(W)): most table pairs, and most people at
    # the others, are ruled out by these bounds without looking further.  Both are kept up to
    # date (_update_gains) rather than recomputed each iteration: together 1.5 times as many
    # iterations a second (RanReal_n120_ds_02: 10.0 to 6.4 microseconds; n480: 28 to 17).
    R = np.empty((T, T))
    w_min = 0.0
    for i in range(m):
        for j in range(m):
            w_min = min(w_min, W[movable_units[i], movable_units[j]])
    at_start = np.zeros(T + 1, dtype=np.int64)
    at_units = np.empty(m, dtype=np.int64)
    fill = np.empty(T, dtype=np.int64)
    _gains(problem, plan, M, R)
    for _ in range(iterations):
        it = counters[ITERATION]
        counters[ITERATION] = it + 1
        best_delta = -np.inf
        ties = 0
        bu, bv, bb = -1, -1, -1
        relabelled = False
        objective, best = values[OBJECTIVE], values[BEST]
        at_start[:] = 0
        for i in range(m):
            at_start[table_of[movable_units[i]] + 1] += 1
        for t in range(T):
            at_start[t + 1] += at_start[t]
            fill[t] = at_start[t]
        for i in range(m):
            u = movable_units[i]
            at_units[fill[table_of[u]]] = u
            fill[table_of[u]] += 1
        # Table pair by table pair, so that R rules out most pairs before looking at anyone.
        for a in range(T):
            for b in range(T):
                if b == a or R[a, b] < best_delta - _EPS:
                    continue
                # A move that leaves a below its minimum or b over its capacity may still be made
                # with the tables exchanging their people afterwards (_relabel), when the sizes
                # then fit: for units of size lo to hi.
                lo, hi = 1, 0
                if interchangeable[a, b]:
                    lo = max(1, min_fill[a] - size[b], size[a] - capacity[b])
                    hi = min(capacity[a] - size[b], size[a] - min_fill[b])
                if size[b] >= capacity[b] and lo > hi:
                    continue
                for k in range(at_start[a], at_start[a + 1]):
                    u = at_units[k]
                    # _move_ok, written out: as a call (even inlined by numba) the whole
                    # iteration ran 3 times slower (RanReal_n120_ds_02, CPU clock).
                    if not is_mover[u] or not allowed[u, b] or avoid[u, b] > 0:
                        continue
                    exchange = (size[a] - unit_size[u] < min_fill[a]
                                or size[b] + unit_size[u] > capacity[b])
                    if exchange and not lo <= unit_size[u] <= hi:
                        continue
                    d = M[u, b]
                    if d < best_delta - _EPS:
                        continue
                    if tabu[u, b] > it and objective + d <= best + _EPS:
                        continue
                    if d > best_delta + _EPS:
                        best_delta, ties, bu, bv, bb, relabelled = d, 1, u, -1, b, exchange
                    else:
                        ties += 1
                        if np.random.randint(ties) == 0:
                            bu, bv, bb, relabelled = u, -1, b, exchange
        for a in range(T):
            for b in range(a + 1, T):
                if R[a, b] + R[b, a] - 2.0 * w_min < best_delta - _EPS:
                    continue
                for k in range(at_start[a], at_start[a + 1]):
                    u = at_units[k]
                    mub = M[u, b]
                    if mub + R[b, a] - 2.0 * w_min < best_delta - _EPS:
                        continue
                    Wu = W[u]
                    mover_u = is_mover[u]
                    for q in range(at_start[b], at_start[b + 1]):
                        v = at_units[q]
                        d = mub + M[v, a] - 2.0 * Wu[v]
                        if d < best_delta - _EPS or not (mover_u or is_mover[v]):
                            continue
                        if (tabu[u, b] > it or tabu[v, a] > it) and objective + d <= best + _EPS:
                            continue
                        if not _swap_ok(unit_size, capacity, min_fill, allowed, apart_ptr, apart_idx,
                                        size, avoid, u, a, v, b):
                            continue
                        if d > best_delta + _EPS:
                            best_delta, ties, bu, bv, bb, relabelled = d, 1, u, v, b, False
                        else:
                            ties += 1
                            if np.random.randint(ties) == 0:
                                bu, bv, bb, relabelled = u, v, b, False
        if bu >= 0:
            a = table_of[bu]
            _move(W, B, unit_size, apart_ptr, apart_idx, table_of, G, size, avoid, values, bu, bb)
            tabu[bu, a] = it + counters[TENURE] + np.random.randint(counters[TENURE_SPREAD] + 1)
            if bv >= 0:
                _move(W, B, unit_size, apart_ptr, apart_idx, table_of, G, size, avoid, values, bv, a)
                tabu[bv, bb] = it + counters[TENURE] + np.random.randint(counters[TENURE_SPREAD] + 1)
            _update_gains(problem, plan, M, R, a, bb)
            if relabelled:
                _relabel(plan, tabu, M, R, a, bb)
        objective = values[OBJECTIVE]
        if objective > values[RUN_BEST] + _EPS:
            values[RUN_BEST] = objective
            run_best_table_of[:] = table_of
            counters[IDLE] = 0
            if objective > values[BEST] + _EPS:
                values[BEST] = objective
                best_table_of[:] = table_of
                counters[IDLE_ROUNDS] = 0
        else:
            counters[IDLE] += 1
        if counters[IDLE] >= counters[DEPTH] or bu < 0:
            # The run has stalled: keep its best plan among the elite ones, then start the next
            # run from a child of two elite plans, or from a perturbed copy of the run's best
            # or (now and then) of the best plan seen.
            counters[ROUNDS] += 1
            counters[IDLE_ROUNDS] += 1
            _pool_add(pool, pool_values, counters, run_best_table_of, values[RUN_BEST])
            crossed = False
            if (counters[IDLE_ROUNDS] > CROSSOVER_AFTER and counters[POOL_COUNT] >= 2
                    and np.random.random() < CROSSOVER_SHARE):
                i = np.random.randint(counters[POOL_COUNT])
                j = (i + 1 + np.random.randint(counters[POOL_COUNT] - 1)) % counters[POOL_COUNT]
                crossed = crossover(problem, plan, pool[i], pool[j])
            if not crossed:
                if np.random.random() < 0.5:
                    table_of[:] = best_table_of
                else:
                    table_of[:] = run_best_table_of
            rebuild(W, unit_size, apart_ptr, apart_idx, table_of, G, size, avoid)
            objective = 0.0
            for x in range(G.shape[0]):
                objective += 0.5 * G[x, table_of[x]] + B[x, table_of[x]]
            values[OBJECTIVE] = objective
            tabu[:, :] = 0
            counters[ITERATION] = 0
            if crossed:
                # A child is far from any local optimum: descent gets there many times faster
                # than tabu-search iterations (one change per unit and sweep, not per iteration).
                descent(problem, plan, 100)
            elif not (np.random.random() < SHIFT_SHARE and _shift(problem, plan, tabu)):
                # Stronger kicks the longer no run has found a better plan (as in iterated maxima
                # search): on MDGPLIB's size-range ("ds") instances this halved the seed-to-seed
                # spread.
                strength = counters[STRENGTH] * min(4, 1 + counters[IDLE_ROUNDS] // 50)
                perturb(problem, plan, tabu, 0, strength // 2 + np.random.randint(strength + 1))
            values[RUN_BEST] = values[OBJECTIVE]
            run_best_table_of[:] = table_of
            counters[IDLE] = 0
            _gains(problem, plan, M, R)
