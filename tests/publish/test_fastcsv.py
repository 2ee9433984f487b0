"""The vectorised CSV writer writes exactly the bytes of ``DataFrame.to_csv(index=False)``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fanxing.publish.fastcsv import to_csv


def same_as_pandas(frame: pd.DataFrame, tmp_path) -> None:
    a, b = tmp_path / "pandas.csv", tmp_path / "fast.csv"
    frame.to_csv(a, index=False)
    to_csv(frame, b)
    assert b.read_bytes() == a.read_bytes()


def test_floats_of_every_magnitude_are_written_as_pandas_writes_them(tmp_path):
    rng = np.random.default_rng(7)
    mags = 10.0 ** rng.integers(-12, 24, size=20000)
    x = rng.random(20000) * mags * rng.choice([-1.0, 1.0], size=20000)
    special = [0.0, -0.0, 1.0, -3.0, 1e16, 1e15, 9999999999.5, 1e10, 0.0001, 0.00009999, 1e-5, 2.5e-7,
               123456789012.5, 1 / 3, 2 / 3, 0.1, 0.7, np.inf, -np.inf, np.nan, 5e-324, 1.7976931348623157e308,
               100.0, 12345678901234567.0, 0.5, 1e22]
    x = np.concatenate([x, special, np.round(x[:500], 2), np.floor(x[:500])])
    same_as_pandas(pd.DataFrame({"x": x, "y": x[::-1].copy()}), tmp_path)


def test_the_column_types_of_a_build(tmp_path):
    frame = pd.DataFrame({
        "period": pd.Series(["2024-01", "2024-02", None, "2024-03"], dtype="str"),
        "rank": np.array([1, 2, 3, 4], dtype=np.int64),
        "rank32": np.array([1, 2, 3, 4], dtype=np.int32),
        "title": ["甜宠, 总裁", 'say "hi"', "two\nlines", "plain"],
        "score": [99.5, np.nan, 3.0, 1e-7],
        "rank_unadjusted": pd.array([1, None, 3, 4], dtype="Int64"),
        "flagged": [True, False, True, False],
        "maybe": pd.array([True, None, False, True], dtype="boolean"),
        "date": pd.to_datetime(["2024-01-01", "2024-02-29", None, "2024-12-31"]),
        "obj": np.array(["a", None, np.nan, "d"], dtype=object),
        "f64": pd.array([1.5, None, 2.0, 3.25], dtype="Float64"),
        "uint": np.array([0, 1, 2, 2**40], dtype=np.uint64),
    })
    same_as_pandas(frame, tmp_path)


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"x": []}),
    pd.DataFrame(),
    pd.DataFrame({"only": ["", "a"]}),  # a lone empty field is written as ""
    pd.DataFrame({"lists": [[1, 2], [3]], "d": [{"a": 1}, {}]}),  # object values: pandas itself
    pd.DataFrame({"when": pd.to_datetime(["2024-01-01 10:30", "2024-01-02 00:00"])}),  # times: pandas itself
    pd.DataFrame({"a,b": [1], 'q"': [2.5]}),  # header fields that need quotes
    pd.DataFrame({"cat": pd.Categorical(["x", "y"])}),
])
def test_edge_cases_fall_back_or_match(frame, tmp_path):
    same_as_pandas(frame, tmp_path)


def test_rows_written_in_blocks_are_the_same_bytes(tmp_path, monkeypatch):
    """Rows are joined and written a block at a time; block edges change nothing."""
    import fanxing.publish.fastcsv as fc

    monkeypatch.setattr(fc, "BLOCK_ROWS", 7)
    rng = np.random.default_rng(3)
    n = 101
    frame = pd.DataFrame({
        "period": ["2024-W01"] * n, "rank": np.arange(1, n + 1), "score": rng.random(n) * 100,
        "title": [f"《剧{i}》, \"x\"" if i % 5 == 0 else f"剧{i}" for i in range(n)],
        "flag": rng.random(n) < 0.5, "maybe": pd.array([None if i % 3 else i for i in range(n)], dtype="Int64"),
        "x": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n))})
    same_as_pandas(frame, tmp_path)
    same_as_pandas(frame.head(7), tmp_path)
    same_as_pandas(frame.head(8), tmp_path)


def test_blocks_decide_like_the_whole_table(tmp_path, monkeypatch):
    """A column that must be written as pandas writes the whole table (times after midnight only in a
    later block, a list in a later block, a lone empty field) gives pandas' bytes across blocks."""
    import fanxing.publish.fastcsv as fc

    monkeypatch.setattr(fc, "BLOCK_ROWS", 4)
    days = pd.to_datetime([f"2024-01-{d:02d}" for d in range(1, 11)])
    late_time = days.tolist()
    late_time[9] = pd.Timestamp("2024-01-10 08:00")
    same_as_pandas(pd.DataFrame({"d": days, "x": np.arange(10.0)}), tmp_path)
    same_as_pandas(pd.DataFrame({"d": pd.to_datetime(late_time), "x": np.arange(10.0)}), tmp_path)
    late_list = np.array(["a"] * 9 + [None], dtype=object)
    late_list[8] = ["x", "y"]
    same_as_pandas(pd.DataFrame({"o": late_list, "x": np.arange(10)}), tmp_path)
    same_as_pandas(pd.DataFrame({"only": ["a", "b", "c", "d", "e", "", "g", "h", "i"]}), tmp_path)
    same_as_pandas(pd.DataFrame({"o": np.array(["a", None, np.nan, "d", "e", None], dtype=object)}), tmp_path)


@pytest.mark.parametrize("n_threads", ["1", "3"])
def test_columns_made_on_any_number_of_threads_are_the_same_bytes(tmp_path, monkeypatch, n_threads):
    """Each block's columns are turned into text on FANXING_THREADS threads, joined in order."""
    monkeypatch.setenv("FANXING_THREADS", n_threads)
    rng = np.random.default_rng(11)
    n = 5000
    frame = pd.DataFrame({
        "period": ["2024-W01"] * n, "drama_id": [f"D{i:05d}" for i in range(n)], "rank": np.arange(1, n + 1),
        **{f"x{j}": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n) * 10.0 ** j) for j in range(-3, 9)},
        "title": [f"《剧{i}》, \"x\"" if i % 7 == 0 else f"剧{i}" for i in range(n)],
        "flag": rng.random(n) < 0.5})
    same_as_pandas(frame, tmp_path)
