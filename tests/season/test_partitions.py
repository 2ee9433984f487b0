"""Hive-partitioned Parquet metrics: partitions outside the season are not read (pruned), partition
keys fill the columns a file lacks; the same on DuckDB and Spark."""

from __future__ import annotations

import datetime as dt
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from season_helpers import quarantine, rows, write_season

from engine_helpers import warehouse_path
from fanxing.season import ingest_season
from fanxing.season.partitions import partition_keys, prune, window
from fanxing.warehouse import Warehouse


def parquet(**cols) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table(cols), buf)
    return buf.getvalue()


def day_rows(month: int, platform: str | None, plays: int) -> bytes:
    days = [dt.date(2024, month, d) for d in (1, 2)]
    cols = {"date": days, "drama_id": ["d1", "d1"], "plays": [plays, plays + 1]}
    if platform is not None:
        cols = {"platform": [platform] * 2, **cols}
    return parquet(**cols)


def partitioned_season(root):
    metrics = {}
    for month in (1, 2, 3):
        for platform in ("douyin", "kuaishou"):
            # kuaishou files carry no platform column: the partition folder gives it
            metrics[f"month=2024-{month:02d}/platform={platform}/part-0.parquet"] = day_rows(
                month, platform if platform == "douyin" else None, 100 * month)
    metrics["month=2024-03/platform=iqiyi/part-0.parquet"] = b"not a parquet file, never opened when pruned"
    season_yaml = "name: 分区测试\nstart: 2024-02-01\nend: 2024-03-31\nplatforms: [douyin, kuaishou]\n"
    return write_season(root, metrics=metrics, files={"season.yaml": season_yaml})


def test_keys_windows_and_pruning_decisions():
    assert partition_keys("metrics/month=2024-03/platform=douyin/part-0.parquet") == {
        "month": "2024-03", "platform": "douyin"}
    assert partition_keys("metrics/plain.csv") == {}
    assert window({"month": "2024-02"}) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert window({"year": "2024", "date": "2024-05-06"}) == (dt.date(2024, 5, 6), dt.date(2024, 5, 6))
    assert window({"month": "spring"}) is None  # not a date: the file is read, its rows decide
    s, e = dt.date(2024, 2, 1), dt.date(2024, 3, 31)
    assert prune("metrics/month=2024-01/x.parquet", start=s, end=e, platforms=None).reason.startswith(
        "partition 2024-01-01 .. 2024-01-31 is outside the season")
    assert prune("metrics/month=2024-02/x.parquet", start=s, end=e, platforms=None) is None
    assert prune("metrics/platform=iqiyi/x.parquet", start=s, end=e, platforms=frozenset({"douyin"})) is not None
    assert prune("metrics/x.parquet", start=s, end=e, platforms=frozenset({"douyin"})) is None


def test_partitioned_parquet_is_pruned_and_filled(tmp_path, engine_name):
    season = partitioned_season(tmp_path / "season")
    with Warehouse.connect(warehouse_path(tmp_path, engine_name), engine=engine_name) as wh:
        report = ingest_season(season, wh)
        assert report.usable and not report.errors, report.errors
        pruned = sorted(p["file"] for p in report.pruned)
        assert pruned == ["metrics/month=2024-01/platform=douyin/part-0.parquet",
                          "metrics/month=2024-01/platform=kuaishou/part-0.parquet",
                          "metrics/month=2024-03/platform=iqiyi/part-0.parquet"]
        assert sorted(f.file for f in report.files if f.kind == "metrics") == [
            f"metrics/month=2024-0{m}/platform={p}/part-0.parquet" for m in (2, 3) for p in ("douyin", "kuaishou")]
        facts = rows(wh, "facts", ["date", "platform", "drama_id"])
        assert [(str(r.date)[:10], r.platform, r.plays) for r in facts.itertuples()] == [
            ("2024-02-01", "douyin", 200), ("2024-02-01", "kuaishou", 200),
            ("2024-02-02", "douyin", 201), ("2024-02-02", "kuaishou", 201),
            ("2024-03-01", "douyin", 300), ("2024-03-01", "kuaishou", 300),
            ("2024-03-02", "douyin", 301), ("2024-03-02", "kuaishou", 301)]
        assert facts.source_line.tolist()[0] == 1  # Parquet rows are numbered from 1
        assert quarantine(wh) == []


def test_a_file_column_wins_over_its_partition(tmp_path, engine_name):
    """A row whose own platform differs from its folder keeps its own value (and is checked as such)."""
    season = write_season(tmp_path / "season", metrics={
        "platform=douyin/part-0.parquet": parquet(date=[dt.date(2024, 1, 1)], platform=["nosuch"],
                                                  drama_id=["d1"], plays=[5])},
        files={"platforms.csv": "platform,name\ndouyin,抖音\n"})
    with Warehouse.connect(warehouse_path(tmp_path, engine_name), engine=engine_name) as wh:
        ingest_season(season, wh)
        q = quarantine(wh)
        assert [(r[0], r[1], r[2], r[4]) for r in q] == [
            ("metrics/platform=douyin/part-0.parquet", 1, "platform", "unknown_platform")], q


@pytest.mark.parametrize("bad", ["platforms: 7\n", "platforms: ['', douyin]\n"])
def test_bad_platform_list_is_a_clear_error(tmp_path, bad):
    from fanxing.errors import SeasonError

    season = write_season(tmp_path / "season", files={"season.yaml": bad})
    with Warehouse.connect() as wh, pytest.raises(SeasonError, match="season.yaml: platforms"):
        ingest_season(season, wh)


def test_files_that_differ_only_in_partition_values_they_carry_share_one_read(tmp_path, monkeypatch):
    """The read expression of a file is built (and its SQL compiled) once per shape: the partition
    values of columns a file has do not make it another shape; those it lacks (filled in) do.
    (The memo is the connection's: one loading thread here, so that one connection reads them all.)"""
    monkeypatch.setenv("FANXING_THREADS", "1")
    metrics = {}
    for platform in ("douyin", "kuaishou", "iqiyi"):
        for month in (1, 2):
            metrics[f"month=2024-{month:02d}/platform={platform}/part-0.parquet"] = day_rows(
                month, None if platform == "iqiyi" else platform, 10 * month)
    season = write_season(tmp_path / "season", metrics=metrics)
    with Warehouse.connect(tmp_path / "w.duckdb") as wh:
        report = ingest_season(season, wh)
        assert not report.errors
        reads = [k for k in wh.backend.memo(wh.con) if isinstance(k, tuple) and k[0] == "read-transform"]
        fills = sorted(k[1][3] for k in reads)
        assert fills == [(), (("platform", "iqiyi"),)], fills  # douyin and kuaishou share one
        facts = rows(wh, "facts", ["platform", "date"])
        assert facts.groupby("platform").size().to_dict() == {"douyin": 4, "iqiyi": 4, "kuaishou": 4}
