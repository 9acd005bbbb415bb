"""Independent scorer and constraint checker.

Deliberately written pair by pair in plain Python, sharing nothing with the search code except
the definition of w(i, j), so tests and the benchmark can trust it to catch search bugs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import combinations

from .instance import Assignment, Instance, ParticipantId, TableNumber, networking_weight

SeatingInput = Mapping[ParticipantId, TableNumber] | Sequence[Assignment]


def _tables_of(assignment: SeatingInput) -> dict[ParticipantId, TableNumber]:
    if isinstance(assignment, Mapping):
        return dict(assignment)
    return {a.participant_id: a.table_number for a in assignment}


def score(instance: Instance, assignment: SeatingInput) -> float:
    """The networking score: sum of w(i, j) over unordered pairs seated at the same table."""
    by_table: dict[TableNumber, list[ParticipantId]] = defaultdict(list)
    for pid, table in _tables_of(assignment).items():
        by_table[table].append(pid)
    return float(sum(
        networking_weight(instance, a, b)
        for people in by_table.values()
        for a, b in combinations(people, 2)
    ))


def merged_groups(groups: Iterable[Sequence[ParticipantId]]) -> list[list[ParticipantId]]:
    """Keep-together groups with overlapping members merged (sitting with A and with B means
    sitting with both), members in first-mention order."""
    parent: dict[ParticipantId, ParticipantId] = {}

    def root(x: ParticipantId) -> ParticipantId:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    order: list[ParticipantId] = []
    for group in groups:
        for pid in group:
            if pid not in parent:
                parent[pid] = pid
                order.append(pid)
        for pid in group[1:]:
            parent[root(pid)] = root(group[0])
    merged: dict[ParticipantId, list[ParticipantId]] = {}
    for pid in order:
        merged.setdefault(root(pid), []).append(pid)
    return list(merged.values())


class RuleKind(StrEnum):
    """Every kind of hard-rule violation the checker reports."""

    SEATED_TWICE = "seated_twice"
    UNKNOWN_PARTICIPANT = "unknown_participant"
    UNKNOWN_TABLE = "unknown_table"
    NO_SEAT = "no_seat"
    CAPACITY = "capacity"
    MIN_FILL = "min_fill"
    SEAT_NUMBERS = "seat_numbers"
    PINNED = "pinned"
    TOGETHER = "together"
    APART = "apart"
    VIP = "vip"
    ACCESSIBLE = "accessible"


@dataclass(frozen=True)
class Violation:
    """One broken hard rule: its kind, the people and tables involved, and a readable sentence."""

    kind: RuleKind
    participant_ids: tuple[ParticipantId, ...]
    table_numbers: tuple[TableNumber, ...]
    message: str


def check(instance: Instance, assignment: SeatingInput) -> list[str]:
    """Every hard-constraint violation of a seating, as readable sentences (empty if valid).

    The sentences of :func:`violations`, kept for callers that show text.
    """
    return [v.message for v in violations(instance, assignment)]


def violations(instance: Instance, assignment: SeatingInput) -> list[Violation]:
    """Every hard-constraint violation of a seating (empty if valid).

    Seat numbers are checked only when ``assignment`` is a list of :class:`Assignment`.
    """
    problems: list[Violation] = []

    def add(kind: RuleKind, people: Iterable[ParticipantId], tables: Iterable[TableNumber], message: str) -> None:
        problems.append(Violation(kind, tuple(people), tuple(tables), message))

    known = {p.id for p in instance.participants}
    tables = {t.table_number: t for t in instance.tables}
    table_of: dict[ParticipantId, TableNumber] = {}
    seats: dict[ParticipantId, int] = {}
    if isinstance(assignment, Mapping):
        table_of = dict(assignment)
    else:
        for seat in assignment:
            if seat.participant_id in table_of:
                add(RuleKind.SEATED_TWICE, [seat.participant_id], [seat.table_number],
                    f"participant {seat.participant_id!r} is seated twice")
            table_of[seat.participant_id] = seat.table_number
            seats[seat.participant_id] = seat.seat_number

    for pid in table_of:
        if pid not in known:
            add(RuleKind.UNKNOWN_PARTICIPANT, [pid], [table_of[pid]], f"unknown participant {pid!r} is seated")
        elif table_of[pid] not in tables:
            add(RuleKind.UNKNOWN_TABLE, [pid], [table_of[pid]],
                f"participant {pid!r} is seated at unknown table {table_of[pid]!r}")
    for p in instance.participants:
        if p.id not in table_of:
            add(RuleKind.NO_SEAT, [p.id], [], f"participant {p.id!r} has no seat")

    by_table: dict[TableNumber, list[ParticipantId]] = defaultdict(list)
    for pid, table in table_of.items():
        by_table[table].append(pid)
    for t in instance.tables:
        people_at = by_table.get(t.table_number, [])
        n = len(people_at)
        if n > t.capacity:
            add(RuleKind.CAPACITY, people_at, [t.table_number],
                f"capacity: table {t.table_number!r} seats {n} > capacity {t.capacity}")
        if n < t.min_fill:
            add(RuleKind.MIN_FILL, people_at, [t.table_number],
                f"min_fill: table {t.table_number!r} seats {n} < min_fill {t.min_fill}")
        if seats:
            numbers = [seats[pid] for pid in by_table.get(t.table_number, []) if pid in seats]
            if len(set(numbers)) != len(numbers):
                add(RuleKind.SEAT_NUMBERS, people_at, [t.table_number],
                    f"seat numbers: table {t.table_number!r} reuses a seat number")
            if any(not 1 <= s <= t.capacity for s in numbers):
                add(RuleKind.SEAT_NUMBERS, people_at, [t.table_number],
                    f"seat numbers: table {t.table_number!r} has a seat outside 1..{t.capacity}")

    for pid, table in instance.pinned.items():
        if pid in table_of and table_of[pid] != table:
            add(RuleKind.PINNED, [pid], [table, table_of[pid]],
                f"pinned: participant {pid!r} must sit at table {table!r}, "
                f"not {table_of[pid]!r}")

    vip_companions: set[ParticipantId] = set()
    for group in merged_groups(instance.together):
        if any(pid not in table_of for pid in group):
            continue
        if len({table_of[pid] for pid in group}) > 1:
            add(RuleKind.TOGETHER, group, sorted({table_of[pid] for pid in group}, key=str),
                f"together: group {group!r} is split across tables")
        elif seats:
            numbers = sorted(seats[pid] for pid in group)
            if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
                add(RuleKind.TOGETHER, group, [table_of[group[0]]],
                    f"together: group {group!r} has non-adjacent seats {numbers}")
        table = table_of[group[0]]
        if any(instance.participant(pid).is_vip or instance.pinned.get(pid) == table
               for pid in group):
            vip_companions.update(group)

    for a, b in instance.apart:
        if a in table_of and b in table_of and table_of[a] == table_of[b]:
            add(RuleKind.APART, [a, b], [table_of[a]],
                f"apart: participants {a!r} and {b!r} share table {table_of[a]!r}")

    for p in instance.participants:
        at = table_of.get(p.id)
        place = tables.get(at) if at is not None else None
        if place is None:
            continue
        if p.is_vip and not place.is_vip_table:
            add(RuleKind.VIP, [p.id], [place.table_number],
                f"vip: VIP participant {p.id!r} sits at non-VIP table {place.table_number!r}")
        if (not p.is_vip and place.is_vip_table and instance.vip_tables_reserved
                and instance.pinned.get(p.id) != place.table_number and p.id not in vip_companions):
            add(RuleKind.VIP, [p.id], [place.table_number],
                f"vip: participant {p.id!r} is not a VIP but sits at reserved VIP "
                f"table {place.table_number!r}")
        if p.needs_accessible and not place.accessible:
            add(RuleKind.ACCESSIBLE, [p.id], [place.table_number],
                f"accessible: participant {p.id!r} needs an accessible place but "
                f"sits at table {place.table_number!r}")
    return problems
