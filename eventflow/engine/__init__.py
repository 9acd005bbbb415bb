"""Seating optimisation engine: seat every participant under the organisers' rules while
maximising the networking score.  See :func:`solve` for the entry point."""

from . import clock
from .explain import Problem, find_problems
from .generator import generate_instance
from .instance import (
    Assignment,
    Instance,
    InstanceError,
    Participant,
    Table,
    Weights,
    instance_from_json,
    instance_to_json,
    load_instance,
    networking_weight,
)
from .planner import EXACT_MODE_MAX_PARTICIPANTS, Solution, solution_to_json, solve, warm_up
from .rules import may_use_table, tables_open_to
from .score import RuleKind, Violation, check, score, violations
from .suggest import TableSuggestion, suggest_tables, who_to_meet

__all__ = [
    "EXACT_MODE_MAX_PARTICIPANTS", "clock", "Assignment", "Instance", "InstanceError", "Participant",
    "Problem", "Solution", "Table", "Weights", "check", "find_problems", "generate_instance",
    "instance_from_json", "instance_to_json", "load_instance", "networking_weight", "score",
    "TableSuggestion", "solution_to_json", "solve", "suggest_tables", "who_to_meet",
    "RuleKind", "Violation", "violations", "may_use_table", "tables_open_to", "warm_up",
]
