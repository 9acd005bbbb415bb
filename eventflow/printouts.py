"""Print-outs for guests and venue staff, as PDF: place (tent) cards, table lists, and the
alphabetical "find your table" escort list for the entrance.

* Place cards: the name large, the company smaller, table and seat. Folded tent cards on A4 (one
  card per sheet, folded across the middle) or A6 (landscape, folded the same way). Both faces are
  printed, the upper one upside down, so the card reads from either side of the table. Nothing
  that marks a guest as a VIP is ever printed on a card a guest sees.
* Table lists (venue staff): every table with its seats, people, VIP marks, dietary and
  accessibility needs, and check-in times.
* Escort list (entrance): everyone by name (accents and case do not change the order), with table
  and seat, large enough to read standing.

Every seat comes from the seating as stored now, so people moved by hand print with the seat
they were given. Times are in the event's time zone (``event_settings`` "time_zone"), to the
minute. Names in any script print: DejaVu Sans (Debian's fonts-dejavu-core) with WenQuanYi Micro
Hei (fonts-wqy-microhei) for Chinese, Japanese and Korean; without those fonts the PDF core font
is used and characters outside Latin-1 print as "?" (the page says so).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from fpdf import FPDF
from sqlalchemy import text
from sqlalchemy.orm import Session

from eventflow.errors import EVENT_GONE, InputError
from eventflow.event_settings import event_time_zone
from eventflow.formatting import fold, local_time
from eventflow.guest_qr import qr_png

CardLayout = Literal["A4", "A6"]
CARD_LAYOUTS: dict[str, str] = {"A4": "A4 sheet, one card, folded across the middle",
                                "A6": "A6 card (landscape), folded across the middle"}
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def missing_fonts() -> str | None:
    """What prints wrongly on this computer for lack of fonts (None: every script prints)."""
    if not (FONT_DIR / "DejaVuSans.ttf").exists():
        return ("The DejaVu fonts are not installed (Debian: fonts-dejavu-core): letters outside Western European "
                "alphabets print as “?”.")
    if not CJK_FONT.exists():
        return "Chinese, Japanese and Korean names need the font package fonts-wqy-microhei to print."
    return None


@dataclass(frozen=True)
class PrintedGuest:
    name: str
    company: str | None
    is_vip: bool
    table_number: int | None
    seat_number: int | None
    table_label: str | None
    vip_table: bool
    checked_in_at: datetime | None
    needs: str = ""  # dietary and accessibility: staff print-outs only, never a place card
    diet: str = ""  # on a place card only when the organiser asks (see place_cards_pdf)
    participant_id: str = ""  # for the guest's QR code (eventflow.guest_qr)

    @property
    def place(self) -> str:
        if self.table_number is None:
            return "No seat yet"
        return f"Table {self.table_number}" + ("" if self.seat_number is None else f" · Seat {self.seat_number}")


@dataclass(frozen=True)
class PrintTable:
    number: int
    label: str | None
    capacity: int
    vip_table: bool


@dataclass(frozen=True)
class _Event:
    name: str
    zone: ZoneInfo
    guests: list[PrintedGuest]
    tables: list[PrintTable]


# The event's participants as ``p``, with their seat ``a`` and table ``t`` where they have one (also the kitchen's).
EVENT_PEOPLE_AND_SEATS = """
          FROM participants AS p
          LEFT JOIN table_assignments AS a ON a.organization_id = p.organization_id AND a.participant_id = p.id
          LEFT JOIN seating_tables AS t
                 ON t.organization_id = a.organization_id AND t.event_id = a.event_id
                AND t.table_number = a.table_number
         WHERE p.event_id = :event_id
"""


def _load(session: Session, event_id: UUID) -> _Event:
    name = session.execute(text("SELECT name FROM events WHERE id = :event_id"),
                           {"event_id": event_id}).scalar_one_or_none()
    if name is None:
        raise InputError(EVENT_GONE.capitalize())
    guests = [PrintedGuest(**row) for row in session.execute(text(
        """
        SELECT p.id::text AS participant_id, p.full_name AS name, p.company, p.is_vip,
               a.table_number, a.seat_number, t.label AS table_label,
               coalesce(t.is_vip_table, false) AS vip_table, p.checked_in_at,
               concat_ws(' · ', p.dietary, coalesce(p.accessibility, CASE WHEN p.needs_accessible
                                                                      THEN 'accessible table' END)) AS needs,
               coalesce(btrim(p.dietary), '') AS diet
        """ + EVENT_PEOPLE_AND_SEATS), {"event_id": event_id}).mappings()]
    guests.sort(key=lambda g: (fold(g.name), g.name))
    tables = [PrintTable(**row) for row in session.execute(text(
        "SELECT table_number AS number, label, capacity, is_vip_table AS vip_table FROM seating_tables "
        "WHERE event_id = :event_id ORDER BY table_number"), {"event_id": event_id}).mappings()]
    return _Event(name, event_time_zone(session, event_id), guests, tables)


# ------------------------------------------------------------------------------------------- fonts

class _Document(FPDF):
    """A PDF with the fonts set up and a footer naming the event, the print time and the page."""

    def __init__(self, footer: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.footer_text = footer
        self.family, self.unicode = "Helvetica", False
        regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            self.add_font("DejaVu", "", str(regular))
            self.add_font("DejaVu", "B", str(bold))
            self.family, self.unicode = "DejaVu", True
            if CJK_FONT.exists():
                self.add_font("WQY", "", str(CJK_FONT), collection_font_number=0)
                self.add_font("WQY", "B", str(CJK_FONT), collection_font_number=0)
                self.set_fallback_fonts(["WQY"], exact_match=False)
        self.set_author("EventFlow Seating")

    def text_of(self, value: str) -> str:
        return value if self.unicode else value.encode("latin-1", "replace").decode("latin-1")

    def start_page(self, title: str, size: float) -> None:
        """A new page headed by ``title`` in bold type of ``size`` points (line height half of it, in mm)."""
        self.add_page()
        self.use(size, bold=True)
        self.multi_cell(0, size / 2, self.text_of(title), new_x="LMARGIN", new_y="NEXT")

    def use(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)

    def footer(self) -> None:
        if not self.footer_text:
            return
        self.set_y(-12)
        self.use(8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, self.text_of(f"{self.footer_text} · page {self.page_no()} of {{nb}}"), align="C")
        self.set_text_color(0, 0, 0)


def _printed(event: _Event, what: str, now: datetime | None) -> str:
    return f"{event.name} · {what} · printed {local_time(now or datetime.now(ZoneInfo('UTC')), event.zone)}"


def _a4_list(event: _Event, what: str, now: datetime | None) -> _Document:
    """An A4 document titled and footed with what it lists."""
    pdf = _Document(_printed(event, what, now), unit="mm", format="A4")
    pdf.set_title(f"{event.name}: {what}")
    return pdf


# ------------------------------------------------------------------------------------- place cards

_CARD_PAGES: dict[str, tuple[str, tuple[float, float], float]] = {  # orientation, paper (mm), type scale
    "A4": ("P", (210.0, 297.0), 1.0), "A6": ("L", (105.0, 148.0), 0.55)}


def place_cards_pdf(session: Session, event_id: UUID, layout: CardLayout = "A4", *,
                    seated_only: bool = True, with_meals: bool = False) -> bytes:
    """One folded tent card per guest (seated guests only unless ``seated_only`` is false), by name.

    ``with_meals`` prints the guest's dietary requirement small at the foot of the card, for the
    serving staff. Off unless the organiser asks: the card stands on the table for everyone to read,
    and a diet can reveal health or religion. Accessibility needs are never printed on a card."""
    if layout not in _CARD_PAGES:
        raise InputError(f"Place cards come in {' or '.join(CARD_LAYOUTS)}, not “{layout}”.")
    event = _load(session, event_id)
    orientation, paper, scale = _CARD_PAGES[layout]
    pdf = _Document("", orientation=orientation, unit="mm", format=paper)
    pdf.set_auto_page_break(False)
    pdf.set_title(f"{event.name}: place cards")
    guests = [g for g in event.guests if g.table_number is not None or not seated_only]
    for guest in guests:
        pdf.add_page()
        half = pdf.h / 2
        pdf.set_draw_color(190, 190, 190)
        pdf.set_dash_pattern(dash=1, gap=1.5)
        pdf.line(5, half, pdf.w - 5, half)  # the fold
        pdf.set_dash_pattern()
        # The lower half reads upright; the upper half is the back of the card, upside down.
        _card_face(pdf, guest, top=half, height=half, scale=scale, meal=guest.diet if with_meals else "")
        with pdf.rotation(180, x=pdf.w / 2, y=half / 2):
            _card_face(pdf, guest, top=0, height=half, scale=scale, meal=guest.diet if with_meals else "")
    if not guests:
        pdf.add_page()
        pdf.use(14)
        pdf.cell(0, 20, "Nobody is seated yet: there are no place cards to print.", align="C")
    return bytes(pdf.output())


def _fitting_size(pdf: _Document, value: str, width: float, largest: float, smallest: float,
                  bold: bool) -> float:
    size = largest
    while size > smallest:
        pdf.use(size, bold)
        if pdf.get_string_width(value) <= width:
            break
        size -= 1
    return size


def _card_face(pdf: _Document, guest: PrintedGuest, *, top: float, height: float, scale: float,
               meal: str = "") -> None:
    margin = 12 * scale
    width = pdf.w - 2 * margin
    name = pdf.text_of(guest.name)
    size = _fitting_size(pdf, name, width, 44 * scale, 12 * scale, bold=True)
    pdf.use(size, bold=True)
    line = size * 0.45
    lines = 1 if pdf.get_string_width(name) <= width else 2
    pdf.set_xy(margin, top + height * 0.28)
    pdf.multi_cell(width, line, name, align="C", max_line_height=line)
    if guest.company:
        pdf.use(_fitting_size(pdf, pdf.text_of(guest.company), width, 20 * scale, 8 * scale, False))
        pdf.set_xy(margin, top + height * 0.28 + lines * line + 4 * scale)
        pdf.multi_cell(width, 9 * scale, pdf.text_of(guest.company), align="C", max_line_height=9 * scale)
    pdf.use(18 * scale, bold=True)
    pdf.set_xy(margin, top + height - 26 * scale)
    pdf.cell(width, 10 * scale, guest.place, align="C")
    if meal:  # for the serving staff, in the corner opposite the code
        pdf.use(11 * scale)
        pdf.set_xy(margin / 2, top + height - 12 * scale)
        pdf.cell(width / 2, 6 * scale, pdf.text_of(f"Meal: {meal}"))
    if guest.participant_id:  # the guest's check-in code, in the corner, small enough not to distract
        size = 24 * scale
        pdf.image(io.BytesIO(qr_png(guest.participant_id, scale=4)), x=pdf.w - margin / 2 - size,
                  y=top + height - size - 4 * scale, w=size, h=size)


# ---------------------------------------------------------------------------------- lists for staff

def table_lists_pdf(session: Session, event_id: UUID, *, now: datetime | None = None) -> bytes:
    """Every table on its own page: its seats in order, who sits there, VIP marks, check-in times;
    then the guests without a seat."""
    event = _load(session, event_id)
    pdf = _a4_list(event, "table lists", now)
    by_table: dict[int, list[PrintedGuest]] = {}
    for guest in event.guests:
        if guest.table_number is not None:
            by_table.setdefault(guest.table_number, []).append(guest)
    for table in event.tables:
        people = sorted(by_table.get(table.number, []),
                        key=lambda g: (g.seat_number is None, g.seat_number or 0, fold(g.name)))
        pdf.start_page(f"Table {table.number}" + (f" · {table.label}" if table.label else ""), 20)
        pdf.use(11)
        pdf.cell(0, 7, f"{len(people)} of {table.capacity} seats taken" + (" · VIP table" if table.vip_table else ""),
                 new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        _rows(pdf, [("Seat", 14), ("Name", 64), ("Company", 42), ("Diet · access", 46), ("Checked in", 24)],
              [(str(g.seat_number or "–"), g.name + (" (VIP)" if g.is_vip else ""), g.company or "", g.needs,
                f"{g.checked_in_at.astimezone(event.zone):%H:%M}" if g.checked_in_at else "") for g in people])
    unseated = [g for g in event.guests if g.table_number is None]
    if unseated:
        pdf.add_page()
        pdf.use(20, bold=True)
        pdf.cell(0, 10, f"No seat yet ({len(unseated)})", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        _rows(pdf, [("Name", 96), ("Company", 94)], [(g.name + (" (VIP)" if g.is_vip else ""), g.company or "")
                                                      for g in unseated])
    if not event.tables and not unseated:
        pdf.add_page()
        pdf.use(14)
        pdf.cell(0, 10, "This event has no tables and no participants yet.")
    return bytes(pdf.output())


def escort_list_pdf(session: Session, event_id: UUID, *, now: datetime | None = None) -> bytes:
    """"Find your table": everyone by name, in large type, with table and seat."""
    event = _load(session, event_id)
    pdf = _a4_list(event, "find your table", now)
    pdf.start_page(f"Find your table · {event.name}", 22)
    pdf.ln(3)
    _rows(pdf, [("Name", 100), ("Company", 50), ("Table · seat", 40)],
          [(g.name, g.company or "", g.place.replace("Table ", "").replace("Seat ", "") if g.table_number else "ask us")
           for g in event.guests], size=13, height=9, first_letter=lambda row: fold(row[0])[:1].upper())
    return bytes(pdf.output())


def qr_list_pdf(session: Session, event_id: UUID, *, now: datetime | None = None) -> bytes:
    """Every guest by name with table, seat and their QR code, to hand out or send: the check-in desk
    reads the code from a phone's camera. Names and places only (no companies, no VIP marks)."""
    event = _load(session, event_id)
    pdf = _a4_list(event, "guest QR codes", now)
    pdf.start_page(f"Check-in codes · {event.name}", 20)
    pdf.ln(2)
    code, row = 26.0, 30.0
    for guest in event.guests:
        if pdf.will_page_break(row):
            pdf.add_page()
        y = pdf.get_y()
        pdf.image(io.BytesIO(qr_png(guest.participant_id, scale=4)), x=pdf.l_margin, y=y + 2, w=code, h=code)
        pdf.set_xy(pdf.l_margin + code + 6, y + 7)
        pdf.use(14, bold=True)
        pdf.cell(0, 8, pdf.text_of(guest.name), new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(pdf.l_margin + code + 6)
        pdf.use(12)
        pdf.cell(0, 7, guest.place, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(y + row)
    if not event.guests:
        pdf.use(14)
        pdf.cell(0, 10, "This event has no participants yet.")
    return bytes(pdf.output())


def _rows(pdf: _Document, columns: list[tuple[str, float]], rows: list[tuple[str, ...]], *, size: float = 11,
          height: float = 7, first_letter: Callable[[tuple[str, ...]], str] | None = None) -> None:
    def header() -> None:
        pdf.use(size - 1, bold=True)
        pdf.set_fill_color(235, 235, 235)
        for title, width in columns:
            pdf.cell(width, height, title, fill=True)
        pdf.ln(height)

    header()
    letter = None
    for index, row in enumerate(rows):
        if pdf.will_page_break(height):
            pdf.add_page()
            header()
        if first_letter is not None and first_letter(row) != letter:
            letter = first_letter(row)
            pdf.use(size - 2, bold=True)
            pdf.set_text_color(120, 120, 120)
            pdf.cell(0, height * 0.8, letter, new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
        pdf.use(size)
        for (_, width), value in zip(columns, row, strict=True):
            shown = pdf.text_of(value)
            while shown and pdf.get_string_width(shown) > width - 2:  # clipped with an ellipsis, never overprinted
                shown = shown[:-2] + "…" if pdf.unicode else shown[:-4] + "..."
            pdf.cell(width, height, shown, fill=index % 2 == 1)
        pdf.set_fill_color(247, 247, 247)
        pdf.ln(height)
