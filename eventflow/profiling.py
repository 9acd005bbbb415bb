"""Server time and SQL statements per script run, for ``bench --load`` and the guard tests.

Off unless ``EVENTFLOW_PROFILE`` names a file: then every outermost :func:`profiled` block (a page
run in ``app.py``, a fragment rerun on the seating editor) appends one JSON line with its wall time
and every statement it sent with the statement's own time. Streamlit runs each session's script
in a thread of its own, so the statements are gathered per thread.
"""

from __future__ import annotations

import cProfile
import gc
import itertools
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

ENVIRONMENT_VARIABLE = "EVENTFLOW_PROFILE"
# A folder: every outermost profiled block also runs under cProfile and leaves ``<kind>-<n>.prof``
# there (``python -m pstats``; ``bench --load --profile-editor`` sums them per interaction).
CPROFILE_VARIABLE = "EVENTFLOW_CPROFILE"


@dataclass
class Run:
    kind: str
    statements: list[tuple[str, float]] = field(default_factory=list)  # (SQL, ms)
    started: float = field(default_factory=time.perf_counter)
    ms: float = 0.0


_local = threading.local()
_write_lock = threading.Lock()
_listening = False


def _before(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
    if getattr(_local, "run", None) is not None:
        conn.info.setdefault("eventflow_profile_started", []).append(time.perf_counter())


def _after(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
    run: Run | None = getattr(_local, "run", None)
    starts = conn.info.get("eventflow_profile_started")
    if run is not None and starts:
        run.statements.append((" ".join(statement.split())[:160], (time.perf_counter() - starts.pop()) * 1000))


def _listen() -> None:
    global _listening
    if not _listening:
        event.listen(Engine, "before_cursor_execute", _before)
        event.listen(Engine, "after_cursor_execute", _after)
        _listening = True


_dumped = itertools.count()


@contextmanager
def _cprofiled(folder: Path, kind: str) -> Iterator[None]:
    """The block under cProfile (this thread only: Streamlit runs each script run in its own)."""
    profile = cProfile.Profile()
    _local.cprofiling = True
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        _local.cprofiling = False
        folder.mkdir(parents=True, exist_ok=True)
        profile.dump_stats(folder / f"{kind}-{os.getpid()}-{next(_dumped):05d}.prof")


@contextmanager
def recording(kind: str) -> Iterator[Run]:
    """Gather this thread's statements into a :class:`Run` (nested blocks add to the outer one)."""
    outer = getattr(_local, "run", None)
    if outer is not None:
        yield outer
        return
    _listen()
    run = _local.run = Run(kind)
    try:
        yield run
    finally:
        run.ms = (time.perf_counter() - run.started) * 1000
        _local.run = None


_gc = {"started": 0.0, "ms": 0.0}


def _time_collections(phase: str, info: dict) -> None:
    # Every collection holds the GIL: time spent here stops every session's run and the event loop
    # that sends messages. Streamlit forces a full one after each script run unless
    # runner.postScriptGC is off (.streamlit/config.toml).
    if phase == "start":
        _gc["started"] = time.perf_counter()
    elif _gc["started"]:
        _gc["ms"] += (time.perf_counter() - _gc["started"]) * 1000
        _gc["started"] = 0.0


def _gc_ms_since_last_line() -> float:
    if _time_collections not in gc.callbacks:
        gc.callbacks.append(_time_collections)
    spent, _gc["ms"] = _gc["ms"], 0.0
    return round(spent, 2)


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else ""


@contextmanager
def profiled(kind: str, page: str = "") -> Iterator[None]:
    """Record the block to ``$EVENTFLOW_PROFILE`` when it is set (and under cProfile to
    ``$EVENTFLOW_CPROFILE``); otherwise do nothing."""
    folder = os.environ.get(CPROFILE_VARIABLE)
    if folder and not getattr(_local, "cprofiling", False):
        with _cprofiled(Path(folder), kind), profiled(kind, page):
            yield
        return
    target = os.environ.get(ENVIRONMENT_VARIABLE)
    if not target or getattr(_local, "run", None) is not None:
        yield
        return
    outcome = "done"
    cpu_started = time.thread_time()
    try:
        with recording(kind) as run:
            yield
    except BaseException as stopped:  # st.rerun / st.stop / st.switch_page end a run this way too
        outcome = type(stopped).__name__
        raise
    finally:
        # cpu_ms against ms: how much of the run this thread computed and how much it waited (for
        # the GIL behind other sessions' runs, for the database); session: whose run it was (the
        # load test pairs each tab's key press with its server run by it).
        line = json.dumps({"kind": kind, "page": page, "ms": round(run.ms, 2), "at": time.time(),
                           "cpu_ms": round((time.thread_time() - cpu_started) * 1000, 2),
                           "session": _session_id(), "pid": os.getpid(), "outcome": outcome,
                           "gc_ms_since_last": _gc_ms_since_last_line(),
                           "statements": [[sql, round(ms, 2)] for sql, ms in run.statements]})
        with _write_lock, Path(target).open("a", encoding="utf-8") as out:
            out.write(line + "\n")
