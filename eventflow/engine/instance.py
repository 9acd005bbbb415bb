"""Seating instances: tables, participants and the organisers' rules, loaded from JSON.

The JSON form (every field except ids, table numbers and capacities is optional)::

    {"tables": [{"table_number", "capacity", "min_fill", "is_vip_table", "accessible"}],
     "participants": [{"id", "is_vip", "networking_opt_in", "company", "tracks", "interests",
                       "needs_accessible"}],
     "pinned": [{"participant_id", "table_number"}],
     "together": [[id, ...]], "apart": [[id, id]],
     "weights": {"shared_interest", "same_company", "same_track"},
     "pair_weights": [[id, id, w]], "vip_tables_reserved": true}

Participant ids may be ints or strings (the database uses UUID strings); they are compared
exactly, so ``5`` and ``"5"`` are different people.  ``networking_opt_in`` defaults to false:
nobody's interests are used for matching unless they said yes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ParticipantId = int | str
TableNumber = int | str


class InstanceError(ValueError):
    """The instance data is malformed (unknown ids, duplicates, bad capacities, ...)."""


@dataclass(frozen=True)
class Table:
    table_number: TableNumber
    capacity: int
    min_fill: int = 0
    is_vip_table: bool = False
    accessible: bool = False


@dataclass(frozen=True)
class Participant:
    id: ParticipantId
    is_vip: bool = False
    networking_opt_in: bool = False
    company: str | None = None
    tracks: frozenset[str] = frozenset()
    interests: frozenset[str] = frozenset()
    needs_accessible: bool = False


@dataclass(frozen=True)
class Weights:
    """Coefficients of the networking score between two opted-in participants."""

    shared_interest: float = 1.0
    same_company: float = -2.0
    same_track: float = -0.5


@dataclass(frozen=True)
class Instance:
    """A validated seating problem.  Build it with :func:`instance_from_json` or directly.

    ``together`` groups that share a participant are merged when the instance is solved, since
    "sit with A" and "sit with B" for the same person means all of them sit together.
    A non-VIP may sit at a reserved VIP table when pinned there, or when in a keep-together group
    with a VIP or with someone pinned to that table (the group must stay whole).
    ``pair_weights`` maps an unordered pair of ids to an extra weight, applied only when both
    participants opted in to networking (an organiser's hint never overrides a person's choice).
    """

    tables: tuple[Table, ...]
    participants: tuple[Participant, ...]
    pinned: Mapping[ParticipantId, TableNumber] = field(default_factory=dict)
    together: tuple[tuple[ParticipantId, ...], ...] = ()
    apart: tuple[tuple[ParticipantId, ParticipantId], ...] = ()
    weights: Weights = Weights()
    pair_weights: Mapping[frozenset[ParticipantId], float] = field(default_factory=dict)
    vip_tables_reserved: bool = True

    def __post_init__(self) -> None:
        validate(self)

    def participant(self, participant_id: ParticipantId) -> Participant:
        return self._by_id()[participant_id]

    def table(self, table_number: TableNumber) -> Table:
        return self._tables_by_number()[table_number]

    def _by_id(self) -> dict[ParticipantId, Participant]:
        cached = self.__dict__.get("_by_id_cache")
        if cached is None:
            cached = {p.id: p for p in self.participants}
            object.__setattr__(self, "_by_id_cache", cached)
        return cached

    def _tables_by_number(self) -> dict[TableNumber, Table]:
        cached = self.__dict__.get("_tables_cache")
        if cached is None:
            cached = {t.table_number: t for t in self.tables}
            object.__setattr__(self, "_tables_cache", cached)
        return cached


@dataclass(frozen=True)
class Assignment:
    """One participant's seat."""

    participant_id: ParticipantId
    table_number: TableNumber
    seat_number: int


def networking_weight(instance: Instance, a: ParticipantId, b: ParticipantId) -> float:
    """w(a, b): the networking score of seating ``a`` and ``b`` at the same table.

    Zero unless both opted in; a participant who has not opted in is never matched on data.
    """
    pa, pb = instance.participant(a), instance.participant(b)
    if a == b or not (pa.networking_opt_in and pb.networking_opt_in):
        return 0.0
    w = instance.weights
    total = w.shared_interest * len(pa.interests & pb.interests)
    if pa.company and pa.company == pb.company:
        total += w.same_company
    total += w.same_track * len(pa.tracks & pb.tracks)
    return total + instance.pair_weights.get(frozenset((a, b)), 0.0)


def shared_interests(instance: Instance, a: ParticipantId, b: ParticipantId) -> list[str]:
    """Interests two opted-in participants have in common (empty if either has not opted in)."""
    pa, pb = instance.participant(a), instance.participant(b)
    if not (pa.networking_opt_in and pb.networking_opt_in):
        return []
    return sorted(pa.interests & pb.interests)


# --- validation -------------------------------------------------------------------------------


def _is_id(value: object) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _check_new_id(value: object, seen: set[Any], what: str) -> None:
    """``value`` is an id (int or string) not in ``seen``; added to it."""
    if not _is_id(value):
        raise InstanceError(f"{what} must be an int or string, got {value!r}")
    if value in seen:
        raise InstanceError(f"duplicate {what} {value!r}")
    seen.add(value)


def _check_count(value: object, at_least: int, message: str) -> None:
    """``value`` is a whole number (not a bool) of at least ``at_least``; else ``message``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < at_least:
        raise InstanceError(f"{message}, got {value!r}")


def _check_flags(obj: object, flags: Iterable[str], where: str) -> None:
    for flag in flags:
        if not isinstance(getattr(obj, flag), bool):
            raise InstanceError(f"{where}: {flag} must be true or false")


def validate(instance: Instance) -> None:
    """Raise :class:`InstanceError` if the instance is malformed.

    Infeasible-but-well-formed instances (too few seats, ...) are not errors: the solver explains
    them.  A table whose ``min_fill`` exceeds its capacity is such a case.
    """
    table_numbers: set[TableNumber] = set()
    for t in instance.tables:
        _check_new_id(t.table_number, table_numbers, "table_number")
        _check_count(t.capacity, 1, f"table {t.table_number!r}: capacity must be a positive integer")
        _check_count(t.min_fill, 0, f"table {t.table_number!r}: min_fill must be a non-negative integer")
        _check_flags(t, ("is_vip_table", "accessible"), f"table {t.table_number!r}")

    ids: set[ParticipantId] = set()
    for p in instance.participants:
        _check_new_id(p.id, ids, "participant id")
        _check_flags(p, ("is_vip", "networking_opt_in", "needs_accessible"), f"participant {p.id!r}")
        if p.company is not None and not isinstance(p.company, str):
            raise InstanceError(f"participant {p.id!r}: company must be a string or null")
        for name in ("tracks", "interests"):
            values = getattr(p, name)
            if not isinstance(values, frozenset) or not all(isinstance(v, str) for v in values):
                raise InstanceError(f"participant {p.id!r}: {name} must be a set of strings")

    def known(pid: object, where: str) -> None:
        if not _is_id(pid) or pid not in ids:
            raise InstanceError(f"{where}: unknown participant id {pid!r}")

    for pid, table in instance.pinned.items():
        known(pid, "pinned")
        if not _is_id(table) or table not in table_numbers:
            raise InstanceError(f"pinned: participant {pid!r} is pinned to unknown table {table!r}")
    for group in instance.together:
        if len(group) < 2:
            raise InstanceError(f"together: a group needs at least two people, got {list(group)!r}")
        for pid in group:
            known(pid, "together")
        if len(set(group)) != len(group):
            raise InstanceError(f"together: group {list(group)!r} lists someone twice")
    for pair in instance.apart:
        if len(pair) != 2:
            raise InstanceError(f"apart: expected a pair of ids, got {list(pair)!r}")
        for pid in pair:
            known(pid, "apart")
        if pair[0] == pair[1]:
            raise InstanceError(f"apart: participant {pair[0]!r} cannot be kept apart from themself")
    for ids_of_pair, w in instance.pair_weights.items():
        if len(ids_of_pair) != 2:
            raise InstanceError(f"pair_weights: expected two different ids, got {sorted(ids_of_pair, key=str)!r}")
        for pid in ids_of_pair:
            known(pid, "pair_weights")
        if not isinstance(w, (int, float)) or isinstance(w, bool) or not math.isfinite(w):
            raise InstanceError(f"pair_weights: weight for {sorted(ids_of_pair, key=str)!r} must be a finite number")
    for name in ("shared_interest", "same_company", "same_track"):
        value = getattr(instance.weights, name)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise InstanceError(f"weights.{name} must be a finite number, got {value!r}")
    if not isinstance(instance.vip_tables_reserved, bool):
        raise InstanceError("vip_tables_reserved must be true or false")


# --- JSON -------------------------------------------------------------------------------------


def _require_mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InstanceError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _require_list(value: object, where: str) -> list[Any]:
    if not isinstance(value, (list, tuple)):
        raise InstanceError(f"{where}: expected a list, got {type(value).__name__}")
    return list(value)


def _check_keys(obj: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    unknown = set(obj) - set(allowed)
    if unknown:
        raise InstanceError(f"{where}: unknown field(s) {sorted(unknown)}")


def _string_set(value: object, where: str) -> frozenset[str]:
    items = _require_list(value, where)
    if not all(isinstance(v, str) for v in items):
        raise InstanceError(f"{where}: expected a list of strings")
    return frozenset(items)


_TABLE_FIELDS = ("table_number", "capacity", "min_fill", "is_vip_table", "accessible")
_PARTICIPANT_FIELDS = (
    "id", "is_vip", "networking_opt_in", "company", "tracks", "interests", "needs_accessible",
)
_TOP_FIELDS = (
    "tables", "participants", "pinned", "together", "apart", "weights", "pair_weights",
    "vip_tables_reserved",
)


def instance_from_json(data: Mapping[str, Any]) -> Instance:
    """Build and validate an :class:`Instance` from its JSON form (already parsed)."""
    data = _require_mapping(data, "instance")
    _check_keys(data, _TOP_FIELDS, "instance")
    tables = []
    for k, raw in enumerate(_require_list(data.get("tables", []), "tables")):
        raw = _require_mapping(raw, f"tables[{k}]")
        _check_keys(raw, _TABLE_FIELDS, f"tables[{k}]")
        if "table_number" not in raw or "capacity" not in raw:
            raise InstanceError(f"tables[{k}]: table_number and capacity are required")
        tables.append(Table(
            table_number=raw["table_number"],
            capacity=raw["capacity"],
            min_fill=raw.get("min_fill", 0),
            is_vip_table=raw.get("is_vip_table", False),
            accessible=raw.get("accessible", False),
        ))
    participants = []
    for k, raw in enumerate(_require_list(data.get("participants", []), "participants")):
        raw = _require_mapping(raw, f"participants[{k}]")
        _check_keys(raw, _PARTICIPANT_FIELDS, f"participants[{k}]")
        if "id" not in raw:
            raise InstanceError(f"participants[{k}]: id is required")
        company = raw.get("company")
        participants.append(Participant(
            id=raw["id"],
            is_vip=raw.get("is_vip", False),
            networking_opt_in=raw.get("networking_opt_in", False),
            # An empty company name means "no company", never "same company as the other blanks".
            company=company if company else None,
            tracks=_string_set(raw.get("tracks", []), f"participants[{k}].tracks"),
            interests=_string_set(raw.get("interests", []), f"participants[{k}].interests"),
            needs_accessible=raw.get("needs_accessible", False),
        ))
    pinned: dict[Any, Any] = {}
    for k, raw in enumerate(_require_list(data.get("pinned", []), "pinned")):
        raw = _require_mapping(raw, f"pinned[{k}]")
        _check_keys(raw, ("participant_id", "table_number"), f"pinned[{k}]")
        # Validated (ids, tables) when the Instance is built.
        pid, table = raw.get("participant_id"), raw.get("table_number")
        if pid in pinned and pinned[pid] != table:
            raise InstanceError(f"pinned: participant {pid!r} is pinned to two tables")
        pinned[pid] = table
    # Element types are checked when the Instance is built (validate), hence Any here.
    together: tuple[tuple[Any, ...], ...] = tuple(
        tuple(_require_list(group, f"together[{k}]"))
        for k, group in enumerate(_require_list(data.get("together", []), "together"))
    )
    apart: tuple[Any, ...] = tuple(
        tuple(_require_list(pair, f"apart[{k}]"))
        for k, pair in enumerate(_require_list(data.get("apart", []), "apart"))
    )
    raw_weights = _require_mapping(data.get("weights", {}), "weights")
    _check_keys(raw_weights, ("shared_interest", "same_company", "same_track"), "weights")
    weights = Weights(**raw_weights)
    pair_weights: dict[frozenset[ParticipantId], float] = {}
    for k, raw in enumerate(_require_list(data.get("pair_weights", []), "pair_weights")):
        raw = _require_list(raw, f"pair_weights[{k}]")
        if len(raw) != 3:
            raise InstanceError(f"pair_weights[{k}]: expected [id, id, weight]")
        if not (_is_id(raw[0]) and _is_id(raw[1])):
            raise InstanceError(f"pair_weights[{k}]: ids must be ints or strings")
        key = frozenset(raw[:2])
        if key in pair_weights:
            raise InstanceError(f"pair_weights: duplicate weight for pair {raw[0]!r}, {raw[1]!r}")
        pair_weights[key] = raw[2]
    return Instance(
        tables=tuple(tables),
        participants=tuple(participants),
        pinned=pinned,
        together=together,
        apart=apart,
        weights=weights,
        pair_weights=pair_weights,
        vip_tables_reserved=data.get("vip_tables_reserved", True),
    )


def instance_to_json(instance: Instance) -> dict[str, Any]:
    """The JSON form of an instance; ``instance_from_json(instance_to_json(x)) == x``."""
    return {
        "tables": [
            {"table_number": t.table_number, "capacity": t.capacity, "min_fill": t.min_fill,
             "is_vip_table": t.is_vip_table, "accessible": t.accessible}
            for t in instance.tables
        ],
        "participants": [
            {"id": p.id, "is_vip": p.is_vip, "networking_opt_in": p.networking_opt_in,
             "company": p.company, "tracks": sorted(p.tracks), "interests": sorted(p.interests),
             "needs_accessible": p.needs_accessible}
            for p in instance.participants
        ],
        "pinned": [{"participant_id": pid, "table_number": t} for pid, t in instance.pinned.items()],
        "together": [list(g) for g in instance.together],
        "apart": [list(p) for p in instance.apart],
        "weights": {"shared_interest": instance.weights.shared_interest,
                    "same_company": instance.weights.same_company,
                    "same_track": instance.weights.same_track},
        "pair_weights": [[*sorted(pair, key=lambda x: (str(type(x)), x)), w]
                         for pair, w in instance.pair_weights.items()],
        "vip_tables_reserved": instance.vip_tables_reserved,
    }


def load_instance(path: str | Path) -> Instance:
    """Read an instance from a JSON file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InstanceError(f"{path}: not valid JSON ({exc})") from exc
    return instance_from_json(data)
