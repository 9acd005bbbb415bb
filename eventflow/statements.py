"""Small helpers for the SQL the modules write by hand."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import CursorResult, TextClause
from sqlalchemy.orm import Session


def changed_rows(session: Session, statement: TextClause, parameters: Mapping[str, Any]) -> int:
    """How many rows an INSERT, UPDATE or DELETE changed. Row-level security makes rows an organiser
    may only read invisible to writes, so fewer rows than asked for can mean "may only view"."""
    result = session.execute(statement, parameters)
    assert isinstance(result, CursorResult)  # what a data-changing statement returns
    return result.rowcount
