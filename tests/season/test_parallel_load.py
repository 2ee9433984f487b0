"""Metrics files load two at a time (one read and checked while the one before it writes, each
thread on its own connection); what lands is exactly what loading them one at a time gives: the
same facts, quarantine (duplicates across files resolved in file order), load_log, report and
errors, including files that fail, files skipped as already loaded and a repeated file."""

from __future__ import annotations

import pandas as pd
import pytest
from season_helpers import HEADER, write_season

from fanxing.season.ingest import ingest_season
from fanxing.warehouse import Warehouse


def _season(root):
    metrics = {}
    for k in range(8):
        lines = [f"2024-0{1 + k % 3}-{d:02d},douyin,d{1 + d % 3},{100 * k + d},{d},0.{d % 9}" for d in range(1, 29)]
        metrics[f"f{k}.csv"] = HEADER + "\n".join(lines) + "\n"
    # bad rows, a conflicting and an exact duplicate of an earlier file's rows, an unknown drama
    metrics["f3.csv"] += "2024-01-05,douyin,d2,-4,1,0.2\n2024-01-06,douyin,d9,5,1,0.2\nnot-a-date,douyin,d1,1,1,0.1\n"
    metrics["f5.csv"] = metrics["f5.csv"] + metrics["f2.csv"].split("\n", 1)[1].replace(",0.1\n", ",0.15\n")
    metrics["f6.csv"] = metrics["f0.csv"]  # the same content again: skipped
    metrics["f7.csv"] = b"\x00\x01\x02 not a table \xff\xfe"  # unreadable: an error, the rest loads
    return write_season(root, metrics=metrics)


def _load(season, db, monkeypatch, threads: str):
    monkeypatch.setenv("FANXING_THREADS", threads)
    with Warehouse.connect(db) as wh:
        report = ingest_season(season, wh)
        out = {t: wh.table(t).execute() for t in ("facts", "quarantine", "load_log")}
    out["load_log"] = out["load_log"].drop(columns=["loaded_at"])
    for t, df in out.items():
        out[t] = df.sort_values(list(df.columns)).reset_index(drop=True)
    files = [(f.file, f.status, f.rows_read, f.rows_loaded, f.rows_merged, f.rows_quarantined, f.error)
             for f in report.files]
    return out, files, report.errors


@pytest.mark.parametrize("again", [False, True])
def test_two_at_a_time_loads_exactly_what_one_at_a_time_does(tmp_path, monkeypatch, again):
    season = _season(tmp_path / "season")
    results = {}
    for threads in ("1", "2"):
        db = tmp_path / f"w{threads}.duckdb"
        results[threads] = _load(season, db, monkeypatch, threads)
        if again:  # a second load of the same season: every file skipped, nothing changes
            results[threads] = _load(season, db, monkeypatch, threads)
    (one, files1, errors1), (two, files2, errors2) = results["1"], results["2"]
    assert files1 == files2 and errors1 == errors2
    for t in one:
        pd.testing.assert_frame_equal(one[t], two[t], check_dtype=False)
    statuses = {f[0]: f[1] for f in files2}
    if again:
        assert set(statuses.values()) <= {"skipped", "error"}
    else:
        assert statuses["metrics/f6.csv"] == "skipped" and statuses["metrics/f7.csv"] == "error"
        assert len(errors2) == 1 and "f7.csv" in errors2[0]
        reasons = set(two["quarantine"]["reason"])
        assert {"conflicting_duplicate", "unknown_drama"} <= reasons, reasons


@pytest.mark.parametrize("where", ["commit", "read"])
def test_a_failure_while_loading_two_at_a_time_stops_the_files_after_it(tmp_path, monkeypatch, where):
    """An unexpected error in one file (a bug, not bad input), whether it comes while the file is
    read and checked or while it writes, is the error raised; every file before it is written, as
    one at a time, and no file after it."""
    import fanxing.season.ingest as ingest

    season = _season(tmp_path / "season")
    real_commit, real_prepare = ingest.commit, ingest._prepare

    def commit(wh, prepared, rel, load_id):
        if rel.endswith("f4.csv"):
            raise RuntimeError("boom")
        return real_commit(wh, prepared, rel, load_id)

    def prepare(wh, kind, src, tmpdir, mappings, cache):
        if src.rel.endswith("f4.csv"):
            raise RuntimeError("boom")
        return real_prepare(wh, kind, src, tmpdir, mappings, cache)

    monkeypatch.setattr(ingest, "commit" if where == "commit" else "_prepare",
                        commit if where == "commit" else prepare)
    monkeypatch.setenv("FANXING_THREADS", "2")
    with Warehouse.connect(tmp_path / "w.duckdb") as wh:
        with pytest.raises(RuntimeError, match="boom"):
            ingest_season(season, wh)
        logged = set(wh.table("load_log").execute()["file"])
    assert {f"metrics/f{k}.csv" for k in range(4)} <= logged
    assert not logged & {"metrics/f4.csv", "metrics/f5.csv", "metrics/f6.csv", "metrics/f7.csv"}
