"""A Parquet file of many row groups: its rows are read into the engine on all threads and stored in
any order (their line is the file's row number, not the storage order), and every line number
still comes out exact — in the quarantine, in ``source_line``, and in which of two rows with the
same key is kept."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from season_helpers import quarantine, rows, write_season

from fanxing.warehouse import Warehouse

N = 300_000
DUP_OF, DUP_AT = 10, 250_001  # 1-based lines: line DUP_AT repeats line DUP_OF's key, plays differ
BAD_AT = 200_000  # negative plays


def _file() -> bytes:
    i = np.arange(N)
    days = np.array([dt.date(2024, 1, 1) + dt.timedelta(days=int(d)) for d in range(60)])
    drama = np.array(["d1", "d2", "d3"], dtype=object)
    date, ids = days[i % 60], drama[(i // 60) % 3]
    plays = (i + 1).astype(np.int64)  # a row's plays are its line number
    # keys unique apart from the planted duplicate: day and drama repeat every 180 rows, so each
    # block of 180 rows gets a platform of its own
    platform = np.array([f"p{k}" for k in i // 180], dtype=object)
    date[DUP_AT - 1], ids[DUP_AT - 1], platform[DUP_AT - 1] = date[DUP_OF - 1], ids[DUP_OF - 1], platform[DUP_OF - 1]
    plays[BAD_AT - 1] = -5
    table = pa.table({"date": pa.array(date, pa.date32()), "platform": platform, "drama_id": ids,
                      "plays": plays})
    buf = io.BytesIO()
    pq.write_table(table, buf, row_group_size=20_000)
    return buf.getvalue()


def test_many_row_groups_keep_exact_lines(tmp_path, load):
    season = write_season(tmp_path / "s", metrics={"big.parquet": _file()})
    wh = Warehouse.connect(tmp_path / "w.duckdb")
    report, wh = load(season, wh)
    assert not report.errors
    q = quarantine(wh)
    assert [(line, col, reason) for _, line, col, _, reason in q] == [
        (BAD_AT, "plays", "negative_count"), (DUP_AT, "plays", "conflicting_duplicate")]
    detail = wh.table("quarantine").execute().set_index("line").loc[DUP_AT, "detail"]
    assert f"as line {DUP_OF} of metrics/big.parquet, which is kept" in detail
    facts = rows(wh, "facts", ["source_line"])
    assert len(facts) == N - 2
    # every row kept is its own line: plays (the line it was written on) equals source_line
    assert (facts["plays"].to_numpy() == facts["source_line"].to_numpy()).all()
    assert DUP_OF in set(facts["source_line"]) and DUP_AT not in set(facts["source_line"])
