"""How many seating plans this server process solves at once.

A solve is CPU work of up to ``autoseat.MAX_TIME_LIMIT`` seconds. Without a bound, a few tenants
previewing at the same time would slow every solve to a crawl and, before the preview let its
database connection go during the solve, exhaust the connection pool for everyone. Beyond the
bound an organiser gets :class:`ServerBusy`, a message to try again shortly, never a traceback.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

BUSY_MESSAGE = ("The server is busy planning other events right now. Please try again in a minute; "
                "nothing was changed.")
# Waiting a little absorbs two organisers clicking Preview in the same second without making
# anyone stare at a spinner for minutes.
DEFAULT_WAIT_SECONDS = 3.0


class ServerBusy(RuntimeError):
    """Every solve slot of this server is taken; nothing was read or written."""

    def __init__(self, message: str = BUSY_MESSAGE) -> None:
        super().__init__(message)


class SolveSlots:
    """A bounded number of concurrent solves (a semaphore that refuses instead of queueing forever)."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("at least one solve slot is needed")
        self.slots = slots
        self._semaphore = threading.BoundedSemaphore(slots)

    @contextmanager
    def slot(self, wait_seconds: float = DEFAULT_WAIT_SECONDS) -> Iterator[None]:
        if not self._semaphore.acquire(timeout=max(wait_seconds, 0.0)):
            raise ServerBusy()
        try:
            yield
        finally:
            self._semaphore.release()


def _configured_slots() -> int:
    # The engine's search is Python, so more solves than cores only make each slower; at least two,
    # so one long exact solve does not block every other organiser.
    configured = os.environ.get("EVENTFLOW_MAX_CONCURRENT_PLANS")
    return max(1, int(configured)) if configured else max(2, os.cpu_count() or 2)


_server_slots = SolveSlots(_configured_slots())


def solve_slot(wait_seconds: float = DEFAULT_WAIT_SECONDS) -> AbstractContextManager[None]:
    """One of this server's solve slots for the duration of the ``with`` block, or :class:`ServerBusy`."""
    return _server_slots.slot(wait_seconds)
