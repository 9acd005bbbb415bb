"""Fast heuristic: greedy start, then move/swap local search with iterated perturbation.

Up to :data:`DENSE_MAX_UNITS` units the compiled iterated tabu search of :mod:`kernel` does the
work: one search per core, all adding to one population of plans whose children they improve
(see :class:`_Population`, :func:`search_threads` and ``docs/engine.md``).
Larger events use the sparse search below, whose memory stays linear in the number of people;
it is iterated maxima search (Lai & Hao 2016) adapted to seating rules:

* local search applies, for each unit in turn, the best improving move (to another table), swap
  (two units exchange tables) or, for keep-together groups, exchange with as many single people
  as seats require; values are read off the gain matrix, and swap partners are drawn from the few
  tables the unit would most like to join;
* at a local optimum a few random moves/swaps perturb the plan (more the longer the search is
  stuck); the search resumes from there and the moves are undone if the plan got worse;
* after many rounds without progress the search restarts from a fresh greedy plan, keeping the
  best plan seen.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from . import clock, kernel
from .greedy import greedy_seating
from .indexed import IndexedInstance
from .state import SeatingState

_EPS = 1e-9
# Swap partners are drawn from the few tables u would most like to join; exhaustive on small
# events, where every table is a candidate anyway.
_SWAP_TABLES = 8
_GREEDY_ATTEMPTS = 5
_IDLE_PER_STRENGTH = 25
# Above this many movable units, a perturbation is followed by a local, not a full, search.
_FULL_SWEEP_MAX_MOVERS = 300
#: Up to this many units (people, keep-together groups counting once) the compiled tabu search
#: runs on a dense unit × unit weight matrix (8 bytes a pair: 72 MB at 3,000); beyond it the
#: sparse Python search below, whose memory stays linear in the number of people.
DENSE_MAX_UNITS = 3000
#: With keep-together groups, the share of the time the kernel gets before the Python search
#: (which has the group exchange) takes over; and the event size from which that pays.  Measured
#: on generated events (CPU clock, 4 seeds): at 400 people with groups the Python search alone
#: scored about 1 % more than kernel-then-Python (without groups they tie); at 2,000 people
#: kernel-then-Python scored about 1 % more.
GROUPS_KERNEL_SHARE = 0.5
KERNEL_WITH_GROUPS_MIN_UNITS = 1000
#: How many elite plans the compiled search keeps to cross (see kernel.run_chunk).
POOL_SIZE = 10
#: With table-size ranges, how many size vectors the compiled search races first (see
#: _size_race), with what share of its time, the rounds each gets in the first stage, and up to
#: how many units (beyond it a round takes too long for a race within the limit).
SIZE_CANDIDATES = 12
SIZE_RACE_SHARE = 0.4
SIZE_RACE_ROUNDS = 1
SIZE_RACE_MAX_UNITS = 600
#: The compiled search's population (see _Population): how many plans it keeps, the rounds of
#: tabu search each first member and each child gets, and the share of a plan's pairs at a table
#: that another plan must seat together too to count as in the same region.
POPULATION_SIZE = 6
FIRST_ROUNDS = 8
CHILD_ROUNDS = 8
SAME_REGION = 0.5
#: After this many rounds per unit whose place matters (over all searches) without a better plan,
#: the population starts over around its best plan (see _Population.offer).  At n = 120 (300
#: rounds) the population had stopped improving after about a second of three; starting over
#: brought RanReal_n120_ss from 0.030 % to 0.019 % (4 seeds each).  A round at n = 240 is longer,
#: but 20 s hold more than twice as many: 600 rounds there against 300 took RanReal+RanInt_n240_ss
#: from 0.090 % to 0.063 % (2 seeds each).
RESTART_ROUNDS_PER_UNIT = 2.5
#: Never fewer rounds than this: what small events had before (a population takes about 50 to fill).
RESTART_MIN_ROUNDS = 300
#: The rounds (over all searches) a population needs to pay: its first members and some children.
POPULATION_MIN_ROUNDS = POPULATION_SIZE * FIRST_ROUNDS + 10 * CHILD_ROUNDS
#: At most this many compiled searches side by side (see search_threads): a dashboard server
#: shares its cores with other organisers.
MAX_SEARCH_THREADS = 4
# Seeds of the searches side by side: far apart, so that no two runs of the command share one.
_SEED_STRIDE = 1_000_003
# Compiled chunks are sized to return to Python (and the clock) about this often.
_CHUNK_SECONDS = 0.02


@dataclass
class HeuristicResult:
    state: SeatingState | None
    greedy_objective: float | None
    rounds: int


def _stay_difference(model: IndexedInstance, v: int, to: int, frm: int) -> float:
    """Change in v's stay bonus when v moves from table ``frm`` to ``to``."""
    return sum(model.move_penalty * c * ((t == to) - (t == frm)) for t, c in model.homes[v])


def _preferred_tables(delta: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """The allowed tables u would most like to join (all of them on small events)."""
    tables = np.flatnonzero(allowed)
    if len(tables) > _SWAP_TABLES:
        tables = tables[np.argpartition(-delta[tables], _SWAP_TABLES)[:_SWAP_TABLES]]
    return tables


def _swap_partners(
    state: SeatingState, u: int, delta: np.ndarray, allowed: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Units v at u's preferred tables with whom u could exchange places, and the swap values."""
    m = state.model
    a = int(state.table_of[u])
    v = state.units_at(_preferred_tables(delta, allowed))
    v = v[m.movable[v]]
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
    partners_of_u = m.apart_units[u]
    if partners_of_u:
        # u may join b only if everyone it must avoid there is the very person leaving.
        avoid_at = np.bincount(state.table_of[partners_of_u], minlength=m.n_tables)
        clash = avoid_at[b] - np.isin(v, partners_of_u) > 0
        v, b = v[~clash], b[~clash]
    value = delta[b] + state.gain[a, v] - state.gain[b, v] - 2.0 * m.unit_weights_to(u, v)
    _adjust_for_homes_and_conflicts(state, u, a, v, b, value)
    return v, value


def _adjust_for_homes_and_conflicts(
    state: SeatingState, u: int, a: int, v: np.ndarray, b: np.ndarray | int, value: np.ndarray,
) -> None:
    """Add stay bonuses and rule out conflicts for units v moving from table(s) b to a (u leaves a)."""
    m = state.model
    b = np.broadcast_to(b, v.shape)
    for k in np.flatnonzero(m.has_home[v] | m.has_apart[v]):
        vk = int(v[k])
        value[k] += _stay_difference(m, vk, a, int(b[k]))
        if any(state.table_of[x] == a and x != u for x in m.apart_units[vk]):
            value[k] = -np.inf


def _group_exchange(
    state: SeatingState, u: int, delta: np.ndarray, allowed: np.ndarray,
) -> tuple[float, int, np.ndarray]:
    """Best exchange of keep-together group u with up to |u| single people from another table.

    Plain moves and swaps cannot take a group from or to a full table, or off a table that would
    drop below its minimum fill; this exchange frees or fills exactly the seats needed, choosing
    the people who gain most from taking the group's old table.
    Returns (value, table, people leaving that table), table -1 if no exchange helps.
    """
    m = state.model
    a, s_u = int(state.table_of[u]), int(m.unit_size[u])
    best: tuple[float, int, np.ndarray] = (_EPS, -1, np.empty(0, dtype=np.int64))
    for b in _preferred_tables(delta, allowed):
        fewest = max(1, int(state.size[b] + s_u - m.capacity[b]),
                     int(m.min_fill[a] - state.size[a] + s_u))
        most = min(s_u, int(m.capacity[a] - state.size[a] + s_u),
                   int(state.size[b] + s_u - m.min_fill[b]))
        if fewest > most:
            continue
        singles = state.units_at(np.array([b]))
        singles = singles[m.movable[singles] & (m.unit_size[singles] == 1)
                          & m.class_allowed[m.unit_class[singles], a]]
        value = (state.gain[a, singles] - state.gain[b, singles]
                 - 2.0 * m.unit_weights_to(u, singles))
        _adjust_for_homes_and_conflicts(state, u, a, singles, int(b), value)
        ranked = np.argsort(-value, kind="stable")[:most]
        ranked = ranked[np.isfinite(value[ranked])]
        leaving = singles[ranked]
        # People who leave b together stay together at a, so their mutual weights are kept.
        mutual = np.zeros((len(leaving), len(leaving)))
        for k, v in enumerate(leaving):
            others = np.delete(np.arange(len(leaving)), k)
            mutual[k, others] = m.unit_weights_to(int(v), leaving[others])
        for k in range(fewest, len(leaving) + 1):
            kept = float(np.triu(mutual[:k, :k], 1).sum())
            total = float(delta[b] + value[ranked[:k]].sum() + 2.0 * kept)
            if total > best[0]:
                best = (total, int(b), leaving[:k])
    return best


def improve_unit(state: SeatingState, u: int) -> bool:
    """Apply the best improving move or swap for unit u; True if the plan improved."""
    m = state.model
    a = int(state.table_of[u])
    row = m.gain_with_bonus(state.gain[:, u], u)
    delta = row - row[a]
    allowed = m.allowed(u).copy()
    allowed[a] = False
    if not allowed.any():
        return False
    free_of_conflict = allowed.copy()
    free_of_conflict[state.blocked_tables(u)] = False
    best_move, best_move_value = -1, _EPS
    if state.size[a] - m.unit_size[u] >= m.min_fill[a]:
        fits = free_of_conflict & (state.size + m.unit_size[u] <= m.capacity)
        if fits.any():
            candidate = int(np.argmax(np.where(fits, delta, -np.inf)))
            if delta[candidate] > best_move_value:
                best_move, best_move_value = candidate, float(delta[candidate])
    if m.unit_size[u] > 1:
        value, b, leaving = _group_exchange(state, u, delta, free_of_conflict)
        if value > best_move_value:
            for v in leaving:
                state.move(int(v), a)
            state.move(u, b)
            return True
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


def local_search(
    state: SeatingState, rng: np.random.Generator, deadline: float, focus: set[int] | None = None,
) -> bool:
    """Improve until no move or swap helps (True) or the deadline passes (False).

    Only units at tables that just changed are re-examined after a change (their gains changed
    most), and a final full sweep confirms the local optimum.  With ``focus`` (the tables a
    perturbation touched) the search starts from the units there and stops when that
    neighbourhood settles: on large events a confirming sweep over everyone costs more than it
    finds.
    """
    m = state.model
    is_mover = np.zeros(m.n_units, dtype=bool)
    is_mover[m.movers] = True
    checked = 0
    while True:
        if focus is None:
            queue = deque(rng.permutation(m.movers))
            waiting = is_mover.copy()
        else:
            queue = deque(rng.permutation([x for t in focus for x in state.seated_at[t] if is_mover[x]]))
            waiting = np.zeros(m.n_units, dtype=bool)
            waiting[list(queue)] = True
        improved = False
        while queue:
            u = queue.popleft()
            if not waiting[u]:
                continue
            waiting[u] = False
            checked += 1
            if checked % 32 == 0 and clock.now() > deadline:
                return False
            a = int(state.table_of[u])
            if improve_unit(state, u):
                improved = True
                for t in (a, int(state.table_of[u])):
                    for x in state.seated_at[t]:
                        if is_mover[x] and not waiting[x]:
                            waiting[x] = True
                            queue.append(x)
        if focus is not None or not improved:
            return True


def perturb(state: SeatingState, rng: np.random.Generator, strength: int) -> set[int]:
    """Random feasible moves or swaps of ``strength`` units, to leave a local optimum.
    Returns the tables touched."""
    m = state.model
    touched: set[int] = set()
    for _ in range(strength):
        u = int(rng.choice(m.movers))
        a = int(state.table_of[u])
        allowed = m.allowed(u).copy()
        allowed[a] = False
        tables = np.flatnonzero(allowed)
        if len(tables) == 0:
            continue
        b = int(rng.choice(tables))
        if (b not in state.blocked_tables(u)
                and state.size[b] + m.unit_size[u] <= m.capacity[b]
                and state.size[a] - m.unit_size[u] >= m.min_fill[a]):
            state.move(u, b)
            touched.update((a, b))
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
            touched.update((a, b))
    return touched


def heuristic_seating(
    model: IndexedInstance,
    *,
    deadline: float,
    seed: int = 0,
    start: np.ndarray | None = None,
) -> HeuristicResult:
    """Greedy start plus iterated local search until ``deadline`` (clock.now()) or until
    five restarts' worth of perturbation rounds in a row beat no earlier plan."""
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
    kernel_rounds = 0
    if model.n_units <= DENSE_MAX_UNITS and (not model.n_groups or model.n_units >= KERNEL_WITH_GROUPS_MIN_UNITS):
        # Plain moves and swaps cannot exchange a group with several single people: with
        # keep-together groups the search below (group exchange included) continues from the
        # kernel's plan for the rest of the time.
        share = GROUPS_KERNEL_SHARE if model.n_groups else 1.0
        state, kernel_rounds = _compiled_search(
            model, state, clock.now() + share * (deadline - clock.now()), seed)
        if not model.n_groups:
            return HeuristicResult(state, greedy_objective, kernel_rounds)
    restart_after = max(100, 10 * len(model.movers))
    max_idle_rounds = 5 * restart_after
    local_search(state, rng, deadline)
    best, best_objective = state.copy_assignment(), state.objective
    run_best = state.objective
    rounds = idle = idle_in_run = 0
    strongest = max(3, len(model.movers) // 4)
    while clock.now() < deadline and idle < max_idle_rounds:
        rounds += 1
        state.journal = []
        # Stronger kicks the longer the search has been stuck (iterated maxima search).
        strength = 2 + min(strongest, idle_in_run // _IDLE_PER_STRENGTH)
        touched = perturb(state, rng, int(rng.integers(2, strength + 1)))
        local_search(state, rng, deadline,
                     focus=touched if len(model.movers) > _FULL_SWEEP_MAX_MOVERS else None)
        idle += 1
        idle_in_run += 1
        if state.objective > run_best + _EPS:
            run_best, idle_in_run = state.objective, 0
        elif state.objective < run_best - _EPS:
            state.undo_journal()
        if state.objective > best_objective + _EPS:
            best, best_objective, idle = state.copy_assignment(), state.objective, 0
        if idle_in_run >= restart_after:
            # Stuck in one basin: start over from a fresh greedy plan, keeping the best so far.
            fresh = greedy_seating(model, rng, start)
            if fresh is not None:
                state = fresh
                local_search(state, rng, deadline)
                run_best, idle_in_run = state.objective, 0
                if state.objective > best_objective + _EPS:
                    best, best_objective, idle = state.copy_assignment(), state.objective, 0
    state.journal = None
    if state.objective < best_objective - _EPS:
        state = SeatingState.from_assignment(model, best)
    return HeuristicResult(state, greedy_objective, kernel_rounds + rounds)


def _dense_weights(model: IndexedInstance) -> np.ndarray:
    W = np.zeros((model.n_units, model.n_units))
    for u in np.flatnonzero(model.weighted):
        W[u] = model.unit_weights(int(u))
    return W


class _Run:
    """One compiled search: its plan (with G, sizes and keep-apart counts kept up to date), its
    best plans, elite pool, tabu list and counters (see :func:`kernel.run_chunk`)."""

    def __init__(self, problem: kernel.Problem, table_of: np.ndarray, m: int, pool_size: int) -> None:
        W, B, unit_size, _, _, _, _, _, apart_ptr, apart_idx, _ = problem
        n, T = B.shape
        self.table_of = table_of.copy()
        self.G = np.zeros((n, T))
        self.size = np.zeros(T, dtype=np.int64)
        self.avoid = np.zeros((n, T), dtype=np.int64)
        kernel.rebuild(W, unit_size, apart_ptr, apart_idx, self.table_of, self.G, self.size, self.avoid)
        objective = float(0.5 * self.G[np.arange(n), self.table_of].sum()
                          + B[np.arange(n), self.table_of].sum())
        self.values = np.array([objective, objective, objective])
        self.counters = np.zeros(kernel.N_COUNTERS, dtype=np.int64)
        # Tuned on MDGPLIB at n = 120 and 240 (3 seeds each): a run ends after 4 m iterations
        # without a new best of its own; a unit may not return to a table for 0.1 m to
        # 0.1 m + T / 2 iterations; a perturbation moves 0.075 m to 0.225 m units.
        self.counters[kernel.DEPTH] = max(50, 4 * m)
        self.counters[kernel.TENURE] = max(2, m // 10)
        self.counters[kernel.TENURE_SPREAD] = max(2, T // 2)
        self.counters[kernel.STRENGTH] = max(2, (3 * m) // 20)
        self.tabu = np.zeros((n, T), dtype=np.int64)
        self.best_table_of, self.run_best_table_of = self.table_of.copy(), self.table_of.copy()
        self.pool = np.zeros((pool_size, n), dtype=np.int64)
        self.pool_values = np.zeros(pool_size)
        self.iterations = 1

    @property
    def plan(self) -> kernel.Plan:
        return (self.table_of, self.G, self.size, self.avoid, self.values)

    @property
    def best(self) -> float:
        return float(self.values[kernel.BEST])

    def grow(self, problem: kernel.Problem, deadline: float, max_idle_rounds: int, rounds: int) -> None:
        """``rounds`` more rounds of tabu search (or fewer: see :meth:`advance`)."""
        self.advance(problem, deadline, max_idle_rounds, int(self.counters[kernel.ROUNDS]) + rounds)

    def settle(self, problem: kernel.Problem, deadline: float) -> None:
        """A local optimum by descent (cheap sweeps), which the tabu search starts from."""
        while clock.now() < deadline and kernel.descent(problem, self.plan, 1):
            pass
        self.values[kernel.BEST] = self.values[kernel.RUN_BEST] = self.values[kernel.OBJECTIVE]
        self.best_table_of[:] = self.table_of
        self.run_best_table_of[:] = self.table_of

    def advance(self, problem: kernel.Problem, deadline: float, max_idle_rounds: int,
                until_rounds: int | None = None) -> None:
        """Tabu search until the deadline, ``max_idle_rounds`` rounds in a row without a better
        plan, or (if given) ``until_rounds`` rounds in all."""
        counters = self.counters
        while counters[kernel.IDLE_ROUNDS] < max_idle_rounds and (
                until_rounds is None or counters[kernel.ROUNDS] < until_rounds):
            now = clock.now()
            if now >= deadline:
                break
            kernel.run_chunk(problem, self.plan, self.tabu, self.best_table_of, self.run_best_table_of,
                             self.pool, self.pool_values, counters, self.iterations)
            spent = clock.now() - now
            if spent < _CHUNK_SECONDS / 2:
                self.iterations *= 2
            elif spent > 2 * _CHUNK_SECONDS and self.iterations > 1:
                self.iterations //= 2
            self.iterations = max(1, min(self.iterations,
                                         int(self.iterations * (deadline - clock.now()) / max(spent, 1e-6))))


def size_targets(model: IndexedInstance, table_of: np.ndarray, rng: np.random.Generator,
                 count: int, pair_value: float = 0.0) -> list[np.ndarray]:
    """Up to ``count`` distinct table-size vectors other than the plan's own, each a corner of
    the size ranges: every table at its minimum fill, then, in random order, tables filled to
    capacity while the people left fill its whole range, then the rest into the first tables
    that have room.  Empty when the sizes are fixed (every table exactly full, as on MDGPLIB's
    "ss" instances).

    ``pair_value``: what a pair at one table is worth on average (the mean weight).  When it is
    not zero, many corners are drawn and the ones with the most (positive weights) or fewest
    (negative) pairs at a table, sum of s(s-1)/2, come first: what a table's people are worth
    grows with its pairs, and on MDGPLIB's ds instances the best plans known sit at the corner
    with the most pairs (RanReal_n120_ds_02: 721 pairs, the size vector a quarter of the seeds
    missed had 716).  A third of the places still go to random corners, for weights whose
    structure matters more than their mean."""
    seated = table_of >= 0
    own = np.bincount(table_of[seated], weights=model.unit_size[seated], minlength=model.n_tables)
    total = int(own.sum())
    seen = {tuple(int(x) for x in own)}
    corners: list[np.ndarray] = []
    draws = 4 * count if pair_value == 0.0 else max(4 * count, 400)
    for _ in range(draws):
        if pair_value == 0.0 and len(corners) >= count:
            break
        target = model.min_fill.copy()
        extra = total - int(target.sum())
        order = rng.permutation(model.n_tables)
        # Tables whose whole range fits in what is left first, so that most corners have no
        # table in between (the best plans found on MDGPLIB's ds instances have none).
        for t in order:
            if model.capacity[t] - model.min_fill[t] <= extra:
                target[t] = model.capacity[t]
                extra -= int(model.capacity[t] - model.min_fill[t])
        for t in order:
            add = min(int(model.capacity[t] - target[t]), max(0, extra))
            target[t] += add
            extra -= add
        key = tuple(int(x) for x in target)
        if extra == 0 and key not in seen:
            seen.add(key)
            corners.append(target)
    if pair_value == 0.0:
        return corners[:count]
    value = [np.sign(pair_value) * float((c * (c - 1)).sum()) for c in corners]
    ranked = [corners[k] for k in np.argsort(value, kind="stable")[::-1]]
    best = count - count // 3
    rest = ranked[best:]
    picks: list[int] = rng.permutation(len(rest))[:count - best].tolist() if rest else []
    return ranked[:best] + [rest[k] for k in sorted(picks)]


def _size_race(
    model: IndexedInstance, problem: kernel.Problem, first: _Run, m: int, deadline: float,
    max_idle_rounds: int, rng: np.random.Generator,
) -> _Run:
    """With table-size ranges, which tables are full matters as much as who sits where, and the
    search settles on one size vector within its first few rounds (each move away from it loses
    until a new arrangement forms): on RanReal_n120_ds_02 and Geo_n120_ds_02 a quarter of the
    seeds ended 0.7-0.9 % below the others, every time at the same wrong size vector.  So the
    search first races size vectors (successive halving): :data:`SIZE_CANDIDATES` searches, the
    start's and ones moved to random corners of the size ranges (:func:`size_targets`), get the
    same rounds; the better half goes on with twice the rounds, until one is left to continue."""
    W = problem[0]
    movers = np.flatnonzero(problem[7])
    pair_value = float(W[np.ix_(movers, movers)].mean()) if len(movers) > 1 else 0.0
    targets = size_targets(model, first.table_of, rng, SIZE_CANDIDATES - 1,
                           pair_value)
    if not targets:
        return first
    runs = [first]
    for target in targets:
        run = _Run(problem, first.table_of, m, POOL_SIZE)
        kernel.resize(problem, run.plan, target)
        run.settle(problem, deadline)
        runs.append(run)
    rounds = SIZE_RACE_ROUNDS
    while len(runs) > 1 and clock.now() < deadline:
        for k, run in enumerate(runs):
            # The same rounds for each (a fair comparison), and, so that a slow instance cannot
            # spend the race on its first candidates, at most an equal share of the time left.
            share = (deadline - clock.now()) / (len(runs) - k)
            run.advance(problem, clock.now() + share, max_idle_rounds, until_rounds=rounds)
        runs.sort(key=lambda r: -r.best)
        runs = runs[:max(1, len(runs) // 2)]
        rounds *= 2
    return runs[0]


def search_threads() -> int:
    """How many compiled searches run side by side: one per core this process may use, at most
    :data:`MAX_SEARCH_THREADS` (``EVENTFLOW_ENGINE_THREADS`` overrides).  One with the CPU clock,
    whose limit is what a single core gives (threads would share it)."""
    chosen = os.environ.get("EVENTFLOW_ENGINE_THREADS", "").strip()
    if chosen:
        if not chosen.isdigit() or int(chosen) < 1:
            raise ValueError(f"EVENTFLOW_ENGINE_THREADS must be a whole number of at least 1, not {chosen!r}")
        return int(chosen)
    if clock.CPU_CLOCK:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_SEARCH_THREADS, cores))


class _Population:
    """Plans from different regions of the search space, shared by the searches side by side
    (a memetic search: each new plan is a child of two members, improved by tabu search).

    On MDGPLIB's size-range instances the plans one tabu search reaches lie in a few regions
    far apart: of 16 seeds on RanReal_n120_ds_02, the eight best shared 70-94 % of their pairs
    at a table, the others 20-50 % with them, and a search in a poorer region stays there
    (15 CPU seconds did not lead it out).  Children of plans from different regions can land in
    a better one; a child that lands in a member's region takes its place only if better, so
    the population keeps its regions instead of filling with copies of the best one.  When it has
    long found nothing better (``restart_rounds``), it starts over: its best plan stays,
    plans scattered from it take the other places."""

    def __init__(self, size: int, mover_units: np.ndarray, n_tables: int, max_idle_rounds: int,
                 searches: int = 1, restart_rounds: int = RESTART_MIN_ROUNDS) -> None:
        self.size = size
        self.restart_rounds = restart_rounds
        self.searches = searches
        self.members: list[_Run] = []
        self.claimed = searches  # each search's own first member
        self.rounds = 0
        self.idle_rounds = 0
        self.max_idle_rounds = max_idle_rounds
        self._movers = mover_units
        self._n_tables = n_tables
        self._lock = threading.Lock()
        self.stale_rounds = 0  # since the best plan last improved or the population started over
        self.restarts = 0

    def claim(self) -> bool:
        """Reserve a place for a new first member; False once the population will be full."""
        with self._lock:
            if self.claimed >= self.size:
                return False
            self.claimed += 1
            return True

    def scatter_origin(self, first: np.ndarray) -> np.ndarray:
        """Where a scattered member starts: the search's first member until the population
        first starts over, its best plan after."""
        with self._lock:
            return first if self.restarts == 0 else max(self.members, key=lambda r: r.best).best_table_of.copy()

    def parents(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray] | None:
        with self._lock:
            if len(self.members) < 2:
                return None
            i, j = rng.choice(len(self.members), 2, replace=False)
            return self.members[i].best_table_of, self.members[j].best_table_of

    def overlap(self, first: np.ndarray, second: np.ndarray) -> float:
        """The share of ``first``'s pairs at one table that ``second`` seats together too (1.0:
        the same plan, whatever the tables are called), counted over the units whose place
        matters."""
        a, b = first[self._movers], second[self._movers]
        T = self._n_tables
        both = np.bincount(a * T + b, minlength=T * T)
        alone = np.bincount(a, minlength=T)
        pairs = int((alone * (alone - 1)).sum())
        return float((both * (both - 1)).sum()) / pairs if pairs else 1.0

    def offer(self, run: _Run, rounds: int) -> None:
        """Keep ``run``'s best plan if the population has room, or in place of the member of its
        region if better, or (a region of its own) in place of the worst member if better; after
        ``restart_rounds`` rounds without a better plan, start over around the best."""
        with self._lock:
            best_before = max((r.best for r in self.members), default=-np.inf)
            self.rounds += rounds
            if run.best > best_before + _EPS:
                self.idle_rounds = 0
                self.stale_rounds = 0
            else:
                self.idle_rounds += rounds
                self.stale_rounds += rounds
            self._join(run)
            if self.stale_rounds >= self.restart_rounds and len(self.members) >= self.size:
                # Start over around the best plan: it stays, scattered plans take the other places.
                self.stale_rounds = 0
                self.restarts += 1
                self.members = [max(self.members, key=lambda r: r.best)]
                self.claimed = 1

    def _join(self, run: _Run) -> None:
        if any(r is run for r in self.members):
            return
        if len(self.members) < self.size:
            self.members.append(run)
            return
        overlaps = [self.overlap(run.best_table_of, r.best_table_of) for r in self.members]
        k = int(np.argmax(overlaps))
        if overlaps[k] < SAME_REGION:
            k = int(np.argmin([r.best for r in self.members]))
        if run.best > self.members[k].best + _EPS:
            self.members[k] = run

    @property
    def settled(self) -> bool:
        """True after many rounds in a row without a better plan (small events end early)."""
        return self.idle_rounds >= self.max_idle_rounds

    def best(self) -> _Run:
        return max(self.members, key=lambda r: r.best)


def _one_search(model: IndexedInstance, problem: kernel.Problem, table_of: np.ndarray, m: int,
                deadline: float, population: _Population, seed: int) -> None:
    """One compiled search from ``table_of``: descent, the size race and tabu search give the
    population its first member; plans scattered at that member's table sizes fill the rest;
    then, until the deadline, children of two members, each improved by tabu search, join (and
    scattered plans again whenever the population starts over).
    Where a round is too long for a population to pay (:data:`POPULATION_MIN_ROUNDS`), the
    first member's tabu search goes on alone until the deadline instead."""
    kernel.seed_kernel(seed)  # numba's random generator is per thread
    rng = np.random.default_rng(seed + 1)
    max_idle_rounds = population.max_idle_rounds
    run = _Run(problem, table_of, m, POOL_SIZE)
    run.settle(problem, deadline)
    if model.n_units <= SIZE_RACE_MAX_UNITS:
        race_end = clock.now() + SIZE_RACE_SHARE * (deadline - clock.now())
        run = _size_race(model, problem, run, m, race_end, max_idle_rounds, rng)
    began, rounds = clock.now(), int(run.counters[kernel.ROUNDS])
    run.grow(problem, deadline, max_idle_rounds, FIRST_ROUNDS)
    per_round = (clock.now() - began) / max(1, int(run.counters[kernel.ROUNDS]) - rounds)
    if clock.now() + POPULATION_MIN_ROUNDS * per_round / population.searches > deadline:
        # Too little time for a population to pay (large events: a round is long): the
        # iterated tabu search goes on with this plan.
        run.advance(problem, deadline, max_idle_rounds)
        population.offer(run, int(run.counters[kernel.ROUNDS]))
        return
    population.offer(run, int(run.counters[kernel.ROUNDS]))
    first = run.best_table_of.copy()
    scratch = _Run(problem, first, m, POOL_SIZE)
    while clock.now() < deadline and not population.settled:
        if population.claim():
            origin = population.scatter_origin(first)
            sizes = np.bincount(origin, weights=problem[2], minlength=len(problem[3])).astype(np.int64)
            member = _Run(problem, origin, m, POOL_SIZE)
            # Random moves and swaps of every unit several times over, back at the origin's
            # table sizes (the size race chose them): a start far from it, every rule kept.
            kernel.perturb(problem, member.plan, member.tabu, 0, 4 * m)
            kernel.resize(problem, member.plan, sizes)
            member.tabu[:, :] = 0
            member.settle(problem, deadline)
            member.grow(problem, deadline, max_idle_rounds, FIRST_ROUNDS)
            population.offer(member, int(member.counters[kernel.ROUNDS]))
            continue
        parents = population.parents(rng)
        if parents is None or not kernel.crossover(problem, scratch.plan, *parents):
            # No second member yet, or a child that breaks a rule the search cannot repair:
            # more tabu search from this search's own plan instead.
            rounds = int(run.counters[kernel.ROUNDS])
            run.grow(problem, deadline, max_idle_rounds, 1)
            # At least one round counted, so that a search whose own run has settled ends.
            population.offer(run, max(1, int(run.counters[kernel.ROUNDS]) - rounds))
            continue
        child = _Run(problem, scratch.table_of, m, POOL_SIZE)
        child.settle(problem, deadline)
        child.grow(problem, deadline, max_idle_rounds, CHILD_ROUNDS)
        population.offer(child, int(child.counters[kernel.ROUNDS]))


def interchangeable_tables(allowed: np.ndarray, stay_bonus: np.ndarray, table_of: np.ndarray,
                           movable: np.ndarray) -> np.ndarray:
    """Which tables may exchange their people as a whole without breaking a rule or changing the
    plan's value: the same people may sit at both (``allowed``, which carries VIP and accessible
    tables and pins to a set of tables), the same stay bonus for everyone (re-planning), and
    nobody pinned to either.  Table number and size range aside, such tables are the same."""
    T = allowed.shape[1]
    pinned = np.zeros(T, dtype=np.bool_)
    pinned[table_of[~movable & (table_of >= 0)]] = True
    kinds: dict[bytes, int] = {}
    kind = np.array([kinds.setdefault(allowed[:, t].tobytes() + stay_bonus[:, t].tobytes(), len(kinds))
                     for t in range(T)], dtype=np.int64)
    same: np.ndarray = (kind[:, None] == kind[None, :]) & ~pinned[:, None] & ~pinned[None, :]
    np.fill_diagonal(same, False)
    return same


def _compiled_search(
    model: IndexedInstance, state: SeatingState, deadline: float, seed: int,
) -> tuple[SeatingState, int]:
    """Iterated tabu search in compiled code (see :mod:`kernel`) from ``state`` until the deadline
    or until a long stretch of perturbation rounds finds nothing better; returns the best plan."""
    n, T = model.n_units, model.n_tables
    W = _dense_weights(model)
    B = np.zeros((n, T))
    for u, homes in enumerate(model.homes):
        for t, c in homes:
            B[u, t] += model.move_penalty * c
    allowed = np.ascontiguousarray(model.class_allowed[model.unit_class])
    movable_units = np.flatnonzero(model.movable).astype(np.int64)
    is_mover = np.zeros(n, dtype=np.bool_)
    is_mover[model.movers] = True
    lengths = np.array([len(a) for a in model.apart_units], dtype=np.int64)
    apart_ptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    apart_idx = np.array([v for a in model.apart_units for v in a], dtype=np.int64)
    problem: kernel.Problem = (W, B, model.unit_size, model.capacity, model.min_fill, allowed,
                               movable_units, is_mover, apart_ptr, apart_idx,
                               interchangeable_tables(allowed, B, state.table_of, model.movable))
    # Sized by the units whose moves matter (everyone on MDGPLIB; on events, not the people
    # without any weight, who only fill seats).
    m = max(1, int(is_mover.sum()))
    searches = search_threads()
    # Small events stop once many perturbation rounds in a row found nothing better.
    population = _Population(POPULATION_SIZE, np.flatnonzero(is_mover), T, max(200, 20 * m), searches,
                             restart_rounds=max(RESTART_MIN_ROUNDS, round(RESTART_ROUNDS_PER_UNIT * m)))
    if searches == 1:
        _one_search(model, problem, state.table_of, m, deadline, population, seed)
    else:
        # The kernel releases the GIL: searches with other seeds run side by side on the cores
        # the process may use, and add to one population.
        with ThreadPoolExecutor(max_workers=searches) as pool:
            list(pool.map(lambda k: _one_search(model, problem, state.table_of, m, deadline,
                                                population, seed + _SEED_STRIDE * k), range(searches)))
    best = SeatingState.from_assignment(model, population.best().best_table_of)
    if best.objective < state.objective - _EPS:  # never worse than the start
        best = state
    return best, population.rounds
