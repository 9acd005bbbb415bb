"""Instance JSON loading, validation errors and JSON round-trips."""

from __future__ import annotations

import json

import pytest
from engine_fixtures import participant, table

from eventflow.engine import (
    InstanceError,
    generate_instance,
    instance_from_json,
    instance_to_json,
    load_instance,
    solution_to_json,
    solve,
)


def base() -> dict:
    return {
        "tables": [table(1, 4), table(2, 4)],
        "participants": [participant(k) for k in (1, 2, 3)],
    }


@pytest.mark.parametrize("string_ids", [False, True])
def test_instance_json_round_trip(string_ids: bool) -> None:
    data = generate_instance(60, 7, seed=3, string_ids=string_ids)
    instance = instance_from_json(data)
    again = instance_from_json(json.loads(json.dumps(instance_to_json(instance))))
    assert again == instance


def test_optional_fields_take_defaults() -> None:
    instance = instance_from_json({"tables": [{"table_number": 1, "capacity": 2}],
                                   "participants": [{"id": "a"}]})
    person = instance.participants[0]
    assert not person.networking_opt_in and not person.is_vip and person.company is None
    assert instance.tables[0].min_fill == 0 and instance.vip_tables_reserved
    assert instance.weights.shared_interest == 1 and instance.weights.same_company == -2


def test_solution_json_has_exactly_the_public_keys() -> None:
    solution = solve(instance_from_json(base()), mode="heuristic", time_limit=1)
    data = json.loads(json.dumps(solution_to_json(solution)))
    assert set(data) == {"status", "objective", "bound", "assignments", "explanation"}
    assert data["status"] == "feasible"
    assert {tuple(sorted(a)) for a in data["assignments"]} == {
        ("participant_id", "seat_number", "table_number")
    }
    assert sorted(a["participant_id"] for a in data["assignments"]) == [1, 2, 3]


BAD_INPUTS = [
    ("unknown participant id 9", lambda d: d.update(pinned=[{"participant_id": 9, "table_number": 1}])),
    ("unknown table", lambda d: d.update(pinned=[{"participant_id": 1, "table_number": 7}])),
    ("unknown participant id 9", lambda d: d.update(together=[[1, 9]])),
    ("unknown participant id 9", lambda d: d.update(apart=[[1, 9]])),
    ("unknown participant id 9", lambda d: d.update(pair_weights=[[1, 9, 1.0]])),
    ("duplicate participant id 1", lambda d: d["participants"].append(participant(1))),
    ("duplicate table_number 1", lambda d: d["tables"].append(table(1, 3))),
    ("capacity must be a positive integer", lambda d: d["tables"].append(table(3, 0))),
    ("capacity must be a positive integer", lambda d: d["tables"].append(table(3, -2))),
    ("capacity must be a positive integer", lambda d: d["tables"].append(table(3, True))),
    ("min_fill must be a non-negative integer", lambda d: d["tables"].append(table(3, 2, min_fill=-1))),
    ("unknown field", lambda d: d["participants"].append({"id": 4, "vip": True})),
    ("themself", lambda d: d.update(apart=[[1, 1]])),
    ("at least two people", lambda d: d.update(together=[[1]])),
    ("lists someone twice", lambda d: d.update(together=[[1, 1, 2]])),
    ("weights.same_track", lambda d: d.update(weights={"same_track": "high"})),
    ("duplicate weight", lambda d: d.update(pair_weights=[[1, 2, 1.0], [2, 1, 3.0]])),
    ("pinned to two tables", lambda d: d.update(pinned=[{"participant_id": 1, "table_number": 1},
                                                        {"participant_id": 1, "table_number": 2}])),
    ("is_vip must be true or false", lambda d: d["participants"].append(participant(4, is_vip="yes"))),
    ("interests", lambda d: d["participants"].append(participant(4, interests="ai"))),
]


@pytest.mark.parametrize(("message", "corrupt"), BAD_INPUTS)
def test_bad_input_raises_instance_error(message: str, corrupt) -> None:
    data = base()
    corrupt(data)
    with pytest.raises(InstanceError, match=message):
        instance_from_json(data)


def test_ids_are_compared_exactly() -> None:
    data = base()
    data["apart"] = [[1, "2"]]
    with pytest.raises(InstanceError, match="unknown participant id '2'"):
        instance_from_json(data)


def test_load_instance_reports_bad_json(tmp_path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(InstanceError, match="not valid JSON"):
        load_instance(path)
    path.write_text(json.dumps(base()))
    assert len(load_instance(path).participants) == 3


def test_replanning_input_is_validated() -> None:
    instance = instance_from_json(base())
    with pytest.raises(InstanceError, match="unknown participant id 9"):
        solve(instance, current={9: 1})
    with pytest.raises(InstanceError, match="unknown table 5"):
        solve(instance, current={1: 5})
    with pytest.raises(InstanceError, match="not seated"):
        solve(instance, current={1: 1}, frozen={2})
    with pytest.raises(InstanceError, match="move_penalty"):
        solve(instance, current={1: 1}, move_penalty=-1)
