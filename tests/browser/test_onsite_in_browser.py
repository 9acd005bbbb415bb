"""On-site flows in a real browser on a phone (390 px) and a tablet (820 px), on a demo and dashboards
of this module's own (late registrations and a door-staff member change the demo):

* a move by typing only a table number takes that table's next free seat (no collision);
* auto-seat with too few seats says so in numbers and applies a partial plan;
* door staff check a guest in from the QR code on their card, read by the camera (Chromium's fake
  camera plays a photo of the code).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import text

from eventflow import admin, guest_qr
from eventflow.demo import DEMO_EVENT_ID, DEMO_MANAGER_EMAIL, DEMO_ORGANIZATION_ID, load_demo
from eventflow.serve import RunningApp, start_app, stop_app
from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.browser.helpers import (
    click_and_wait,
    edit_grid_cell,
    install_rerun_counter,
    no_exception,
    open_page,
    rerun_after,
    wait_idle,
)

pytestmark = pytest.mark.browser

DOOR_EMAIL = "door.browser@demo.eventflow.test"
HEIGHT = {390: 900, 820: 1180}


@pytest.fixture(scope="module")
def onsite_database(pg_server):
    database = pg_server.create_database()
    load_demo(database)
    with database.owner_connection() as conn:
        person = admin.ensure_organiser(conn, DOOR_EMAIL, "Dora Door")
        admin.set_membership(conn, DEMO_ORGANIZATION_ID, person, "door")
        conn.commit()
    yield database
    pg_server.drop_database(database)


@pytest.fixture(scope="module")
def manager_app(onsite_database) -> Iterator[RunningApp]:
    ARTIFACTS.mkdir(exist_ok=True)
    app = start_app(onsite_database, DEMO_MANAGER_EMAIL, ARTIFACTS / "streamlit-onsite-manager.log")
    yield app
    stop_app(app)


def _sql(database, statement: str, **params):
    with database.owner_connection() as conn:
        result = conn.execute(text(statement), params)
        rows = result.all() if result.returns_rows else None
        conn.commit()
    return rows


def _tab(browser, width: int):
    context = browser.new_context(viewport={"width": width, "height": HEIGHT[width]}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


def _fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [390, 820])
def test_a_move_by_table_number_only_takes_the_next_free_seat(manager_app, chromium, width):
    database = manager_app.database
    # A seated person with a name of their own (another per width), found with the search box; a
    # table elsewhere with room, and its first free seat.
    (pid, name, table, seat), = _sql(database, """
        SELECT p.id::text, p.full_name, a.table_number, a.seat_number FROM participants p
          JOIN table_assignments a ON a.participant_id = p.id
         WHERE p.event_id = :e AND a.seat_number IS NOT NULL
           AND (SELECT count(*) FROM participants q WHERE q.event_id = p.event_id
                   AND strpos(lower(q.full_name), lower(p.full_name)) > 0) = 1
         ORDER BY lower(p.full_name), p.id OFFSET :skip LIMIT 1""", e=DEMO_EVENT_ID, skip=0 if width == 390 else 1)
    (target, free), = _sql(database, """
        SELECT t.table_number, min(s.n) FROM seating_tables t
          CROSS JOIN LATERAL generate_series(1, t.capacity) AS s(n)
         WHERE t.event_id = :e AND NOT t.is_vip_table AND t.table_number <> :table
           AND NOT EXISTS (SELECT FROM table_assignments a WHERE a.event_id = t.event_id
                              AND a.table_number = t.table_number AND a.seat_number = s.n)
           AND (SELECT count(*) FROM table_assignments a WHERE a.event_id = t.event_id
                   AND a.table_number = t.table_number) < t.capacity
         GROUP BY t.table_number ORDER BY t.table_number LIMIT 1""", e=DEMO_EVENT_ID, table=table)
    holder = _sql(database, "SELECT p.full_name FROM table_assignments a JOIN participants p ON p.id = "
                            "a.participant_id WHERE a.event_id = :e AND a.table_number = :t AND a.seat_number = :s",
                  e=DEMO_EVENT_ID, t=target, s=seat)

    context, page = _tab(chromium, width)
    try:
        open_page(page, f"{manager_app.url}/seating_editor")
        page.locator("input[aria-label='Search']").fill(name)
        rerun_after(page, lambda: page.keyboard.press("Enter"))
        page.get_by_text("1 of ", exact=False).wait_for()
        edit_grid_cell(page, 0, name, "Table", str(target))  # the Table column only; the seat is left alone
        page.get_by_text("Unsaved changes: 1").wait_for()  # (edit_grid_cell waited for the edit's rerun)
        assert page.locator("[data-testid='stAlert']").filter(has_text="need attention").count() == 0, \
            f"seat {seat} at table {target} is {holder or 'free'}: no collision may be reported"
        page.screenshot(path=str(ARTIFACTS / f"onsite-move-by-table-{width}.png"), full_page=True)
        # The unsaved change names the seat taken: the table's first free one, not the old number.
        page.get_by_text("Unsaved changes: 1").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"onsite-move-by-table-pending-{width}.png"))
        click_and_wait(page, page.get_by_role("button", name="Save changes"))
        page.get_by_text("Saved 1 seating change", exact=False).wait_for()
        assert _sql(database, "SELECT table_number, seat_number FROM table_assignments WHERE participant_id = :p",
                    p=pid)[0] == (target, free)
        assert no_exception(page) and _fits(page, width)
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 820])
def test_too_few_seats_gives_a_partial_plan_that_says_so(manager_app, chromium, width):
    database = manager_app.database
    seats = _sql(database, "SELECT sum(capacity) FROM seating_tables WHERE event_id = :e", e=DEMO_EVENT_ID)[0][0]
    people = _sql(database, "SELECT count(*) FROM participants WHERE event_id = :e", e=DEMO_EVENT_ID)[0][0]
    if people <= seats:
        _sql(database, "INSERT INTO participants (organization_id, event_id, full_name) SELECT :o, :e, "
                       "'Late guest ' || n FROM generate_series(1, :k) AS n",
             o=DEMO_ORGANIZATION_ID, e=DEMO_EVENT_ID, k=seats - people + 12)
        people = seats + 12
    context, page = _tab(chromium, width)
    try:
        open_page(page, f"{manager_app.url}/auto_seat")
        click_and_wait(page, page.get_by_role("button", name="Preview"), timeout=120_000)
        page.get_by_text("Seats are short.", exact=False).wait_for()
        warning = page.locator("[data-testid='stAlert']").filter(has_text="Seats are short").inner_text()
        assert f"{people} guests, {seats} seats: {people - seats} seats short; add" in warning
        assert page.get_by_text("Left without a seat", exact=False).count() >= 1
        page.locator("[data-testid='stAlert']").filter(has_text="Seats are short").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"onsite-partial-auto-seat-shortage-{width}.png"))
        apply = page.get_by_role("button", name="Apply partial plan", exact=False)
        apply.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"onsite-partial-auto-seat-{width}.png"), full_page=True)
        assert no_exception(page) and _fits(page, width)
        if width == 820:  # applied once; the phone only previews
            click_and_wait(page, apply, timeout=120_000)
            page.get_by_text("Plan applied:", exact=False).wait_for()
            assert _sql(database, "SELECT count(*) FROM table_assignments WHERE event_id = :e",
                        e=DEMO_EVENT_ID)[0][0] > 0
    finally:
        context.close()


def _camera_feed(participant_id: str, path: Path) -> Path:
    """A fake camera: an MJPEG file whose frames show the guest's QR code on a grey desk."""
    from PIL import Image

    code = Image.open(io.BytesIO(guest_qr.qr_png(participant_id, scale=8))).convert("RGB")
    frame = Image.new("RGB", (640, 480), (128, 128, 120))
    frame.paste(code.resize((360, 360)), (140, 60))
    jpeg = io.BytesIO()
    frame.save(jpeg, format="JPEG", quality=90)
    path.write_bytes(jpeg.getvalue() * 30)
    return path


def test_door_staff_check_a_guest_in_from_the_qr_code_on_the_camera(onsite_database, chromium, tmp_path):
    database = onsite_database
    (pid, name, table, seat), = _sql(database, """
        UPDATE participants AS p SET checked_in_at = NULL FROM table_assignments AS a
         WHERE a.participant_id = p.id AND p.id = (
               SELECT a2.participant_id FROM table_assignments AS a2
                WHERE a2.event_id = :e AND a2.seat_number IS NOT NULL ORDER BY a2.participant_id LIMIT 1)
        RETURNING p.id::text, p.full_name, a.table_number, a.seat_number""", e=DEMO_EVENT_ID)
    feed = _camera_feed(pid, tmp_path / "qr.mjpeg")
    app = start_app(database, DOOR_EMAIL, ARTIFACTS / "streamlit-onsite-door.log")
    try:
        # A browser of its own: the fake camera is chosen when Chromium starts.
        browser = chromium.browser_type.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={feed}"])
        # The phone checks the guest in; the tablet then finds them checked in and checks them out.
        for width, action, arrived in ((390, "Check in", True), (820, "Check out", False)):
            context = browser.new_context(viewport={"width": width, "height": HEIGHT[width]}, is_mobile=True,
                                          has_touch=True, permissions=["camera"])
            install_rerun_counter(context)  # a browser of its own: not the chromium fixture's
            page = context.new_page()
            page.set_default_timeout(60_000)
            try:
                open_page(page, app.url)
                assert page.locator("h1").inner_text() == "Check-in"
                nav = page.locator("[data-testid='stSidebarNav']")
                assert nav.count() == 0 or "Participants" not in nav.inner_text()
                page.get_by_text("Scan a guest's QR code").click()
                card = page.locator(f".st-key-scanned_{pid}")
                unread = page.get_by_text("No guest code in this photo")
                for _attempt in range(4):
                    # A busy machine may take the photo before the fake camera's first frame (the page
                    # then finds no code, as it would for door staff) or miss the click: take it again.
                    page.get_by_role("button", name="Take Photo").click(timeout=60_000)
                    with contextlib.suppress(PlaywrightTimeout):
                        card.or_(unread).first.wait_for(timeout=30_000)
                    if card.count():
                        break
                    retake = page.get_by_role("button", name="Clear photo")
                    if retake.count():
                        click_and_wait(page, retake)  # the photo is cleared: the page reruns without it
                card.wait_for(timeout=60_000)
                wait_idle(page)
                assert card.get_by_text(f"Table {table}, seat {seat}").count() == 1
                page.screenshot(path=str(ARTIFACTS / f"onsite-door-qr-{width}.png"), full_page=True)
                click_and_wait(page, card.get_by_role("button", name=action))
                page.get_by_text(f"{name} is checked {'in' if arrived else 'out'}.", exact=False).wait_for()
                assert _sql(database, "SELECT checked_in_at IS NOT NULL FROM participants WHERE id = :p",
                            p=pid)[0][0] is arrived
                assert no_exception(page) and _fits(page, width)
                assert page.get_by_text("Print-outs").count() == 0
            finally:
                context.close()
        browser.close()
    finally:
        stop_app(app)
