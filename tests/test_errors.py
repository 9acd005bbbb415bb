"""One error vocabulary: who may change an event is decided in one place, and every refusal
reads "Nothing was <done>: <why>" from eventflow/errors.py."""

from __future__ import annotations

import ast
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from eventflow import errors
from tests.conftest import World

ROOT = Path(__file__).resolve().parent.parent


def test_editor_refusal_tells_viewer_editor_and_outsider_apart(world: World) -> None:
    a = world.a
    for organiser in (a.owner, a.manager):
        with world.database.tenant_session(organiser) as session:
            assert errors.editor_refusal(session, a.event_id, "saved") is None
    with world.database.tenant_session(a.viewer) as session:
        refusal = errors.editor_refusal(session, a.event_id, "saved")
    assert isinstance(refusal, errors.ViewOnly) and isinstance(refusal, PermissionError)
    assert str(refusal) == "Nothing was saved: you can only view this event."
    # Another organisation's event is out of sight, not "view only": nothing about it is revealed.
    for organiser in (world.b.owner, world.outsider):
        with world.database.tenant_session(organiser) as session:
            refusal = errors.editor_refusal(session, a.event_id, "undone")
        assert type(refusal) is errors.InputError
        assert str(refusal) == "Nothing was undone: this event does not exist (or you cannot see it)."
    with world.database.tenant_session(a.owner) as session, pytest.raises(errors.InputError):
        errors.require_editor(session, uuid.uuid4(), "changed")


def test_a_database_refusal_is_one_sentence_with_the_action(world: World) -> None:
    a = world.a
    with world.database.tenant_session(a.viewer) as session:
        try:
            session.execute(text("INSERT INTO tracks (event_id, name) VALUES (:event, 'Viewer track')"),
                            {"event": a.event_id})
        except DBAPIError as error:
            refused = error
        else:
            pytest.fail("row-level security let a viewer insert a track")
        session.rollback()
    assert errors.sqlstate(refused) == errors.INSUFFICIENT_PRIVILEGE
    assert errors.describe_database_error(refused, "added") == "Nothing was added: you can only view this event."
    assert errors.describe_database_error(refused, "undone").startswith("Nothing was undone: ")


def test_no_module_words_view_only_or_patches_a_message() -> None:
    """The texts live in errors.py: no other module or page spells "you can only view" or rewrites
    another module's message with .replace."""
    offenders = []
    for path in [*(ROOT / "eventflow").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]:
        if path.name == "errors.py":
            continue
        source = path.read_text(encoding="utf-8")
        # In the strings a module shows, not in comments that explain which refusal is meant.
        texts = [node.value for node in ast.walk(ast.parse(source))
                 if isinstance(node, ast.Constant) and isinstance(node.value, str)]
        if any("only view this event" in t for t in texts) or re.search(r"\.replace\(\s*[\"']Nothing was", source):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders


def test_every_write_result_is_an_outcome() -> None:
    """One result vocabulary: whatever an organiser's write returns (seating save, table save,
    auto-seat apply, walk-in, undo, floor plan) is an errors.Outcome, so a page reads ok, message
    and conflict the same way for all of them. The engine's solver results are no writes."""
    results = {}
    for path in (ROOT / "eventflow").rglob("*.py"):
        if "engine" in path.relative_to(ROOT / "eventflow").parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Result"):
                results[f"{path.stem}.{node.name}"] = [ast.unparse(base) for base in node.bases]
    assert {"seating.SaveResult", "tables.TableSaveResult", "history.UndoResult", "plan.ApplyResult",
            "floor_plan.PersonResult"} <= set(results)
    assert {name: bases for name, bases in results.items() if bases != ["Outcome"]} == {}
    refused = errors.Outcome(False, errors.nothing_was("saved", "a reason."))
    assert not refused.ok and refused.message == "Nothing was saved: a reason." and not refused.conflict
