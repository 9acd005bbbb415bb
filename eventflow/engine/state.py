"""A partial or complete seating with an incrementally maintained unit × table gain matrix."""

from __future__ import annotations

import numpy as np

from .indexed import IndexedInstance


class SeatingState:
    """Where every unit sits, and ``gain[t, u]`` = sum of W(u, v) over units v at table t.

    The gain matrix is stored table-major so that seating or unseating one unit updates one
    contiguous row; moving a unit costs one weight-vector build plus two row updates, and the
    value of any move or swap is read off the matrix in O(1).
    """

    def __init__(self, model: IndexedInstance) -> None:
        self.model = model
        self.table_of = np.full(model.n_units, -1, dtype=np.int64)
        self.size = np.zeros(model.n_tables, dtype=np.int64)
        self.gain = np.zeros((model.n_tables, model.n_units))
        # Objective of the seated units: networking score plus the stay bonus of re-planning.
        self.objective = 0.0

    def copy_assignment(self) -> np.ndarray:
        return self.table_of.copy()

    def seat(self, u: int, t: int, weights: np.ndarray | None = None) -> None:
        """Seat an unseated unit at table t."""
        m = self.model
        self.objective += self.gain[t, u] + m.internal[u] + self._bonus(u, t)
        if m.weighted[u]:
            self.gain[t] += m.unit_weights(u) if weights is None else weights
        self.size[t] += m.unit_size[u]
        self.table_of[u] = t

    def move(self, u: int, b: int, weights: np.ndarray | None = None) -> None:
        """Move a seated unit to table b."""
        m = self.model
        a = int(self.table_of[u])
        self.objective += self.gain[b, u] - self.gain[a, u] + self._bonus(u, b) - self._bonus(u, a)
        if m.weighted[u]:
            if weights is None:
                weights = m.unit_weights(u)
            self.gain[a] -= weights
            self.gain[b] += weights
        self.size[a] -= m.unit_size[u]
        self.size[b] += m.unit_size[u]
        self.table_of[u] = b

    def _bonus(self, u: int, t: int) -> float:
        return sum(self.model.move_penalty * c for tt, c in self.model.homes[u] if tt == t)

    def blocked_tables(self, u: int) -> np.ndarray:
        """Tables where someone u must be kept apart from is seated."""
        tables = self.table_of[self.model.apart_units[u]]
        return tables[tables >= 0]

    def move_mask(self, u: int) -> np.ndarray:
        """Tables u may move to (or be seated at) right now without breaking a hard rule."""
        m = self.model
        mask = m.allowed(u) & (self.size + m.unit_size[u] <= m.capacity)
        mask[self.blocked_tables(u)] = False
        a = self.table_of[u]
        if a >= 0:
            mask[a] = False
            if self.size[a] - m.unit_size[u] < m.min_fill[a]:
                mask[:] = False
        return mask

    @classmethod
    def from_assignment(cls, model: IndexedInstance, table_of: np.ndarray) -> SeatingState:
        """Rebuild a state (gain matrix included) for a given unit -> table array (-1 = unseated)."""
        state = cls(model)
        for u in np.flatnonzero(table_of >= 0):
            state.seat(int(u), int(table_of[u]))
        return state
