"""What every organiser of an event sees, read once for all of them.

Eight colleagues on one 20,000-person event each used to read the whole seating grid for
themselves (0.2-0.35 s of database and pandas work per organiser, every few seconds). Here the
result of a reader such as :func:`eventflow.seating.load_seating_grid` is kept in this process and
handed to every organiser of the same organisation, in the same role, on the same event, for as
long as the event has not changed.

"Not changed" is the database's word, not a timer: migration 025 keeps one row per event in
``event_change_counters`` whose ``marker`` the database replaces on every write to the event's
participants, tracks, tables, seats and rules (since migration 033 at the writer's commit, in the
same transaction as its rows, so a long import no longer holds the counter from its first
statement). Each read starts by fetching that marker **in the organiser's own tenant session**, so:

* a colleague's save is seen at the next read (the marker moved, the key is new);
* the marker row is visible only to members of the organisation that owns the event (row-level
  security), and the key carries the organisation, the role and the event: an organiser who may
  not see the event never reaches a cached value, and a value is only ever filled by a read that
  ran under a member's row-level security, filtered to that event;
* the reader runs in the same transaction, after the marker was read, so what is stored under a
  marker is never older than it.

Cached values are shared between sessions and threads: callers must not change them (the seating
grid's frame is copied before edits are shown on it).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

T = TypeVar("T")

MAX_ENTRIES = 48  # a 20,000-person grid is ~15 MB: a few events' worth of readers per process

_MARKER = text("SELECT marker FROM event_change_counters WHERE organization_id = :org AND event_id = :event")


class SharedCache:
    """A small LRU map that loads each missing key once, however many threads ask at the same time,
    and keeps only the newest marker per (event, reader): older snapshots are dropped on arrival of
    a newer one."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._values: OrderedDict[tuple[Hashable, Hashable], Any] = OrderedDict()
        self._latest: dict[Hashable, tuple[Hashable, Hashable]] = {}  # (scope, reader) -> the full key holding it
        self._loading: dict[tuple[Hashable, Hashable], threading.Lock] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_load(self, slot: Hashable, marker: Hashable, load: Callable[[], T]) -> T:
        key = (slot, marker)
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                self.hits += 1
                return self._values[key]
            gate = self._loading.setdefault(key, threading.Lock())
        with gate:  # the first thread loads; the others wait here and then find the value
            with self._lock:
                if key in self._values:
                    self.hits += 1
                    return self._values[key]
                self.misses += 1
            try:
                value = load()
            except BaseException:
                with self._lock:
                    self._loading.pop(key, None)
                raise
            with self._lock:
                older = self._latest.get(slot)
                if older is not None and older != key:
                    self._values.pop(older, None)
                self._latest[slot] = key
                self._values[key] = value
                while len(self._values) > self.max_entries:
                    dropped, _ = self._values.popitem(last=False)
                    if self._latest.get(dropped[0]) == dropped:
                        del self._latest[dropped[0]]
                self._loading.pop(key, None)
            return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._latest.clear()

    def __len__(self) -> int:
        return len(self._values)


CACHE = SharedCache()


def event_marker(session: Session, organization_id: UUID, event_id: UUID) -> UUID | None:
    """The event's change marker as this session's organiser sees it; None when the organiser may
    not see the event (or it is not in ``organization_id``)."""
    return session.execute(_MARKER, {"org": organization_id, "event": event_id}).scalar_one_or_none()


def _slot(database: str, organization_id: UUID, event_id: UUID, role: str, reader: Callable[..., Any],
          args: tuple) -> tuple:
    return (database, organization_id, event_id, role, f"{reader.__module__}.{reader.__qualname__}", args)


def share(database: str, organization_id: UUID, event_id: UUID, role: str, marker: UUID,
          values: Mapping[Callable[..., Any], Any], args: tuple = (), *, cache: SharedCache = CACHE) -> None:
    """Store what a write already knows the readers would now return (e.g. the seating grid a save
    patched, :attr:`eventflow.seating.SaveResult.grid_after`) under the marker the write made.
    Call only after the write committed, with values read under the writer's row-level security."""
    for reader, value in values.items():
        slot = _slot(database, organization_id, event_id, role, reader, args)
        cache.get_or_load(slot, marker, functools.partial(_same, value))


def _same(value: T) -> T:
    return value


def event_read(session: Session, organization_id: UUID, event_id: UUID, role: str,
               reader: Callable[..., T], *args: Hashable, cache: SharedCache = CACHE) -> T:
    """``reader(session, event_id, *args)``, shared with every organiser of ``organization_id`` in
    ``role`` until the event changes. ``session`` is the caller's tenant session: the marker and,
    on a miss, the reader run in it, under the caller's row-level security."""
    return event_reads(session, organization_id, event_id, role, (reader,), args, cache=cache)[0]


def event_reads(session: Session, organization_id: UUID, event_id: UUID, role: str,
                readers: Sequence[Callable[..., Any]], args: tuple = (), *,
                cache: SharedCache = CACHE) -> list[Any]:
    """Several readers of one event behind one marker look-up (see :func:`event_read`)."""
    marker = event_marker(session, organization_id, event_id)
    if marker is None:
        # Not an event this organiser may see: nothing is shared and nothing is kept.
        return [reader(session, event_id, *args) for reader in readers]
    bind = session.get_bind()
    database = (bind if isinstance(bind, Engine) else bind.engine).url.render_as_string(hide_password=True)
    values = []
    for reader in readers:
        slot = _slot(database, organization_id, event_id, role, reader, args)
        values.append(cache.get_or_load(slot, marker, functools.partial(reader, session, event_id, *args)))
    return values
