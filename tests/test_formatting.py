"""One way to write a seat, and a count, whatever shape the value comes in."""

from __future__ import annotations

import pandas as pd

from eventflow.formatting import counted, seat_text


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
