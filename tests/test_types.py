"""The type hints are checked: mypy on ``eventflow/`` with the settings in ``pyproject.toml``
(strict on ``eventflow/engine/``), so the README's ``pytest`` runs the type checker too."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api as mypy_api  # requirements-dev.txt

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def mypy_errors() -> list[str]:
    out, err, status = mypy_api.run(["--config-file", str(ROOT / "pyproject.toml"),
                                     "--cache-dir", str(ROOT / ".mypy_cache"), str(ROOT / "eventflow")])
    assert status in (0, 1), f"mypy itself failed:\n{out}\n{err}"  # 2: a crash or a bad configuration
    return [line for line in out.splitlines() if ": error:" in line]


def test_eventflow_type_checks_and_the_engine_strictly(mypy_errors: list[str]) -> None:
    found = [line.removeprefix(str(ROOT) + "/") for line in mypy_errors]
    assert not found, f"{len(found)} mypy errors:\n" + "\n".join(found)
