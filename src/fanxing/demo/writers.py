"""Byte-deterministic writers for the demo's files: CSV/TSV (any encoding, optional BOM or gzip),
Parquet, JSON Lines and xlsx (fixed zip timestamps and document properties)."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def _text_column(values: pd.Series) -> pa.Array:
    """An object column (possibly mixed after a planted error) as strings; missing values stay null."""
    out = [None if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v) for v in values]
    return pa.array(out, type=pa.string())


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    cols = {}
    for name in frame.columns:
        col = frame[name]
        if col.dtype == object:
            cols[name] = _text_column(col)
        elif str(col.dtype) in ("str", "string"):
            cols[name] = pa.array(col.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        else:
            cols[name] = pa.array(col.to_numpy(), from_pandas=True)
    return pa.table(cols)


def csv_bytes(table: pa.Table, *, sep: str = ",") -> bytes:
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(delimiter=sep, quoting_style="needed"))
    return buf.getvalue()


def write_text_table(path: Path, frame: pd.DataFrame | pa.Table, *, sep: str = ",", encoding: str = "utf-8",
                     bom: bool = False, gz: bool = False) -> None:
    """A delimited text file; the header is line 1 and every row is one physical line."""
    table = frame if isinstance(frame, pa.Table) else to_arrow(frame)
    data = csv_bytes(table, sep=sep)
    if encoding.lower() not in ("utf-8", "utf8"):
        data = data.decode("utf-8").encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    write_bytes(path, data, gz=gz)


def write_bytes(path: Path, data: bytes, *, gz: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as handle:
            handle.write(data)
        data = buf.getvalue()
    path.write_bytes(data)


def write_parquet(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")


def write_jsonl(path: Path, frame: pd.DataFrame) -> None:
    """One JSON object per line (UTF-8, Chinese unescaped); missing values are null."""
    text = frame.to_json(orient="records", lines=True, force_ascii=False)
    write_bytes(path, text.encode("utf-8"))


def write_xlsx(path: Path, frame: pd.DataFrame, *, sheet: str) -> None:
    """An xlsx workbook (header in row 1) whose bytes depend only on the data."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.creator = "fanxing demo"
    wb.properties.created = dt.datetime(2024, 1, 1)
    ws = wb.create_sheet(sheet)
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False, name=None):
        ws.append([None if (isinstance(v, float) and np.isnan(v)) else v for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    write_bytes(path, _normalise_zip(buf.getvalue()))


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry timestamps and a fixed document 'modified' time."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>2024-01-01T00:00:00Z\g<2>", body)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, body)
    return out.getvalue()
