"""Everything Spark-specific: the session, the warehouse as a Spark database, staging files.

The sibling of ``duckdb_backend`` with the same functions; the validation, resolution and
settling of rows, the indicators and the integrity detection are the same Ibis expressions, run
here by Spark SQL.

- **Session.** ``local[*]`` by default; ``FANXING_SPARK_MASTER`` (or ``--spark-master``) names
  another master (``spark://…``, ``yarn``, ``local[2]``) or a Spark Connect URL (``sc://host:15002``).
  Other settings: ``FANXING_SPARK_SHUFFLE_PARTITIONS`` (default 8), ``FANXING_SPARK_DRIVER_MEMORY``
  (default 4g; only when this process starts the JVM), ``FANXING_SPARK_CONF`` (``key=value;…``).
- **Storage.** A warehouse is a Spark database whose location is the warehouse directory; each
  table is a Parquet table in ``<dir>/<table>/`` (external, so reopening the directory in a new
  session re-registers it). Each Warehouse gets its own ``newSession()``: temporary views and
  the current database are per warehouse, the SparkContext is shared.
- **Reading.** Parquet is read by the executors (``_metadata.row_index`` gives the row number).
  Delimited text and JSON lines are parsed on the driver by DuckDB's reader, which knows exact
  physical line numbers and rejected lines, and handed to Spark as a Parquet file in the
  warehouse's scratch directory: monthly platform exports are small, and a season that outgrows
  one machine comes as Parquet (docs/scale.md).
- **Transactions.** Spark has none. Appends are rolled back by hand: ``transaction`` notes each
  table directory's files and, if the block fails, deletes the files it added and refreshes the
  tables, which is exact for the append-only loads that run inside it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from fanxing.errors import UnreadableFileError, WarehouseError
from fanxing.warehouse import spark_compat  # noqa: F401  (patches Ibis's Spark SQL; see there)
from fanxing.warehouse.duckdb_backend import FILE_PARAM, Staged, file_param, memo  # noqa: F401 (engine-neutral)

NAME = "spark"

_session_lock = threading.Lock()
_names_lock = threading.Lock()
_counter = [0]


# --- the session ------------------------------------------------------------------------------

def settings() -> dict[str, str]:
    """The Spark settings in force (environment, with defaults)."""
    return {
        "master": os.environ.get("FANXING_SPARK_MASTER", "local[*]"),
        "shuffle_partitions": os.environ.get("FANXING_SPARK_SHUFFLE_PARTITIONS", "8"),
        "driver_memory": os.environ.get("FANXING_SPARK_DRIVER_MEMORY", "4g"),
        "conf": os.environ.get("FANXING_SPARK_CONF", ""),
    }


def submitted() -> bool:
    """Whether this Python runs under ``spark-submit`` (its JVM is already up, configured) and no
    master was named for Fanxing explicitly."""
    return "PYSPARK_GATEWAY_PORT" in os.environ and "FANXING_SPARK_MASTER" not in os.environ


def base_session():
    """The process's Spark session (created on first use from ``settings()``)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - the spark extra is not installed
        raise WarehouseError("the Spark engine needs pyspark: pip install 'fanxing[spark]'") from exc
    with _session_lock:
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        s = settings()
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        if s["master"].startswith("sc://"):
            builder = SparkSession.builder.remote(s["master"])
        elif submitted():  # spark-submit chose the master and the driver's memory
            builder = SparkSession.builder
        else:
            builder = (SparkSession.builder.master(s["master"])
                       .config("spark.driver.memory", s["driver_memory"])
                       .config("spark.ui.enabled", "false")
                       .config("spark.ui.showConsoleProgress", "false"))
        builder = (builder.appName("fanxing")
                   .config("spark.sql.shuffle.partitions", s["shuffle_partitions"])
                   .config("spark.sql.session.timeZone", "UTC")
                   # the integrity detectors build deep plans: cap the plan strings Spark renders
                   .config("spark.sql.maxPlanStringLength", "200000"))
        for item in filter(None, (p.strip() for p in s["conf"].split(";"))):
            key, _, value = item.partition("=")
            builder = builder.config(key.strip(), value.strip())
        try:
            session = builder.getOrCreate()
        except Exception as exc:
            raise WarehouseError(f"cannot start Spark ({s['master']}): {_short(exc)}") from exc
        with contextlib.suppress(Exception):
            session.sparkContext.setLogLevel("ERROR")
            # Spark logs an error and falls back to interpreted evaluation when the generated code
            # of a wide projection exceeds 64 KB (the row checks); the fallback is correct, the log noise
            jvm = session.sparkContext._jvm
            jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(
                "org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator",
                jvm.org.apache.logging.log4j.Level.OFF)
            jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(
                "org.apache.spark.sql.execution.WholeStageCodegenExec", jvm.org.apache.logging.log4j.Level.OFF)
        return session


def _db_name(path: Path) -> str:
    return "fx_" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]


def connect(path: str | Path | None) -> ibis.BaseBackend:
    """A Spark database at ``path`` (a directory; a temporary one when None)."""
    base = base_session()
    session = base.newSession() if hasattr(base, "newSession") else base
    owned = path is None
    root = Path(tempfile.mkdtemp(prefix="fanxing-spark-")) if owned else Path(path)
    if root.exists() and not root.is_dir():
        raise WarehouseError(f"cannot open the Spark warehouse {root}: it is a file, not a directory "
                             "(a Spark warehouse is a directory of Parquet tables)")
    root.mkdir(parents=True, exist_ok=True)
    db = _db_name(root)
    try:
        session.sql(f"CREATE DATABASE IF NOT EXISTS {db} LOCATION {_lit(str(root.resolve()))}")
        session.catalog.setCurrentDatabase(db)
        con = ibis.pyspark.connect(session)
    except Exception as exc:
        raise WarehouseError(f"cannot open the Spark warehouse {root}: {_short(exc)}") from exc
    con._fx_root = root
    con._fx_owned = owned
    con._fx_scratch = Path(tempfile.mkdtemp(prefix="fanxing-spark-stage-"))
    con._fx_frames = {}
    return con


def close(con) -> None:
    """Release the warehouse's session state (not the shared Spark context)."""
    for name in list(getattr(con, "_fx_frames", {})):
        _forget(con, name)
    with contextlib.suppress(Exception):
        for v in con._session.catalog.listTables():
            if v.isTemporary:
                con._session.catalog.dropTempView(v.name)
    shutil.rmtree(getattr(con, "_fx_scratch", ""), ignore_errors=True)
    if getattr(con, "_fx_owned", False):
        with contextlib.suppress(Exception):
            con._session.sql(f"DROP DATABASE IF EXISTS {_db_name(con._fx_root)} CASCADE")
        shutil.rmtree(con._fx_root, ignore_errors=True)


def ensure_tables(con, tables: dict[str, ibis.Schema]) -> None:
    """Create (or re-register, when its directory holds data) each published table."""
    from ibis.backends.pyspark.datatypes import PySparkSchema

    existing = set(con.list_tables())
    for name, schema in tables.items():
        if name in existing:
            continue
        loc = con._fx_root / name
        has_data = loc.is_dir() and any(p.suffix == ".parquet" for p in loc.rglob("*.parquet"))
        if has_data:  # written by an earlier session: the files carry the (possibly widened) schema
            con._session.sql(f"CREATE TABLE {_quote(name)} USING parquet LOCATION {_lit(str(loc.resolve()))}")
        else:
            ddl = ", ".join(f"{_quote(f.name)} {f.dataType.simpleString()}"
                            for f in PySparkSchema.from_ibis(schema).fields)
            con._session.sql(f"CREATE TABLE {_quote(name)} ({ddl}) USING parquet "
                             f"LOCATION {_lit(str(loc.resolve()))}")


# --- names and SQL ---------------------------------------------------------------------------

def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _lit(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _new_name(prefix: str) -> str:
    with _names_lock:
        _counter[0] += 1
        return f"_fx_{prefix}_{_counter[0]}"


def table(con, name: str) -> ibis.Table:
    return con.table(name)


def sql_of(con, expr) -> str:
    """The Spark SQL of ``expr`` with FILE_PARAM bound (in-memory tables registered)."""
    con._run_pre_execute_hooks(expr)
    sql = str(con.compile(expr))
    if FILE_PARAM in sql:
        file = getattr(con, "_fx_file", None)
        if file is None:
            raise WarehouseError("an expression names the current file but no file is bound")
        sql = sql.replace(FILE_PARAM, file.replace("\\", "\\\\").replace("'", "\\'"))
    return sql


def _df(con, expr):
    return con._session.sql(sql_of(con, expr))


def scalar(con, expr):
    """The value of a scalar expression (e.g. a count)."""
    return _df(con, expr).collect()[0][0]


def fetch(con, expr):
    """A table expression as a pandas DataFrame (types as Ibis gives them)."""
    from ibis.backends.pyspark import PySparkPandasData

    schema = expr.as_table().schema()
    return PySparkPandasData.convert_table(_df(con, expr).toPandas(), schema)


def _columns(con, name: str) -> list[str]:
    return [f.name for f in con._session.table(name).schema.fields]


def insert(con, table: str, expr) -> None:
    """``INSERT INTO table`` the rows of ``expr`` (by column name; missing columns are NULL)."""
    target = _columns(con, table)
    src = _new_name("ins")
    df = _df(con, expr)
    df.createOrReplaceTempView(src)
    try:
        have = set(expr.columns)
        cols = ", ".join(_quote(c) if c in have else f"NULL AS {_quote(c)}" for c in target)
        if not have <= set(target):  # positional, as con.insert
            cols = ", ".join(_quote(c) for c in expr.columns)
        con._session.sql(f"INSERT INTO {_quote(table)} SELECT {cols} FROM {_quote(src)}")
    finally:
        con._session.catalog.dropTempView(src)


def _register(con, name: str, data: pa.Table):
    """A temporary view of ``data``: small tables travel with the plan, large ones via Parquet."""
    session = con._session
    if data.num_rows * max(1, data.num_columns) <= 200_000:
        if data.num_rows == 0:
            from ibis.backends.pyspark.datatypes import PySparkSchema

            df = session.createDataFrame([], PySparkSchema.from_ibis(ibis.Schema.from_pyarrow(data.schema)))
        else:
            df = session.createDataFrame(data)
    else:
        path = con._fx_scratch / f"{name.lstrip('_')}.parquet"  # Spark skips files named _…
        pq.write_table(data, path, compression="zstd")
        df = session.read.parquet(str(path))
    df.createOrReplaceTempView(name)
    con._fx_frames[name] = (df, None)
    return df


def temp_table(con, data: pa.Table, prefix: str = "map") -> tuple[ibis.Table, str]:
    """A small Arrow table as a temporary view; returns it and the name to drop."""
    name = _new_name(prefix)
    _register(con, name, data)
    return con.table(name), name


def insert_rows(con, table: str, rows: list[dict]) -> None:
    """Insert a few Python rows (e.g. one load_log row)."""
    if not rows:
        return
    schema = con.table(table).schema()
    cols = [c for c in rows[0] if c in schema]
    data = pa.table({c: pa.array([r.get(c) for r in rows], schema[c].to_pyarrow()) for c in cols})
    name = _new_name("rows")
    _register(con, name, data)
    try:
        insert(con, table, con.table(name))
    finally:
        drop_names(con, [name])


@contextlib.contextmanager
def transaction(con) -> Iterator[None]:
    """Undo the block's appends if it fails (see the module's docstring)."""
    root = con._fx_root
    before = {p for p in root.rglob("*") if p.is_file()}
    try:
        yield
    except BaseException:
        added = [p for p in root.rglob("*") if p.is_file() and p not in before]
        for p in added:
            with contextlib.suppress(OSError):
                p.unlink()
        for name in {p.relative_to(root).parts[0] for p in added}:
            with contextlib.suppress(Exception):
                con._session.sql(f"REFRESH TABLE {_quote(name)}")
        raise


@contextlib.contextmanager
def unordered(con) -> Iterator[None]:
    yield  # Spark never promises an order


# --- staging files ------------------------------------------------------------------------------

def _duckdb_read(display: str, what: str, fn):
    """``fn(connection)`` on a private in-memory DuckDB (the driver-side text reader); any failure
    is an UnreadableFileError naming the file (``what``: e.g. "a table")."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        con.execute("SET preserve_insertion_order = true")
        return fn(con)
    except Exception as exc:
        raise UnreadableFileError(
            f"{display}: cannot be read as {what} ({_short(exc)})", details={"file": display}
        ) from exc
    finally:
        con.close()


def stage_delimited(con, path: Path, *, delim: str, display: str) -> Staged:
    """An all-text table of a delimited UTF-8 file, parsed on the driver by DuckDB's reader.

    ``_line`` holds each row's ordinal among the rows read (0-based) until ``with_lines`` turns it
    into the physical line; ``rejects`` are known at once (``collect_rejects`` has nothing to do).
    """
    from fanxing.warehouse import duckdb_backend as D

    def read(dcon):
        dcon.execute(f"CREATE TABLE staged AS {D.read_csv_sql(path, delim, 'rej', 'rejs')}")
        data = _as_table(dcon.execute("SELECT (rowid)::BIGINT AS _line, * FROM staged").arrow())
        return data, D.read_rejects(dcon, "rej")

    data, (invalid_unicode, rejects) = _duckdb_read(display, "a table", read)
    staged = _stage(con, data, line_offset=2)
    staged.invalid_unicode, staged.rejects = invalid_unicode, rejects
    return staged


def _as_table(data) -> pa.Table:
    if isinstance(data, pa.RecordBatchReader):
        return data.read_all()
    return data


def _stage(con, data: pa.Table, line_offset: int = 0) -> Staged:
    name = _new_name("stg")
    _register(con, name, data)
    cols = [c for c in data.column_names if c != "_line"]
    return Staged(name=name, expr=con.table(name), columns=cols, n_rows=data.num_rows, line_offset=line_offset)


def collect_rejects(con, staged: Staged) -> None:
    """Nothing to do: ``stage_delimited`` read the rejects with the file."""


def with_lines(con, table: ibis.Table, offset: int, lines: pa.Array | None) -> tuple[ibis.Table, list[str]]:
    """``table`` with ``_line`` turned from the row ordinal into the physical line number."""
    if lines is None:
        return table.mutate(_line=table._line + int(offset)), []
    mapping = pa.table({"_rid": pa.array(range(len(lines)), pa.int64()), "_ln": lines.cast(pa.int64())})
    m, name = temp_table(con, mapping, "lines")
    j = table.join(m, table._line == m._rid)
    out = j.select(_line=j._ln, **{c: j[c] for c in table.columns if c != "_line"})
    return materialize(con, out, "lined"), [name]


def stage_parquet(con, path: Path, *, display: str) -> Staged:
    """A Parquet file read by Spark, every column as text; ``_line`` is the 1-based row number."""
    session = con._session
    try:
        df = session.read.parquet(str(path))
        cols = list(df.columns)
        exprs = ["CAST(_metadata.row_index + 1 AS BIGINT) AS _line",
                 *[f"CAST({_quote(c)} AS STRING) AS {_quote(c)}" for c in cols]]
        df = df.selectExpr(*exprs)
        name = _new_name("pq")
        df.createOrReplaceTempView(name)
        con._fx_frames[name] = (df, None)
    except Exception as exc:
        raise UnreadableFileError(
            f"{display}: cannot be read as a parquet table ({_short(exc)})", details={"file": display}
        ) from exc
    return Staged(name=name, expr=con.table(name), columns=cols, n_rows=-1)


def stage_jsonl(con, path: Path, *, display: str) -> Staged:
    """Newline-delimited JSON objects, parsed on the driver; ``_line`` is the physical line."""
    from fanxing.warehouse import duckdb_backend as D

    def read(dcon):
        src = D._lit(str(path))
        order = dcon.execute(
            f"SELECT k FROM (SELECT unnest(json_keys(j)) AS k, row_number() OVER () AS n "
            f"FROM read_json_objects({src}, format = 'newline_delimited') AS r(j)) "
            f"GROUP BY k ORDER BY min(n)").fetchall()
        names = [k for (k,) in order]
        if not names:
            raise ValueError("no JSON objects")
        cols = ", ".join(
            f"nullif(json_extract_string(j, {D._lit('$.' + D._json_key(k))}), 'null') AS {D._quote(k)}"
            for k in names)
        dcon.execute(f"CREATE TABLE staged AS SELECT {cols} FROM read_json_objects({src}, "
                     f"format = 'newline_delimited') AS r(j)")
        return _as_table(dcon.execute("SELECT (rowid + 1)::BIGINT AS _line, * FROM staged").arrow())

    return _stage(con, _duckdb_read(display, "JSON lines", read))


def stage_arrow(con, table: pa.Table, *, line_column: str = "_line") -> Staged:
    """Stage an Arrow table of strings that already carries its line numbers."""
    if line_column != "_line":
        table = table.rename_columns(["_line" if c == line_column else c for c in table.column_names])
    cols = ["_line", *[c for c in table.column_names if c != "_line"]]
    return _stage(con, table.select(cols))


def drop_staged(con, staged: Staged) -> None:
    drop_names(con, [staged.name, *staged.helpers])


def _forget(con, name: str) -> None:
    df, _ = con._fx_frames.pop(name, (None, None))
    if df is not None:
        with contextlib.suppress(Exception):
            df.unpersist()
    p = con._fx_scratch / f"{name.lstrip('_')}.parquet"  # Spark skips files named _…
    if p.exists():
        p.unlink()


def drop_names(con, names: list[str]) -> None:
    """Drop temporary views (and what backs them)."""
    for name in filter(None, names):
        with contextlib.suppress(Exception):
            con._session.catalog.dropTempView(name)
        _forget(con, name)


def materialize(con, expr: ibis.Table, prefix: str = "tmp", *, ordered: bool = True) -> ibis.Table:
    """Compute ``expr`` once (a local checkpoint: later plans start from its result). ``ordered``
    is DuckDB's (Spark keeps no storage order to lose)."""
    name = _new_name(prefix)
    df = _df(con, expr).localCheckpoint(eager=True)
    df.createOrReplaceTempView(name)
    con._fx_frames[name] = (df, None)
    return con.table(name)


def drop(con, table: ibis.Table) -> None:
    drop_names(con, [table.get_name()])


def write_parquet(con, expr: ibis.Table, path: Path, order_by: list[str]) -> int:
    """Write ``expr`` sorted by ``order_by`` to one Parquet file (dates as timestamps without a
    time zone, as pandas writes them); returns the number of rows. The rows go from the executors
    to one task that writes the file, not through Python."""
    cols = [f"CAST({_quote(c)} AS TIMESTAMP_NTZ) AS {_quote(c)}" if expr.schema()[c].is_date() else _quote(c)
            for c in expr.columns]
    df = _df(con, expr).selectExpr(*cols).orderBy(*order_by).coalesce(1)
    tmp = con._fx_scratch / f"out-{_new_name('pq').lstrip('_')}"
    df.write.option("compression", "zstd").parquet(str(tmp))
    parts = sorted(tmp.glob("part-*.parquet"))
    if len(parts) != 1:
        raise WarehouseError(f"Spark wrote {len(parts)} files for {path.name}, expected one")
    shutil.move(str(parts[0]), str(path))
    shutil.rmtree(tmp, ignore_errors=True)
    return pq.ParquetFile(path).metadata.num_rows


def truncate(con, table: str) -> None:
    """Remove every row of ``table`` (its files; Spark refuses TRUNCATE on external tables)."""
    loc = con._fx_root / table
    if loc.is_dir():
        for p in loc.iterdir():
            if p.is_file():
                p.unlink()
            else:
                shutil.rmtree(p, ignore_errors=True)
    con._session.sql(f"REFRESH TABLE {_quote(table)}")


def add_columns(con, table: str, columns: dict[str, str]) -> None:
    """Add text columns that a file brings beyond the fixed schema (e.g. platforms.csv)."""
    existing = set(_columns(con, table))
    new = [c for c in columns if c not in existing]
    if new:
        types = {"VARCHAR": "STRING"}
        spec = ", ".join(f"{_quote(c)} {types.get(columns[c], columns[c])}" for c in new)
        con._session.sql(f"ALTER TABLE {_quote(table)} ADD COLUMNS ({spec})")


def create_table(con, name: str, expr: ibis.Table) -> ibis.Table:
    """A build's intermediate table (e.g. the adjusted facts), checkpointed as a temporary view."""
    con._fx_frames.pop(name, None)
    df = _df(con, expr).localCheckpoint(eager=True)
    df.createOrReplaceTempView(name)
    con._fx_frames[name] = (df, None)
    return con.table(name)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

