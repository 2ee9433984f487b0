"""Backend-specific materialisation of intermediate tables, the one place integrity looks at the engine.

DuckDB writes temp tables through its compressed storage, which costs several times the query
itself on wide float tables (measured again on 5M rows: the whole detection took about twice as
long with temp tables); an Arrow result registered back as an in-memory table is much cheaper.
It is unregistered, and its memory freed, once no expression refers to it. Spark checkpoints
locally (below).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import weakref

import ibis
import ibis.expr.types as ir

_counter = itertools.count()


def materialize(t: ir.Table) -> ir.Table:
    """Compute ``t`` once and return a table reading the result."""
    try:
        backend = t.get_backend()
    except Exception:  # an in-memory table without a bound backend: nothing to compute
        return t
    if backend.name == "duckdb" and spill_to_engine():
        # bounded memory: a temporary table lives in DuckDB's buffer pool, which spills to disk
        # beyond its memory limit (an Arrow result lives in Python's heap, all of it)
        name = f"_fx_ckpt_{next(_counter)}"
        backend._run_pre_execute_hooks(t)
        backend.con.execute(f'CREATE TEMP TABLE "{name}" AS {backend.compile(t)}')
        m = backend.table(name)
        weakref.finalize(m.op(), _drop, backend.con, name)
        return m
    if backend.name == "duckdb":
        m = ibis.memtable(t.to_pyarrow())
        # ibis keeps a registered in-memory table in the connection until the process exits, so
        # every intermediate would stay in memory; release it once no expression refers to it
        backend._run_pre_execute_hooks(m)
        weakref.finalize(m.op(), _unregister, backend.con, m.op().name)
        return m
    # ibis 12's pyspark cache() compiles without registering the in-memory tables it references
    # (our per-series coefficient tables); register them first.
    hooks = getattr(backend, "_run_pre_execute_hooks", None)
    if hooks is not None:
        hooks(t)
    session = getattr(backend, "_session", None)
    if backend.name == "pyspark" and session is not None:
        # Spark's cache() keeps the whole lineage in every later plan: the detectors build on each
        # other, and analysing those ever deeper plans exhausts the driver heap. A local checkpoint
        # computes the table once and starts later plans from its result.
        name = f"_fx_ckpt_{next(_counter)}"
        session.sql(backend.compile(t)).localCheckpoint(eager=True).createOrReplaceTempView(name)
        return backend.table(name)
    return t.cache()


def spill_to_engine() -> bool:
    """Whether DuckDB intermediates go to temporary tables instead of Arrow in Python's heap.

    ``FANXING_INTEGRITY_MATERIALIZE``: ``arrow`` (fast, all in memory), ``table`` (spills under
    DuckDB's memory limit, about twice as slow) or ``auto`` (default): ``table`` when a DuckDB
    memory limit is set (``--memory-limit``, ``FANXING_DUCKDB_MEMORY_LIMIT``).
    """
    mode = os.environ.get("FANXING_INTEGRITY_MATERIALIZE", "auto")
    if mode == "auto":
        return bool(os.environ.get("FANXING_DUCKDB_MEMORY_LIMIT"))
    return mode == "table"


def _drop(con, name: str) -> None:
    with contextlib.suppress(Exception):
        con.execute(f'DROP TABLE IF EXISTS "{name}"')


def _unregister(con, name: str) -> None:
    with contextlib.suppress(Exception):
        con.unregister(name)
