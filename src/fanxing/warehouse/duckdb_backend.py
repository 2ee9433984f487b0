"""Everything DuckDB-specific: connecting, staging files as all-text tables with exact line numbers.

A Spark backend adds a sibling module with the same functions (``connect``, ``stage_*``,
``drop_staged``, ``add_columns``, ``transaction``); the rest of Fanxing only speaks Ibis.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pyarrow as pa

from fanxing.errors import UnreadableFileError, WarehouseError

NAME = "duckdb"
#: temporary names in use, per prefix: a dropped name is reused, so that the same steps over
#: files of the same shape build structurally equal Ibis expressions (see ``sql_of``)
_names_used: dict[str, set[int]] = {}
_names_lock = threading.Lock()
#: stands for the current file's name in expressions; ``file_param`` binds it (see ``sql_of``)
FILE_PARAM = "__fanxing_file_param__"


@dataclass
class Staged:
    """A file staged as a temporary all-text table; ``expr`` has ``_line`` plus the file's columns."""

    name: str
    expr: ibis.Table
    columns: list[str]
    n_rows: int
    # (line, raw text, message) for rows the reader could not split into the header's columns
    rejects: list[tuple[int, str, str]] = field(default_factory=list)
    invalid_unicode: bool = False
    helpers: list[str] = field(default_factory=list)  # other temporary tables to drop with it
    line_offset: int = 0  # >0: lazy; lines are rowid + offset of the first materialisation


def connect(path: str | Path | None) -> ibis.BaseBackend:
    try:
        con = ibis.duckdb.connect(":memory:" if path is None else str(path))
    except Exception as exc:  # duckdb.IOException, lock conflicts, corrupt files
        raise WarehouseError(f"cannot open the warehouse {path}: {exc}") from exc
    # insertion order is what makes rowid the file order, and so line numbers exact
    con.raw_sql("SET preserve_insertion_order = true")
    con.raw_sql("SET enable_progress_bar = false")
    for key, setting in (("FANXING_DUCKDB_MEMORY_LIMIT", "memory_limit"), ("FANXING_DUCKDB_THREADS", "threads"),
                         ("FANXING_DUCKDB_TEMP_DIRECTORY", "temp_directory")):
        value = os.environ.get(key)
        if value:
            try:
                con.raw_sql(f"SET {setting} = {_lit(value)}")
            except Exception as exc:
                raise WarehouseError(f"{key}={value!r} is not a valid DuckDB {setting}: {_short(exc)}") from exc
    return con


def _raw(con):
    return con.con


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _new_name(prefix: str) -> str:
    with _names_lock:
        used = _names_used.setdefault(prefix, set())
        i = 0
        while i in used:
            i += 1
        used.add(i)
    return f"_fx_{prefix}_{i}"


def _release(name: str) -> None:
    if not name.startswith("_fx_"):
        return
    prefix, _, i = name[4:].rpartition("_")
    if i.isdigit():
        with _names_lock:
            _names_used.get(prefix, set()).discard(int(i))


# --- compiled-SQL cache ------------------------------------------------------------------------
# Compiling an Ibis expression to SQL costs tens of milliseconds, far more than running it on a
# small file. Every file of the same shape goes through the same steps over temporary tables of
# the same names (names are reused) and with the file name as the parameter FILE_PARAM, so the
# expressions are structurally equal and are compiled once per shape and connection. The SQL is
# run as raw DuckDB SQL; the expressions stay Ibis.


def _cache(con) -> dict:
    c = getattr(con, "_fx_sql_cache", None)
    if c is None:
        c = con._fx_sql_cache = {}
    return c


def _tables(con) -> dict:
    tables = getattr(con, "_fx_tables", None)
    if tables is None or len(tables) > 500:
        tables = con._fx_tables = {}
    return tables


def table(con, name: str, desc: tuple | None = None) -> ibis.Table:
    """``con.table(name)``, reusing the expression while the table has the same name and columns
    (Ibis parses every column type on each ``con.table``; a raw DESCRIBE is much cheaper).

    ``desc`` (the columns, as ``_view_desc`` gives them) saves the DESCRIBE: on a view over a file
    reader, DESCRIBE binds the view again, and so samples (sniffs) the file again."""
    if desc is None:
        desc = tuple(tuple(r[:3]) for r in _raw(con).execute(f"DESCRIBE {_quote(name)}").fetchall())
    tables = _tables(con)
    key = (name, desc)
    t = tables.get(key)
    if t is None:
        t = tables[key] = con.table(name)
    return t


def memo(con) -> dict:
    """A dict living as long as the connection, for callers' own memoised expressions."""
    c = getattr(con, "_fx_memo", None)
    if c is None or len(c) > 500:
        c = con._fx_memo = {}
    return c


@contextlib.contextmanager
def file_param(con, file: str) -> Iterator[None]:
    """Bind FILE_PARAM (in the expressions run by ``materialize``, ``scalar``, ``insert``) to ``file``."""
    old = getattr(con, "_fx_file", None)
    con._fx_file = file
    try:
        yield
    finally:
        con._fx_file = old


def sql_of(con, expr) -> str | None:
    """The SQL of ``expr`` (cached per structure), with FILE_PARAM bound."""
    import ibis.expr.operations as ops

    cache = _cache(con)
    op = expr.op()
    sql = cache.get(op)
    if sql is None:
        sql = str(con.compile(expr))
        if op.find(ops.InMemoryTable):
            # in-memory tables get new names each time: not worth caching; register them
            con._run_pre_execute_hooks(expr)
        else:
            if len(cache) > 2000:
                cache.clear()
            cache[op] = sql
    if FILE_PARAM in sql:
        file = getattr(con, "_fx_file", None)
        if file is None:
            raise WarehouseError("an expression names the current file but no file is bound")
        sql = sql.replace(FILE_PARAM, file.replace("'", "''"))
    return sql


def scalar(con, expr):
    """The value of a scalar expression (e.g. a count)."""
    return _raw(con).execute(sql_of(con, expr)).fetchone()[0]


def fetch(con, expr):
    """A table expression as a pandas DataFrame."""
    return _raw(con).execute(sql_of(con, expr)).fetch_df()


#: ``insert`` returns the number of rows it wrote (DuckDB's INSERT reports it), so a caller need
#: not count them first; an engine without this flag returns None
INSERT_RETURNS_COUNT = True


def insert(con, table: str, expr) -> int:
    """``INSERT INTO table`` the rows of ``expr`` (by column name, as ``con.insert``); returns how
    many rows were inserted."""
    sql = sql_of(con, expr)
    target = [r[0] for r in _raw(con).execute(f"DESCRIBE {_quote(table)}").fetchall()]
    if not set(expr.columns) <= set(target):  # positional, as con.insert
        cols = ", ".join(_quote(c) for c in target)
        return int(_raw(con).execute(f"INSERT INTO {_quote(table)} ({cols}) {sql}").fetchone()[0])
    cols = ", ".join(_quote(c) for c in expr.columns)
    return int(_raw(con).execute(f"INSERT INTO {_quote(table)} ({cols}) SELECT {cols} FROM ({sql})").fetchone()[0])


def temp_table(con, data: pa.Table, prefix: str = "map") -> tuple[ibis.Table, str]:
    """A small Arrow table as a temporary table with a reused name (unlike ``ibis.memtable``,
    whose fresh names make every expression over it new); returns it and the name to drop."""
    raw = _raw(con)
    name = _new_name(prefix)
    raw.register(name + "_arrow", data)
    try:
        raw.execute(f"CREATE TEMP TABLE {_quote(name)} AS SELECT * FROM {_quote(name + '_arrow')}")
    finally:
        raw.unregister(name + "_arrow")
    return table(con, name), name


def insert_rows(con, table: str, rows: list[dict]) -> None:
    """Insert a few Python rows (e.g. one load_log row) with a parameterised statement."""
    if not rows:
        return
    cols = list(rows[0])
    sql = (f"INSERT INTO {_quote(table)} ({', '.join(_quote(c) for c in cols)}) "
           f"VALUES ({', '.join('?' for _ in cols)})")
    _raw(con).executemany(sql, [[r[c] for c in cols] for r in rows])


@contextlib.contextmanager
def transaction(con) -> Iterator[None]:
    raw = _raw(con)
    raw.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    raw.execute("COMMIT")


#: the WAL may grow to this much during ``bulk_load`` (at most a quarter of DuckDB's memory limit):
#: rows committed since the last checkpoint are held in memory, uncompressed
BULK_CHECKPOINT_BYTES = 128 << 20
_UNITS = {"bytes": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def _size(text: str) -> int | None:
    """DuckDB's rendering of a size setting ('16.0 MiB') in bytes; None when not a size."""
    parts = str(text).strip().split()
    if len(parts) != 2 or parts[1].lower() not in _UNITS:
        return None
    try:
        return int(float(parts[0]) * _UNITS[parts[1].lower()])
    except ValueError:
        return None


@contextlib.contextmanager
def bulk_load(con) -> Iterator[None]:
    """Many committed transactions in a row (a season's files, one each): checkpoint every
    ``BULK_CHECKPOINT_BYTES`` of WAL and once at the end, rather than every 16 MB (DuckDB's
    ``checkpoint_threshold``, restored afterwards).

    Every commit still reaches the WAL, so each transaction stays atomic and durable. A small
    file's rows (fewer than a row group) go to the WAL and reach the database file, compressed, at
    the next checkpoint; with the default threshold that is every three or four files of a monthly
    export, and each checkpoint costs more than the rows it writes (it rewrites the table's last,
    partly filled row group and now and then merges row groups)."""
    raw = _raw(con)
    old = raw.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0]
    limit = _size(raw.execute("SELECT current_setting('memory_limit')").fetchone()[0])
    want = min(BULK_CHECKPOINT_BYTES, limit // 4) if limit else BULK_CHECKPOINT_BYTES
    if want <= (_size(old) or want):  # already as high (or not a size we know): leave it
        yield
        return
    raw.execute(f"SET checkpoint_threshold = '{want} bytes'")
    try:
        yield
    finally:
        raw.execute(f"SET checkpoint_threshold = {_lit(old)}")
    # the last checkpoint (a no-op in memory); should it fail, DuckDB checkpoints later by itself
    with contextlib.suppress(Exception):
        raw.execute("CHECKPOINT")


@contextlib.contextmanager
def unordered(con) -> Iterator[None]:
    """Let the engine write in any order (faster) where row order does not matter. The setting is
    this connection's alone (another thread's connection, see ``worker``, keeps its order)."""
    raw = _raw(con)
    raw.execute("SET SESSION preserve_insertion_order = false")
    try:
        yield
    finally:
        raw.execute("SET SESSION preserve_insertion_order = true")


def worker(con) -> ibis.BaseBackend:
    """Another connection to the warehouse of ``con``, for a second thread: the same database and
    tables, its own temporary tables, transactions and session settings (``disconnect()`` closes it)."""
    raw = _raw(con).cursor()
    raw.execute("SET SESSION preserve_insertion_order = true")
    return ibis.duckdb.from_connection(raw)


def _finish(con, name: str, line_expr: str, rejects, invalid_unicode=False) -> Staged:
    raw = _raw(con)
    cols = [r[0] for r in raw.execute(f"DESCRIBE {_quote(name)}").fetchall() if r[0] != "_line"]
    n_rows = raw.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0]
    select = ", ".join(_quote(c) for c in cols)
    view = _new_name("lined")
    expr = _view(con, view, f"SELECT {line_expr} AS _line, {select} FROM {_quote(name)}")
    return Staged(name, expr, cols, n_rows, rejects, invalid_unicode, helpers=[view])


def stage_delimited(con, path: Path, *, delim: str, display: str) -> Staged:
    """A lazy all-VARCHAR view of a delimited UTF-8 text file (optionally gzip), in file order.

    Nothing is read until the caller materialises an expression over ``expr`` (``materialize``);
    then ``collect_rejects`` gathers rows with the wrong number of fields or invalid UTF-8, with
    their physical lines, and ``with_lines`` numbers the materialised rows (header = line 1).
    """
    rej_t, rej_s = _new_name("rej"), _new_name("rejs")
    sql = read_csv_sql(path, delim, rej_t, rej_s)
    view = _new_name("csv")
    try:
        # every bind of read_csv samples the file (its sniffer): creating the view binds it once,
        # its columns then come from the catalogue, and the read binds it once more
        expr = _view(con, view, sql, reads_file=True)
        cols = list(expr.columns)
    except Exception as exc:
        raise UnreadableFileError(
            f"{display}: cannot be read as a table ({_short(exc)})", details={"file": display}
        ) from exc
    return Staged(name="", expr=expr, columns=cols, n_rows=-1, helpers=[rej_t, rej_s, view], line_offset=2)


def _view(con, name: str, sql: str, *, reads_file: bool = False) -> ibis.Table:
    """A temporary view: Ibis sees a plain table (no SQL text to re-parse in every query).

    ``reads_file``: the view reads a file (its every bind samples the file): its columns are
    looked up in the catalogue rather than by a DESCRIBE."""
    _raw(con).execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")
    _views(con).add(name)
    return table(con, name, _view_desc(con, name) if reads_file else None)


def _views(con) -> set[str]:
    """Names of the temporary views made by ``_view`` (so ``drop_names`` need not look them up)."""
    v = getattr(con, "_fx_views", None)
    if v is None:
        v = con._fx_views = set()
    return v


def _view_desc(con, name: str) -> tuple:
    """A temporary view's columns from the catalogue, as bound when it was created (DESCRIBE
    would bind it again)."""
    rows = _raw(con).execute(
        "SELECT column_name, data_type, CASE WHEN is_nullable THEN 'YES' ELSE 'NO' END FROM duckdb_columns() "
        "WHERE database_name = 'temp' AND table_name = ? ORDER BY column_index", [name]).fetchall()
    if not rows:  # not expected; DESCRIBE says what is wrong
        return tuple(tuple(r[:3]) for r in _raw(con).execute(f"DESCRIBE {_quote(name)}").fetchall())
    return tuple(tuple(r) for r in rows)


def collect_rejects(con, staged: Staged) -> None:
    """After the lazy read ran: the rejected lines (line, raw text, message), invalid-UTF-8 flag."""
    staged.invalid_unicode, staged.rejects = read_rejects(_raw(con), staged.helpers[0])


def read_csv_sql(path: Path, delim: str, rej_t: str, rej_s: str) -> str:
    """DuckDB's all-text read of a delimited file, storing the lines it rejects in ``rej_t``."""
    return (
        f"SELECT * FROM read_csv({_lit(str(path))}, all_varchar = true, header = true, "
        f"delim = {_lit(delim)}, quote = '\"', escape = '\"', ignore_errors = true, "
        f"store_rejects = true, rejects_table = {_lit(rej_t)}, rejects_scan = {_lit(rej_s)}, "
        f"null_padding = false, normalize_names = false)"
    )


def read_rejects(raw, rej_t: str) -> tuple[bool, list[tuple[int, str, str]]]:
    """From the rejects table ``rej_t`` on the raw DuckDB connection ``raw``: whether a line was
    invalid UTF-8, and the rejected lines (line, raw text, message)."""
    try:
        rows = raw.execute(
            f"SELECT line, any_value(csv_line), string_agg(DISTINCT error_type, ', '), "
            f"any_value(error_message) FROM {rej_t} GROUP BY line ORDER BY line"
        ).fetchall()
    except Exception:  # no rejects table: nothing was rejected
        rows = []
    return (any("UNICODE" in (r[2] or "") for r in rows),
            [(int(r[0]), r[1] or "", (r[3] or r[2] or "").splitlines()[0]) for r in rows])


def with_lines(con, table: ibis.Table, offset: int, lines: pa.Array | None) -> tuple[ibis.Table, list[str]]:
    """``table`` (materialised in file order) with ``_line``: rowid + offset, or ``lines[rowid]``.

    Returns the expression and the helper tables to drop with it.
    """
    name = _quote(table.get_name())
    view = _new_name("lined")
    if lines is None:
        return _view(con, view, f"SELECT rowid + {int(offset)} AS _line, * FROM {name}"), [view]
    raw = _raw(con)
    map_name = _new_name("lines")
    tbl = pa.table({"_rid": pa.array(range(len(lines)), pa.int64()), "_ln": lines})
    raw.register(map_name + "_arrow", tbl)
    raw.execute(f"CREATE TEMP TABLE {map_name} AS SELECT * FROM {map_name}_arrow")
    raw.unregister(map_name + "_arrow")
    cols = ", ".join("s." + _quote(c) for c in table.columns)
    expr = _view(con, view,
        f"SELECT m._ln AS _line, {cols} FROM (SELECT rowid AS _rid, * FROM {name}) s "
        f"JOIN {map_name} m ON m._rid = s._rid"
    )
    return expr, [view, map_name]


#: parquet column types read as they are (integers, doubles, decimals, dates, naive timestamps): the
#: checks take their values without a round trip through text. Every other type is read as VARCHAR,
#: FLOAT too: its text (0.1) is what the exporter meant, its binary value widened is not (0.100000001…)
_NATIVE_PARQUET = re.compile(r"(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT"
                             r"|DOUBLE|DECIMAL\(\d+,\s*\d+\)|DATE|TIMESTAMP(_S|_MS|_NS)?)")


def stage_parquet(con, path: Path, *, display: str) -> Staged:
    """A lazy view of a parquet file, numbers and dates as they are, every other column as VARCHAR
    (``checks.parse_table`` reads both); ``_line`` is the 1-based row number."""
    raw = _raw(con)
    src = _lit(str(path))
    try:
        desc = raw.execute(f"DESCRIBE SELECT * FROM read_parquet({src}, hive_partitioning = false)").fetchall()
        cols = [c for c, *_ in desc]
        casts = ", ".join(_quote(c) if _NATIVE_PARQUET.fullmatch(str(t).strip()) else
                          f"CAST({_quote(c)} AS VARCHAR) AS {_quote(c)}" for c, t, *_ in desc)
        sql = f"SELECT file_row_number + 1 AS _line, {casts} FROM read_parquet({src}, file_row_number = true, hive_partitioning = false)"
        raw.execute(f"DESCRIBE {sql}")
        view = _new_name("pq")
        expr = _view(con, view, sql, reads_file=True)
    except Exception as exc:
        raise UnreadableFileError(
            f"{display}: cannot be read as a parquet table ({_short(exc)})", details={"file": display}
        ) from exc
    return Staged(name="", expr=expr, columns=cols, n_rows=-1, helpers=[view])


def stage_jsonl(con, path: Path, *, display: str) -> Staged:
    """Newline-delimited JSON objects; ``_line`` is the physical line (no header)."""
    raw = _raw(con)
    name = _new_name("stg")
    src = _lit(str(path))
    try:
        order = raw.execute(
            f"SELECT k FROM (SELECT unnest(json_keys(j)) AS k, row_number() OVER () AS n "
            f"FROM read_json_objects({src}, format = 'newline_delimited') AS r(j)) "
            f"GROUP BY k ORDER BY min(n)"
        ).fetchall()
        names = [k for (k,) in order]
        if not names:
            raise ValueError("no JSON objects")
        cols = ", ".join(
            f"json_extract_string(j, {_lit('$.' + _json_key(k))}) AS {_quote(k)}"
            for k in names
        )
        raw.execute(
            f"CREATE TEMP TABLE {name} AS SELECT {cols} FROM read_json_objects({src}, "
            f"format = 'newline_delimited') AS r(j)"
        )
    except Exception as exc:
        raise UnreadableFileError(
            f"{display}: cannot be read as JSON lines ({_short(exc)})", details={"file": display}
        ) from exc
    # JSON null arrives as the text 'null'
    for k in names:
        raw.execute(f"UPDATE {name} SET {_quote(k)} = NULL WHERE {_quote(k)} = 'null'")
    return _finish(con, name, "rowid + 1", [])


def _json_key(key: str) -> str:
    return '"' + key.replace('"', '\\"') + '"'


def stage_arrow(con, table: pa.Table, *, line_column: str = "_line") -> Staged:
    """Stage an Arrow table of strings that already carries its line numbers."""
    raw = _raw(con)
    name = _new_name("stg")
    raw.register(name + "_arrow", table)
    raw.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
    raw.unregister(name + "_arrow")
    staged = _finish(con, name, _quote(line_column), [])
    staged.columns = [c for c in staged.columns if c != line_column]
    return staged


def drop_staged(con, staged: Staged) -> None:
    drop_names(con, [staged.name, *staged.helpers])


def drop_names(con, names: list[str]) -> None:
    """Drop temporary views and tables, views first (they depend on the tables)."""
    raw = _raw(con)
    names = [n for n in names if n]
    made = _views(con)
    if all(n in made or n.startswith("_fx_") for n in names):
        views = made  # every other ``_fx_`` name is a table (views come from ``_view``)
    else:
        views = {r[0] for r in raw.execute("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()}
    for name in [n for n in names if n in views] + [n for n in names if n not in views]:
        raw.execute(f"DROP {'VIEW' if name in views else 'TABLE'} IF EXISTS {_quote(name)}")
        made.discard(name)
        _release(name)


def materialize(con, expr: ibis.Table, prefix: str = "tmp", *, ordered: bool = True) -> ibis.Table:
    """Compute ``expr`` once into a temporary table and return it as a table expression.

    ``ordered=False``: the rows may be stored in any order (the engine then writes on all its
    threads; ~25 % faster for a file's rows). Only for tables nothing reads by ``rowid`` or in
    storage order, e.g. rows that carry their own line numbers."""
    name = _new_name(prefix)
    sql = f"CREATE TEMP TABLE {_quote(name)} AS {sql_of(con, expr)}"
    if ordered:
        _raw(con).execute(sql)
    else:
        with unordered(con):
            _raw(con).execute(sql)
    # the same expression (structurally: same inputs and columns) into the same name makes the
    # same columns: the table expression is reused without a DESCRIBE
    tables, key = _tables(con), (name, "expr", expr.op())
    t = tables.get(key)
    if t is None:
        t = tables[key] = table(con, name)
    return t


def drop(con, table: ibis.Table) -> None:
    name = table.get_name()
    _raw(con).execute(f"DROP TABLE IF EXISTS {_quote(name)}")
    _release(name)


def write_parquet(con, expr: ibis.Table, path: Path, order_by: list[str]) -> int:
    """Write ``expr`` sorted by ``order_by`` to one Parquet file (dates as timestamps, as pandas
    writes them); returns the number of rows. Nothing passes through Python."""
    con._run_pre_execute_hooks(expr)
    cols = ", ".join(f"CAST({_quote(c)} AS TIMESTAMP) AS {_quote(c)}" if expr.schema()[c].is_date() else _quote(c)
                     for c in expr.columns)
    order = ", ".join(_quote(c) for c in order_by)
    raw = _raw(con)
    raw.execute(f"COPY (SELECT {cols} FROM ({con.compile(expr)}) ORDER BY {order}) TO {_lit(str(path))} "
                "(FORMAT parquet, COMPRESSION zstd)")
    return int(raw.execute(f"SELECT count(*) FROM read_parquet({_lit(str(path))})").fetchone()[0])


def truncate(con, table: str) -> None:
    """Remove every row of ``table``."""
    con.truncate_table(table)


def add_columns(con, table: str, columns: dict[str, str]) -> None:
    """Add text columns that a file brings beyond the fixed schema (e.g. platforms.csv)."""
    raw = _raw(con)
    existing = {r[0] for r in raw.execute(f"DESCRIBE {_quote(table)}").fetchall()}
    for col, typ in columns.items():
        if col not in existing:
            raw.execute(f"ALTER TABLE {_quote(table)} ADD COLUMN {_quote(col)} {typ}")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
