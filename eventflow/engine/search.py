"""Fast heuristic: greedy start, then move/swap local search with iterated perturbation.

This is iterated maxima search (Lai & Hao 2016) adapted to seating rules: local search applies
the best improving move (one unit to another table) or swap (two units exchange tables) for each
unit in turn, reading values off the gain matrix; at a local optimum a few random moves/swaps
perturb the plan and the search restarts from there, reverting to the best plan if it got worse.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .greedy import greedy_seating
from .indexed import IndexedInstance
from .state import SeatingState

_EPS = 1e-9
# Swap partners are drawn from the few tables u would most like to join; exhaustive on small
# events, where every table is a candidate anyway.
_SWAP_TABLES = 8
_GREEDY_ATTEMPTS = 5


@dataclass
class HeuristicResult:
    state: SeatingState | None
    greedy_objective: float | None
    rounds: int


def _stay_difference(model: IndexedInstance, v: int, to: int, frm: int) -> float:
    """Change in v's stay bonus when v moves from table ``frm`` to ``to``."""
    return sum(model.move_penalty * c * ((t == to) - (t == frm)) for t, c in model.homes[v])


def _swap_partners(state: SeatingState, u: int, delta: np.ndarray, allowed: np.ndarray):
    """Units v at u's preferred tables with whom u could exchange places, and the swap values."""
    m = state.model
    a = int(state.table_of[u])
    tables = np.flatnonzero(allowed)
    if len(tables) > _SWAP_TABLES:
        tables = tables[np.argpartition(-delta[tables], _SWAP_TABLES)[:_SWAP_TABLES]]
    chosen = np.zeros(m.n_tables, dtype=bool)
    chosen[tables] = True
    v = np.flatnonzero(chosen[state.table_of] & m.movable)
    if len(v) == 0:
        return v, np.empty(0)
    b = state.table_of[v]
    s_u, s_v = m.unit_size[u], m.unit_size[v]
    size_a = state.size[a] - s_u + s_v
    size_b = state.size[b] - s_v + s_u
    ok = (
        m.class_allowed[m.unit_class[v], a]
        & (size_a <= m.capacity[a]) & (size_a >= m.min_fill[a])
        & (size_b <= m.capacity[b]) & (size_b >= m.min_fill[b])
    )
    v, b = v[ok], b[ok]
    weights_u = m.unit_weights(u) if m.weighted[u] else None
    value = delta[b] + state.gain[a, v] - state.gain[b, v]
    if weights_u is not None:
        value -= 2.0 * weights_u[v]
    for k, vk in enumerate(v):
        if m.homes[vk]:
            value[k] += _stay_difference(m, int(vk), a, int(b[k]))
        if m.apart_units[vk] and any(
            state.table_of[x] == a and x != u for x in m.apart_units[vk]
        ):
            value[k] = -np.inf
    return v, value


def improve_unit(state: SeatingState, u: int) -> bool:
    """Apply the best improving move or swap for unit u; True if the plan improved."""
    m = state.model
    a = int(state.table_of[u])
    row = state.gain[:, u] + m.home_bonus(u)
    delta = row - row[a]
    allowed = m.allowed(u).copy()
    allowed[a] = False
    allowed[state.blocked_tables(u)] = False
    if not allowed.any():
        return False
    best_move, best_move_value = -1, _EPS
    if state.size[a] - m.unit_size[u] >= m.min_fill[a]:
        fits = allowed & (state.size + m.unit_size[u] <= m.capacity)
        if fits.any():
            candidate = int(np.argmax(np.where(fits, delta, -np.inf)))
            if delta[candidate] > best_move_value:
                best_move, best_move_value = candidate, float(delta[candidate])
    partners, values = _swap_partners(state, u, delta, allowed)
    if len(values) and values.max() > best_move_value:
        k = int(np.argmax(values))
        v, b = int(partners[k]), int(state.table_of[partners[k]])
        state.move(u, b)
        state.move(v, a)
        return True
    if best_move >= 0:
        state.move(u, best_move)
        return True
    return False


def local_search(state: SeatingState, rng: np.random.Generator, deadline: float) -> bool:
    """Improve until no move or swap helps (True) or the deadline passes (False)."""
    movers = state.model.movers
    while True:
        improved = False
        for k, u in enumerate(rng.permutation(movers)):
            if k % 32 == 0 and time.monotonic() > deadline:
                return False
            improved |= improve_unit(state, int(u))
        if not improved:
            return True


def perturb(state: SeatingState, rng: np.random.Generator, strength: int) -> None:
    """Random feasible moves or swaps of ``strength`` units, to leave a local optimum."""
    m = state.model
    for _ in range(strength):
        u = int(rng.choice(m.movers))
        a = int(state.table_of[u])
        allowed = m.allowed(u).copy()
        allowed[a] = False
        allowed[state.blocked_tables(u)] = False
        tables = np.flatnonzero(allowed)
        if len(tables) == 0:
            continue
        b = int(rng.choice(tables))
        if (state.size[b] + m.unit_size[u] <= m.capacity[b]
                and state.size[a] - m.unit_size[u] >= m.min_fill[a]):
            state.move(u, b)
            continue
        delta = np.zeros(m.n_tables)
        delta[b] = 1.0  # steer _swap_partners to table b
        only_b = np.zeros(m.n_tables, dtype=bool)
        only_b[b] = True
        partners, values = _swap_partners(state, u, delta, only_b)
        partners = partners[np.isfinite(values)]
        if len(partners):
            state.move(u, b)
            state.move(int(rng.choice(partners)), a)


def heuristic_seating(
    model: IndexedInstance,
    *,
    deadline: float,
    seed: int = 0,
    start: np.ndarray | None = None,
    max_idle_rounds: int | None = None,
) -> HeuristicResult:
    """Greedy start plus iterated local search until ``deadline`` (time.monotonic()) or until
    ``max_idle_rounds`` perturbation rounds in a row bring no improvement."""
    rng = np.random.default_rng(seed)
    state = None
    for _ in range(_GREEDY_ATTEMPTS):
        state = greedy_seating(model, rng, start)
        if state is not None:
            break
    if state is None:
        return HeuristicResult(None, None, 0)
    greedy_objective = state.objective
    if len(model.movers) == 0:
        return HeuristicResult(state, greedy_objective, 0)
    if max_idle_rounds is None:
        max_idle_rounds = max(200, 20 * len(model.movers))
    local_search(state, rng, deadline)
    best, best_objective = state.copy_assignment(), state.objective
    rounds = idle = 0
    while time.monotonic() < deadline and idle < max_idle_rounds:
        rounds += 1
        perturb(state, rng, int(rng.integers(2, 3 + len(model.movers) // 20)))
        local_search(state, rng, deadline)
        if state.objective > best_objective + _EPS:
            best, best_objective, idle = state.copy_assignment(), state.objective, 0
        else:
            idle += 1
            if state.objective < best_objective - _EPS:
                state = SeatingState.from_assignment(model, best)
    if state.objective < best_objective - _EPS:
        state = SeatingState.from_assignment(model, best)
    return HeuristicResult(state, greedy_objective, rounds)
