"""Text for organisers that several modules and pages write: seats, and CSV files that are safe to
open in a spreadsheet."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

# Leading characters that make Excel, LibreOffice or Sheets evaluate a cell (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# Letters that no accent removal reaches, read as the check-in desk's SQL fold reads them
# (sql/017_check_in_search.sql), so that a name is found alike everywhere ("yilmaz": Yılmaz).
_PLAIN_LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ŧ": "t",
                                "æ": "ae", "œ": "oe", "þ": "th"})


def fold(value: str) -> str:
    """Text as searches and name sorting compare it: no accents, no case. "Müller", "muller" and
    "MULLER" are one name, "İstanbul" is "istanbul" (Python's lower() would keep a combining dot
    there, and pandas' Arrow strings would not: the two never matched), and "Łukasz Yılmaz" is
    "lukasz yilmaz", as at the check-in desk."""
    value = value or ""
    if value.isascii():  # most names and every e-mail: nothing to decompose (20,000 rows: 75 -> 10 ms)
        return value.lower()
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().translate(_PLAIN_LETTERS)


def folded_text(*columns: pd.Series) -> pd.Series:
    """The columns' text joined by newlines, folded (:func:`fold`), one string a row: what a search
    box looks in, with ``contains(fold(typed), regex=False)``."""
    joined = columns[0].fillna("").astype(str)
    for column in columns[1:]:
        joined = joined + "\n" + column.fillna("").astype(str)
    return joined.map(fold)


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def counted(number: int, thing: str, things: str | None = None) -> str:
    """``1 table``, ``3 tables``: a count in words organisers read, never ``table(s)``."""
    return f"{number} {thing if number == 1 else things or thing + 's'}"


def seat_text(table_number: Any, seat_number: Any = None) -> str:
    """"table 4, seat 2", "table 4" (no seat number) or "unseated" (no table). None, NaN and
    pandas' NA count as no value, so a row of a frame can be passed as it is."""
    if _missing(table_number):
        return "unseated"
    return f"table {int(table_number)}" + ("" if _missing(seat_number) else f", seat {int(seat_number)}")


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    """"1 Dec 2026, 14:05 (Europe/Berlin)": to the minute, in the event's zone, named."""
    return f"{moment.astimezone(zone):%-d %b %Y, %H:%M} ({zone.key})"


def _invisible_or_space(character: str) -> bool:
    return character.isspace() or unicodedata.category(character) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, made inert with a leading apostrophe.

    Spaces, a byte-order mark or invisible characters (U+200B …) in front of the ``=`` do not
    make it safe: spreadsheets trim some of them on import, so those cells are neutralised too."""
    if not isinstance(value, str):
        return value
    first_visible = next((ch for ch in value if not _invisible_or_space(ch)), "")
    if value.startswith(_FORMULA_START) or first_visible in _FORMULA_START:
        return "'" + value
    return value


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV (UTF-8 with BOM so Excel reads accents) with formula-like cells neutralised: every CSV
    download goes through here, since names, companies and notes come from imports."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    safe.columns = [str(neutralise(str(c))) for c in safe.columns]
    data: bytes = safe.to_csv(index=False).encode("utf-8-sig")
    return data
