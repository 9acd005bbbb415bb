"""The Tables page's "Add tables" form through AppTest: a VIP batch does not make the next batch VIP."""

from __future__ import annotations

from sqlalchemy import text

from eventflow import tables
from eventflow.demo import DEMO_EVENT_ID, DEMO_MANAGER_EMAIL


def _vip_of(database, numbers: range) -> list[bool]:
    with database.owner_connection() as conn:
        return conn.execute(text("SELECT is_vip_table FROM seating_tables WHERE event_id = :e "
                                 "AND table_number = ANY(:n) ORDER BY table_number"),
                            {"e": DEMO_EVENT_ID, "n": list(numbers)}).scalars().all()


def test_vip_is_unticked_after_a_vip_batch_and_the_message_says_what_was_added(own_demo_database, open_app):
    at = open_app(own_demo_database, DEMO_MANAGER_EMAIL, "pages/tables.py")
    assert not at.exception, [e.value for e in at.exception]
    vip = next(c for c in at.checkbox if c.label == "VIP tables")
    first = next(n for n in at.number_input if n.label == "First table number").value
    next(n for n in at.number_input if n.label == "How many").set_value(2)
    next(n for n in at.number_input if n.label == "Seats per table").set_value(8)
    vip.check()
    next(b for b in at.button if b.label == "Add tables").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _vip_of(own_demo_database, range(first, first + 2)) == [True, True]
    assert not next(c for c in at.checkbox if c.label == "VIP tables").value  # not carried to the next batch
    next(b for b in at.button if b.label == "Add tables").click().run()
    assert _vip_of(own_demo_database, range(first + 2, first + 4)) == [False, False]
    at.switch_page("app.py").run()  # the confirmations are shown by app.py on the next run
    assert [s.value for s in at.success] == [f"Added 2 VIP tables ({first}–{first + 1}) of 8 seats.",
                                             f"Added 2 tables ({first + 2}–{first + 3}) of 8 seats."]


def test_the_message_names_the_kind_of_tables():
    assert tables.added_message([21, 22, 23], 8, True, True, " Hall A ") == \
        "Added 3 VIP tables (21–23) of 8 seats, wheelchair accessible, labelled “Hall A”."
    assert tables.added_message([5], 10, False, False, "") == "Added 1 table (5) of 10 seats."


def test_the_place_cards_tab_offers_the_folded_cards_as_pdf(own_demo_database, open_app):
    at = open_app(own_demo_database, DEMO_MANAGER_EMAIL, "pages/tables.py")
    assert not at.exception, [e.value for e in at.exception]
    labels = [d.proto.label for d in at.get("download_button")]
    assert "Place cards, A4 folded (PDF)" in labels and "Place cards, A6 folded (PDF)" in labels


def test_reload_after_a_conflict_is_a_button_that_works_on_its_own_run(own_demo_database, open_app):
    """The Reload button was drawn only in the run where Save was pressed, so its click (a new run
    without Save) never reached it: a refused save left the organiser with no way to reload."""
    at = open_app(own_demo_database, DEMO_MANAGER_EMAIL, "pages/tables.py")
    assert not [b for b in at.button if b.label == "Reload tables"]
    revision = at.session_state["tables_revision"]
    at.session_state["tables_conflict"] = True  # what a save refused for a colleague's change leaves
    at.run()
    next(b for b in at.button if b.label == "Reload tables").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["tables_revision"] == revision + 1
    assert not [b for b in at.button if b.label == "Reload tables"]
