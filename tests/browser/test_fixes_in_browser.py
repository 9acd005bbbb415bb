"""Issue 11's "Fixes" in a real browser on a phone (390 px) and a tablet (820 px), against one
``streamlit run`` of this module's own demo (the tests add tables, save seats and undo):

* the seating editor, participants and check-in fit the screen: no sideways page scrolling, no
  label cut short or under the sidebar, and no Deploy button or developer menu;
* the upload box says 5 MB;
* the seating editor's Tables panel shows a full 8-seat table as a full bar;
* a save that meets a colleague's change shows who changed it and when, in the event's time;
* an undo refused because a walk-in took a seat names the seat and the person, says reloading will
  not help, and "Undo the rest" puts back the others;
* Add tables says what was added and does not keep "VIP tables" ticked for the next batch;
* the escort list, table lists and place cards read right (names, tables, page count).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from uuid import UUID

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import text

from eventflow.demo import DEMO_EVENT_ID, DEMO_MANAGER_EMAIL, DEMO_OWNER_EMAIL, demo_id
from eventflow.history import begin_change_set
from eventflow.serve import RunningApp, start_app, stop_app
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import (
    click_and_wait,
    download,
    edit_grid_cell,
    grid_cell,
    grid_cell_in_view,
    no_exception,
    open_page,
    rerun_after,
    wait_idle,
)

pytestmark = pytest.mark.browser

WIDTHS = [390, 820]
HEIGHT = {390: 900, 820: 1180}
OWNER = demo_id(f"organiser:{DEMO_OWNER_EMAIL}")
PAGE_WIDTH = "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"

# Labels of the main area that are cut short ("Acc…") or lie under the sidebar (open beside the page
# on a tablet): their text, for the assertion message.
HIDDEN_LABELS = """() => {
  const side = document.querySelector("[data-testid='stSidebar']");
  const sideBox = side && side.getAttribute('aria-expanded') === 'true' ? side.getBoundingClientRect() : null;
  const bad = [];
  const main = document.querySelector("[data-testid='stMain']");
  for (const el of main.querySelectorAll("[data-testid='stWidgetLabel'] p, button p, [role='tab'] p")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || el.closest("[data-testid='stExpanderDetails']") && !el.checkVisibility()) continue;
    if (el.scrollWidth > el.clientWidth + 1) bad.push('cut short: ' + el.innerText);
    else if (sideBox && sideBox.right > 0 && box.left < sideBox.right - 1) bad.push('under the sidebar: ' + el.innerText);
    // Tabs too: a tab bar wider than the screen hides its last tabs behind a scroll arrow.
    else if (box.right > window.innerWidth + 1) bad.push('off the screen: ' + el.innerText);
  }
  return bad;
}"""


FULL_TABLE = {390: 801, 820: 802}  # an 8-seat table, full, per width
WALK_IN_TABLE = {390: 901, 820: 902}  # where the undone change set moved two people, per width


def _change_set(database, statement: str, **params) -> UUID:
    """A change set of the demo owner's (as a colleague's save would be): its id."""
    with database.tenant_session(OWNER) as session:
        change_set = begin_change_set(session, "save")
        session.execute(text(statement), {"e": DEMO_EVENT_ID, **params})
    return change_set


def _prepare(database) -> dict[int, dict]:
    """Per width, before the dashboard reads anything: a full 8-seat table, and a change set whose
    undo a walk-in blocks. The event runs on Berlin time (conflict and history times are local)."""
    _sql(database, "UPDATE events SET settings = settings || '{\"time_zone\": \"Europe/Berlin\"}' WHERE id = :e",
         e=DEMO_EVENT_ID)
    prepared = {}
    for skip, width in enumerate(WIDTHS):
        full = FULL_TABLE[width]
        _change_set(database, "INSERT INTO seating_tables (event_id, table_number, capacity) VALUES (:e, :t, 8)",
                    t=full)
        _change_set(database, """
            INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number, assigned_by)
            SELECT :e, p.id, :t, row_number() OVER (ORDER BY p.id), 'manager' FROM participants p
             WHERE p.event_id = :e AND NOT p.is_vip
               AND NOT EXISTS (SELECT FROM table_assignments a WHERE a.participant_id = p.id)
             ORDER BY p.id LIMIT 8""", t=full)
        # Two seated people moved to a table of their own (the change set to undo); then a walk-in
        # takes the first one's old seat.
        (first, t1, s1), (second, t2, s2) = _sql(database, """
            SELECT a.participant_id, a.table_number, a.seat_number FROM table_assignments a
              JOIN participants p ON p.id = a.participant_id
             WHERE a.event_id = :e AND a.seat_number IS NOT NULL AND NOT p.is_vip AND NOT a.is_vip_table
               AND a.table_number < 800
             ORDER BY a.table_number, a.seat_number OFFSET :skip LIMIT 2""", e=DEMO_EVENT_ID, skip=2 * skip)
        (walk_in, walk_in_name), = _sql(database, """
            SELECT p.id, p.full_name FROM participants p LEFT JOIN table_assignments a ON a.participant_id = p.id
             WHERE p.event_id = :e AND a.id IS NULL AND NOT p.is_vip ORDER BY p.id LIMIT 1""", e=DEMO_EVENT_ID)
        moved_to = WALK_IN_TABLE[width]
        _change_set(database, "INSERT INTO seating_tables (event_id, table_number, capacity) VALUES (:e, :t, 4)",
                    t=moved_to)
        moved = _change_set(database, "UPDATE table_assignments SET table_number = :t, seat_number = NULL "
                            "WHERE event_id = :e AND participant_id IN (:a, :b)", t=moved_to, a=first, b=second)
        _change_set(database, "INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number, "
                    "assigned_by) VALUES (:e, :p, :t, :s, 'ai')", p=walk_in, t=t1, s=s1)
        prepared[width] = {"undo": moved, "first": first, "second": second, "first_seat": (t1, s1),
                           "second_seat": (t2, s2), "walk_in": walk_in, "walk_in_name": walk_in_name}
    return prepared


@pytest.fixture(scope="module")
def prepared(fixes_app) -> dict[int, dict]:
    return fixes_app.prepared


@pytest.fixture(scope="module")
def fixes_app(pg_server) -> Iterator[RunningApp]:
    with pg_server.demo() as database:
        ARTIFACTS.mkdir(exist_ok=True)
        made = _prepare(database)
        app = start_app(database, DEMO_MANAGER_EMAIL, ARTIFACTS / "streamlit-fixes.log")
        app.prepared = made  # type: ignore[attr-defined]
        try:
            yield app
        finally:
            stop_app(app)


@pytest.fixture
def tab(chromium, request):
    """A phone- or tablet-sized tab; ``request.param`` is the width."""
    made = []

    def open_tab(width: int):
        context = chromium.new_context(viewport={"width": width, "height": HEIGHT[width]}, is_mobile=width < 800,
                                       has_touch=True, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(60_000)
        made.append((context, page))
        return page

    yield open_tab
    for context, page in made:
        name = request.node.name.replace("[", "-").replace("]", "")
        try:
            page.screenshot(path=str(ARTIFACTS / f"fixes-last-{name}.png"), full_page=True)
        finally:
            context.close()


def _sql(database, statement: str, **params):
    with database.owner_connection() as conn:
        result = conn.execute(text(statement), params)
        return result.all() if result.returns_rows else None


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"fixes-{name}.png"), full_page=True)


def _fits(page, width: int) -> None:
    assert page.evaluate(PAGE_WIDTH) <= width, f"the page scrolls sideways at {width} px"
    assert page.evaluate(HIDDEN_LABELS) == []
    assert no_exception(page)


def _no_developer_menu(page) -> None:
    # The project's config (toolbarMode = "viewer"): no Deploy button and no developer menu.
    assert page.get_by_test_id("stAppDeployButton").count() == 0
    assert page.get_by_role("button", name="Deploy").count() == 0
    menu = page.get_by_test_id("stMainMenu")
    if menu.count():  # the viewer's menu (settings, print) may stay; nothing for developers in it
        menu.click()
        items = page.get_by_test_id("stMainMenuPopover")
        items.wait_for()
        said = items.inner_text()
        for developer in ("Deploy", "Clear cache", "Developer options", "Rerun", "Record a screencast"):
            assert developer not in said, said
        page.keyboard.press("Escape")
        items.wait_for(state="hidden")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_on_site_views_fit_a_phone_and_a_tablet(fixes_app, tab, width):
    page = tab(width)
    for path, ready in (("seating_editor", "participants shown"), ("participants", re.compile(r"\d+ of \d+ participants")),
                        ("check_in", "checked in")):
        open_page(page, f"{fixes_app.url}/{path}")
        page.get_by_text(ready).first.wait_for()
        wait_idle(page)
        _no_developer_menu(page)
        _fits(page, width)
        _shot(page, f"{path}-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_upload_box_says_5_mb(fixes_app, tab, width):
    page = tab(width)
    open_page(page, f"{fixes_app.url}/participants")
    page.get_by_role("tab", name="Import").click()
    dropzone = page.get_by_test_id("stFileUploaderDropzone")
    dropzone.wait_for()
    wait_idle(page)
    said = dropzone.inner_text()
    assert re.search(r"\b5\s?MB per file", said), said
    assert "200" not in said
    dropzone.scroll_into_view_if_needed()
    _fits(page, width)
    _shot(page, f"upload-box-{width}")


def _seats(database, *people) -> list[tuple]:
    found = {p: (t, s) for p, t, s in _sql(database, "SELECT participant_id, table_number, seat_number FROM "
                                                      "table_assignments WHERE participant_id = ANY(:p)", p=list(people))}
    return [found.get(p) for p in people]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_full_8_seat_table_shows_a_full_bar(fixes_app, tab, width):
    page = tab(width)
    table = FULL_TABLE[width]
    open_page(page, f"{fixes_app.url}/seating_editor")
    page.get_by_text("participants shown").first.wait_for()
    wait_idle(page)
    page.get_by_label("Table", exact=True).first.fill(str(table))
    rerun_after(page, lambda: page.keyboard.press("Enter"))
    page.get_by_text("8 of 400 participants shown").wait_for()
    panel = page.locator(".st-key-seat_fill_panel")
    panel.scroll_into_view_if_needed()
    # The bar is of the table's own 8 seats (not scaled to the largest table's 10): 100 %, 0 free.
    expect(grid_cell(page, 1, str(table), "Seated")).to_have_text(re.compile(r"^(1|1\.0|100%)$"))  # the fraction seated
    assert grid_cell(page, 1, str(table), "Seats").inner_text() == "8"
    assert grid_cell(page, 1, str(table), "Free").inner_text() == "0"
    # The panel's columns are all in view: none scrolls inside it.
    grid = panel.get_by_test_id("stDataFrame")
    assert grid.evaluate("g => g.querySelector('.dvn-scroller').scrollWidth <= g.querySelector('.dvn-scroller')"
                         ".clientWidth + 1")
    _fits(page, width)
    page.screenshot(path=str(ARTIFACTS / f"fixes-full-table-bar-{width}.png"))


@pytest.mark.parametrize("width", WIDTHS)
def test_a_conflict_names_the_colleague_and_a_local_time(fixes_app, tab, width):
    database = fixes_app.database
    (pid, name, table), = _sql(database, """
        SELECT p.id, p.full_name, a.table_number FROM participants p
          JOIN table_assignments a ON a.participant_id = p.id
         WHERE p.event_id = :e AND a.seat_number IS NOT NULL AND NOT p.is_vip AND a.table_number < 800
           AND (SELECT count(*) FROM participants q WHERE q.event_id = p.event_id
                   AND strpos(lower(q.full_name), lower(p.full_name)) > 0) = 1
         ORDER BY p.full_name DESC OFFSET :skip LIMIT 1""", e=DEMO_EVENT_ID, skip=0 if width == 390 else 1)
    (mine, theirs), = _sql(database, """
        SELECT min(t.table_number), max(t.table_number) FROM seating_tables t
         WHERE t.event_id = :e AND NOT t.is_vip_table AND t.table_number <> :t AND t.table_number < 800
           AND (SELECT count(*) FROM table_assignments a WHERE a.table_number = t.table_number
                   AND a.event_id = t.event_id) < t.capacity - 1""", e=DEMO_EVENT_ID, t=table)
    owner_name = _sql(database, "SELECT display_name FROM organisers WHERE id = :o", o=OWNER)[0][0]
    page = tab(width)
    open_page(page, f"{fixes_app.url}/seating_editor")
    page.locator("input[aria-label='Search']").fill(name)
    rerun_after(page, lambda: page.keyboard.press("Enter"))
    page.get_by_text("1 of ", exact=False).first.wait_for()
    edit_grid_cell(page, 0, name, "Table", str(mine))
    page.get_by_text("Unsaved changes: 1").wait_for()
    # Meanwhile a colleague (the owner) moves the same person elsewhere.
    _change_set(database, "UPDATE table_assignments SET table_number = :t, seat_number = NULL "
                "WHERE participant_id = :p", t=theirs, p=pid)
    click_and_wait(page, page.get_by_role("button", name="Save changes"))
    page.get_by_text("someone else changed these people after you loaded the grid").wait_for()
    index = page.get_by_test_id("stDataFrame").count() - 1  # the conflicts are the last grid
    expect(grid_cell_in_view(page, index, name, "Now (their value)")).to_have_text(re.compile(f"^table {theirs}\\b", re.IGNORECASE))
    expect(grid_cell_in_view(page, index, name, "Changed by")).to_have_text(owner_name)
    when = grid_cell_in_view(page, index, name, "Changed at").inner_text()
    assert re.fullmatch(r"\d{1,2} \w{3} \d{4}, \d{2}:\d{2} \(Europe/Berlin\)", when), when
    conflicts = page.get_by_test_id("stDataFrame").nth(index)
    assert _sql(database, "SELECT table_number FROM table_assignments WHERE participant_id = :p", p=pid)[0][0] == theirs
    conflicts.first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"fixes-conflict-{width}.png"))
    _fits(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_an_undo_a_walk_in_blocks_names_them_and_undoes_the_rest(fixes_app, prepared, tab, width):
    database = fixes_app.database
    made = prepared[width]
    t1, s1 = made["first_seat"]
    page = tab(width)
    open_page(page, f"{fixes_app.url}/history")
    chooser = page.get_by_label("Show one change set")
    chooser.click()
    page.keyboard.type(f"ref {str(made['undo'])[:8]}")
    click_and_wait(page, page.get_by_role("option", name=re.compile(f"ref {str(made['undo'])[:8]}")))
    click_and_wait(page, page.get_by_role("button", name="Undo this change set"))
    refusal = page.locator("[data-testid='stAlert']").filter(has_text="Nothing was undone")
    refusal.wait_for()
    said = refusal.inner_text()
    assert f"Seat {s1} at table {t1} now belongs to {made['walk_in_name']} (seated as a walk-in" in said, said
    assert "Reloading will not change this" in said and "Reload to" not in said
    rest = page.get_by_role("button", name="Undo the rest: put back the other 1, leave 1 where they are now")
    rest.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"fixes-undo-refused-{width}.png"))
    _fits(page, width)
    click_and_wait(page, rest)
    page.get_by_text("Undone: 1 people are back where they were before that save; 1 stayed where they are.").wait_for()
    assert _seats(database, made["first"], made["second"], made["walk_in"]) == [
        (WALK_IN_TABLE[width], None), made["second_seat"], made["first_seat"]]


@pytest.mark.parametrize("width", WIDTHS)
def test_add_tables_says_what_was_added_and_forgets_vip(fixes_app, tab, width):
    database = fixes_app.database
    page = tab(width)
    open_page(page, f"{fixes_app.url}/tables")
    page.get_by_role("tab", name="Define tables").click()
    first = 600 if width == 390 else 700
    page.get_by_label("First table number").fill(str(first))
    page.get_by_label("How many").fill("2")
    page.get_by_label("Seats per table").fill("8")
    page.get_by_text("VIP tables", exact=True).click()
    expect(page.get_by_role("checkbox", name="VIP tables")).to_be_checked()
    click_and_wait(page, page.get_by_role("button", name="Add tables"))
    page.get_by_text(f"Added 2 VIP tables ({first}–{first + 1}) of 8 seats.").wait_for()
    page.get_by_role("tab", name="Define tables").click()
    vip = page.get_by_role("checkbox", name="VIP tables")
    vip.scroll_into_view_if_needed()
    expect(vip).not_to_be_checked()  # the next batch is not VIP unless ticked again
    page.screenshot(path=str(ARTIFACTS / f"fixes-add-tables-{width}.png"))
    page.get_by_label("First table number").fill(str(first + 2))
    page.get_by_label("How many").fill("1")
    click_and_wait(page, page.get_by_role("button", name="Add tables"))
    page.get_by_text(f"Added 1 table ({first + 2}) of 8 seats.").wait_for()
    assert _sql(database, "SELECT table_number, capacity, is_vip_table FROM seating_tables WHERE event_id = :e "
                          "AND table_number BETWEEN :a AND :b ORDER BY 1", e=DEMO_EVENT_ID, a=first, b=first + 2) == [
        (first, 8, True), (first + 1, 8, True), (first + 2, 8, False)]
    _fits(page, width)


def _pdf_text(page, button: str) -> list[str]:
    pdf = download(page, page.get_by_role("button", name=button, exact=True))
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_print_outs_read_right(fixes_app, tab, width):
    database = fixes_app.database
    page = tab(width)
    open_page(page, f"{fixes_app.url}/check_in")
    page.get_by_text("Print-outs (PDF)").click()  # an expander: no rerun
    page.get_by_role("button", name="Table lists", exact=True).wait_for(state="visible")
    seated = _sql(database, "SELECT p.full_name, a.table_number, a.seat_number FROM participants p JOIN "
                            "table_assignments a ON a.participant_id = p.id WHERE p.event_id = :e", e=DEMO_EVENT_ID)
    everyone = [n for (n,) in _sql(database, "SELECT full_name FROM participants WHERE event_id = :e", e=DEMO_EVENT_ID)]
    tables = [t for (t,) in _sql(database, "SELECT table_number FROM seating_tables WHERE event_id = :e ORDER BY 1",
                                 e=DEMO_EVENT_ID)]
    escort = "\n".join(_pdf_text(page, "Find your table (escort list)"))
    assert "Find your table" in escort and all(name in escort for name in everyone)
    lines = escort.splitlines()
    unique = [(n, t, s) for n, t, s in seated if everyone.count(n) == 1]
    for name, table, seat in unique[:: max(1, len(unique) // 20)]:  # every 20th seated guest: table and seat
        line = next(x for x in lines if x.startswith(name + " "))
        assert re.search(rf"\b{table}( · {seat})?$" if seat else rf"\b{table}$", line), (name, table, seat, line)
    table_pages = _pdf_text(page, "Table lists")
    assert len(table_pages) >= len(tables) + (len(everyone) > len(seated))
    for table in (FULL_TABLE[width], WALK_IN_TABLE[width], tables[0]):
        on_page = next(t for t in table_pages if re.match(rf"Table {table}\b", t.strip()))
        people = [n for n, t, _s in seated if t == table]
        assert f"{len(people)} of " in on_page and all(n in on_page for n in people), table
    cards = _pdf_text(page, "Place cards")
    assert len(cards) == len(seated)  # one folded card per seated guest
    assert all(any(name in card for card in cards) for name, _t, _s in seated)
    assert not any("VIP" in c for c in cards)
    _fits(page, width)
