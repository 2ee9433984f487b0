"""Load pandas frames as Ibis tables on DuckDB or Spark (shared by the integrity tests)."""

from __future__ import annotations

import itertools

_names = itertools.count()


def duckdb_loader():
    import ibis

    con = ibis.duckdb.connect()

    def load(**frames):
        return {k: con.create_table(f"{k}_{next(_names)}", v) for k, v in frames.items()}

    return load


def spark_loader(session):
    import ibis

    con = ibis.pyspark.connect(session)

    def load(**frames):
        out = {}
        for k, v in frames.items():
            name = f"{k}_{next(_names)}"
            session.createDataFrame(v).createOrReplaceTempView(name)
            out[k] = con.table(name)
        return out

    return load
