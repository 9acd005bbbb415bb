"""Seat numbers for a plan that keep today's numbers where the rules allow.

The planner numbers every table from 1 (``planner._seat_numbers``); applied as is, a re-plan would
renumber people who are already sitting. :func:`stable_seat_numbers` renumbers the plan per table:
people staying at their table keep their seat; keep-together groups take the lowest free run of
adjacent seats; everyone else the lowest free seat. A table where that does not work out keeps the
planner's numbers (valid by construction), and a result the checker would refuse is never returned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from .instance import Assignment, Instance, ParticipantId, TableNumber
from .score import check, merged_groups

# Where someone sits today: (table, seat number or None).
Seat = tuple[TableNumber, int | None]


def stable_seat_numbers(instance: Instance, plan: Sequence[Assignment],
                        today: Mapping[ParticipantId, Seat]) -> list[Assignment]:
    """``plan`` with seat numbers kept for people who stay at the table they sit at ``today``."""
    capacity = {t.table_number: t.capacity for t in instance.tables}
    group_of: dict[ParticipantId, tuple[ParticipantId, ...]] = {}
    for group in merged_groups(instance.together):
        for pid in group:
            group_of[pid] = tuple(group)
    by_table: dict[TableNumber, list[Assignment]] = defaultdict(list)
    for a in plan:
        by_table[a.table_number].append(a)
    result: list[Assignment] = []
    for table, people in by_table.items():
        placed = _number_table(people, capacity[table], today, group_of)
        if placed is None:
            result.extend(people)
        else:
            result.extend(Assignment(a.participant_id, table, placed[a.participant_id]) for a in people)
    return result if not check(instance, result) else list(plan)


def _number_table(people: list[Assignment], capacity: int, today: Mapping[ParticipantId, Seat],
                  group_of: Mapping[ParticipantId, tuple[ParticipantId, ...]]) -> dict[ParticipantId, int] | None:
    """Seat numbers for one table's people, or None when they do not fit that way."""
    taken: dict[int, ParticipantId] = {}
    placed: dict[ParticipantId, int] = {}
    for a in people:
        old = today.get(a.participant_id)
        if (old is not None and old[0] == a.table_number and old[1] is not None and old[1] <= capacity
                and old[1] not in taken and a.participant_id not in group_of):
            taken[old[1]] = a.participant_id
            placed[a.participant_id] = old[1]
    groups = list(dict.fromkeys(group_of[a.participant_id] for a in people if a.participant_id in group_of))
    for group in sorted(groups, key=len, reverse=True):
        start = next((s for s in range(1, capacity - len(group) + 2)
                      if all(s + k not in taken for k in range(len(group)))), None)
        if start is None:
            return None
        for k, pid in enumerate(group):
            taken[start + k] = pid
            placed[pid] = start + k
    free = (s for s in range(1, capacity + 1) if s not in taken)
    for a in people:
        if a.participant_id not in placed:
            seat = next(free, None)
            if seat is None:
                return None
            placed[a.participant_id] = seat
    return placed
