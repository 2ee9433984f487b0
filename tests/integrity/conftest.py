"""Fixtures for the integrity tests: an engine parameter (DuckDB always, Spark local when marked)."""

from __future__ import annotations

import os

import pytest
from integrity_engines import duckdb_loader, spark_loader  # noqa: E402


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
               # deep Ibis plans need more than the 1 GiB default driver heap
               .config("spark.driver.memory", "4g")
               # Spark renders the whole plan to a string on every adaptive re-plan; the detectors'
               # plans are large, so cap that string and plan statically
               .config("spark.sql.maxPlanStringLength", "200000")
               .config("spark.sql.adaptive.enabled", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)], scope="module")
def engine(request):
    """(name, load) where load(facts=df, dramas=df, ...) returns Ibis tables on that engine."""
    if request.param == "duckdb":
        return "duckdb", duckdb_loader()
    return "spark", spark_loader(request.getfixturevalue("spark"))
