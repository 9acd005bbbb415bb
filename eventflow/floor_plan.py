"""The floor plan: the room as organisers see it — tables where they stand, the room's fixed elements,
people moved by drag and drop — and the plan printed for the venue crew.

How a drop travels:

1. :func:`load_floor_plan` reads the event: the seating grid's snapshot (``seating.load_seating_grid``,
   with versions and the placement rules), every table's place (``table_layouts``) and the room's
   elements (``room_elements``). Tables not placed yet get a place computed here (:func:`auto_layout`)
   and are saved on the first layout write (:func:`ensure_layout`).
2. :func:`plan_drawing` turns it into the compact, columnar JSON the browser component draws, and
   :func:`plan_payload` adds one organiser's view of it (focus, highlight, swap offer, walk-in).
3. The component sends back an *intent* only (move a table, move / swap / unseat a person, accept a
   walk-in suggestion). :func:`move_person`, :func:`swap_people` and :func:`unseat_person` turn it into
   a ``seating.ChangeSet`` against that snapshot and save it with ``seating.save_changes`` — the
   grid's own validation and compare-and-set save, ``assigned_by = 'manager'``. :func:`move_table`
   and :func:`move_element` snap to the grid and compare-and-set on the row's ``version``: a colleague's
   move in between is reported, not overwritten. The database records every layout change in
   ``layout_history`` (``sql/015``).

Tables and room elements turn too (:func:`turn_table`, :func:`turn_element`), room elements are renamed
and resized (:func:`change_element`); an organiser undoes their own
layout changes one after another (:func:`undo_offer`, :func:`undo_layout_change`), refused when someone
changed the same thing since. :func:`load_drawn_plan` shares an unchanged plan between sessions.

Positions are metres from the room's top-left corner; the screen and the print draw from the same
geometry (:func:`table_size`, :func:`seat_positions`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Literal
from uuid import UUID

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from eventflow import autoseat, seating, shared_cache
from eventflow.errors import (
    INSUFFICIENT_PRIVILEGE,
    InputError,
    Outcome,
    ViewOnly,
    refused,
    sqlstate,
    view_only,
)
from eventflow.formatting import counted, fold, seat_text
from eventflow.history import begin_change_set
from eventflow.statements import changed_rows

Shape = Literal["round", "rectangular"]
ElementKind = Literal["stage", "entrance", "bar", "screen", "vip_zone"]

GRID_STEP = 0.5          # metres: every position snaps to this
ROOM_LIMIT = 2000.0      # metres: the schema's bound on a coordinate
SEAT_WIDTH = 0.6         # metres of table edge per chair
CHAIR_DEPTH = 0.7        # metres a chair and its sitter need behind the table edge
AISLE = 1.2              # metres between two tables' chairs
ELEMENT_KINDS: dict[str, str] = {"stage": "Stage", "entrance": "Entrance", "bar": "Bar", "screen": "Screen",
                                 "vip_zone": "VIP zone"}


class FloorPlanError(InputError):
    """Input an organiser can correct: nothing was written, the message says why."""


# ------------------------------------------------------------------------------------------ geometry

def snap(value: float, step: float = GRID_STEP) -> float:
    """``value`` on the grid, inside the room's bounds."""
    return min(max(round(float(value) / step) * step, 0.0), ROOM_LIMIT)


def table_size(capacity: int, shape: str) -> tuple[float, float]:
    """Width and depth of the table top in metres (a round table's are its diameter)."""
    if shape == "rectangular":
        return (max(2, math.ceil(capacity / 2)) * SEAT_WIDTH + 0.4, 0.9)
    diameter = max(1.2, round(capacity * SEAT_WIDTH / math.pi, 2))
    return (diameter, diameter)


def footprint(capacity: int, shape: str) -> tuple[float, float]:
    """Width and depth the table takes with its chairs."""
    width, depth = table_size(capacity, shape)
    return (width + 2 * CHAIR_DEPTH, depth + 2 * CHAIR_DEPTH)


def seat_positions(capacity: int, shape: str, rotation: int = 0) -> list[tuple[float, float]]:
    """Seat centres relative to the table's centre, seat 1 first, in metres (rotation in degrees)."""
    width, depth = table_size(capacity, shape)
    points: list[tuple[float, float]] = []
    if shape == "rectangular":
        per_side = math.ceil(capacity / 2)
        for index in range(capacity):
            side, slot = divmod(index, per_side)
            x = -width / 2 + 0.2 + SEAT_WIDTH * (slot + 0.5)
            points.append((x, -(depth / 2 + 0.35) if side == 0 else depth / 2 + 0.35))
    else:
        radius = width / 2 + 0.35
        for index in range(capacity):
            angle = -math.pi / 2 + 2 * math.pi * index / capacity
            points.append((radius * math.cos(angle), radius * math.sin(angle)))
    if rotation:
        c, s = math.cos(math.radians(rotation)), math.sin(math.radians(rotation))
        points = [(x * c - y * s, x * s + y * c) for x, y in points]
    return [(round(x, 3), round(y, 3)) for x, y in points]


def default_shape(capacity: int) -> Shape:
    return "round" if capacity <= 12 else "rectangular"


# ------------------------------------------------------------------------------------------- the plan

@dataclass(frozen=True)
class TablePlace:
    number: int
    capacity: int
    is_vip: bool
    accessible: bool
    label: str | None
    x: float
    y: float
    shape: str
    rotation: int
    version: int | None  # None: not saved yet (placed automatically on this load)


@dataclass(frozen=True)
class RoomElement:
    id: str | None  # None: proposed by the automatic layout, not saved yet
    kind: str
    label: str
    x: float       # top-left corner
    y: float
    width: float
    height: float
    rotation: int = 0
    version: int | None = None


@dataclass(frozen=True)
class FloorPlan:
    event_id: UUID
    grid: seating.SeatingGrid
    tables: tuple[TablePlace, ...]
    elements: tuple[RoomElement, ...]
    track_mix: dict[int, tuple[str, float]] = field(default_factory=dict)  # table -> (main track, its share)

    @property
    def unplaced(self) -> list[int]:
        return [t.number for t in self.tables if t.version is None]

    @property
    def needs_layout(self) -> bool:
        return bool(self.unplaced) or any(e.id is None for e in self.elements)

    def table(self, number: int) -> TablePlace | None:
        return next((t for t in self.tables if t.number == number), None)

    @property
    def room(self) -> tuple[float, float]:
        """Width and depth of the room: everything on the plan, with a margin."""
        right = [t.x + footprint(t.capacity, t.shape)[0] / 2 for t in self.tables]
        right += [e.x + e.width for e in self.elements]
        bottom = [t.y + footprint(t.capacity, t.shape)[1] / 2 for t in self.tables]
        bottom += [e.y + e.height for e in self.elements]
        return (math.ceil(max(right, default=10.0) + 2), math.ceil(max(bottom, default=8.0) + 2))


@dataclass(frozen=True)
class AutoLayout:
    places: dict[int, tuple[float, float, str]]  # table -> (x, y, shape)
    elements: tuple[RoomElement, ...]


def auto_layout(tables: Sequence[seating.TableInfo]) -> AutoLayout:
    """A sensible first layout: the stage at the front, tables in rows before it, VIP tables in the
    front rows nearest the stage (inside a VIP zone), accessible tables in the back rows nearest the
    entrance (back-left corner), a bar on the right wall and a screen above the stage. Pure."""
    if not tables:
        stage = RoomElement(None, "stage", "Stage", 4.0, 1.0, 8.0, 3.0)
        return AutoLayout({}, (stage, RoomElement(None, "entrance", "Entrance", 0.0, 12.0, 2.0, 3.0)))
    widest = max(footprint(t.capacity, default_shape(t.capacity))[0] for t in tables)
    deepest = max(footprint(t.capacity, default_shape(t.capacity))[1] for t in tables)
    pitch_x = math.ceil((widest + AISLE) / GRID_STEP) * GRID_STEP
    pitch_y = math.ceil((deepest + AISLE) / GRID_STEP) * GRID_STEP
    columns = max(3, min(len(tables), math.ceil(math.sqrt(len(tables) * 1.6))))
    rows = math.ceil(len(tables) / columns)
    left, top = 3.0, 7.0  # room for the entrance's wall side and for the stage in front
    room_width = left + columns * pitch_x + 4.0  # the bar along the right wall
    slots = [(left + pitch_x * (c + 0.5), top + pitch_y * (r + 0.5)) for r in range(rows) for c in range(columns)]
    stage_x = room_width / 2

    def to_stage(slot: tuple[float, float]) -> tuple[float, float]:
        return (slot[1], abs(slot[0] - stage_x))

    room_depth = top + rows * pitch_y + 1.0
    entrance = RoomElement(None, "entrance", "Entrance", 0.0, snap(room_depth - 3.5), 1.0, 3.0)
    door = (entrance.x, entrance.y + entrance.height / 2)

    def to_entrance(slot: tuple[float, float]) -> float:
        return math.dist(slot, door)

    free = list(slots)
    places: dict[int, tuple[float, float, str]] = {}
    vip = [t for t in tables if t.is_vip]
    accessible = [t for t in tables if t.accessible and not t.is_vip]
    others = [t for t in tables if not t.is_vip and not t.accessible]
    for table in vip:
        slot = min(free, key=to_stage)
        free.remove(slot)
        places[table.number] = (*slot, default_shape(table.capacity))
    for table in accessible:
        slot = min(free, key=to_entrance)
        free.remove(slot)
        places[table.number] = (*slot, default_shape(table.capacity))
    free.sort(key=lambda s: (s[1], s[0]))
    for table, slot in zip(others, free, strict=False):
        places[table.number] = (*slot, default_shape(table.capacity))
    places = {n: (snap(x), snap(y), shape) for n, (x, y, shape) in places.items()}

    stage_width = min(max(8.0, columns * pitch_x * 0.4), 24.0)
    elements = [
        RoomElement(None, "stage", "Stage", snap(stage_x - stage_width / 2), 1.0, stage_width, 3.5),
        RoomElement(None, "screen", "Screen", snap(stage_x - stage_width / 4), 0.0, snap(stage_width / 2), 0.5),
        entrance,
        RoomElement(None, "bar", "Bar", snap(room_width - 2.5), snap(top + pitch_y), 2.0,
                    snap(max(4.0, min(10.0, rows * pitch_y / 3)))),
    ]
    if vip:
        xs = [places[t.number][0] for t in vip]
        ys = [places[t.number][1] for t in vip]
        elements.append(RoomElement(None, "vip_zone", "VIP zone", snap(min(xs) - pitch_x / 2),
                                    snap(min(ys) - pitch_y / 2), snap(max(xs) - min(xs) + pitch_x),
                                    snap(max(ys) - min(ys) + pitch_y)))
    return AutoLayout(places, tuple(elements))


def _below(existing: Iterable[TablePlace], missing: Sequence[seating.TableInfo]) -> dict[int, tuple[float, float, str]]:
    """Places for tables added after the room was laid out: a new row under everything placed."""
    placed = list(existing)
    bottom = max((t.y + footprint(t.capacity, t.shape)[1] / 2 for t in placed), default=6.0)
    places: dict[int, tuple[float, float, str]] = {}
    x, y = 3.0, bottom + AISLE
    row_depth = 0.0
    for table in missing:
        shape = default_shape(table.capacity)
        width, depth = footprint(table.capacity, shape)
        if x + width > max(60.0, max((t.x for t in placed), default=0.0)):
            x, y, row_depth = 3.0, y + row_depth + AISLE, 0.0
        places[table.number] = (snap(x + width / 2), snap(y + depth / 2), shape)
        x += width + AISLE
        row_depth = max(row_depth, depth)
    return places


# ------------------------------------------------------------------------------------------- loading

_PLACES = text("SELECT table_number, x, y, shape, rotation, version FROM table_layouts WHERE event_id = :event_id")
_ELEMENTS = text("SELECT id::text, kind, label, x, y, width, height, rotation, version FROM room_elements "
                 "WHERE event_id = :event_id ORDER BY kind, label, id")
# Per table, the active track most of its people follow, and their share (one grouped pass).
_TRACK_MIX = text("""
    SELECT DISTINCT ON (m.table_number) m.table_number, m.track, m.people::float / m.seated AS share
      FROM (SELECT a.table_number, t.name AS track, count(*) AS people,
                   (SELECT count(*) FROM table_assignments AS s
                     WHERE s.event_id = :event_id AND s.table_number = a.table_number) AS seated
              FROM table_assignments AS a
              JOIN participant_tracks AS pt ON pt.organization_id = a.organization_id
                                           AND pt.participant_id = a.participant_id
              JOIN tracks AS t ON t.organization_id = pt.organization_id AND t.id = pt.track_id AND t.is_active
             WHERE a.event_id = :event_id AND pt.event_id = :event_id
             GROUP BY a.table_number, t.name) AS m
     ORDER BY m.table_number, m.people DESC, m.track
""")


# The seating grid's snapshot with only what the plan draws and a save compares (participant, name,
# VIP, seat, assignment id and version): the grid's tracks, companies and e-mails are not read.
_PEOPLE = text("""
    SELECT p.id::text AS participant_id, p.full_name, p.is_vip, p.checked_in_at IS NOT NULL AS checked_in,
           a.table_number, a.seat_number, a.id::text AS assignment_id, a.version
      FROM participants AS p
      LEFT JOIN table_assignments AS a ON a.organization_id = p.organization_id AND a.participant_id = p.id
     WHERE p.event_id = :event_id
     ORDER BY p.id  -- a stable order: an unchanged event draws the same string (the browser parses it once)
""")
_TABLES = text("SELECT table_number AS number, capacity, is_vip_table AS is_vip, label, accessible "
               "FROM seating_tables WHERE event_id = :event_id ORDER BY table_number")


def _nullable_ints(values: Sequence[int | None]) -> pd.api.extensions.ExtensionArray:
    # Through a float array (None -> NaN): pandas converts that in one vectorised step, not per value.
    return pd.array(np.array(values, dtype=float), dtype="Int64")


def load_plan_grid(session: Session, event_id: UUID) -> seating.SeatingGrid:
    """A ``seating.SeatingGrid`` for the plan: the same snapshot the grid's validation and save work on
    (versions, seats as loaded, tables, placement rules), without the columns only the grid shows."""
    result = session.execute(_PEOPLE, {"event_id": event_id})
    keys, rows = list(result.keys()), result.all()
    columns = dict(zip(keys, zip(*rows, strict=True), strict=True)) if rows else {key: () for key in keys}
    frame = pd.DataFrame({
        "participant_id": pd.array(columns["participant_id"], dtype=object),
        "full_name": pd.array(columns["full_name"], dtype=object),
        "table_number": _nullable_ints(columns["table_number"]),
        "seat_number": _nullable_ints(columns["seat_number"]),
        "is_vip": pd.array(columns["is_vip"], dtype=bool),
        "checked_in": pd.array(columns["checked_in"], dtype=bool),
        "assignment_id": pd.array(columns["assignment_id"], dtype=object),
        "version": _nullable_ints(columns["version"]),
    })
    frame["base_table"] = frame["table_number"]
    frame["base_seat"] = frame["seat_number"]
    for column in ("company", "needs", "email", "assigned_by"):
        frame[column] = None
    frame["tracks"] = ""
    frame["networking_opt_in"] = False
    frame["assigned_at"] = pd.NaT
    tables = tuple(seating.TableInfo(*row) for row in session.execute(_TABLES, {"event_id": event_id}).all())
    return seating.SeatingGrid(event_id, frame[list(seating.GRID_COLUMNS)], tables,
                               seating.load_placement_rules(session, event_id))


def load_floor_plan(session: Session, event_id: UUID, *, with_track_mix: bool = False) -> FloorPlan:
    """The event as the plan shows it (a constant number of queries, whatever its size)."""
    grid = load_plan_grid(session, event_id)
    places = {r.table_number: r for r in session.execute(_PLACES, {"event_id": event_id})}
    elements = tuple(RoomElement(r.id, r.kind, r.label, r.x, r.y, r.width, r.height, r.rotation, r.version)
                     for r in session.execute(_ELEMENTS, {"event_id": event_id}))
    mix = ({r.table_number: (r.track, float(r.share)) for r in session.execute(_TRACK_MIX, {"event_id": event_id})}
           if with_track_mix else {})
    return _assemble(event_id, grid, places, elements, mix)


def _assemble(event_id: UUID, grid: seating.SeatingGrid, places: dict[int, Any], elements: tuple[RoomElement, ...],
              mix: dict[int, tuple[str, float]]) -> FloorPlan:
    missing = [t for t in grid.tables if t.number not in places]
    proposed: dict[int, tuple[float, float, str]] = {}
    if missing and not places:
        layout = auto_layout(grid.tables)
        proposed = layout.places
        if not elements:
            elements = layout.elements
    elif missing:
        stored = [TablePlace(t.number, t.capacity, t.is_vip, t.accessible, t.label, places[t.number].x,
                             places[t.number].y, places[t.number].shape, 0, 1)
                  for t in grid.tables if t.number in places]
        proposed = _below(stored, missing)
    tables = []
    for t in grid.tables:
        row = places.get(t.number)
        if row is not None:
            tables.append(TablePlace(t.number, t.capacity, t.is_vip, t.accessible, t.label, row.x, row.y, row.shape,
                                     row.rotation, row.version))
        else:
            x, y, shape = proposed[t.number]
            tables.append(TablePlace(t.number, t.capacity, t.is_vip, t.accessible, t.label, x, y, shape, 0, None))
    return FloorPlan(event_id, grid, tuple(tables), elements, mix)


# ------------------------------------------------------------------------------------ layout writes

def ensure_layout(session: Session, event_id: UUID) -> Outcome:
    """Save the automatic places of tables that have none, and the proposed room elements when the
    event has none yet. Idempotent: running it twice (or two organisers at once) places each once."""
    plan = load_floor_plan(session, event_id)
    new_places = [t for t in plan.tables if t.version is None]
    new_elements = [e for e in plan.elements if e.id is None]
    if not new_places and not new_elements:
        return Outcome(True, "The room is laid out already.")
    begin_change_set(session, "layout")
    try:
        placed = 0
        if new_places:
            placed = changed_rows(session, text("""
                INSERT INTO table_layouts (event_id, table_number, x, y, shape)
                SELECT :e, p.n, p.x, p.y, p.shape
                  FROM jsonb_to_recordset(CAST(:places AS jsonb)) AS p (n integer, x float8, y float8, shape text)
                ON CONFLICT DO NOTHING
            """), {"e": event_id, "places": json.dumps([{"n": t.number, "x": t.x, "y": t.y, "shape": t.shape}
                                                        for t in new_places])})
        if new_elements:
            # Only into an empty room: a colleague who laid it out meanwhile wins.
            session.execute(text("SELECT id FROM events WHERE id = :e FOR NO KEY UPDATE"), {"e": event_id})
            if not session.execute(text("SELECT 1 FROM room_elements WHERE event_id = :e"), {"e": event_id}).first():
                for element in new_elements:
                    _insert_element(session, event_id, element)
    except DBAPIError as error:
        return Outcome(False, refused(session, error))
    return Outcome(True, f"Placed {counted(placed, 'table')} automatically." if placed else "Room elements added.")


def _insert_element(session: Session, event_id: UUID, element: RoomElement) -> str:
    return session.execute(text(
        "INSERT INTO room_elements (event_id, kind, label, x, y, width, height, rotation) "
        "VALUES (:e, :kind, :label, :x, :y, :w, :h, :r) RETURNING id::text"),
        {"e": event_id, "kind": element.kind, "label": element.label, "x": element.x, "y": element.y,
         "w": element.width, "h": element.height, "r": element.rotation}).scalar_one()


def _number(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FloorPlanError(f"{what} must be a number.") from None
    if not math.isfinite(number):
        raise FloorPlanError(f"{what} must be a number.")
    return number


def _rotation(value: Any) -> int:
    return int(round(_number(value, "The rotation"))) % 360


def move_table(session: Session, event_id: UUID, table_number: int, x: Any, y: Any, version: int | None, *,
               rotation: Any = None, shape: str | None = None) -> Outcome:
    """Put a table at (x, y) snapped to the grid, compare-and-set on the version the organiser saw
    (``None``: the table had no saved place). A colleague's move in between is a conflict: nothing is
    written, and the message says where the table is now."""
    nx, ny = snap(_number(x, "The position")), snap(_number(y, "The position"))
    if shape is not None and shape not in ("round", "rectangular"):
        raise FloorPlanError("A table is round or rectangular.")
    turn = None if rotation is None else _rotation(rotation)
    values = {"e": event_id, "n": table_number, "x": nx, "y": ny, "shape": shape, "r": turn, "v": version}
    if version is None:
        statement = ("INSERT INTO table_layouts (event_id, table_number, x, y, shape, rotation) "
                     "SELECT t.event_id, t.table_number, :x, :y, coalesce(:shape, 'round'), coalesce(:r, 0) "
                     "  FROM seating_tables AS t WHERE t.event_id = :e AND t.table_number = :n "
                     "ON CONFLICT DO NOTHING")
    else:
        statement = ("UPDATE table_layouts SET x = :x, y = :y, shape = coalesce(:shape, shape), "
                     "       rotation = coalesce(:r, rotation) "
                     " WHERE event_id = :e AND table_number = :n AND version = :v")
    return _compare_and_set(session, statement, values, lambda: f"Table {table_number} moved.",
                            lambda: _table_conflict(session, event_id, table_number, version, "moved"))


def _compare_and_set(session: Session, statement: str, values: dict[str, Any], saved: Callable[[], str],
                     conflict: Callable[[], Outcome]) -> Outcome:
    """One layout write as its own change set in the layout history. ``statement`` writes one row only
    where it still has the version the organiser saw: one row written is ``saved()`` (the caller's words),
    none is ``conflict()`` (the caller says what changed meanwhile), a database refusal is explained."""
    begin_change_set(session, "layout")
    try:
        written = changed_rows(session, text(statement), values)
    except DBAPIError as error:
        return Outcome(False, refused(session, error))
    return Outcome(True, saved()) if written == 1 else conflict()


def _table_conflict(session: Session, event_id: UUID, table_number: int, version: int | None, done: str
                    ) -> Outcome:
    """Why a compare-and-set on a table's place wrote nothing: gone, view-only, or a colleague's change."""
    session.rollback()
    exists = session.execute(text("SELECT 1 FROM seating_tables WHERE event_id = :e AND table_number = :n"),
                             {"e": event_id, "n": table_number}).first()
    if exists is None:
        return Outcome(False, f"Nothing was saved: table {table_number} no longer exists in this event.",
                            conflict=True)
    now = session.execute(text("SELECT x, y, version FROM table_layouts WHERE event_id = :e AND table_number = :n"),
                          {"e": event_id, "n": table_number}).first()
    if now is not None and now.version == version:
        return Outcome(False, view_only("saved"))
    where = "" if now is None else f" (it is now at {now.x:g} m, {now.y:g} m)"
    again = "drag it again" if done == "moved" else "turn it again"
    return Outcome(False, f"Nothing was saved: a colleague moved table {table_number} meanwhile{where}. "
                               f"The plan now shows their move; {again} if yours should win.", conflict=True)


ROTATION_STEP = 15  # degrees per press of a turn button or the R key


def turn_table(session: Session, event_id: UUID, table_number: int, rotation: Any, version: int | None
               ) -> Outcome:
    """Turn a table to ``rotation`` degrees (clockwise, 0-359) where it stands; compare-and-set on the
    version the organiser saw, recorded in the layout history like a move."""
    turn = _rotation(rotation)
    if version is None:
        return Outcome(False, f"Nothing was saved: table {table_number} has no place on the plan yet. "
                                   "Reload the plan and turn it again.", conflict=True)
    return _compare_and_set(
        session, "UPDATE table_layouts SET rotation = :r WHERE event_id = :e AND table_number = :n AND version = :v",
        {"e": event_id, "n": table_number, "r": turn, "v": version},
        lambda: f"Table {table_number} turned to {turn}°.",
        lambda: _table_conflict(session, event_id, table_number, version, "turned"))


def turn_element(session: Session, event_id: UUID, element_id: str, rotation: Any, version: int) -> Outcome:
    """Turn a room element about its centre to ``rotation`` degrees; compare-and-set like a move."""
    turn = _rotation(rotation)
    element = _element_id(element_id)
    return _compare_and_set(
        session, "UPDATE room_elements SET rotation = :r WHERE event_id = :e AND id = :id AND version = :v",
        {"e": event_id, "id": element, "r": turn, "v": version},
        lambda: f"“{_element_label(session, event_id, element)}” turned to {turn}°.",
        lambda: _element_conflict(session, event_id, element, version))


def _element_label(session: Session, event_id: UUID, element: str) -> str:
    return session.execute(text("SELECT label FROM room_elements WHERE event_id = :e AND id = :id"),
                           {"e": event_id, "id": element}).scalar_one()


def _element_id(element_id: Any) -> str:
    try:
        return str(UUID(str(element_id)))
    except ValueError:
        raise FloorPlanError("This room element does not exist.") from None


def move_element(session: Session, event_id: UUID, element_id: str, x: Any, y: Any, version: int, *,
                 width: Any = None, height: Any = None, rotation: Any = None, label: str | None = None
                 ) -> Outcome:
    """Move (and optionally resize, turn or rename) a room element; compare-and-set like a table."""
    nx, ny = snap(_number(x, "The position")), snap(_number(y, "The position"))
    size = {name: _extent(value, name) for name, value in (("width", width), ("height", height)) if value is not None}
    if label is not None:
        label = _label(label)
    element = _element_id(element_id)
    return _compare_and_set(
        session,
        "UPDATE room_elements SET x = :x, y = :y, width = coalesce(:w, width), height = coalesce(:h, height), "
        "       rotation = coalesce(:r, rotation), label = coalesce(:label, label) "
        " WHERE event_id = :e AND id = :id AND version = :v",
        {"e": event_id, "id": element, "x": nx, "y": ny, "w": size.get("width"), "h": size.get("height"),
         "r": None if rotation is None else _rotation(rotation), "label": label, "v": version},
        lambda: "Moved.", lambda: _element_conflict(session, event_id, element, version))


def _extent(value: Any, name: str) -> float:
    """A width or depth in metres, on the grid, within what a room element may measure."""
    number = snap(_number(value, f"The {name}"))
    if not 0 < number <= 500:
        raise FloorPlanError(f"The {name} must be between {GRID_STEP:g} and 500 metres.")
    return number


def change_element(session: Session, event_id: UUID, element_id: str, version: int, *, label: Any = None,
                   width: Any = None, height: Any = None) -> Outcome:
    """Rename and / or resize a room element where it stands (its top-left corner stays); compare-and-set
    like a move, recorded in the layout history. Nothing given, or an invalid value: nothing is written."""
    new_label = None if label is None else _label(label)
    size = {name: _extent(value, name) for name, value in (("width", width), ("height", height)) if value is not None}
    if new_label is None and not size:
        raise FloorPlanError("Give the room element a new label or size.")
    element = _element_id(element_id)
    old = session.execute(text("SELECT label, width, height FROM room_elements WHERE event_id = :e AND id = :id"),
                          {"e": event_id, "id": element}).first()

    def saved() -> str:
        if old is None:
            return "Saved."
        done = []
        if new_label is not None and new_label != old.label:
            done.append(f"renamed to “{new_label}”")
        w, h = size.get("width", old.width), size.get("height", old.height)
        if (w, h) != (old.width, old.height):
            done.append(f"resized to {w:g} × {h:g} m")
        return f"“{old.label}” {' and '.join(done) or 'unchanged'}."

    return _compare_and_set(
        session,
        "UPDATE room_elements SET label = coalesce(:label, label), width = coalesce(:w, width), "
        "       height = coalesce(:h, height) WHERE event_id = :e AND id = :id AND version = :v",
        {"e": event_id, "id": element, "label": new_label, "w": size.get("width"), "h": size.get("height"),
         "v": version},
        saved, lambda: _element_conflict(session, event_id, element, version))


def _element_conflict(session: Session, event_id: UUID, element: str, version: int) -> Outcome:
    session.rollback()
    now = session.execute(text("SELECT label, version FROM room_elements WHERE event_id = :e AND id = :id"),
                          {"e": event_id, "id": element}).first()
    if now is None:
        return Outcome(False, "Nothing was saved: a colleague removed this room element meanwhile.", conflict=True)
    if now.version == version:
        return Outcome(False, view_only("saved"))
    return Outcome(False, f"Nothing was saved: a colleague changed “{now.label}” meanwhile. The plan now "
                               "shows their change; move or turn it again if yours should win.", conflict=True)


def _label(label: str) -> str:
    cleaned = " ".join(str(label).split())
    if not cleaned:
        raise FloorPlanError("Give the room element a label, e.g. “Main stage”.")
    if len(cleaned) > 100:
        raise FloorPlanError("A label has at most 100 characters.")
    return cleaned


def add_element(session: Session, event_id: UUID, kind: str, label: str | None = None, *, x: Any = 1.0,
                y: Any = 1.0, width: Any = 4.0, height: Any = 2.0) -> str:
    """Add a stage, entrance, bar, screen or VIP zone; returns its id."""
    if kind not in ELEMENT_KINDS:
        raise FloorPlanError("A room element is a stage, an entrance, a bar, a screen or a VIP zone.")
    element = RoomElement(None, kind, _label(label or ELEMENT_KINDS[kind]), snap(_number(x, "The position")),
                          snap(_number(y, "The position")), max(GRID_STEP, snap(_number(width, "The width"))),
                          max(GRID_STEP, snap(_number(height, "The height"))))
    begin_change_set(session, "layout")
    try:
        return _insert_element(session, event_id, element)
    except DBAPIError as error:
        if sqlstate(error) == INSUFFICIENT_PRIVILEGE:
            raise ViewOnly(view_only("added")) from None
        raise


def remove_element(session: Session, event_id: UUID, element_id: str) -> Outcome:
    begin_change_set(session, "layout")
    deleted = changed_rows(session, text("DELETE FROM room_elements WHERE event_id = :e AND id = CAST(:id AS uuid)"),
                              {"e": event_id, "id": str(element_id)})
    if deleted == 1:
        return Outcome(True, "Removed.")
    exists = session.execute(text("SELECT 1 FROM room_elements WHERE event_id = :e AND id = CAST(:id AS uuid)"),
                             {"e": event_id, "id": str(element_id)}).first()
    return Outcome(False, view_only("saved") if exists
                        else "This room element was removed already.")


def copy_layout(session: Session, source_event_id: UUID, new_event_id: UUID) -> int:
    """Give ``new_event_id`` the room of ``source_event_id``: the place of every table number both events
    have, and the room elements. Used when an event is duplicated; returns the places copied. Tables
    the new event already placed keep their place."""
    begin_change_set(session, "layout")
    copied = changed_rows(session, text("""
        INSERT INTO table_layouts (organization_id, event_id, table_number, x, y, shape, rotation)
        SELECT n.organization_id, n.event_id, n.table_number, s.x, s.y, s.shape, s.rotation
          FROM table_layouts AS s
          JOIN seating_tables AS n ON n.event_id = :new AND n.table_number = s.table_number
         WHERE s.event_id = :source
        ON CONFLICT DO NOTHING
    """), {"source": source_event_id, "new": new_event_id})
    session.execute(text("""
        INSERT INTO room_elements (organization_id, event_id, kind, label, x, y, width, height, rotation)
        SELECT e.organization_id, e.id, s.kind, s.label, s.x, s.y, s.width, s.height, s.rotation
          FROM room_elements AS s CROSS JOIN events AS e
         WHERE s.event_id = :source AND e.id = :new
           AND NOT EXISTS (SELECT FROM room_elements AS r WHERE r.event_id = :new)
    """), {"source": source_event_id, "new": new_event_id})
    return copied


# ------------------------------------------------------------------------------------------ undo

@dataclass(frozen=True)
class LayoutChange:
    """One of the organiser's own layout changes that can be undone (a change set of ``layout_history``)."""
    change_set_id: str
    what: str           # in words: "Table 30 moved", "“Main stage” turned", "3 tables moved"
    minutes_ago: int


# The signed-in organiser's layout change sets in this event, newest first: neither an undo nor undone
# already, nor a placement of tables (automatic or copied: undoing it would only place them again).
_UNDOABLE = text("""
    SELECT h.change_set_id::text AS change_set_id, max(h.changed_at) AS changed_at,
           floor(extract(epoch FROM now() - max(h.changed_at)) / 60)::int AS minutes_ago
      FROM layout_history AS h
     WHERE h.event_id = :e AND h.organiser_id = eventflow.current_organiser_id()
       AND h.change_kind = 'layout' AND h.undoes_change_set IS NULL
       AND NOT EXISTS (SELECT FROM layout_history AS u
                        WHERE u.organization_id = h.organization_id AND u.undoes_change_set = h.change_set_id)
     GROUP BY h.change_set_id
    HAVING NOT bool_or(h.operation = 'insert' AND h.subject = 'table')
     ORDER BY max(h.id) DESC
     LIMIT :n
""")
_CHANGE_SET = text("""
    SELECT h.id, h.subject, h.table_number, h.element_id::text AS element_id, h.operation, h.old_state, h.new_state,
           h.organiser_id = eventflow.current_organiser_id() AS mine, h.change_kind
      FROM layout_history AS h
     WHERE h.event_id = :e AND h.change_set_id = CAST(:c AS uuid)
     ORDER BY h.id
""")
_TABLE_GEOMETRY = ("x", "y", "shape", "rotation")
_ELEMENT_GEOMETRY = ("kind", "label", "x", "y", "width", "height", "rotation")


def _describe(rows: Sequence[Any], labels: dict[str, str]) -> str:
    """A change set in the organiser's words."""
    def verb(row: Any) -> str:
        if row.operation == "insert":
            return "added" if row.subject == "element" else "placed"
        if row.operation == "delete":
            return "removed"
        old, new = row.old_state or {}, row.new_state or {}
        moved = any(old.get(k) != new.get(k) for k in ("x", "y"))
        turned = old.get("rotation") != new.get("rotation")
        resized = any(old.get(k) != new.get(k) for k in ("width", "height", "label", "shape"))
        words = [w for w, done in (("moved", moved), ("turned", turned), ("changed", resized)) if done]
        return " and ".join(words[:2]) or "changed"

    if len(rows) == 1:
        row = rows[0]
        if row.subject == "table":
            return f"Table {row.table_number} {verb(row)}"
        state = row.new_state or row.old_state or {}
        return f"“{labels.get(row.element_id) or state.get('label', 'Room element')}” {verb(row)}"
    verbs = {verb(r) for r in rows}
    tables = sum(1 for r in rows if r.subject == "table")
    elements = len(rows) - tables
    things = " and ".join(p for p in (f"{tables} table{'s' * (tables != 1)}" if tables else "",
                                       f"{elements} room element{'s' * (elements != 1)}" if elements else "") if p)
    return f"{things} {verbs.pop() if len(verbs) == 1 else 'changed'}"


def _labels(session: Session, event_id: UUID) -> dict[str, str]:
    return {r.id: r.label for r in session.execute(
        text("SELECT id::text AS id, label FROM room_elements WHERE event_id = :e"), {"e": event_id})}


def _items(rows: Sequence[Any]) -> dict[tuple[str, Any], list[Any]]:
    """A change set's rows by what they changed: a table (by number) or a room element (by id)."""
    items: dict[tuple[str, Any], list[Any]] = {}
    for row in rows:
        items.setdefault((row.subject, row.table_number if row.subject == "table" else row.element_id), []).append(row)
    return items


def _current(session: Session, event_id: UUID, subject: str, key: Any, *, lock: bool) -> Any:
    lock_clause = " FOR UPDATE" if lock else ""
    if subject == "table":
        return session.execute(text("SELECT x, y, shape, rotation FROM table_layouts "  # noqa: S608 (fixed text)
                                    "WHERE event_id = :e AND table_number = :n" + lock_clause),
                               {"e": event_id, "n": key}).first()
    return session.execute(text("SELECT kind, label, x, y, width, height, rotation FROM room_elements "  # noqa: S608
                                "WHERE event_id = :e AND id = CAST(:id AS uuid)" + lock_clause),
                           {"e": event_id, "id": key}).first()


def _name(subject: str, key: Any, history: Sequence[Any], labels: dict[str, str]) -> str:
    if subject == "table":
        return f"table {key}"
    state = history[-1].new_state or history[0].old_state or {}
    return f"“{labels.get(key) or state.get('label', 'room element')}”"


def _blocker(session: Session, event_id: UUID, rows: Sequence[Any], labels: dict[str, str], *, lock: bool
             ) -> str | None:
    """Why the change in ``rows`` cannot be undone now (something it changed was changed since), or None."""
    for (subject, key), history in _items(rows).items():
        current = _current(session, event_id, subject, key, lock=lock)
        if _same(history[-1].new_state, current, _TABLE_GEOMETRY if subject == "table" else _ELEMENT_GEOMETRY):
            continue
        if lock and current is None and _current(session, event_id, subject, key, lock=False) is not None:
            # FOR UPDATE sees only rows the organiser may change: there, but not locked, means they may
            # have lost the right to change this event (a role changed since), not that a colleague removed it.
            return view_only("saved")
        return _changed_since(session, event_id, history[-1].id, subject, key, _name(subject, key, history, labels))
    return None


@dataclass(frozen=True)
class UndoOffer:
    change: LayoutChange | None   # the latest of one's own changes that can be undone now
    note: str | None = None       # why a later one of one's own changes cannot be undone any more


_CHANGE_SETS = text("""
    SELECT h.change_set_id::text AS change_set_id, h.id, h.subject, h.table_number, h.element_id::text AS element_id,
           h.operation, h.old_state, h.new_state
      FROM layout_history AS h
     WHERE h.event_id = :e AND h.change_set_id = ANY (CAST(:sets AS uuid[]))
     ORDER BY h.id
""")
# The latest history row of each table and element named: its new state is the item's state now (the
# history records every change), and it says who changed it last.
_LATEST = text("""
    SELECT DISTINCT ON (h.subject, h.table_number, h.element_id)
           h.subject, h.table_number, h.element_id::text AS element_id, h.id, h.operation, h.new_state,
           coalesce(o.display_name, o.email, 'someone no longer in this organisation') AS who,
           h.organiser_id = eventflow.current_organiser_id() AS mine
      FROM layout_history AS h LEFT JOIN organisers AS o ON o.id = h.organiser_id
     WHERE h.event_id = :e
       AND ((h.subject = 'table' AND h.table_number = ANY (CAST(:tables AS integer[])))
         OR (h.subject = 'element' AND h.element_id = ANY (CAST(:elements AS uuid[]))))
     ORDER BY h.subject, h.table_number, h.element_id, h.id DESC
""")


def undo_offer(session: Session, event_id: UUID, *, look_back: int = 10) -> UndoOffer:
    """What "Undo" offers the signed-in organiser: their latest layout change in this event that is not
    undone yet and whose tables and elements are still as they left them. A later change of theirs that
    a colleague changed over since is skipped, and the note says so (and who). Four queries, however
    many changes are looked at (it runs on every page run)."""
    labels = _labels(session, event_id)
    found = session.execute(_UNDOABLE, {"e": event_id, "n": look_back}).all()
    rows_of: dict[str, list[Any]] = {}
    for row in session.execute(_CHANGE_SETS, {"e": event_id, "sets": [f.change_set_id for f in found]}):
        rows_of.setdefault(row.change_set_id, []).append(row)
    every = [row for rows in rows_of.values() for row in rows]
    latest = {(r.subject, r.table_number if r.subject == "table" else r.element_id): r
              for r in session.execute(_LATEST, {
                  "e": event_id, "tables": sorted({r.table_number for r in every if r.subject == "table"}),
                  "elements": sorted({r.element_id for r in every if r.subject == "element"})})}
    note = None
    for candidate in found:
        rows = rows_of.get(candidate.change_set_id, [])
        what = _describe(rows, labels)
        blocked = None
        for (subject, key), history in _items(rows).items():
            last = latest.get((subject, key))
            now = None if last is None or last.operation == "delete" else last.new_state
            keys = _TABLE_GEOMETRY if subject == "table" else _ELEMENT_GEOMETRY
            if not _same_state(history[-1].new_state, now, keys):
                who = "you changed it again" if last is not None and last.mine else \
                    f"{last.who if last is not None else 'someone'} changed it"
                blocked = f"{_name(subject, key, history, labels)} was changed after this change ({who})."
                break
        if blocked is None:
            return UndoOffer(LayoutChange(candidate.change_set_id, what, max(0, int(candidate.minutes_ago))), note)
        if note is None:
            note = f"“{what}” can no longer be undone: {blocked}"
    return UndoOffer(None, note)


def _same_state(then: dict[str, Any] | None, now: dict[str, Any] | None, keys: Sequence[str]) -> bool:
    if then is None or now is None:
        return then is None and now is None
    return _same(then, SimpleNamespace(**{k: now.get(k) for k in keys}), keys)


def last_layout_change(session: Session, event_id: UUID) -> LayoutChange | None:
    """The change :func:`undo_offer` offers (None: nothing to undo)."""
    return undo_offer(session, event_id).change


def _same(state: dict[str, Any] | None, row: Any, keys: Sequence[str]) -> bool:
    if state is None or row is None:
        return state is None and row is None
    for key in keys:
        now, then = getattr(row, key), state.get(key)
        if isinstance(now, float) or isinstance(then, float):
            if then is None or now is None or not math.isclose(float(now), float(then), abs_tol=1e-9):
                return False
        elif now != then:
            return False
    return True


# How an undo puts a table's place or a room element back: (remove, add back, reset) with the state
# before the change as parameters (:key is the table number or the element id).
_RESTORE = {
    "table": (
        text("DELETE FROM table_layouts WHERE event_id = :e AND table_number = :key"),
        text("INSERT INTO table_layouts (event_id, table_number, x, y, shape, rotation) "
             "VALUES (:e, :key, :x, :y, :shape, :rotation)"),
        text("UPDATE table_layouts SET x = :x, y = :y, shape = :shape, rotation = :rotation "
             " WHERE event_id = :e AND table_number = :key"),
    ),
    "element": (
        text("DELETE FROM room_elements WHERE event_id = :e AND id = CAST(:key AS uuid)"),
        text("INSERT INTO room_elements (id, event_id, kind, label, x, y, width, height, rotation) "
             "VALUES (CAST(:key AS uuid), :e, :kind, :label, :x, :y, :width, :height, :rotation)"),
        text("UPDATE room_elements SET label = :label, x = :x, y = :y, width = :width, height = :height, "
             "       rotation = :rotation WHERE event_id = :e AND id = CAST(:key AS uuid)"),
    ),
}


def undo_layout_change(session: Session, event_id: UUID, change_set_id: str) -> Outcome:
    """Put back what one of the organiser's own layout changes changed (moves, turns, resizes, an element
    added or removed), as one new change set of kind ``undo``. Refused, writing nothing, when a colleague
    (or a later change) changed any of the same tables or elements since: the message says who and what."""
    try:
        change_set = str(UUID(str(change_set_id)))
    except ValueError:
        raise FloorPlanError("There is no such change to undo.") from None
    rows = session.execute(_CHANGE_SET, {"e": event_id, "c": change_set}).all()
    if not rows:
        return Outcome(False, "There is no such change to undo.")
    if not all(r.mine for r in rows):
        return Outcome(False, "Only the organiser who made a change can undo it here.")
    if any(r.change_kind != "layout" for r in rows):
        return Outcome(False, "This change is not a layout change and cannot be undone here.")
    if session.execute(text("SELECT 1 FROM layout_history WHERE event_id = :e AND undoes_change_set = CAST(:c AS uuid) "
                            "LIMIT 1"), {"e": event_id, "c": change_set}).first():
        return Outcome(False, "That change was undone already.")
    labels = _labels(session, event_id)
    what = _describe(rows, labels)
    blocked = _blocker(session, event_id, rows, labels, lock=True)  # locks what it will write
    if blocked is not None:
        session.rollback()
        return Outcome(False, blocked, conflict=blocked != view_only("saved"))
    begin_change_set(session, "undo")
    session.execute(text("SELECT set_config('eventflow.undoes_change_set', :c, true)"), {"c": change_set})
    try:
        for (subject, key), history in _items(rows).items():
            before = history[0].old_state
            present = _current(session, event_id, subject, key, lock=False) is not None
            remove, put_back, reset = _RESTORE[subject]
            geometry = _TABLE_GEOMETRY if subject == "table" else _ELEMENT_GEOMETRY
            values = {"e": event_id, "key": key, **{k: (before or {}).get(k) for k in geometry}}
            # Gone before the change: remove it again; removed since: add it back as it was; else reset it.
            session.execute(remove if before is None else reset if present else put_back, values)
    except DBAPIError as error:
        return Outcome(False, refused(session, error))
    return Outcome(True, f"Undone: {what[0].lower() + what[1:] if what.startswith('Table') else what}.")


def _changed_since(session: Session, event_id: UUID, after_id: int, subject: str, key: Any, name: str) -> str:
    """Why an undo is refused: ``name`` changed after the change being undone, and by whom."""
    later = session.execute(text("""
        SELECT coalesce(o.display_name, o.email, 'someone no longer in this organisation') AS who,
               h.organiser_id = eventflow.current_organiser_id() AS mine
          FROM layout_history AS h LEFT JOIN organisers AS o ON o.id = h.organiser_id
         WHERE h.event_id = :e AND h.id > :after AND h.subject = :subject
           AND (h.table_number = :n OR h.element_id = CAST(:el AS uuid))
         ORDER BY h.id DESC LIMIT 1
    """), {"e": event_id, "after": after_id, "subject": subject, "n": key if subject == "table" else None,
           "el": key if subject == "element" else None}).first()
    if later is None:
        return f"Not undone: {name} has changed since. Nothing was changed."
    who = "you changed it again" if later.mine else f"{later.who} changed it"
    return (f"Not undone: {name} was changed after this change ({who}). Nothing was changed; "
            "move it back by hand if you still want to.")


# ------------------------------------------------------------------------------- people on the plan

@dataclass(frozen=True)
class PersonResult(Outcome):
    swap_with: tuple[tuple[str, str], ...] = ()  # a full table: (id, name) of whom one could swap with
    target_table: int | None = None


def _row(grid: seating.SeatingGrid, participant_id: str) -> Any:
    rows = grid.frame.index[grid.frame["participant_id"] == str(participant_id)]
    if len(rows) == 0:
        raise FloorPlanError("This person is no longer in the event: reload the plan.")
    return grid.frame.loc[rows[0]]


def _seat_of(row: Any) -> seating.Seat:
    table, seat = row["base_table"], row["base_seat"]
    return (None if pd.isna(table) else int(table), None if pd.isna(seat) else int(seat))


def _change(row: Any, new: seating.Seat) -> seating.SeatChange:
    return seating.SeatChange(
        participant_id=str(row["participant_id"]), full_name=str(row["full_name"]),
        assignment_id=None if pd.isna(row["assignment_id"]) else str(row["assignment_id"]),
        version=None if pd.isna(row["version"]) else int(row["version"]), old=_seat_of(row), new=new)


def _people_at(grid: seating.SeatingGrid, table: int) -> pd.DataFrame:
    frame = grid.frame
    return frame[frame["base_table"].eq(table).fillna(False).astype(bool)]


def _save(session: Session, grid: seating.SeatingGrid, changes: list[seating.SeatChange], done: str) -> PersonResult:
    """The grid's own path: validate, then compare-and-set save as a manager."""
    result = seating.save_changes(session, grid.event_id, seating.ChangeSet(tuple(changes)), grid,
                                  assigned_by="manager")
    if result.ok:
        return PersonResult(True, done)
    if result.conflicts:
        names = ", ".join(sorted(c.full_name for c in result.conflicts))
        return PersonResult(False, f"Nothing was saved: a colleague changed the seat of {names} meanwhile. "
                                   "The plan now shows the latest seating.", conflict=True)
    if not result.problems:
        return PersonResult(False, result.message, conflict="Reload" in result.message)
    reasons = "; ".join(message for messages in result.problems.values() for message in messages)
    return PersonResult(False, f"Not moved: {reasons}.")


def move_person(session: Session, grid: seating.SeatingGrid, participant_id: str, table_number: int,
                seat_number: int | None = None) -> PersonResult:
    """Seat someone at a table (on ``seat_number``, or the table's first free seat). A drop on a full
    table or on a taken seat writes nothing and offers a swap instead."""
    row = _row(grid, participant_id)
    table = grid.table(int(table_number))
    if table is None:
        return PersonResult(False, f"Not moved: table {table_number} does not exist in this event.")
    old = _seat_of(row)
    here = _people_at(grid, table.number)
    if seat_number is not None:
        holder = here[here["base_seat"].eq(int(seat_number)).fillna(False).astype(bool)]
        if len(holder) and str(holder.iloc[0]["participant_id"]) != str(participant_id):
            other = holder.iloc[0]
            return PersonResult(False, f"Seat {seat_number} at table {table.number} is taken by "
                                       f"{other['full_name']}: swap them?",
                                swap_with=((str(other["participant_id"]), str(other["full_name"])),),
                                target_table=table.number)
    if old[0] == table.number and seat_number is None:
        return PersonResult(True, f"{row['full_name']} already sits at table {table.number}.")
    if old[0] != table.number and len(here) >= table.capacity:
        return PersonResult(False, f"Table {table.number} is full ({table.capacity} seats): swap with someone "
                                   "sitting there?",
                            swap_with=tuple((str(p), str(n)) for p, n in zip(here["participant_id"],
                                                                             here["full_name"], strict=True)),
                            target_table=table.number)
    if seat_number is None:
        taken = {int(s) for s in here["base_seat"].dropna()}
        seat_number = next((s for s in range(1, table.capacity + 1) if s not in taken), None)
    new = (table.number, None if seat_number is None else int(seat_number))
    where = seat_text(*new)
    return _save(session, grid, [_change(row, new)], f"{row['full_name']} now sits at {where}.")


def swap_people(session: Session, grid: seating.SeatingGrid, first_id: str, second_id: str) -> PersonResult:
    """Exchange two people's seats (either may be unseated: then the other leaves the table)."""
    first, second = _row(grid, first_id), _row(grid, second_id)
    if str(first["participant_id"]) == str(second["participant_id"]):
        return PersonResult(False, "Pick two different people to swap.")
    a, b = _seat_of(first), _seat_of(second)
    if a == b:
        return PersonResult(True, "Nothing to swap: they sit in the same place.")
    return _save(session, grid, [_change(first, b), _change(second, a)],
                 f"Swapped {first['full_name']} and {second['full_name']}.")


def unseat_person(session: Session, grid: seating.SeatingGrid, participant_id: str) -> PersonResult:
    row = _row(grid, participant_id)
    if _seat_of(row)[0] is None:
        return PersonResult(True, f"{row['full_name']} has no seat.")
    return _save(session, grid, [_change(row, (None, None))], f"{row['full_name']} is no longer seated.")


# --------------------------------------------------------------------------------------- walk-ins

def walk_in_suggestions(session: Session, event_id: UUID, participant_id: str, top: int = 3
                        ) -> list[autoseat.WalkInSuggestion]:
    """The suggestion engine's best tables for someone without a seat (reasons for the hover)."""
    return autoseat.walk_in_suggestions(session, event_id, participant_id, top=top)


def accept_walk_in(session: Session, event_id: UUID, participant_id: str, table_number: int
                   ) -> autoseat.ApplyResult:
    return autoseat.accept_walk_in(session, event_id, participant_id, int(table_number))


# ------------------------------------------------------------------------------------------ finding

@dataclass(frozen=True)
class Found:
    participant_id: str
    name: str
    table_number: int | None
    seat_number: int | None
    table_label: str | None

    @property
    def where(self) -> str:
        if self.table_number is None:
            return f"{self.name} has no seat yet."
        label = f" ({self.table_label})" if self.table_label else ""
        return f"{self.name}: {seat_text(self.table_number, self.seat_number)}{label}"


def find_people(grid: seating.SeatingGrid, query: str, limit: int = 10) -> list[Found]:
    """People whose name contains every word of ``query``, accents and case ignored; best first
    (names starting with the query, then by name)."""
    words = fold(query).split()
    if not words:
        return []
    names = grid.frame["full_name"].fillna("").map(fold)
    keep = pd.Series(True, index=grid.frame.index)
    for word in words:
        keep &= names.str.contains(word, regex=False)
    hits = grid.frame[keep.astype(bool)]
    starts = names[keep.astype(bool)].str.startswith(words[0])
    hits = hits.assign(_starts=~starts).sort_values(["_starts", "full_name"], kind="stable").head(limit)
    labels = {t.number: t.label for t in grid.tables}
    return [Found(str(r.participant_id), str(r.full_name), None if pd.isna(r.base_table) else int(r.base_table),
                  None if pd.isna(r.base_seat) else int(r.base_seat),
                  None if pd.isna(r.base_table) else labels.get(int(r.base_table)))
            for r in hits.itertuples(index=False)]


# ---------------------------------------------------------------------------------- browser payload

@dataclass(frozen=True)
class DrawnPlan:
    """A plan with its drawing already serialised (:func:`plan_drawing`), so a page run that shows an
    unchanged plan again (a rerun, another organiser of the event within the read cache's lifetime)
    sends the same string instead of building and encoding 20,000 people again."""
    plan: FloorPlan
    drawing: str
    key: str  # changes whenever ``drawing`` does: the browser parses a drawing once per key


def draw(plan: FloorPlan) -> DrawnPlan:
    drawing = plan_drawing(plan)
    return DrawnPlan(plan, drawing, hashlib.blake2b(drawing.encode(), digest_size=8).hexdigest())


# The plan is shared by the event's change marker (migration 025; 032 adds table places and room
# elements to what moves it): the database replaces it on every write to anything the plan is drawn
# from. Read through the organiser's own session, under row-level security: an event they may not
# see has no marker row, and their role is part of the key, so a plan is shared only among members
# of the event's organisation who read the same rows.
_STAMP = text("""
    SELECT c.organization_id, c.marker,
           (SELECT m.role FROM memberships AS m
             WHERE m.organization_id = c.organization_id AND m.organiser_id = eventflow.current_organiser_id()) AS role
      FROM event_change_counters AS c WHERE c.event_id = :event_id
""")
SHARED_PLANS = 8  # events whose drawn plan is kept for every organiser (about 5 MB each at 20,000 people)
# One entry per (database, organisation, event, role), the newest marker only (shared_cache.SharedCache).
_shared = shared_cache.SharedCache(max_entries=SHARED_PLANS)


def plan_stamp(session: Session, event_id: UUID) -> tuple[Any, ...] | None:
    """The key the event's plan is shared under, as this organiser reads it: (database,
    organisation, event, role, marker); None when they may not see the event."""
    row = session.execute(_STAMP, {"event_id": event_id}).first()
    if row is None or row.role is None:
        return None
    bind = session.get_bind()
    database = (bind if isinstance(bind, Engine) else bind.engine).url.render_as_string(hide_password=True)
    return (database, row.organization_id, str(event_id), row.role, row.marker)


def load_drawn_plan(session: Session, event_id: UUID, *, with_track_mix: bool = False) -> DrawnPlan:
    """:func:`load_floor_plan` with its drawing, shared by every organiser and session that opens the
    same, unchanged event: a second organiser, a new browser tab or a return to the page costs one
    marker read (:func:`plan_stamp`) instead of reading and drawing 20,000 people again; any write to
    the event moves the marker, so what is shown is never older than this read. The plan is loaded
    in the same transaction, after the marker was read."""
    stamp = None if with_track_mix else plan_stamp(session, event_id)
    if stamp is None:
        return draw(load_floor_plan(session, event_id, with_track_mix=with_track_mix))
    drawn = _shared.get_or_load(stamp[:-1], stamp[-1],
                                functools.partial(_draw_loaded, session, event_id))
    return _own_copy(drawn)


def _draw_loaded(session: Session, event_id: UUID) -> DrawnPlan:
    return draw(load_floor_plan(session, event_id))


def _own_copy(drawn: DrawnPlan) -> DrawnPlan:
    # The frame is the one mutable part: each caller gets its own, the shared one is never handed out.
    plan = drawn.plan
    grid = seating.SeatingGrid(plan.event_id, plan.grid.frame.copy(), plan.grid.tables, plan.grid.rules)
    own = FloorPlan(plan.event_id, grid, plan.tables, plan.elements, plan.track_mix)
    return DrawnPlan(own, drawn.drawing, drawn.key)


def forget_shared_plans() -> None:
    """Drop every shared plan (benchmarks measuring a first view; tests)."""
    _shared.clear()


def plan_drawing(plan: FloorPlan) -> str:
    """What every viewer of this plan sees, as compact JSON: columnar lists (one entry per table, one per
    person), so the size grows linearly with the event and carries no key names per row. People are
    known to the browser by their position in these lists only (no ids: half the bytes); intents name
    them by position and :func:`participant_at` maps that back on the plan that was drawn. Text
    (names, labels) is data, drawn by the component with ``textContent`` only."""
    frame = plan.grid.frame
    tracks = sorted({track for track, _ in plan.track_mix.values()})
    track_index = {name: index for index, name in enumerate(tracks)}
    tables = plan.tables
    sizes = [table_size(t.capacity, t.shape) for t in tables]
    seated = frame["base_table"].dropna().astype(int).value_counts().to_dict()
    room_width, room_depth = plan.room
    flags = frame["is_vip"].to_numpy(dtype=int) + 4 * frame["checked_in"].to_numpy(dtype=int)
    if plan.grid.rules.needs_accessible:
        flags = flags + 2 * frame["participant_id"].isin(plan.grid.rules.needs_accessible).to_numpy(dtype=int)
    drawing = {
        "room": [room_width, room_depth], "step": GRID_STEP, "tracks": tracks,
        "t": {
            "n": [t.number for t in tables], "x": [t.x for t in tables], "y": [t.y for t in tables],
            "w": [s[0] for s in sizes], "h": [s[1] for s in sizes],
            "round": [1 if t.shape == "round" else 0 for t in tables], "rot": [t.rotation for t in tables],
            "cap": [t.capacity for t in tables], "seated": [int(seated.get(t.number, 0)) for t in tables],
            "f": [int(t.is_vip) + 2 * int(t.accessible) for t in tables],
            "label": [t.label or "" for t in tables], "ver": [t.version for t in tables],
            "mix": [track_index.get(plan.track_mix.get(t.number, ("", 0.0))[0], -1) for t in tables],
        },
        "p": {"name": frame["full_name"].astype(str).tolist(),
              "t": frame["base_table"].fillna(0).astype(int).tolist(),
              "s": frame["base_seat"].fillna(0).astype(int).tolist(), "f": flags.tolist()},
        "e": [{"id": e.id, "k": e.kind, "l": e.label, "x": e.x, "y": e.y, "w": e.width, "h": e.height,
               "r": e.rotation, "v": e.version} for e in plan.elements],
    }
    return json.dumps(drawing, separators=(",", ":"), ensure_ascii=False)


def person_index(plan: FloorPlan, participant_id: str | None) -> int | None:
    """Where ``participant_id`` is in the drawing's people lists (None: not in this plan)."""
    if participant_id is None:
        return None
    found = np.flatnonzero(plan.grid.frame["participant_id"].to_numpy() == str(participant_id))
    return int(found[0]) if len(found) else None


def participant_at(plan: FloorPlan, index: Any) -> str:
    """The participant drawn at ``index`` on ``plan`` (an intent names people by position)."""
    try:
        position = int(index)
    except (TypeError, ValueError):
        raise FloorPlanError("This person is no longer on the plan: reload it.") from None
    if not 0 <= position < len(plan.grid.frame):
        raise FloorPlanError("This person is no longer on the plan: reload it.")
    return str(plan.grid.frame["participant_id"].iat[position])


def plan_payload(plan: FloorPlan | DrawnPlan, *, can_edit: bool, focus: int | None = None,
                 suggestions: Sequence[tuple[int, str]] = (), walk_in: str | None = None,
                 colour_by: str = "fill", token: int = 0, hit: str | None = None,
                 offer: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the component gets: the drawing (a JSON string, parsed once per ``key`` in the browser) and
    this organiser's view of it (what to centre on, whom to highlight, a swap on offer, walk-in
    suggestions). ``offer`` is ``{"pid": …, "text": …, "with": [(pid, name), …]}``; people go out as
    positions in the drawing."""
    drawn = plan if isinstance(plan, DrawnPlan) else draw(plan)
    shown = drawn.plan
    sent_offer = None
    if offer:
        sent_offer = {"p": person_index(shown, offer["pid"]), "text": offer["text"],
                      "with": [[person_index(shown, pid), name] for pid, name in offer["with"]
                               if person_index(shown, pid) is not None]}
    return {
        "v": 2, "token": token, "edit": bool(can_edit), "colour": colour_by, "focus": focus,
        "hit": person_index(shown, hit), "offer": sent_offer, "walkin": person_index(shown, walk_in),
        "suggest": [[int(n), reason] for n, reason in suggestions],
        "key": drawn.key, "plan": drawn.drawing,
    }


def find_walk_ins(plan: FloorPlan, query: str, limit: int = 8) -> list[Found]:
    """People without a seat whose name matches ``query`` (as :func:`find_people`): walk-in candidates."""
    return [found for found in find_people(plan.grid, query, limit=10_000) if found.table_number is None][:limit]


def table_summary(plan: FloorPlan) -> pd.DataFrame:
    """The plan as text, one row per table: the text alternative to the drawing."""
    frame = plan.grid.frame.dropna(subset=["base_table"])
    names: dict[int, list[str]] = {}
    for table, name in zip(frame["base_table"].astype(int), frame["full_name"], strict=True):
        names.setdefault(table, []).append(str(name))
    rows = [{"table": t.number, "label": t.label or "", "shape": t.shape, "x_m": t.x, "y_m": t.y,
             "vip": t.is_vip, "accessible": t.accessible, "seated": len(names.get(t.number, [])),
             "seats": t.capacity, "people": ", ".join(sorted(names.get(t.number, [])))} for t in plan.tables]
    rows += [{"table": None, "label": f"{ELEMENT_KINDS.get(e.kind, e.kind)}: {e.label}", "shape": "", "x_m": e.x,
              "y_m": e.y, "vip": e.kind == "vip_zone", "accessible": False, "seated": None, "seats": None,
              "people": ""} for e in plan.elements]
    return pd.DataFrame(rows, columns=["table", "label", "shape", "x_m", "y_m", "vip", "accessible", "seated",
                                       "seats", "people"])


# ------------------------------------------------------------------------------ after one's own save

_PEOPLE_AGAIN = text("""
    SELECT p.id::text AS participant_id, a.table_number, a.seat_number, a.id::text AS assignment_id, a.version
      FROM participants AS p
      LEFT JOIN table_assignments AS a ON a.organization_id = p.organization_id AND a.participant_id = p.id
     WHERE p.event_id = :event_id AND p.id = ANY (CAST(:ids AS uuid[]))
""")
_PLACES_AGAIN = text("SELECT table_number, x, y, shape, rotation, version FROM table_layouts "
                     "WHERE event_id = :event_id AND table_number = ANY (CAST(:numbers AS integer[]))")


def refresh_plan(session: Session, plan: FloorPlan, *, people: Iterable[str] = (), tables: Iterable[int] = (),
                 elements: bool = False) -> FloorPlan:
    """``plan`` with the rows one's own save just changed read again (the people, table places or room
    elements named): a drop's "saved → updated" costs a few rows, not the event. Everything else stays
    as loaded; a full :func:`load_floor_plan` picks up colleagues' changes (and reports their conflicts)."""
    ids, numbers = sorted(set(people)), sorted(set(tables))
    frame = plan.grid.frame
    if ids:
        rows = {r.participant_id: r for r in session.execute(_PEOPLE_AGAIN, {"event_id": plan.event_id, "ids": ids})}
        frame = frame.copy()
        positions = frame.index[frame["participant_id"].isin(ids)]
        for position in positions:
            row = rows.get(frame.at[position, "participant_id"])
            for column, value in (("table_number", None if row is None else row.table_number),
                                  ("seat_number", None if row is None else row.seat_number),
                                  ("assignment_id", None if row is None else row.assignment_id),
                                  ("version", None if row is None else row.version)):
                frame.at[position, column] = pd.NA if value is None and column != "assignment_id" else value
            frame.at[position, "base_table"] = frame.at[position, "table_number"]
            frame.at[position, "base_seat"] = frame.at[position, "seat_number"]
    places = {t.number: t for t in plan.tables}
    if numbers:
        for r in session.execute(_PLACES_AGAIN, {"event_id": plan.event_id, "numbers": numbers}):
            old = places[r.table_number]
            places[r.table_number] = TablePlace(old.number, old.capacity, old.is_vip, old.accessible, old.label,
                                                r.x, r.y, r.shape, r.rotation, r.version)
    room = plan.elements
    if elements:
        room = tuple(RoomElement(r.id, r.kind, r.label, r.x, r.y, r.width, r.height, r.rotation, r.version)
                     for r in session.execute(_ELEMENTS, {"event_id": plan.event_id}))
    grid = seating.SeatingGrid(plan.event_id, frame, plan.grid.tables, plan.grid.rules)
    return FloorPlan(plan.event_id, grid, tuple(places[t.number] for t in plan.tables), room, plan.track_mix)
