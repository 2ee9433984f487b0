"""The two steps of loading one file: ``Prepared`` (read + checked, outside any transaction) and
``commit`` (quarantine + settle, inside the file's transaction)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import ibis.expr.types as ir

from fanxing.season.checks import quarantine_rows, reject_rows
from fanxing.season.readers import Read
from fanxing.season.settle import Settled, settle
from fanxing.season.values import Column


@dataclass
class Prepared:
    read: Read
    checked: ir.Table  # _line, typed columns, _problem, _value (and the hint column)
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    values: tuple[str, ...]
    target: str
    hint: str | None = None
    reason: str = "conflicting_duplicate"
    shape_good: Callable[[ir.Table], ir.Table] | None = None
    settle_kwargs: dict = field(default_factory=dict)


def commit(wh, p: Prepared, rel: str, load_id: int) -> tuple[int, Settled]:
    """Quarantine the bad rows, settle the good ones; returns (rows read, counts)."""
    con, backend = wh.con, wh.backend
    n_bad = 0
    q1 = reject_rows(p.read.rejects, file=rel, load_id=load_id)
    if q1 is not None:
        con.insert("quarantine", q1)
        n_bad += len(p.read.rejects)
    # expressions name the file through a parameter (bound here), so that files of the same shape
    # share their compiled SQL
    file = backend.FILE_PARAM
    with backend.file_param(con, rel):
        bad = p.checked.filter(p.checked._problem.notnull())
        nb = int(backend.scalar(con, bad.count()))
        if nb:
            backend.insert(con, "quarantine",
                           quarantine_rows(bad, p.columns, file=file, load_id=load_id, hint=p.hint))
            n_bad += nb
        good = p.checked.filter(p.checked._problem.isnull())
        good = p.shape_good(good) if p.shape_good else good.select("_line", *p.key, *p.values)
        settled = settle(wh, good, key=p.key, values=p.values, target=p.target, file=file, load_id=load_id,
                         reason=p.reason, **p.settle_kwargs)
    settled.quarantined += n_bad
    return p.read.n_read, settled
