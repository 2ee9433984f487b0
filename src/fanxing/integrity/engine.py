"""Backend-specific materialisation of intermediate tables, the one place integrity looks at the engine.

DuckDB writes temp tables through its compressed storage, which costs several times the query
itself on wide float tables; an Arrow result registered back as an in-memory table is much
cheaper. Other engines (Spark) use Ibis' ``cache()``.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir


def materialize(t: ir.Table) -> ir.Table:
    """Compute ``t`` once and return a table reading the result."""
    try:
        backend = t.get_backend()
    except Exception:  # an in-memory table without a bound backend: nothing to compute
        return t
    if backend.name == "duckdb":
        return ibis.memtable(t.to_pyarrow())
    # ibis 12's pyspark cache() compiles without registering the in-memory tables it references
    # (our per-series coefficient tables); register them first.
    hooks = getattr(backend, "_run_pre_execute_hooks", None)
    if hooks is not None:
        hooks(t)
    return t.cache()
