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
from fanxing.season.partitions import fill_values
from fanxing.season.titles import TitleResolver
from fanxing.season.values import Column
from fanxing.warehouse.schema import COUNT_COLUMNS, FACT_KEY

CONTRACT = tuple(c.name for c in METRIC_COLUMNS)
VALUE_COLUMNS = tuple(c.name for c in METRIC_COLUMNS if c.name not in ("date", "platform", "drama_id", "title"))
_MAP_SCHEMA = {"_raw": "string", "_id": "string", "_problem": "string", "_hint": "string", "_blank": "boolean"}
#: platform, drama_id and title arrive resolved (kind "id"); their checks come from the maps
PARSE_COLUMNS = tuple(Column(c.name, "id") if c.kind == "text" else c for c in METRIC_COLUMNS)


def _filled(names: dict[str, str], mapping: FileMapping, fill: dict[str, str] | None) -> dict[str, str]:
    """The partition values ``fill`` that ``rename`` uses: those of columns the file lacks (by their
    contract ``names``), the platform only when no mapping gives it."""
    present = set(names.values())
    return {c: v for c, v in (fill or {}).items() if c not in present and not (c == "platform" and mapping.platform)}


def rename(staged_expr: ir.Table, columns: list[str], mapping: FileMapping, rel: str,
           fill: dict[str, str] | None = None) -> ir.Table:
    """The staged table with contract column names (built-in Chinese headers, mapping renames).

    ``fill`` (from the file's partition folders, see ``partitions``) gives columns the file lacks.
    """
    names = canonical_names(columns, METRIC_HEADERS, CONTRACT, mapping.columns)
    fill = _filled(names, mapping, fill)
    present = set(names.values()) | set(fill)
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
    for col, value in fill.items():
        sel[col] = ibis.literal(value, "string")
    return staged_expr.select(**sel)


def _distinct_values(t: ir.Table, wh=None, nulls: dict[str, bool] | None = None) -> dict[str, list[str]]:
    """Distinct raw (untrimmed) non-NULL texts of platform, drama_id and title, in one query:
    they are few, so they are resolved in Python and joined back. ``nulls`` (when given) is
    filled with whether each column also holds NULL, from the same query."""
    cols = [c for c in ("platform", "drama_id", "title") if c in t.columns]
    e = t.select(*cols).distinct()
    df = wh.backend.fetch(wh.con, e) if wh is not None else e.execute()
    out = {c: sorted({v for v in df[c].tolist() if isinstance(v, str)}) for c in cols}
    if nulls is not None:
        nulls.update({c: any(not isinstance(v, str) for v in df[c].tolist()) for c in cols})
    return out


def _blank(raw: str) -> bool:
    return raw.strip() in V.BLANKS


def _memtable(rows: list[tuple], wh=None, temps: list[str] | None = None) -> ir.Table:
    """The rows as a table: a temporary table of the warehouse when ``wh`` is given (its name is
    appended to ``temps``), so that the expressions over it can share compiled SQL."""
    cols = list(_MAP_SCHEMA)
    data = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    if wh is None:
        return ibis.memtable(data, schema=_MAP_SCHEMA)
    table, name = wh.backend.temp_table(wh.con, ibis.schema(_MAP_SCHEMA).to_pyarrow().empty_table().from_pydict(
        data, schema=ibis.schema(_MAP_SCHEMA).to_pyarrow()))
    temps.append(name)
    return table


def drama_map(values: dict[str, list[str]], resolver: TitleResolver) -> tuple[list[tuple], list[tuple]]:
    """Rows (raw, id, problem, hint, blank): drama_id text → id/problem; title text → id/problem."""
    ids = []
    for raw in values.get("drama_id", []):
        key = raw.strip()
        if _blank(raw):
            ids.append((raw, None, None, None, True))
        elif key in resolver.ids:
            ids.append((raw, key, None, None, False))
        else:
            ids.append((raw, None, "unknown_drama",
                        f"drama_id {key!r} is not in the catalogue (dramas.csv){resolver.closest_ids(key)}", False))
    titles = []
    for raw in values.get("title", []):
        if _blank(raw):
            titles.append((raw, None, None, None, True))
            continue
        did, reason, detail = resolver.resolve(raw.strip())
        titles.append((raw, did, reason, detail, False))
    return ids, titles


def platform_map(values: dict[str, list[str]], known: dict[str, str], registry: bool) -> list[tuple]:
    """Rows: platform text → platform id or unknown_platform (only when a registry exists)."""
    rows = []
    ids = set(known.values())
    for raw in values.get("platform", []):
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
    return rows


def cumulative_deriver(wh, columns: list[str], file: str):
    """Running totals → daily values, per (platform, drama_id) in date order.

    A row whose total falls below an earlier total of the series is quarantined (negative_value);
    the daily value of every other row is its total minus the highest earlier kept total, so the
    daily values always add up to the last total. The first date of a series subtracts what the
    warehouse already holds for that series before it (0 for a new series), so a series split
    over several files (loaded in date order) continues where the previous file stopped.
    """
    if not columns:
        return None

    def derive(good: ir.Table, load_id: int) -> tuple[ir.Table, ir.Table | None]:
        facts = wh.backend.table(wh.con, "facts")
        series = ["platform", "drama_id"]
        firsts = good.group_by(series).aggregate(_first=good.date.min())
        f = facts.join(firsts, series).filter(lambda x: x.date < x._first)
        base = f.group_by(series).aggregate(**{f"_base_{c}": f[c].sum() for c in columns})
        g = good.left_join(base, series).drop("platform_right", "drama_id_right")
        before = ibis.window(group_by=series, order_by=["date", "_line"], rows=(None, -1))
        prev = {c: ibis.greatest(ibis.coalesce(g[c].max().over(before), 0), ibis.coalesce(g[f"_base_{c}"], 0))
                for c in columns}
        g = g.mutate(**{f"_prev_{c}": prev[c] for c in columns}).view()
        fall = ibis.cases(*[(g[c] < g[f"_prev_{c}"], ibis.literal(c)) for c in columns], else_=ibis.null("string"))
        g = g.mutate(_fall=fall).view()
        bad = g.filter(g._fall.notnull())
        tot = ibis.cases(*[(bad._fall == c, bad[c].cast("string")) for c in columns])
        prv = ibis.cases(*[(bad._fall == c, bad[f"_prev_{c}"].cast("string")) for c in columns])
        counts = [c for c in columns if c in COUNT_COLUMNS]
        q = bad.select(
            load_id=ibis.literal(load_id, "int64"), file=ibis.literal(file), line=bad._line.cast("int64"),
            column=bad._fall, value=tot,
            reason=ibis.cases((bad._fall.isin(counts or [""]), "negative_count"), else_="negative_value"),
            detail=ibis.literal("running total of ").concat(
                bad._fall, " fell from ", prv, " to ", tot, " (a cumulative file: daily values are differences)"),
        )
        k = g.filter(g._fall.isnull())
        kept_before = ibis.window(group_by=series, order_by=["date", "_line"], rows=(None, -1))
        daily = {c: (k[c] - ibis.greatest(ibis.coalesce(k[c].max().over(kept_before), 0),
                                          ibis.coalesce(k[f"_base_{c}"], 0))).cast(k[c].type()) for c in columns}
        k = k.mutate(**daily)
        return k.select("_line", *FACT_KEY, *VALUE_COLUMNS), q

    return derive


def _is_identity(rows: list[tuple]) -> bool:
    return all(r[1] == r[0] and r[2] is None for r in rows)


def prepare_metrics(wh, src, tmpdir, mapping: FileMapping, *, resolver: TitleResolver,
                    platforms: dict[str, str], registry: bool) -> Prepared:
    """Read and check one metrics file (one pass over the file), then resolve platforms and titles."""
    rel = src.rel
    fill = fill_values(rel)

    def transform(e: ir.Table) -> ir.Table:
        t = parse_table(rename(e, [c for c in e.columns if c != "_line"], mapping, rel, fill), PARSE_COLUMNS)
        # the key's hash, computed in the same pass, speeds up the duplicate check when ids are ids
        return t.mutate(_h=ibis.struct({k: t[k] for k in FACT_KEY}).hash())


    def key(e: ir.Table) -> tuple:
        """What ``transform`` depends on besides ``e``: the partition values it fills in (not those
        the file has as columns: files that differ only in those share one expression, one compile)."""
        names = canonical_names([c for c in e.columns if c != "_line"], METRIC_HEADERS, CONTRACT, mapping.columns)
        return ("metrics", tuple(sorted(mapping.columns.items())), mapping.platform,
                tuple(sorted(_filled(names, mapping, fill).items())))

    read = readers.read(wh, src, tmpdir, transform, mapping.encoding, key=key)
    p = read.table
    has_title = "title" in canonical_names(read.columns, METRIC_HEADERS, CONTRACT, mapping.columns).values()
    nulls: dict[str, bool] = {}
    values = _distinct_values(p, wh, nulls)
    ids, titles = drama_map(values, resolver)
    plats = platform_map(values, platforms, registry)
    # (a NULL platform or drama_id shows up among the distinct rows: no separate count needed)
    if not has_title and _is_identity(ids) and _is_identity(plats) and not (nulls["platform"] or nulls["drama_id"]):
        # the common case: ids are ids, nothing to resolve, no join needed
        checked = p.mutate(_hint=ibis.null("string"))
        keep = ("_h",)
    else:
        t = read.temps
        checked = resolve(p, _memtable(ids, wh, t), _memtable(titles, wh, t), _memtable(plats, wh, t), has_title)
        keep = ()
    return Prepared(read, checked, METRIC_COLUMNS, FACT_KEY, VALUE_COLUMNS, "facts", hint="_hint",
                    shape_good=lambda g: g.select("_line", *FACT_KEY, *VALUE_COLUMNS, *keep),
                    settle_kwargs={"derive": cumulative_deriver(wh, mapping.cumulative, wh.backend.FILE_PARAM)})


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
