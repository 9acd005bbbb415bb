"""Numbered SQL migrations from ``sql/``: applied in order, each once, in its own transaction.

Every applied file is recorded with its SHA-256. Migrations are immutable once applied: a file
edited afterwards is refused (write a new numbered file instead), so every database that says it
is at version N has the same schema.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
_FILENAME = re.compile(r"^(\d{3,})_([a-z0-9_]+)\.sql$")
# Any constant works; it only has to be the same in every process that migrates this database.
_ADVISORY_LOCK_KEY = 7_020_301


class MigrationError(RuntimeError):
    """The database and the migration files disagree; nothing was changed."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path
    checksum: str

    @property
    def filename(self) -> str:
        return self.path.name

    def read(self) -> str:
        return self.path.read_text(encoding="utf-8")


def discover(sql_dir: Path = SQL_DIR) -> list[Migration]:
    """The migration files in version order; refuses stray names and duplicate numbers."""
    migrations: dict[int, Migration] = {}
    for path in sorted(sql_dir.glob("*.sql")):
        match = _FILENAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNN_lowercase_name.sql")
        version = int(match.group(1))
        if version in migrations:
            raise MigrationError(f"{path.name}: number {version} is used by {migrations[version].filename} too")
        checksum = hashlib.sha256(path.read_bytes()).hexdigest()
        migrations[version] = Migration(version, match.group(2), path, checksum)
    return [migrations[v] for v in sorted(migrations)]


_CREATE_LEDGER = """
CREATE SCHEMA IF NOT EXISTS eventflow;
CREATE TABLE IF NOT EXISTS eventflow.schema_migrations (
    version     integer PRIMARY KEY,
    filename    text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    applied_by  text NOT NULL DEFAULT current_user
);
"""


def _applied(conn: psycopg.Connection) -> dict[int, tuple[str, str]]:
    rows = conn.execute("SELECT version, filename, checksum FROM eventflow.schema_migrations").fetchall()
    return {version: (filename, checksum) for version, filename, checksum in rows}


def _verify(applied: dict[int, tuple[str, str]], files: list[Migration]) -> None:
    by_version = {m.version: m for m in files}
    for version, (filename, checksum) in sorted(applied.items()):
        migration = by_version.get(version)
        if migration is None:
            raise MigrationError(f"{filename} was applied to this database but is missing from sql/")
        if migration.checksum != checksum:
            raise MigrationError(
                f"{migration.filename} was edited after it was applied "
                f"(recorded sha256 {checksum[:12]}…, file now {migration.checksum[:12]}…). "
                "Applied migrations are immutable: restore the file and put the change in a new numbered migration."
            )


def upgrade(owner_url: str, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply every pending migration; return the file names applied (empty when up to date).

    Safe to call from several processes at once: an advisory lock serialises them, and each
    re-reads the ledger after taking it.
    """
    files = discover(sql_dir)
    applied_now: list[str] = []
    with psycopg.connect(owner_url, autocommit=True) as conn:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
            conn.execute(_CREATE_LEDGER)
            _verify(_applied(conn), files)
        for migration in files:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
                applied = _applied(conn)
                _verify(applied, files)
                if migration.version in applied:
                    continue
                conn.execute(migration.read())  # no parameters: sent as one multi-statement script
                conn.execute(
                    "INSERT INTO eventflow.schema_migrations (version, filename, checksum) VALUES (%s, %s, %s)",
                    [migration.version, migration.filename, migration.checksum],
                )
                applied_now.append(migration.filename)
    return applied_now


def pending(owner_url: str, sql_dir: Path = SQL_DIR) -> list[str]:
    """File names not yet applied (after checking the applied ones are unchanged)."""
    files = discover(sql_dir)
    with psycopg.connect(owner_url) as conn:
        exists = conn.execute("SELECT to_regclass('eventflow.schema_migrations') IS NOT NULL").fetchone()
        applied = _applied(conn) if exists and exists[0] else {}
    _verify(applied, files)
    return [m.filename for m in files if m.version not in applied]
