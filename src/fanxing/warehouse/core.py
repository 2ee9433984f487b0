"""The Warehouse: one Ibis connection plus the Fanxing tables, whatever the engine underneath."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import ibis

from fanxing.errors import NotFoundError, WarehouseError
from fanxing.warehouse.schema import TABLES

#: engine name → module holding that engine's specific code (see duckdb_backend.py)
ENGINES = {"duckdb": "fanxing.warehouse.duckdb_backend", "spark": "fanxing.warehouse.spark_backend"}


class Warehouse:
    """The Fanxing warehouse; query it with Ibis through ``table(name)`` or ``con``."""

    def __init__(self, con: ibis.BaseBackend, backend: ModuleType, path: Path | None, engine: str):
        self.con = con
        self.backend = backend
        self.path = path
        self.engine = engine

    @classmethod
    def connect(cls, path: str | Path | None = None, engine: str = "duckdb") -> Warehouse:
        """Open (creating if needed) a warehouse; ``path=None`` keeps it in memory (DuckDB) or in a
        temporary directory removed on close (Spark). A DuckDB warehouse is a file, a Spark one a
        directory of Parquet tables."""
        if engine not in ENGINES:
            import difflib

            close = difflib.get_close_matches(engine, list(ENGINES), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise WarehouseError(
                f"unknown warehouse engine {engine!r} (known: {', '.join(ENGINES)}){hint}",
                details={"engine": engine},
            )
        backend = importlib.import_module(ENGINES[engine])
        p = None if path is None else Path(path)
        if p is not None:
            p.parent.mkdir(parents=True, exist_ok=True)
        wh = cls(backend.connect(p), backend, p, engine)
        wh.ensure_tables()
        return wh

    def ensure_tables(self) -> None:
        if hasattr(self.backend, "ensure_tables"):
            self.backend.ensure_tables(self.con, TABLES)
            return
        existing = set(self.con.list_tables())
        for name, schema in TABLES.items():
            if name not in existing:
                self.con.create_table(name, schema=schema)

    def table(self, name: str) -> ibis.Table:
        if name not in self.tables():
            raise NotFoundError(
                f"the warehouse has no table {name!r} (tables: {', '.join(sorted(self.tables()))})",
                details={"table": name},
            )
        return self.con.table(name)

    def tables(self) -> list[str]:
        return sorted(t for t in self.con.list_tables() if not t.startswith("_fx_"))

    def create_temp(self, name: str, expr: ibis.Table) -> ibis.Table:
        """Compute ``expr`` into a build-time table ``name`` (``_fx_…``) held by the engine."""
        if hasattr(self.backend, "create_table"):
            return self.backend.create_table(self.con, name, expr)
        return self.con.create_table(name, expr, overwrite=True)

    def close(self) -> None:
        if hasattr(self.backend, "close"):
            self.backend.close(self.con)  # Spark: the shared session stays up for other warehouses
        else:
            self.con.disconnect()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Warehouse(engine={self.engine!r}, path={str(self.path) if self.path else ':memory:'})"
