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
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text

from eventflow import admin, db, migrations
from eventflow.db import Database, derive_app_url, libpq_url, sqlalchemy_url
from eventflow.demo import load_demo


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

    def drop_database(self, database: Database) -> None:
        database.dispose()
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(database.owner_url.database)))


POSTGRES_15_BIN = Path("/usr/lib/postgresql/15/bin")


def _start_embedded() -> ScratchServer:
    from eventflow.embedded import start_embedded_server

    # Not under pytest's own temporary root: pytest makes that folder private (0700) again at
    # the start of every run, which would lock the server's system user out of a concurrent run.
    data_dir = Path(tempfile.mkdtemp(prefix="eventflow-test-pg-"))
    owner_url = start_embedded_server(data_dir, cleanup_mode="delete")
    return ScratchServer(libpq_url(sqlalchemy_url(owner_url).set(database="postgres")), None)


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
        yield _start_embedded()


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
    database = pg_server.create_database()
    load_demo(database)
    yield database
    pg_server.drop_database(database)


@pytest.fixture(scope="module")
def own_demo_database(pg_server: ScratchServer) -> Iterator[Database]:
    """The demo on a database of the test module's own, for modules that change it (the shared
    ``demo_database`` must stay as loaded)."""
    database = pg_server.create_database()
    load_demo(database)
    yield database
    pg_server.drop_database(database)


@pytest.fixture
def as_default_database() -> Iterator[callable]:
    """Make a test database the one ``eventflow.db.default_database()`` returns (for pages)."""
    previous = db._default

    def use(database: Database) -> Database:
        db._default = database
        return database

    yield use
    db._default = previous


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

    sent: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append((statement, parameters))

    event.listen(database.app_engine, "before_cursor_execute", keep)
    try:
        st.cache_data.clear()
        at.switch_page(page).run()
    finally:
        event.remove(database.app_engine, "before_cursor_execute", keep)
    assert not at.exception, [e.value for e in at.exception]
    return sent
