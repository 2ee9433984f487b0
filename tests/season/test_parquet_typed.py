"""Typed parquet columns are checked as they are (no round trip through text), with the same
outcome as the same cells written as text: the same facts, the same quarantine rows and texts."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from season_helpers import quarantine, rows, write_season

D = decimal.Decimal
N = 9
TYPED = pa.table({
    "date": pa.array([dt.datetime(2024, 7, 1, 13, 5), dt.datetime(2024, 7, 2), dt.datetime(2024, 7, 3),
                      dt.datetime(2024, 7, 4), dt.datetime(2024, 7, 5), dt.datetime(2024, 7, 6),
                      dt.datetime(2024, 7, 7), None, dt.datetime(2024, 7, 9)], pa.timestamp("us")),
    "platform": ["iqiyi"] * N,
    "drama_id": ["d1", "d1", "d2", "d2", "d1", "d2", "d1", "d1", "d2"],
    "plays": pa.array([10, 20, -1, None, 7, 8, 9, 10, 2**62], pa.int64()),
    "likes": pa.array([3.7, math.nan, 1e30, -0.0, 2.5, 1.0, None, 1.0, 4.0], pa.float64()),
    "comments": pa.array([1, 2, 3, 4, 5, 6, 7, 8, 2**64 - 1], pa.uint64()),
    "shares": pa.array([0, 1, 2, 3, 4, 5, 6, 7, 8], pa.int16()),
    "completion_rate": pa.array([0.5, 1.5, math.nan, math.inf, None, 0.25, 1.0, 0.0, 0.3], pa.float64()),
    "rating": pa.array([D("7.5"), D("11.0"), D("0.1"), None, D("10.0"), D("9.9"), D("-0.1"), D("5.0"),
                        D("8.0")], pa.decimal128(4, 1)),
    "revenue_cny": pa.array([0.1, 2.5, None, 1.0, 3.0, 4.0, 5.0, 6.0, -2.0], pa.float32()),
    "watch_minutes": pa.array([1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], pa.float64()),
})


def _parquet(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _as_text(table: pa.Table) -> pa.Table:
    """Every column as the text DuckDB gives it (what the whole file was read as before)."""
    import duckdb

    con = duckdb.connect()
    con.register("t", table)
    cols = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in table.column_names)
    return con.execute(f"SELECT {cols} FROM t").to_arrow_table()


def test_typed_parquet_checks_like_its_text(tmp_path, load):
    typed = write_season(tmp_path / "typed", metrics={"m.parquet": _parquet(TYPED)})
    text = write_season(tmp_path / "text", metrics={"m.parquet": _parquet(_as_text(TYPED))})
    (r1, w1), (r2, w2) = load(typed), load(text)
    assert not r1.errors and not r2.errors
    q1, q2 = quarantine(w1), quarantine(w2)
    assert q1 == q2
    assert [(line, col, value, reason) for _, line, col, value, reason in q1] == [
        (2, "completion_rate", "1.5", "rate_out_of_range"), (3, "plays", "-1", "negative_count"),
        (4, "plays", None, "missing_value"), (7, "rating", "-0.1", "rating_out_of_range"),
        (8, "date", None, "missing_value"), (9, "comments", "18446744073709551615", "unparsable_number")]
    detail1 = sorted(w1.table("quarantine").execute()["detail"])
    assert detail1 == sorted(w2.table("quarantine").execute()["detail"])
    f1 = rows(w1, "facts", ["source_line"]).drop(columns=["load_id", "loaded_at"], errors="ignore")
    f2 = rows(w2, "facts", ["source_line"]).drop(columns=["load_id", "loaded_at"], errors="ignore")
    assert len(f1) > 0
    pd.testing.assert_frame_equal(f1, f2, check_exact=True)
    first = f1.iloc[0]
    assert first["date"].date() == dt.date(2024, 7, 1) and first["likes"] == 4  # 3.7 rounds, as its text did
    assert f1.loc[f1["source_line"] == 5, "likes"].tolist() == [3]  # 2.5: half away from zero, as its text
    assert math.isclose(first["revenue_cny"], 0.1, rel_tol=0, abs_tol=0)  # float32 read as its text
