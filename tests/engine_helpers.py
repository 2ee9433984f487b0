"""Helpers for tests that run on both warehouse engines (see tests/conftest.py)."""

from __future__ import annotations


def warehouse_path(tmp_path, engine: str, stem: str = "w"):
    """Where a test keeps a warehouse: a DuckDB file, or a Spark directory."""
    return tmp_path / (stem if engine == "spark" else f"{stem}.duckdb")
