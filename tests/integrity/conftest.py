"""Fixtures for the integrity tests: an engine parameter (DuckDB always, Spark local when marked)."""

from __future__ import annotations

import itertools
import os

import pytest

_names = itertools.count()


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the whole test run."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    pyspark = pytest.importorskip("pyspark.sql")
    session = (pyspark.SparkSession.builder.master("local[1]")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


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


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)], scope="module")
def engine(request):
    """(name, load) where load(facts=df, dramas=df, ...) returns Ibis tables on that engine."""
    if request.param == "duckdb":
        return "duckdb", duckdb_loader()
    return "spark", spark_loader(request.getfixturevalue("spark"))
