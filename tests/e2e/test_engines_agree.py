"""The same season built on DuckDB and on Spark (local mode) publishes the same results.

Every published table and JSON document is compared by ``fanxing.publish.compare``: ranks, periods,
ids and texts exactly; numbers within 1e-9 (relative for large values such as plays). Only what
names the engine or the moment may differ: timings, build id, engine, versions, output hashes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fanxing.cli import app
from fanxing.demo import generate_season
from fanxing.publish.build import build
from fanxing.publish.compare import compare_builds, compare_frames, files

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> tuple[Path, Path]:
    pytest.importorskip("pyspark")
    root = tmp_path_factory.mktemp("engines")
    season = root / "season"
    generate_season(season, dramas=40, days=31, seed=11)
    duck = build(season, root / "duckdb", engine="duckdb", with_report=False).out_dir
    spark = build(season, root / "spark", engine="spark", with_report=False).out_dir
    return duck, spark


def test_both_engines_publish_the_same_results(builds):
    duck, spark = builds
    assert files(duck) == files(spark)
    assert json.loads((spark / "manifest.json").read_text(encoding="utf-8"))["engine"] == "spark"
    problems = compare_builds(duck, spark)
    assert not problems, "\n".join(problems[:30])
    a, b = (pd.read_csv(d / "rankings" / "annual.csv") for d in (duck, spark))
    assert len(a) > 20 and a["rank"].tolist() == b["rank"].tolist() and a["drama_id"].equals(b["drama_id"])
    for rel in ("anomalies.csv", "quarantine.csv", "rankings/monthly.csv", "rankings/weekly.csv"):
        assert (duck / rel).exists() and len(pd.read_csv(duck / rel)) > 0, rel


def test_compare_finds_a_difference(builds, tmp_path):
    duck, _ = builds
    a = pd.read_csv(duck / "rankings" / "annual.csv")
    b = a.copy()
    b.loc[0, "score"] += 1e-6
    b.loc[1, "rank_low"] += 1
    got = compare_frames("annual", a, b)
    assert any("annual:score: 1 values differ" in p for p in got) and any("annual:rank_low" in p for p in got)


def test_compare_cli(builds):
    duck, spark = builds
    res = CliRunner().invoke(app, ["compare", str(duck), str(spark)])
    assert res.exit_code == 0, res.output
    assert "same results" in res.output
