"""The kitchen list: per table, how many of each diet (and who), as CSV for the caterer's
spreadsheet and as a PDF for the pass.

Diets are free text as organisers typed or imported them ("Vegan", "vegan ", "halal; no nuts");
they are counted together when they differ only in case and spaces, shown as first typed.
Everyone without a dietary requirement counts as "no requirement", so each table's counts add up
to the people seated there. Guests without a seat come last, as "No seat yet". Accessibility
needs are listed too: the venue team reads this sheet as well.

Decision: place cards carry none of this unless the organiser asks (see
``eventflow.printouts.place_cards_pdf``): dietary and accessibility needs can reveal health or
religion, which a card on the table shows to everyone who sits there. Asked for, a card shows the
diet small for the serving staff, never an accessibility need. Staff print-outs (the table lists
and this list) always carry both.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from eventflow.errors import EVENT_GONE, InputError
from eventflow.event_settings import event_time_zone
from eventflow.formatting import to_safe_csv
from eventflow.printouts import EVENT_PEOPLE_AND_SEATS, _Document, _rows, local_time  # the print-outs' join and layout

NO_REQUIREMENT = "no requirement"
NO_SEAT = "No seat yet"


@dataclass(frozen=True)
class KitchenTable:
    label: str  # "Table 4 · Garden" or "No seat yet"
    counts: tuple[tuple[str, int], ...]  # (diet, people), requirements first by count, "no requirement" last
    people: tuple[tuple[str, str, str], ...]  # (name, diet, accessibility) of those with a need

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


def _key(diet: str | None) -> str:
    return " ".join((diet or "").split()).casefold()


def kitchen_tables(session: Session, event_id: UUID) -> list[KitchenTable]:
    rows = session.execute(text(
        """
        SELECT p.full_name, p.dietary, p.accessibility, p.needs_accessible, a.table_number, t.label
        """ + EVENT_PEOPLE_AND_SEATS + """
         ORDER BY a.table_number NULLS LAST, lower(p.full_name)
        """), {"event_id": event_id}).all()
    shown_as: dict[str, str] = {}
    by_table: dict[int | None, list] = {}
    labels: dict[int | None, str] = {}
    for row in rows:
        key = _key(row.dietary)
        if key:
            shown_as.setdefault(key, " ".join(row.dietary.split()))
        by_table.setdefault(row.table_number, []).append(row)
        labels[row.table_number] = (NO_SEAT if row.table_number is None else
                                    f"Table {row.table_number}" + (f" · {row.label}" if row.label else ""))
    result = []
    for number, people in by_table.items():
        counted = Counter(_key(p.dietary) for p in people)
        requirements = sorted(((shown_as[k], n) for k, n in counted.items() if k),
                              key=lambda x: (-x[1], x[0].casefold()))
        if counted.get(""):
            requirements.append((NO_REQUIREMENT, counted[""]))
        needs = tuple((p.full_name, shown_as.get(_key(p.dietary), ""),
                       p.accessibility or ("accessible table" if p.needs_accessible else ""))
                      for p in people if _key(p.dietary) or p.accessibility or p.needs_accessible)
        result.append(KitchenTable(labels[number], tuple(requirements), needs))
    return result


def kitchen_csv(session: Session, event_id: UUID) -> bytes:
    """One line per table and diet: table, diet, count (a spreadsheet sums and pivots it)."""
    lines = [{"table": t.label, "diet": diet, "count": n} for t in kitchen_tables(session, event_id)
             for diet, n in t.counts]
    return to_safe_csv(pd.DataFrame(lines, columns=["table", "diet", "count"]))


def kitchen_pdf(session: Session, event_id: UUID, *, now: datetime | None = None) -> bytes:
    """Per table: the counts of each diet, then who has a requirement or an accessibility need."""
    name = session.execute(text("SELECT name FROM events WHERE id = :event_id"), {"event_id": event_id}).scalar()
    if name is None:
        raise InputError(EVENT_GONE.capitalize())
    zone = event_time_zone(session, event_id)
    printed = local_time(now or datetime.now(ZoneInfo("UTC")), zone)
    pdf = _Document(f"{name} · kitchen list · printed {printed}", unit="mm", format="A4")
    pdf.set_title(f"{name}: kitchen list")
    pdf.start_page(f"Kitchen list · {name}", 20)
    tables = kitchen_tables(session, event_id)
    totals: Counter[str] = Counter()
    for table in tables:
        totals.update(dict(table.counts))
    pdf.use(11)
    pdf.multi_cell(0, 6, pdf.text_of("All tables: " + ", ".join(f"{n} {d}" for d, n in sorted(
        totals.items(), key=lambda x: (x[0] == NO_REQUIREMENT, -x[1])))), new_x="LMARGIN", new_y="NEXT")
    for table in tables:
        if pdf.will_page_break(40):
            pdf.add_page()
        pdf.ln(4)
        pdf.use(14, bold=True)
        pdf.cell(0, 8, pdf.text_of(f"{table.label} · {table.total} people"), new_x="LMARGIN", new_y="NEXT")
        _rows(pdf, [("Diet", 120), ("Count", 30)], [(d, str(n)) for d, n in table.counts])
        if table.people:
            pdf.ln(1)
            _rows(pdf, [("Name", 70), ("Diet", 60), ("Accessibility", 60)], list(table.people), size=10, height=6)
    if not tables:
        pdf.use(12)
        pdf.cell(0, 10, "This event has no participants yet.")
    return bytes(pdf.output())
