"""Shared fixtures: a real PostgreSQL, fresh migrated databases, and two organisations to test with.

The server is the one named by ``DATABASE_URL`` (a superuser's URL on a PostgreSQL 15+ that the
tests may create databases on), or else an embedded server in a temporary folder. Where Debian's
``postgresql-15`` is installed (CI installs it), the schema, security and history tests run on a
throw-away PostgreSQL 15 cluster as well, since managed services commonly run 15. Every test run
gets its own databases, dropped at the end.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import streamlit as st
from psycopg import sql
from sqlalchemy import text

from eventflow import admin, db, migrations
from eventflow.db import Database, derive_app_url, libpq_url, sqlalchemy_url
from eventflow.demo import load_demo

# ------------------------------------------------------------------------------------ slow tests
# `pytest -m "not slow"` is the quick loop while working; the README's `pytest` runs everything.
# Slow: every browser test, whole modules that start servers or many threads, property tests that
# generate hundreds of cases, and the second run of the database tests on PostgreSQL 15.
SLOW_MODULES = frozenset({
    "test_concurrency", "test_hostile_input", "test_query_plans", "test_embedded", "test_db",
    "test_autoseat_page", "test_history_page", "test_engine_exact", "test_engine_scale",
})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rpartition(".")[2] if isinstance(item, pytest.Function) else ""
        callspec = getattr(item, "callspec", None)
        on_postgres_15 = callspec is not None and callspec.params.get("any_server") == "postgresql-15"
        generated = getattr(getattr(item, "obj", None), "is_hypothesis_test", False)
        in_a_browser = item.get_closest_marker("browser") is not None
        if module in SLOW_MODULES or on_postgres_15 or generated or in_a_browser:
            item.add_marker(pytest.mark.slow)


# ---------------------------------------------------------------- servers the run leaves behind
# Every PostgreSQL data folder the tests make is a temporary folder named eventflow-test-…; the
# run remembers the ones it made (other runs on the machine make their own) and, at the end, fails
# if a server still runs on one of them, after stopping it (killed clients and crashed servers
# once left four running for good).
TEST_FOLDER_PREFIX = "eventflow-test-"
_made_here: set[Path] = set()
_mkdtemp = tempfile.mkdtemp


def _remembering_mkdtemp(suffix=None, prefix=None, dir=None):  # noqa: A002 (tempfile's own names)
    folder = _mkdtemp(suffix, prefix, dir)
    if prefix and str(prefix).startswith(TEST_FOLDER_PREFIX):
        _made_here.add(Path(folder).resolve())
    return folder


tempfile.mkdtemp = _remembering_mkdtemp


def postgres_servers_under(folders: set[Path]) -> dict[int, Path]:
    """pid -> data folder of every PostgreSQL postmaster whose data folder lies in ``folders``."""
    found: dict[int, Path] = {}
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            args = (process / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if not args or not args[0].endswith(b"/postgres") or b"-D" not in args[:-1]:
            continue  # backends rename themselves ("postgres: …"); only the postmaster keeps -D
        data = Path(os.fsdecode(args[args.index(b"-D") + 1])).resolve()
        if any(data == folder or folder in data.parents for folder in folders):
            found[int(process.name)] = data
    return found


def stop_postgres_servers_under(folders: set[Path]) -> dict[int, Path]:
    """Stop (immediate shutdown) every postmaster running on data in ``folders``; what was running."""
    running = postgres_servers_under(folders)
    for pid in running:
        with suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGQUIT)
    deadline = time.monotonic() + 30
    while postgres_servers_under(folders) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in postgres_servers_under(folders):
        with suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return running


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    left = stop_postgres_servers_under(_made_here)
    if left:
        listing = ", ".join(f"pid {pid} on {folder}" for pid, folder in sorted(left.items()))
        session.config.get_terminal_writer().line(
            f"FAILED: the test run left {len(left)} PostgreSQL server(s) running (now stopped): {listing}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@dataclass
class ScratchServer:
    """A PostgreSQL server the tests may create databases on."""

    admin_url: str  # libpq form, superuser
    app_password: str | None

    def create_database(self) -> Database:
        name = f"eventflow_test_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        owner_url = sqlalchemy_url(self.admin_url).set(database=name)
        migrations.upgrade(libpq_url(owner_url))
        if self.app_password:
            with psycopg.connect(libpq_url(owner_url), autocommit=True) as conn:
                conn.execute(sql.SQL("ALTER ROLE eventflow_app PASSWORD {}").format(sql.Literal(self.app_password)))
        return Database(owner_url, derive_app_url(owner_url, self.app_password))

    @contextmanager
    def demo(self) -> Iterator[Database]:
        """A database of its own holding the demo data set, dropped afterwards."""
        database = self.create_database()
        try:
            load_demo(database)
            yield database
        finally:
            self.drop_database(database)

    def drop_database(self, database: Database) -> None:
        database.dispose()
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(database.owner_url.database)))


POSTGRES_15_BIN = Path("/usr/lib/postgresql/15/bin")


@contextmanager
def _embedded_server() -> Iterator[ScratchServer]:
    from eventflow import embedded

    # Not under pytest's own temporary root: pytest makes that folder private (0700) again at
    # the start of every run, which would lock the server's system user out of a concurrent run.
    data_dir = Path(tempfile.mkdtemp(prefix="eventflow-test-pg-"))
    owner_url = embedded.start_embedded_server(data_dir, cleanup_mode="delete")
    try:
        yield ScratchServer(libpq_url(sqlalchemy_url(owner_url).set(database="postgres")), None)
    finally:
        # Leave now rather than at interpreter exit, so the end-of-run check finds it stopped.
        embedded._leave(data_dir.absolute(), "delete")
        shutil.rmtree(data_dir, ignore_errors=True)


def _as_postgres_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; Debian's package brings the postgres system user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def _postgres_15_cluster() -> Iterator[ScratchServer]:
    data_dir = Path(tempfile.mkdtemp(prefix="eventflow-test-pg15-"))  # outside pytest's private root
    if os.geteuid() == 0:
        shutil.chown(data_dir, "postgres", "postgres")
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run(_as_postgres_user([str(POSTGRES_15_BIN / "initdb"), "-D", str(data_dir), "-U", "postgres",
                                      "--auth=trust", "--encoding=UTF8", "--no-sync"]), **run)
    subprocess.run(_as_postgres_user([str(POSTGRES_15_BIN / "pg_ctl"), "-D", str(data_dir), "-w", "-l",
                                      str(data_dir / "log"), "-o", f"-k {data_dir} -h '' -F", "start"]), **run)
    try:
        yield ScratchServer(f"postgresql://postgres@/postgres?host={data_dir}", secrets.token_urlsafe(16))
    finally:
        subprocess.run(_as_postgres_user([str(POSTGRES_15_BIN / "pg_ctl"), "-D", str(data_dir), "-m", "immediate",
                                          "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[ScratchServer]:
    """The main server: ``DATABASE_URL``'s, or an embedded one."""
    external = os.environ.get("DATABASE_URL")
    if external:
        password = os.environ.get("EVENTFLOW_APP_PASSWORD") or secrets.token_urlsafe(16)
        yield ScratchServer(libpq_url(sqlalchemy_url(external)), password)
    else:
        with _embedded_server() as server:
            yield server


def _server_kinds() -> list[str]:
    if os.environ.get("DATABASE_URL") or not (POSTGRES_15_BIN / "initdb").exists():
        return ["main"]
    return ["main", "postgresql-15"]


@pytest.fixture(scope="session", params=_server_kinds())
def any_server(request: pytest.FixtureRequest, pg_server: ScratchServer) -> Iterator[ScratchServer]:
    """Each server the database-level tests must pass on."""
    if request.param == "main":
        yield pg_server
    else:
        with _postgres_15_cluster() as server:
            yield server


@pytest.fixture(scope="session")
def database(any_server: ScratchServer) -> Iterator[Database]:
    """A migrated database shared by the whole run; tests make their own organisations in it."""
    database = any_server.create_database()
    yield database
    any_server.drop_database(database)


@pytest.fixture
def fresh_database(any_server: ScratchServer) -> Iterator[Database]:
    """A migrated database for one test only (for tests that change the schema or the ledger)."""
    database = any_server.create_database()
    yield database
    any_server.drop_database(database)


@pytest.fixture(scope="session")
def demo_database(pg_server: ScratchServer) -> Iterator[Database]:
    """A database holding the demo data set, to be read and not changed."""
    with pg_server.demo() as database:
        yield database


@pytest.fixture(scope="module")
def own_demo_database(pg_server: ScratchServer) -> Iterator[Database]:
    """The demo on a database of the test module's own, for modules that change it (the shared
    ``demo_database`` must stay as loaded)."""
    with pg_server.demo() as database:
        yield database


@pytest.fixture
def as_default_database() -> Iterator[callable]:
    """Make a test database the one ``eventflow.db.default_database()`` returns (for pages)."""
    previous = db._default

    def use(database: Database) -> Database:
        db._default = database
        return database

    yield use
    db._default = previous


ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


def app_pages(role: str = "owner") -> list[str]:
    """The page files app.py offers an organiser with ``role``: read from ``app.PAGES``, the one list."""
    import app

    return [spec.path for spec in app.PAGES if role in spec.roles]


def app_page_titles(role: str = "owner") -> list[tuple[str, str]]:
    """(page file, title) of the pages app.py offers an organiser with ``role``, in menu order."""
    import app

    return [(spec.path, spec.title) for spec in app.PAGES if role in spec.roles]


@pytest.fixture
def open_app(as_default_database, monkeypatch):
    """An AppTest factory: ``open_app(database, email, page)`` runs app.py on ``database`` as the
    organiser with ``email`` in local mode (None: nobody), then switches to ``page`` (app.py's
    first page when None). ``session`` presets session state. Cached reads are dropped before and
    after: the demo's ids are the same in every demo database."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.delenv("DATABASE_URL", raising=False)
    st.cache_data.clear()

    def open_as(database: Database, email: str | None, page: str | None = None, *,
                session: dict[str, object] | None = None, timeout: float = 120) -> AppTest:
        as_default_database(database)
        if email is None:
            monkeypatch.delenv("EVENTFLOW_LOCAL_ORGANISER", raising=False)
        else:
            monkeypatch.setenv("EVENTFLOW_LOCAL_ORGANISER", email)
        at = AppTest.from_file(APP, default_timeout=timeout)
        for key, value in (session or {}).items():
            at.session_state[key] = value
        at.run()
        if page and not at.exception:
            at.switch_page(page).run()
        return at

    yield open_as
    st.cache_data.clear()


@pytest.fixture(autouse=True, scope="session")
def _engine_compiled() -> None:
    """Compile the engine's kernels (or load numba's cache) before any test: on a fresh clone the
    first compilation takes several seconds, which would otherwise land inside the time limit of
    whichever test plans first and make it return the greedy start."""
    from eventflow import engine

    engine.warm_up()


@pytest.fixture(autouse=True, scope="session")
def _streamlit_serves_loopback() -> None:
    """As `streamlit run` from the project folder does (.streamlit/config.toml): app.py refuses
    local mode on any other address, and pytest may be started from another folder."""
    from streamlit import config

    if not config.get_option("server.address"):
        config.set_option("server.address", "127.0.0.1", where_defined="tests/conftest.py")


@dataclass
class Organisation:
    id: uuid.UUID
    owner: uuid.UUID
    manager: uuid.UUID
    viewer: uuid.UUID
    event_id: uuid.UUID
    track_ids: list[uuid.UUID] = field(default_factory=list)
    participant_ids: list[uuid.UUID] = field(default_factory=list)


@dataclass
class World:
    """Two organisations with the same shape of data, for isolation tests."""

    database: Database
    a: Organisation
    b: Organisation
    outsider: uuid.UUID  # an organiser with no membership anywhere


def make_organisation(database: Database, label: str, participants: int = 6) -> Organisation:
    suffix = uuid.uuid4().hex[:8]
    with database.owner_connection() as conn:
        org_id = admin.ensure_organization(conn, f"{label} {suffix}")
        people = {}
        for role in ("owner", "manager", "viewer"):
            organiser = admin.ensure_organiser(conn, f"{role}.{label}.{suffix}@example.test", f"{label} {role}")
            admin.set_membership(conn, org_id, organiser, role)  # type: ignore[arg-type]
            people[role] = organiser
    organisation = Organisation(org_id, people["owner"], people["manager"], people["viewer"], uuid.uuid4())
    with database.tenant_session(organisation.owner) as session:
        session.execute(
            text("INSERT INTO events (organization_id, id, name) VALUES (:org, :id, :name)"),
            {"org": org_id, "id": organisation.event_id, "name": f"{label} conference"},
        )
        for name, active in (("Data", True), ("Cloud", True), ("Retired", False)):
            organisation.track_ids.append(session.execute(
                text("INSERT INTO tracks (event_id, name, is_active) VALUES (:event, :name, :active) RETURNING id"),
                {"event": organisation.event_id, "name": name, "active": active},
            ).scalar_one())
        session.execute(
            text("INSERT INTO seating_tables (event_id, table_number, capacity, is_vip_table) "
                 "VALUES (:event, 1, 4, true), (:event, 2, 4, false), (:event, 3, 2, false)"),
            {"event": organisation.event_id},
        )
        for index in range(participants):
            organisation.participant_ids.append(session.execute(
                text("INSERT INTO participants (event_id, full_name, email, company) "
                     "VALUES (:event, :name, :email, :company) RETURNING id"),
                {"event": organisation.event_id, "name": f"{label} person {index}",
                 "email": f"person{index}@{label.lower()}.example", "company": f"{label} Corp"},
            ).scalar_one())
    return organisation


@pytest.fixture
def world(database: Database) -> World:
    with database.owner_connection() as conn:
        outsider = admin.ensure_organiser(conn, f"outsider.{uuid.uuid4().hex[:8]}@example.test", "Outsider")
    return World(database, make_organisation(database, "Alpha"), make_organisation(database, "Beta"), outsider)


def statements_of_page_run(database: Database, at, page: str) -> list[tuple[str, object]]:
    """Switch the AppTest ``at`` to ``page`` with the read cache cleared, and return every statement
    (with its parameters) the run sent through the app's engine."""
    import streamlit as st
    from sqlalchemy import event

    from eventflow import floor_plan, shared_cache

    sent: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append((statement, parameters))

    event.listen(database.app_engine, "before_cursor_execute", keep)
    try:
        st.cache_data.clear()
        shared_cache.CACHE.clear()  # the cross-session caches too: a cold run, as after a colleague's save
        floor_plan.forget_shared_plans()
        at.switch_page(page).run()
    finally:
        event.remove(database.app_engine, "before_cursor_execute", keep)
    assert not at.exception, [e.value for e in at.exception]
    return sent
