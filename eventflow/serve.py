"""The dashboard as a real ``streamlit run app.py`` process on a given database: for the browser
tests and the benchmark's load test, which both need what an organiser's browser talks to."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from eventflow.db import Database, libpq_url

ROOT = Path(__file__).resolve().parent.parent
STARTUP_LIMIT_SECONDS = 90  # a bound on waiting for a broken server, not a timing assertion


@dataclass
class RunningApp:
    url: str
    database: Database
    process: subprocess.Popen
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(database: Database, organiser_email: str, log: Path, *, address: str | None = "127.0.0.1") -> RunningApp:
    """Start the dashboard in local mode as ``organiser_email`` and wait until it is healthy.

    ``address`` is passed as ``--server.address``; ``None`` leaves it to the project's
    ``.streamlit/config.toml``. The returned URL is on 127.0.0.1 either way.
    """
    port = _free_port()
    env = {**os.environ,
           "DATABASE_URL": libpq_url(database.owner_url),
           "EVENTFLOW_APP_DATABASE_URL": libpq_url(database.app_url),
           "EVENTFLOW_LOCAL_ORGANISER": organiser_email,
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    if database.app_url.password is None:
        env.pop("EVENTFLOW_APP_PASSWORD", None)
    output = log.open("w")
    where = [] if address is None else ["--server.address", address]
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), *where, "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
    except RuntimeError:
        process.terminate()
        raise
    return RunningApp(url, database, process, log)


def _stop(process: subprocess.Popen, timeout: float) -> None:
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()


def stop_app(app: RunningApp) -> None:
    _stop(app.process, 20)


# ------------------------------------------------------------------ several processes, one address

@dataclass
class Cluster:
    """N dashboard processes behind HAProxy: one address, sticky sessions, websockets passed through."""

    url: str
    replicas: list[RunningApp]
    proxy: subprocess.Popen
    config: Path

    @property
    def database(self) -> Database:
        return self.replicas[0].database


STICKY_COOKIE = "EVENTFLOW_REPLICA"


def haproxy_config(address: str, port: int, backends: list[int]) -> str:
    """HAProxy in front of Streamlit processes on 127.0.0.1.

    Sticky by a cookie HAProxy sets on the first response: a Streamlit session (its websocket, its
    uploads, the sign-in's state, the seating grid being edited) lives in one process's memory, so
    every request of a browser must reach the process that served its first one. The websocket
    (``/_stcore/stream``) is an HTTP upgrade that HAProxy passes through in ``mode http``;
    ``timeout tunnel`` keeps an idle organiser's connection open for the working day.
    """
    servers = "\n".join(f"    server replica{index} 127.0.0.1:{backend} check cookie replica{index}"
                        for index, backend in enumerate(backends, start=1))
    return f"""global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 300s
    timeout tunnel 12h
    timeout http-request 30s

frontend eventflow
    bind {address}:{port}
    default_backend dashboards

backend dashboards
    balance leastconn
    cookie {STICKY_COOKIE} insert indirect nocache httponly
    option httpchk GET /_stcore/health
    http-check expect status 200
{servers}
"""


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy", "/usr/bin/haproxy")
                                             if Path(p).exists()), None)
    if found is None:
        raise RuntimeError("HAProxy is not installed: apt-get install haproxy (Debian's package)")
    return found


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    while True:
        if process.poll() is not None:
            command = " ".join(map(str, process.args)) if isinstance(process.args, list) else str(process.args)
            raise RuntimeError(f"`{command}` exited early; see {log}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not become healthy; see {log}")
        time.sleep(0.3)


def start_proxy(backends: list[int], log_dir: Path, *, address: str = "127.0.0.1",
                port: int | None = None) -> tuple[subprocess.Popen, Path, str]:
    port = port or _free_port()
    config = log_dir / f"haproxy-{port}.cfg"
    config.write_text(haproxy_config(address, port, backends))
    log = log_dir / f"haproxy-{port}.log"
    subprocess.run([haproxy_binary(), "-c", "-q", "-f", str(config)], check=True)
    proxy = subprocess.Popen([haproxy_binary(), "-db", "-f", str(config)], stdout=log.open("w"),
                             stderr=subprocess.STDOUT)
    url = f"http://{'127.0.0.1' if address in ('0.0.0.0', '::') else address}:{port}"
    _wait_healthy(url, proxy, log)
    return proxy, config, url


def start_cluster(database: Database, organiser_email: str, processes: int, log_dir: Path) -> Cluster:
    """``processes`` dashboards in local mode on ``database`` behind HAProxy (tests, ``bench --load``)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    replicas: list[RunningApp] = []
    try:
        for index in range(processes):
            replicas.append(start_app(database, organiser_email, log_dir / f"replica-{index + 1}.log"))
        ports = [int(app.url.rsplit(":", 1)[1]) for app in replicas]
        proxy, config, url = start_proxy(ports, log_dir)
    except BaseException:
        for app in replicas:
            stop_app(app)
        raise
    return Cluster(url, replicas, proxy, config)


def stop_cluster(cluster: Cluster) -> None:
    _stop(cluster.proxy, 10)
    for app in cluster.replicas:
        stop_app(app)


def _sign_in_configured() -> bool:
    secrets = ROOT / ".streamlit" / "secrets.toml"
    try:
        return "auth" in tomllib.loads(secrets.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False


def _interrupted(*_: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the processes as Ctrl-C does


def main(argv: list[str] | None = None) -> int:
    """``python -m eventflow serve --processes N``: N ``streamlit run app.py`` behind HAProxy."""
    parser = argparse.ArgumentParser(prog="python -m eventflow serve", description=main.__doc__)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2,
                        help="dashboard processes (default: one per core)")
    parser.add_argument("--port", type=int, default=8501, help="the address organisers open")
    parser.add_argument("--address", default="127.0.0.1",
                        help="where HAProxy listens; anything but this computer needs sign-in configured")
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error("--processes must be 1 or more")
    if args.address not in ("127.0.0.1", "localhost", "::1") and not _sign_in_configured():
        # The processes listen on 127.0.0.1, so local mode would let them start: refuse here instead.
        print("error: serving beyond this computer needs sign-in ([auth] in .streamlit/secrets.toml, "
              "see docs/security.md); without it anyone reaching the address would act as the local organiser",
              file=sys.stderr)
        return 2
    log_dir = Path(tempfile.mkdtemp(prefix="eventflow-serve-"))
    started: list[tuple[subprocess.Popen, Path]] = []
    proxy = None
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        ports = []
        for index in range(args.processes):
            port = _free_port()
            log = log_dir / f"replica-{index + 1}.log"
            process = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                 "--server.port", str(port), "--server.address", "127.0.0.1"],
                cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
            started.append((process, log))
            # The first one prepares the database (migrations, the embedded server) alone.
            _wait_healthy(f"http://127.0.0.1:{port}", process, log)
            ports.append(port)
            print(f"dashboard {index + 1} of {args.processes} on 127.0.0.1:{port} (log {log})", flush=True)
        proxy, config, url = start_proxy(ports, log_dir, address=args.address, port=args.port)
        print(f"EventFlow Seating: {url} ({args.processes} processes behind HAProxy, config {config})", flush=True)
        while proxy.poll() is None and all(p.poll() is None for p, _ in started):
            time.sleep(1)
        print("a process stopped; stopping the others", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for process in [proxy] if proxy else []:
            process.terminate()
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
