"""The clock every engine deadline is read from.

Wall-clock (``time.monotonic``) by default: a time limit is what the organiser waits.  With
``EVENTFLOW_ENGINE_CLOCK=cpu`` it is this process's CPU time instead, which starts at the
process's start: benchmarks on a shared, loaded machine use it to measure what the search does
with the limit on a core of its own (``python -m eventflow bench --mdgp --cpu-clock``).
"""

from __future__ import annotations

import os
import time

CPU_CLOCK = os.environ.get("EVENTFLOW_ENGINE_CLOCK") == "cpu"


def now() -> float:
    """The current reading of the engine's clock, in seconds."""
    return time.process_time() if CPU_CLOCK else time.monotonic()


def process_started() -> float:
    """When this process started, on the clock of :func:`now` (so interpreter start-up, imports
    and loading count against a time limit measured from it)."""
    if CPU_CLOCK:
        return 0.0
    import psutil  # type: ignore[import-untyped,unused-ignore]  # (no stubs needed for one call)

    created = float(psutil.Process().create_time())
    return time.monotonic() - max(0.0, time.time() - created)
