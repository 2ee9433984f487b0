"""Readers: any supported season file → a staged all-text table with exact line numbers.

Formats: csv, tsv (optionally .gz), parquet, jsonl, xlsx (first sheet, via openpyxl).
Encodings: UTF-8 with/without BOM read directly; GB18030/GBK transcoded to a temporary UTF-8
file in a streamed way first (DuckDB reads only UTF-8/16 and Latin-1).
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ibis.expr.types as ir
import pyarrow as pa

from fanxing.errors import FanxingError, UnreadableFileError
from fanxing.season import encoding as enc
from fanxing.season import lines as L

FORMATS = {
    ".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".csv.gz": "csv.gz", ".tsv.gz": "tsv.gz",
    ".txt.gz": "csv.gz", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl",
    ".ndjson": "jsonl", ".json": "jsonl", ".xlsx": "xlsx", ".xlsm": "xlsx",
}


def file_format(path: Path) -> str | None:
    name = path.name.lower()
    for ext in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(ext):
            return FORMATS[ext]
    return None


@dataclass
class Source:
    """A season file about to be read: where it is, what it is, its content hash."""

    path: Path
    rel: str  # path relative to the season dir, POSIX style: what quarantine/load_log name
    fmt: str
    sha256: str
    layout: L.Layout | None = None  # filled in the same pass as the hash for plain text files
    encoding: str = ""
    #: the hash/layout pass still running in a background thread (``sha256`` is "" until ``finish``)
    pending: _Pass | None = None

    def finish(self) -> None:
        """Wait for the background hash/layout pass (if any) and fill in ``sha256`` and ``layout``."""
        if self.pending is None:
            return
        job, self.pending = self.pending, None
        job.thread.join()
        if job.error is not None:
            exc = job.error
            raise UnreadableFileError(f"{self.rel}: cannot be read ({exc})", details={"file": self.rel}) from exc
        self.sha256, self.layout = job.result


class _Pass:
    """``sha256_and_layout`` of a text file (``sha256`` alone of a binary one, ``binary``) in a
    thread: hashlib releases the GIL on large buffers and DuckDB while it runs a query, so on a
    multi-core machine the pass overlaps the engine's read."""

    def __init__(self, path: Path, binary: bool = False):
        self.result: tuple[str, L.Layout | None] | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(path, binary), name="fanxing-sha256", daemon=True)
        self.thread.start()

    def _run(self, path: Path, binary: bool) -> None:
        try:
            self.result = (L.sha256(path), None) if binary else L.sha256_and_layout(path)
        except BaseException as exc:  # re-raised by Source.finish in the caller's thread
            self.error = exc


#: plain text files at least this big get their hash/layout pass in the background (``open_source``):
#: a season of many monthly exports of a few MiB each then hashes them beside the engine's bind and
#: read rather than before them (~5 ms a file); below this, a thread is not worth starting
BACKGROUND_BYTES = 1 << 20


def open_source(path: Path, rel: str, *, background: bool = False) -> Source:
    """The file's format and content hash (and, for csv/tsv, its line layout and UTF-8 check).

    With ``background``, a large file's hash (and a csv/tsv file's layout) pass runs in a thread while
    the caller goes on (reading the file with the engine): ``sha256`` is "" and ``pending`` is set until
    ``Source.finish()``, which the caller must call before using the hash. ``read`` calls it
    before it needs the layout, and checks the whole-file UTF-8 verdict after the read (re-reading
    as GB18030 when the file is not UTF-8 after all), so the outcome is the same as without it.
    """
    fmt = file_format(path)
    if fmt is None:
        raise UnreadableFileError(
            f"{rel}: unknown file type; expected one of {', '.join(sorted(set(FORMATS.values())))}",
            details={"file": rel},
        )
    try:
        if fmt in ("csv", "tsv"):
            if background and path.stat().st_size >= BACKGROUND_BYTES:
                return Source(path, rel, fmt, "", None, pending=_Pass(path))
            sha, lay = L.sha256_and_layout(path)
            return Source(path, rel, fmt, sha, lay)
        if background and fmt != "xlsx" and path.stat().st_size >= BACKGROUND_BYTES:
            # (an xlsx is read in Python, holding the GIL: no overlap to gain)
            return Source(path, rel, fmt, "", None, pending=_Pass(path, binary=True))
        return Source(path, rel, fmt, L.sha256(path))
    except OSError as exc:
        raise UnreadableFileError(f"{rel}: cannot be read ({exc})", details={"file": rel}) from exc


@dataclass
class Read:
    """A file read and transformed into a temporary table; ``table`` has ``_line`` in file order."""

    table: object  # ibis.Table
    columns: list[str]  # the file's own header names
    rejects: list[tuple[int, str, str]]  # (line, raw text, message) of unsplittable lines
    n_read: int  # rows read = rows in ``table`` + rejected lines
    temps: list[str]  # temporary tables to drop when done


def read(wh, src: Source, tmpdir: Path, transform, encoding_override: str | None = None,
         key: tuple | Callable[[ir.Table], tuple] | None = None) -> Read:
    """Read ``src`` and materialise ``transform(text_table)`` (a row-wise projection) once.

    ``transform`` gets the file as an all-text Ibis table (its own headers, plus ``_line`` where
    the format knows it up front) and must keep every row, in order, passing ``_line`` through.
    Raises UnreadableFileError naming the file when it is not a readable table.

    ``key`` (hashable, or a function of the staged table giving one) says that ``transform``
    depends on nothing but its input and the key: then its expression is built once per key and
    staged table (same names and columns) and reused, so its SQL is compiled once (see
    ``duckdb_backend.sql_of``).
    """
    if key is not None:
        memo = wh.backend.memo(wh.con)
        plain = transform

        def transform(e):
            k = ("read-transform", key(e) if callable(key) else key, e.op())
            if k not in memo:
                memo[k] = plain(e)
            return memo[k]

    backend, con = wh.backend, wh.con
    if src.fmt in ("parquet", "xlsx"):
        src.encoding = "binary"
        staged = (backend.stage_parquet(con, src.path, display=src.rel) if src.fmt == "parquet"
                  else backend.stage_arrow(con, read_xlsx(src.path, src.rel)))
        return _materialise(wh, src, staged, transform, None, None)
    try:
        text_enc = encoding_override or enc.detect(src.path, src.rel)
    except UnreadableFileError:
        src.finish()
        raise
    speculative = text_enc == "utf-8" and src.pending is not None
    if text_enc == "utf-8" and not speculative:
        # the whole file must be UTF-8: the engine would silently skip undecodable rows
        src.layout = src.layout or L.layout(src.path)
        if not src.layout.utf8:
            if encoding_override:
                raise _not_utf8(src)
            text_enc = "gb18030"
    if not speculative:
        src.finish()  # nothing to overlap with (a transcoded copy is read)
    path, layout = _as_utf8(src, text_enc, tmpdir)
    src.encoding = text_enc
    if src.fmt == "jsonl":
        return _materialise(wh, src, backend.stage_jsonl(con, path, display=src.rel), transform, None, None)
    delim = "\t" if src.fmt.startswith("tsv") else ","
    try:
        staged = backend.stage_delimited(con, path, delim=delim, display=src.rel)
        # with ``speculative`` the whole-file UTF-8 check runs alongside; the layout it also
        # computes is awaited (``finish``) inside, after the engine's read
        out = _materialise(wh, src, staged, transform, path, layout)
    except UnreadableFileError:
        if not speculative:
            raise
        src.finish()
        if src.layout.utf8:
            raise
        out = None  # not UTF-8 after all: handled below, as without the overlap
    if speculative:
        src.finish()
        if not src.layout.utf8:
            # the first megabyte was UTF-8, the rest is not: discard the read
            if out is not None:
                backend.drop_names(con, out.temps)
            if encoding_override:
                raise _not_utf8(src)
            src.encoding = "gb18030"
            path, layout = _as_utf8(src, "gb18030", tmpdir)
            staged = backend.stage_delimited(con, path, delim=delim, display=src.rel)
            return _materialise(wh, src, staged, transform, path, layout)
    if staged.invalid_unicode and text_enc == "utf-8" and not encoding_override:
        # UTF-8 at the start, something else later: it is GB18030 after all
        backend.drop_names(con, out.temps)
        src.encoding = "gb18030"
        path, layout = _as_utf8(src, "gb18030", tmpdir)
        staged = backend.stage_delimited(con, path, delim=delim, display=src.rel)
        out = _materialise(wh, src, staged, transform, path, layout)
    return out


def _not_utf8(src: Source) -> UnreadableFileError:
    return UnreadableFileError(
        f"{src.rel}: not valid UTF-8 although a mapping file says so; fix the encoding: key",
        details={"file": src.rel})


def _materialise(wh, src: Source, staged, transform, path: Path | None, layout) -> Read:
    backend, con = wh.backend, wh.con
    temps = [staged.name, *staged.helpers]
    try:
        # lazy line numbers are the table's rowids, so its rows must keep the file's order; rows
        # that carry their line (Parquet's row number, JSON's rowid) may be stored in any order
        table = backend.materialize(con, transform(staged.expr), "read", ordered=bool(staged.line_offset))
    except UnreadableFileError:
        backend.drop_names(con, temps)
        raise
    except Exception as exc:  # the engine gave up half-way through the file
        backend.drop_names(con, temps)
        if isinstance(exc, FanxingError):
            raise
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableFileError(f"{src.rel}: cannot be read as a table ({msg})",
                                  details={"file": src.rel}) from exc
    temps.append(table.get_name())
    n = int(backend.scalar(con, table.count()))
    if staged.line_offset:
        backend.collect_rejects(con, staged)
        if layout is None and path == src.path and src.pending is not None:
            src.finish()  # the background pass over this very file
            layout = src.layout
        if layout is None:
            layout = L.layout(path)
        mapping = L.data_lines(path, layout, [r[0] for r in staged.rejects], n)
        table, helpers = backend.with_lines(con, table, staged.line_offset, mapping)
        temps += helpers
    return Read(table, list(staged.columns), list(staged.rejects), n + len(staged.rejects), temps)


def _as_utf8(src: Source, text_enc: str, tmpdir: Path) -> tuple[Path, L.Layout | None]:
    if text_enc == "utf-8":
        return src.path, src.layout
    dest = tmpdir / (src.rel.replace("/", "__") + ".utf8")
    return enc.transcode(src.path, text_enc, dest, src.rel), None


def _cell_text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, _dt.datetime):
        return v.date().isoformat() if v.time() == _dt.time() else v.isoformat(sep=" ")
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def read_xlsx(path: Path, display: str) -> pa.Table:
    """The first sheet as strings, with ``_line`` = the 1-based sheet row; empty rows skipped."""
    import zipfile

    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFileError(f"{display}: cannot be read as an xlsx workbook ({exc})",
                                  details={"file": display}) from exc
    try:
        ws = wb.worksheets[0]
        header: list[str] | None = None
        cols: list[list[str | None]] = []
        line_numbers: list[int] = []
        for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if row is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            if header is None:
                header = _unique([_cell_text(v) or f"column{j}" for j, v in enumerate(row)])
                cols = [[] for _ in header]
                continue
            for j in range(len(header)):
                cols[j].append(_cell_text(row[j]) if j < len(row) else None)
            line_numbers.append(i)
    finally:
        wb.close()
    if header is None:
        raise UnreadableFileError(f"{display}: the first sheet is empty", details={"file": display})
    data = {h: pa.array(c, pa.string()) for h, c in zip(header, cols, strict=True)}
    data["_line"] = pa.array(line_numbers, pa.int64())
    return pa.table(data)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        n = n.strip()
        if n in seen:
            seen[n] += 1
            n = f"{n}_{seen[n]}"
        else:
            seen[n] = 0
        out.append(n)
    return out
