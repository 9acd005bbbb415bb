"""The CLI in a real subprocess, on its own embedded data folder (as a user would run it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import stop_postgres_servers_under

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "EVENTFLOW_APP_DATABASE_URL")}
    env["EVENTFLOW_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "eventflow", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def data_dir() -> Iterator[Path]:
    """A data folder the server's account can reach (run as root, the server runs as another user,
    and pytest's own temporary root is private); the server the CLI left running is stopped after."""
    folder = Path(tempfile.mkdtemp(prefix="eventflow-test-cli-"))
    yield folder
    stop_postgres_servers_under({folder.resolve()})
    shutil.rmtree(folder, ignore_errors=True)


def test_upgrade_then_demo_twice_and_data_survive_restarts(data_dir: Path) -> None:
    first = _run("db", "upgrade", data_dir=data_dir)
    assert first.returncode == 0, first.stderr
    assert "applied: 001_tenancy.sql" in first.stdout
    second = _run("db", "upgrade", data_dir=data_dir)
    assert second.stdout.strip() == "database is up to date"

    # Each command is its own process: the embedded server stops with the last one and starts
    # again on the same data folder, so the demo created by the first run is found by the second.
    assert "demo data created" in _run("demo", data_dir=data_dir).stdout
    assert "demo data already present" in _run("demo", data_dir=data_dir).stdout
    assert (data_dir / "pgdata" / "PG_VERSION").exists()


def test_organiser_add(data_dir: Path) -> None:
    result = _run("organiser", "add", "new.person@example.test", "--organization", "Acme Events",
                  "--role", "manager", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert "new.person@example.test is manager of Acme Events" in result.stdout


def test_status_reports_an_up_to_date_database(data_dir: Path) -> None:
    status = _run("db", "status", data_dir=data_dir)
    assert status.returncode == 0 and status.stdout.strip() == "database is up to date"
