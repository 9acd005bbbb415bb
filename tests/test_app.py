"""app.py: the page list, and the one place that knows Streamlit's first-session "pages folder" mode."""

from __future__ import annotations

import re
from pathlib import Path

import app

ROOT = Path(__file__).resolve().parent.parent


def test_a_page_asked_for_before_app_py_ran_is_found_again_when_the_role_may_open_it() -> None:
    assert app.page_asked_for("http://localhost:8501/seating_editor", "viewer") == "pages/seating_editor.py"
    assert app.page_asked_for("https://seating.example.org/base/history?event=42", "owner") == "pages/history.py"
    assert app.page_asked_for("http://localhost:8501/auto_seat", "manager") == "pages/auto_seat.py"
    assert app.page_asked_for("http://localhost:8501/auto_seat", "viewer") is None  # editors only
    for url in (None, "", "http://localhost:8501/", "http://localhost:8501/no_such_page"):
        assert app.page_asked_for(url, "owner") is None, url


def test_every_page_in_the_list_exists_and_the_list_has_no_twins() -> None:
    paths = [spec.path for spec in app.PAGES]
    assert len(paths) == len(set(paths))
    assert all((ROOT / path).is_file() for path in [*paths, app.NO_ACCESS.path])


def test_pages_bind_the_scope_once_and_nothing_inspects_the_stack() -> None:
    """Pages read and write through their context (``context.read(fn, ...)``). Two calls are not
    scoped to one event: the comparison across the organisation's events, and the auto-seat preview,
    which reads in a transaction of its own and lets the connection go before solving."""
    assert "inspect" not in (ROOT / "eventflow" / "ui.py").read_text(encoding="utf-8")
    by_hand = sorted((path.name, match.group(1)) for path in (ROOT / "pages").glob("*.py")
                     for match in re.finditer(r"\bui\.(?:read|write)\(([\w.]+)", path.read_text(encoding="utf-8")))
    assert by_hand == [("auto_seat.py", "read"), ("track_distribution.py", "statistics.organisation_comparison")]
