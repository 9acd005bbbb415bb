from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from eventflow import migrations
from eventflow.db import Database, libpq_url


def _schema_fingerprint(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            """
            SELECT c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod)
              FROM pg_class AS c
              JOIN pg_namespace AS n ON n.oid = c.relnamespace
              JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             WHERE n.nspname IN ('public', 'eventflow')
             ORDER BY 1, 3
            """
        ).fetchall()


def test_upgrade_twice_changes_nothing(fresh_database: Database) -> None:
    url = libpq_url(fresh_database.owner_url)
    before = _schema_fingerprint(url)
    with psycopg.connect(url) as conn:
        ledger_before = conn.execute("SELECT version, checksum, applied_at FROM eventflow.schema_migrations").fetchall()

    assert migrations.upgrade(url) == []
    assert migrations.pending(url) == []

    with psycopg.connect(url) as conn:
        ledger_after = conn.execute("SELECT version, checksum, applied_at FROM eventflow.schema_migrations").fetchall()
    assert _schema_fingerprint(url) == before
    assert ledger_after == ledger_before
    assert [row[0] for row in ledger_after] == [m.version for m in migrations.discover()]


def test_every_file_is_recorded_with_its_checksum(fresh_database: Database) -> None:
    with psycopg.connect(libpq_url(fresh_database.owner_url)) as conn:
        recorded = dict(conn.execute("SELECT filename, checksum FROM eventflow.schema_migrations").fetchall())
    assert recorded == {m.filename: m.checksum for m in migrations.discover()}


def _copy_sql(tmp_path: Path) -> Path:
    target = tmp_path / "sql"
    shutil.copytree(migrations.SQL_DIR, target)
    return target


def test_edited_applied_migration_is_refused(fresh_database: Database, tmp_path: Path) -> None:
    sql_dir = _copy_sql(tmp_path)
    first = sorted(sql_dir.glob("001_*.sql"))[0]
    first.write_text(first.read_text() + "\n-- an innocent-looking edit\n")
    url = libpq_url(fresh_database.owner_url)

    with pytest.raises(migrations.MigrationError, match=r"001_tenancy\.sql was edited after it was applied"):
        migrations.upgrade(url, sql_dir)
    with pytest.raises(migrations.MigrationError, match="edited"):
        migrations.pending(url, sql_dir)


def test_new_migration_applies_once_in_order(fresh_database: Database, tmp_path: Path) -> None:
    sql_dir = _copy_sql(tmp_path)
    (sql_dir / "900_probe.sql").write_text("CREATE TABLE eventflow.migration_probe (x int);")
    url = libpq_url(fresh_database.owner_url)

    assert migrations.pending(url, sql_dir) == ["900_probe.sql"]
    assert migrations.upgrade(url, sql_dir) == ["900_probe.sql"]
    assert migrations.upgrade(url, sql_dir) == []


def test_failing_migration_leaves_nothing_behind(fresh_database: Database, tmp_path: Path) -> None:
    sql_dir = _copy_sql(tmp_path)
    (sql_dir / "900_broken.sql").write_text(
        "CREATE TABLE eventflow.half_done (x int);\nSELECT no_such_function();"
    )
    url = libpq_url(fresh_database.owner_url)

    with pytest.raises(psycopg.errors.UndefinedFunction):
        migrations.upgrade(url, sql_dir)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('eventflow.half_done')").fetchone() == (None,)
    assert migrations.pending(url, sql_dir) == ["900_broken.sql"]


def test_badly_named_or_duplicate_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "1_short.sql").write_text("")
    with pytest.raises(migrations.MigrationError, match="NNN_lowercase_name"):
        migrations.discover(tmp_path)
    (tmp_path / "1_short.sql").unlink()
    (tmp_path / "001_a.sql").write_text("")
    (tmp_path / "001_b.sql").write_text("")
    with pytest.raises(migrations.MigrationError, match="number 1 is used by"):
        migrations.discover(tmp_path)


def test_missing_applied_file_is_refused(fresh_database: Database, tmp_path: Path) -> None:
    sql_dir = _copy_sql(tmp_path)
    sorted(sql_dir.glob("004_*.sql"))[0].unlink()
    with pytest.raises(migrations.MigrationError, match="missing from sql/"):
        migrations.upgrade(libpq_url(fresh_database.owner_url), sql_dir)
