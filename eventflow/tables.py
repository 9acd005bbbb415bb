"""The event's tables: defining them, seeing them at a glance, and printing who sits where."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pandas as pd
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from eventflow import text_rules
from eventflow.errors import (
    InputError,
    OrganiserError,
    Outcome,
    editor_refusal,
    nothing_was,
    refused,
    require_editor,
)
from eventflow.formatting import counted
from eventflow.statements import changed_rows

MAX_CAPACITY = 1000
MAX_TABLES_AT_ONCE = 500
EDITABLE_TABLE_COLUMNS = ("capacity", "is_vip_table", "label", "accessible")


TableInputError = OrganiserError  # the name callers knew; the vocabulary lives in eventflow.errors


@dataclass(frozen=True)
class TableChange:
    table_number: int
    version: int
    values: Mapping[str, Any]  # only the columns that changed


@dataclass(frozen=True)
class TableSaveResult(Outcome):
    saved: int = 0
    conflicts: tuple[int, ...] = ()  # the tables a colleague changed since they were loaded


def tables_overview(session: Session, event_id: UUID) -> pd.DataFrame:
    """Every table with its fill, track mix and the people at it (one query)."""
    rows = session.execute(
        text(
            """
            WITH seated AS (
                SELECT a.table_number, a.seat_number, p.full_name, p.is_vip, tr.track_names AS tracks
                  FROM table_assignments AS a
                  JOIN participants AS p ON p.organization_id = a.organization_id AND p.id = a.participant_id
                  -- The event's track names grouped once, not looked up person by person.
                  LEFT JOIN participant_track_names AS tr
                         ON tr.organization_id = p.organization_id AND tr.event_id = p.event_id
                        AND tr.participant_id = p.id
                 WHERE a.event_id = :event_id
            ), mix AS (
                -- One pass over the seated people (a lateral per table would read them once per table).
                SELECT m.table_number, string_agg(m.track || ' ' || m.people, ', ' ORDER BY m.people DESC, m.track)
                           AS track_mix
                  FROM (SELECT x.table_number, track, count(*) AS people
                          FROM seated AS x, unnest(x.tracks) AS track
                         GROUP BY x.table_number, track) AS m
                 GROUP BY m.table_number
            )
            SELECT t.table_number, t.label, t.capacity, t.is_vip_table, t.accessible, t.version,
                   count(s.full_name) AS seated,
                   coalesce(mix.track_mix, '') AS track_mix,
                   coalesce(string_agg(coalesce(s.seat_number::text || '. ', '') || s.full_name
                                       || CASE WHEN s.is_vip THEN ' (VIP)' ELSE '' END,
                                       ', ' ORDER BY s.seat_number NULLS LAST, s.full_name), '') AS people
              FROM seating_tables AS t
              LEFT JOIN seated AS s ON s.table_number = t.table_number
              LEFT JOIN mix ON mix.table_number = t.table_number
             WHERE t.event_id = :event_id
             GROUP BY t.table_number, t.label, t.capacity, t.is_vip_table, t.accessible, t.version, mix.track_mix
             ORDER BY t.table_number
            """
        ),
        {"event_id": event_id},
    ).mappings().all()
    columns = ["table_number", "label", "capacity", "is_vip_table", "accessible", "version", "seated",
               "track_mix", "people"]
    frame = pd.DataFrame([dict(row) for row in rows], columns=columns)
    frame = frame.astype({"table_number": "int64", "capacity": "int64", "seated": "int64", "version": "int64",
                          "is_vip_table": "bool", "accessible": "bool"})
    frame["free"] = frame["capacity"] - frame["seated"]
    frame["fill"] = (frame["seated"] / frame["capacity"]).where(frame["capacity"] > 0, 0.0)
    return frame


def added_message(added: list[int], capacity: int, is_vip: bool, accessible: bool, label: str | None) -> str:
    """What a batch of new tables is, in one sentence: "Added 10 VIP tables (21–30) of 8 seats, wheelchair
    accessible, labelled “Hall A”." """
    numbers = f"{added[0]}–{added[-1]}" if len(added) > 1 else f"{added[0]}"
    kind = ("VIP " if is_vip else "") + ("table" if len(added) == 1 else "tables")
    extras = (", wheelchair accessible" if accessible else "") + \
        (f", labelled “{label.strip()}”" if label and label.strip() else "")
    return f"Added {len(added)} {kind} ({numbers}) of {capacity} seats{extras}."


def add_tables(session: Session, event_id: UUID, *, first_number: int, count: int, capacity: int,
               is_vip: bool = False, label: str | None = None, accessible: bool = False) -> list[int]:
    """Create ``count`` tables numbered from ``first_number``; refuses if any number is taken."""
    if not 1 <= count <= MAX_TABLES_AT_ONCE:
        raise InputError(f"Add between 1 and {MAX_TABLES_AT_ONCE} tables at once.")
    if first_number < 1:
        raise InputError("Table numbers start at 1.")
    _check_capacity(capacity)
    require_editor(session, event_id, "added")
    label = (label or "").strip() or None
    if label and len(label) > 200:
        raise InputError("A label may be at most 200 characters.")
    text_rules.check(label, "the label", error=InputError)
    numbers = list(range(first_number, first_number + count))
    taken = session.execute(
        text("SELECT table_number FROM seating_tables WHERE event_id = :event_id "
             "AND table_number = ANY (CAST(:numbers AS integer[])) ORDER BY table_number"),
        {"event_id": event_id, "numbers": numbers},
    ).scalars().all()
    if taken:
        raise InputError("These table numbers already exist: " + _numbers(taken) + ". Start from a free number.")
    try:
        session.execute(text(
                """
                INSERT INTO seating_tables (event_id, table_number, capacity, is_vip_table, label, accessible)
                SELECT :event_id, n, :capacity, :is_vip, :label, :accessible
                  FROM unnest(CAST(:numbers AS integer[])) AS n
                """
            ),
            {"event_id": event_id, "numbers": numbers, "capacity": capacity, "is_vip": bool(is_vip),
             "label": label, "accessible": bool(accessible)},
        )
    except DBAPIError as error:
        # A deadlock is raised again for run_transaction to retry; anything else becomes a sentence.
        raise InputError(refused(session, error, "added")) from None
    return numbers


def _check_capacity(capacity: Any) -> int:
    if isinstance(capacity, bool) or capacity is None:
        raise InputError("Capacity must be a whole number.")
    try:
        number = float(capacity)
    except (TypeError, ValueError):
        raise InputError(f"Capacity “{capacity}” is not a number.") from None
    if math.isnan(number) or not number.is_integer():
        raise InputError("Capacity must be a whole number.")
    if not 1 <= number <= MAX_CAPACITY:
        raise InputError(f"Capacity must be between 1 and {MAX_CAPACITY}.")
    return int(number)


def _numbers(numbers: Sequence[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def table_changes_from_editor(snapshot: pd.DataFrame, editor_state: Mapping[str, Any] | None
                              ) -> tuple[list[TableChange], dict[int, tuple[str, ...]]]:
    """Edits of the tables grid (by row position in ``snapshot``) as changes per table. Pure."""
    changes: list[TableChange] = []
    problems: dict[int, tuple[str, ...]] = {}
    for position, values in ((editor_state or {}).get("edited_rows") or {}).items():
        row = snapshot.iloc[int(position)]
        number = int(row["table_number"])
        changed: dict[str, Any] = {}
        errors: list[str] = []
        for column, value in values.items():
            if column not in EDITABLE_TABLE_COLUMNS:
                continue
            if column == "capacity":
                try:
                    value = _check_capacity(value)
                except InputError as error:
                    errors.append(str(error))
                    continue
                if value < int(row["seated"]):
                    errors.append(f"{row['seated']} people sit at table {number}; "
                                  f"capacity cannot go below that (move people first)")
                    continue
            elif column == "label":
                value = (value or "").strip() or None
                if value and len(value) > 200:
                    errors.append("Label may be at most 200 characters")
                    continue
                hidden = text_rules.problem(value, "label")
                if hidden:
                    errors.append(hidden[0].upper() + hidden[1:])
                    continue
            else:
                value = bool(value)
            current = row[column]
            current = None if current is None or (not isinstance(current, str) and pd.isna(current)) else current
            if column == "label":
                current = current or None
            if value != current:
                changed[column] = value
        if errors:
            problems[number] = tuple(errors)
        elif changed:
            changes.append(TableChange(number, int(row["version"]), changed))
    return changes, problems


def save_table_changes(session: Session, event_id: UUID, changes: list[TableChange]) -> TableSaveResult:
    """Write all table edits or none; a table changed by someone else since loading is a conflict."""
    if not changes:
        return TableSaveResult(True, "Nothing needed saving.")
    refusal = editor_refusal(session, event_id, "saved")
    if refusal is not None:
        return TableSaveResult(False, str(refusal))
    payload = [{"table_number": c.table_number, "version": c.version, **{k: c.values.get(k) for k in
               EDITABLE_TABLE_COLUMNS}, "fields": sorted(c.values)} for c in changes]
    try:
        written = set(session.execute(
            text(
                """
                UPDATE seating_tables AS t
                   SET capacity = CASE WHEN c.fields ? 'capacity' THEN c.capacity ELSE t.capacity END,
                       is_vip_table = CASE WHEN c.fields ? 'is_vip_table' THEN c.is_vip_table ELSE t.is_vip_table END,
                       label = CASE WHEN c.fields ? 'label' THEN c.label ELSE t.label END,
                       accessible = CASE WHEN c.fields ? 'accessible' THEN c.accessible ELSE t.accessible END
                  FROM jsonb_to_recordset(CAST(:changes AS jsonb))
                       AS c(table_number integer, version integer, capacity integer, is_vip_table boolean,
                            label text, accessible boolean, fields jsonb)
                 WHERE t.event_id = :event_id AND t.table_number = c.table_number AND t.version = c.version
                RETURNING t.table_number
                """
            ),
            {"event_id": event_id, "changes": json.dumps(payload)},
        ).scalars())
    except DBAPIError as error:
        # A deadlock is raised again for run_transaction to retry, as for every other write.
        return TableSaveResult(False, refused(session, error))
    missing = tuple(c.table_number for c in changes if c.table_number not in written)
    if missing:
        session.rollback()
        which = ("table " if len(missing) == 1 else "tables ") + ", ".join(map(str, missing))
        return TableSaveResult(False, nothing_was("saved", f"someone else changed {which} meanwhile. "
                                                           "Reload and edit again."), conflict=True, conflicts=missing)
    return TableSaveResult(True, f"Saved changes to {counted(len(changes), 'table')}.", saved=len(changes))


def remove_tables(session: Session, event_id: UUID, numbers: list[int]) -> int:
    """Delete empty tables; refuses (and deletes nothing) when someone sits at one of them."""
    if not numbers:
        return 0
    require_editor(session, event_id, "removed")
    occupied = session.execute(
        text("SELECT DISTINCT table_number FROM table_assignments WHERE event_id = :event_id "
             "AND table_number = ANY (CAST(:numbers AS integer[])) ORDER BY table_number"),
        {"event_id": event_id, "numbers": numbers},
    ).scalars().all()
    if occupied:
        raise InputError("People sit at table " + _numbers(occupied) + "; move them before removing it.")
    try:
        removed = changed_rows(session, text("DELETE FROM seating_tables WHERE event_id = :event_id "
                 "AND table_number = ANY (CAST(:numbers AS integer[]))"),
            {"event_id": event_id, "numbers": numbers},
        )
    except DBAPIError as error:
        raise InputError(refused(session, error, "removed")) from None
    if removed != len(set(numbers)):
        session.rollback()
        raise InputError("Nothing was removed: a table was already gone. Reload to see the current tables.")
    return removed


def place_cards(session: Session, event_id: UUID) -> pd.DataFrame:
    """Who sits where, in place-card order: by table, then seat (unnumbered seats last), then name."""
    rows = session.execute(
        text(
            """
            SELECT a.table_number AS "table", t.label AS table_label, a.seat_number AS seat,
                   p.full_name AS name, p.company, p.is_vip AS vip
              FROM table_assignments AS a
              JOIN participants AS p ON p.organization_id = a.organization_id AND p.id = a.participant_id
              JOIN seating_tables AS t ON t.organization_id = a.organization_id AND t.event_id = a.event_id
                                      AND t.table_number = a.table_number
             WHERE a.event_id = :event_id
             ORDER BY a.table_number, a.seat_number NULLS LAST, lower(p.full_name)
            """
        ),
        {"event_id": event_id},
    ).mappings().all()
    columns = ["table", "table_label", "seat", "name", "company", "vip"]
    frame = pd.DataFrame([dict(row) for row in rows], columns=columns)
    return frame.astype({"table": "int64", "seat": "Int64", "vip": "bool"})


def place_cards_html(cards: pd.DataFrame, event_name: str) -> str:
    """A self-contained page with one printed page per table (place-card order). Guests read it at the
    entrance and on the tables, so it says nothing about who is a VIP."""
    sections = []
    for table_number, people in cards.groupby("table", sort=True):
        label = people["table_label"].iloc[0]
        title = f"Table {table_number}" + (f" — {html.escape(str(label))}" if isinstance(label, str) and label else "")
        lines = "".join(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                "" if pd.isna(row.seat) else int(row.seat), html.escape(str(row.name)),
                "" if row.company is None or pd.isna(row.company) else html.escape(str(row.company)))
            for row in people.itertuples(index=False)
        )
        sections.append(f"<section><h2>{title}</h2><table><thead><tr><th>Seat</th><th>Name</th><th>Company</th>"
                        f"</tr></thead><tbody>{lines}</tbody></table></section>")
    body = "".join(sections) or "<p>Nobody is seated yet.</p>"
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Place cards — " + html.escape(event_name)
        + "</title><style>body{font-family:system-ui,sans-serif;margin:2rem;color:#000}"
        "h1{font-size:1.6rem}h2{font-size:1.4rem;border-bottom:2px solid #000}"
        "table{border-collapse:collapse;width:100%;font-size:1.1rem}td,th{text-align:left;padding:.3rem .5rem;"
        "border-bottom:1px solid #999}section{page-break-after:always;break-after:page;margin-bottom:2rem}"
        "@media print{body{margin:0}}</style></head><body><h1>" + html.escape(event_name) + "</h1>" + body
        + "</body></html>"
    )
