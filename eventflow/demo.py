"""A realistic demo data set, created idempotently by ``python -m eventflow demo``.

"Demo Events" (an owner, a manager and a viewer) runs a 400-person conference with six tracks
(one retired), forty-four tables of ten (four of them VIP), about 25 VIPs and 60 % networking
opt-in, part of them seated: seats enough for everyone, so Auto-seat can plan it as it comes. A
second organisation, "Northwind Summits", has its own event, so isolation can be seen in the
dashboard. Accounts and organisations are created on the owner's connection;
everything inside the events is written through the tenant-scoped session, as the dashboard would.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from eventflow import admin, floor_plan
from eventflow.db import Database

_NAMESPACE = uuid.UUID("6f1c2a52-8d0e-4d5e-9a43-2f6a8e1b7c90")


def demo_id(name: str) -> uuid.UUID:
    """Stable ids, so running the demo twice finds what the first run made."""
    return uuid.uuid5(_NAMESPACE, name)


DEMO_ORGANIZATION_ID = demo_id("organization:demo-events")
OTHER_ORGANIZATION_ID = demo_id("organization:northwind")
DEMO_EVENT_ID = demo_id("event:summit")
OTHER_EVENT_ID = demo_id("event:northwind-partner-day")
DEMO_OWNER_EMAIL = "owner@demo.eventflow.test"
DEMO_MANAGER_EMAIL = "manager@demo.eventflow.test"
DEMO_VIEWER_EMAIL = "viewer@demo.eventflow.test"
OTHER_OWNER_EMAIL = "owner@northwind.eventflow.test"

_FIRST = (
    "Amara Ben Chen Dana Elif Farah Goran Hana Ivan Jonas Kemi Lars Mei Nadia Omar Pia Quinn Rosa "
    "Sven Tariq Uma Vera Wen Ximena Yusuf Zoe Aiko Bruno Chiara Diego Esther Felix Greta Hugo Ines "
    "Jana Kofi Lina Malik Noor Oskar Paula Rafael Sara Tomas Ugo Valentina Wiebke Yara"
).split()
_LAST = (
    "Okafor Lindqvist Nakamura Rossi Haddad Novak Schmidt Dubois Silva Kowalski Andersen Moreau "
    "Petrov Costa Fischer Jensen Garcia Ivanova Kim Larsen Mensah Nguyen Oliveira Patel Quispe Rahman "
    "Santos Tanaka Urban Vogel Weber Yilmaz Zhang Abebe Bianchi Castillo"
).split()
_COMPANIES = ("Acme Analytics", "Blue Harbor Bank", "Cobalt Labs", "Delta Logistics", "Evergreen Health",
              "Fjord Energy", "Granite Insurance", "Helix Biotech", "Ion Mobility", "Juniper Retail",
              "Kestrel Security", "Lumen Media", "Meridian Foods", "Nimbus Cloud", "Orbit Telecom",
              "Pioneer Robotics", "Quartz Capital", "Riverstone Legal", "Solstice Travel", "Tidal Software")
_INTERESTS = ("ai", "analytics", "cloud", "security", "privacy", "open source", "devops", "design",
              "product", "marketing", "sales", "fintech", "healthtech", "climate", "mobility",
              "robotics", "leadership", "hiring", "community", "research", "startups", "sustainability",
              "data engineering", "ux research", "accessibility", "edtech", "supply chain", "iot",
              "quantum", "public sector")


@dataclass(frozen=True)
class DemoEventSpec:
    event_id: uuid.UUID
    name: str
    venue: str
    starts_on: date
    ends_on: date
    tracks: tuple[tuple[str, bool], ...]  # (name, is_active)
    participants: int
    tables: int
    vip_tables: int
    vips: int
    seated_share: float
    seed: int


SUMMIT = DemoEventSpec(
    DEMO_EVENT_ID, "EventFlow Summit 2026", "Congress Centre, Hall B", date(2026, 12, 8), date(2026, 12, 9),
    tracks=(("AI & Data", True), ("Cloud & DevOps", True), ("Security & Privacy", True),
            ("Product & Design", True), ("Leadership", True), ("Blockchain (retired)", False)),
    participants=400, tables=44, vip_tables=4, vips=25, seated_share=0.55, seed=2026)
PARTNER_DAY = DemoEventSpec(
    OTHER_EVENT_ID, "Northwind Partner Day", "Northwind HQ, Rooftop", date(2026, 12, 15), date(2026, 12, 15),
    tracks=(("Partners", True), ("Roadmap", True), ("Retail", True)),
    participants=60, tables=8, vip_tables=1, vips=5, seated_share=0.5, seed=15)


def load_demo(database: Database) -> bool:
    """Create the demo organisations, organisers and events; return False if they existed."""
    with database.owner_connection() as conn:
        demo_org = admin.ensure_organization(conn, "Demo Events", DEMO_ORGANIZATION_ID)
        other_org = admin.ensure_organization(conn, "Northwind Summits", OTHER_ORGANIZATION_ID)
        people = {
            DEMO_OWNER_EMAIL: ("Morgan Reyes", demo_org, "owner"),
            DEMO_MANAGER_EMAIL: ("Sam Okafor", demo_org, "manager"),
            DEMO_VIEWER_EMAIL: ("Priya Natarajan", demo_org, "viewer"),
            OTHER_OWNER_EMAIL: ("Jonas Weber", other_org, "owner"),
        }
        owners: dict[uuid.UUID, uuid.UUID] = {}
        for email, (name, org, role) in people.items():
            organiser = admin.ensure_organiser(conn, email, name, demo_id(f"organiser:{email}"))
            admin.set_membership(conn, org, organiser, role)  # type: ignore[arg-type]
            if role == "owner":
                owners[org] = organiser

    created = False
    for org, spec in ((demo_org, SUMMIT), (other_org, PARTNER_DAY)):
        with database.tenant_session(owners[org]) as session:
            created |= _create_event(session, org, spec)
            # The room: stage, VIP zone by it, accessible tables by the entrance (places only what is missing).
            floor_plan.ensure_layout(session, spec.event_id)
    return created


def _create_event(session: Session, organization_id: uuid.UUID, spec: DemoEventSpec) -> bool:
    exists = session.execute(text("SELECT 1 FROM events WHERE id = :id"), {"id": spec.event_id}).first()
    if exists:
        return False
    rng = random.Random(spec.seed)

    def next_id() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    session.execute(
        text(
            """
            INSERT INTO events (organization_id, id, name, venue, starts_on, ends_on, settings)
            VALUES (:organization_id, :id, :name, :venue, :starts_on, :ends_on,
                    '{"default_networking_opt_in": false}')
            """
        ),
        {"organization_id": organization_id, "id": spec.event_id, "name": spec.name, "venue": spec.venue,
         "starts_on": spec.starts_on, "ends_on": spec.ends_on},
    )
    track_ids = [next_id() for _ in spec.tracks]
    session.execute(
        text("INSERT INTO tracks (organization_id, id, event_id, name, is_active) "
             "VALUES (:organization_id, :id, :event_id, :name, :is_active)"),
        [{"organization_id": organization_id, "id": tid, "event_id": spec.event_id, "name": name,
          "is_active": active} for tid, (name, active) in zip(track_ids, spec.tracks, strict=True)],
    )
    session.execute(
        text("INSERT INTO seating_tables (organization_id, event_id, table_number, capacity, is_vip_table, label, "
             "accessible) VALUES (:organization_id, :event_id, :table_number, 10, :is_vip_table, :label, :accessible)"),
        [{"organization_id": organization_id, "event_id": spec.event_id, "table_number": n,
          "is_vip_table": n <= spec.vip_tables,
          "label": "VIP lounge" if n <= spec.vip_tables else f"Hall {chr(64 + (n - 1) // 10 + 1)}",
          "accessible": _accessible(n)}
         for n in range(1, spec.tables + 1)],
    )

    participants = []
    memberships = []
    used_emails: set[str] = set()
    for index in range(spec.participants):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        company = rng.choice(_COMPANIES) if rng.random() < 0.93 else None
        email = f"{first}.{last}".lower()
        while email in used_emails:
            email += str(rng.randint(0, 9))
        used_emails.add(email)
        pid = next_id()
        participants.append({
            "organization_id": organization_id, "id": pid, "event_id": spec.event_id,
            "full_name": f"{first} {last}", "email": f"{email}@{(company or 'gmail').split()[0].lower()}.example",
            "company": company, "is_vip": index < spec.vips, "networking_opt_in": rng.random() < 0.6,
            "interests": rng.sample(_INTERESTS, rng.randint(1, 5)),
            "needs_accessible": rng.random() < 0.03,
        })
        # Most people pick one or two tracks; some only the retired one, some none at all.
        for track in rng.sample(range(len(track_ids)), rng.choice((0, 1, 1, 1, 2, 2, 3))):
            memberships.append({"participant_id": pid, "track_id": track_ids[track]})
    session.execute(
        text(
            """
            INSERT INTO participants (organization_id, id, event_id, full_name, email, company, is_vip,
                                      networking_opt_in, interests, needs_accessible)
            VALUES (:organization_id, :id, :event_id, :full_name, :email, :company, :is_vip,
                    :networking_opt_in, :interests, :needs_accessible)
            """
        ),
        participants,
    )
    session.execute(
        text("INSERT INTO participant_tracks (organization_id, event_id, participant_id, track_id) "
             "VALUES (:organization_id, :event_id, :participant_id, :track_id)"),
        [{"organization_id": organization_id, "event_id": spec.event_id, **m} for m in memberships],
    )
    _seat_some(session, organization_id, spec, participants, rng)
    return True


def _accessible(table_number: int) -> bool:
    return table_number % 5 == 0 or table_number == 1  # the first VIP lounge too


def _seat_some(session: Session, organization_id: uuid.UUID, spec: DemoEventSpec,
               participants: list[dict], rng: random.Random) -> None:
    """Seat VIPs at VIP tables, then a share of everyone else at the other tables."""
    free_seats = {n: list(range(1, 11)) for n in range(1, spec.tables + 1)}
    vip_tables = [n for n in free_seats if n <= spec.vip_tables]
    other_tables = [n for n in free_seats if n > spec.vip_tables]
    rows = []
    for person in participants:
        tables = vip_tables if person["is_vip"] else other_tables
        if person["needs_accessible"]:
            tables = [n for n in tables if _accessible(n)]
        if not person["is_vip"] and rng.random() > spec.seated_share:
            continue
        open_tables = [n for n in tables if free_seats[n]]
        if not open_tables:
            continue
        table = rng.choice(open_tables)
        rows.append({
            "organization_id": organization_id, "event_id": spec.event_id, "participant_id": person["id"],
            "table_number": table, "seat_number": free_seats[table].pop(0),
            "assigned_by": rng.choices(("auto", "manager", "ai"), weights=(7, 2, 1))[0],
        })
    session.execute(
        text(
            """
            INSERT INTO table_assignments
                   (organization_id, event_id, participant_id, table_number, seat_number, assigned_by)
            VALUES (:organization_id, :event_id, :participant_id, :table_number, :seat_number, :assigned_by)
            """
        ),
        rows,
    )
