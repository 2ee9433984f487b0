"""Scale mode: about the requested number of rows, in per-file or Hive-partitioned layouts."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from fanxing.demo import generate_season
from fanxing.demo.catalogue import sample_catalogue
from fanxing.demo.traffic import plan_series


def test_scale_csv_row_count(tmp_path):
    summary = generate_season(tmp_path / "s", rows=200_000, seed=11)
    files = sorted((tmp_path / "s" / "metrics").glob("*.csv"))
    assert len(files) == 9 * 12
    n = sum(len(pd.read_csv(p, usecols=["plays"])) for p in files)
    assert n == summary.metric_rows == summary.rows_written
    assert abs(n - 200_000) / 200_000 < 0.05
    assert summary.dramas > 500  # the catalogue grew to keep series realistic
    fakes = pd.read_csv(tmp_path / "s-truth" / "fake_traffic.csv")
    assert len(fakes) > 4 and set(fakes["shape"]) == {"burst", "plateau", "slow_creep", "likes_only"}
    assert len(pd.read_csv(tmp_path / "s-truth" / "malformed.csv")) == 0


def test_scale_parquet_partitioned(tmp_path):
    summary = generate_season(tmp_path / "p", rows=300_000, fmt="parquet", partitioned=True, seed=12)
    root = tmp_path / "p" / "metrics"
    parts = sorted(root.rglob("*.parquet"))
    assert parts and all(p.relative_to(root).parts[0].startswith("month=2024-") for p in parts)
    assert all(p.relative_to(root).parts[1].startswith("platform=") for p in parts)
    schema = ds.partitioning(pa.schema([("month", pa.string()), ("platform", pa.string())]), flavor="hive")
    table = ds.dataset(root, partitioning=schema).to_table()
    assert abs(table.num_rows - 300_000) / 300_000 < 0.05
    frame = table.select(["date", "platform", "drama_id", "plays"]).to_pandas()
    assert not frame.duplicated(["date", "platform", "drama_id"]).any()
    ids = set(pd.read_csv(tmp_path / "p" / "dramas.csv", usecols=["drama_id"]).drama_id)
    assert set(frame.drama_id) <= ids
    assert summary.layout == "uniform"


def test_default_parquet_without_rows_is_uniform(tmp_path):
    summary = generate_season(tmp_path / "q", dramas=40, days=40, fmt="parquet")
    assert {p.suffix for p in (tmp_path / "q" / "metrics").iterdir()} == {".parquet"}
    assert summary.metric_rows == summary.rows_written


@pytest.mark.slow
def test_default_season_size():
    cat = sample_catalogue(2024, 1500, 366)
    rows = int(plan_series(cat, 2024, 366).length.sum())
    assert 300_000 <= rows <= 700_000
