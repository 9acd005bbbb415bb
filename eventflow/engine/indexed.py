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
from .score import merged_groups


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
        self.unit_start = np.concatenate(([0], np.cumsum(self.unit_size)[:-1])).astype(np.int64)
        self.unit_of_person = np.repeat(np.arange(self.n_units), self.unit_size)
        self.has_groups = bool(grouped)
        self.unit_members: list[list[int]] = [[person_index[pid] for pid in u] for u in unit_people]

        people = [instance.participant(pid) for pid in self.person_ids]
        self.pinned_table = np.full(self.n_units, -1, dtype=np.int64)
        for pid, table in pins.items():
            self.pinned_table[self.unit_of_person[person_index[pid]]] = table_index[table]

        # Allowed tables: units sharing the same rule set share one mask row ("class").
        classes: dict[tuple[bool, bool, bool, int], int] = {}
        self.unit_class = np.empty(self.n_units, dtype=np.int64)
        for u, members in enumerate(self.unit_members):
            has_vip = any(people[i].is_vip for i in members)
            needs_access = any(people[i].needs_accessible for i in members)
            key = (has_vip, needs_access, instance.vip_tables_reserved, int(self.pinned_table[u]))
            self.unit_class[u] = classes.setdefault(key, len(classes))
        self.class_allowed = np.zeros((len(classes), self.n_tables), dtype=bool)
        for (has_vip, needs_access, reserved, pinned), k in classes.items():
            row = np.ones(self.n_tables, dtype=bool)
            if has_vip:
                row &= self.vip_table
            elif reserved and pinned < 0:
                row &= ~self.vip_table
            if needs_access:
                row &= self.accessible_table
            if pinned >= 0:
                # A pin overrides the VIP reservation for the whole group (see Instance docs).
                keep = row[pinned]
                row[:] = False
                row[pinned] = keep
            self.class_allowed[k] = row
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
        members: list[list[int]] = []
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
                    members.append([])
                members[k].append(i)
                self.person_attrs[i].append(k)
        self.attr_coef = np.array(coef, dtype=np.float64)
        self.attr_members = [np.array(m, dtype=np.int64) for m in members]

        self.pair_neighbours: list[tuple[np.ndarray, np.ndarray]] = [
            (np.empty(0, dtype=np.int64), np.empty(0)) for _ in range(self.n_people)
        ]
        extra: dict[int, list[tuple[int, float]]] = {}
        for pair, value in instance.pair_weights.items():
            a, b = (person_index[x] for x in pair)
            if value and people[a].networking_opt_in and people[b].networking_opt_in:
                extra.setdefault(a, []).append((b, float(value)))
                extra.setdefault(b, []).append((a, float(value)))
        for i, nbrs in extra.items():
            self.pair_neighbours[i] = (
                np.array([j for j, _ in nbrs], dtype=np.int64), np.array([v for _, v in nbrs]),
            )

        person_weighted = np.array(
            [bool(self.person_attrs[i]) or i in extra for i in range(self.n_people)], dtype=bool
        )
        self.weighted = np.add.reduceat(person_weighted, self.unit_start) > 0
        self.internal = np.array([self._internal_weight(u) for u in range(self.n_units)])

        # Re-planning: home[u] lists (table, people of u currently there); each one who stays
        # earns move_penalty, which is the same as charging it for each one who moves.
        self.move_penalty = float(move_penalty)
        self.homes: list[list[tuple[int, int]]] = [[] for _ in range(self.n_units)]
        self.n_seated_before = 0
        if homes:
            for pid, table in homes.items():
                self.n_seated_before += 1
                u = int(self.unit_of_person[person_index[pid]])
                t = table_index[table]
                for k, (tt, c) in enumerate(self.homes[u]):
                    if tt == t:
                        self.homes[u][k] = (t, c + 1)
                        break
                else:
                    self.homes[u].append((t, 1))
        # Units whose own move can change the objective; others only move by being swapped.
        self.movers = np.flatnonzero(
            self.movable & (self.weighted | np.array([bool(h) for h in self.homes], dtype=bool))
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
        if self.has_groups:
            out = np.add.reduceat(out, self.unit_start)
        out[u] = 0.0
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

    def home_bonus(self, u: int) -> np.ndarray:
        """move_penalty × (people of u who stay) for each table u could sit at."""
        out = np.zeros(self.n_tables)
        for t, c in self.homes[u]:
            out[t] += self.move_penalty * c
        return out

    def allowed(self, u: int) -> np.ndarray:
        return self.class_allowed[self.unit_class[u]]
