"""The independent checker's structured results: every rule kind it can emit is a member of
:class:`RuleKind`, with the people and tables involved; ``check`` gives the same sentences."""

from __future__ import annotations

from engine_fixtures import participant, table

from eventflow.engine import Assignment, RuleKind, Violation, check, instance_from_json, violations


def _instance():
    return instance_from_json({
        "tables": [table(1, 2, min_fill=2), table(2, 2, is_vip_table=True), table(3, 1, accessible=True)],
        "participants": [participant(1, is_vip=True), participant(2), participant(3, needs_accessible=True),
                         participant(4), participant(5), participant(6)],
        "pinned": [{"participant_id": 4, "table_number": 3}],
        "together": [[5, 6]], "apart": [[2, 3]],
    })


def test_every_rule_kind_is_emitted_with_its_people_and_tables() -> None:
    instance = _instance()
    plan = [
        Assignment(1, 1, 1),     # vip: a VIP at a non-VIP table
        Assignment(2, 2, 1),     # vip: not a VIP at a reserved VIP table
        Assignment(3, 2, 1),     # accessible; apart with 2; seat number 1 reused at table 2
        Assignment(4, 2, 3),     # pinned to 3; capacity of table 2 (3 > 2); seat 3 outside 1..2
        Assignment(5, 1, 2),     # together: 5 and 6 split
        Assignment(6, 2, 4),
        Assignment(6, 2, 4),     # seated twice
        Assignment(99, 1, 2),    # unknown participant
    ]
    found = violations(instance, plan)
    found += violations(instance, {1: 2, 2: 7, 3: 3, 4: 3, 5: 1, 6: 1})  # unknown table; min_fill of table 1
    found += violations(instance, {1: 2})                                # no seat
    found += violations(instance, [Assignment(1, 2, 1), Assignment(2, 1, 1), Assignment(3, 3, 1),
                                   Assignment(4, 3, 1), Assignment(5, 1, 1), Assignment(6, 1, 2)][:5]
                        + [Assignment(6, 1, 3)])                         # together: non-adjacent seats
    kinds = {v.kind for v in found}
    assert all(isinstance(v, Violation) and isinstance(v.kind, RuleKind) for v in found)
    assert kinds == set(RuleKind), set(RuleKind) - kinds
    by_kind: dict[RuleKind, Violation] = {}
    for v in found:
        by_kind.setdefault(v.kind, v)
    assert by_kind[RuleKind.APART].participant_ids == (2, 3) and by_kind[RuleKind.APART].table_numbers == (2,)
    assert by_kind[RuleKind.PINNED].participant_ids == (4,) and by_kind[RuleKind.PINNED].table_numbers == (3, 2)
    assert by_kind[RuleKind.NO_SEAT].table_numbers == ()
    assert any(v.kind == RuleKind.CAPACITY and v.table_numbers == (2,) and set(v.participant_ids) == {2, 3, 4, 6}
               for v in found)


def test_check_is_the_sentences_of_violations() -> None:
    instance = _instance()
    plan = {1: 1, 2: 2, 3: 2, 4: 2, 5: 1, 6: 2}
    assert check(instance, plan) == [v.message for v in violations(instance, plan)]
    assert check(instance, plan)  # the plan breaks rules, so the comparison above is not vacuous


def test_a_valid_plan_has_no_violations() -> None:
    instance = instance_from_json({
        "tables": [table(1, 3, min_fill=2), table(2, 2, is_vip_table=True), table(3, 1, accessible=True)],
        "participants": [participant(1, is_vip=True), participant(2), participant(3, needs_accessible=True),
                         participant(4), participant(5), participant(6)],
        "pinned": [{"participant_id": 4, "table_number": 2}], "together": [[5, 6]], "apart": [[2, 3]],
    })
    plan = [Assignment(1, 2, 1), Assignment(4, 2, 2), Assignment(3, 3, 1), Assignment(2, 1, 1),
            Assignment(5, 1, 2), Assignment(6, 1, 3)]
    assert violations(instance, plan) == []
    assert violations(instance, plan[:-1] + [Assignment(6, 3, 1)])  # the same checker does find faults
