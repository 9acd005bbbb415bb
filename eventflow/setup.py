"""Bringing a database to the state the dashboard needs: migrated, and with demo data on first start."""

from __future__ import annotations

import psycopg
from psycopg import sql
from sqlalchemy import text

from eventflow import migrations
from eventflow.config import Settings
from eventflow.db import APP_ROLE, Database, default_database, libpq_url


def upgrade_database(database: Database, settings: Settings | None = None) -> list[str]:
    """Apply pending migrations as the owner; set the app role's password when one is configured."""
    settings = settings or Settings.from_environment()
    applied = migrations.upgrade(libpq_url(database.owner_url))
    if settings.app_password:
        with psycopg.connect(libpq_url(database.owner_url), autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(APP_ROLE), sql.Literal(settings.app_password)))
    return applied


def prepare(settings: Settings | None = None) -> Database:
    """The default database, migrated; on an empty embedded database, with the demo loaded."""
    settings = settings or Settings.from_environment()
    database = default_database(settings)
    upgrade_database(database, settings)
    if settings.embedded:
        with database.owner_connection() as conn:
            empty = conn.execute(text("SELECT NOT EXISTS (SELECT FROM events)")).scalar_one()
        if empty:
            from eventflow.demo import load_demo

            load_demo(database)
    return database
