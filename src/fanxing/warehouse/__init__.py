"""The embedded warehouse: Fanxing's tables behind Ibis (DuckDB file by default, Spark later)."""

from fanxing.warehouse.core import ENGINES, Warehouse
from fanxing.warehouse.schema import TABLES

__all__ = ["ENGINES", "TABLES", "Warehouse"]
