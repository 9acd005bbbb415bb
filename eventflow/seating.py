"""The seating grid: who sits where, edited by organisers in ``st.data_editor`` and saved safely.

How an edit travels:

1. :func:`load_seating_grid` reads one event into a :class:`SeatingGrid` — a snapshot that also
   remembers, per row, the assignment's ``version`` and the seat as loaded (``base_table``,
   ``base_seat``). The page keeps this snapshot unchanged until the next save or reload.
2. The page shows a filtered view of it (:func:`filter_grid`). ``st.data_editor`` reports edits by
   *row position* in that view; :func:`changes_from_editor` (pure) maps them back through the very
   frame that was shown and returns a :class:`ChangeSet` relative to the loaded seats.
3. :func:`validate_changes` checks the result as a whole (tables exist, capacity, seats within
   capacity and free) and names every problem on the row that causes it.
4. :func:`save_changes` writes only the changed rows in one transaction, compare-and-set on
   ``version``: a row someone else changed since the load is a :class:`Conflict`, and then
   nothing at all is written.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any
from uuid import UUID

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from eventflow.errors import InputError, Outcome, editor_refusal, nothing_was, refused, view_only
from eventflow.event_settings import event_time_zone, with_defaults
from eventflow.formatting import fold, folded_text, local_time
from eventflow.history import begin_change_set

EDITABLE_COLUMNS = ("table_number", "seat_number")
# Shown read-only in the grid, in this order.
# Table and seat sit next to the name: on site they are what is looked at and typed.
DISPLAY_COLUMNS = (
    "full_name", "table_number", "seat_number", "company", "needs", "email", "tracks", "is_vip",
    "networking_opt_in", "checked_in", "assigned_by", "assigned_at",
)
# Carried in every frame the editor is given, hidden from view: what a save compares against.
HIDDEN_COLUMNS = ("participant_id", "assignment_id", "version", "base_table", "base_seat")
GRID_COLUMNS = DISPLAY_COLUMNS + HIDDEN_COLUMNS

Seat = tuple[int | None, int | None]  # (table number, seat number); (None, None) = unseated


@dataclass(frozen=True)
class TableInfo:
    number: int
    capacity: int
    is_vip: bool
    label: str | None
    accessible: bool = False


@dataclass(frozen=True)
class PlacementRules:
    """The event's seating rules a manual move must respect, as the auto-seat engine does: VIP tables
    reserved for VIPs (when the event says so), accessible places for those who need them, and the
    keep-together groups and keep-apart pairs. Participant ids as text."""

    vip_tables_reserved: bool = False
    needs_accessible: frozenset[str] = frozenset()
    together: tuple[tuple[str, ...], ...] = ()
    apart: tuple[tuple[str, str], ...] = ()


def searchable_text(frame: pd.DataFrame) -> pd.Series:
    """What the search box looks in, one string a row: name, company and e-mail, folded."""
    return folded_text(frame["full_name"], frame["company"], frame["email"])


@dataclass(frozen=True)
class SeatingGrid:
    """One event's participants with their seats, as loaded; the base every change is measured from."""

    event_id: UUID
    frame: pd.DataFrame
    tables: tuple[TableInfo, ...]
    rules: PlacementRules = PlacementRules()
    # The event's change count (migration 025) read before the grid: a save that finds only its
    # own changes since then patches this grid instead of having everyone reload the event.
    changes_seen: int | None = None

    @property
    def table_numbers(self) -> list[int]:
        return [table.number for table in self.tables]

    def table(self, number: int) -> TableInfo | None:
        return next((table for table in self.tables if table.number == number), None)

    @cached_property
    def loaded_fill(self) -> dict[int, int]:
        """People per table as loaded (built once per grid; grids are shared, never changed)."""
        return {int(table): int(count) for table, count in self.frame["base_table"].dropna().value_counts().items()}

    @cached_property
    def tables_frame(self) -> pd.DataFrame:
        """The tables with their fill as loaded, the base of :func:`table_fill` (copied there)."""
        seated = [self.loaded_fill.get(table.number, 0) for table in self.tables]
        return pd.DataFrame({
            "table": [table.number for table in self.tables], "label": [table.label or "" for table in self.tables],
            "vip": [table.is_vip for table in self.tables], "capacity": [table.capacity for table in self.tables],
            "seated": seated, "after_edits": seated,
        }, columns=["table", "label", "vip", "capacity", "seated", "after_edits"])

    @cached_property
    def loaded_table_fill(self) -> pd.DataFrame:
        """:func:`table_fill` without edits, built once per grid (the common case: nothing typed yet)."""
        return _with_free(self.tables_frame.copy())

    @cached_property
    def search_text(self) -> pd.Series:
        """Name, company and e-mail, folded (no accents, no case), built once per loaded grid (it
        is shared by every organiser of the event: eventflow/shared_cache.py)."""
        return searchable_text(self.frame)


@dataclass(frozen=True)
class SeatChange:
    participant_id: str
    full_name: str
    assignment_id: str | None  # None: the person had no seat when the grid was loaded
    version: int | None
    old: Seat
    new: Seat
    # False: only a table was given, so the seat is the table's next free one (:func:`take_free_seats`),
    # never the seat number the person had at their old table.
    seat_given: bool = True

    @property
    def kind(self) -> str:
        if self.new[0] is None:
            return "unseat"
        return "seat" if self.old[0] is None else "move"


@dataclass(frozen=True)
class ChangeSet:
    changes: tuple[SeatChange, ...] = ()
    # Edits that could not even be read (e.g. "abc" as a table number), by participant id.
    problems: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.changes or self.problems)

    def by_participant(self) -> dict[str, SeatChange]:
        return {change.participant_id: change for change in self.changes}


@dataclass(frozen=True)
class Conflict:
    participant_id: str
    full_name: str
    yours: Seat
    loaded: Seat
    theirs: Seat | None  # None: the person is no longer in the event
    theirs_by: str | None  # who made their change: the organiser's display name (and what it was)
    theirs_at: Any
    stale: bool = True  # False: the row is as loaded, so it was not written for another reason
    theirs_at_local: str = ""  # theirs_at in the event's time zone, to the minute, the zone named


@dataclass(frozen=True)
class SaveResult(Outcome):
    saved: int = 0
    problems: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # by participant: why not
    conflicts: tuple[Conflict, ...] = ()  # rows a colleague changed since they were loaded
    # The grid as saved, when nobody else changed the event since it was loaded, and the event's
    # change marker it is valid for (for the shared cache): no reload of 20,000 rows after a save.
    grid_after: SeatingGrid | None = None
    marker_after: UUID | None = None


# ---------------------------------------------------------------------------------------- loading

_GRID_QUERY = text(
    """
    SELECT p.id::text AS participant_id, p.full_name, p.company, p.email,
           coalesce(array_to_string(tr.track_names, ', '), '') AS tracks,
           p.is_vip, p.networking_opt_in, p.checked_in_at IS NOT NULL AS checked_in,
           -- Diet and access in one cell, as on the staff table lists (printouts.py).
           concat_ws(' · ', p.dietary, coalesce(p.accessibility, CASE WHEN p.needs_accessible
                                                                 THEN 'accessible table' END)) AS needs,
           a.table_number, a.seat_number, a.assigned_by, a.assigned_at,
           a.id::text AS assignment_id, a.version
      FROM participants AS p
      LEFT JOIN table_assignments AS a ON a.organization_id = p.organization_id AND a.participant_id = p.id
      -- The event's track names grouped once (a subquery per person cost a third more at 20,000).
      LEFT JOIN participant_track_names AS tr
             ON tr.organization_id = p.organization_id AND tr.event_id = p.event_id AND tr.participant_id = p.id
     WHERE p.event_id = :event_id
     ORDER BY lower(p.full_name), p.id
    """
)


def load_seating_grid(session: Session, event_id: UUID) -> SeatingGrid:
    """The whole event in two queries (participants with seats; tables), and the rules."""
    changes_seen = session.execute(_CHANGES, {"event_id": event_id}).scalar()
    result = session.execute(_GRID_QUERY, {"event_id": event_id})
    keys, rows = list(result.keys()), result.all()
    # Column by column: pandas probing 20,000 Row objects one by one cost more than the query.
    frame = pd.DataFrame(dict(zip(keys, zip(*rows, strict=True), strict=True)) if rows else
                         {key: [] for key in keys})
    frame = frame.astype({"table_number": "Int64", "seat_number": "Int64", "version": "Int64",
                          "is_vip": "bool", "networking_opt_in": "bool", "checked_in": "bool"})
    frame["assigned_at"] = pd.to_datetime(frame["assigned_at"], utc=True)
    frame["base_table"] = frame["table_number"].copy()
    frame["base_seat"] = frame["seat_number"].copy()
    tables = session.execute(
        text("SELECT table_number AS number, capacity, is_vip_table AS is_vip, label, accessible "
             "FROM seating_tables WHERE event_id = :event_id ORDER BY table_number"),
        {"event_id": event_id},
    ).all()
    return SeatingGrid(event_id, frame[list(GRID_COLUMNS)], tuple(TableInfo(**row._mapping) for row in tables),
                       load_placement_rules(session, event_id), changes_seen)


_CHANGES = text("SELECT changes FROM event_change_counters WHERE event_id = :event_id")


def load_placement_rules(session: Session, event_id: UUID) -> PlacementRules:
    """The rules every manual move is checked against (two queries, whatever the event's size)."""
    settings = session.execute(text(
        """
        SELECT e.settings,
               ARRAY(SELECT p.id::text FROM participants AS p
                      WHERE p.event_id = e.id AND p.organization_id = e.organization_id AND p.needs_accessible)
                   AS needs_accessible
          FROM events AS e WHERE e.id = :event_id
        """), {"event_id": event_id}).first()
    rules = session.execute(text(
        """
        SELECT r.kind, array_agg(m.participant_id::text ORDER BY m.participant_id) AS members
          FROM seating_rules AS r
          JOIN seating_rule_members AS m ON m.organization_id = r.organization_id AND m.rule_id = r.id
         WHERE r.event_id = :event_id
         GROUP BY r.id, r.kind
        """), {"event_id": event_id}).all()
    return PlacementRules(
        vip_tables_reserved=with_defaults(settings.settings if settings else {})["vip_tables_reserved"],
        needs_accessible=frozenset(settings.needs_accessible or ()) if settings else frozenset(),
        together=tuple(tuple(r.members) for r in rules if r.kind == "together" and len(r.members) >= 2),
        apart=tuple((r.members[0], r.members[1]) for r in rules if r.kind == "apart" and len(r.members) == 2),
    )


# ------------------------------------------------------------------------------ filtering the view

PAGE_SIZE = 100  # rows sent to the browser at once: nobody scrolls 20,000 rows, they search


@dataclass(frozen=True)
class GridWindow:
    """The rows of one page of the filtered grid, renumbered 0..n-1 (the editor's row positions)."""

    frame: pd.DataFrame
    matching: int  # rows the filters keep, on every page
    page: int      # 1-based, within 1..pages
    pages: int
    first_row: int  # 1-based position of the window's first row among the matching ones (0: none)


# Read-only text columns of the grid: an empty one shows empty, not as a grey "None".
_TEXT_SHOWN = ("full_name", "company", "needs", "email", "tracks", "assigned_by")


def editor_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a window as the editor shows them: :data:`DISPLAY_COLUMNS` only, read-only text
    without a value as an empty cell (edits are reported by row and column, never read from these)."""
    shown = frame[list(DISPLAY_COLUMNS)].copy()
    for column in _TEXT_SHOWN:
        shown[column] = shown[column].fillna("")
    return shown


def grid_window(grid: SeatingGrid, drafts: ChangeSet, *, search: str = "", track: str | None = None,
                table: int | None = None, unseated_only: bool = False, vip_only: bool = False,
                page: int = 1, page_size: int = PAGE_SIZE) -> GridWindow:
    """Filters and paging done here, on the server, so the browser gets at most ``page_size`` rows.

    The search and filters look at the loaded grid with the unsaved ``drafts`` applied (a person
    moved to table 5 shows under "Table 5"); only the page's rows are copied."""
    frame = grid.frame
    if drafts.changes:
        frame = apply_changes(frame, drafts)
    keep = _filter_mask(grid, frame, search=search, track=track, table=table, unseated_only=unseated_only,
                        vip_only=vip_only)
    positions = range(len(frame)) if keep is None else keep.to_numpy().nonzero()[0]
    matching = len(positions)
    pages = max(1, -(-matching // page_size))
    page = min(max(1, int(page)), pages)
    start = (page - 1) * page_size
    chosen = positions[start:start + page_size]
    window = frame.iloc[chosen] if keep is not None else frame.iloc[start:start + page_size]
    return GridWindow(window.reset_index(drop=True), matching, page, pages, start + 1 if matching else 0)


def _narrow(keep: pd.Series, frame: pd.DataFrame, *, track: str | None, table: int | None,
            unseated_only: bool, vip_only: bool) -> pd.Series:
    """``keep`` narrowed by the filters other than the search."""
    if track:
        keep &= frame["tracks"].fillna("").map(lambda names: track in names.split(", "))
    if table is not None:
        keep &= frame["table_number"].eq(table).fillna(False)
    if unseated_only:
        keep &= frame["table_number"].isna()
    if vip_only:
        keep &= frame["is_vip"]
    return keep.astype(bool)


def _filter_mask(grid: SeatingGrid, frame: pd.DataFrame, *, search: str, track: str | None, table: int | None,
                 unseated_only: bool, vip_only: bool) -> pd.Series | None:
    """None when nothing is filtered (the common case costs no pass over 20,000 rows)."""
    needle = fold((search or "").strip())
    if not (needle or track or table is not None or unseated_only or vip_only):
        return None
    keep = pd.Series(True, index=frame.index)
    if needle:
        keep &= grid.search_text.str.contains(needle, regex=False).to_numpy()
    return _narrow(keep, frame, track=track, table=table, unseated_only=unseated_only, vip_only=vip_only)


def filter_grid(frame: pd.DataFrame, *, search: str = "", track: str | None = None, table: int | None = None,
                unseated_only: bool = False, vip_only: bool = False) -> pd.DataFrame:
    """The rows to show, renumbered 0..n-1 so that an editor's row positions index this frame."""
    keep = pd.Series(True, index=frame.index)
    needle = fold((search or "").strip())
    if needle:
        keep &= searchable_text(frame).str.contains(needle, regex=False)
    keep = _narrow(keep, frame, track=track, table=table, unseated_only=unseated_only, vip_only=vip_only)
    return frame[keep].reset_index(drop=True)


# --------------------------------------------------------------------------- edits into a change set

def _whole_number(value: Any, what: str) -> int | None:
    """An editor cell as a positive whole number, or None when cleared; ValueError with the reason."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number")
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"{what} “{value}” is not a number") from None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} “{value}” is not a number") from None
    if not number.is_integer():
        raise ValueError(f"{what} must be a whole number, not {value}")
    if number < 1:
        raise ValueError(f"{what} must be 1 or more")
    return int(number)


def _edited_number(values: Mapping[str, Any], column: str, what: str, saved: Any, errors: list[str]) -> int | None:
    """The cell's edited number, else its ``saved`` one; None, with the reason added to ``errors``, when not valid."""
    try:
        return _whole_number(values[column], what) if column in values else _cell(saved)
    except ValueError as error:
        errors.append(str(error))
        return None


def _cell(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def changes_from_editor(snapshot: pd.DataFrame, editor_state: Mapping[str, Any] | None) -> ChangeSet:
    """Turn ``st.data_editor`` state into changes against the loaded seats. Pure.

    ``snapshot`` must be exactly the frame the editor was given (row positions index it) and carry
    the hidden columns. A row counts as changed when its final seat differs from ``base_*`` — so
    a value typed and then typed back is no change, and a value the shown frame already carried
    (an earlier, not yet saved edit) is kept. Only table and seat numbers are taken from the
    editor; anything else it reports is ignored.
    """
    edited: dict[int, Mapping[str, Any]] = {}
    for position, values in ((editor_state or {}).get("edited_rows") or {}).items():
        edited[int(position)] = values
    changes: list[SeatChange] = []
    problems: dict[str, tuple[str, ...]] = {}
    # Only rows the editor reports or whose shown seat is not the loaded one (an earlier draft) can
    # be a change: the other rows of the window are not looked at one by one (issue 13).
    positions = sorted({p for p in edited if 0 <= p < len(snapshot)} | set(_drafted_positions(snapshot)))
    if not positions:
        return ChangeSet()
    # Cell by cell from the columns' own arrays: a frame taken from a few rows of Arrow-backed
    # strings cost more than the rest of the fragment run.
    columns = {name: snapshot[name].array for name in ("participant_id", "full_name", "assignment_id", "version",
                                                       "table_number", "seat_number", "base_table", "base_seat")}
    for position in positions:
        row = _Row(**{name: values[position] for name, values in columns.items()})
        values = edited.get(position, {})
        participant = str(row.participant_id)
        errors: list[str] = []
        table = _edited_number(values, "table_number", "Table", row.table_number, errors)
        seat = _edited_number(values, "seat_number", "Seat", row.seat_number, errors)
        if errors:
            problems[participant] = tuple(errors)
            continue
        if table is None:
            if seat is not None and "seat_number" in values:
                problems[participant] = ("A seat number needs a table number: pick a table or clear the seat too",)
                continue
            seat = None  # clearing the table unseats the person, whatever seat they had
        old = (_cell(row.base_table), _cell(row.base_seat))
        seat_given = True
        if table is not None and "table_number" in values and "seat_number" not in values \
                and table != _cell(row.table_number):
            # A new table without a seat: back at the loaded table, the loaded seat; elsewhere the
            # next free seat (the old seat number would collide with whoever sits there).
            seat_given = table == old[0]
            seat = old[1] if seat_given else None
        if (table, seat) != old:
            changes.append(SeatChange(
                participant_id=participant, full_name=str(row.full_name),
                assignment_id=None if pd.isna(row.assignment_id) else str(row.assignment_id),
                version=_cell(row.version), old=old, new=(table, seat), seat_given=seat_given,
            ))
    return ChangeSet(tuple(changes), problems)


@dataclass(frozen=True)
class _Row:
    participant_id: Any
    full_name: Any
    assignment_id: Any
    version: Any
    table_number: Any
    seat_number: Any
    base_table: Any
    base_seat: Any


def _drafted_positions(snapshot: pd.DataFrame) -> list[int]:
    """Row positions whose shown table or seat differs from the loaded one (vectorised)."""
    differs = np.zeros(len(snapshot), dtype=bool)
    for shown, loaded in (("table_number", "base_table"), ("seat_number", "base_seat")):
        now = pd.to_numeric(snapshot[shown], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        then = pd.to_numeric(snapshot[loaded], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        differs |= ~((now == then) | (np.isnan(now) & np.isnan(then)))
    return [int(position) for position in differs.nonzero()[0]]


def merge_changes(earlier: ChangeSet, later: ChangeSet) -> ChangeSet:
    """``later`` wins per participant (both are measured from the same loaded seats)."""
    merged = earlier.by_participant()
    problems = {pid: msgs for pid, msgs in earlier.problems.items()}
    later_ids = {change.participant_id for change in later.changes} | set(later.problems)
    for pid in later_ids:
        merged.pop(pid, None)
        problems.pop(pid, None)
    merged.update(later.by_participant())
    problems.update(later.problems)
    return ChangeSet(tuple(merged.values()), problems)


def pending_changes(drafts: ChangeSet, in_view: ChangeSet, grid: SeatingGrid) -> ChangeSet:
    """Drafts and the edits in the current view together, every move to a bare table given its
    next free seat (:func:`take_free_seats`). Keep drafts in this form: a draft shown in the grid
    then carries its seat."""
    return take_free_seats(merge_changes(drafts, in_view), grid)


def free_seats(grid: SeatingGrid, table_number: int, change_set: ChangeSet | None = None) -> list[int]:
    """The seat numbers of a table nobody holds after the changes, lowest first."""
    table = grid.table(table_number)
    if table is None:
        return []
    return [seat for seat in range(1, table.capacity + 1)
            if seat not in _taken_seats(grid, change_set or ChangeSet(), {table_number})[table_number]]


def _taken_seats(grid: SeatingGrid, change_set: ChangeSet, table_numbers: set[int]) -> dict[int, set[int]]:
    changed = change_set.by_participant()
    frame = grid.frame
    nearby = frame[frame["base_table"].isin(table_numbers) & frame["base_seat"].notna()]
    taken: dict[int, set[int]] = {number: set() for number in table_numbers}
    for pid, table, seat in zip(nearby["participant_id"], nearby["base_table"], nearby["base_seat"], strict=True):
        if str(pid) not in changed:
            taken[int(table)].add(int(seat))
    for change in change_set.changes:
        if change.new[0] in taken and change.new[1] is not None:
            taken[change.new[0]].add(change.new[1])
    return taken


def take_free_seats(change_set: ChangeSet, grid: SeatingGrid) -> ChangeSet:
    """Every move to a table without a seat number (``seat_given`` False, no seat yet) gets that
    table's lowest free seat after the other changes; people are served in name order, so the same
    edits always give the same seats. A full table leaves the seat empty: validation then says the
    table is full. Changes that already have a seat are kept as they are (so this is idempotent)."""
    waiting = [c for c in change_set.changes if not c.seat_given and c.new[0] is not None and c.new[1] is None
               and grid.table(c.new[0]) is not None]
    if not waiting:
        return change_set
    taken = _taken_seats(grid, change_set, {c.new[0] for c in waiting if c.new[0] is not None})
    given: dict[str, SeatChange] = {}
    for change in sorted(waiting, key=lambda c: (c.full_name.lower(), c.participant_id)):
        table = grid.table(change.new[0]) if change.new[0] is not None else None
        if table is None:
            continue
        seat = next((n for n in range(1, table.capacity + 1) if n not in taken[table.number]), None)
        if seat is not None:
            taken[table.number].add(seat)
            given[change.participant_id] = replace(change, new=(table.number, seat))
    return ChangeSet(tuple(given.get(c.participant_id, c) for c in change_set.changes), change_set.problems)


def move_to_table(grid: SeatingGrid, participant_id: str, table_number: int | None, seat: int | None = None,
                  pending: ChangeSet | None = None) -> ChangeSet:
    """One person to a table: the given seat, or the table's next free one (after ``pending``);
    ``table_number`` None unseats them. The change is measured from the loaded seats."""
    row = _row(grid, participant_id)
    old = (_cell(row["base_table"]), _cell(row["base_seat"]))
    if table_number is not None and seat is None and table_number == old[0]:
        return ChangeSet()  # already at that table: keep the seat
    new: Seat = (None, None) if table_number is None else (int(table_number), None if seat is None else int(seat))
    change = _change_of(row, old, new, seat_given=seat is not None or table_number is None)
    if new == old:
        return ChangeSet()
    moved = take_free_seats(merge_changes(pending or ChangeSet(), ChangeSet((change,))), grid).by_participant()
    return ChangeSet((moved[change.participant_id],))


def swap_seats(grid: SeatingGrid, first: str, second: str) -> ChangeSet:
    """Two people trade their seats (table and seat number) as one change set: saved together, the
    database checks seat uniqueness at commit, so neither is ever without a seat or on a taken one."""
    if first == second:
        raise InputError("Pick two different people to swap.")
    a, b = _row(grid, first), _row(grid, second)
    seat_a = (_cell(a["base_table"]), _cell(a["base_seat"]))
    seat_b = (_cell(b["base_table"]), _cell(b["base_seat"]))
    if seat_a == seat_b:
        raise InputError(f"{a['full_name']} and {b['full_name']} sit at the same place "
                         f"({_seat_words(seat_a)}): there is nothing to swap.")
    return ChangeSet((_change_of(a, seat_a, seat_b), _change_of(b, seat_b, seat_a)))


def _seat_words(seat: Seat) -> str:
    return "both unseated" if seat[0] is None else f"table {seat[0]}" + ("" if seat[1] is None else f", seat {seat[1]}")


def _row(grid: SeatingGrid, participant_id: str) -> pd.Series:
    rows = grid.frame[grid.frame["participant_id"] == str(participant_id)]
    if rows.empty:
        raise InputError("This person is no longer in the event: reload the seating.")
    return rows.iloc[0]


def _change_of(row: pd.Series, old: Seat, new: Seat, seat_given: bool = True) -> SeatChange:
    return SeatChange(participant_id=str(row["participant_id"]), full_name=str(row["full_name"]),
                      assignment_id=None if pd.isna(row["assignment_id"]) else str(row["assignment_id"]),
                      version=_cell(row["version"]), old=old, new=new, seat_given=seat_given)


def apply_changes(frame: pd.DataFrame, change_set: ChangeSet) -> pd.DataFrame:
    """A copy of ``frame`` showing the changed seats (``base_*`` stay as loaded)."""
    result = frame.copy()
    if not change_set.changes:
        return result
    by_id = change_set.by_participant()
    mask = result["participant_id"].isin(list(by_id))
    for index in result.index[mask]:
        change = by_id[result.at[index, "participant_id"]]
        result.at[index, "table_number"] = pd.NA if change.new[0] is None else change.new[0]
        result.at[index, "seat_number"] = pd.NA if change.new[1] is None else change.new[1]
    return result


# ------------------------------------------------------------------------------------- validation

# Validation looks only at the tables and seats the changes touch: the rest of a 20,000-person
# event is read from the snapshot with vectorised counts, never row by row in Python.

def _fill_after(grid: SeatingGrid, change_set: ChangeSet) -> dict[int, int]:
    """People per table after the changes: as loaded, minus those who leave, plus those who arrive."""
    fill = dict(grid.loaded_fill)
    for change in change_set.changes:
        if change.old[0] is not None:
            fill[change.old[0]] = fill.get(change.old[0], 0) - 1
        if change.new[0] is not None:
            fill[change.new[0]] = fill.get(change.new[0], 0) + 1
    return fill


def _holders_after(grid: SeatingGrid, change_set: ChangeSet) -> dict[Seat, list[str]]:
    """Who sits on each seat a change asks for, after the changes (more than one is a clash)."""
    wanted = {change.new for change in change_set.changes if change.new[1] is not None}
    if not wanted:
        return {}
    changed = change_set.by_participant()
    frame = grid.frame
    nearby = frame[frame["base_table"].isin({table for table, _ in wanted}) & frame["base_seat"].notna()]
    holders: dict[Seat, list[str]] = {seat: [] for seat in wanted}
    for pid, table, seat in zip(nearby["participant_id"], nearby["base_table"], nearby["base_seat"], strict=True):
        key = (int(table), int(seat))
        if key in holders and str(pid) not in changed:
            holders[key].append(str(pid))
    for change in change_set.changes:
        if change.new in holders:
            holders[change.new].append(change.participant_id)
    return holders


def validate_changes(change_set: ChangeSet, grid: SeatingGrid) -> dict[str, tuple[str, ...]]:
    """Every problem the change set would cause, on the changed row responsible; empty when fine."""
    change_set = take_free_seats(change_set, grid)
    problems: dict[str, list[str]] = defaultdict(list)
    for pid, messages in change_set.problems.items():
        problems[pid].extend(messages)
    tables = {table.number: table for table in grid.tables}

    for change in change_set.changes:
        table_number, seat = change.new
        if table_number is None:
            continue
        table = tables.get(table_number)
        if table is None:
            problems[change.participant_id].append(f"Table {table_number} does not exist in this event")
        elif seat is not None and seat > table.capacity:
            problems[change.participant_id].append(
                f"Table {table_number} has {table.capacity} seats, so there is no seat {seat}")

    fill = _fill_after(grid, change_set)
    for change in change_set.changes:
        table_number = change.new[0]
        if table_number is None:
            continue
        table = tables.get(table_number)
        # Only those who join a table are told it is over full; people already there stay put.
        if table is not None and fill[table_number] > table.capacity and change.old[0] != table_number:
            problems[change.participant_id].append(
                f"Table {table_number} would have {fill[table_number]} people for {table.capacity} seats")

    for pid, broken in _rule_problems(change_set, grid).items():
        problems[pid].extend(broken)

    clashes = {seat: people for seat, people in _holders_after(grid, change_set).items() if len(people) > 1}
    if clashes:
        involved = {pid for people in clashes.values() for pid in people}
        frame = grid.frame[grid.frame["participant_id"].isin(involved)]
        names = dict(zip(frame["participant_id"].astype(str), frame["full_name"], strict=True))
        changed = change_set.by_participant()
        for (table_number, seat), people in clashes.items():
            for pid in people:
                if pid in changed:
                    others = ", ".join(sorted(names.get(other, "someone") for other in people if other != pid))
                    problems[pid].append(f"Seat {seat} at table {table_number} is also given to {others}")
    return {pid: tuple(messages) for pid, messages in problems.items() if messages}


def _rule_problems(change_set: ChangeSet, grid: SeatingGrid) -> dict[str, list[str]]:
    """The event's placement rules, checked for the people a change set seats or moves: those who
    join a table answer for its VIP reservation and accessibility; a rule is broken only when the
    changes break it (a group already split before is not blamed on an unrelated move)."""
    rules = grid.rules
    problems: dict[str, list[str]] = defaultdict(list)
    if not change_set.changes:
        return problems
    tables = {table.number: table for table in grid.tables}
    changed = change_set.by_participant()
    involved = set(changed) | {pid for group in rules.together for pid in group if set(group) & set(changed)} \
        | {pid for pair in rules.apart for pid in pair if set(pair) & set(changed)}
    frame = grid.frame[grid.frame["participant_id"].isin(involved)]
    names = dict(zip(frame["participant_id"].astype(str), frame["full_name"], strict=True))
    vip = dict(zip(frame["participant_id"].astype(str), frame["is_vip"], strict=True))
    before = {str(pid): _cell(table) for pid, table in zip(frame["participant_id"], frame["base_table"], strict=True)}
    after = dict(before)
    after.update({pid: change.new[0] for pid, change in changed.items()})

    for pid, change in changed.items():
        table = tables.get(change.new[0]) if change.new[0] is not None else None
        if table is None or change.old[0] == table.number:
            continue
        if rules.vip_tables_reserved and table.is_vip and not vip.get(pid, False):
            problems[pid].append(f"Table {table.number} is reserved for VIPs, and {change.full_name} is not a VIP")
        if pid in rules.needs_accessible and not table.accessible:
            problems[pid].append(f"{change.full_name} needs an accessible place, and table {table.number} "
                                 "is not accessible")
    for first, second in rules.apart:
        if first not in changed and second not in changed:
            continue
        shared = after.get(first)
        if shared is not None and shared == after.get(second) and not before.get(first) == before.get(second) == shared:
            for pid, other in ((first, second), (second, first)):
                if pid in changed and changed[pid].new[0] == shared:
                    problems[pid].append(f"{names.get(pid, 'This person')} and {names.get(other, 'someone')} "
                                         f"are to be kept apart, so not both at table {shared}")
    for group in rules.together:
        if not set(group) & set(changed):
            continue
        spread_before = {before[pid] for pid in group if before.get(pid) is not None}
        spread_after = {after[pid] for pid in group if after.get(pid) is not None}
        if len(spread_after) > max(len(spread_before), 1):
            for pid in group:
                if pid in changed and changed[pid].new[0] is not None:
                    others = ", ".join(sorted(names.get(o, "someone") for o in group if o != pid))
                    problems[pid].append(f"{names.get(pid, 'This person')} is to sit together with {others}: "
                                         "move the whole group to one table")
    return problems


def table_fill(grid: SeatingGrid, change_set: ChangeSet | None = None) -> pd.DataFrame:
    """Per table: capacity, people seated as loaded and after the pending edits, free seats, and how full it
    is after the edits (0 to 1, of its own capacity)."""
    if not (change_set and change_set.changes):
        return grid.loaded_table_fill  # shared with every organiser of the snapshot: not to be changed
    fill = grid.tables_frame.copy()
    after = _fill_after(grid, change_set)
    # Through plain lists: a pandas element per table cost milliseconds at 2,000 tables (issue 13).
    fill["after_edits"] = [after.get(number, 0) for number in fill["table"].tolist()]
    return _with_free(fill)


def _with_free(fill: pd.DataFrame) -> pd.DataFrame:
    fill["free"] = fill["capacity"] - fill["after_edits"]
    # Each table against its own seats: a full 8-seat table is a full bar, next to 10-seat ones too.
    fill["full"] = fill["after_edits"] / fill["capacity"]
    return fill


@dataclass(frozen=True)
class FillSummary:
    tables: int
    seats: int
    seated: int  # after the pending edits
    free_tables: tuple[tuple[int, int], ...]  # (table, free seats) with room left, by table number


def fill_summary(fill: pd.DataFrame) -> FillSummary:
    """The whole event's fill in a line, from :func:`table_fill` (the panel shows only some tables)."""
    free = fill["free"].to_numpy()
    room = free > 0
    return FillSummary(len(fill), int(fill["capacity"].sum()), int(fill["after_edits"].sum()),
                       tuple(zip(fill["table"].to_numpy()[room].tolist(), free[room].tolist(), strict=True)))


def tables_in_view(fill: pd.DataFrame, window: pd.DataFrame, change_set: ChangeSet,
                   also: int | None = None, limit: int = PAGE_SIZE,
                   columns: tuple[str, ...] = ("table", "full", "capacity", "free", "vip")) -> pd.DataFrame:
    """The fill of the tables an organiser is looking at: those of the people in the window, those
    the pending edits move people from or to, and the table filtered on; at most ``limit``, only
    ``columns``."""
    wanted = set(window["table_number"].dropna().tolist()) | set(window["base_table"].dropna().tolist())
    for change in change_set.changes:
        wanted |= {t for t in (change.old[0], change.new[0]) if t is not None}
    if also is not None:
        wanted.add(int(also))
    # Positions first, then only those rows and columns are copied (never the whole 2,000-table frame).
    positions = np.isin(fill["table"].to_numpy(), np.fromiter(wanted, dtype="int64", count=len(wanted)))
    return fill[list(columns)].iloc[positions.nonzero()[0][:limit]].reset_index(drop=True)


# ----------------------------------------------------------------------------------------- saving

CONFLICT_MESSAGE = nothing_was("saved", "someone else changed these people after you loaded the grid. Your edits "
                               "are still in the grid; reload to see the latest seating, then edit again.")
ALREADY_SO = "Nothing needed saving: these people already sit where you put them."

# The three writes of a save, each for all its rows at once; a row whose version moved since it was
# read is not written (and is then reported as a conflict).
_UNSEAT = text(
    """
    DELETE FROM table_assignments AS a
     USING jsonb_to_recordset(CAST(:changes AS jsonb)) AS c(id uuid, version integer)
     WHERE a.id = c.id AND a.version = c.version AND a.event_id = :event_id
    RETURNING a.participant_id::text
    """
)
_MOVE = text(
    """
    UPDATE table_assignments AS a
       SET table_number = c.table_number, seat_number = c.seat_number,
           assigned_by = :assigned_by, assigned_at = now()
      FROM jsonb_to_recordset(CAST(:changes AS jsonb))
           AS c(id uuid, version integer, table_number integer, seat_number integer)
     WHERE a.id = c.id AND a.version = c.version AND a.event_id = :event_id
    RETURNING a.participant_id::text
    """
)
_SEAT = text(
    """
    INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number, assigned_by)
    SELECT :event_id, c.participant_id, c.table_number, c.seat_number, :assigned_by
      FROM jsonb_to_recordset(CAST(:changes AS jsonb))
           AS c(participant_id uuid, table_number integer, seat_number integer)
        ON CONFLICT ON CONSTRAINT table_assignments_one_per_participant DO NOTHING
    RETURNING participant_id::text
    """
)


def save_changes(session: Session, event_id: UUID, change_set: ChangeSet, grid: SeatingGrid,
                 assigned_by: str = "manager") -> SaveResult:
    """Validate, then write every change in the session's transaction, or none of them.

    On any refusal (invalid rows, conflicts, a database rule) the session is rolled back and the
    result says why; on success the caller's ``tenant_session`` commits. Deferred constraints are
    checked here (``SET CONSTRAINTS ALL IMMEDIATE``) so that their errors become messages too.
    """
    change_set = take_free_seats(change_set, grid)
    problems = validate_changes(change_set, grid)
    if problems:
        return SaveResult(False, nothing_was("saved", "; ".join(m for ms in problems.values() for m in ms)),
                          problems=problems)
    if not change_set.changes:
        return SaveResult(True, "Nothing needed saving.")
    refusal = editor_refusal(session, event_id, "saved")
    if refusal is not None:
        return SaveResult(False, str(refusal))
    unseat = [c for c in change_set.changes if c.kind == "unseat" and c.assignment_id]
    move = [c for c in change_set.changes if c.kind != "unseat" and c.assignment_id]
    seat = [c for c in change_set.changes if c.kind != "unseat" and not c.assignment_id]
    written: set[str] = set()
    change_set_id = begin_change_set(session, "auto-seat" if assigned_by == "auto" else
                                     "walk-in" if assigned_by == "ai" else "save")
    try:
        lock_event_seating(session, event_id)
        own_statements = 0  # each that wrote rows moved the event's change count once (migration 025)
        for statement, changes in ((_UNSEAT, [{"id": c.assignment_id, "version": c.version} for c in unseat]),
                                   (_MOVE, [{"id": c.assignment_id, "version": c.version, "table_number": c.new[0],
                                             "seat_number": c.new[1]} for c in move]),
                                   (_SEAT, [{"participant_id": c.participant_id, "table_number": c.new[0],
                                             "seat_number": c.new[1]} for c in seat])):
            if changes:
                before = len(written)
                written |= set(session.execute(statement, {"event_id": event_id, "assigned_by": assigned_by,
                                                           "changes": json.dumps(changes)}).scalars())
                own_statements += len(written) > before
        missing = [c for c in change_set.changes if c.participant_id not in written]
        if missing:
            conflicts = _read_conflicts(session, event_id, missing)
            if any(not c.stale for c in conflicts):
                # A row exactly as loaded that still was not written: row-level security kept it read-only.
                session.rollback()
                return SaveResult(False, view_only("saved"))
            # A row that already holds what this save wants (a double-submitted save, or a colleague
            # who did the same) is no conflict; anything else is, and then nothing is written.
            real = tuple(c for c in conflicts if c.theirs != c.yours)
            if real:
                session.rollback()
                return SaveResult(False, CONFLICT_MESSAGE, conflict=True, conflicts=real)
        session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        grid_after, marker_after = _grid_after_save(session, event_id, grid, written, own_statements)
    except DBAPIError as error:
        return SaveResult(False, refused(session, error))
    # Rows that already held what this save wanted (a double submit) were not written again.
    return SaveResult(True, f"Saved {len(written)} seating change(s)." if written else ALREADY_SO,
                      change_set_id=change_set_id if written else None, saved=len(written),
                      grid_after=grid_after, marker_after=marker_after)


def _grid_after_save(session: Session, event_id: UUID, grid: SeatingGrid, written: set[str],
                     own_statements: int) -> tuple[SeatingGrid | None, UUID | None]:
    """``grid`` with the rows this save wrote read back, when the event's change count shows no
    other write since the grid was loaded (this transaction now holds the count's row lock, so
    none can come before the commit either). Otherwise None: the next read loads the event."""
    if grid.changes_seen is None or not written:
        return None, None
    now = session.execute(text("SELECT changes, marker FROM event_change_counters WHERE event_id = :event_id"),
                          {"event_id": event_id}).first()
    if now is None or now.changes != grid.changes_seen + own_statements:
        return None, None
    rows = session.execute(text(
        """
        SELECT p.id::text AS participant_id, a.id::text AS assignment_id, a.table_number, a.seat_number,
               a.version, a.assigned_by, a.assigned_at
          FROM participants AS p
          LEFT JOIN table_assignments AS a ON a.organization_id = p.organization_id AND a.participant_id = p.id
         WHERE p.event_id = :event_id AND p.id = ANY (CAST(:ids AS uuid[]))
        """), {"event_id": event_id, "ids": sorted(written)}).mappings().all()
    frame = grid.frame.copy()
    # pandas picks the column's unit from what it first saw (seconds when nobody was seated yet).
    frame["assigned_at"] = frame["assigned_at"].astype("datetime64[us, UTC]")
    positions = pd.Index(frame["participant_id"]).get_indexer([row["participant_id"] for row in rows])
    if (positions < 0).any():
        return None, None
    for position, row in zip(positions, rows, strict=True):
        index = frame.index[position]
        for column in ("table_number", "seat_number", "version"):
            frame.at[index, column] = pd.NA if row[column] is None else row[column]
        frame.at[index, "base_table"] = frame.at[index, "table_number"]
        frame.at[index, "base_seat"] = frame.at[index, "seat_number"]
        frame.at[index, "assignment_id"] = row["assignment_id"]
        frame.at[index, "assigned_by"] = row["assigned_by"]
        frame.at[index, "assigned_at"] = pd.NaT if row["assigned_at"] is None else pd.Timestamp(row["assigned_at"])
    after = SeatingGrid(event_id, frame, grid.tables, grid.rules, now.changes)
    if "search_text" in grid.__dict__:  # names did not change: keep the search index
        after.__dict__["search_text"] = grid.__dict__["search_text"]
    return after, now.marker


def lock_event_seating(session: Session, event_id: UUID) -> None:
    """Take the event's seating lock: saves of one event then write one after the other.

    Without it, saves deadlocked on PostgreSQL 15 (issue 15, item 7): the seat-uniqueness check is
    deferred, so two saves both insert and only then wait for each other at the check, and the
    capacity trigger locks tables in whatever order the rows come. ``run_transaction`` retries a
    deadlock, but a save that had waited longest was never the one the deadlock detector picked,
    so two colleagues' retries could each lose ten times in a row against it and the error reached
    the organiser. A save takes milliseconds; waiting in line costs less than one deadlock (1 s).
    A row lock under row-level security (not an advisory lock, whose key any tenant could probe):
    viewers lock nothing and are refused as before.
    """
    session.execute(text("SELECT FROM events WHERE id = :event_id FOR NO KEY UPDATE"), {"event_id": event_id})


_HOW = {"walk-in": "walk-in", "auto-seat": "auto-seat", "re-plan": "re-plan", "undo": "undo", "import": "import"}


def _read_conflicts(session: Session, event_id: UUID, missing: list[SeatChange]) -> list[Conflict]:
    rows = session.execute(
        text(
            """
            SELECT p.id::text AS participant_id, a.table_number, a.seat_number, a.assigned_by, a.assigned_at,
                   a.version, a.id::text AS assignment_id, last.change_kind,
                   coalesce(o.display_name, o.email) AS organiser, last.organiser_id IS NOT NULL AS by_organiser
              FROM participants AS p
              LEFT JOIN table_assignments AS a ON a.organization_id = p.organization_id AND a.participant_id = p.id
              -- Who made the latest change to this person's seat: the history knows the organiser.
              LEFT JOIN LATERAL (
                    SELECT h.organiser_id, h.change_kind FROM assignment_history AS h
                     WHERE h.organization_id = p.organization_id AND h.event_id = p.event_id
                       AND h.participant_id = p.id
                     ORDER BY h.id DESC LIMIT 1) AS last ON true
              LEFT JOIN organisers AS o ON o.id = last.organiser_id
             WHERE p.event_id = :event_id AND p.id = ANY (CAST(:ids AS uuid[]))
            """
        ),
        {"event_id": event_id, "ids": [c.participant_id for c in missing]},
    ).mappings().all()
    zone = event_time_zone(session, event_id)
    current = {row["participant_id"]: row for row in rows}
    conflicts = []
    for change in missing:
        row = current.get(change.participant_id)
        at = None if row is None else row["assigned_at"]
        conflicts.append(Conflict(
            participant_id=change.participant_id, full_name=change.full_name, yours=change.new, loaded=change.old,
            theirs=None if row is None else (row["table_number"], row["seat_number"]),
            theirs_by=None if row is None else _changed_by(row),
            theirs_at=at,
            theirs_at_local="" if at is None else local_time(at, zone),
            # Not stale only if it is the very row loaded, unchanged: an insert that was not written
            # always lost a race (someone seated the person meanwhile, even if they left again).
            stale=(row is None or change.assignment_id is None or row["assignment_id"] != change.assignment_id
                   or row["version"] != change.version),
        ))
    return conflicts


def _changed_by(row: Any) -> str:
    """"Alex Example (walk-in)": the person, and what kind of change it was when not a plain save."""
    who = row["organiser"] or ("a colleague no longer in this organisation" if row["by_organiser"]
                               else "an administrator or a script")
    how = _HOW.get(row["change_kind"] or "")
    return f"{who} ({how})" if how else who
