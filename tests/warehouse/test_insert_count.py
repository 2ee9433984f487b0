"""DuckDB's ``insert`` reports how many rows it wrote (settle takes the loaded count from it)."""

from __future__ import annotations

import ibis

from fanxing.warehouse import Warehouse


def test_duckdb_insert_returns_the_number_of_rows_written():
    with Warehouse.connect(None) as wh:
        b, con = wh.backend, wh.con
        assert b.INSERT_RETURNS_COUNT
        rows = ibis.memtable({"year": [2020, 2021, 2022], "market_size_cny_100m": [1.0, 2.0, 3.0],
                              "kind": ["actual"] * 3, "source": ["x"] * 3})
        assert b.insert(con, "market", rows) == 3
        assert b.insert(con, "market", rows.filter(rows.year > 2021)) == 1
        assert b.insert(con, "market", rows.filter(rows.year > 2030)) == 0  # an empty insert: 0
        assert b.insert(con, "market", rows.select("year", "kind")) == 3  # missing columns are NULL
        assert wh.table("market").count().execute() == 7
