"""The printed floor plan: SVG that parses and escapes text, PDF in A4/A3 landscape with every table."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from eventflow import floor_plan, floor_plan_print


@pytest.fixture
def plan(world):
    org = world.a
    with world.database.tenant_session(org.owner) as session:
        session.execute(text("UPDATE seating_tables SET label = '<script>x</script> & Co' "
                             "WHERE event_id = :e AND table_number = 2"), {"e": org.event_id})
        session.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number, seat_number) "
                             "VALUES (:e, :p, 2, 1)"), {"e": org.event_id, "p": org.participant_ids[0]})
        floor_plan.ensure_layout(session, org.event_id)
    with world.database.tenant_session(org.manager) as session:
        return floor_plan.load_floor_plan(session, org.event_id)


def _text_of(page) -> tuple[str, set[str]]:
    """The page's text, and each piece of text the PDF draws on its own (a table number, say)."""
    pieces: list[str] = []
    return page.extract_text(visitor_text=lambda text, *_: pieces.append(text.strip())), set(pieces)


def test_svg_parses_and_draws_text_as_text(plan):
    svg = floor_plan_print.plan_svg(plan, "Alpha <conference>")
    root = ET.fromstring(svg)  # well-formed: every label escaped
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "<script>x</script> & Co" in texts and "Alpha <conference>" in texts
    assert {"1", "2", "3", "Stage", "Entrance", "Bar", "Screen", "VIP zone"} <= set(texts)
    assert not list(root.iter("{http://www.w3.org/2000/svg}script"))


@pytest.mark.parametrize(("paper", "size_pt"), [("A4", (842, 595)), ("A3", (1191, 842))])
def test_pdf_is_landscape_with_every_table_number_and_the_table_lists(plan, paper, size_pt):
    reader = PdfReader(io.BytesIO(floor_plan_print.plan_pdf(plan, "Alpha conference", paper)))
    assert len(reader.pages) == floor_plan_print.pdf_page_count(plan, paper) == 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == size_pt
    drawing, pieces = _text_of(reader.pages[0])
    assert {"1", "2", "3"} <= pieces
    assert all(word in drawing for word in ("Stage", "Entrance", "VIP zone", "Alpha conference"))
    lists = reader.pages[1].extract_text()
    assert "Table 2" in lists and "1. Alpha person 0" in lists


def test_a_big_event_paginates_its_table_lists():
    tables = [floor_plan.seating.TableInfo(n, 10, n <= 3, None, n % 5 == 0) for n in range(1, 201)]
    layout = floor_plan.auto_layout(tables)
    assert len(layout.places) == 200 and len({(x, y) for x, y, _ in layout.places.values()}) == 200
