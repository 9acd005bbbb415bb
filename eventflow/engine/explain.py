"""Up-front infeasibility checks, each naming the broken rule and the people involved.

These are necessary conditions only (seat counting, pins, conflicting rules).  When they pass
but no plan exists, the solvers say so honestly instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations

from .instance import Instance, ParticipantId, TableNumber
from .rules import tables_open_to
from .score import merged_groups

_MAX_NAMED = 20


@dataclass(frozen=True)
class Problem:
    """Why no valid seating exists: the rule (``constraint``), who is involved, and a sentence."""

    constraint: str
    participant_ids: tuple[ParticipantId, ...]
    message: str


def _names(ids: Iterable[ParticipantId]) -> str:
    ids = list(ids)
    shown = ", ".join(repr(x) for x in ids[:_MAX_NAMED])
    return shown + (f" and {len(ids) - _MAX_NAMED} more" if len(ids) > _MAX_NAMED else "")


def _category_name(vip: bool, accessible: bool) -> str:
    return f"{'accessible' if accessible else 'non-accessible'} {'VIP' if vip else 'non-VIP'} tables"


def find_problems(
    instance: Instance, pins: Mapping[ParticipantId, TableNumber] | None = None,
) -> list[Problem]:
    """Every up-front reason the instance cannot be seated (empty if none found).

    ``pins`` defaults to ``instance.pinned``; re-planning passes frozen people here too.
    """
    if pins is None:
        pins = instance.pinned
    problems: list[Problem] = []
    tables = {t.table_number: t for t in instance.tables}
    person = instance.participant
    groups = merged_groups(instance.together)
    grouped = {pid for g in groups for pid in g}
    units = groups + [[p.id] for p in instance.participants if p.id not in grouped]
    unit_of = {pid: k for k, unit in enumerate(units) for pid in unit}

    # Pins and keep-together/keep-apart rules that contradict each other.
    unit_table: dict[int, TableNumber] = {}
    for k, unit in enumerate(units):
        pinned_at = {pid: pins[pid] for pid in unit if pid in pins}
        if len(set(pinned_at.values())) > 1:
            problems.append(Problem("together", tuple(pinned_at), (
                f"keep-together: group {_names(unit)} must share a table but its members are "
                f"pinned to different tables ({', '.join(f'{p!r}->{t!r}' for p, t in pinned_at.items())})"
            )))
        elif pinned_at:
            unit_table[k] = next(iter(pinned_at.values()))
    for a, b in instance.apart:
        if unit_of[a] == unit_of[b]:
            problems.append(Problem("apart", (a, b), (
                f"keep-apart: participants {a!r} and {b!r} must be kept apart but are in the same "
                f"keep-together group"
            )))
        elif unit_of[a] in unit_table and unit_table.get(unit_of[a]) == unit_table.get(unit_of[b]):
            problems.append(Problem("apart", (a, b), (
                f"keep-apart: participants {a!r} and {b!r} must be kept apart but are both pinned "
                f"(themselves or through their keep-together group) to table {unit_table[unit_of[a]]!r}"
            )))

    # Which tables each unit may use.
    allowed: dict[int, list[TableNumber]] = {}
    # Tables open to a unit depend only on (has a VIP, needs access, barred from VIP tables).
    tables_for: dict[tuple[bool, bool, bool], list[TableNumber]] = {}
    for k, unit in enumerate(units):
        vips = [pid for pid in unit if person(pid).is_vip]
        needs = [pid for pid in unit if person(pid).needs_accessible]
        if k in unit_table:
            table = tables[unit_table[k]]
            if vips and not table.is_vip_table:
                problems.append(Problem("vip", tuple(vips), (
                    f"VIP: VIP participant(s) {_names(vips)} must sit at a VIP table but are pinned "
                    f"to non-VIP table {table.table_number!r}"
                )))
            if needs and not table.accessible:
                problems.append(Problem("accessible", tuple(needs), (
                    f"accessible: participant(s) {_names(needs)} need an accessible place but are "
                    f"pinned to non-accessible table {table.table_number!r}"
                )))
            allowed[k] = [table.table_number]
            continue
        reserved = instance.vip_tables_reserved and not vips
        signature = (bool(vips), bool(needs), reserved)
        if signature not in tables_for:
            open_to = tables_open_to(instance.tables, [person(pid) for pid in unit], pinned_to=None,
                                     vip_tables_reserved=instance.vip_tables_reserved)
            tables_for[signature] = [t.table_number for t, ok in zip(instance.tables, open_to, strict=True) if ok]
        ok = tables_for[signature]
        if not ok:
            if not instance.tables:
                continue  # reported once below as a seat shortage
            needs_text = [text for text, present in (
                ("a VIP table", vips), ("an accessible table", needs),
                ("a table not reserved for VIPs", reserved)) if present]
            who = tuple(dict.fromkeys(vips + needs)) or tuple(unit)
            rule = "+".join(r for r, present in (("vip", vips or reserved), ("accessible", needs)) if present)
            problems.append(Problem(rule, who, (
                f"{rule.replace('vip', 'VIP').replace('+', ' and ')}: no table qualifies for "
                f"{_names(who)} (with their keep-together group, if any), who need "
                f"{' that is also '.join(needs_text)}"
            )))
            continue
        allowed[k] = ok
        if len(unit) > 1 and len(unit) > (biggest := max(tables[t].capacity for t in ok)):
            problems.append(Problem("together", tuple(unit), (
                f"keep-together: group {_names(unit)} has {len(unit)} people but the largest table "
                f"it may use seats {biggest}"
            )))

    if instance.participants and not instance.tables:
        everyone = [p.id for p in instance.participants]
        problems.append(Problem("capacity", tuple(everyone), (
            f"capacity: {len(everyone)} participants but there are no tables: {_names(everyone)}"
        )))

    # Pins that overfill a table.
    pinned_people: dict[TableNumber, list[ParticipantId]] = {}
    for k, pinned_table in unit_table.items():
        pinned_people.setdefault(pinned_table, []).extend(units[k])
    for pinned_table, people in pinned_people.items():
        if len(people) > tables[pinned_table].capacity:
            problems.append(Problem("pinned", tuple(people), (
                f"pinned: {len(people)} people are pinned to table {pinned_table!r} (with their keep-together "
                f"groups) but it seats {tables[pinned_table].capacity}: {_names(people)}"
            )))

    # Seat counting over table categories (VIP?, accessible?): everyone who can only use tables
    # in a set of categories must fit into their seats (Hall's condition).
    def category(t: TableNumber) -> tuple[bool, bool]:
        return tables[t].is_vip_table, tables[t].accessible

    present = sorted({category(t.table_number) for t in instance.tables})
    seats = {c: sum(t.capacity for t in instance.tables if category(t.table_number) == c) for c in present}
    categories_of: dict[int, set[tuple[bool, bool]]] = {}
    for ok in allowed.values():
        if id(ok) not in categories_of:
            categories_of[id(ok)] = {category(t) for t in ok}
    unit_categories = {k: categories_of[id(ok)] for k, ok in allowed.items()}
    violated: list[frozenset[tuple[bool, bool]]] = []
    for size in range(1, len(present) + 1):
        for subset in map(frozenset, combinations(present, size)):
            if any(v <= subset for v in violated):
                continue
            people = [pid for k, cats in unit_categories.items() if cats <= subset for pid in units[k]]
            available = sum(seats[c] for c in subset)
            if len(people) <= available:
                continue
            violated.append(subset)
            if len(subset) == len(present):
                problems.append(Problem("capacity", tuple(people), (
                    f"capacity: {len(people)} participants but only {available} seats in total: "
                    f"{_names(people)}"
                )))
                continue
            # Name the rules that shut these people out of the other tables.
            excluded = set(present) - subset
            rules = []
            if len({vip for vip, _ in subset}) == 1 and any(vip != next(iter(subset))[0] for vip, _ in excluded):
                rules.append("vip")
            if all(acc for _, acc in subset) and any(not acc for _, acc in excluded):
                rules.append("accessible")
            rule = "+".join(rules) or "pinned"
            where = " or ".join(_category_name(*c) for c in sorted(subset))
            problems.append(Problem(rule, tuple(people), (
                f"{rule.replace('vip', 'VIP').replace('+', ' and ')} seats: {len(people)} participants can only sit at "
                f"{where} (VIP rules, accessibility needs and pins), which seat {available}: {_names(people)}"
            )))

    # Minimum fills.
    for t in instance.tables:
        if t.min_fill > t.capacity:
            problems.append(Problem("min_fill", (), (
                f"min_fill: table {t.table_number!r} needs at least {t.min_fill} people but seats "
                f"only {t.capacity}"
            )))
    short: list[frozenset[tuple[bool, bool]]] = []
    for size in range(1, len(present) + 1):
        for subset in map(frozenset, combinations(present, size)):
            if any(v <= subset for v in short):
                continue
            needed = sum(t.min_fill for t in instance.tables if category(t.table_number) in subset)
            people = [pid for k, cats in unit_categories.items() if cats & subset for pid in units[k]]
            if needed > len(people):
                short.append(subset)
                where = " or ".join(_category_name(*c) for c in sorted(subset))
                problems.append(Problem("min_fill", tuple(people), (
                    f"min_fill: {where} need at least {needed} people in total but only "
                    f"{len(people)} participants may sit there: {_names(people)}"
                )))
    return problems
