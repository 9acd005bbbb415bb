"""Greedy baseline: seat the most constrained people first, each where they add the most."""

from __future__ import annotations

import numpy as np

from .indexed import IndexedInstance
from .state import SeatingState


def _seating_order(model: IndexedInstance, units: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """VIP units, then groups (largest first), then those needing access, then opted-in people,
    then everyone else; random within each band so restarts differ."""
    per_class = model.class_allowed
    vip_only = ~(per_class & ~model.vip_table).any(axis=1)[model.unit_class[units]]
    n_allowed = per_class.sum(axis=1)[model.unit_class[units]]
    keys = (rng.random(len(units)), ~model.weighted[units], n_allowed, -model.unit_size[units], ~vip_only)
    return units[np.lexsort(keys)]


def _choose_table(state: SeatingState, u: int, mask: np.ndarray) -> int:
    """Best-gain allowed table; ties go to tables still below min_fill, then to the emptiest."""
    m = state.model
    gain = m.gain_with_bonus(state.gain[:, u], u)
    gain = np.where(mask, gain, -np.inf)
    best = gain.max()
    ties = gain >= best - 1e-9
    preference = (state.size < m.min_fill) * (m.capacity.max() + 1) + (m.capacity - state.size)
    return int(np.argmax(np.where(ties, preference, -1)))


def _repair_min_fill(state: SeatingState) -> bool:
    """Move people into tables below min_fill from tables that can spare them; False if stuck."""
    m = state.model
    while True:
        short = np.flatnonzero(state.size < m.min_fill)
        if len(short) == 0:
            return True
        t = int(short[0])
        seated = state.table_of >= 0
        source = np.where(seated, state.table_of, 0)
        candidates = np.flatnonzero(
            seated & m.movable & (state.table_of != t)
            & m.class_allowed[m.unit_class, t]
            & (state.size[source] - m.unit_size >= m.min_fill[source])
            & (state.size[t] + m.unit_size <= m.capacity[t])
        )
        delta = state.gain[t, candidates] - state.gain[source[candidates], candidates]
        for u in candidates[np.argsort(-delta, kind="stable")]:
            if t not in state.blocked_tables(int(u)):
                state.move(int(u), t)
                break
        else:
            return False


def greedy_seating(
    model: IndexedInstance, rng: np.random.Generator, start: np.ndarray | None = None,
) -> SeatingState | None:
    """A complete feasible seating built greedily, or None if the greedy gets stuck.

    ``start`` optionally gives tables for some units (e.g. today's seating when re-planning);
    those that still satisfy every rule keep their place, the rest are seated like newcomers.
    """
    state = SeatingState(model)
    for u in np.flatnonzero(~model.movable):
        state.seat(int(u), int(model.pinned_table[u]))
    if start is not None:
        for u in np.flatnonzero((start >= 0) & model.movable):
            if state.move_mask(int(u))[start[u]]:
                state.seat(int(u), int(start[u]))
    for u in _seating_order(model, np.flatnonzero(state.table_of < 0), rng):
        mask = state.move_mask(int(u))
        if not mask.any():
            return None
        state.seat(int(u), _choose_table(state, int(u), mask))
    return state if _repair_min_fill(state) else None
