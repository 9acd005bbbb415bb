"""``python -m eventflow``: database upgrades, demo data, accounts, the seating engine, benchmarks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from eventflow.migrations import MigrationError


def _db_upgrade(args: argparse.Namespace) -> int:
    from eventflow.db import default_database
    from eventflow.setup import upgrade_database

    applied = upgrade_database(default_database())
    print("applied: " + ", ".join(applied) if applied else "database is up to date")
    return 0


def _db_status(args: argparse.Namespace) -> int:
    from eventflow import migrations
    from eventflow.db import default_database, libpq_url

    waiting = migrations.pending(libpq_url(default_database().owner_url))
    print("pending: " + ", ".join(waiting) if waiting else "database is up to date")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from eventflow.db import default_database
    from eventflow.demo import DEMO_OWNER_EMAIL, load_demo
    from eventflow.setup import upgrade_database

    database = default_database()
    upgrade_database(database)
    created = load_demo(database)
    print("demo data created" if created else "demo data already present")
    print(f"local mode signs in as {DEMO_OWNER_EMAIL}")
    return 0


def _organiser_add(args: argparse.Namespace) -> int:
    from eventflow import admin
    from eventflow.db import default_database

    with default_database().owner_connection() as conn:
        organiser = admin.ensure_organiser(conn, args.email, args.name or args.email.split("@")[0])
        if args.organization:
            organization = admin.ensure_organization(conn, args.organization)
            admin.set_membership(conn, organization, organiser, args.role)
            print(f"{args.email} is {args.role} of {args.organization} ({organization})")
        else:
            print(f"{args.email}: organiser {organiser}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eventflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="database migrations").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply pending migrations from sql/").set_defaults(func=_db_upgrade)
    db.add_parser("status", help="list pending migrations").set_defaults(func=_db_status)

    commands.add_parser("demo", help="create the demo organisations and events (idempotent)").set_defaults(func=_demo)

    organiser = commands.add_parser("organiser", help="accounts (administrator)").add_subparsers(
        dest="organiser_command", required=True)
    add = organiser.add_parser("add", help="create an organiser, optionally with a role in a new organisation")
    add.add_argument("email")
    add.add_argument("--name", help="display name")
    add.add_argument("--organization", help="name of a new organisation to make them a member of")
    add.add_argument("--role", choices=("owner", "manager", "viewer"), default="owner")
    add.set_defaults(func=_organiser_add)
    # Listed for --help; its own options are parsed by eventflow.bench (see main below).
    commands.add_parser("bench", help="benchmarks at conference scale: python -m eventflow bench --help")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:
        from eventflow import bench

        return bench.main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except MigrationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
