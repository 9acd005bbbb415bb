"""``python -m eventflow``: database upgrades, demo data, accounts, the seating engine, benchmarks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


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


def _organisation(conn, args: argparse.Namespace, *, create: bool):
    """The organisation the administrator named: by --organization-id, or by a name only one has."""
    from uuid import UUID

    from eventflow import admin

    organization_id = None
    if getattr(args, "organization_id", None):
        try:
            organization_id = UUID(args.organization_id)
        except ValueError:
            raise LookupError(f"{args.organization_id!r} is not an organisation id") from None
    return admin.organisation_for(conn, name=args.organization, organization_id=organization_id, create=create)


def _organiser_add(args: argparse.Namespace) -> int:
    from eventflow import admin
    from eventflow.db import default_database
    from eventflow.emails import email_problem

    problem = email_problem(args.email)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        with default_database().owner_connection() as conn:
            organiser = admin.ensure_organiser(conn, args.email, args.name or args.email.split("@")[0])
            if args.organization or args.organization_id:
                organization, created = _organisation(conn, args, create=True)
                admin.set_membership(conn, organization, organiser, args.role)
                label = "new organisation" if created else "existing organisation"
                print(f"{args.email} is {args.role} of {args.organization or organization} ({label} {organization})")
            else:
                print(f"{args.email}: organiser {organiser}")
    except LookupError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2
    return 0


def _member(args: argparse.Namespace) -> int:
    """``member add|list|remove``: as an administrator, through the Members page's own functions."""
    from eventflow import errors, members
    from eventflow.db import default_database

    try:
        with default_database().owner_connection() as conn:
            organization, created = _organisation(conn, args, create=getattr(args, "create_organization", False))
            if created:
                print(f"created the organisation {args.organization} ({organization})")
            if args.member_command == "add":
                print(members.invite(conn, organization, args.email, args.role))
            elif args.member_command == "remove":
                print(members.remove_by_email(conn, organization, args.email))
            else:
                for member in members.list_members(conn, organization):
                    print(f"{member.role:<8} {member.email}  {member.display_name}")
                for invitation in members.list_invitations(conn, organization):
                    print(f"{invitation.role:<8} {invitation.email}  (invited {invitation.created_at:%Y-%m-%d}, "
                          "not signed in yet)")
    except (LookupError, errors.InputError) as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2
    return 0


def _event(args: argparse.Namespace) -> int:
    """``event create|list|archive``: as an administrator, through the Events page's own functions."""
    from datetime import date
    from uuid import UUID

    from sqlalchemy.orm import Session

    from eventflow import events
    from eventflow.db import default_database

    try:
        with default_database().owner_connection() as conn:
            session = Session(bind=conn)  # the owner's transaction, as the functions' session
            if args.event_command == "archive":
                try:
                    event_id = UUID(args.event)
                except ValueError:
                    print(f"error: {args.event!r} is not an event id", file=sys.stderr)
                    return 2
                if args.restore:
                    events.restore_event(session, event_id)
                    print(f"restored {event_id}")
                else:
                    events.archive_event(session, event_id)
                    print(f"archived {event_id}")
                session.flush()
                return 0
            organization, _ = _organisation(conn, args, create=False)
            if args.event_command == "create":
                try:
                    starts = date.fromisoformat(args.starts) if args.starts else None
                    ends = date.fromisoformat(args.ends) if args.ends else None
                except ValueError as error:
                    print(f"error: dates are YYYY-MM-DD ({error})", file=sys.stderr)
                    return 2
                created = events.create_event(session, organization, args.name, starts, ends, args.venue,
                                              args.networking_opt_in, args.track or [])
                session.flush()
                print(f"created event {created}")
            else:
                for item in events.list_events(session, organization):
                    when = item.starts_on.isoformat() if item.starts_on else "-"
                    print(f"{item.id}  {when:<10}  {item.name}{'  [archived]' if item.archived else ''}  "
                          f"({item.participants} participants, {item.tables} tables)")
    except (LookupError, events.EventInputError) as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2
    return 0


def _seat(args: argparse.Namespace) -> int:
    if (args.instance is None) == (args.event is None):
        print("error: give either --instance FILE (the engine alone) or --event ID (an event in the database)",
              file=sys.stderr)
        return 2
    if args.time_limit is not None and not 0 < args.time_limit <= 600:
        print("error: --time-limit must be between 0 and 600 seconds", file=sys.stderr)
        return 2
    return _seat_instance(args) if args.instance is not None else _seat_event(args)


def _seat_instance(args: argparse.Namespace) -> int:
    import json

    from eventflow import engine

    if args.out is None:
        print("error: --instance needs --out FILE for the solution", file=sys.stderr)
        return 2
    try:
        instance = engine.load_instance(args.instance)
    except engine.InstanceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: cannot read {args.instance}: {error.strerror}", file=sys.stderr)
        return 2
    # The time limit runs from the command's start: interpreter start-up, imports and loading count.
    solution = engine.solve(instance, time_limit=args.time_limit, mode=args.mode, seed=args.seed,
                            started=engine.clock.process_started())
    for warning in solution.warnings:
        print(warning, file=sys.stderr)
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(engine.solution_to_json(solution), out, indent=2)
        out.write("\n")
    objective = "none" if solution.objective is None else f"{solution.objective:g}"
    print(f"{solution.status}: objective {objective}, {len(solution.assignments)} seated, written to {args.out}")
    for line in solution.explanation:
        print(f"  {line}")
    return 0 if solution.status != "infeasible" else 1


def _seat_event(args: argparse.Namespace) -> int:
    from uuid import UUID

    from eventflow import admin, autoseat
    from eventflow.db import default_database

    if not args.organiser:
        print("error: --event needs --organiser EMAIL (the plan is made and written as that organiser)",
              file=sys.stderr)
        return 2
    try:
        event_id = UUID(args.event)
    except ValueError:
        print(f"error: {args.event!r} is not an event id", file=sys.stderr)
        return 2
    database = default_database()
    with database.owner_connection() as conn:
        organiser = admin.find_organiser(conn, args.organiser)
    if organiser is None:
        print(f"error: no organiser with the e-mail {args.organiser}", file=sys.stderr)
        return 2
    options = autoseat.AutoSeatOptions(
        time_limit=autoseat.DEFAULT_TIME_LIMIT if args.time_limit is None else args.time_limit, mode=args.mode,
        replan=args.replan, move_penalty=args.move_penalty, seed=args.seed)
    try:
        with database.tenant_session(organiser) as session:
            preview = autoseat.preview_plan(session, event_id, options)
    except autoseat.AutoSeatError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    _print_preview(preview)
    if not preview.feasible:
        return 1
    if not args.apply:
        print("preview only: add --apply to write this plan")
        return 0
    result = database.run_transaction(organiser, lambda session: autoseat.apply_plan(session, event_id, preview))
    print(result.message)
    return 0 if result.ok else 1


def _print_preview(preview) -> None:  # an autoseat.PlanPreview
    print(f"{preview.kind} of {preview.participants} participants ({preview.seated_before} seated now): "
          f"{preview.status}")
    if not preview.feasible:
        print("no plan: " + (" ".join(preview.problems) or "unknown reason"))
        return
    print(f"score {preview.score_before:g} -> {preview.score_after:g}; "
          f"{preview.newly_seated} newly seated, {preview.moved} change table, "
          f"{len(preview.changes) - preview.newly_seated - preview.moved} get another seat number")
    for check in preview.checks:
        print(f"  [{'ok' if check.ok else 'FAILED'}] {check.rule}" + "".join(f"\n      {p}" for p in check.problems))
    for line in preview.explanation:
        print(f"  {line}")
    for change in preview.changes:
        before = "unseated" if change.old_table is None else f"table {change.old_table}"
        print(f"  {change.full_name}: {before} -> table {change.new_table}, seat {change.new_seat}")


def _organisation_arguments(parser: argparse.ArgumentParser, name_help: str) -> None:
    parser.add_argument("--organization", help=name_help)
    parser.add_argument("--organization-id", help="the organisation's id (when several share a name)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eventflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="database migrations").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply pending migrations from sql/").set_defaults(func=_db_upgrade)
    db.add_parser("status", help="list pending migrations").set_defaults(func=_db_status)

    commands.add_parser("demo", help="create the demo organisations and events (idempotent)").set_defaults(func=_demo)

    organiser = commands.add_parser("organiser", help="accounts (administrator)").add_subparsers(
        dest="organiser_command", required=True)
    add = organiser.add_parser("add", help="create an organiser, optionally with a role in an organisation")
    add.add_argument("email")
    add.add_argument("--name", help="display name")
    _organisation_arguments(add, "an organisation to make them a member of: an existing one with this name, "
                                 "or a new one")
    add.add_argument("--role", choices=("owner", "manager", "viewer"), default="owner")
    add.set_defaults(func=_organiser_add)

    member = commands.add_parser("member", help="members and invitations of an organisation (administrator)")
    member_commands = member.add_subparsers(dest="member_command", required=True)
    member_add = member_commands.add_parser(
        "add", help="invite an e-mail with a role; it takes effect when that address signs in")
    member_add.add_argument("email")
    member_add.add_argument("--role", choices=("owner", "manager", "viewer"), required=True)
    member_add.add_argument("--create-organization", action="store_true",
                            help="create the organisation named by --organization when none has that name")
    member_remove = member_commands.add_parser("remove", help="remove a member, or withdraw their invitation")
    member_remove.add_argument("email")
    member_list = member_commands.add_parser("list", help="members and pending invitations")
    for sub in (member_add, member_remove, member_list):
        _organisation_arguments(sub, "the organisation's name (when only one has it)")
        sub.set_defaults(func=_member)

    event = commands.add_parser("event", help="events of an organisation (administrator)")
    event_commands = event.add_subparsers(dest="event_command", required=True)
    event_create = event_commands.add_parser("create", help="create an event with its tracks")
    event_create.add_argument("name")
    event_create.add_argument("--starts", help="first day, YYYY-MM-DD")
    event_create.add_argument("--ends", help="last day, YYYY-MM-DD")
    event_create.add_argument("--venue")
    event_create.add_argument("--track", action="append", help="a track (repeat for several)")
    event_create.add_argument("--networking-opt-in", action="store_true",
                              help="new participants opt in to networking seating by default")
    event_list = event_commands.add_parser("list", help="the organisation's events, archived ones marked")
    for sub in (event_create, event_list):
        _organisation_arguments(sub, "the organisation's name (when only one has it)")
        sub.set_defaults(func=_event)
    event_archive = event_commands.add_parser("archive", help="archive an event (read-only), or --restore it")
    event_archive.add_argument("event", help="the event's id (see event list)")
    event_archive.add_argument("--restore", action="store_true", help="restore an archived event instead")
    event_archive.set_defaults(func=_event)
    seat = commands.add_parser(
        "seat", help="auto-seat: an instance file (engine only) or an event in the database",
        description="python -m eventflow seat --instance FILE --out FILE | --event ID --organiser EMAIL [--apply]")
    seat.add_argument("--instance", help="seating instance JSON to solve with the engine alone")
    seat.add_argument("--out", help="where to write the solution JSON (with --instance)")
    seat.add_argument("--event", help="id of an event to plan, as --organiser")
    seat.add_argument("--organiser", help="e-mail of the organiser to act as (with --event)")
    seat.add_argument("--apply", action="store_true", help="write the plan (with --event)")
    seat.add_argument("--replan", action="store_true", help="re-plan on the day: moving seated people costs")
    seat.add_argument("--move-penalty", type=float, default=1.0, help="score per moved person (with --replan)")
    seat.add_argument("--time-limit", type=float, help="seconds of search")
    seat.add_argument("--mode", choices=("auto", "exact", "heuristic"), default="auto")
    seat.add_argument("--seed", type=int, default=0)
    seat.set_defaults(func=_seat)
    # Listed for --help; its own options are parsed by eventflow.bench (see main below).
    commands.add_parser("bench", help="benchmarks at conference scale: python -m eventflow bench --help")
    commands.add_parser("serve", help="N dashboard processes behind HAProxy: python -m eventflow serve --help")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:
        from eventflow import bench

        return bench.main(argv[1:])
    if argv[:1] == ["serve"]:
        from eventflow import serve

        return serve.main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Exception as error:
        # eventflow.migrations is imported lazily: it brings psycopg (about a second of start-up),
        # which `seat --instance` under a 3-second time limit cannot afford.  An error of its
        # kind can only come from a command that imported it.
        # Likewise the embedded server's and the start-up check's refusals (eventflow.embedded,
        # eventflow.db): messages for whoever typed the command, not tracebacks.
        expected = [getattr(sys.modules.get(module), name, None) for module, name in (
            ("eventflow.migrations", "MigrationError"), ("eventflow.embedded", "EmbeddedServerError"),
            ("eventflow.db", "UnsafeRoleError"))]
        if any(kind is not None and isinstance(error, kind) for kind in expected):
            print(f"error: {error}", file=sys.stderr)
            return 2
        raise
