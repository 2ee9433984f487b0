"""Metrics files: header mapping, title/platform resolution, checks, cumulative series, settling."""

from __future__ import annotations

import difflib
import unicodedata

import ibis
import ibis.expr.types as ir

from fanxing.errors import SeasonError
from fanxing.season import readers
from fanxing.season import values as V
from fanxing.season.checks import SEP, parse_table
from fanxing.season.headers import (
    METRIC_COLUMNS,
    METRIC_HEADERS,
    PLATFORM_NAMES,
    canonical_names,
)
from fanxing.season.loader import Prepared
from fanxing.season.mappings import FileMapping
from fanxing.season.titles import TitleResolver
from fanxing.season.values import Column
from fanxing.warehouse.schema import FACT_KEY

CONTRACT = tuple(c.name for c in METRIC_COLUMNS)
VALUE_COLUMNS = tuple(c.name for c in METRIC_COLUMNS if c.name not in ("date", "platform", "drama_id", "title"))
_MAP_SCHEMA = {"_raw": "string", "_id": "string", "_problem": "string", "_hint": "string", "_blank": "boolean"}
#: platform, drama_id and title arrive resolved (kind "id"); their checks come from the maps
PARSE_COLUMNS = tuple(Column(c.name, "id") if c.kind == "text" else c for c in METRIC_COLUMNS)


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
    sel = {"_line": staged_expr["_line"]} if "_line" in staged_expr.columns else {}
    sel.update({target: staged_expr[src] for src, target in names.items()})
    if mapping.platform:
        sel["platform"] = ibis.literal(mapping.platform)
    return staged_expr.select(**sel)


def _distinct(t: ir.Table, col: str, where=None) -> list[str]:
    """Distinct raw (untrimmed) non-NULL texts of a column: few, so they are resolved in Python."""
    if col not in t.columns:
        return []
    q = t if where is None else t.filter(where)
    df = q.select(v=q[col]).filter(lambda x: x.v.notnull()).distinct().execute()
    return sorted(df["v"].tolist())


def _blank(raw: str) -> bool:
    return raw.strip() in V.BLANKS


def _memtable(rows: list[tuple]) -> ir.Table:
    cols = list(_MAP_SCHEMA)
    data = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    return ibis.memtable(data, schema=_MAP_SCHEMA)


def drama_map(t: ir.Table, resolver: TitleResolver) -> tuple[ir.Table, ir.Table]:
    """Memtables: drama_id text → id/problem; title text → id/problem."""
    ids = []
    for raw in _distinct(t, "drama_id"):
        key = raw.strip()
        if _blank(raw):
            ids.append((raw, None, None, None, True))
        elif key in resolver.ids:
            ids.append((raw, key, None, None, False))
        else:
            ids.append((raw, None, "unknown_drama",
                        f"drama_id {key!r} is not in the catalogue (dramas.csv){resolver.closest_ids(key)}", False))
    titles = []
    for raw in _distinct(t, "title"):
        if _blank(raw):
            titles.append((raw, None, None, None, True))
            continue
        did, reason, detail = resolver.resolve(raw.strip())
        titles.append((raw, did, reason, detail, False))
    return _memtable(ids), _memtable(titles)


def platform_map(t: ir.Table, known: dict[str, str], registry: bool) -> ir.Table:
    """Memtable: platform text → platform id or unknown_platform (only when a registry exists)."""
    rows = []
    ids = set(known.values())
    for raw in _distinct(t, "platform"):
        if _blank(raw):
            rows.append((raw, None, "missing_value", None, True))
            continue
        key = unicodedata.normalize("NFKC", raw).strip().casefold()
        pid = key if key in ids else known.get(key) or PLATFORM_NAMES.get(key)
        if pid is None and not registry:
            pid = key
        if pid is None:
            close = difflib.get_close_matches(key, sorted(ids), n=3, cutoff=0.0)
            rows.append((raw, None, "unknown_platform",
                         f"platform {raw.strip()!r} is not in platforms.csv; closest: {', '.join(close)}", False))
        else:
            rows.append((raw, pid, None, None, False))
    return _memtable(rows)


def cumulative_deriver(wh, columns: list[str], file: str):
    """Running totals → daily values: the difference from the previous date of the same
    (platform, drama_id); the first date of a series subtracts what the warehouse already holds
    for that series before it (0 for a new series)."""
    if not columns:
        return None

    def derive(good: ir.Table, load_id: int) -> tuple[ir.Table, ir.Table | None]:
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


def _is_identity(m: ir.Table) -> bool:
    df = m.execute()
    return bool(len(df) == 0 or ((df["_id"] == df["_raw"]) & df["_problem"].isna()).all())


def prepare_metrics(wh, src, tmpdir, mapping: FileMapping, *, resolver: TitleResolver,
                    platforms: dict[str, str], registry: bool) -> Prepared:
    """Read and check one metrics file (one pass over the file), then resolve platforms and titles."""
    rel = src.rel

    def transform(e: ir.Table) -> ir.Table:
        return parse_table(rename(e, [c for c in e.columns if c != "_line"], mapping, rel), PARSE_COLUMNS)


    read = readers.read(wh, src, tmpdir, transform, mapping.encoding)
    p = read.table
    has_title = "title" in canonical_names(read.columns, METRIC_HEADERS, CONTRACT, mapping.columns).values()
    ids, titles = drama_map(p, resolver)
    plats = platform_map(p, platforms, registry)
    nulls = p.filter(p.platform.isnull() | p.drama_id.isnull()).count().execute()
    if not int(nulls) and _is_identity(ids) and _is_identity(plats):
        # the common case: ids are ids, nothing to resolve, no join needed
        checked = p.mutate(_hint=ibis.null("string"))
    else:
        checked = resolve(p, ids, titles, plats, has_title)
    return Prepared(read, checked, METRIC_COLUMNS, FACT_KEY, VALUE_COLUMNS, "facts", hint="_hint",
                    settle_kwargs={"derive": cumulative_deriver(wh, mapping.cumulative, rel)})


def resolve(p: ir.Table, ids: ir.Table, titles: ir.Table, plats: ir.Table, has_title: bool) -> ir.Table:
    """Join the resolution maps; the row's problem is the first of date, platform, drama, the rest."""
    idm = ids.rename(_id_d="_id", _p_d="_problem", _h_d="_hint", _bl_d="_blank")
    tim = titles.rename(_id_t="_id", _p_t="_problem", _h_t="_hint", _bl_t="_blank")
    plm = plats.rename(_id_p="_id", _p_p="_problem", _h_p="_hint", _bl_p="_blank")
    t = p.left_join(idm, p.drama_id == idm._raw).drop("_raw")
    t = t.left_join(tim, t.title == tim._raw).drop("_raw")
    t = t.left_join(plm, t.platform == plm._raw).drop("_raw")
    no_id = t._id_d.isnull() & t._p_d.isnull()  # no usable drama_id given: the title decides
    no_title = t._id_t.isnull() & t._p_t.isnull()
    plat_p = ibis.cases((t._id_p.isnull() & t._p_p.isnull(), "missing_value"), else_=t._p_p)
    drama_p = ibis.cases((no_id & no_title, "missing_value"), (no_id, t._p_t), else_=t._p_d)
    drama_col = ibis.cases((no_id & ~no_title, "title"), else_="drama_id")
    drama_v = ibis.cases((no_id & ~no_title, t.title), else_=t.drama_id)
    missing_hint = ("neither drama_id nor title is given; one of them is required" if has_title
                    else "drama_id is empty; it is required")
    drama_h = ibis.cases((no_id & no_title, missing_hint), (no_id, t._h_t), else_=t._h_d)
    date_first = t._problem.endswith(SEP + "date")
    t = t.mutate(
        _problem=ibis.cases(
            (date_first, t._problem),
            (plat_p.notnull(), plat_p.concat(SEP + "platform")),
            (drama_p.notnull(), drama_p.concat(SEP, drama_col)),
            else_=t._problem,
        ),
        _value=ibis.cases((date_first, t._value), (plat_p.notnull(), t.platform),
                          (drama_p.notnull(), drama_v), else_=t._value),
        _hint=ibis.cases((date_first, ibis.null("string")), (plat_p.notnull(), t._h_p),
                         (drama_p.notnull(), drama_h), else_=ibis.null("string")),
        platform=t._id_p,
        drama_id=ibis.coalesce(t._id_d, ibis.cases((no_id, t._id_t), else_=ibis.null("string"))),
    )
    return t.select("_line", *[c.name for c in METRIC_COLUMNS], "_problem", "_value", "_hint")
