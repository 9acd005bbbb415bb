"""The whole life of an event in a real browser, from an EMPTY database (no demo): sign in through a
real OpenID Connect provider as a new person, create an organisation and an event, add tables,
invite a colleague, import a spreadsheet whose headers differ from ours (diet, wheelchair, plus-ones,
a new track), the colleague signs in and adds a late guest by hand as a manager, fix a name, remove a cancellation, auto-seat and apply, check someone in, view
the track distribution, and download the kitchen list. Screenshots of every step at 1400, 820 and
390 px land in test-artifacts/journey/.
"""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import (
    click_and_wait,
    download,
    invite_colleague,
    rerun_after,
    search_participants,
    tick_row,
    wait_idle,
)
from tests.browser.test_sign_in import (  # noqa: F401 (the fixtures are used by name)
    _no_exception,
    _open_page,
    _scalar,
    _sign_in,
    oidc_provider,
    sign_in_app,
    tab,
)

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "journey"
WIDTHS = (1400, 820, 390)
GUEST_LIST = (
    "Full Name,E-Mail,Organisation,Track,Diet,Wheelchair,Plus one of,Shoe size\n"
    "Grace Hopper,grace@navy.example,US Navy,Mathematics,vegetarian,,,38\n"
    "Alan Turing,alan@bletchley.example,Bletchley,Machines,,,,44\n"
    "Joan Clarke,joan@bletchley.example,Bletchley,Mathematics,vegan,,,39\n"
    "Charles Babbage,charles@engine.example,Engine Works,Machines; Robotics,,yes,,43\n"
    "Georgiana Babbage,,,Robotics,halal,,charles@engine.example,37\n"
    "Mary Somerville,mary@science.example,Royal Society,Poetry,gluten-free,,,40\n"
    "Emmy Noether,emmy@goettingen.example,Göttingen,Mathematics,,,,39\n"
    "Hedy Lamarr,hedy@films.example,MGM,Machines,vegan,,,38\n"
    "Ada Byron,ada.byron@example.org,Lovelace Conferences,Poetry,,,,37\n"
    "Cancelled Person,cancel@example.org,Nowhere,,,,,41\n"
)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        # Tall enough to show the whole page: Streamlit scrolls inside the page, so a full-page
        # screenshot of a short window shows only its top.
        page.set_viewport_size({"width": width, "height": 2000})
        wait_idle(page)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 900})
    wait_idle(page)


def _search_and_tick(page, name: str) -> None:
    search_participants(page, name)
    tick_row(page, 0, name, "Change 1 selected")


def test_the_whole_journey_from_an_empty_database(sign_in_app, chromium, tab, tmp_path):  # noqa: F811 (fixtures)
    try:
        _journey(sign_in_app, chromium, tab, tmp_path)
    finally:
        SHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SHOTS / "last-step.png"), full_page=True)


def _journey(app, chromium, page, tmp_path) -> None:
    page.set_default_timeout(60_000)
    assert _scalar(app.database, "SELECT count(*) FROM events") == 0  # no demo

    _sign_in(page, app, "ada")
    page.get_by_label("Organisation name").fill("Lovelace Conferences")
    click_and_wait(page, page.get_by_role("button", name="Create organisation"))
    page.get_by_role("heading", name="Events", exact=True).wait_for()
    page.get_by_label("Event name").fill("Analytical Engines Summit")
    page.get_by_role("textbox", name="Tracks (one per line)").fill("Mathematics\nMachines\nPoetry")
    click_and_wait(page, page.get_by_role("button", name="Create event"))
    page.get_by_text("Created the event “Analytical Engines Summit”").wait_for()
    _no_exception(page)
    _shot(page, "01-event-created")

    _open_page(page, "Tables")
    page.get_by_role("tab", name="Define tables").click()
    page.get_by_label("How many").fill("3")
    page.get_by_label("Seats per table").fill("4")
    page.get_by_text("Wheelchair accessible").click()  # Charles Babbage needs one (the file says so)
    expect(page.get_by_role("checkbox", name="Wheelchair accessible")).to_be_checked()
    click_and_wait(page, page.get_by_role("button", name="Add tables"))
    page.get_by_text("Added 3 tables (1–3) of 4 seats, wheelchair accessible.").wait_for()
    _no_exception(page)
    _shot(page, "02-tables-added")

    _open_page(page, "Members")
    invite_colleague(page, "ben.okafor@example.org")
    _no_exception(page)
    _shot(page, "02-colleague-invited")

    _open_page(page, "Participants")
    guest_list = tmp_path / "guests.csv"
    guest_list.write_text(GUEST_LIST, encoding="utf-8")
    page.get_by_text("No participants yet. Import your list").wait_for()
    _shot(page, "03-participants-empty")
    page.get_by_role("tab", name="Import").click()
    rerun_after(page, lambda: page.locator("input[type='file']").set_input_files(str(guest_list)))
    page.get_by_text("10 to add, 0 to change, 0 unchanged").first.wait_for()
    page.get_by_text("The import creates these tracks: Robotics.").wait_for()
    _no_exception(page)
    _shot(page, "04-import-preview")
    click_and_wait(page, page.get_by_role("button", name="Import: 10 to add, 0 to change, 0 unchanged"))
    page.get_by_text("Added 10, updated 0 participants; created 1 track; 1 plus-one group kept together.").wait_for()
    assert _scalar(app.database, "SELECT count(*) FROM participants") == 10
    assert _scalar(app.database, "SELECT dietary FROM participants WHERE full_name = 'Georgiana Babbage'") == "halal"
    assert _scalar(app.database, "SELECT count(*) FROM seating_rules WHERE kind = 'together'") == 1

    # The invited colleague, in a browser of their own, signs in and works as a manager.
    colleague = chromium.new_context(viewport={"width": 1400, "height": 900})
    try:
        ben = colleague.new_page()
        ben.set_default_timeout(60_000)
        _sign_in(ben, app, "ben")
        ben.locator("[data-testid='stSidebar']").get_by_text("Ben Okafor").wait_for()
        ben.get_by_role("heading", name="Analytical Engines Summit").wait_for()
        _open_page(ben, "Participants")
        ben.get_by_role("tab", name="Add a person").click()
        ben.get_by_label("Name (required)").last.fill("Late Guest")
        ben.get_by_label("Dietary requirement").last.fill("vegan")
        click_and_wait(ben, ben.get_by_role("button", name="Add person"))
        ben.get_by_text("Added Late Guest.").wait_for()
        _no_exception(ben)
        _shot(ben, "05-late-guest-added-by-colleague")
    finally:
        colleague.close()
    assert _scalar(app.database, "SELECT m.role FROM memberships m JOIN organisers o ON o.id = m.organiser_id "
                                 "WHERE o.email = 'ben.okafor@example.org'") == "manager"
    assert _scalar(app.database, "SELECT dietary FROM participants WHERE full_name = 'Late Guest'") == "vegan"
    page.get_by_role("tab", name="People").click()

    _search_and_tick(page, "Ada Byron")
    page.get_by_role("heading", name="Edit Ada Byron").wait_for()
    page.get_by_label("Name (required)").first.fill("Ada Lovelace")
    click_and_wait(page, page.get_by_role("button", name="Save changes"))
    page.get_by_text("Saved Ada Lovelace.").wait_for()
    _shot(page, "06-name-fixed")
    assert _scalar(app.database, "SELECT count(*) FROM participants WHERE full_name = 'Ada Lovelace'") == 1

    click_and_wait(page, page.get_by_role("button", name="Clear selection"))
    _search_and_tick(page, "Cancelled Person")
    page.get_by_text("Remove Cancelled Person (cancelled)").click()  # an expander: no rerun
    click_and_wait(page, page.get_by_text("Yes, remove Cancelled Person"))
    _shot(page, "07-remove-confirmation")
    click_and_wait(page, page.get_by_role("button", name="Remove", exact=True))
    page.get_by_text("Removed Cancelled Person.").wait_for()
    assert _scalar(app.database, "SELECT count(*) FROM participants") == 10

    _open_page(page, "Auto-seat")
    click_and_wait(page, page.get_by_role("button", name="Preview", exact=True))
    page.get_by_role("button", name="Apply plan").wait_for()
    _shot(page, "08-auto-seat-preview")
    click_and_wait(page, page.get_by_role("button", name="Apply plan"))
    page.get_by_role("button", name="Apply plan").wait_for(state="detached")
    _no_exception(page)
    assert _scalar(app.database, "SELECT count(*) FROM table_assignments") == 10
    assert _scalar(app.database, "SELECT count(DISTINCT a.table_number) FROM table_assignments a JOIN participants p "
                                 "ON p.id = a.participant_id WHERE p.full_name LIKE '%Babbage'") == 1

    _open_page(page, "Check-in")
    rerun_after(page, lambda: page.locator("input[aria-label='Find a guest']").fill("grace hopper"))  # a live search
    click_and_wait(page, page.get_by_role("button", name="Check in").first)
    page.get_by_text("Grace Hopper is checked in.", exact=False).wait_for()
    _no_exception(page)
    _shot(page, "09-checked-in")
    assert _scalar(app.database, "SELECT checked_in_at IS NOT NULL FROM participants WHERE full_name = 'Grace Hopper'")
    texts = {}
    page.get_by_text("Print-outs (PDF)").click()  # an expander: no rerun; downloads keep it open
    for button in ("Place cards", "Table lists"):
        page.get_by_role("button", name=button, exact=True).wait_for(state="visible")
        texts[button] = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
            download(page, page.get_by_role("button", name=button, exact=True)))).pages)
    assert "Grace Hopper" in texts["Place cards"] and "vegetarian" not in texts["Place cards"]
    assert "vegetarian" in texts["Table lists"] and "halal" in texts["Table lists"]

    _open_page(page, "Track distribution")
    page.get_by_text("Participants per track").first.wait_for()
    _no_exception(page)
    _shot(page, "10-track-distribution")

    _open_page(page, "Participants")
    _shot(page, "11-participants-seated")
    page.get_by_role("tab", name="Export").click()
    kitchen = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
        download(page, page.get_by_role("button", name="Kitchen list (PDF)")))).pages)
    assert "Kitchen list" in kitchen and "halal" in kitchen and "vegan" in kitchen
