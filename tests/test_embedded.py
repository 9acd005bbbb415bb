"""The embedded server: shared by processes, reused across restarts, robust to killed processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent

# A process that joins (or starts) the server in DATA, adds rows, reports the server's pid, and
# waits for a line on stdin before it exits (so two of them overlap).
WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    import psycopg
    from eventflow.embedded import start_embedded_server
    url = start_embedded_server(Path(sys.argv[1]))
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.transaction():  # both writers may arrive at once
            conn.execute("SELECT pg_advisory_xact_lock(1)")
            conn.execute("CREATE TABLE IF NOT EXISTS writes (who text, n int)")
        for n in range(200):
            conn.execute("INSERT INTO writes VALUES (%s, %s)", [sys.argv[2], n])
        pid = conn.execute("SELECT pg_postmaster_start_time()::text || ' ' || "
                           "(SELECT setting FROM pg_settings WHERE name = 'data_directory')").fetchone()[0]
    print("ready", pid, flush=True)
    sys.stdin.readline()
""")


def _spawn(data_dir: Path, who: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(data_dir), who], cwd=ROOT, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _ready(process: subprocess.Popen) -> str:
    line = process.stdout.readline()
    assert line.startswith("ready"), process.stderr.read()
    return line.split(" ", 1)[1].strip()


def _count(data_dir: Path) -> dict:
    from eventflow.embedded import start_embedded_server

    url = start_embedded_server(data_dir)
    with psycopg.connect(url) as conn:
        return dict(conn.execute("SELECT who, count(*) FROM writes GROUP BY who").fetchall())


def _postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "pgdata" / "postmaster.pid").read_text().splitlines()[0])


def test_two_processes_share_one_server(tmp_path: Path) -> None:
    first, second = _spawn(tmp_path, "first"), _spawn(tmp_path, "second")
    try:
        assert _ready(first) == _ready(second)  # same server: same start time and data directory
        pid = _postmaster_pid(tmp_path)
        first.communicate("\n", timeout=60)
        # The first one left; the server stays up for the second.
        assert _postmaster_pid(tmp_path) == pid
        os.kill(pid, 0)
    finally:
        second.communicate("\n", timeout=60)
    result = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, '.');"
                             "from tests.test_embedded import _count; from pathlib import Path;"
                             f"print(sorted(_count(Path('{tmp_path}')).items()))"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "[('first', 200), ('second', 200)]", result.stderr


def test_a_killed_process_does_not_stop_the_next_start(tmp_path: Path) -> None:
    victim = _spawn(tmp_path, "victim")
    _ready(victim)
    victim.kill()  # SIGKILL: no atexit, its pid stays in the server's list of users
    victim.wait(timeout=30)

    survivor = _spawn(tmp_path, "survivor")
    assert _ready(survivor)
    survivor.communicate("\n", timeout=60)


def test_a_killed_server_leaves_a_stale_pid_file_that_does_not_stop_the_next_start(tmp_path: Path) -> None:
    first = _spawn(tmp_path, "before")
    _ready(first)
    pid = _postmaster_pid(tmp_path)
    first.kill()
    first.wait(timeout=30)
    os.kill(pid, signal.SIGKILL)  # the server dies too, leaving postmaster.pid behind
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            time.sleep(0.1)
        except ProcessLookupError:
            break
    assert (tmp_path / "pgdata" / "postmaster.pid").exists()

    second = _spawn(tmp_path, "after")
    try:
        _ready(second)
        assert _postmaster_pid(tmp_path) != pid
    finally:
        second.communicate("\n", timeout=60)


@pytest.mark.parametrize("who", ["before", "after"])
def test_data_survive_a_crash(tmp_path: Path, who: str) -> None:
    # Each writer commits; a crash after commit loses nothing (PostgreSQL's WAL).
    writer = _spawn(tmp_path, who)
    _ready(writer)
    pid = _postmaster_pid(tmp_path)
    writer.kill()
    writer.wait(timeout=30)
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    again = _spawn(tmp_path, "again")
    _ready(again)
    again.communicate("\n", timeout=60)
    check = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, '.');"
                            "from tests.test_embedded import _count; from pathlib import Path;"
                            f"print(_count(Path('{tmp_path}'))['{who}'])"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert check.stdout.strip() == "200", check.stderr
