"""docs/security.md backs each claim with tests: every test it names must exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def named_tests() -> list[tuple[str, str]]:
    """(file, test) pairs: `tests/x.py::test_a`, and `::test_b` meaning the file named last."""
    found, current = [], None
    for file, name in re.findall(r"`(tests/[\w/]+\.py)?::(test_\w+)", (ROOT / "docs" / "security.md").read_text()):
        current = file or current
        found.append((current, name))
    return found


def test_every_test_the_security_doc_names_exists() -> None:
    named = named_tests()
    assert len(named) > 30
    missing = []
    for file, name in named:
        tree = ast.parse((ROOT / file).read_text())
        if name not in {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}:
            missing.append(f"{file}::{name}")
    assert missing == []
