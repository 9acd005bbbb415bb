"""``python -m eventflow seat``: the engine on an instance file (in a real subprocess), and an event in
the database planned and applied as an organiser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from eventflow import cli, engine
from tests.conftest import World

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess:
    # The engine alone needs no database: no DATABASE_URL, and an empty data folder proves it.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "EVENTFLOW_APP_DATABASE_URL")}
    return subprocess.run([sys.executable, "-m", "eventflow", "seat", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("mode", ["heuristic", "exact"])
def test_an_instance_file_round_trip(tmp_path: Path, mode: str) -> None:
    data = engine.generate_instance(24, 4, seed=7, string_ids=True)
    source, out = tmp_path / "instance.json", tmp_path / "solution.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    result = _run("--instance", str(source), "--out", str(out), "--time-limit", "3", "--mode", mode)
    assert result.returncode == 0, result.stderr
    solution = json.loads(out.read_text(encoding="utf-8"))
    assert solution["status"] in ("optimal", "feasible")
    assert solution["status"] in result.stdout
    assert isinstance(solution["objective"], (int, float)) and solution["explanation"]
    # Checked again here, independently of the solver: every participant once, every rule kept.
    instance = engine.instance_from_json(data)
    plan = [engine.Assignment(a["participant_id"], a["table_number"], a["seat_number"])
            for a in solution["assignments"]]
    assert sorted(a.participant_id for a in plan) == sorted(p.id for p in instance.participants)
    assert engine.check(instance, plan) == []
    assert engine.score(instance, plan) == pytest.approx(solution["objective"])


def test_an_infeasible_instance_is_written_with_its_explanation(tmp_path: Path) -> None:
    source, out = tmp_path / "instance.json", tmp_path / "solution.json"
    source.write_text(json.dumps({"tables": [{"table_number": 1, "capacity": 1}],
                                  "participants": [{"id": "ada"}, {"id": "bo"}]}), encoding="utf-8")
    result = _run("--instance", str(source), "--out", str(out))
    assert result.returncode == 1
    solution = json.loads(out.read_text(encoding="utf-8"))
    assert solution["status"] == "infeasible" and solution["assignments"] == []
    assert any("capacity" in line and "'ada'" in line for line in solution["explanation"])


@pytest.mark.parametrize(("content", "message"), [
    ({"tables": [{"table_number": 1, "capacity": 0}], "participants": []}, "capacity must be a positive integer"),
    ({"tables": [], "participants": [{"id": 1}], "together": [[1, 2]]}, "unknown participant id 2"),
    ({"tables": [], "participants": [], "colour": "blue"}, "unknown field(s) ['colour']"),
    ("not json at all", "not valid JSON"),
])
def test_a_bad_instance_exits_with_2_and_says_why(tmp_path: Path, content, message: str) -> None:
    source, out = tmp_path / "instance.json", tmp_path / "solution.json"
    source.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    result = _run("--instance", str(source), "--out", str(out))
    assert result.returncode == 2
    assert message in result.stderr
    assert not out.exists()


def test_pair_weights_of_people_who_did_not_opt_in_are_reported_not_silently_zero(tmp_path: Path) -> None:
    data = {"tables": [{"table_number": 1, "capacity": 2}, {"table_number": 2, "capacity": 2}],
            "participants": [{"id": k} for k in range(1, 5)],
            "pair_weights": [[1, 2, 5], [3, 4, 2.5], [1, 3, 0]]}
    source, out = tmp_path / "instance.json", tmp_path / "solution.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    result = _run("--instance", str(source), "--out", str(out), "--time-limit", "3")
    assert result.returncode == 0, result.stderr
    assert "2 pair weights ignored: people who have not opted in" in result.stderr
    explanation = json.loads(out.read_text(encoding="utf-8"))["explanation"]
    assert any("2 pair weights ignored: people who have not opted in" in line for line in explanation)


def test_usage_mistakes_exit_with_2(tmp_path: Path) -> None:
    assert _run("--instance", str(tmp_path / "missing.json"), "--out", str(tmp_path / "x.json")).returncode == 2
    assert _run().returncode == 2  # neither --instance nor --event
    assert _run("--instance", str(tmp_path / "a.json")).returncode == 2  # no --out
    assert _run("--event", "not-a-uuid", "--organiser", "a@b.c").returncode == 2


def _email(world: World, organiser) -> str:
    with world.database.owner_connection() as conn:
        return conn.execute(text("SELECT email FROM organisers WHERE id = :id"), {"id": organiser}).scalar_one()


def _seated(world: World) -> dict:
    with world.database.owner_connection() as conn:
        return dict(conn.execute(text("SELECT participant_id, assigned_by FROM table_assignments WHERE event_id = :e"),
                                 {"e": world.a.event_id}).all())


def test_an_event_is_previewed_then_applied_as_the_organiser(world: World, as_default_database, capsys) -> None:
    as_default_database(world.database)
    event = str(world.a.event_id)
    manager = _email(world, world.a.manager)

    assert cli.main(["seat", "--event", event, "--organiser", manager, "--time-limit", "2"]) == 0
    shown = capsys.readouterr().out
    assert "auto-seat of 6 participants (0 seated now)" in shown and "--apply" in shown
    assert "Alpha person 0: unseated -> table" in shown and "[ok] Keep-apart pairs" in shown
    assert _seated(world) == {}

    assert cli.main(["seat", "--event", event, "--organiser", manager, "--time-limit", "2", "--apply"]) == 0
    assert "Plan applied: 6 newly seated" in capsys.readouterr().out
    assert set(_seated(world).values()) == {"auto"} and len(_seated(world)) == 6


def test_the_event_command_acts_only_as_the_organiser(world: World, as_default_database, capsys) -> None:
    as_default_database(world.database)
    event = str(world.a.event_id)
    # A viewer may preview but the write is refused; B's owner cannot see A's event at all.
    assert cli.main(["seat", "--event", event, "--organiser", _email(world, world.a.viewer), "--apply",
                     "--time-limit", "2"]) == 1
    assert "only view" in capsys.readouterr().out
    assert cli.main(["seat", "--event", event, "--organiser", _email(world, world.b.owner), "--apply"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert cli.main(["seat", "--event", event, "--organiser", "nobody@nowhere.test"]) == 2
    assert "no organiser" in capsys.readouterr().err
    assert _seated(world) == {}
