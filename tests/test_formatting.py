"""One way to write a seat, a count, and text as searches compare it, whatever shape the value comes in."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import text

from eventflow.formatting import counted, fold, seat_text


def test_seat_text() -> None:
    assert seat_text(4, 2) == "table 4, seat 2"
    assert seat_text(4) == seat_text(4, None) == seat_text(4, float("nan")) == seat_text(4, pd.NA) == "table 4"
    assert seat_text(None, 3) == seat_text(float("nan"), None) == seat_text(pd.NA) == "unseated"
    assert seat_text(4.0, 2.0) == "table 4, seat 2"  # a frame column with gaps holds floats


def test_counts_are_words_not_brackets():
    assert counted(1, "table") == "1 table"
    assert counted(3, "table") == "3 tables"
    assert counted(2, "person", "people") == "2 people"
    assert counted(0, "plus-one group") == "0 plus-one groups"


NAMES = ["Anna Müller", "İstanbul Expo", "Ayşe Yılmaz", "Łukasz Wałęsa", "Øyvind Ødegård", "Þóra Æsa",
         "Straße", "Đorđe Ħal", "Œuvre", "José García", "O'Brien", "ANNA@EXAMPLE.ORG", "  Zoë  "]


def test_fold_reads_names_as_the_check_in_desk_does(database) -> None:
    with database.owner_connection() as conn:
        desk = [conn.execute(text("SELECT eventflow.fold(:v)"), {"v": name}).scalar_one() for name in NAMES]
    # The desk's fold also turns punctuation and runs of spaces into one space and trims; the
    # search boxes keep them (they match what was typed, literally).
    assert [" ".join(fold(name).replace("'", " ").replace("@", " ").replace(".", " ").split())
            for name in NAMES] == desk
    assert fold("Ayşe Yılmaz") == "ayse yilmaz" and fold("İSTANBUL") == "istanbul"
    assert fold("Straße") == "strasse" and fold("Þóra Æsa") == "thora aesa"
