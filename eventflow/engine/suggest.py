"""Walk-in table suggestions and "who to meet" lists.

Only opted-in participants are ever matched: someone who has not opted in gets suggestions by
free seats alone, and never appears in anyone's "who to meet" list or match reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .indexed import IndexedInstance
from .instance import Instance, InstanceError, ParticipantId, TableNumber, networking_weight, shared_interests
from .rules import may_use_table
from .score import merged_groups

#: (other participant, w(i, j), shared interests)
Match = tuple[ParticipantId, float, list[str]]


@dataclass(frozen=True)
class TableSuggestion:
    """A table a walk-in may join now: their networking gain there, free seats, whom they'd
    meet (opted-in people with positive weight, best first) and a readable reason."""

    table_number: TableNumber
    gain: float
    free_seats: int
    meets: tuple[Match, ...]
    reason: str


def _may_sit(instance: Instance, participant_id: ParticipantId, table_number: TableNumber,
             group: list[ParticipantId], seated: Mapping[ParticipantId, TableNumber]) -> bool:
    mates = [x for x in group if x != participant_id]
    if any(seated.get(x, table_number) != table_number for x in mates):
        return False  # the keep-together group is already seated elsewhere
    # The group sits whole, so its rules (anyone's pin, VIP, accessibility) are the walk-in's.
    pins = {instance.pinned[x] for x in group if x in instance.pinned}
    if len(pins) > 1:
        return False
    return may_use_table(instance.table(table_number), [instance.participant(x) for x in group],
                         pinned_to=next(iter(pins), None), vip_tables_reserved=instance.vip_tables_reserved)


def suggest_tables(
    instance: Instance,
    current: Mapping[ParticipantId, TableNumber],
    participant_id: ParticipantId,
    top: int = 3,
) -> list[TableSuggestion]:
    """The ``top`` best tables for a walk-in given today's seating ``current``.

    Respects capacity, pins, VIP and accessibility rules, keep-together groups already seated and
    keep-apart pairs.  Opted-in walk-ins are ranked by networking gain, then free seats; others by
    free seats only (their interests, company and tracks are never read).
    """
    known = {p.id for p in instance.participants}
    if participant_id not in known:
        raise InstanceError(f"unknown participant id {participant_id!r}")
    seated = {pid: t for pid, t in current.items() if pid != participant_id}
    for pid, t in seated.items():
        if pid not in known:
            raise InstanceError(f"current: unknown participant id {pid!r}")
        if t not in {x.table_number for x in instance.tables}:
            raise InstanceError(f"current: participant {pid!r} sits at unknown table {t!r}")
    group = next((g for g in merged_groups(instance.together) if participant_id in g), [participant_id])
    avoid = {b if a == participant_id else a for a, b in instance.apart if participant_id in (a, b)}
    at_table: dict[TableNumber, list[ParticipantId]] = {}
    for pid, t in seated.items():
        at_table.setdefault(t, []).append(pid)
    opted_in = instance.participant(participant_id).networking_opt_in

    suggestions = []
    for table in instance.tables:
        people = at_table.get(table.table_number, [])
        free = table.capacity - len(people)
        if free < 1 or avoid & set(people):
            continue
        if not _may_sit(instance, participant_id, table.table_number, group, seated):
            continue
        if not opted_in:
            suggestions.append(TableSuggestion(
                table.table_number, 0.0, free, (),
                f"{free} free seats; not opted in to networking, so ranked by free seats only",
            ))
            continue
        weights = [(pid, networking_weight(instance, participant_id, pid)) for pid in people]
        gain = sum(w for _, w in weights)
        meets = tuple(sorted(
            ((pid, w, shared_interests(instance, participant_id, pid)) for pid, w in weights if w > 0),
            key=lambda m: -m[1],
        ))
        if meets:
            who = "; ".join(f"{pid!r} ({', '.join(shared) or 'organiser match'})" for pid, _, shared in meets[:5])
            reason = f"gain {gain:g}; would meet {len(meets)} matching people: {who}"
        else:
            reason = f"gain {gain:g}; no matching people yet, {free} free seats"
        suggestions.append(TableSuggestion(table.table_number, gain, free, meets, reason))
    suggestions.sort(key=lambda s: (-s.gain, -s.free_seats))
    return suggestions[:top]


def who_to_meet(instance: Instance, top: int = 5) -> dict[ParticipantId, list[Match]]:
    """For each opted-in participant, the ``top`` opted-in others with the highest w(i, j) > 0.

    Only positive weights are listed (a negative or zero weight is no reason to meet); people who
    have not opted in appear neither as keys nor in any list.
    """
    model = IndexedInstance(instance, pins={})
    result: dict[ParticipantId, list[Match]] = {}
    for i, pid in enumerate(model.person_ids):
        if not instance.participant(pid).networking_opt_in:
            continue
        w = model.person_weights(i)
        w[i] = 0.0
        positive = np.flatnonzero(w > 0)
        if 0 < top < len(positive):
            positive = positive[np.argpartition(-w[positive], top - 1)[:top]]
        ranked = sorted(positive, key=lambda j: (-w[j], j))[:max(top, 0)]
        result[pid] = [
            (model.person_ids[j], float(w[j]), shared_interests(instance, pid, model.person_ids[j]))
            for j in ranked
        ]
    return result
