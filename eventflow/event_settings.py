"""An event's settings (the ``events.settings`` JSON), each declared once here: key, type,
default, label and help (as pretix declares its settings).

Reading applies the defaults; saving checks keys and types and writes only what is declared. The
database holds the same promises where it acts on a setting itself: its CHECKs refuse a stored
value of the wrong type, and the import trigger applies ``default_networking_opt_in`` with the
default declared here (``tests/test_event_settings.py`` holds the two to each other).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.orm import Session

from eventflow.errors import EVENT_GONE, InputError, nothing_was, require_editor


@dataclass(frozen=True)
class Setting:
    key: str
    type: type[bool]  # booleans only so far; a new type needs its check in save_settings
    default: bool
    label: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("default_networking_opt_in", bool, False,
            "New participants opt in to networking seating by default",
            "Applies to participants added without an answer; existing people keep theirs."),
    Setting("pin_manager_seats", bool, True,
            "Keep seats set by managers",
            "People a manager seated by hand stay at their table when auto-seat plans."),
    Setting("vip_tables_reserved", bool, True,
            "Reserve VIP tables for VIPs",
            "Auto-seat seats nobody else at a VIP table."),
)
BY_KEY: Mapping[str, Setting] = {setting.key: setting for setting in SETTINGS}


def with_defaults(stored: Mapping[str, Any]) -> dict[str, bool]:
    """Every declared setting: the stored value, or the default where none (or no valid one) is stored."""
    return {s.key: stored[s.key] if isinstance(stored.get(s.key), s.type) else s.default for s in SETTINGS}


def read_settings(session: Session, event_id: UUID) -> dict[str, bool]:
    stored = session.execute(text("SELECT settings FROM events WHERE id = :event_id"),
                             {"event_id": event_id}).scalar_one_or_none()
    if stored is None:
        raise InputError(EVENT_GONE.capitalize())
    return with_defaults(stored)


def save_settings(session: Session, event_id: UUID, values: Mapping[str, object]) -> None:
    """Store ``values`` (declared keys only, of the declared type); other settings stay as they are."""
    for key, value in values.items():
        setting = BY_KEY.get(key)
        if setting is None:
            raise InputError(nothing_was("saved", f"“{key}” is not an event setting."))
        if not isinstance(value, setting.type):
            raise InputError(nothing_was("saved", f"“{setting.label}” must be yes or no."))
    require_editor(session, event_id, "saved")
    session.execute(text("UPDATE events SET settings = settings || CAST(:values AS jsonb) WHERE id = :event_id"),
                    {"event_id": event_id, "values": json.dumps(dict(values))})
