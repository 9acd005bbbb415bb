"""Connections, and the one way to open a tenant-scoped session.

Two roles reach the database:

* the owner (``DATABASE_URL`` or the embedded server's superuser) runs migrations and
  administrative commands — see :meth:`Database.owner_connection`;
* ``eventflow_app`` runs everything the dashboard and the CLI's normal commands do, through
  :func:`tenant_session`. Row-level security decides what it sees; the signed-in organiser is set
  with ``set_config(..., true)`` at the start of every transaction, so it ends with the
  transaction and a pooled connection never hands it to the next user.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar
from uuid import UUID

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from eventflow.config import Settings

APP_ROLE = "eventflow_app"
# serialization_failure, deadlock_detected: the transaction lost a race and may simply run again.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})
T = TypeVar("T")


class UnsafeRoleError(RuntimeError):
    """The dashboard's connection has rights that would let it step around row-level security."""


_NO_PREPARED_STATEMENTS = {"prepare_threshold": None}  # see Database.app_engine


class TenantSession(Session):
    """A SQLAlchemy session that carries the signed-in organiser into every transaction."""


@event.listens_for(TenantSession, "after_begin")
def _set_organiser(session: Session, transaction: object, connection: Connection) -> None:
    # Runs at the start of every transaction the session opens, including the ones that follow
    # a commit or rollback, so no code path can run a query without the organiser set.
    connection.execute(
        text("SELECT set_config('eventflow.organiser_id', :organiser_id, true)"),
        {"organiser_id": session.info["organiser_id"]},
    )


def sqlalchemy_url(url: str) -> URL:
    """Accept ``postgres://``, ``postgresql://`` or ``postgresql+psycopg://`` alike."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"not a PostgreSQL URL: {parsed.render_as_string(hide_password=True)}")
    return parsed.set(drivername="postgresql+psycopg")


def libpq_url(url: URL) -> str:
    """The URL in the form psycopg and psql take."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def derive_app_url(owner_url: URL, password: str | None) -> URL:
    """The app role's URL: same server and database as the owner's, other user."""
    return owner_url.set(username=APP_ROLE, password=password)


class Database:
    """The owner's and the app's engines for one database."""

    def __init__(self, owner_url: str | URL, app_url: str | URL) -> None:
        self.owner_url = sqlalchemy_url(str(owner_url)) if isinstance(owner_url, str) else owner_url
        self.app_url = sqlalchemy_url(str(app_url)) if isinstance(app_url, str) else app_url
        self._lock = threading.Lock()
        self._app_engine: Engine | None = None
        self._owner_engine: Engine | None = None

    @property
    def app_engine(self) -> Engine:
        with self._lock:
            if self._app_engine is None:
                self._app_engine = create_engine(
                    self.app_url,
                    pool_pre_ping=True,  # a restarted server costs one reconnect, not an error
                    pool_size=5,
                    max_overflow=10,
                    pool_recycle=1800,
                    # No server-side prepared statements: after five runs psycopg would prepare a
                    # statement and PostgreSQL would soon reuse one generic plan for every event,
                    # planned for an average event. Event sizes differ a thousandfold, so a plan
                    # per call (about a millisecond) is cheaper: the flagship's statistics took
                    # 34 ms on the generic plan against 20 ms on their own (bench, issue 6). It also
                    # keeps the app usable behind PgBouncer-style transaction pooling.
                    connect_args=_NO_PREPARED_STATEMENTS,
                )
                event.listen(self._app_engine, "connect", _refuse_privileged_role)
            return self._app_engine

    @property
    def owner_engine(self) -> Engine:
        with self._lock:
            if self._owner_engine is None:
                self._owner_engine = create_engine(self.owner_url, pool_pre_ping=True, pool_size=2,
                                                   connect_args=_NO_PREPARED_STATEMENTS)
            return self._owner_engine

    @contextmanager
    def tenant_session(self, organiser_id: UUID | str | None) -> Iterator[Session]:
        """A session acting as ``organiser_id``: commits on success, rolls back on any error.

        ``None`` is allowed and sees nothing (row-level security), which is what an unknown
        sign-in gets.
        """
        organiser = "" if organiser_id is None else str(UUID(str(organiser_id)))
        session = TenantSession(bind=self.app_engine, info={"organiser_id": organiser})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def run_transaction(self, organiser_id: UUID | str | None, work: Callable[[Session], T], *,
                        attempts: int = 10) -> T:
        """Run ``work`` in a tenant session and commit; run it again after a deadlock or
        serialization failure (up to ``attempts`` times), so organisers never see those.

        ``work`` must be safe to repeat: it gets a fresh session each time and should read what
        it needs inside it.
        """
        for attempt in range(1, attempts + 1):
            try:
                with self.tenant_session(organiser_id) as session:
                    return work(session)
            except DBAPIError as error:
                if not is_transient(error) or attempt == attempts:
                    raise
                # Back off, out of step with the other party, and more each time.
                time.sleep(random.uniform(0, min(1.0, 0.02 * 2 ** attempt)))
        raise AssertionError("unreachable")

    @contextmanager
    def owner_connection(self) -> Iterator[Connection]:
        """A transaction as the owner, for migrations and administrative commands only."""
        with self.owner_engine.begin() as connection:
            yield connection

    def dispose(self) -> None:
        with self._lock:
            for engine in (self._app_engine, self._owner_engine):
                if engine is not None:
                    engine.dispose()
            self._app_engine = self._owner_engine = None


def is_transient(error: BaseException) -> bool:
    """A deadlock or serialization failure: the same transaction may succeed if run again."""
    return getattr(getattr(error, "orig", None), "sqlstate", None) in TRANSIENT_SQLSTATES


# Every way the app's connection could step around row-level security, as (reason) rows; the
# dashboard refuses to start on a connection that yields any. Membership is transitive and counted
# whether or not the role inherits (policies apply to members either way; SET ROLE is one step).
# Ownership counts for tables with row-level security and EventFlow's views, policies for tables
# that force it (all of EventFlow's): other applications' tables in a shared database (Supabase's
# storage schema, say) do not stop the dashboard.
_PRIVILEGE_PROBLEMS = """
WITH me AS (SELECT oid, rolname, rolsuper, rolbypassrls, rolcreaterole FROM pg_catalog.pg_roles
             WHERE rolname = current_user)
SELECT 'it is a superuser' FROM me WHERE rolsuper
UNION ALL SELECT 'it has BYPASSRLS' FROM me WHERE rolbypassrls
UNION ALL SELECT 'it has CREATEROLE (it could grant itself the administrative role)' FROM me WHERE rolcreaterole
UNION ALL SELECT 'it is a member of ' || quote_ident(r.rolname)
                 || ', the administrative role whose policies see every tenant'
  FROM pg_catalog.pg_roles AS r
 WHERE r.rolname = 'eventflow_admin' AND pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER')
UNION ALL SELECT 'it owns ' || CASE c.relkind WHEN 'v' THEN 'view ' ELSE 'table ' END || c.oid::regclass::text
                 || ' (an owner may switch row-level security off)'
  FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
 WHERE (c.relrowsecurity OR (c.relkind = 'v' AND n.nspname IN ('public', 'eventflow')))
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND pg_catalog.pg_has_role(current_user, c.relowner, 'MEMBER')
UNION ALL SELECT 'it owns schema ' || quote_ident(n.nspname)
  FROM pg_catalog.pg_namespace AS n
 WHERE n.nspname = 'eventflow' AND pg_catalog.pg_has_role(current_user, n.nspowner, 'MEMBER')
UNION ALL SELECT 'it owns function ' || p.oid::regprocedure::text
  FROM pg_catalog.pg_proc AS p JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
 WHERE n.nspname = 'eventflow' AND pg_catalog.pg_has_role(current_user, p.proowner, 'MEMBER')
UNION ALL SELECT 'policy ' || quote_ident(pol.polname) || ' on ' || pol.polrelid::regclass::text
                 || ' applies to it and does not depend on the signed-in organiser'
  FROM pg_catalog.pg_policy AS pol JOIN pg_catalog.pg_class AS c ON c.oid = pol.polrelid
 WHERE c.relforcerowsecurity  -- every tenant table; not other applications' tables in a shared database
   AND EXISTS (SELECT FROM unnest(pol.polroles) AS r(oid)
                WHERE r.oid = 0 OR pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER'))
   AND NOT (coalesce(pg_catalog.pg_get_expr(pol.polqual, pol.polrelid), 'current_organiser_id(')
              ~ '(current_organiser_id|organization_ids)\\('
            AND coalesce(pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid), 'current_organiser_id(')
              ~ '(current_organiser_id|organization_ids)\\(')
"""


def privilege_problems(cursor: object) -> list[str]:
    """Why the connection behind ``cursor`` (a DB-API cursor) could bypass row-level security."""
    cursor.execute(_PRIVILEGE_PROBLEMS)  # type: ignore[attr-defined]
    return [row[0] for row in cursor.fetchall()]  # type: ignore[attr-defined]


def _refuse_privileged_role(dbapi_connection: object, connection_record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    try:
        problems = privilege_problems(cursor)
        cursor.execute("SELECT current_user")
        user = cursor.fetchone()[0]
    finally:
        cursor.close()
    # Nothing the role did in this check may linger on the pooled connection.
    dbapi_connection.rollback()  # type: ignore[attr-defined]
    if problems:
        raise UnsafeRoleError(
            f"the dashboard's database user {user!r} could bypass row-level security: " + "; ".join(problems)
            + f". Point EVENTFLOW_APP_DATABASE_URL at the {APP_ROLE} role (created by `python -m eventflow db "
            "upgrade`), never at the schema owner's or an administrator's account."
        )


_default: Database | None = None
_default_lock = threading.Lock()


def default_database(settings: Settings | None = None) -> Database:
    """The database named by the environment, starting the embedded server when needed."""
    global _default
    with _default_lock:
        if _default is None:
            settings = settings or Settings.from_environment()
            if settings.embedded:
                from eventflow.embedded import start_embedded_server

                owner_url = sqlalchemy_url(start_embedded_server(settings.data_dir))
            else:
                owner_url = sqlalchemy_url(settings.database_url or "")
            if settings.app_database_url:
                app_url = sqlalchemy_url(settings.app_database_url)
            else:
                app_url = derive_app_url(owner_url, settings.app_password)
            _default = Database(owner_url, app_url)
        return _default


@contextmanager
def tenant_session(organiser_id: UUID | str | None) -> Iterator[Session]:
    """Open a session on the default database as ``organiser_id`` (see :class:`Database`)."""
    with default_database().tenant_session(organiser_id) as session:
        yield session
