"""Settling checked rows: merge exact duplicates, quarantine conflicting ones, insert the rest.

The first occurrence of a key wins — by file order, then line — and a row already in the
warehouse always wins, so nothing published is lost. Everything is set-based (Ibis).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

QSCHEMA = {"load_id": "int64", "file": "string", "line": "int64", "column": "string",
           "value": "string", "reason": "string", "detail": "string"}


@dataclass
class Settled:
    loaded: int = 0
    merged: int = 0
    quarantined: int = 0


def _differs(a: ir.Table, b: ir.Table, values: tuple[str, ...]) -> ir.BooleanValue:
    if not values:
        return ibis.literal(False)
    conds = [~a[v].identical_to(b[v]) for v in values]
    out = conds[0]
    for c in conds[1:]:
        out = out | c
    return out


def _first_difference(a: ir.Table, b: ir.Table, values: tuple[str, ...]) -> ir.StringValue:
    return ibis.cases(*[(~a[v].identical_to(b[v]), ibis.literal(v)) for v in values],
                      else_=ibis.null("string"))


def _show(v: ir.Value) -> ir.StringValue:
    return ibis.coalesce(v.cast("string"), ibis.literal("empty"))


def settle(
    wh,
    good: ir.Table,
    *,
    key: tuple[str, ...],
    values: tuple[str, ...],
    target: str,
    file: str,
    load_id: int,
    reason: str = "conflicting_duplicate",
    derive: Callable[[ir.Table, int], tuple[ir.Table, ir.Table | None]] | None = None,
    to_target: Callable[[ir.Table], ir.Table] | None = None,
    existing: ir.Table | None = None,
) -> Settled:
    """Insert ``good`` (``_line`` + key + values, already materialised) into ``target``.

    ``derive`` runs after in-file de-duplication (cumulative → daily); it returns the rows to go on
    with and optional quarantine rows. ``to_target`` shapes rows for the target table (default:
    the target's columns, with source_file/source_line when it has them). ``existing`` overrides
    what the rows are compared with (default: the target table).
    """
    con, backend = wh.con, wh.backend
    out = Settled()
    temps: list[ir.Table] = []
    label = "(" + ", ".join(key) + ")"

    def q_insert(expr: ir.Table | None) -> int:
        if expr is None:
            return 0
        m = backend.materialize(con, expr.cast(QSCHEMA), "q")
        temps.append(m)
        n = int(backend.scalar(con, m.count()))
        if n:
            backend.insert(con, "quarantine", m)
        return n

    try:
        # 1. the same key more than once in this file: a cheap pre-check on a 64-bit hash of the
        #    key, then the exact key only among the (usually no) candidates
        if "_h" in good.columns:  # computed while reading
            hashed, good = good, good.drop("_h")
        else:
            hashed = good.mutate(_h=ibis.struct({k: good[k] for k in key}).hash())
        cand = hashed.group_by("_h").aggregate(_n=ibis._.count()).filter(ibis._._n > 1)
        # whether any hash repeats: rows equal to their predecessor in hash order (a sort of one
        # 64-bit column is cheaper than a hash aggregate over millions of distinct keys)
        hs = hashed.select("_h")
        same = hs.mutate(_prev=hs._h.lag().over(ibis.window(order_by="_h"))).filter(lambda t: t._h == t._prev)
        if int(backend.scalar(con, same.count())):
            pre = hashed.semi_join(cand, "_h").drop("_h")
            dupkeys = pre.group_by(list(key)).aggregate(_n=pre.count()).filter(lambda t: t._n > 1)
            d = good.semi_join(dupkeys.select(*key), list(key))
            d = d.mutate(_rn=ibis.row_number().over(group_by=list(key), order_by="_line"))
            d = backend.materialize(con, d, "dups")
            temps.append(d)
            first = d.filter(d._rn == 0)
            later = d.filter(d._rn > 0)
            j = later.join(first, list(key), rname="{name}_first")
            firsts = j.select(**{v: j[f"{v}_first"] for v in values}, **{k: j[k] for k in key})
            diff = _differs(j, firsts, values)
            pairs = j.select(
                _line=j._line, _first_line=j._line_first, _diff=diff,
                _col=_first_difference(j, firsts, values),
                **{f"_v_{v}": _show(j[v]) for v in values}, **{f"_f_{v}": _show(j[f"{v}_first"]) for v in values},
            )
            pairs = backend.materialize(con, pairs, "pairs")
            temps.append(pairs)
            out.merged += int(backend.scalar(con, pairs.filter(~pairs._diff).count()))
            conf = pairs.filter(pairs._diff)
            shown_new = ibis.cases(*[(conf._col == v, conf[f"_v_{v}"]) for v in values], else_=ibis.literal(""))
            shown_old = ibis.cases(*[(conf._col == v, conf[f"_f_{v}"]) for v in values], else_=ibis.literal(""))
            out.quarantined += q_insert(conf.select(
                load_id=ibis.literal(load_id, "int64"), file=ibis.literal(file), line=conf._line,
                column=conf._col, value=shown_new, reason=ibis.literal(reason),
                detail=ibis.literal(f"same {label} as line ").concat(
                    conf._first_line.cast("string"), ibis.literal(f" of {file}, which is kept; "),
                    conf._col, " differs (", shown_new, " here, ", shown_old, " kept)"),
            ))
            good = good.anti_join(later.select("_line"), "_line")

        # 2. derived values (e.g. differences of running totals)
        if derive is not None:
            good, qexpr = derive(good, load_id)
            good = backend.materialize(con, good, "derived")
            temps.append(good)
            out.quarantined += q_insert(qexpr)
            if qexpr is not None:
                good = good.anti_join(qexpr.select(_line="line"), "_line")

        # 3. keys already in the warehouse: an already-loaded row always wins
        tgt = existing if existing is not None else backend.table(con, target)
        # (usually no key is there yet: a count of the matches saves building the comparison)
        if int(backend.scalar(con, tgt.count())) and int(backend.scalar(con, tgt.semi_join(good, list(key)).count())):
            has_src = "source_file" in tgt.columns
            t2 = tgt.select(*key, *[tgt[v].name(f"{v}_old") for v in values],
                            *([tgt.source_file, tgt.source_line] if has_src else []))
            j = good.join(t2, list(key))
            olds = j.select(**{v: j[f"{v}_old"] for v in values})
            where = (ibis.literal(" (from ").concat(j.source_file, " line ", j.source_line.cast("string"), ")")
                     if has_src else ibis.literal(""))
            pairs = j.select(
                _line=j._line, _diff=_differs(j, olds, values), _col=_first_difference(j, olds, values),
                _where=where,
                **{f"_v_{v}": _show(j[v]) for v in values}, **{f"_f_{v}": _show(j[f"{v}_old"]) for v in values},
            )
            pairs = backend.materialize(con, pairs, "wpairs")
            temps.append(pairs)
            out.merged += int(backend.scalar(con, pairs.filter(~pairs._diff).count()))
            conf = pairs.filter(pairs._diff)
            shown_new = ibis.cases(*[(conf._col == v, conf[f"_v_{v}"]) for v in values], else_=ibis.literal(""))
            shown_old = ibis.cases(*[(conf._col == v, conf[f"_f_{v}"]) for v in values], else_=ibis.literal(""))
            out.quarantined += q_insert(conf.select(
                load_id=ibis.literal(load_id, "int64"), file=ibis.literal(file), line=conf._line,
                column=conf._col, value=shown_new, reason=ibis.literal(reason),
                detail=ibis.literal(f"same {label} as a row already in the warehouse").concat(
                    conf._where, ibis.literal(", which is kept; "), conf._col, " differs (",
                    shown_new, " here, ", shown_old, " kept)"),
            ))
            good = good.anti_join(pairs.select("_line"), "_line")

        # 4. the rest goes in (the target's schema: ``tgt`` unless ``existing`` stands in for it)
        schema = (tgt if existing is None else backend.table(con, target)).schema()
        if to_target is not None:
            rows = to_target(good)
        else:
            cols = {}
            for name, typ in schema.items():
                if name == "source_file":
                    cols[name] = ibis.literal(file)
                elif name == "source_line":
                    cols[name] = good._line.cast("int64")
                elif name in good.columns:
                    cols[name] = good[name].cast(typ)
                else:
                    cols[name] = ibis.null(typ)
            rows = good.select(**cols)
        if to_target is None and getattr(backend, "INSERT_RETURNS_COUNT", False):
            # one target row per good row, and the engine's INSERT says how many it wrote: no
            # count query first (an empty insert costs no more than that count would)
            with backend.unordered(con):
                out.loaded = backend.insert(con, target, rows)
        else:
            out.loaded = int(backend.scalar(con, good.count()))
            if out.loaded:
                with backend.unordered(con):
                    backend.insert(con, target, rows)
        return out
    finally:
        for t in temps:
            backend.drop(con, t)
