"""An instance compiled to integer indices and numpy arrays for the search and exact solvers.

People who must sit together form one *unit* (a singleton for everyone else); the solvers seat
units, never split them.  Networking weights are never stored as a dense matrix: w(i, ·) is
rebuilt on demand from an inverted index (attribute -> opted-in people having it), so memory stays
linear in the number of people.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .instance import Instance, ParticipantId, TableNumber
from .rules import tables_open_to
from .score import merged_groups

# Below this many people a full weight vector is cheaper than indexing into a few candidates.
_SMALL_EVENT = 5000


class IndexedInstance:
    """Units, tables, allowed-table masks and attribute indexes of one instance.

    ``pins`` (participant -> table) must already include frozen people; ``homes`` maps seated
    people to their current table and, with ``move_penalty``, rewards keeping them there.
    Assumes the up-front checks of :mod:`explain` found nothing (e.g. a group is never pinned to
    two tables).
    """

    def __init__(
        self,
        instance: Instance,
        pins: Mapping[ParticipantId, TableNumber],
        homes: Mapping[ParticipantId, TableNumber] | None = None,
        move_penalty: float = 0.0,
    ) -> None:
        self.instance = instance
        self.table_numbers: list[TableNumber] = [t.table_number for t in instance.tables]
        table_index = {t: k for k, t in enumerate(self.table_numbers)}
        self.n_tables = len(self.table_numbers)
        self.capacity = np.array([t.capacity for t in instance.tables], dtype=np.int64)
        self.min_fill = np.array([t.min_fill for t in instance.tables], dtype=np.int64)
        self.vip_table = np.array([t.is_vip_table for t in instance.tables], dtype=bool)
        self.accessible_table = np.array([t.accessible for t in instance.tables], dtype=bool)

        # Units: merged keep-together groups, then everyone else; members stored contiguously so
        # per-person vectors aggregate to units with one np.add.reduceat.
        grouped = merged_groups(instance.together)
        in_group = {pid for g in grouped for pid in g}
        unit_people: list[list[ParticipantId]] = grouped + [
            [p.id] for p in instance.participants if p.id not in in_group
        ]
        self.person_ids: list[ParticipantId] = [pid for unit in unit_people for pid in unit]
        person_index = {pid: k for k, pid in enumerate(self.person_ids)}
        self.n_people = len(self.person_ids)
        self.n_units = len(unit_people)
        self.unit_size = np.array([len(u) for u in unit_people], dtype=np.int64)
        self.unit_start = (np.cumsum(self.unit_size) - self.unit_size).astype(np.int64)
        self.unit_of_person = np.repeat(np.arange(self.n_units), self.unit_size)
        # Grouped people come first, so everyone from here on is their own unit.
        self.n_groups = len(grouped)
        self.first_single_person = sum(len(g) for g in grouped)
        self.unit_members: list[list[int]] = [[person_index[pid] for pid in u] for u in unit_people]

        people = [instance.participant(pid) for pid in self.person_ids]
        self.pinned_table = np.full(self.n_units, -1, dtype=np.int64)
        for pid, table in pins.items():
            self.pinned_table[self.unit_of_person[person_index[pid]]] = table_index[table]

        # Allowed tables: units sharing the same rule set share one mask row ("class").
        classes: dict[tuple[bool, bool, int], int] = {}
        self.unit_class = np.empty(self.n_units, dtype=np.int64)
        rows: list[list[bool]] = []
        for u, members in enumerate(self.unit_members):
            group = [people[i] for i in members]
            key = (any(p.is_vip for p in group), any(p.needs_accessible for p in group),
                   int(self.pinned_table[u]))
            if key not in classes:
                classes[key] = len(rows)
                pinned = key[2]
                rows.append(tables_open_to(
                    instance.tables, group, vip_tables_reserved=instance.vip_tables_reserved,
                    pinned_to=self.table_numbers[pinned] if pinned >= 0 else None))
            self.unit_class[u] = classes[key]
        self.class_allowed = np.array(rows, dtype=bool).reshape(len(rows), self.n_tables)
        self.movable = self.pinned_table < 0

        self.apart_units: list[list[int]] = [[] for _ in range(self.n_units)]
        for a, b in instance.apart:
            ua, ub = (int(self.unit_of_person[person_index[x]]) for x in (a, b))
            self.apart_units[ua].append(ub)
            self.apart_units[ub].append(ua)

        # Attribute index over opted-in people only: a person who has not opted in gets no
        # attributes at all, so their data cannot influence any weight.
        w = instance.weights
        attr_ids: dict[tuple[str, str], int] = {}
        coef: list[float] = []
        attr_people: list[list[int]] = []
        self.person_attrs: list[list[int]] = [[] for _ in range(self.n_people)]
        for i, p in enumerate(people):
            if not p.networking_opt_in:
                continue
            features = [("interest", x, w.shared_interest) for x in p.interests]
            features += [("track", x, w.same_track) for x in p.tracks]
            if p.company:
                features.append(("company", p.company, w.same_company))
            for kind, value, c in features:
                if c == 0:
                    continue
                k = attr_ids.setdefault((kind, value), len(coef))
                if k == len(coef):
                    coef.append(float(c))
                    attr_people.append([])
                attr_people[k].append(i)
                self.person_attrs[i].append(k)
        self.attr_coef = np.array(coef, dtype=np.float64)
        self.attr_members = [np.array(m, dtype=np.int64) for m in attr_people]
        # The same index by person (CSR), for weights between one unit and a few others.
        lengths = np.array([len(a) for a in self.person_attrs], dtype=np.int64)
        self.attr_indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        self.attr_indices = np.array(
            [k for attrs in self.person_attrs for k in attrs], dtype=np.int64
        )
        self.attr_count = lengths
        self._attr_scratch = np.zeros(len(coef))

        self.pair_neighbours: list[tuple[np.ndarray, np.ndarray]] = [
            (np.empty(0, dtype=np.int64), np.empty(0)) for _ in range(self.n_people)
        ]
        extra: dict[int, list[tuple[int, float]]] = {}
        for pair, weight in instance.pair_weights.items():
            a, b = (person_index[x] for x in pair)
            if weight and people[a].networking_opt_in and people[b].networking_opt_in:
                extra.setdefault(a, []).append((b, float(weight)))
                extra.setdefault(b, []).append((a, float(weight)))
        for i, nbrs in extra.items():
            self.pair_neighbours[i] = (
                np.array([j for j, _ in nbrs], dtype=np.int64), np.array([v for _, v in nbrs]),
            )

        person_weighted = np.array(
            [bool(self.person_attrs[i]) or i in extra for i in range(self.n_people)], dtype=bool
        )
        self.weighted = np.array([person_weighted[m].any() for m in self.unit_members], dtype=bool)
        self.internal = np.array([self._internal_weight(u) for u in range(self.n_units)])

        # Re-planning: home[u] lists (table, people of u currently there); each one who stays
        # earns move_penalty, which is the same as charging it for each one who moves.
        self.move_penalty = float(move_penalty)
        self.homes: list[list[tuple[int, int]]] = [[] for _ in range(self.n_units)]
        self.n_seated_before = len(homes) if homes else 0
        if homes and self.move_penalty > 0:
            for pid, table in homes.items():
                u = int(self.unit_of_person[person_index[pid]])
                t = table_index[table]
                for k, (tt, c) in enumerate(self.homes[u]):
                    if tt == t:
                        self.homes[u][k] = (t, c + 1)
                        break
                else:
                    self.homes[u].append((t, 1))
        self.has_home = np.array([bool(h) for h in self.homes], dtype=bool)
        self.has_apart = np.array([bool(a) for a in self.apart_units], dtype=bool)
        # Units whose own move can change the objective; others only move by being swapped.
        self.movers = np.flatnonzero(
            self.movable & (self.weighted | self.has_home)
        )

    # -- weights -----------------------------------------------------------------------------

    def person_weights(self, i: int) -> np.ndarray:
        """w(i, j) for every person j (with w(i, i) left as garbage; callers drop own unit)."""
        out = np.zeros(self.n_people)
        for k in self.person_attrs[i]:
            out[self.attr_members[k]] += self.attr_coef[k]
        nbrs, values = self.pair_neighbours[i]
        if len(nbrs):
            out[nbrs] += values
        return out

    def unit_weights(self, u: int) -> np.ndarray:
        """W(u, v) = sum of w between members of units u and v, for every unit v; W(u, u) = 0."""
        members = self.unit_members[u]
        if not self.weighted[u]:
            return np.zeros(self.n_units)
        out = self.person_weights(members[0])
        for i in members[1:]:
            out += self.person_weights(i)
        if self.first_single_person:
            out = np.concatenate((
                np.add.reduceat(out[: self.first_single_person], self.unit_start[: self.n_groups]),
                out[self.first_single_person:],
            ))
        out[u] = 0.0
        return out

    def unit_weights_to(self, u: int, units: np.ndarray) -> np.ndarray:
        """W(u, v) for the given units v (u itself must not be among them).

        Costs O(attributes of those units), not O(people): used to price swaps, where only a
        few dozen candidates are looked at.
        """
        if not self.weighted[u] or len(units) == 0:
            return np.zeros(len(units))
        if self.n_people <= _SMALL_EVENT:
            picked: np.ndarray = self.unit_weights(u)[units]
            return picked
        members = self.unit_members[u]
        if len(members) == 1:
            own = self.attr_indices[self.attr_indptr[members[0]]:self.attr_indptr[members[0] + 1]]
            self._attr_scratch[own] = self.attr_coef[own]
        else:
            own = self.attr_indices[_ranges(self.attr_indptr[members], self.attr_count[members])]
            np.add.at(self._attr_scratch, own, self.attr_coef[own])
        if units.min() >= self.n_groups:
            persons, owner = self.unit_start[units], np.arange(len(units))
        else:
            persons = _ranges(self.unit_start[units], self.unit_size[units])
            owner = np.repeat(np.arange(len(units)), self.unit_size[units])
        n_attrs = self.attr_count[persons]
        values = self._attr_scratch[self.attr_indices[_ranges(self.attr_indptr[persons], n_attrs)]]
        # astype: with no attributes at all bincount returns int64 whatever the weights, and
        # adding a fractional pair weight (2.5) to that crashed on large events.
        out = np.bincount(np.repeat(owner, n_attrs), weights=values, minlength=len(units)).astype(np.float64)
        self._attr_scratch[own] = 0.0
        for i in self.unit_members[u]:
            nbrs, weights = self.pair_neighbours[i]
            for j, w in zip(self.unit_of_person[nbrs], weights, strict=True):
                out[units == j] += w
        return out

    def _internal_weight(self, u: int) -> float:
        members = self.unit_members[u]
        if len(members) < 2 or not self.weighted[u]:
            return 0.0
        total = 0.0
        for k, i in enumerate(members):
            wi = self.person_weights(i)
            total += float(wi[members[k + 1:]].sum())
        return total

    def gain_with_bonus(self, gain_column: np.ndarray, u: int) -> np.ndarray:
        """u's gains per table plus move_penalty × (people of u who would stay there)."""
        if not self.homes[u]:
            return gain_column
        out = gain_column.copy()
        for t, c in self.homes[u]:
            out[t] += self.move_penalty * c
        return out

    def allowed(self, u: int) -> np.ndarray:
        row: np.ndarray = self.class_allowed[self.unit_class[u]]
        return row


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of arange(start, start + length) for each pair, without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    out: np.ndarray = np.arange(total) - np.repeat(ends - lengths, lengths) + np.repeat(starts, lengths)
    return out
