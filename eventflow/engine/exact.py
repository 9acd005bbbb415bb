"""Exact mode: a CP-SAT model that proves optimality (or bounds the gap) on small events.

Model (what proved 20-40-person event instances optimal in our experiments):

* x[u, t]: unit u sits at table t (only tables u may use); pinned units are fixed;
* people with no networking weight to anyone and no other rule are interchangeable seat
  fillers: only their number per table (per class of allowed tables) is decided;
* y[u, v] = "u and v share a table" for every pair with non-zero weight, linked both ways to x,
  with triangle constraints (u~v and v~w imply u~w) and a capacity cut per unit
  (people sharing u's table <= capacity of u's table - |u|), which tighten the LP relaxation;
* identical tables are made distinguishable by allowing the k-th constrained unit only at the
  first k tables of its kind (symmetry breaking);
* the objective is scaled to integers exactly when the weights are simple fractions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np

from . import clock
from .indexed import IndexedInstance

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

_MAX_SCALE = 10**6
# Measured: the 412-person demo's model (about 4 million constraints, nearly all triangle cuts)
# took 2.2 GB in CP-SAT and 30 s to build and presolve; 1,200 people ran out of memory at 6.6 GB.
_BYTES_PER_CONSTRAINT = 600
_BUILD_SECONDS_PER_CONSTRAINT = 5e-6
#: Exact mode falls back to the heuristic above this estimated solver memory.
EXACT_MAX_BYTES = 1 << 30


@dataclass(frozen=True)
class ExactSize:
    """Estimated size of the CP-SAT model of an instance, computed without building it."""

    pair_variables: int
    triangle_cuts: int  # an upper bound: every pair of neighbours of a unit, once per triangle
    constraints: int
    bytes: int
    build_seconds: float


def exact_model_size(model: IndexedInstance) -> ExactSize:
    """How big :func:`exact_seating`'s model would be (O(units × weighted units) to compute)."""
    weighted = np.flatnonzero(model.weighted)
    degrees = np.zeros(len(weighted), dtype=np.int64)
    links = 0
    for k, u in enumerate(weighted):
        row = model.unit_weights(int(u))[weighted]
        nonzero = np.flatnonzero(row)
        degrees[k] = len(nonzero)
        # Each pair variable is linked to x by three clauses per table both may use.
        common = (model.allowed(int(u))[None, :] & model.class_allowed[model.unit_class[weighted[nonzero]]]).sum()
        links += 3 * int(common)
    pairs = int(degrees.sum()) // 2
    triangles = int((degrees * (degrees - 1) // 2).sum()) // 3
    constraints = 3 * triangles + links // 2 + model.n_units + model.n_tables
    return ExactSize(pairs, triangles, constraints, _BYTES_PER_CONSTRAINT * constraints,
                     _BUILD_SECONDS_PER_CONSTRAINT * constraints)


class _OutOfTime(Exception):
    """The model could not be built before the deadline."""


@dataclass
class ExactResult:
    status: str  # "optimal", "feasible", "infeasible" (proved) or "unknown" (no plan in time)
    table_of: np.ndarray | None
    bound: float | None


def _integer_scale(values: list[float]) -> int:
    """Smallest factor that makes every weight an integer, if a modest one exists."""
    scale = 1
    for v in values:
        scale = math.lcm(scale, Fraction(v).limit_denominator(_MAX_SCALE).denominator)
        if scale > _MAX_SCALE:
            return 1000  # weights are not simple fractions: round them (bound is then approximate)
    return scale


def _canonical_hint(hint: np.ndarray, symmetric: list[tuple[list[int], list[int]]]) -> np.ndarray:
    """Relabel identical tables in a hint so it satisfies the symmetry-breaking constraints."""
    hint = hint.copy()
    for tables, ranked_units in symmetric:
        first = {t: len(ranked_units) for t in tables}
        for rank, u in reversed(list(enumerate(ranked_units))):
            if hint[u] in first:
                first[int(hint[u])] = rank
        order = sorted(tables, key=lambda t: first[t])
        relabel = dict(zip(order, tables, strict=True))
        hint = np.array([relabel.get(int(t), int(t)) for t in hint], dtype=np.int64)
    return hint


def exact_seating(
    model: IndexedInstance,
    *,
    deadline: float,
    seed: int = 0,
    hint: np.ndarray | None = None,
    optimise: bool = True,
) -> ExactResult:
    """Solve with CP-SAT on 2 workers by ``deadline`` (``clock.now()``; building the model
    counts).  With ``optimise=False`` only a feasible plan is sought (used when the greedy cannot
    find one).  Status "unknown" when no plan was found in time."""
    try:
        return _exact_seating(model, deadline, seed, hint, optimise)
    except _OutOfTime:
        return ExactResult("unknown", None, None)


def _exact_seating(
    model: IndexedInstance, deadline: float, seed: int, hint: np.ndarray | None, optimise: bool,
) -> ExactResult:
    # Imported here: OR-Tools brings pandas along (1.5 s of start-up), which the heuristic, and
    # the literature's 3-second limit at 120 people, should not pay for.
    from ortools.sat.python import cp_model

    m = model
    cp = cp_model.CpModel()
    unit_ids = range(m.n_units)
    is_filler = [
        m.movable[u] and not m.weighted[u] and not m.homes[u] and not m.apart_units[u]
        and m.unit_size[u] == 1
        for u in unit_ids
    ]
    key_units = [u for u in unit_ids if not is_filler[u]]
    filler_classes: dict[int, list[int]] = {}
    for u in unit_ids:
        if is_filler[u]:
            filler_classes.setdefault(int(m.unit_class[u]), []).append(u)

    x: dict[int, dict[int, cp_model.IntVar]] = {}
    for u in key_units:
        x[u] = {int(t): cp.new_bool_var(f"x{u}_{t}") for t in np.flatnonzero(m.allowed(u))}
        cp.add_exactly_one(x[u].values())
    fill: dict[int, dict[int, cp_model.IntVar]] = {}
    for k, units in filler_classes.items():
        fill[k] = {int(t): cp.new_int_var(0, len(units), f"f{k}_{t}")
                   for t in np.flatnonzero(m.class_allowed[k])}
        cp.add(sum(fill[k].values()) == len(units))
    for t in range(m.n_tables):
        load = (sum(int(m.unit_size[u]) * x[u][t] for u in key_units if t in x[u])
                + sum(f[t] for f in fill.values() if t in f))
        cp.add_linear_constraint(load, int(m.min_fill[t]), int(m.capacity[t]))
    for u in key_units:
        for v in m.apart_units[u]:
            if u < v:
                for t in x[u].keys() & x[v].keys():
                    cp.add_at_most_one(x[u][t], x[v][t])

    symmetric = _identical_tables(m, key_units)
    for tables, ranked_units in symmetric:
        for rank, u in enumerate(ranked_units):
            for t in tables[rank + 1:]:
                cp.add(x[u][t] == 0)

    objective_terms: list[tuple[cp_model.IntVar, float]] = []
    constant = float(m.internal.sum())
    if optimise:
        same = _pair_variables(cp, m, key_units, x, deadline)
        objective_terms = [(var, w) for var, w in same.values()]
        for u in key_units:
            for t, c in m.homes[u]:
                if t in x[u]:
                    objective_terms.append((x[u][t], m.move_penalty * c))
        scale = _integer_scale([w for _, w in objective_terms])
        cp.maximize(sum(round(w * scale) * var for var, w in objective_terms))

    if hint is not None:
        hint = _canonical_hint(hint, symmetric)
        for u in key_units:
            for t, var in x[u].items():
                cp.add_hint(var, int(hint[u] == t))
        for k, units in filler_classes.items():
            counts = np.bincount(hint[units], minlength=m.n_tables)
            for t, var in fill[k].items():
                cp.add_hint(var, int(counts[t]))

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    remaining = deadline - clock.now()
    if remaining <= 0:
        raise _OutOfTime
    solver.parameters.max_time_in_seconds = remaining
    solver.parameters.random_seed = seed
    # Both workers use the full LP relaxation that the pair/triangle model relies on: on our
    # 20-40-person events this proves optima about ten times faster than the default portfolio.
    # Good solutions come from the heuristic's hint instead of LNS workers.
    solver.parameters.subsolvers.extend(["max_lp", "reduced_costs"])
    status = solver.solve(cp)
    if status == cp_model.INFEASIBLE:
        return ExactResult("infeasible", None, None)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ExactResult("unknown", None, None)

    table_of = np.full(m.n_units, -1, dtype=np.int64)
    for u in key_units:
        table_of[u] = next(t for t, var in x[u].items() if solver.value(var))
    for k, units in filler_classes.items():
        queue = iter(units)
        for t, var in fill[k].items():
            for _ in range(solver.value(var)):
                table_of[next(queue)] = t
    bound = None
    if optimise:
        bound = solver.best_objective_bound / scale + constant
    return ExactResult("optimal" if status == cp_model.OPTIMAL else "feasible", table_of, bound)


def _identical_tables(m: IndexedInstance, key_units: list[int]) -> list[tuple[list[int], list[int]]]:
    """Groups of interchangeable tables (same capacity, min fill, VIP and access flags, nobody
    pinned there or currently seated there) with the key units that may use them, in order."""
    special = {int(t) for t in m.pinned_table if t >= 0}
    special |= {t for homes in m.homes for t, _ in homes}
    kinds: dict[tuple[int, int, bool, bool], list[int]] = {}
    for t in range(m.n_tables):
        if t not in special:
            key = (int(m.capacity[t]), int(m.min_fill[t]), bool(m.vip_table[t]), bool(m.accessible_table[t]))
            kinds.setdefault(key, []).append(t)
    groups = []
    for tables in kinds.values():
        if len(tables) > 1:
            ranked = [u for u in key_units if m.movable[u] and m.allowed(u)[tables[0]]]
            groups.append((tables, ranked))
    return groups


def _pair_variables(
    cp: cp_model.CpModel, m: IndexedInstance, key_units: list[int],
    x: dict[int, dict[int, cp_model.IntVar]], deadline: float,
) -> dict[tuple[int, int], tuple[cp_model.IntVar, float]]:
    """y[u, v] = "u and v share a table" for pairs with non-zero weight, plus triangle and
    capacity cuts.  Returns {(u, v): (y, W(u, v))}."""
    weighted = [u for u in key_units if m.weighted[u]]
    same: dict[tuple[int, int], tuple[cp_model.IntVar, float]] = {}
    for u in weighted:
        if clock.now() > deadline:
            raise _OutOfTime
        w = m.unit_weights(u)
        for v in weighted:
            if v <= u or w[v] == 0:
                continue
            common = x[u].keys() & x[v].keys()
            if not common:
                continue
            y = cp.new_bool_var(f"y{u}_{v}")
            for t in common:
                cp.add_bool_or(~x[u][t], ~x[v][t], y)
                cp.add_bool_or(~y, ~x[u][t], x[v][t])
                cp.add_bool_or(~y, ~x[v][t], x[u][t])
            for t in x[u].keys() - common:
                cp.add_bool_or(~y, ~x[u][t])
            for t in x[v].keys() - common:
                cp.add_bool_or(~y, ~x[v][t])
            same[u, v] = (y, float(w[v]))
    neighbours: dict[int, set[int]] = {u: set() for u in weighted}
    for u, v in same:
        neighbours[u].add(v)
        neighbours[v].add(u)
    for u in weighted:
        if clock.now() > deadline:
            raise _OutOfTime
        for v, z in combinations(sorted(neighbours[u]), 2):
            if u < v and (v, z) in same:
                yuv, yuw, yvw = same[u, v][0], same[u, z][0], same[v, z][0]
                cp.add(yuv + yvw - yuw <= 1)
                cp.add(yuv + yuw - yvw <= 1)
                cp.add(yuw + yvw - yuv <= 1)
    for u in weighted:
        if neighbours[u]:
            others = sum(int(m.unit_size[v]) * same[min(u, v), max(u, v)][0] for v in neighbours[u])
            room = sum(int(m.capacity[t] - m.unit_size[u]) * var for t, var in x[u].items())
            cp.add(others <= room)
    return same
