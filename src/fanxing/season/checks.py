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
    """Typed columns plus ``_problem`` ('reason<SEP>column' or NULL) and ``_value`` (its raw text).

    ``extra`` adds problems (reason-code expressions) checked right after a column's own checks,
    e.g. an unknown title after the title's parse checks. ``keep`` passes columns through, and
    ``_line`` is passed through when present. Each layer is a view, so the engine computes every
    value once; numbers and dates try a plain cast first and only trim, clean and pattern-match
    where it fails.
    """
    extra = extra or {}
    names = [c.name for c in columns]
    passthrough = ["_line", *keep, *[x for ps in extra.values() for p in ps for x in _columns_of(p)]]
    passthrough = list(dict.fromkeys(c for c in passthrough if c in t.columns and c not in names))
    raws = [f"_r_{n}" for n in names]

    native = {c.name for c in columns if _native(t, c)}

    def src(c: Column) -> ir.Value:
        """The cell as read: text, or a typed number or date of a binary file (``native``)."""
        if c.name not in t.columns:
            return ibis.null("string")
        v = t[c.name]
        return v if c.name in native or v.type().is_string() else v.cast("string")

    def text(r: ir.Value) -> ir.StringValue:
        return r if r.type().is_string() else r.cast("string")

    fast_cols = [c for c in columns if c.kind in V.FAST_KINDS]
    t1 = t.select(*passthrough, **{f"_r_{c.name}": src(c) for c in columns},
                  **{f"_f_{c.name}": (V.native if c.name in native else V.fast)(src(c), c)
                     for c in fast_cols}).view()
    layer2 = {}
    for c in columns:
        n, r = c.name, t1[f"_r_{c.name}"]
        if c.kind in V.FAST_KINDS:
            f = t1[f"_f_{n}"]
            layer2[f"_f_{n}"] = f
            # a typed cell the plain cast refused (NaN for a count, out of range) goes on as its text
            layer2[f"_s_{n}"] = ibis.cases((f.notnull(), ibis.null("string")), else_=V.clean(text(r)))
        elif c.kind != "id":
            layer2[f"_s_{n}"] = V.clean(r)
    t2 = t1.select(*passthrough, *raws, **layer2).view()
    # numbers: the slow path's intermediate values one layer each (``V.parse_steps``), so that
    # each is written once in the query; ``_x_<name>`` ends as ``V.parse(_s_<name>)``. Each step
    # only runs where there is a slow text (``_s_`` is NULL where the plain cast worked, and every
    # step of a NULL is NULL), as it did inside the CASE below
    steps = {c.name: V.parse_steps(c) for c in fast_cols}
    for i in range(max((len(s) for s in steps.values()), default=0)):
        xs = {}
        for n, s in steps.items():
            if i < len(s):
                slow = t2[f"_s_{n}"]
                xs[f"_x_{n}"] = ibis.cases((slow.notnull(), s[i](slow, t2[f"_x_{n}"] if i else None)))
            elif s:
                xs[f"_x_{n}"] = t2[f"_x_{n}"]
        t2 = t2.select(*passthrough, *raws, *layer2, **xs).view()
    layer3 = {}
    for c in columns:
        n = c.name
        if c.kind == "id":
            layer3[n] = t2[f"_r_{n}"]
            layer3[f"_b_{n}"] = t2[f"_r_{n}"].isnull()
        elif c.kind in V.FAST_KINDS:
            f, slow = t2[f"_f_{n}"], t2[f"_s_{n}"]
            parsed = t2[f"_x_{n}"] if steps[n] else V.parse(slow, c)
            layer3[n] = ibis.cases((f.notnull(), f), else_=parsed.cast(c.dtype))
            layer3[f"_b_{n}"] = f.isnull() & slow.isnull()
        else:
            layer3[n] = V.parse(t2[f"_s_{n}"], c).cast(c.dtype)
            layer3[f"_b_{n}"] = t2[f"_s_{n}"].isnull()
    t3 = t2.select(*passthrough, *raws, **layer3).view()
    probs = {}
    for c in columns:
        probs[f"_p_{c.name}"] = V.problem(t3[f"_b_{c.name}"], t3[c.name], c)
        for i, p in enumerate(extra.get(c.name, [])):
            probs[f"_p_{c.name}_{i}"] = _rebind(p, t3)
    probs = {k: v for k, v in probs.items() if not _is_null_literal(v)}
    t4 = t3.select(*passthrough, *raws, *names, **probs).view()
    if probs:
        problem = ibis.cases(*[(t4[k].notnull(), t4[k].concat(SEP + _col_of(k, names))) for k in probs],
                             else_=ibis.null("string"))
        value = ibis.cases(*[(t4[k].notnull(), text(t4[f"_r_{_col_of(k, names)}"])) for k in probs],
                           else_=ibis.null("string"))
    else:
        problem = value = ibis.null("string")
    lead = ["_line"] if "_line" in t.columns else []
    return t4.select(*lead, *names, _problem=problem, _value=value, **{k: t4[k] for k in keep})


def _native(t: ir.Table, c: Column) -> bool:
    """Whether column ``c`` of ``t`` holds typed values its kind takes as they are: numbers for the
    number kinds, dates and time-zone-free timestamps for dates (parquet files, see
    ``stage_parquet``). Their text, where a problem needs it, is the engine's cast to text, as
    when the whole file was read as text."""
    if c.name not in t.columns:
        return False
    ty = t[c.name].type()
    if c.kind in V.NUMBER_KINDS:
        return ty.is_numeric() and not ty.is_boolean()
    if c.kind == "date":
        return ty.is_date() or (ty.is_timestamp() and ty.timezone is None)
    return False


def _columns_of(expr) -> list[str]:
    """Names of the table columns an expression reads."""
    import ibis.expr.operations as ops

    return [f.name for f in expr.op().find(ops.Field, filter=ops.Value)]


def _rebind(expr, table):
    """The same expression over ``table`` (whose columns carry the same names)."""
    import ibis.expr.operations as ops

    fields = {f: ops.Field(table.op(), f.name) for f in expr.op().find(ops.Field, filter=ops.Value)}
    return expr.op().replace(fields, filter=ops.Value).to_expr()


def _col_of(key: str, names: list[str]) -> str:
    base = key[3:]
    for n in sorted(names, key=len, reverse=True):
        if base == n or base.startswith(n + "_") and base[len(n) + 1:].isdigit():
            return n
    return base


def _is_null_literal(expr) -> bool:
    op = expr.op()
    return type(op).__name__ == "Literal" and op.value is None


def quarantine_rows(
    bad: ir.Table,
    columns: tuple[Column, ...],
    *,
    file: str,
    load_id: int,
    hint: str | None = None,
) -> ir.Table:
    """Quarantine rows for checked rows with a ``_problem``: file, line, column, value, reason, detail.

    ``hint`` names a column of ``bad`` holding a ready-made detail (title/platform resolution).
    """
    j = bad.select(_line=bad._line, _reason=bad._problem.split(SEP)[0], _column=bad._problem.split(SEP)[1],
                   _val=bad._value, **({"_hint": bad[hint]} if hint else {}))
    shown = ibis.coalesce(j._val, ibis.literal(""))
    expect = ibis.cases(*[(j._column == c.name, ibis.literal(V.expectation(c))) for c in columns],
                        else_=ibis.literal("a value"))
    quoted = ibis.literal(" '").concat(shown, "'")
    generic = ibis.cases(
        (j._reason == "missing_value", j._column.concat(" is empty; it is required")),
        (j._reason.isin(("negative_count", "negative_value")),
         j._column.concat(quoted, " is negative; expected ", expect)),
        (j._reason.endswith("out_of_range"), j._column.concat(quoted, " is out of range; expected ", expect)),
        else_=j._column.concat(quoted, " is not ", expect),
    )
    detail = ibis.coalesce(j["_hint"], generic) if hint else generic
    return j.select(
        load_id=ibis.literal(load_id, "int64"),
        file=ibis.literal(file),
        line=j._line.cast("int64"),
        column=j._column,
        value=j._val,
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
