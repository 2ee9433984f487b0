"""Vectorised row checks: typed values plus one problem (reason code and column) per row, in Ibis."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fanxing.season import values as V
from fanxing.season.values import Column

SEP = "\x1f"


def parse_table(
    t: ir.Table,
    columns: tuple[Column, ...],
    *,
    extra: dict[str, list[ir.StringValue]] | None = None,
    keep: tuple[str, ...] = (),
) -> ir.Table:
    """``_line``, one typed column per contract column, ``_problem`` = 'reason<SEP>column' or NULL.

    ``extra`` adds problems (reason-code expressions) checked right after a column's own checks,
    e.g. an unknown title after the title's parse checks. ``keep`` passes columns through.
    """
    extra = extra or {}
    out: dict[str, ir.Value] = {"_line": t["_line"]}
    seq: list[tuple[ir.StringValue, str]] = []
    for col in columns:
        cleaned = V.clean(t[col.name]) if col.name in t.columns else ibis.null("string")
        value = V.parse(cleaned, col)
        out[col.name] = value.cast(col.dtype)
        seq.append((V.problem(cleaned, value, col), col.name))
        seq.extend((p, col.name) for p in extra.get(col.name, []))
    seq = [(p, c) for p, c in seq if not _is_null_literal(p)]
    if seq:
        out["_problem"] = ibis.cases(*[(p.notnull(), p.concat(SEP + c)) for p, c in seq],
                                     else_=ibis.null("string"))
    else:
        out["_problem"] = ibis.null("string")
    for k in keep:
        out[k] = t[k]
    return t.select(**out)


def _is_null_literal(expr) -> bool:
    op = expr.op()
    return type(op).__name__ == "Literal" and op.value is None


def quarantine_rows(
    bad: ir.Table,
    raw: ir.Table,
    columns: tuple[Column, ...],
    *,
    file: str,
    load_id: int,
    hint: str | None = None,
) -> ir.Table:
    """Quarantine rows for parsed rows with a ``_problem``: file, line, column, value, reason, detail.

    ``raw`` is the staged text table (``_line`` + contract columns) the values are quoted from.
    ``hint`` names a column of ``bad`` holding a ready-made detail (title/platform resolution).
    """
    reason = bad._problem.split(SEP)[0]
    column = bad._problem.split(SEP)[1]
    b = bad.select(_line=bad._line, _reason=reason, _column=column,
                   **({"_hint": bad[hint]} if hint else {}))
    names = [c.name for c in columns if c.name in raw.columns]
    r = raw.select("_line", *names).rename({f"_raw_{n}": n for n in names})
    j = b.left_join(r, b._line == r._line)
    value = ibis.cases(*[(j._column == n, j[f"_raw_{n}"]) for n in names], else_=ibis.null("string")) \
        if names else ibis.null("string")
    shown = ibis.coalesce(value, ibis.literal(""))
    expect = ibis.cases(*[(j._column == c.name, ibis.literal(V.expectation(c))) for c in columns],
                        else_=ibis.literal("a value"))
    quoted = ibis.literal(" '").concat(shown, "'")
    generic = ibis.cases(
        (j._reason == "missing_value", j._column.concat(" is empty; it is required")),
        (j._reason == "negative_value", j._column.concat(quoted, " is negative; expected ", expect)),
        (j._reason == "out_of_range", j._column.concat(quoted, " is out of range; expected ", expect)),
        else_=j._column.concat(quoted, " is not ", expect),
    )
    detail = ibis.coalesce(j["_hint"], generic) if hint else generic
    return j.select(
        load_id=ibis.literal(load_id, "int64"),
        file=ibis.literal(file),
        line=j._line.cast("int64"),
        column=j._column,
        value=value,
        reason=j._reason,
        detail=detail,
    )


def reject_rows(rejects: list[tuple[int, str, str]], *, file: str, load_id: int) -> ir.Table | None:
    """Quarantine rows for lines the reader could not split into the header's columns."""
    if not rejects:
        return None
    return ibis.memtable(
        {
            "load_id": [load_id] * len(rejects),
            "file": [file] * len(rejects),
            "line": [r[0] for r in rejects],
            "column": [None] * len(rejects),
            "value": [r[1][:500] for r in rejects],
            "reason": ["malformed_row"] * len(rejects),
            "detail": [f"line {r[0]} cannot be read as a row: {r[2]}" for r in rejects],
        },
        schema={"load_id": "int64", "file": "string", "line": "int64", "column": "string",
                "value": "string", "reason": "string", "detail": "string"},
    )
