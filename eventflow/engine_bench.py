"""Seating-engine benchmark: heuristic quality against proven optima, and speed at scale.

Run ``python -m eventflow bench --engine`` (add ``--quick`` for a smoke run).  Other benchmarks
import :func:`run`, whose result keys
are stable.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from eventflow.engine import generate_instance, instance_from_json, score, solve
from eventflow.engine.greedy import greedy_seating
from eventflow.engine.indexed import IndexedInstance

_ROOT = Path(__file__).resolve().parent.parent
QUALITY_INSTANCES = 20
SPEED_CASES = ((2000, 200), (20000, 2000))
# Floors this engine promises (see the project brief).
FLOORS = {"within_1pct_share": 0.9, "max_gap_pct": 3.0, "engine_2000_s": 5.0,
          "engine_20000_s": 60.0, "engine_20000_peak_mib": 2048.0}


def quality_instance(k: int) -> tuple[int, int, int]:
    """(participants, tables, seed) of quality instance k: 20 to 39 people, ~8 per table."""
    n = 20 + k
    return n, max(2, round(n / 8)), k


def _gap_pct(best: float, found: float) -> float:
    return 0.0 if found >= best else 100.0 * (best - found) / max(abs(best), 1e-9)


def _greedy_baseline(instance, seed: int = 0) -> tuple[float, float]:
    """Score and seconds of the greedy start alone (the engine's own baseline)."""
    started = time.perf_counter()
    model = IndexedInstance(instance, instance.pinned)
    state = greedy_seating(model, np.random.default_rng(seed))
    seconds = time.perf_counter() - started
    if state is None:
        return float("nan"), seconds
    plan = {model.person_ids[i]: model.table_numbers[state.table_of[u]]
            for u, members in enumerate(model.unit_members) for i in members}
    return score(instance, plan), seconds


def _peak_mib() -> float:
    # ru_maxrss is in KiB on Linux: the process high-water mark, Python and libraries included.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(quick: bool = False, out=sys.stdout) -> dict[str, Any]:
    """Run the benchmark, print its tables to ``out`` and return the figures.

    ``quick`` proves 5 instances with a 10 s limit instead of 20 with 60 s, and caps the
    20,000-person search at 10 s.
    """
    def say(text: str) -> None:
        print(text, file=out, flush=True)

    results: dict[str, Any] = {}
    count, exact_limit = (5, 10.0) if quick else (QUALITY_INSTANCES, 60.0)
    say(f"Quality: heuristic vs CP-SAT on {count} generated instances (exact limit {exact_limit:g} s)")
    say(f"{'instance':>8} {'n':>3} {'tables':>6} {'optimum':>9} {'proven':>6} {'heuristic':>9} "
        f"{'gap %':>6} {'greedy':>8} {'exact s':>7} {'heur s':>6}")
    rows: list[dict[str, Any]] = []
    for k in range(count):
        n, n_tables, seed = quality_instance(k)
        instance = instance_from_json(generate_instance(n, n_tables, seed))
        t0 = time.perf_counter()
        exact = solve(instance, mode="exact", time_limit=exact_limit)
        t1 = time.perf_counter()
        heuristic = solve(instance, mode="heuristic", seed=seed)
        t2 = time.perf_counter()
        assert exact.objective is not None and heuristic.objective is not None  # generated plans are feasible
        best = max(exact.objective, heuristic.objective)
        row: dict[str, Any] = {"instance": k, "n": n, "tables": n_tables, "optimum": best,
               "proven": exact.status == "optimal", "bound": exact.bound,
               "heuristic": heuristic.objective, "gap_pct": _gap_pct(best, heuristic.objective),
               "greedy": heuristic.greedy_score, "exact_s": t1 - t0, "heuristic_s": t2 - t1}
        rows.append(row)
        say(f"{k:>8} {n:>3} {n_tables:>6} {best:>9g} {'yes' if row['proven'] else 'no':>6} "
            f"{row['heuristic']:>9g} {row['gap_pct']:>6.2f} {row['greedy']:>8g} "
            f"{row['exact_s']:>7.1f} {row['heuristic_s']:>6.2f}")
    within = sum(r["gap_pct"] <= 1.0 for r in rows)
    max_gap = max(r["gap_pct"] for r in rows)
    proven = sum(r["proven"] for r in rows)
    say(f"Summary: {within}/{count} within 1% of the optimum, max gap {max_gap:.2f}%, "
        f"{proven}/{count} optima proven; greedy alone averages "
        f"{np.mean([_gap_pct(r['optimum'], r['greedy']) for r in rows]):.1f}% below")
    results.update(quality_instances=rows, quality_within_1pct=within, quality_count=count,
                   quality_max_gap_pct=max_gap, quality_proven=proven)

    say("\nSpeed (default time limits; peak = high-water RSS of a fresh process running the case)")
    say(f"{'people':>7} {'tables':>6} {'score':>10} {'seconds':>8} {'peak MiB':>9} "
        f"{'greedy':>10} {'greedy s':>8} {'vs greedy':>9}")
    for n, n_tables in SPEED_CASES:
        limit = 10.0 if quick and n > 2000 else None
        # A fresh process per case: its peak memory is the engine's alone (with Python and the
        # libraries it imports), not whatever the benchmark did before.
        case = _in_fresh_process(n, n_tables, limit)
        say(f"{n:>7} {n_tables:>6} {case['score']:>10g} {case['seconds']:>8.2f} {case['peak_mib']:>9.0f} "
            f"{case['greedy']:>10g} {case['greedy_s']:>8.2f} {case['ratio']:>9.2f}")
        results.update({
            f"engine_{n}_s": case["seconds"], f"engine_{n}_score": case["score"],
            f"engine_{n}_peak_mib": case["peak_mib"], f"engine_{n}_greedy_score": case["greedy"],
            f"engine_{n}_greedy_s": case["greedy_s"], f"engine_vs_greedy_{n}": case["ratio"],
            f"engine_{n}_status": case["status"],
        })
    return results


def _in_fresh_process(n: int, n_tables: int, limit: float | None) -> dict[str, Any]:
    # A new interpreter rather than multiprocessing: after the page benchmarks, the parent's
    # __main__ is a Streamlit script, which a spawned child would run again.
    code = ("import json, sys; from eventflow.engine_bench import _speed_case; "
            "print(json.dumps(_speed_case(*json.loads(sys.argv[1]))))")
    done = subprocess.run([sys.executable, "-c", code, json.dumps([n, n_tables, limit])], cwd=_ROOT,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _speed_case(n: int, n_tables: int, limit: float | None) -> dict[str, Any]:
    instance = instance_from_json(generate_instance(n, n_tables, seed=0))
    t0 = time.perf_counter()
    solution = solve(instance, mode="heuristic", time_limit=limit)
    seconds = time.perf_counter() - t0
    assert solution.objective is not None  # generated plans are feasible
    peak = _peak_mib()
    greedy, greedy_s = _greedy_baseline(instance)
    return {"score": solution.objective, "seconds": seconds, "peak_mib": peak, "greedy": greedy,
            "greedy_s": greedy_s, "ratio": solution.objective / greedy if greedy > 0 else float("nan"),
            "status": solution.status}


def floors_met(results: dict[str, Any]) -> list[str]:
    """The promised floors this run missed (empty if all met)."""
    missed = []
    if results["quality_within_1pct"] < FLOORS["within_1pct_share"] * results["quality_count"]:
        missed.append("fewer than 90% of instances within 1% of the optimum")
    if results["quality_max_gap_pct"] > FLOORS["max_gap_pct"]:
        missed.append("an instance more than 3% below the optimum")
    for key in ("engine_2000_s", "engine_20000_s", "engine_20000_peak_mib"):
        if results[key] > FLOORS[key]:
            missed.append(f"{key} = {results[key]:.1f} > {FLOORS[key]:g}")
    return missed


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark; exit status 1 if a promised floor was missed."""
    parser = argparse.ArgumentParser(prog="engine_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller, faster smoke run")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = run(quick=args.quick)
    missed = floors_met(results)
    print(f"\nTotal {time.perf_counter() - started:.0f} s; "
          + ("all floors met" if not missed else "MISSED: " + "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())


# --- MDGPLIB: the engine against the best published results ----------------------------------

MDGP_DIR = _ROOT.parent / "shared" / "benchmarks" / "mdgplib"
#: The literature's time limits (Lai & Hao 2016; Yang et al. 2022), seconds by instance size.
MDGP_LIMITS = {120: 3.0, 240: 20.0, 480: 120.0, 960: 600.0}
#: ``--quick``: every family at every size, with the ds (size-range) variant, in about 4 minutes.
MDGP_QUICK = ("RanReal_n120_ss_01", "RanReal_n120_ds_02", "RanInt_n120_ss_03", "Geo_n120_ss_01",
              "RanReal_n240_ss_01", "RanInt_n240_ss_02", "Geo_n240_ss_01", "RanInt_n480_ss_01")


def mdgp_instance(path: Path) -> tuple[dict[str, Any], np.ndarray]:
    """An MDGPLIB file as a seating instance (groups are tables with ``min_fill`` and ``capacity``,
    everyone opted in, distances as pair weights, no other weights) and its distance matrix."""
    lines = path.read_text().split("\n")
    head = lines[0].split()
    n, m = int(head[0]), int(head[1])
    bounds = [int(x) for x in head[3:3 + 2 * m]]
    distance = np.zeros((n, n))
    pair_weights = []
    for line in lines[1:]:
        parts = line.split()
        if len(parts) == 3:
            i, j, d = int(parts[0]), int(parts[1]), float(parts[2])
            distance[i, j] = distance[j, i] = d
            pair_weights.append([i, j, d])
    data = {
        "tables": [{"table_number": g + 1, "min_fill": bounds[2 * g], "capacity": bounds[2 * g + 1]}
                   for g in range(m)],
        "participants": [{"id": i, "networking_opt_in": True} for i in range(n)],
        "weights": {"shared_interest": 0.0, "same_company": 0.0, "same_track": 0.0},
        "pair_weights": pair_weights,
    }
    return data, distance


def _mdgp_objective(distance: np.ndarray, solution: dict[str, Any]) -> float:
    """Re-scored from the original distances: sum of d(i, j) over pairs in the same group."""
    group = np.full(len(distance), -1)
    for a in solution["assignments"]:
        group[a["participant_id"]] = a["table_number"]
    if (group < 0).any():
        return float("nan")
    same = group[:, None] == group[None, :]
    return float(np.triu(distance * same, 1).sum())


def run_mdgp(quick: bool = False, seeds: int = 1, directory: Path = MDGP_DIR, cpu_clock: bool = False,
             out: TextIO = sys.stdout, instances: str = "", jobs: int = 1) -> dict[str, Any]:
    """Each instance through ``python -m eventflow seat`` in a fresh process at the literature's
    limit (wall-clock from the command's start), re-scored and compared with TPSDP's best.
    Also records each run's CPU seconds (a loaded machine gives the search less than the limit).
    ``cpu_clock``: the limit is counted in the process's CPU seconds instead (see
    :mod:`eventflow.engine.clock`), what a core of its own would give on a shared machine; only
    then may ``jobs`` > 1 runs share the machine (wall-clock runs would take each other's time).
    ``instances``: comma-separated parts of names (e.g. ``n120,n240``), empty for all."""
    import csv
    import os
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    if jobs > 1 and not cpu_clock:
        raise ValueError("several runs at a time only with the CPU clock")
    env = dict(os.environ, EVENTFLOW_ENGINE_CLOCK="cpu") if cpu_clock else None

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    known = {row["instance"]: row for row in csv.DictReader((directory / "best_known.csv").open())}
    names = list(MDGP_QUICK) if quick else sorted(known, key=lambda x: (int(known[x]["n"]), x))
    parts = [p for p in instances.split(",") if p]
    if parts:
        names = [name for name in names if any(p in name for p in parts)]
    # The first run after an install compiles the kernel (numba caches it next to the code);
    # measure that apart, so the figures below are what every later run gets.  A size-range
    # instance reaches every compiled function; a run whose limit passed while it compiled may
    # not have reached them all, so it runs again until one keeps its limit.
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm.json"
        warm_name = min(known, key=lambda name: ("_ds_" not in name, int(known[name]["n"]), name))
        warm.write_text(json.dumps(mdgp_instance(directory / f"{warm_name}.txt")[0]))
        times: list[float] = []
        while not times or (times[-1] > 3.5 and len(times) < 4):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "eventflow", "seat", "--instance", str(warm), "--out",
                            str(Path(tmp) / "o.json"), "--time-limit", "3", "--mode", "heuristic"],
                           cwd=_ROOT, capture_output=True, check=True)
            times.append(time.perf_counter() - t0)
        say("warm-up runs (the first compiles the kernel if its cache is cold): "
            + ", ".join(f"{t:.1f} s" for t in times))
    say(f"{'instance':<20} {'limit':>5} {'seed':>4} {'ours':>13} {'TPSDP best':>13} {'TPSDP avg':>13} "
        f"{'gap %':>7} {'avg gap %':>9} {'wall s':>6} {'cpu s':>5}  over")

    def one_run(name: str, seed: int) -> dict[str, Any]:
        data, distance = mdgp_instance(directory / f"{name}.txt")
        limit = MDGP_LIMITS[len(distance)]
        best, average = float(known[name]["tpsdp_best"]), float(known[name]["tpsdp_avg"])
        with tempfile.TemporaryDirectory() as tmp:
            path, solution_path = Path(tmp) / f"{name}.json", Path(tmp) / "solution.json"
            path.write_text(json.dumps(data))
            t0 = time.perf_counter()
            with (Path(tmp) / "stderr.txt").open("w+") as stderr:
                process = subprocess.Popen(
                    [sys.executable, "-m", "eventflow", "seat", "--instance", str(path),
                     "--out", str(solution_path), "--time-limit", f"{limit:g}",
                     "--mode", "heuristic", "--seed", str(seed)],
                    cwd=_ROOT, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
                # wait4: this run's own CPU seconds, also while other runs go on beside it.
                _, status, usage = os.wait4(process.pid, 0)
                process.returncode = os.waitstatus_to_exitcode(status)
                if process.returncode:
                    stderr.seek(0)
                    raise RuntimeError(f"{name} seed {seed}: seat exited with {process.returncode}: "
                                       f"{stderr.read()}")
            wall, cpu = time.perf_counter() - t0, usage.ru_utime + usage.ru_stime
            ours = _mdgp_objective(distance, json.loads(solution_path.read_text()))
        row: dict[str, Any] = {
            "instance": name, "family": name.split("_")[0], "n": len(distance), "seed": seed,
            "limit_s": limit, "objective": ours, "tpsdp_best": best, "tpsdp_avg": average,
            "gap_pct": 100.0 * (best - ours) / best, "avg_gap_pct": 100.0 * (best - average) / best,
            "wall_s": wall, "cpu_s": cpu}
        # The limit is the command's, from its start to its exit: wall-clock seconds, or with
        # --cpu-clock its CPU seconds (its wall clock then also counts the time it waited).
        row["over_s"] = (cpu if cpu_clock else wall) - limit
        row["overran"] = row["over_s"] > 0
        say(f"{name:<20} {limit:>5g} {seed:>4} {ours:>13.2f} {best:>13.2f} {average:>13.2f} "
            f"{row['gap_pct']:>7.3f} {row['avg_gap_pct']:>9.3f} {wall:>6.2f} {cpu:>5.1f}"
            + (f"  OVER by {row['over_s']:.2f} s" if row["overran"] else ""))
        return row

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        rows = list(pool.map(lambda job: one_run(*job), [(n, s) for n in names for s in range(seeds)]))
    results: dict[str, Any] = {"mdgp_instances": rows, "mdgp_quick": quick, "mdgp_seeds": seeds,
                               "mdgp_clock": "cpu" if cpu_clock else "wall"}
    random_rows = [r for r in rows if r["family"] in ("RanReal", "RanInt")]
    if random_rows:
        results["mdgp_mean_gap_pct"] = float(np.mean([r["gap_pct"] for r in random_rows]))
        results["mdgp_max_gap_pct"] = float(max(r["gap_pct"] for r in random_rows))
    for family in ("RanReal", "RanInt", "Geo"):
        gaps = [r["gap_pct"] for r in rows if r["family"] == family]
        if gaps:
            results[f"mdgp_{family}_mean_gap_pct"] = float(np.mean(gaps))
            results[f"mdgp_{family}_max_gap_pct"] = float(max(gaps))
    per_instance = {name: [r["gap_pct"] for r in rows if r["instance"] == name] for name in names}
    spread = {name: float(max(g) - min(g)) for name, g in per_instance.items() if len(g) > 1}
    spreads = list(spread.values())
    if spread:
        # How far one seed's plan may be from another's: #12 asks for under 0.2 points.
        say(f"\n{'instance':<20} {'seeds':>5} {'mean gap %':>10} {'best %':>7} {'worst %':>7} {'spread':>6}")
        for name, g in per_instance.items():
            if name in spread:
                say(f"{name:<20} {len(g):>5} {np.mean(g):>10.3f} {min(g):>7.3f} {max(g):>7.3f} "
                    f"{spread[name]:>6.3f}")
        results["mdgp_seed_spread_pts"] = spread
        results["mdgp_max_seed_spread_pts"] = float(max(spreads))
    results["mdgp_max_overrun_s"] = float(max(r["wall_s"] - r["limit_s"] for r in rows))
    # Past the limit on the clock the run was given (wall, or CPU with --cpu-clock).
    results["mdgp_max_over_limit_s"] = float(max(r["over_s"] for r in rows))
    results["mdgp_overruns"] = [f"{r['instance']} seed {r['seed']}" for r in rows if r["overran"]]
    say(("Summary: RanReal+RanInt mean gap {:.3f} %, max {:.3f} %; ".format(
        results["mdgp_mean_gap_pct"], results["mdgp_max_gap_pct"]) if random_rows else "Summary: ")
        + "; ".join(f"{f} mean {results[f'mdgp_{f}_mean_gap_pct']:.3f} %" for f in ("RanReal", "RanInt", "Geo")
                    if f"mdgp_{f}_mean_gap_pct" in results)
        + (f"; seed spread up to {results['mdgp_max_seed_spread_pts']:.3f} points" if spreads else "")
        + f"; wall-clock at most {results['mdgp_max_overrun_s']:+.2f} s past the limit"
        + (f"; {'CPU' if cpu_clock else 'wall'}-clock limit OVERRUN by {len(results['mdgp_overruns'])} "
           f"run(s), at most {results['mdgp_max_over_limit_s']:.2f} s: {', '.join(results['mdgp_overruns'])}"
           if results["mdgp_overruns"] else f"; every run within its {'CPU' if cpu_clock else 'wall'}-clock limit"))
    return results


def mdgp_main(quick: bool, seeds: int, results_path: Path, cpu_clock: bool = False,
              instances: str = "", jobs: int = 1) -> int:
    """``python -m eventflow bench --mdgp``: print the table, merge the figures into results.json."""
    if not (MDGP_DIR / "best_known.csv").exists():
        print(f"error: the MDGPLIB instances are not at {MDGP_DIR}", file=sys.stderr)
        return 2
    if jobs > 1 and not cpu_clock:
        print("error: --jobs above 1 needs --cpu-clock (wall-clock runs would take each other's time)",
              file=sys.stderr)
        return 2
    results = run_mdgp(quick=quick, seeds=seeds, cpu_clock=cpu_clock, instances=instances, jobs=jobs)
    # Imported here, not above: the timing subprocesses import this module, and eventflow.bench would load
    # the database stack into them (and into their memory figures).
    from eventflow.bench import merge_results

    merge_results(results_path, results, replacing="mdgp_")
    print(f"written to {results_path}")
    return 0
