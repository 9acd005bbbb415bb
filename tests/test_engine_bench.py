"""`python -m eventflow bench --mdgp`: each instance through the seat command, re-scored from the
original file and compared with TPSDP's published figures."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from eventflow import engine_bench

pytestmark = pytest.mark.slow  # two 3-second runs of the seat command, and a warm-up run


def test_mdgp_bench_rescores_each_run_and_summarises_each_family(tmp_path: Path) -> None:
    names = ("RanReal_n120_ss_01", "Geo_n120_ss_01")
    for name in names:
        shutil.copy(engine_bench.MDGP_DIR / f"{name}.txt", tmp_path)
    with (engine_bench.MDGP_DIR / "best_known.csv").open() as source, \
            (tmp_path / "best_known.csv").open("w", newline="") as target:
        reader = csv.DictReader(source)
        writer = csv.DictWriter(target, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        writer.writerows(row for row in reader if row["instance"] in names)

    printed = io.StringIO()
    geo_only = engine_bench.run_mdgp(directory=tmp_path, instances="Geo", out=printed)
    [row] = geo_only["mdgp_instances"]
    assert row["instance"] == "Geo_n120_ss_01" and row["limit_s"] == 3.0
    assert row["gap_pct"] == pytest.approx(100 * (row["tpsdp_best"] - row["objective"]) / row["tpsdp_best"])
    assert row["gap_pct"] < 1.0  # a real plan, not an empty or partial one
    assert geo_only["mdgp_Geo_mean_gap_pct"] == pytest.approx(row["gap_pct"])
    # Without RanReal or RanInt runs there is no such mean to print, and no "nan" in its place.
    assert "mdgp_mean_gap_pct" not in geo_only
    summary = printed.getvalue().strip().splitlines()[-1]
    assert summary.startswith("Summary: Geo mean") and "nan" not in summary

    both = engine_bench.run_mdgp(directory=tmp_path, out=io.StringIO())
    random_gap = next(r["gap_pct"] for r in both["mdgp_instances"] if r["family"] == "RanReal")
    assert both["mdgp_mean_gap_pct"] == pytest.approx(random_gap)
