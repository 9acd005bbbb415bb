"""One way to write a seat, whatever shape the value comes in."""

from __future__ import annotations

import pandas as pd

from eventflow.formatting import seat_text


def test_seat_text() -> None:
    assert seat_text(4, 2) == "table 4, seat 2"
    assert seat_text(4) == seat_text(4, None) == seat_text(4, float("nan")) == seat_text(4, pd.NA) == "table 4"
    assert seat_text(None, 3) == seat_text(float("nan"), None) == seat_text(pd.NA) == "unseated"
    assert seat_text(4.0, 2.0) == "table 4, seat 2"  # a frame column with gaps holds floats
