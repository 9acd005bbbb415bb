"""Auto-seat options: what the organiser chooses for one run, and the event's auto-seat settings."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from sqlalchemy.orm import Session

from eventflow.errors import InputError
from eventflow.event_settings import BY_KEY, read_settings, save_settings

Mode = Literal["auto", "exact", "heuristic"]

DEFAULT_TIME_LIMIT = 5.0
MAX_TIME_LIMIT = 600.0


@dataclass(frozen=True)
class SeatingSettings:
    """The event's auto-seat settings (declared, with their defaults, in ``eventflow.event_settings``)."""

    pin_manager_seats: bool = BY_KEY["pin_manager_seats"].default
    vip_tables_reserved: bool = BY_KEY["vip_tables_reserved"].default


@dataclass(frozen=True)
class AutoSeatOptions:
    """What the organiser chose for one run. ``None`` takes the event's setting."""

    time_limit: float = DEFAULT_TIME_LIMIT
    mode: Mode = "auto"
    vip_tables_reserved: bool | None = None
    pin_manager_seats: bool | None = None
    replan: bool = False  # on the day: keep today's seating where possible
    move_penalty: float = 1.0  # re-plan only: score given up for each seated person who changes table
    move_checked_in: bool = False  # let people who already checked in change table
    seed: int = 0
    company: str = "mix"  # "mix", "together" or "no preference": colleagues at one table (opted-in people)

    def validated(self) -> AutoSeatOptions:
        if not isinstance(self.time_limit, (int, float)) or not math.isfinite(self.time_limit) \
                or not 0 < self.time_limit <= MAX_TIME_LIMIT:
            raise InputError(f"The time limit must be between 0 and {MAX_TIME_LIMIT:g} seconds.")
        if self.mode not in ("auto", "exact", "heuristic"):
            raise InputError("The mode must be auto, exact or heuristic.")
        if not isinstance(self.move_penalty, (int, float)) or not math.isfinite(self.move_penalty) \
                or self.move_penalty < 0:
            raise InputError("The move penalty must be zero or more.")
        if self.company not in ("mix", "together", "no preference"):
            raise InputError("Colleagues: choose mix companies, keep colleagues together, or no preference.")
        return self


def seating_settings(session: Session, event_id: UUID) -> SeatingSettings:
    values = read_settings(session, event_id)
    return SeatingSettings(values["pin_manager_seats"], values["vip_tables_reserved"])


def save_seating_settings(session: Session, event_id: UUID, settings: SeatingSettings) -> None:
    save_settings(session, event_id, {"pin_manager_seats": bool(settings.pin_manager_seats),
                                      "vip_tables_reserved": bool(settings.vip_tables_reserved)})
