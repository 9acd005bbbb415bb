"""app.py: the page list, and the one place that knows Streamlit's first-session "pages folder" mode."""

from __future__ import annotations

import re
from pathlib import Path

import app

ROOT = Path(__file__).resolve().parent.parent


def test_a_page_asked_for_before_app_py_ran_is_found_again() -> None:
    def asked(url: str | None) -> str | None:
        spec = app.page_asked_for(url)
        return None if spec is None else spec.path

    assert asked("http://localhost:8501/seating_editor") == "pages/seating_editor.py"
    assert asked("https://seating.example.org/base/history?event=42") == "pages/history.py"
    assert asked("http://localhost:8501/auto_seat") == "pages/auto_seat.py"  # main() checks the role
    for url in (None, "", "http://localhost:8501/", "http://localhost:8501/no_such_page"):
        assert asked(url) is None, url


def test_every_page_in_the_list_exists_and_the_list_has_no_twins() -> None:
    paths = [spec.path for spec in app.PAGES]
    assert len(paths) == len(set(paths))
    assert all((ROOT / path).is_file() for path in [*paths, app.NO_ACCESS.path])


def test_pages_bind_the_scope_once_and_nothing_inspects_the_stack() -> None:
    """Pages read and write an event through their context (``context.read(fn, ...)``), never by
    passing the organiser and the event by hand."""
    assert "inspect" not in (ROOT / "eventflow" / "ui.py").read_text(encoding="utf-8")
    by_hand = [f"{path.name}: {match.group(0)}" for path in sorted((ROOT / "pages").glob("*.py"))
               for match in re.finditer(r"\bui\.(?:read|write)\([\w.]+,\s*[\w.]+,\s*(?:context\.)?event(?:_id)?\b",
                                        path.read_text(encoding="utf-8"))]
    assert by_hand == [], by_hand
