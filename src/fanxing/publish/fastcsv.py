"""A vectorised CSV writer whose output is byte-identical to ``DataFrame.to_csv(path, index=False)``.

pandas formats every float with ``numpy.ndarray.astype(str)`` and writes rows through the csv
module; on the large tables of a build (weekly rankings and indicators: hundreds of thousands of
rows × ~20 columns) that is most of the publishing time. Here, a block of rows at a time, every
column becomes an Arrow string array with the same text pandas would write, the columns are joined
row-wise by Arrow's compute kernels, and the block's bytes go to the file in one write. Blocks are
made on ``fanxing.parallel.threads()`` threads (Arrow's kernels and numpy release the GIL), a few
ahead of the one being written, and written in order, so the bytes do not depend on the number of
threads:

- floats: Arrow's shortest round-trip digits where they are laid out as numpy lays them out
  (positional, non-integral, 1e-4 ≤ |x| < 1e16), integral values as ``<int>.0``, NaN as the empty
  field, and numpy's own ``astype(str)`` for the rest (exponents, -0.0, inf);
- integers (numpy or nullable), booleans (``True``/``False``), strings and date-times as pandas
  writes them; text is quoted when it holds a comma, a quote or a line break (QUOTE_MINIMAL);
- anything else (object columns of mixed values, categoricals, …) makes the whole frame fall back to
  ``DataFrame.to_csv``, so the output is always what pandas would write.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fanxing.parallel import ordered_map, threads

_SPECIAL = r'[,"\n\r]'
BLOCK_ROWS = 250_000  # rows joined and written at a time
MIN_BLOCK_ROWS = 16_384  # a table is cut into blocks for the threads down to this size


class _Unsupported(Exception):
    pass


def _quote(arr: pa.Array) -> pa.Array:
    """QUOTE_MINIMAL: wrap in quotes (doubling inner quotes) where the text needs it."""
    need = pc.match_substring_regex(arr, _SPECIAL)
    if not pc.any(need).as_py():
        return arr
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
    return pc.if_else(need, quoted, arr)


def _floats(v: np.ndarray) -> pa.Array:
    v = np.ascontiguousarray(v, dtype=np.float64)
    n = len(v)
    nan = np.isnan(v)
    a = np.abs(v)
    finite = np.isfinite(v)
    with np.errstate(invalid="ignore"):
        integral = finite & (v == np.floor(v)) & (a < 1e16) & ~((v == 0) & np.signbit(v))
        plain = finite & ~integral & (a >= 1e-4) & (a < 1e10)
    # Arrow's shortest digits: positional in this range, exactly as numpy writes them
    parts = []
    idx = []
    if plain.any():
        i = np.flatnonzero(plain)
        s = pc.cast(pa.array(v[i]), pa.string())
        # guard: anything Arrow wrote in another layout is redone by numpy below
        bad = pc.or_(pc.match_substring(s, "e"), pc.invert(pc.match_substring(s, "."))).to_numpy(
            zero_copy_only=False)
        if bad.any():
            plain[i[bad]] = False
            i = i[~bad]
            s = s.filter(pa.array(~bad))
        parts.append(s)
        idx.append(i)
    if integral.any():
        i = np.flatnonzero(integral)
        s = pc.binary_join_element_wise(pc.cast(pa.array(v[i].astype(np.int64)), pa.string()), ".0", "")
        parts.append(s)
        idx.append(i)
    rest = ~(plain | integral | nan)
    if rest.any():
        i = np.flatnonzero(rest)
        parts.append(pa.array(v[i].astype(str).astype(object), type=pa.string()))
        idx.append(i)
    if not parts:
        return pa.array(np.full(n, "", dtype=object), type=pa.string())
    # scatter the parts back into row order; NaN rows are the empty field
    allidx = np.concatenate(idx + [np.flatnonzero(nan)])
    vals = pa.concat_arrays([p.cast(pa.string()) for p in parts]
                            + [pa.array(np.full(int(nan.sum()), "", dtype=object), type=pa.string())])
    order = np.empty(n, dtype=np.int64)
    order[allidx] = np.arange(n)
    return vals.take(pa.array(order))


def _column(s: pd.Series) -> pa.Array:
    dt = s.dtype
    if isinstance(dt, np.dtype):
        if dt.kind == "f":
            return _floats(s.to_numpy())
        if dt.kind in "iu":
            return pc.cast(pa.array(s.to_numpy()), pa.string())
        if dt.kind == "b":
            return pa.array(np.where(s.to_numpy(), "True", "False").astype(object), type=pa.string())
        if dt.kind == "M":
            return _datetimes(s)
        if dt.kind == "O":
            v, isnull = _object_strings(s)
            if isnull is None:
                return _quote(pa.array(v, type=pa.string()))
            arr = pa.array(np.where(isnull, None, v), type=pa.string())
            return _quote(pc.fill_null(arr, ""))
        raise _Unsupported
    if isinstance(dt, pd.StringDtype):
        arr = pa.array(s.array, from_pandas=True)  # zero-copy when Arrow-backed
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        return _quote(pc.fill_null(arr.cast(pa.string()), ""))
    if isinstance(dt, pd.Int64Dtype | pd.Int32Dtype | pd.Int16Dtype | pd.Int8Dtype):
        arr = pa.array(s.to_numpy(dtype="float64", na_value=np.nan), from_pandas=True)
        vals = s.to_numpy(dtype="int64", na_value=0)
        strs = pc.cast(pa.array(vals), pa.string())
        return pc.if_else(pc.is_null(arr, nan_is_null=True), "", strs)
    if isinstance(dt, pd.BooleanDtype):
        v = s.to_numpy(dtype=object, na_value=None)
        return pa.array(["" if x is None else ("True" if x else "False") for x in v], type=pa.string())
    if isinstance(dt, pd.Float64Dtype):
        return _floats(s.to_numpy(dtype="float64", na_value=np.nan))
    raise _Unsupported


def _object_strings(s: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """An object column's values and, unless all are strings, its missing-value mask; raises
    ``_Unsupported`` when it holds anything but strings and None/NaN."""
    v = s.to_numpy()
    isstr = np.fromiter((type(x) is str for x in v), dtype=bool, count=len(v))
    if isstr.all():
        return v, None
    isnull = pd.isna(s).to_numpy() if len(v) else np.zeros(0, bool)
    if (isstr | (isnull & np.fromiter((x is None or (type(x) is float) for x in v), bool, len(v)))).all():
        return v, isnull
    raise _Unsupported


def _midnight_days(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The days of a date-time column and its not-missing mask; raises ``_Unsupported`` unless every
    value is at midnight without a time zone (pandas then writes dates only; other cases: pandas)."""
    if s.dt.tz is not None:
        raise _Unsupported
    notna = s.notna().to_numpy()
    ns = s.to_numpy(dtype="datetime64[ns]")
    day = ns.astype("datetime64[D]")
    if not (ns[notna] == day[notna]).all():
        raise _Unsupported
    return day, notna


def _datetimes(s: pd.Series) -> pa.Array:
    day, notna = _midnight_days(s)
    txt = np.where(notna, np.datetime_as_string(day, unit="D"), "")
    return pa.array(txt.astype(object), type=pa.string())


def _header(columns: pd.Index) -> bytes:
    names = [str(c) for c in columns]
    if any(not isinstance(c, str) for c in columns):
        raise _Unsupported
    out = []
    for c in names:
        if any(ch in c for ch in ',"\n\r'):
            c = '"' + c.replace('"', '""') + '"'
        out.append(c)
    return (",".join(out) + "\n").encode("utf-8")


def _check(s: pd.Series) -> None:
    """Raise ``_Unsupported`` where ``_column`` would for some rows of ``s``, or where a part of the
    column would be written differently from the whole (date-times: dates only when *every* value
    is at midnight). No text is made."""
    dt = s.dtype
    if isinstance(dt, np.dtype):
        if dt.kind == "M":
            _midnight_days(s)
        elif dt.kind == "O":
            _object_strings(s)
        elif dt.kind not in "fiub":
            raise _Unsupported
    elif not isinstance(dt, pd.StringDtype | pd.Int64Dtype | pd.Int32Dtype | pd.Int16Dtype | pd.Int8Dtype
                        | pd.BooleanDtype | pd.Float64Dtype):
        raise _Unsupported


def to_csv(frame: pd.DataFrame, path: str | Path, *, append: bool = False) -> None:
    """``frame.to_csv(path, index=False)``, fast for the column types a build publishes;
    ``append``: the rows only, after what ``path`` holds (``mode="a", header=False``).

    Rows are turned into text ``BLOCK_ROWS`` at a time, on ``threads()`` threads: the text of at
    most that many blocks exists at a time, whatever the size of the table.
    """
    def pandas() -> None:
        frame.to_csv(path, index=False, mode="a" if append else "w", header=not append)

    if frame.columns.has_duplicates or len(frame.columns) == 0 or len(frame) == 0:
        pandas()
        return
    try:
        header = _header(frame.columns)
        for j in range(frame.shape[1]):
            _check(frame.iloc[:, j])
    except _Unsupported:
        pandas()
        return
    step = _block_rows(len(frame))
    with open(path, "ab" if append else "wb") as fh:
        if not append:
            fh.write(header)
        # blocks of rows become text on threads (Arrow's kernels and numpy release the GIL) and are
        # written in order; a few blocks at a time exist as text
        for text in ordered_map(lambda a: _block_text(frame.iloc[a:a + step]), range(0, len(frame), step),
                                name="fanxing-csv", ahead=threads()):
            fh.write(text)


def _block_rows(n: int) -> int:
    """Rows per block: ``BLOCK_ROWS``, fewer when that would leave a thread without a block (not fewer
    than ``MIN_BLOCK_ROWS``)."""
    return max(1, min(BLOCK_ROWS, max(MIN_BLOCK_ROWS, -(-n // threads()))))


def _block_text(block: pd.DataFrame) -> bytes | memoryview:
    """The CSV text of a block of rows (no header)."""
    cols = [_column(block.iloc[:, j]) for j in range(block.shape[1])]
    if len(cols) == 1 and pc.any(pc.equal(cols[0], "")).as_py():
        # the csv module writes a lone empty field as "": pandas writes such a block
        return block.to_csv(index=False, header=False).encode("utf-8")
    large = pa.large_string()
    part = [c.cast(large) for c in cols]
    rows = pc.binary_join_element_wise(*part, pa.scalar(",", large))
    rows = pc.binary_join_element_wise(rows, pa.scalar("", large), pa.scalar("\n", large))
    rows = rows.combine_chunks() if isinstance(rows, pa.ChunkedArray) else rows
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)[rows.offset:rows.offset + len(rows) + 1]
    data = rows.buffers()[2]
    return b"" if data is None else memoryview(data)[int(offsets[0]):int(offsets[-1])]
