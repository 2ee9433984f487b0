"""Metrics files: header mapping, title/platform resolution, checks, cumulative series, settling."""

from __future__ import annotations

import difflib
import unicodedata

import ibis
import ibis.expr.types as ir

from fanxing.errors import SeasonError
from fanxing.season import values as V
from fanxing.season.checks import parse_table, quarantine_rows, reject_rows
from fanxing.season.headers import METRIC_COLUMNS, METRIC_HEADERS, PLATFORM_IDS, PLATFORM_NAMES, canonical_names
from fanxing.season.mappings import FileMapping
from fanxing.season.settle import Settled, settle
from fanxing.season.titles import TitleResolver
from fanxing.warehouse.schema import FACT_KEY

CONTRACT = tuple(c.name for c in METRIC_COLUMNS)
VALUE_COLUMNS = tuple(c.name for c in METRIC_COLUMNS if c.name not in ("date", "platform", "drama_id", "title"))
_MAP_SCHEMA = {"_raw": "string", "_id": "string", "_problem": "string", "_hint": "string"}


def rename(staged_expr: ir.Table, columns: list[str], mapping: FileMapping, rel: str) -> ir.Table:
    """The staged table with contract column names (built-in Chinese headers, mapping renames)."""
    names = canonical_names(columns, METRIC_HEADERS, CONTRACT, mapping.columns)
    present = set(names.values())
    if mapping.platform:
        present.add("platform")
    missing = [c for c in ("date", "platform", "plays") if c not in present]
    if "drama_id" not in present and "title" not in present:
        missing.append("drama_id or title")
    if missing:
        raise SeasonError(
            f"{rel}: no column for {', '.join(missing)} (columns found: {', '.join(columns)}); "
            "rename the headers or add a mapping file in mappings/",
            code="missing_column",
            details={"file": rel, "missing": missing},
        )
    sel = {"_line": staged_expr["_line"]}
    sel.update({target: staged_expr[src] for src, target in names.items()})
    if mapping.platform:
        sel["platform"] = ibis.literal(mapping.platform)
    return staged_expr.select(**sel)


def _distinct(t: ir.Table, col: str, where=None) -> list[str]:
    if col not in t.columns:
        return []
    c = V.clean(t[col])
    q = t.select(v=c)
    if where is not None:
        q = t.filter(where).select(v=c)
    df = q.filter(lambda x: x.v.notnull()).distinct().execute()
    return sorted(df["v"].tolist())


def _memtable(rows: list[tuple]) -> ir.Table:
    cols = list(_MAP_SCHEMA)
    data = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    return ibis.memtable(data, schema=_MAP_SCHEMA)


def drama_map(t: ir.Table, resolver: TitleResolver) -> tuple[ir.Table, ir.Table]:
    """Memtables: drama_id text → id/problem; title text → id/problem."""
    ids = []
    for raw in _distinct(t, "drama_id"):
        if raw in resolver.ids:
            ids.append((raw, raw, None, None))
        else:
            ids.append((raw, None, "unknown_drama",
                        f"drama_id {raw!r} is not in the catalogue (dramas.csv){resolver.closest_ids(raw)}"))
    titles = []
    where = V.clean(t.drama_id).isnull() if "drama_id" in t.columns else None
    for raw in _distinct(t, "title", where):
        did, reason, detail = resolver.resolve(raw)
        titles.append((raw, did, reason, detail))
    return _memtable(ids), _memtable(titles)


def platform_map(t: ir.Table, known: dict[str, str], registry: bool) -> ir.Table:
    """Memtable: platform text → platform id or unknown_platform (only when a registry exists)."""
    rows = []
    ids = set(known.values())
    for raw in _distinct(t, "platform"):
        key = unicodedata.normalize("NFKC", raw).strip().casefold()
        pid = key if key in ids else known.get(key) or PLATFORM_NAMES.get(key)
        if pid is None and not registry:
            pid = key
        if pid is None:
            close = difflib.get_close_matches(key, sorted(ids), n=3, cutoff=0.0)
            rows.append((raw, None, "unknown_platform",
                         f"platform {raw!r} is not in platforms.csv; closest: {', '.join(close)}"))
        else:
            rows.append((raw, pid, None, None))
    return _memtable(rows)


def cumulative_deriver(wh, columns: list[str], file: str, load_id: int):
    """Running totals → daily values: the difference from the previous date of the same
    (platform, drama_id); the first date of a series subtracts what the warehouse already holds
    for that series before it (0 for a new series)."""
    if not columns:
        return None

    def derive(good: ir.Table) -> tuple[ir.Table, ir.Table | None]:
        facts = wh.con.table("facts")
        series = ["platform", "drama_id"]
        firsts = good.group_by(series).aggregate(_first=good.date.min())
        f = facts.join(firsts, series).filter(lambda x: x.date < x._first)
        base = f.group_by(series).aggregate(**{f"_base_{c}": f[c].sum() for c in columns})
        g = good.left_join(base, series).drop("platform_right", "drama_id_right")
        w = ibis.window(group_by=series, order_by="date")
        rn = ibis.row_number().over(w)
        mut = {}
        for c in columns:
            prev = ibis.cases((rn == 0, ibis.coalesce(g[f"_base_{c}"], 0)), else_=g[c].lag().over(w))
            mut[f"_prev_{c}"] = prev
            mut[f"_tot_{c}"] = g[c]
        g = g.mutate(**mut)
        g = g.mutate(**{c: (g[c] - g[f"_prev_{c}"]).cast(g[c].type()) for c in columns})
        neg = [(g[c] < 0, ibis.literal(c)) for c in columns]
        g = g.mutate(_neg=ibis.cases(*neg, else_=ibis.null("string")))
        bad = g.filter(g._neg.notnull())
        tot = ibis.cases(*[(bad._neg == c, bad[f"_tot_{c}"].cast("string")) for c in columns])
        prv = ibis.cases(*[(bad._neg == c, bad[f"_prev_{c}"].cast("string")) for c in columns])
        q = bad.select(
            load_id=ibis.literal(load_id, "int64"), file=ibis.literal(file), line=bad._line.cast("int64"),
            column=bad._neg, value=tot, reason=ibis.literal("negative_value"),
            detail=ibis.literal("running total of ").concat(
                bad._neg, " fell from ", prv, " to ", tot, " (cumulative file: daily values are differences)"),
        )
        keep = ["_line", *FACT_KEY, *VALUE_COLUMNS]
        return g.select(*keep), q

    return derive


def load_metrics(wh, staged, rel: str, mapping: FileMapping, *, load_id: int,
                 resolver: TitleResolver, platforms: dict[str, str], registry: bool) -> tuple[int, Settled]:
    """Check and settle one staged metrics file; returns (rows read, settled counts)."""
    con, backend = wh.con, wh.backend
    raw = rename(staged.expr, staged.columns, mapping, rel)
    ids, titles = drama_map(raw, resolver)
    plats = platform_map(raw, platforms, registry)

    t = raw.mutate(
        _did_c=V.clean(raw.drama_id) if "drama_id" in raw.columns else ibis.null("string"),
        _title_c=V.clean(raw.title) if "title" in raw.columns else ibis.null("string"),
        _plat_c=V.clean(raw.platform),
    )
    idm = ids.rename(_id_d="_id", _p_d="_problem", _h_d="_hint")
    tim = titles.rename(_id_t="_id", _p_t="_problem", _h_t="_hint")
    plm = plats.rename(_id_p="_id", _p_p="_problem", _h_p="_hint")
    t = t.left_join(idm, t._did_c == idm._raw).drop("_raw")
    t = t.left_join(tim, (t._title_c == tim._raw) & t._did_c.isnull()).drop("_raw")
    t = t.left_join(plm, t._plat_c == plm._raw).drop("_raw")
    t = t.mutate(
        _drama=ibis.coalesce(t._id_d, t._id_t),
        _hint=ibis.coalesce(t._h_d, t._h_t, t._h_p),
        _both_missing=t._did_c.isnull() & t._title_c.isnull(),
    )
    extra = {
        "platform": [t._p_p],
        "drama_id": [ibis.cases((t._both_missing, "missing_value"), else_=t._p_d)],
        "title": [t._p_t],
    }
    parsed = parse_table(t, METRIC_COLUMNS, extra=extra, keep=("_drama", "_hint", "_id_p"))
    parsed = parsed.mutate(drama_id=parsed._drama, platform=parsed._id_p)
    parsed = backend.materialize(con, parsed, "parsed")
    try:
        q1 = reject_rows(staged.rejects, file=rel, load_id=load_id)
        n_bad = 0
        if q1 is not None:
            con.insert("quarantine", q1)
            n_bad += len(staged.rejects)
        bad = parsed.filter(parsed._problem.notnull())
        nb = int(bad.count().execute())
        if nb:
            con.insert("quarantine", quarantine_rows(bad, raw, METRIC_COLUMNS, file=rel, load_id=load_id,
                                                     hint="_hint"))
            n_bad += nb
        good = parsed.filter(parsed._problem.isnull()).select("_line", *FACT_KEY, *VALUE_COLUMNS)
        settled = settle(
            wh, good, key=FACT_KEY, values=VALUE_COLUMNS, target="facts", file=rel, load_id=load_id,
            derive=cumulative_deriver(wh, mapping.cumulative, rel, load_id),
        )
        settled.quarantined += n_bad
        return staged.n_rows + len(staged.rejects), settled
    finally:
        backend.drop(con, parsed)
