"""When seats are short: say so in numbers, and choose who gets a seat in a stated priority.

The engine refuses a plan that cannot seat everyone. Organisers would rather seat everyone they
can and see who is left: :func:`choose_partial` picks the people to seat, in the order of
:data:`PRIORITY`, packing them onto the tables they may use (VIP tables, accessible places,
keep-together groups whole), so that the engine is then given a smaller event it can seat.
Messages name people and tables; they never speak of the engine's "units" or table categories.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from eventflow import engine
from eventflow.engine.instance import ParticipantId, TableNumber
from eventflow.engine.rules import tables_open_to
from eventflow.engine.score import merged_groups

PRIORITY = ("people pinned to their table (placed by hand, or already checked in)", "VIPs",
            "keep-together groups (always whole)", "everyone else")
PRIORITY_SENTENCE = ("Seated in this order: " + ", then ".join(PRIORITY)
                     + "; within each, people who already have a seat first, then by name.")

# The engine's reasons that mean "not enough seats (of the kind these people may use)".
SHORTAGE_RULES = frozenset({"capacity", "vip", "accessible", "vip+accessible"})


@dataclass(frozen=True)
class Shortage:
    guests: int
    seats: int
    table_size: int  # the most common table size: what "add N tables of" suggests
    kind: str = ""   # "" (everyone, every table), "VIP" or "non-VIP" (VIP tables reserved)

    @property
    def short(self) -> int:
        return max(self.guests - self.seats, 0)

    @property
    def tables_to_add(self) -> int:
        return math.ceil(self.short / self.table_size) if self.short else 0

    @property
    def sentence(self) -> str:
        tables = "table" if self.tables_to_add == 1 else "tables"
        short = f"{self.short} {'seat' if self.short == 1 else 'seats'} short"
        if self.kind == "VIP":
            return (f"{self.guests} VIPs, {self.seats} seats at VIP tables: {short}; "
                    f"add {self.tables_to_add} VIP {tables} of {self.table_size}.")
        if self.kind == "non-VIP":
            return (f"{self.guests} guests who are not VIPs, {self.seats} seats at tables not reserved for VIPs: "
                    f"{short}; add {self.tables_to_add} {tables} of {self.table_size}, or open the VIP tables "
                    "to everyone.")
        return (f"{self.guests} guests, {self.seats} seats: {short}; "
                f"add {self.tables_to_add} {tables} of {self.table_size}.")


def seat_shortages(instance: engine.Instance) -> tuple[Shortage, ...]:
    """Guests against seats: over the whole event; VIPs against VIP tables' seats (VIPs sit at VIP
    tables); with VIP tables reserved, everyone else against the other tables' seats. Empty when
    each has enough."""
    def shortage(guests: int, tables: list[engine.Table], kind: str) -> Shortage | None:
        seats = sum(t.capacity for t in tables)
        if guests <= seats:
            return None
        sizes = Counter(t.capacity for t in tables or instance.tables)
        size = max(sizes.items(), key=lambda item: (item[1], item[0]))[0] if sizes else 8
        return Shortage(guests, seats, size, kind)

    vips = sum(1 for p in instance.participants if p.is_vip)
    pinned_to_vip = {t.table_number for t in instance.tables if t.is_vip_table}
    others = sum(1 for p in instance.participants
                 if not p.is_vip and instance.pinned.get(p.id) not in pinned_to_vip)
    found = [shortage(len(instance.participants), list(instance.tables), ""),
             shortage(vips, [t for t in instance.tables if t.is_vip_table], "VIP") if vips else None,
             shortage(others, [t for t in instance.tables if not t.is_vip_table], "non-VIP")
             if instance.vip_tables_reserved else None]
    return tuple(item for item in found if item is not None)


def is_seat_shortage(problems: Sequence[engine.Problem]) -> bool:
    """Whether the engine refused only for want of seats (which a partial plan answers)."""
    return bool(problems) and all(p.constraint in SHORTAGE_RULES for p in problems)


@dataclass(frozen=True)
class PartialChoice:
    """Who a partial plan seats, who is left without a seat (in priority order) and why."""

    seated: frozenset[ParticipantId]
    left_out: tuple[ParticipantId, ...]
    reasons: Mapping[ParticipantId, str] = field(default_factory=dict)
    by_priority: tuple[int, ...] = (0, 0, 0, 0)  # people seated per PRIORITY entry

    def summary(self) -> str:
        counts = ", ".join(f"{count} {what.split(' (')[0]}" for count, what in
                           zip(self.by_priority, ("pinned", "VIPs", "in keep-together groups", "others"), strict=True)
                           if count)
        return f"The plan seats {len(self.seated)} people ({counts}); {len(self.left_out)} are left without a seat."


def choose_partial(instance: engine.Instance, current: Mapping[ParticipantId, TableNumber],
                   names: Mapping[ParticipantId, str]) -> PartialChoice:
    """Pick the people to seat when not everyone fits, in the order of :data:`PRIORITY`.

    Each keep-together group counts as one whole: it is seated at one table or not at all. People
    are placed on a table they may use that still has room (their current table first, then the
    plainest table that fits, so VIP and accessible seats stay free for those who need them); whoever
    finds no room is left out. The engine then plans the chosen people freely: this packing only shows
    that a seating for them exists."""
    people = {p.id: p for p in instance.participants}
    grouped = [tuple(group) for group in merged_groups(instance.together)]
    in_group = {pid for group in grouped for pid in group}
    units = grouped + [(pid,) for pid in people if pid not in in_group]

    def tier(unit: tuple[ParticipantId, ...]) -> int:
        if any(pid in instance.pinned for pid in unit):
            return 0
        if any(people[pid].is_vip for pid in unit):
            return 1
        return 2 if len(unit) > 1 else 3

    def order(unit: tuple[ParticipantId, ...]) -> tuple:
        return (tier(unit), not any(pid in current for pid in unit),
                min((names.get(pid) or "").casefold() for pid in unit), min(str(pid) for pid in unit))

    room = {t.table_number: t.capacity for t in instance.tables}
    tables = list(instance.tables)
    seated: set[ParticipantId] = set()
    left_out: list[ParticipantId] = []
    reasons: dict[ParticipantId, str] = {}
    by_priority = [0, 0, 0, 0]
    for unit in sorted(units, key=order):
        members = [people[pid] for pid in unit]
        pinned_to = next((instance.pinned[pid] for pid in unit if pid in instance.pinned), None)
        open_to = tables_open_to(tables, members, pinned_to=pinned_to,
                                 vip_tables_reserved=instance.vip_tables_reserved)
        allowed = [t for t, ok in zip(tables, open_to, strict=True) if ok]
        fitting = [t for t in allowed if room[t.table_number] >= len(unit)]
        if not fitting:
            for pid in unit:
                left_out.append(pid)
                reasons[pid] = _why_left_out(unit, members, allowed, names)
            continue
        now = {current.get(pid) for pid in unit}
        home = next((t for t in fitting if now == {t.table_number}), None)
        table = home or min(fitting, key=lambda t: (t.is_vip_table, t.accessible, room[t.table_number],
                                                    str(t.table_number)))
        room[table.table_number] -= len(unit)
        seated.update(unit)
        by_priority[tier(unit)] += len(unit)
    return PartialChoice(frozenset(seated), tuple(left_out), reasons, tuple(by_priority))


def _why_left_out(unit: tuple[ParticipantId, ...], members: list[engine.Participant],
                  allowed: list[engine.Table], names: Mapping[ParticipantId, str]) -> str:
    if len(unit) > 1:
        others = ", ".join(sorted(names.get(pid, "someone") for pid in unit))
        if allowed and len(unit) > max(t.capacity for t in allowed):
            return f"their keep-together group ({others}) has {len(unit)} people, more than any table seats"
        return f"no table had {len(unit)} seats left for their keep-together group ({others})"
    person = members[0]
    if person.is_vip and person.needs_accessible:
        return "the accessible VIP tables were full"
    if person.is_vip:
        return "the VIP tables were full"
    if person.needs_accessible:
        return "the accessible tables were full"
    return "every table was full"


def restricted(instance: engine.Instance, keep: frozenset[ParticipantId]) -> engine.Instance:
    """The event with only the people in ``keep`` (their rules, pins and pair weights with them)."""
    return engine.Instance(
        tables=instance.tables,
        participants=tuple(p for p in instance.participants if p.id in keep),
        pinned={pid: table for pid, table in instance.pinned.items() if pid in keep},
        together=tuple(group for group in instance.together if all(pid in keep for pid in group)),
        apart=tuple(pair for pair in instance.apart if all(pid in keep for pid in pair)),
        weights=instance.weights,
        pair_weights={pair: w for pair, w in instance.pair_weights.items() if pair <= keep},
        vip_tables_reserved=instance.vip_tables_reserved,
    )


_RULE_PREFIX = re.compile(r"^(capacity|pinned|min_fill|keep-together|keep-apart|together|apart|"
                          r"VIP and accessible|VIP|accessible)( seats)?: ", re.IGNORECASE)


def in_organisers_words(line: str) -> str:
    """An engine sentence without its rule label ("min_fill: ", "capacity: ") and its words for
    people ("participants"), for organisers."""
    line = re.sub(r"^keep-together: group ", "The keep-together group ", line.strip())
    line = _RULE_PREFIX.sub("", line)
    line = line.replace("min_fill", "minimum number of people").replace("participants", "people")
    line = line.replace("(VIP rules, accessibility needs and pins)", "")
    line = re.sub(r"\s{2,}", " ", line)
    return line[:1].upper() + line[1:]
