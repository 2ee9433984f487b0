"""Exact duplicates merge, conflicting ones are quarantined; the first (or the warehouse's) wins."""

from __future__ import annotations

from season_helpers import HEADER, quarantine, rows, write_season

from fanxing.season import ingest_season
from fanxing.warehouse import Warehouse


def test_within_and_across_files(tmp_path, load):
    a = HEADER + ("2024-03-01,douyin,d1,100,5,0.5\n2024-03-01,douyin,d1,100,5,0.5\n"
                  "2024-03-01,douyin,d1,999,5,0.5\n2024-03-02,douyin,d1,7,,\n")
    b = ("date,platform,title,plays,likes,completion_rate\n2024-03-01,douyin,《霸道总裁爱上我》,100,5,50%\n"
         "2024-03-02,douyin,霸总,8,,\n2024-03-03,douyin,霸总,9,,\n")
    season = write_season(tmp_path / "s", metrics={"a.csv": a, "b.csv": b})
    report, wh = load(season)
    acct = {f.file: (f.rows_read, f.rows_loaded, f.rows_merged, f.rows_quarantined) for f in report.files}
    assert acct["metrics/a.csv"] == (4, 2, 1, 1)
    assert acct["metrics/b.csv"] == (3, 1, 1, 1)
    q = [x for x in quarantine(wh) if x[0].startswith("metrics")]
    assert q == [("metrics/a.csv", 4, "plays", "999", "conflicting_duplicate"),
                 ("metrics/b.csv", 3, "plays", "8", "conflicting_duplicate")]
    details = wh.table("quarantine").execute().set_index("line").detail
    assert "line 2 of metrics/a.csv" in details[4]
    assert "metrics/a.csv line 5" in details[3]
    assert sorted(rows(wh, "facts").plays) == [7, 9, 100]


def test_reload_is_idempotent_and_the_warehouse_wins(tmp_path):
    a = HEADER + "2024-03-01,douyin,d1,100,5,0.5\n2024-03-02,douyin,d1,7,1,0.1\n"
    season = write_season(tmp_path / "s", metrics={"a.csv": a})
    db = tmp_path / "w.duckdb"
    with Warehouse.connect(db) as wh:
        first = ingest_season(season, wh)
        assert [f.status for f in first.files] == ["loaded", "loaded"]
    with Warehouse.connect(db) as wh:
        again = ingest_season(season, wh)
        assert [f.status for f in again.files] == ["skipped", "skipped"]
        assert wh.table("facts").count().execute() == 2
        log = wh.table("load_log").execute()
        assert sorted(log.status) == ["loaded", "loaded", "skipped", "skipped"]
    # the file changes: the unchanged row merges, the changed one conflicts with the loaded row
    (season / "metrics" / "a.csv").write_text(
        HEADER + "2024-03-01,douyin,d1,100,5,0.5\n2024-03-02,douyin,d1,8,1,0.1\n2024-03-03,douyin,d1,9,1,0.1\n",
        encoding="utf-8")
    with Warehouse.connect(db) as wh:
        third = ingest_season(season, wh)
        f = third.files[-1]
        assert (f.status, f.rows_read, f.rows_loaded, f.rows_merged, f.rows_quarantined) == ("loaded", 3, 1, 1, 1)
        assert third.load_id == 3
        q = wh.table("quarantine").execute()
        row = q[q.load_id == 3].iloc[0]
        assert (row.line, row.reason, row.column, row.value) == (3, "conflicting_duplicate", "plays", "8")
        assert "already in the warehouse" in row.detail and "metrics/a.csv line 3" in row.detail
        facts = wh.table("facts").execute().sort_values("date")
        assert facts.plays.tolist() == [100, 7, 9]
