"""The kitchen list: per table, how many of each diet, as CSV and PDF (read back by its text)."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import text

from eventflow import kitchen


def _set_up(world):
    org = world.a
    p = org.participant_ids
    with world.database.tenant_session(org.manager) as session:
        for pid, diet, access in ((p[0], "Vegan", None), (p[1], " vegan ", "wheelchair"), (p[2], "Halal", None),
                                  (p[3], None, None), (p[4], "gluten-free", None)):
            session.execute(text("UPDATE participants SET dietary = :d, accessibility = :a WHERE id = :p"),
                            {"d": diet, "a": access, "p": pid})
        session.execute(text("UPDATE seating_tables SET label = 'Garden' WHERE event_id = :e AND table_number = 2"),
                        {"e": org.event_id})
        session.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number) "
                             "VALUES (:e, :a, 2, 1), (:e, :b, 2, 2), (:e, :c, 2, 3), (:e, :d, 1, 1)"),
                        {"e": org.event_id, "a": p[0], "b": p[1], "c": p[3], "d": p[2]})
    return org


def test_counts_per_table_add_up_and_spellings_are_counted_together(world):
    org = _set_up(world)
    with world.database.tenant_session(org.viewer) as session:
        tables = {t.label: t for t in kitchen.kitchen_tables(session, org.event_id)}
        csv_text = kitchen.kitchen_csv(session, org.event_id).decode("utf-8-sig")
    assert tables["Table 2 · Garden"].counts == (("Vegan", 2), ("no requirement", 1))
    assert tables["Table 1"].counts == (("Halal", 1),)
    assert tables["No seat yet"].counts == (("gluten-free", 1), ("no requirement", 1))
    assert ("Alpha person 1", "Vegan", "wheelchair") in tables["Table 2 · Garden"].people
    assert "Table 2 · Garden,Vegan,2" in csv_text


def test_the_pdf_names_tables_diets_and_people(world):
    org = _set_up(world)
    with world.database.tenant_session(org.viewer) as session:
        pdf = kitchen.kitchen_pdf(session, org.event_id)
    content = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("Kitchen list", "Table 2 · Garden · 3 people", "Vegan", "Halal", "No seat yet", "wheelchair",
                     "All tables: 2 Vegan"):
        assert expected in content, expected


def test_table_lists_show_needs_and_place_cards_never_do(world):
    from eventflow import printouts

    org = _set_up(world)
    with world.database.tenant_session(org.viewer) as session:
        lists = printouts.table_lists_pdf(session, org.event_id)
        cards = printouts.place_cards_pdf(session, org.event_id)
    listed = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(lists)).pages)
    carded = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(cards)).pages)
    assert "vegan  · wheelchair" in listed and "Halal" in listed
    assert "Alpha person 1" in carded
    assert not any(word in carded for word in ("Vegan", "Halal", "wheelchair"))



def test_place_cards_show_the_meal_only_when_asked_and_never_an_access_need(world):
    from eventflow import printouts

    org = _set_up(world)
    with world.database.tenant_session(org.viewer) as session:
        cards = printouts.place_cards_pdf(session, org.event_id, with_meals=True)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(cards)).pages]
    carded = "\n".join(pages)
    assert "Meal: Vegan" in carded and "Meal: Halal" in carded and "Meal: vegan" in carded
    assert "wheelchair" not in carded and "accessible" not in carded
    assert sum("Meal:" in page for page in pages) == 3  # the three seated guests with a diet, no one else
