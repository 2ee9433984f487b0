"""Settings shared by every test: Spark runs in local mode, small and quiet.

The Spark backend (fanxing.warehouse.spark_backend) reads these when it starts the session; the
``engine_name`` fixture runs a test on DuckDB and, marked ``spark``, on Spark in local mode.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ.setdefault("FANXING_SPARK_MASTER", "local[2]")
os.environ.setdefault("FANXING_SPARK_SHUFFLE_PARTITIONS", "2")
os.environ.setdefault("FANXING_SPARK_DRIVER_MEMORY", "4g")
os.environ.setdefault("FANXING_SPARK_CONF", "spark.sql.adaptive.enabled=false")

ENGINES = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]


@pytest.fixture(params=ENGINES)
def engine_name(request) -> str:
    """Each engine in turn: 'duckdb', then 'spark' (local mode)."""
    if request.param == "spark":
        pytest.importorskip("pyspark")
    return request.param

