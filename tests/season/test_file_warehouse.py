"""Many files into a DuckDB warehouse file: one transaction per file, a checkpoint at the end."""

from __future__ import annotations

import pytest
from season_helpers import HEADER, write_season

from fanxing.errors import SeasonError
from fanxing.season import ingest as ingest_module
from fanxing.season import ingest_season
from fanxing.warehouse import Warehouse


def _season(tmp_path):
    return write_season(tmp_path / "s", metrics={
        f"douyin_2024-0{m}.csv": HEADER + "".join(
            f"2024-0{m}-{d:02d},douyin,d{1 + d % 3},{100 * d + m},{d},0.5\n" for d in range(1, 21))
        + (f"2024-0{m}-01,douyin,d2,oops,1,0.5\n" if m == 2 else "")  # a bad row in file 2
        for m in (1, 2, 3, 4)
    })


def _threshold(wh) -> str:
    return wh.con.con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0]


def test_failed_file_leaves_the_file_warehouse_as_it_was(tmp_path, monkeypatch):
    """A file failing inside its transaction writes nothing; the files before and after it stay
    loaded, survive reopening, and the checkpoint threshold is back to what it was."""
    season = _season(tmp_path)
    real_commit = ingest_module.commit
    seen = []

    def commit(wh, prepared, rel, load_id):
        seen.append(_threshold(wh))
        out = real_commit(wh, prepared, rel, load_id)  # its rows are in, not yet committed
        if rel.endswith("_2024-02.csv"):
            raise SeasonError(f"{rel}: failed half-way")
        return out

    monkeypatch.setattr(ingest_module, "commit", commit)
    path = tmp_path / "w.duckdb"
    with Warehouse.connect(path) as wh:
        before = _threshold(wh)
        report = ingest_season(season, wh)
        assert _threshold(wh) == before
        assert seen and all(s != before for s in seen)  # raised while the files load
    status = {f.file: f.status for f in report.files}
    assert status["metrics/douyin_2024-02.csv"] == "error"
    assert [s for f, s in status.items() if f != "metrics/douyin_2024-02.csv"] == ["loaded"] * 4
    assert not (tmp_path / "w.duckdb.wal").exists() or (tmp_path / "w.duckdb.wal").stat().st_size == 0
    with Warehouse.connect(path) as wh:
        files = wh.table("facts").source_file.value_counts().execute()
        assert dict(zip(files["source_file"], files["source_file_count"], strict=True)) == {
            "metrics/douyin_2024-01.csv": 20, "metrics/douyin_2024-03.csv": 20, "metrics/douyin_2024-04.csv": 20}
        assert wh.table("quarantine").count().execute() == 0  # file 2's bad row went with it
        log = wh.table("load_log").execute()
        assert log.status.tolist() == ["loaded", "loaded", "error", "loaded", "loaded"]

    # loading again: the loaded files are skipped by hash, the failed one now loads
    monkeypatch.setattr(ingest_module, "commit", real_commit)
    with Warehouse.connect(path) as wh:
        report = ingest_season(season, wh)
        assert {f.file: f.status for f in report.files if f.kind == "metrics"} == {
            "metrics/douyin_2024-01.csv": "skipped", "metrics/douyin_2024-02.csv": "loaded",
            "metrics/douyin_2024-03.csv": "skipped", "metrics/douyin_2024-04.csv": "skipped"}
        q = wh.table("quarantine").execute()
        assert q[["file", "line", "column", "reason"]].values.tolist() == [
            ["metrics/douyin_2024-02.csv", 22, "plays", "unparsable_number"]]
        assert wh.table("facts").count().execute() == 80


def test_bulk_load_raises_the_threshold_and_checkpoints_at_the_end(tmp_path):
    with Warehouse.connect(tmp_path / "w.duckdb") as wh:
        b, raw = wh.backend, wh.con.con
        before = _threshold(wh)
        with b.bulk_load(wh.con):
            assert _threshold(wh) == "128.0 MiB"
            for i in range(3):
                with b.transaction(wh.con):
                    b.insert_rows(wh.con, "market", [{"year": 2020 + i, "market_size_cny_100m": 1.0 * i,
                                                      "kind": "actual", "source": "x"}])
            assert (tmp_path / "w.duckdb.wal").stat().st_size > 0  # committed, not yet checkpointed
        assert _threshold(wh) == before
        assert not (tmp_path / "w.duckdb.wal").exists() or (tmp_path / "w.duckdb.wal").stat().st_size == 0
        with pytest.raises(RuntimeError, match="boom"), b.bulk_load(wh.con):
            raise RuntimeError("boom")
        assert _threshold(wh) == before
        # at most a quarter of a small memory limit; never below the current threshold
        raw.execute("SET memory_limit = '400MB'")
        with b.bulk_load(wh.con):
            assert _threshold(wh) == "95.3 MiB"
        raw.execute("SET memory_limit = '40MB'")
        with b.bulk_load(wh.con):
            assert _threshold(wh) == before
        assert wh.table("market").year.execute().tolist() == [2020, 2021, 2022]
