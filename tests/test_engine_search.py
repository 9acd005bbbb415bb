"""The compiled search: its race over table-size vectors (plans whose tables have size ranges),
its searches side by side and the population they share."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from eventflow.engine import check, instance_from_json, solve
from eventflow.engine.indexed import IndexedInstance
from eventflow.engine.search import size_targets


def _ranged_instance(n: int, bounds: list[tuple[int, int]], seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "tables": [{"table_number": t + 1, "min_fill": lo, "capacity": hi} for t, (lo, hi) in enumerate(bounds)],
        "participants": [{"id": i, "networking_opt_in": True} for i in range(n)],
        "weights": {"shared_interest": 0.0, "same_company": 0.0, "same_track": 0.0},
        "pair_weights": [[i, j, float(rng.integers(0, 100))] for i in range(n) for j in range(i + 1, n)],
    }


def test_size_targets_are_distinct_corners_within_the_bounds_seating_everyone() -> None:
    bounds = [(2, 6), (3, 5), (2, 8), (4, 6)]
    model = IndexedInstance(instance_from_json(_ranged_instance(18, bounds, 0)), {})
    table_of = np.repeat(np.arange(4), [5, 4, 5, 4])
    targets = size_targets(model, table_of, np.random.default_rng(1), 6)
    assert targets, "a plan with size ranges has other size vectors to try"
    seen = {tuple(t) for t in targets}
    assert len(seen) == len(targets) and (5, 4, 5, 4) not in seen
    for target in targets:
        assert target.sum() == 18
        assert all(lo <= s <= hi for s, (lo, hi) in zip(target, bounds, strict=True))
        between = sum(lo < s < hi for s, (lo, hi) in zip(target, bounds, strict=True))
        assert between <= 1  # a corner: at most one table neither at its minimum nor full


def test_fixed_table_sizes_have_nothing_to_race() -> None:
    model = IndexedInstance(instance_from_json(_ranged_instance(12, [(4, 4)] * 3, 0)), {})
    assert size_targets(model, np.repeat(np.arange(3), 4), np.random.default_rng(0), 6) == []


def test_ranged_plans_keep_every_rule_with_pins_and_apart_pairs() -> None:
    data = _ranged_instance(40, [(4, 12)] * 5, 3)
    data["pinned"] = [{"participant_id": 0, "table_number": 2}]
    data["apart"] = [[1, 2], [3, 4]]
    instance = instance_from_json(data)
    for seed in range(3):
        solution = solve(instance, mode="heuristic", time_limit=1.0, seed=seed)
        assert check(instance, solution.assignments) == []
        plan = solution.table_of()
        assert plan[0] == 2 and plan[1] != plan[2] and plan[3] != plan[4]


def test_size_targets_put_the_corner_with_most_pairs_first_for_positive_weights() -> None:
    import itertools

    bounds = [(2, 6), (3, 5), (2, 8), (4, 6), (2, 7)]
    model = IndexedInstance(instance_from_json(_ranged_instance(22, bounds, 0)), {})
    table_of = np.repeat(np.arange(5), [5, 4, 5, 4, 4])
    vectors = [v for v in itertools.product(*(range(lo, hi + 1) for lo, hi in bounds))
               if sum(v) == 22 and v != (5, 4, 5, 4, 4)]
    pairs = [sum(s * (s - 1) for s in v) for v in vectors]
    most = size_targets(model, table_of, np.random.default_rng(2), 6, pair_value=50.0)
    fewest = size_targets(model, table_of, np.random.default_rng(2), 6, pair_value=-1.0)
    assert sum(s * (s - 1) for s in most[0]) == max(pairs)
    assert sum(s * (s - 1) for s in fewest[0]) < sum(s * (s - 1) for s in most[0])
    assert len({tuple(t) for t in most}) == len(most) == 6


def test_searches_side_by_side_use_other_seeds_and_share_one_population(monkeypatch) -> None:
    import threading

    from eventflow.engine import search

    monkeypatch.setenv("EVENTFLOW_ENGINE_THREADS", "3")
    searched: list[tuple[int, int, int]] = []
    real_search = search._one_search

    def recorded(*args, **kwargs):
        searched.append((args[-1], threading.get_ident(), id(args[-2])))
        real_search(*args, **kwargs)

    members: list = []
    real_best = search._Population.best

    def best(self):
        members.extend(self.members)
        return real_best(self)

    monkeypatch.setattr(search, "_one_search", recorded)
    monkeypatch.setattr(search._Population, "best", best)
    data = _ranged_instance(40, [(4, 12)] * 5, 5)
    data["pinned"] = [{"participant_id": 0, "table_number": 2}]
    data["apart"] = [[1, 2], [3, 4]]
    instance = instance_from_json(data)
    solution = solve(instance, mode="heuristic", time_limit=1.0, seed=7)
    seeds = sorted(seed for seed, _, _ in searched)
    assert len(seeds) == 3 and len(set(seeds)) == 3 and seeds[0] == 7  # one search keeps the seed asked for
    assert len({thread for _, thread, _ in searched}) == 3  # each on a thread of its own
    assert len({population for _, _, population in searched}) == 1  # all adding to one population
    assert len(members) > 3  # more plans than searches: children and scattered starts joined
    assert check(instance, solution.assignments) == []
    assert abs(solution.objective - max(member.best for member in members)) < 1e-6


def _member(best: float, table_of: list[int]) -> SimpleNamespace:
    """What the population reads of a search: its best objective and plan."""
    return SimpleNamespace(best=best, best_table_of=np.array(table_of))


def test_the_overlap_of_two_plans_ignores_what_the_tables_are_called() -> None:
    from eventflow.engine.search import _Population

    population = _Population(4, np.arange(6), 3, 100)
    plan = np.array([0, 0, 1, 1, 2, 2])
    assert population.overlap(plan, plan[::-1].copy()) == 1.0  # the same pairs, tables renamed
    assert population.overlap(plan, np.array([0, 1, 2, 0, 1, 2])) == 0.0  # no pair kept
    assert population.overlap(np.array([0, 0, 0, 1, 1, 1]), np.array([0, 0, 1, 1, 1, 2])) == 2 / 6
    # Units whose place does not matter (no weights) are left out.
    assert _Population(4, np.arange(4), 3, 100).overlap(plan, np.array([0, 0, 1, 1, 0, 1])) == 1.0


def test_the_population_keeps_one_plan_per_region_and_never_loses_its_best() -> None:
    from eventflow.engine.search import _Population

    population = _Population(2, np.arange(6), 3, 100)
    region_a, region_b = [0, 0, 1, 1, 2, 2], [0, 1, 2, 0, 1, 2]
    population.offer(_member(10.0, region_a), 8)
    population.offer(_member(5.0, region_b), 8)  # room: kept however good
    assert sorted(member.best for member in population.members) == [5.0, 10.0]
    population.offer(_member(7.0, [1, 1, 2, 2, 0, 0]), 8)  # region a again, worse: dropped
    assert sorted(member.best for member in population.members) == [5.0, 10.0]
    population.offer(_member(6.0, [2, 2, 0, 0, 1, 1]), 8)  # region a, better than region b's plan...
    assert sorted(member.best for member in population.members) == [5.0, 10.0]  # ...but a's own member stays
    population.offer(_member(11.0, [1, 1, 0, 0, 2, 2]), 8)  # region a, better: takes its member's place
    assert sorted(member.best for member in population.members) == [5.0, 11.0]
    population.offer(_member(4.0, [0, 1, 0, 1, 2, 2]), 8)  # a new region, worse than the worst: dropped
    population.offer(_member(6.0, [0, 1, 1, 0, 2, 2]), 8)  # a new region, better than the worst: replaces it
    assert sorted(member.best for member in population.members) == [6.0, 11.0]
    assert population.best().best == 11.0
    assert population.rounds == 7 * 8 and population.idle_rounds == 2 * 8  # rounds since the 11.0 plan
    assert not population.settled
    population.offer(_member(1.0, region_b), 100)
    assert population.settled  # 100 rounds in a row without a better plan: small events end here


def test_a_population_long_without_a_better_plan_starts_over_around_its_best() -> None:
    from eventflow.engine import search

    population = search._Population(3, np.arange(6), 3, 1000, searches=2, restart_rounds=20)
    first = np.array([0, 0, 1, 1, 2, 2])
    best = _member(10.0, [0, 1, 2, 0, 1, 2])
    assert population.scatter_origin(first) is first  # scattered from the search's own first member
    population.offer(_member(8.0, first), 8)
    population.offer(best, 8)
    assert population.claim() and not population.claim()  # two first members and one scattered
    population.offer(_member(6.0, [0, 0, 0, 1, 1, 1]), 8)
    population.offer(_member(5.0, first), 8)  # 16 rounds without a better plan: not yet
    assert len(population.members) == 3 and population.restarts == 0
    population.offer(_member(5.0, first), 8)  # 24: the best stays, the other places are free again
    assert population.members == [best] and population.restarts == 1
    assert population.claim() and population.claim() and not population.claim()
    assert population.scatter_origin(first).tolist() == best.best_table_of.tolist()
    assert population.idle_rounds == 24 and population.stale_rounds == 0  # settling still counts on


def test_without_time_for_a_population_each_search_goes_on_alone(monkeypatch) -> None:
    from eventflow.engine import search

    monkeypatch.setenv("EVENTFLOW_ENGINE_THREADS", "2")
    monkeypatch.setattr(search, "POPULATION_MIN_ROUNDS", 10**9)  # as if a round took most of the limit
    members: list = []
    real_best = search._Population.best

    def best(self):
        members.extend(self.members)
        return real_best(self)

    monkeypatch.setattr(search._Population, "best", best)
    instance = instance_from_json(_ranged_instance(30, [(4, 9)] * 5, 4))
    solution = solve(instance, mode="heuristic", time_limit=1.0, seed=3)
    assert len(members) == 2  # each search's own plan, no scattered starts, no children
    assert all(int(member.counters[search.kernel.ROUNDS]) > search.FIRST_ROUNDS for member in members)
    assert check(instance, solution.assignments) == []
    assert abs(solution.objective - max(member.best for member in members)) < 1e-6


def test_a_small_event_ends_once_its_search_has_settled() -> None:
    from eventflow.engine import clock, search

    model = IndexedInstance(instance_from_json(_ranged_instance(24, [(4, 8)] * 4, 3)), {})
    rng = np.random.default_rng(0)
    start = search.greedy_seating(model, rng)
    deadline = clock.now() + 120.0
    best, rounds = search._compiled_search(model, start, deadline, seed=1)
    assert clock.now() < deadline  # it stopped on its own, long before the limit
    assert rounds >= 200  # after at least max(200, 20 m) rounds without a better plan
    assert best.objective >= start.objective - 1e-9


def test_one_search_with_the_cpu_clock_or_when_asked(monkeypatch) -> None:
    import pytest

    from eventflow.engine import clock, search

    monkeypatch.setenv("EVENTFLOW_ENGINE_THREADS", "1")
    assert search.search_threads() == 1
    monkeypatch.delenv("EVENTFLOW_ENGINE_THREADS")
    monkeypatch.setattr(clock, "CPU_CLOCK", True)  # a CPU-second limit is one core's worth
    assert search.search_threads() == 1
    monkeypatch.setattr(clock, "CPU_CLOCK", False)
    monkeypatch.setattr(search.os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    assert search.search_threads() == search.MAX_SEARCH_THREADS
    for wrong in ("0", "two", "-1"):
        monkeypatch.setenv("EVENTFLOW_ENGINE_THREADS", wrong)
        with pytest.raises(ValueError, match="EVENTFLOW_ENGINE_THREADS must be a whole number of at least 1"):
            search.search_threads()


def test_tables_are_interchangeable_only_for_the_same_people_bonus_and_no_pins() -> None:
    from eventflow.engine.search import interchangeable_tables

    n, T = 6, 5
    allowed = np.ones((n, T), dtype=np.bool_)
    allowed[0, :] = [False, False, False, True, True]  # a VIP, at the VIP tables 3 and 4 only
    stay_bonus = np.zeros((n, T))
    stay_bonus[1, 2] = 2.5  # re-planning: person 1 sat at table 2
    table_of = np.array([3, 2, 0, 1, 4, 4])
    movable = np.array([True, True, True, True, False, True])  # person 4 pinned to table 4
    same = interchangeable_tables(allowed, stay_bonus, table_of, movable)
    assert same.tolist() == [
        [False, True, False, False, False],
        [True, False, False, False, False],
        [False, False, False, False, False],
        [False, False, False, False, False],
        [False, False, False, False, False],
    ]
    movable[4] = True  # unpinned: the two VIP tables are alike
    assert interchangeable_tables(allowed, stay_bonus, table_of, movable)[3, 4]


def test_ranged_plans_keep_every_rule_with_vip_and_accessible_tables() -> None:
    data = _ranged_instance(36, [(2, 6), (5, 9), (2, 6), (6, 10), (4, 12)], 5)
    data["tables"][0]["is_vip_table"] = data["tables"][2]["is_vip_table"] = True
    data["tables"][3]["accessible"] = True
    for i in range(8):
        data["participants"][i]["is_vip"] = True
    data["participants"][12]["needs_accessible"] = True
    data["pinned"] = [{"participant_id": 9, "table_number": 5}]
    instance = instance_from_json(data)
    for seed in range(3):
        solution = solve(instance, mode="heuristic", time_limit=1.0, seed=seed)
        assert check(instance, solution.assignments) == []
