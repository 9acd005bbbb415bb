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
    age = _age_from_proc()
    if age is not None:
        return time.monotonic() - age
    import psutil  # type: ignore[import-untyped,unused-ignore]  # (no stubs needed for one call)

    created = float(psutil.Process().create_time())
    return time.monotonic() - max(0.0, time.time() - created)


def _age_from_proc() -> float | None:
    """Seconds since this process started, from Linux's own record (clock ticks since boot, 10 ms
    steps), or None elsewhere.  psutil's ``create_time`` adds that to the boot time in whole
    seconds (``btime``), so on a given boot every process looks up to a second older than it is
    (0.28 s on the benchmark machine): a 3 s limit lost a tenth of its search."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            # Fields after the command name (which may contain spaces); starttime is field 22.
            started_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - started_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    # A clock in another time namespace than /proc's would give nonsense: then psutil.
    return age if 0.0 <= age < 86_400.0 else None
