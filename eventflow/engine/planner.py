"""``solve``: the one entry point the CLI and the dashboard call."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from . import clock
from .exact import EXACT_MAX_BYTES, exact_model_size, exact_seating
from .explain import Problem, find_problems
from .generator import generate_instance
from .indexed import IndexedInstance
from .instance import Assignment, Instance, InstanceError, ParticipantId, TableNumber, instance_from_json
from .score import check, score
from .search import heuristic_seating
from .state import SeatingState

Mode = Literal["auto", "exact", "heuristic"]

#: "auto" proves optimality up to this many participants and uses the heuristic beyond.
EXACT_MODE_MAX_PARTICIPANTS = 60
_EXACT_DEFAULT_SECONDS = 30.0
_EXACT_HINT_MAX_SECONDS = 2.0
# A CP-SAT feasibility model is still cheap up to about this many unit × table booleans.
_FEASIBILITY_FALLBACK_MAX_VARS = 200_000
#: What finishing a plan costs after the search stops (seat numbers, the independent check, the
#: score, the explanation; for the command also writing the file and the interpreter's exit),
#: kept free inside the time limit: a base plus this much per person, at most
#: ``_FINISH_MAX_SHARE`` of the limit.  Measured on MDGPLIB (every pair weighted, the worst case
#: for the check and the score) with the command's wall clock: 0.04-0.12 s past the limit at
#: n = 120-480 on a quiet machine without a reserve, up to 0.3 s with other runs beside it.
_FINISH_BASE_SECONDS = 0.1
_FINISH_SECONDS_PER_PERSON = 0.0005
_FINISH_MAX_SHARE = 0.1


def finish_reserve(n_people: int, limit: float) -> float:
    """Seconds of the time limit kept for finishing the plan (see ``_FINISH_BASE_SECONDS``)."""
    return min(_FINISH_MAX_SHARE * limit, _FINISH_BASE_SECONDS + _FINISH_SECONDS_PER_PERSON * n_people)


@dataclass
class Solution:
    """Outcome of :func:`solve`.  ``objective`` is the networking score minus the re-planning
    penalty (``move_penalty`` × ``moves``); ``bound`` is a proven upper bound on it (exact mode)."""

    status: Literal["optimal", "feasible", "infeasible"]
    objective: float | None
    bound: float | None
    assignments: list[Assignment]
    explanation: list[str]
    problems: list[Problem] = field(default_factory=list)
    method: str = ""
    networking_score: float | None = None
    greedy_score: float | None = None
    moves: int | None = None
    seconds: float = 0.0
    #: Things the organiser should know that do not stop the plan (also in ``explanation``).
    warnings: list[str] = field(default_factory=list)

    def table_of(self) -> dict[ParticipantId, TableNumber]:
        return {a.participant_id: a.table_number for a in self.assignments}


def solution_to_json(solution: Solution) -> dict[str, Any]:
    """The public JSON form: status, objective, bound, assignments, explanation (list of str)."""
    return {
        "status": solution.status,
        "objective": solution.objective,
        "bound": solution.bound,
        "assignments": [
            {"participant_id": a.participant_id, "table_number": a.table_number,
             "seat_number": a.seat_number}
            for a in solution.assignments
        ],
        "explanation": list(solution.explanation),
    }


def default_time_limit(n_participants: int, exact: bool) -> float:
    """Seconds of search when the caller gives none: 30 s in exact mode; for the heuristic
    2 s up to 1,750 people, 2.5 s for 2,000, 38.5 s for 20,000, never more than 40 s.
    (Small events usually stop earlier, when restarts stop finding anything better.)"""
    if exact:
        return _EXACT_DEFAULT_SECONDS
    return max(2.0, min(40.0, n_participants / 500 - 1.5))


def _infeasible(
    problems: list[Problem], started: float, method: str = "checks", warnings: Sequence[str] = (),
) -> Solution:
    return Solution("infeasible", None, None, [], [p.message for p in problems] + list(warnings),
                    problems, method, seconds=clock.now() - started, warnings=list(warnings))


def ignored_pair_weights(instance: Instance) -> int:
    """How many non-zero pair weights name someone who has not opted in (and so count zero)."""
    return sum(
        1 for pair, w in instance.pair_weights.items()
        if w and not all(instance.participant(pid).networking_opt_in for pid in pair)
    )


def _warnings(instance: Instance) -> list[str]:
    # An organiser's hint never overrides a person's choice, but silently scoring a plan of
    # hints as "objective 0" looked like a solver bug: say why.
    ignored = ignored_pair_weights(instance)
    if not ignored:
        return []
    return [f"Warning: {ignored} pair weight{'s' if ignored != 1 else ''} ignored: people who have "
            f"not opted in to networking are never matched (set networking_opt_in to use them)."]


def _validate_replan(
    instance: Instance, current: Mapping[ParticipantId, TableNumber], frozen: Set[ParticipantId],
    move_penalty: float,
) -> None:
    known = {p.id for p in instance.participants}
    tables = {t.table_number for t in instance.tables}
    for pid, table in current.items():
        if pid not in known:
            raise InstanceError(f"current: unknown participant id {pid!r}")
        if table not in tables:
            raise InstanceError(f"current: participant {pid!r} sits at unknown table {table!r}")
    for pid in frozen:
        if pid not in current:
            raise InstanceError(f"frozen: participant {pid!r} is not seated in the current plan")
    if not (isinstance(move_penalty, (int, float)) and math.isfinite(move_penalty) and move_penalty >= 0):
        raise InstanceError(f"move_penalty must be a non-negative number, got {move_penalty!r}")


def _seat_numbers(model: IndexedInstance, table_of: np.ndarray) -> list[Assignment]:
    """Seats 1, 2, ... per table; units are seated whole, so a group gets consecutive seats."""
    next_seat = np.ones(model.n_tables, dtype=np.int64)
    out = []
    for u, members in enumerate(model.unit_members):
        t = int(table_of[u])
        for i in members:
            out.append(Assignment(model.person_ids[i], model.table_numbers[t], int(next_seat[t])))
            next_seat[t] += 1
    return out


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    mode: Mode = "auto",
    seed: int = 0,
    current: Mapping[ParticipantId, TableNumber] | None = None,
    move_penalty: float = 0.0,
    frozen: Set[ParticipantId] = frozenset(),
    started: float | None = None,
) -> Solution:
    """Seat everyone, maximising the networking score under the hard rules.

    ``mode``: "exact" runs CP-SAT and reports its proven bound, "heuristic" runs greedy plus
    iterated local search, "auto" picks exact up to
    :data:`EXACT_MODE_MAX_PARTICIPANTS` participants.  ``time_limit`` (seconds) caps the search;
    by default it grows with the event size.

    Re-planning on the day: ``current`` is today's seating (participant -> table; people not in it
    are unseated), ``move_penalty`` is subtracted from the objective for each seated person who
    changes table, and ``frozen`` people (e.g. checked in) never move.  The result's ``moves``
    counts the seated people who changed table.

    ``started`` (a ``clock.now()`` reading) is when the clock of ``time_limit`` started,
    e.g. the command's start, so that loading and start-up count against the limit; default now.
    """
    if started is None:
        started = clock.now()
    if mode not in ("auto", "exact", "heuristic"):
        raise ValueError(f"mode must be 'auto', 'exact' or 'heuristic', not {mode!r}")
    current = dict(current or {})
    _validate_replan(instance, current, frozen, move_penalty)
    pins: dict[ParticipantId, TableNumber] = dict(instance.pinned)
    clashes = [
        Problem("pinned", (pid,), f"pinned: participant {pid!r} is frozen at table {current[pid]!r} "
                                  f"but pinned to table {pins[pid]!r}")
        for pid in frozen if pid in pins and pins[pid] != current[pid]
    ]
    pins.update({pid: current[pid] for pid in frozen})
    problems = clashes + find_problems(instance, pins)
    warnings = _warnings(instance)
    if problems:
        return _infeasible(problems, started, warnings=warnings)

    model = IndexedInstance(instance, pins, current, move_penalty)
    exact = mode == "exact" or (mode == "auto" and model.n_people <= EXACT_MODE_MAX_PARTICIPANTS)
    limit = default_time_limit(model.n_people, exact) if time_limit is None else float(time_limit)
    # The search stops early enough that the finished plan is out within the limit.
    deadline = started + limit - finish_reserve(model.n_people, limit)
    start = _current_units(model, current)

    notes: list[str] = []
    if exact:
        size = exact_model_size(model)
        remaining = deadline - clock.now()
        if size.bytes > EXACT_MAX_BYTES or size.build_seconds > 0.5 * remaining:
            # CP-SAT would run out of memory or time before proving anything: the heuristic
            # gets the whole time limit instead.
            exact = False
            notes.append(
                f"Exact mode was not run: its model for {model.n_people} participants would have "
                f"about {size.constraints:,} constraints (~{size.bytes / 2**30:.1f} GiB, "
                f"~{size.build_seconds:.0f} s to build; limits {EXACT_MAX_BYTES / 2**30:g} GiB and "
                f"half of the {limit:g} s time limit), so the heuristic planned it instead and "
                f"optimality is not proved."
            )
    # In exact mode the heuristic only provides CP-SAT's starting hint (and a fallback plan).
    hint_seconds = min(_EXACT_HINT_MAX_SECONDS, max(0.2, 0.1 * limit))
    heuristic_deadline = min(deadline, clock.now() + hint_seconds) if exact else deadline
    found = heuristic_seating(model, deadline=heuristic_deadline, seed=seed, start=start)
    state = found.state
    if state is None and model.n_units * model.n_tables <= _FEASIBILITY_FALLBACK_MAX_VARS:
        rescue = exact_seating(model, deadline=max(deadline, clock.now() + 1.0), seed=seed,
                               optimise=False)
        if rescue.status == "infeasible":
            return _infeasible([Problem("combined", (), (
                "no seating satisfies all rules together (proved by the exact solver); each rule "
                "is satisfiable on its own, so check keep-together group sizes against table "
                "capacities, minimum fills and pins"
            ))], started, "exact", warnings)
        if rescue.table_of is not None:
            notes.append("the greedy start got stuck; CP-SAT found a first valid plan")
            found = heuristic_seating(model, deadline=max(deadline, clock.now() + 1.0),
                                      seed=seed, start=rescue.table_of)
            state = found.state
    if state is None:
        return _infeasible([Problem("search", (), (
            "the search found no seating that satisfies every rule within the time limit; the "
            "up-front checks found no single cause (keep-together groups may not pack into the "
            "tables) — try a longer time limit or exact mode"
        ))], started, "heuristic", warnings)

    table_of, bound, method = state.copy_assignment(), None, "heuristic"
    status: Literal["optimal", "feasible", "infeasible"] = "feasible"
    if exact:
        result = exact_seating(model, deadline=deadline, seed=seed, hint=table_of)
        if result.status == "infeasible":
            return _infeasible([Problem("combined", (), (
                "no seating satisfies all rules together (proved by the exact solver)"
            ))], started, "exact", warnings)
        if result.table_of is not None:
            method = "exact"
            assert result.bound is not None
            bound = result.bound - move_penalty * model.n_seated_before
            if _model_objective(model, result.table_of) >= state.objective - 1e-9:
                table_of = result.table_of
            if result.status == "optimal":
                status = "optimal"
        else:
            notes.append("Exact mode (CP-SAT) found no plan within the time limit; this is the "
                         "heuristic's plan, optimality not proved.")

    assignments = _seat_numbers(model, table_of)
    violations = check(instance, assignments)
    if violations:
        raise RuntimeError(f"internal error: the engine produced an invalid plan: {violations[:5]}")
    networking = score(instance, assignments)
    seated = {a.participant_id: a.table_number for a in assignments}
    moves = sum(1 for pid, table in current.items() if seated[pid] != table)
    objective = networking - move_penalty * moves
    if status == "optimal" and bound is not None:
        bound = max(bound, objective)  # CP-SAT's bound is rounded when weights are not fractions
    greedy = None if found.greedy_objective is None else (
        found.greedy_objective - move_penalty * model.n_seated_before)
    explanation = _success_explanation(model, status, method, networking, objective, bound, greedy,
                                       found.rounds, moves, current, frozen) + notes + warnings
    return Solution(status, objective, bound, assignments, explanation, [], method, networking,
                    greedy, moves if current else None, clock.now() - started, warnings)


def _current_units(model: IndexedInstance, current: Mapping[ParticipantId, TableNumber]) -> np.ndarray | None:
    """Today's table of each unit (-1 if unseated or its members sit at different tables)."""
    if not current:
        return None
    table_index = {t: k for k, t in enumerate(model.table_numbers)}
    start = np.full(model.n_units, -1, dtype=np.int64)
    for u, members in enumerate(model.unit_members):
        tables = {current[model.person_ids[i]] for i in members if model.person_ids[i] in current}
        if len(tables) == 1 and all(model.person_ids[i] in current for i in members):
            start[u] = table_index[tables.pop()]
    return start


def _model_objective(model: IndexedInstance, table_of: np.ndarray) -> float:
    return SeatingState.from_assignment(model, table_of).objective


def _success_explanation(
    model: IndexedInstance, status: str, method: str, networking: float, objective: float,
    bound: float | None, greedy: float | None, rounds: int, moves: int,
    current: Mapping[ParticipantId, TableNumber], frozen: Set[ParticipantId],
) -> list[str]:
    lines = [f"Seated {model.n_people} participants at {model.n_tables} tables; networking score "
             f"{networking:g}."]
    if method == "exact":
        if status == "optimal":
            lines.append("Exact mode (CP-SAT): proved optimal.")
        else:
            lines.append(f"Exact mode (CP-SAT): best plan found within the time limit; no plan can "
                         f"score more than {bound:g}.")
    else:
        lines.append(f"Heuristic mode: greedy start scored {greedy:g}, improved by local search "
                     f"with {rounds} perturbation rounds to {objective:g}; optimality not proved.")
    if current:
        unseated = model.n_people - len(current)
        lines.append(f"Re-plan: {moves} already-seated people change table (penalty "
                     f"{model.move_penalty:g} each, objective {objective:g}); {unseated} newly "
                     f"seated; {len(frozen)} frozen people kept in place.")
    lines.append("All hard rules hold: capacities and minimum fills, pins, keep-together groups "
                 "on adjacent seats, keep-apart pairs, VIP tables and accessible places.")
    return lines


def warm_up() -> None:
    """Compile the search kernels now (or load them from numba's cache), outside any time limit.

    numba compiles a kernel at its first call: without this, the first plan after an install (a
    fresh clone, a new server) spends 4–8 s of its time limit compiling and may return no more
    than the greedy start. A small event without keep-together groups, so that the compiled
    search (descent, tabu chunks, perturbations) runs to its end; exact mode's CP-SAT loads too.
    """
    data = generate_instance(16, 3, seed=0)
    data["together"] = []
    instance = instance_from_json(data)
    solve(instance, time_limit=60.0, mode="heuristic")
    solve(instance, time_limit=60.0, mode="exact")
