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


TRICKY = ["12345", "12,345", " 7 ", "1.2万", "3.4亿", "1.23456万", "１２３", "12，345", "1e3", "37.5%", "100%", "0.375",
          "-5", "－５", "1_000", "abc", "1.2万万", "12%", "--5x", "inf", "-inf", "nan", "NaN", "1e400", "-1e400",
          "9.3e18", "9e18", "1e19万", "", "-", "N/A", None, "0", "0.0", "+3", "3.", ".5", "1,2,3", "2亿%", "5%万"]


@pytest.mark.parametrize("kind", V.NUMBER_KINDS)
def test_number_steps_give_the_same_values_as_parse(kind):
    """``parse_steps`` (how ``parse_table`` computes numbers, one layer per step) ≡ ``parse``."""
    col = V.Column("x", kind)
    t = ibis.memtable({"s": TRICKY}, schema={"s": "string"})
    s = V.clean(t.s)
    value = s
    for step in V.parse_steps(col):
        value = step(s, None if value is s else value)
    df = CON.execute(t.select(a=V.parse(s, col).cast(col.dtype), b=value.cast(col.dtype)))
    a, b = df["a"].tolist(), df["b"].tolist()
    same = [(x is None or x != x) and (y is None or y != y) or x == y for x, y in zip(a, b, strict=True)]
    assert all(same), [(txt, x, y) for txt, x, y, ok in zip(TRICKY, a, b, same, strict=True) if not ok]
    assert len(V.parse_steps(col)) == 3
    assert V.parse_steps(V.Column("d", "date")) == ()


def test_parse_table_checks_numbers_as_before(monkeypatch):
    """``checks.parse_table`` with the number steps ≡ with ``parse`` inline (no steps): values,
    problems and problem values, fast path included."""
    from fanxing.season.checks import parse_table

    cols = (*(V.Column(k, k) for k in V.NUMBER_KINDS), V.Column("d", "date", required=True))
    texts = {**{k: TRICKY for k in V.NUMBER_KINDS}, "d": ["2024-03-01", "2024/3/1", "x", None] * 10}
    t = ibis.memtable(texts, schema={k: "string" for k in texts})
    stepped = CON.execute(parse_table(t, cols))
    monkeypatch.setattr(V, "parse_steps", lambda col: ())
    inline = CON.execute(parse_table(t, cols))
    assert list(stepped.columns) == list(inline.columns)
    for name in stepped.columns:
        for a, b in zip(stepped[name].tolist(), inline[name].tolist(), strict=True):
            assert (a is None or a != a) and (b is None or b != b) or a == b, (name, a, b)
    assert stepped["_problem"].notna().sum() > 10
