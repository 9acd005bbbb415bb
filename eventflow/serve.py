"""The dashboard as a real ``streamlit run app.py`` process on a given database: for the browser
tests and the benchmark's load test, which both need what an organiser's browser talks to."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
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
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early; see {log}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.terminate()
            raise RuntimeError(f"streamlit did not become healthy; see {log}")
        time.sleep(0.3)
    return RunningApp(url, database, process, log)


def stop_app(app: RunningApp) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        app.process.kill()
