"""Print-outs read back with pypdf: names (in any script), tables and seats, page counts, no VIP on
place cards, hand-moved people with their seat, times in the event's zone."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from eventflow import event_settings, printouts
from eventflow.errors import InputError

NAMES = ("Anna Müller", "Zoë Ångström", "王小明", "Émile Zola")


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _pages(data: bytes, keep_as: str | None = None) -> list[str]:
    if keep_as:  # for a look by eye
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / keep_as).write_bytes(data)
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture
def seated(world):
    """Organisation A: four guests with Unicode names, VIPs, seated at tables 1 and 2 (Émile by hand,
    with a seat), checked-in Anna at 08:30 UTC; the event in Europe/Berlin."""
    org = world.a
    ids = {}
    with world.database.tenant_session(org.manager) as session:
        for index, name in enumerate(NAMES):
            ids[name] = session.execute(text(
                "INSERT INTO participants (event_id, full_name, company, is_vip, checked_in_at) "
                "VALUES (:e, :n, :c, :vip, :at) RETURNING id"),
                {"e": org.event_id, "n": name, "c": "Nordlicht GmbH" if index % 2 == 0 else None,
                 "vip": name == "Anna Müller",
                 "at": datetime(2026, 6, 1, 8, 30, 15, 123456, tzinfo=UTC) if name == "Anna Müller" else None},
            ).scalar_one()
        for name, table, seat, by in (("Anna Müller", 1, 2, "auto"), ("Zoë Ångström", 1, 1, "auto"),
                                      ("王小明", 2, 3, "auto"), ("Émile Zola", 2, 4, "manager")):
            session.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number, "
                                 "seat_number, assigned_by) VALUES (:e, :p, :t, :s, :by)"),
                            {"e": org.event_id, "p": ids[name], "t": table, "s": seat, "by": by})
        event_settings.save_settings(session, org.event_id, {"time_zone": "Europe/Berlin"})
    return world, ids


def test_place_cards_name_table_and_seat_and_never_vip(seated):
    world, _ = seated
    for layout in ("A4", "A6"):
        with world.database.tenant_session(world.a.viewer) as session:
            pages = _pages(printouts.place_cards_pdf(session, world.a.event_id, layout),
                           f"place-cards-{layout}.pdf")
        assert len(pages) == len(NAMES)  # seated guests only, one folded card each
        cards = {name: next(p for p in pages if name in p) for name in NAMES}
        assert "Table 1 · Seat 2" in cards["Anna Müller"] and "Nordlicht GmbH" in cards["Anna Müller"]
        assert "Table 2 · Seat 3" in cards["王小明"]
        assert "Table 2 · Seat 4" in cards["Émile Zola"]  # moved by hand: printed with the seat given
        assert all(page.count("Anna Müller") == 2 for page in pages if "Anna" in page)  # both faces
        assert not any("VIP" in page for page in pages)


def test_place_cards_follow_a_move_by_hand(seated):
    world, ids = seated
    with world.database.tenant_session(world.a.manager) as session:
        session.execute(text("UPDATE table_assignments SET table_number = 3, seat_number = 2, assigned_by = 'manager' "
                             "WHERE participant_id = :p"), {"p": ids["Zoë Ångström"]})
    with world.database.tenant_session(world.a.manager) as session:
        pages = _pages(printouts.place_cards_pdf(session, world.a.event_id, "A6"))
    assert "Table 3 · Seat 2" in next(p for p in pages if "Zoë Ångström" in p)


def test_table_lists_one_page_per_table_with_local_check_in_times(seated):
    world, _ = seated
    printed_at = datetime(2026, 6, 1, 16, 5, 59, 999999, tzinfo=UTC)
    with world.database.tenant_session(world.a.viewer) as session:
        pages = _pages(printouts.table_lists_pdf(session, world.a.event_id, now=printed_at), "table-lists.pdf")
    tables = [p for p in pages if p.lstrip().startswith("Table ")]
    assert [p.split()[1] for p in tables] == ["1", "2", "3"]
    assert "Anna Müller (VIP)" in tables[0] and "Zoë Ångström" in tables[0] and "2 of 4 seats taken" in tables[0]
    assert "VIP table" in tables[0] and "王小明" in tables[1] and "0 of 2 seats taken" in tables[2]
    assert "10:30" in tables[0]  # 08:30 UTC in Berlin's summer time
    assert "08:30" not in tables[0] and "123456" not in "".join(pages)
    assert "printed 1 Jun 2026, 18:05 (Europe/Berlin)" in pages[0]
    unseated = pages[-1]
    assert unseated.startswith("No seat yet (6)") and "Alpha person 0" in unseated  # the fixture's six


def test_escort_list_is_alphabetical_without_regard_to_accents(seated):
    world, _ = seated
    with world.database.tenant_session(world.a.viewer) as session:
        pages = _pages(printouts.escort_list_pdf(session, world.a.event_id), "escort-list.pdf")
    assert len(pages) == 1
    body = pages[0]
    order = [body.index(name) for name in ("Alpha person 0", "Anna Müller", "Émile Zola", "Zoë Ångström")]
    assert order == sorted(order)
    assert "王小明" in body and "2 · 3" in body and "ask us" in body


def test_a_long_escort_list_runs_over_pages(world):
    org = world.a
    with world.database.tenant_session(org.manager) as session:
        session.execute(text("INSERT INTO participants (event_id, full_name) "
                             "SELECT :e, 'Guest ' || lpad(g::text, 3, '0') FROM generate_series(1, 150) AS g"),
                        {"e": org.event_id})
        pages = _pages(printouts.escort_list_pdf(session, org.event_id))
    assert len(pages) >= 4 and "Guest 150" in pages[-1]
    assert all("page" in p and f"of {len(pages)}" in p for p in pages)


def test_another_organisation_prints_nothing_of_ours(seated):
    world, _ = seated
    with world.database.tenant_session(world.b.owner) as session, pytest.raises(InputError):
        printouts.place_cards_pdf(session, world.a.event_id, "A4")


def test_an_unknown_layout_is_refused(seated):
    world, _ = seated
    with world.database.tenant_session(world.a.viewer) as session, pytest.raises(InputError, match="A4 or A6"):
        printouts.place_cards_pdf(session, world.a.event_id, "Letter")  # type: ignore[arg-type]


def test_time_zone_setting_is_checked(world):
    with world.database.tenant_session(world.a.manager) as session:
        assert event_settings.event_time_zone(session, world.a.event_id).key == "UTC"
        with pytest.raises(InputError, match="not a time zone"):
            event_settings.save_settings(session, world.a.event_id, {"time_zone": "Mars/Olympus_Mons"})
        event_settings.save_settings(session, world.a.event_id, {"time_zone": "America/New_York"})
        assert event_settings.event_time_zone(session, world.a.event_id).key == "America/New_York"


def _codes(data: bytes) -> list[list[str]]:
    """The guest codes read back from each page's images, as the check-in camera reads them."""
    from eventflow.guest_qr import read_guest_code
    return [[read_guest_code(image.data) for image in page.images] for page in PdfReader(io.BytesIO(data)).pages]


def test_each_place_card_carries_its_guests_qr_code(seated):
    world, ids = seated
    with world.database.tenant_session(world.a.viewer) as session:
        data = printouts.place_cards_pdf(session, world.a.event_id, "A6")
    pages, codes = _pages(data), _codes(data)
    for text_of_page, found in zip(pages, codes, strict=True):
        name = next(n for n in NAMES if n in text_of_page)
        assert set(found) == {str(ids[name])}, name  # both faces, the same guest


def test_the_qr_guest_list_names_each_guest_with_place_and_code(seated):
    world, ids = seated
    with world.database.tenant_session(world.a.viewer) as session:
        data = printouts.qr_list_pdf(session, world.a.event_id)
    pages = _pages(data, "guest-qr-codes.pdf")
    everyone = "".join(pages)
    assert len(pages) == 2 and all(name in everyone for name in NAMES)  # 10 guests, 8 to a page
    assert "Table 2 · Seat 4" in everyone and "VIP" not in everyone and "Nordlicht" not in everyone
    found = [code for page in _codes(data) for code in page]
    assert sorted(found) == sorted(str(pid) for pid in world.a.participant_ids + list(ids.values()))
