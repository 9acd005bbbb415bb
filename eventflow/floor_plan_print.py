"""The floor plan on paper, for the venue crew: SVG, and PDF in A4 or A3 landscape.

Both are drawn from the same geometry as the screen (``floor_plan.table_size`` / ``seat_positions``):
the room's elements with their labels, every table where it stands with its number, label, VIP and
accessibility marks and its seats (taken seats filled). The PDF adds the table lists — who sits at
which table and seat — on the pages after the plan. fpdf2 writes the PDF (see requirements.txt).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape

import pandas as pd
from fpdf import FPDF

from eventflow.floor_plan import FloorPlan, seat_positions, table_size

Paper = Literal["A4", "A3"]
PAPER_MM: dict[str, tuple[float, float]] = {"A4": (297.0, 210.0), "A3": (420.0, 297.0)}
ELEMENT_COLOURS = {"stage": "#d7ccc8", "entrance": "#c5e1a5", "bar": "#ffe0b2", "screen": "#90a4ae",
                   "vip_zone": "#fff8dc"}
VIP_GOLD = "#b8860b"
ACCESSIBLE_BLUE = "#0d47a1"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def _fill(seated: int, capacity: int) -> str:
    if seated >= capacity:
        return "#ef9a9a"
    if seated == 0:
        return "#f1f8e9"
    return "#dcedc8" if seated / capacity > 0.7 else "#c8e6c9"


def _seated(plan: FloorPlan) -> dict[int, int]:
    return {int(k): int(v) for k, v in plan.grid.frame["base_table"].dropna().astype(int).value_counts().items()}


def _taken_seats(plan: FloorPlan) -> dict[int, set[int]]:
    frame = plan.grid.frame.dropna(subset=["base_table"])
    taken: dict[int, set[int]] = defaultdict(set)
    counts: dict[int, int] = defaultdict(int)
    for table, seat in zip(frame["base_table"].astype(int), frame["base_seat"], strict=True):
        counts[table] += 1
        if not pd.isna(seat):
            taken[table].add(int(seat))
    capacities = {t.number: t.capacity for t in plan.tables}
    for table, count in counts.items():  # people without a seat number fill the free chairs, as on screen
        free = [s for s in range(1, capacities.get(table, 0) + 1) if s not in taken[table]]
        taken[table] |= set(free[: max(0, count - len(taken[table]))])
    return taken


# ---------------------------------------------------------------------------------------------- SVG

def plan_svg(plan: FloorPlan, title: str) -> str:
    """The plan as a standalone SVG (metres as user units; 1 m prints as 1 cm)."""
    width, depth = plan.room
    seated, taken = _seated(plan), _taken_seats(plan)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 -2 {width} {depth + 2}" '
           f'width="{width * 10}mm" height="{(depth + 2) * 10}mm" font-family="DejaVu Sans, Arial, sans-serif">',
           f"<title>{escape(title)}</title>",
           f'<text x="0" y="-0.8" font-size="0.9" font-weight="bold">{escape(title)}</text>',
           f'<rect x="0" y="0" width="{width}" height="{depth}" fill="#fff" stroke="#90a4ae" stroke-width="0.1"/>']
    for e in plan.elements:
        dash = ' stroke-dasharray="0.5 0.3"' if e.kind == "vip_zone" else ""
        stroke = VIP_GOLD if e.kind == "vip_zone" else "#546e7a"
        # Turned about its centre, as on screen; its label stays level so it reads the same way.
        turn = (f' transform="rotate({e.rotation} {e.x + e.width / 2} {e.y + e.height / 2})"'
                if e.rotation else "")
        out.append(f'<g class="element {e.kind}"><rect x="{e.x}" y="{e.y}" width="{e.width}" height="{e.height}" '
                   f'rx="0.2" fill="{ELEMENT_COLOURS.get(e.kind, "#eee")}" stroke="{stroke}" '
                   f'stroke-width="0.06"{dash}{turn}/>'
                   f'<text x="{e.x + e.width / 2}" y="{e.y + e.height / 2}" font-size="0.6" text-anchor="middle" '
                   f'dominant-baseline="central" fill="#37474f">{escape(e.label)}</text></g>')
    for t in plan.tables:
        w, h = table_size(t.capacity, t.shape)
        fill = _fill(seated.get(t.number, 0), t.capacity)
        stroke, stroke_width = (VIP_GOLD, 0.18) if t.is_vip else ("#555", 0.05)
        parts = [f'<g class="table" transform="translate({t.x} {t.y})">']
        if t.shape == "round":
            parts.append(f'<circle r="{w / 2}" fill="{fill}" stroke="{stroke}" stroke-width="{stroke_width}"/>')
        else:
            parts.append(f'<rect x="{-w / 2}" y="{-h / 2}" width="{w}" height="{h}" rx="0.1" fill="{fill}" '
                         f'stroke="{stroke}" stroke-width="{stroke_width}" transform="rotate({t.rotation})"/>')
        for index, (sx, sy) in enumerate(seat_positions(t.capacity, t.shape, t.rotation), start=1):
            colour = "#90caf9" if index in taken.get(t.number, ()) else "#fff"
            parts.append(f'<circle cx="{sx}" cy="{sy}" r="0.27" fill="{colour}" stroke="#777" stroke-width="0.03"/>')
        parts.append(f'<text y="{-0.15 if t.label else 0}" font-size="0.75" font-weight="bold" text-anchor="middle" '
                     f'dominant-baseline="central">{t.number}</text>')
        if t.label:
            parts.append(f'<text y="0.45" font-size="0.3" text-anchor="middle">{escape(t.label)}</text>')
        if t.accessible:
            parts.append(f'<text y="{-w / 4 - 0.05}" font-size="0.45" text-anchor="middle" '
                         f'fill="{ACCESSIBLE_BLUE}">♿</text>')
        parts.append("</g>")
        out.append("".join(parts))
    out.append("</svg>")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------- PDF

@dataclass(frozen=True)
class _Fonts:
    family: str
    unicode: bool


def _fonts(pdf: FPDF) -> _Fonts:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return _Fonts("DejaVu", True)
    return _Fonts("Helvetica", False)  # the PDF core font: Latin-1 only


def _text(value: str, fonts: _Fonts) -> str:
    return value if fonts.unicode else value.encode("latin-1", "replace").decode("latin-1")


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _table_lines(plan: FloorPlan) -> list[list[tuple[str, bool]]]:
    """One block per table: its heading, then "seat. name" per person (the existing table lists)."""
    frame = plan.grid.frame.dropna(subset=["base_table"])
    people: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for table, seat, name, vip in zip(frame["base_table"].astype(int), frame["base_seat"], frame["full_name"],
                                      frame["is_vip"], strict=True):
        people[table].append((999 if pd.isna(seat) else int(seat), f"{name}{' (VIP)' if vip else ''}"))
    blocks = []
    for t in plan.tables:
        marks = ", ".join(m for m, on in (("VIP", t.is_vip), ("accessible", t.accessible)) if on)
        heading = f"Table {t.number}" + (f" · {t.label}" if t.label else "") + (f" ({marks})" if marks else "") \
            + f" · {len(people[t.number])}/{t.capacity}"
        lines = [(heading, True)]
        lines += [((f"{seat}. " if seat != 999 else "– ") + name, False) for seat, name in sorted(people[t.number])]
        blocks.append(lines)
    return blocks


LINE_MM = 4.2
MARGIN_MM = 10.0


def _list_layout(plan: FloorPlan, paper: Paper) -> list[list[list[tuple[str, bool]]]]:
    """Pages of columns of lines: a table's block is kept in one column when it fits."""
    page_width, page_depth = PAPER_MM[paper]
    per_column = int((page_depth - 2 * MARGIN_MM - 8) // LINE_MM)
    columns_per_page = 3 if paper == "A4" else 4
    columns: list[list[tuple[str, bool]]] = [[]]
    for block in _table_lines(plan):
        if len(columns[-1]) + len(block) > per_column and columns[-1]:
            columns.append([])
        for line in block:
            if len(columns[-1]) >= per_column:
                columns.append([])
            columns[-1].append(line)
        columns[-1].append(("", False))
    columns = [c for c in columns if any(text for text, _ in c)]
    return [columns[i:i + columns_per_page] for i in range(0, len(columns), columns_per_page)]


def pdf_page_count(plan: FloorPlan, paper: Paper = "A4") -> int:
    return 1 + len(_list_layout(plan, paper))


def plan_pdf(plan: FloorPlan, title: str, paper: Paper = "A4") -> bytes:
    """The plan on one landscape page, scaled to fit, then the table lists."""
    if paper not in PAPER_MM:
        raise ValueError("The paper size is A4 or A3.")
    page_width, page_depth = PAPER_MM[paper]
    pdf = FPDF(orientation="L", unit="mm", format=paper)
    pdf.set_auto_page_break(False)
    pdf.set_title(title)
    fonts = _fonts(pdf)
    pdf.add_page()
    pdf.set_font(fonts.family, "B", 14)
    pdf.set_xy(MARGIN_MM, MARGIN_MM - 2)
    pdf.cell(0, 7, _text(title, fonts))
    pdf.set_font(fonts.family, "", 8)
    pdf.set_xy(MARGIN_MM, page_depth - MARGIN_MM + 2)
    accessible_mark = "♿" if fonts.unicode else "blue A"
    pdf.cell(0, 4, _text(f"Green: free seats · red: full · gold border: VIP · {accessible_mark}: accessible · "
                         "filled seat: taken", fonts))

    width, depth = plan.room
    area_w, area_h = page_width - 2 * MARGIN_MM, page_depth - 2 * MARGIN_MM - 10
    k = min(area_w / width, area_h / depth)  # millimetres per metre
    ox, oy = MARGIN_MM, MARGIN_MM + 8

    def at(x: float, y: float) -> tuple[float, float]:
        return ox + x * k, oy + y * k

    pdf.set_draw_color(*_rgb("#90a4ae"))
    pdf.set_line_width(0.3)
    pdf.rect(*at(0, 0), width * k, depth * k)
    for e in plan.elements:
        pdf.set_fill_color(*_rgb(ELEMENT_COLOURS.get(e.kind, "#eeeeee")))
        pdf.set_draw_color(*_rgb(VIP_GOLD if e.kind == "vip_zone" else "#546e7a"))
        pdf.set_line_width(0.3)
        with pdf.rotation(-e.rotation, *at(e.x + e.width / 2, e.y + e.height / 2)):
            pdf.rect(*at(e.x, e.y), e.width * k, e.height * k, style="DF")
    for e in plan.elements:  # labels above every element's fill
        pdf.set_font(fonts.family, "B", max(5.0, min(11.0, 0.6 * k * 2.4)))
        pdf.set_text_color(*_rgb("#37474f"))
        x, y = at(e.x + e.width / 2, e.y + e.height / 2)
        label = _text(e.label, fonts)
        pdf.text(x - pdf.get_string_width(label) / 2, y + 1.2, label)

    seated, taken = _seated(plan), _taken_seats(plan)
    number_size = max(4.0, min(14.0, 0.75 * k * 2.4))
    for t in plan.tables:
        w, h = table_size(t.capacity, t.shape)
        cx, cy = at(t.x, t.y)
        pdf.set_fill_color(*_rgb(_fill(seated.get(t.number, 0), t.capacity)))
        pdf.set_draw_color(*_rgb(VIP_GOLD if t.is_vip else "#555555"))
        pdf.set_line_width(0.8 if t.is_vip else 0.2)
        if t.shape == "round":
            pdf.circle(cx, cy, w / 2 * k, style="DF")
        else:
            with pdf.rotation(-t.rotation, cx, cy):
                pdf.rect(cx - w / 2 * k, cy - h / 2 * k, w * k, h * k, style="DF")
        pdf.set_line_width(0.1)
        pdf.set_draw_color(*_rgb("#777777"))
        for index, (sx, sy) in enumerate(seat_positions(t.capacity, t.shape, t.rotation), start=1):
            pdf.set_fill_color(*_rgb("#90caf9" if index in taken.get(t.number, ()) else "#ffffff"))
            pdf.circle(cx + sx * k, cy + sy * k, 0.27 * k, style="DF")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(fonts.family, "B", number_size)
        digits = str(t.number)
        pdf.text(cx - pdf.get_string_width(digits) / 2, cy + number_size * 0.13, digits)
        if t.label:
            pdf.set_font(fonts.family, "", max(3.0, number_size * 0.45))
            label = _text(t.label, fonts)
            pdf.text(cx - pdf.get_string_width(label) / 2, cy + number_size * 0.5, label)
        if t.accessible:
            pdf.set_text_color(*_rgb(ACCESSIBLE_BLUE))
            pdf.set_font(fonts.family, "B", max(3.0, number_size * 0.6))
            mark = "♿" if fonts.unicode else "A"
            pdf.text(cx - pdf.get_string_width(mark) / 2, cy - w / 4 * k, mark)
            pdf.set_text_color(0, 0, 0)

    pages = _list_layout(plan, paper)
    for page_number, columns in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font(fonts.family, "B", 12)
        pdf.set_text_color(0, 0, 0)
        pdf.text(MARGIN_MM, MARGIN_MM + 2, _text(f"{title} — table lists ({page_number}/{len(pages)})", fonts))
        column_width = (page_width - 2 * MARGIN_MM) / (3 if paper == "A4" else 4)
        for index, column in enumerate(columns):
            y = MARGIN_MM + 10
            for line, bold in column:
                if line:
                    pdf.set_font(fonts.family, "B" if bold else "", 9 if bold else 8.5)
                    text = _text(line, fonts)
                    while text and pdf.get_string_width(text) > column_width - 3:
                        text = text[:-2] + "…"
                    pdf.text(MARGIN_MM + index * column_width, y, text)
                y += LINE_MM
    return bytes(pdf.output())


def paper_fits(plan: FloorPlan, paper: Paper) -> float:
    """Millimetres per metre the plan gets on this paper (under ~3, table numbers get hard to read)."""
    width, depth = plan.room
    page_width, page_depth = PAPER_MM[paper]
    return min((page_width - 2 * MARGIN_MM) / width, (page_depth - 2 * MARGIN_MM - 10) / max(depth, math.ulp(1)))
