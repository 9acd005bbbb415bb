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
        self.seated_at: list[set[int]] = [set() for _ in range(model.n_tables)]
        # While a list, every move is recorded as (unit, table it left) so it can be undone.
        self.journal: list[tuple[int, int]] | None = None
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
        self.seated_at[t].add(u)

    def move(self, u: int, b: int, weights: np.ndarray | None = None) -> None:
        """Move a seated unit to table b."""
        m = self.model
        a = int(self.table_of[u])
        if self.journal is not None:
            self.journal.append((u, a))
        self.objective += self.gain[b, u] - self.gain[a, u] + self._bonus(u, b) - self._bonus(u, a)
        if m.weighted[u]:
            if weights is None:
                weights = m.unit_weights(u)
            self.gain[a] -= weights
            self.gain[b] += weights
        self.size[a] -= m.unit_size[u]
        self.size[b] += m.unit_size[u]
        self.table_of[u] = b
        self.seated_at[a].remove(u)
        self.seated_at[b].add(u)

    def units_at(self, tables: np.ndarray) -> np.ndarray:
        """Units seated at any of the given tables."""
        return np.fromiter(
            (u for t in tables for u in self.seated_at[t]), dtype=np.int64
        )

    def undo_journal(self) -> None:
        """Take back every move recorded since the journal was started."""
        journal, self.journal = self.journal or [], None
        for u, a in reversed(journal):
            self.move(u, a)
        self.journal = []

    def _bonus(self, u: int, t: int) -> float:
        return sum(self.model.move_penalty * c for tt, c in self.model.homes[u] if tt == t)

    def blocked_tables(self, u: int) -> np.ndarray:
        """Tables where someone u must be kept apart from is seated."""
        tables = self.table_of[self.model.apart_units[u]]
        return tables[tables >= 0]

    def move_mask(self, u: int) -> np.ndarray:
        """Tables u may move to (or be seated at) right now without breaking a hard rule."""
        m = self.model
        mask: np.ndarray = m.allowed(u) & (self.size + m.unit_size[u] <= m.capacity)
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
