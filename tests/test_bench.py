"""`python -m eventflow bench`: what each benchmark writes into bench/results.json."""

from __future__ import annotations

import json
from pathlib import Path

from eventflow.bench import merge_results


def test_a_benchmark_replaces_its_own_figures_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    merge_results(path, {"load_8_p95_s": 0.64, "mdgp_mean_gap_pct": 0.17, "mdgp_max_seed_spread_pts": 0.45})
    # A later MDGP run with one seed measures no spread: the earlier run's spread must not stay
    # beside its figures as if it were theirs.
    merge_results(path, {"mdgp_mean_gap_pct": 0.09}, replacing="mdgp_")
    assert json.loads(path.read_text()) == {"load_8_p95_s": 0.64, "mdgp_mean_gap_pct": 0.09}
    merge_results(path, {"load_8_p95_s": 0.7})
    assert json.loads(path.read_text()) == {"load_8_p95_s": 0.7, "mdgp_mean_gap_pct": 0.09}
