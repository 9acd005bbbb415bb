"""Large synthetic data sets, loaded with COPY, for the benchmark and the query-plan guards.

The rows are consistent by construction (every seat exists, no table over capacity, tenants never
mixed), so the load skips per-row triggers (``session_replication_role = replica``, which needs a
superuser: the embedded server's or a test server's owner) and runs VACUUM (ANALYZE) afterwards.
"""

from __future__ import annotations

import io
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import psycopg

from eventflow.demo import _COMPANIES, _INTERESTS


@dataclass(frozen=True)
class SyntheticSpec:
    organizations: int
    events: int
    participants: int  # in all events together, flagship included
    flagship_participants: int
    flagship_tracks: int
    flagship_tables: int
    seed: int = 42
    seated_share: float = 0.6


@dataclass(frozen=True)
class SyntheticSet:
    flagship_event_id: uuid.UUID
    flagship_organization_id: uuid.UUID
    flagship_owner_id: uuid.UUID
    participants: int


#: Part of a benchmark data set's identity: change it when the generator changes, so old sets are rebuilt.
GENERATOR_VERSION = 2

FULL = SyntheticSpec(organizations=200, events=2_000, participants=1_000_000,
                     flagship_participants=20_000, flagship_tracks=40, flagship_tables=2_000)
QUICK = SyntheticSpec(organizations=20, events=200, participants=100_000,
                      flagship_participants=20_000, flagship_tracks=40, flagship_tables=2_000)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _copy(conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """COPY rows in text format, in large chunks (one round trip per few MB, not per row)."""
    count = 0
    buffer = io.StringIO()
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            buffer.write("\t".join(_text(value) for value in row))
            buffer.write("\n")
            count += 1
            if buffer.tell() > 4_000_000:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    return count


def _text(value: object) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list):
        return "{" + ",".join('"' + str(v) + '"' for v in value) + "}"
    return str(value)


def load(owner_url: str, spec: SyntheticSpec) -> SyntheticSet:
    """Create ``spec``'s organisations, events, tracks, tables, participants and seats."""
    rng = random.Random(spec.seed)
    organizations = [_uuid(rng) for _ in range(spec.organizations)]
    owners = [_uuid(rng) for _ in range(spec.organizations)]
    event_org = [organizations[i % spec.organizations] for i in range(spec.events)]
    event_ids = [_uuid(rng) for _ in range(spec.events)]
    others = spec.events - 1
    # The other events share the rest evenly, the remainder one each, so the total is exact.
    per_other, remainder = divmod(spec.participants - spec.flagship_participants, max(others, 1))
    sizes = [spec.flagship_participants] + [per_other + (k < remainder) for k in range(others)]
    track_counts = [spec.flagship_tracks] + [5] * others
    table_counts = [spec.flagship_tables] + [max(1, -(-size // 10) + 2) for size in sizes[1:]]

    with psycopg.connect(owner_url, autocommit=False) as conn:
        conn.execute("SET session_replication_role = replica")
        _copy(conn, "organizations", ("id", "name"), ((o, f"Organisation {i}") for i, o in enumerate(organizations)))
        _copy(conn, "organisers", ("id", "email", "display_name"),
              ((o, f"owner{i}@bench.example", f"Owner {i}") for i, o in enumerate(owners)))
        _copy(conn, "memberships", ("organization_id", "organiser_id", "role"),
              ((org, owner, "owner") for org, owner in zip(organizations, owners, strict=True)))
        _copy(conn, "events", ("organization_id", "id", "name", "settings"),
              ((org, ev, f"Event {i}", "{}") for i, (org, ev) in enumerate(zip(event_org, event_ids, strict=True))))

        track_ids: list[list[uuid.UUID]] = []
        track_rows = []
        for org, ev, count in zip(event_org, event_ids, track_counts, strict=True):
            ids = [_uuid(rng) for _ in range(count)]
            track_ids.append(ids)
            track_rows += [(org, tid, ev, f"Track {n + 1}", n != count - 1 or count < 5) for n, tid in enumerate(ids)]
        _copy(conn, "tracks", ("organization_id", "id", "event_id", "name", "is_active"), track_rows)
        _copy(conn, "seating_tables", ("organization_id", "event_id", "table_number", "capacity", "is_vip_table",
                                       "accessible"),
              ((org, ev, n, 10, n <= max(1, tables // 10), n % 7 == 0)
               for org, ev, tables in zip(event_org, event_ids, table_counts, strict=True)
               for n in range(1, tables + 1)))

        # Three passes over the same per-event random streams (participants, their tracks, their
        # seats), so that a million people are streamed to COPY instead of held in memory.
        def event_people(index: int) -> Iterable[tuple]:
            org, ev, size = event_org[index], event_ids[index], sizes[index]
            event_rng = random.Random(spec.seed * 1_000_003 + index)
            vip_tables = max(1, table_counts[index] // 10)
            next_seat = {True: [1, 1], False: [vip_tables + 1, 1]}
            for n in range(size):
                pid = _uuid(event_rng)
                is_vip = event_rng.random() < 0.05
                person = (org, pid, ev, f"Person {index}-{n}", f"p{index}.{n}@bench.example",
                          event_rng.choice(_COMPANIES), is_vip, event_rng.random() < 0.6,
                          event_rng.sample(_INTERESTS, event_rng.randint(1, 4)))
                how_many = min(len(track_ids[index]), event_rng.choice((1, 1, 2, 2, 3)))
                tracks = event_rng.sample(track_ids[index], how_many)
                seat = None
                if event_rng.random() < spec.seated_share:
                    table, number = next_seat[is_vip]
                    if table <= (vip_tables if is_vip else table_counts[index]):
                        seat = (org, ev, pid, table, number, is_vip, "auto")
                        next_seat[is_vip] = [table, number + 1] if number < 10 else [table + 1, 1]
                yield person, [(org, ev, pid, track) for track in tracks], seat

        def every(part: int) -> Iterable[tuple]:
            for index in range(spec.events):
                for generated in event_people(index):
                    if part == 1:
                        yield from generated[1]
                    elif generated[part] is not None:
                        yield generated[part]

        people = _copy(conn, "participants", ("organization_id", "id", "event_id", "full_name", "email", "company",
                                              "is_vip", "networking_opt_in", "interests"), every(0))
        _copy(conn, "participant_tracks", ("organization_id", "event_id", "participant_id", "track_id"), every(1))
        _copy(conn, "table_assignments", ("organization_id", "event_id", "participant_id", "table_number",
                                          "seat_number", "is_vip_table", "assigned_by"), every(2))
        conn.execute("SET session_replication_role = origin")
        # COPY ran without triggers: each event's change counter (migration 025) is made here.
        conn.execute("INSERT INTO event_change_counters (organization_id, event_id) "
                     "SELECT organization_id, id FROM events ON CONFLICT DO NOTHING")
        conn.commit()
        conn.autocommit = True
        # VACUUM too, as after any bulk load: until the visibility map is set, index-only scans
        # visit the heap for every row, and a fresh data set would measure 1.5-2x slower than one
        # that autovacuum has reached.
        conn.execute("VACUUM (ANALYZE)")
    return SyntheticSet(event_ids[0], event_org[0], owners[0], people)
