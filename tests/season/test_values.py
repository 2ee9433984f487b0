"""Number, rate and date parsing run inside the engine (Ibis over DuckDB)."""

from __future__ import annotations

import datetime as dt

import ibis
import pytest

from fanxing.season import values as V

CON = ibis.duckdb.connect()


def run(expr_fn, texts):
    t = ibis.memtable({"s": texts}, schema={"s": "string"})
    return CON.execute(t.select(v=expr_fn(V.clean(t.s))))["v"].tolist()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12345", 12345), ("12,345", 12345), ("1.2万", 12000), ("3.4亿", 340000000), (" 7 ", 7),
     ("1.23456万", 12346), ("１２３", 123), ("12，345", 12345), ("1e3", 1000)],
)
def test_counts(text, expected):
    assert run(V.count, [text]) == [expected]


@pytest.mark.parametrize("text", ["abc", "1.2万万", "12%", "--5x", "inf"])
def test_bad_counts_are_null(text):
    out = run(V.count, [text])
    assert out[0] is None or out[0] != out[0]


def test_blanks_are_null():
    out = run(V.count, ["", "-", "N/A", "--", "—"])
    assert all(v is None or v != v for v in out)


@pytest.mark.parametrize(("text", "expected"), [("0.375", 0.375), ("37.5%", 0.375), ("100%", 1.0), ("0", 0.0)])
def test_rates(text, expected):
    assert run(lambda s: V.number(s, percent=True), [text]) == [pytest.approx(expected)]


@pytest.mark.parametrize(
    "text", ["2024-03-01", "2024/3/1", "2024年3月1日", "2024/03/01", "2024-3-1", "2024年03月01日", "2024-03-01 00:00:00"]
)
def test_dates(text):
    assert [d.date() if hasattr(d, "date") else d for d in run(V.date, [text])] == [dt.date(2024, 3, 1)]


@pytest.mark.parametrize("text", ["2024-02-30", "3/1/2024", "yesterday", "2024年13月1日"])
def test_bad_dates_are_null(text):
    out = run(V.date, [text])
    assert out[0] is None or out[0] != out[0]
