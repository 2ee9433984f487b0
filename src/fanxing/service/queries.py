"""Read-only queries over a loaded build, shared by the API and the dashboard pages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from fanxing.service.data import (
    PERIOD_KINDS,
    Build,
    RankingSlice,
    column_values,
    json_records,
    normalise_text,
)
from fanxing.service.export import dumps

RANK_FIELDS = ("rank", "score", "rank_low", "rank_high", "p_top10", "flagged", "rank_unadjusted",
               "rank_shift_integrity")
TREND_FIELDS = ("plays", "plays_adj", "likes", "comments", "shares", "favorites", "completion_rate",
                "revenue_cny", "rating", "flagged")


@dataclass
class Page:
    """A filtered, paginated list: the rows of this page and the total before pagination."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    all_items: list[dict[str, Any]]


def paginate(items: list[dict[str, Any]], limit: int, offset: int) -> Page:
    return Page(items=items[offset:offset + limit], total=len(items), limit=limit, offset=offset, all_items=items)


def filter_ranking(sl: RankingSlice, *, platform: str | None = None, genre: str | None = None,
                   region: str | None = None, producer: str | None = None,
                   flagged: bool | None = None) -> list[dict[str, Any]]:
    """Rows of one ranking matching every given filter (lists match by membership, region by segment)."""
    n = len(sl.records)
    keep = range(n)
    if platform:
        keep = [i for i in keep if platform in sl.platforms[i]]
    if genre:
        keep = [i for i in keep if genre in sl.genres[i]]
    if region:
        parts = tuple(p for p in region.split("/") if p)
        keep = [i for i in keep if parts and sl.regions[i][:len(parts)] == parts or region in sl.regions[i]]
    if producer:
        want = normalise_text(producer)
        keep = [i for i in keep if sl.producers[i] == want]
    if flagged is not None:
        keep = [i for i in keep if bool(sl.records[i].get("flagged")) == flagged]
    return [sl.records[i] for i in keep]


def filter_options(b: Build, kind: str = "annual") -> dict[str, list[str]]:
    """The values the leaderboard filters offer (from the annual ranking and the catalogue)."""
    plats: set[str] = set()
    genres: set[str] = set()
    regions: set[str] = set()
    producers: set[str] = set()
    for (k, _), sl in b.slices.items():
        if k != kind:
            continue
        for i, r in enumerate(sl.records):
            plats |= sl.platforms[i]
            genres |= sl.genres[i]
            if r.get("region"):
                regions.add(str(r["region"]).split("/")[0])
            if r.get("producer"):
                producers.add(str(r["producer"]))
    return {"platform": sorted(plats), "genre": sorted(genres), "region": sorted(regions),
            "producer": sorted(producers)}


def _rank_index(b: Build, kind: str) -> dict[str, list[tuple[str, int]]]:
    """drama_id → [(period id, row in that period's slice)] for one period kind, built once per build
    (a scan of every period's records per request cost ~30 ms on the weekly rankings of a season)."""
    key = ("rank_index", kind)
    idx = b.memo.get(key)
    if idx is None:
        idx = {}
        for pid in b.periods.get(kind, []):
            for i, r in enumerate(b.slices[(kind, pid)].records):
                idx.setdefault(str(r.get("drama_id")), []).append((pid, i))
        b.memo[key] = idx
    return idx


def warm_indexes(b: Build, *, details: bool = True) -> Build:
    """Build the per-drama lookups once, before the build is served; with ``details`` also every
    drama's detail as serialised JSON (one vectorised pass over the build, a few seconds for a season of
    1,500 dramas), so that no request pays for it and nothing is computed while serving."""
    for kind in PERIOD_KINDS:
        _rank_index(b, kind)
    if details:
        detail_bodies(b)
    return b


def _rank_entry(b: Build, kind: str, drama_id: str) -> list[dict[str, Any]]:
    out = []
    for pid, i in _rank_index(b, kind).get(drama_id, []):
        sl = b.slices[(kind, pid)]
        r = sl.records[i]
        entry = {"period": pid, "total": len(sl.records)}
        entry.update({f: r.get(f) for f in RANK_FIELDS if f in r})
        entry["dimensions"] = {d: r.get(d) for d in b.dimensions if d in r}
        out.append(entry)
    return out


def _rows_without(df: pd.DataFrame, drop: str = "drama_id") -> tuple[list[str], list[tuple]]:
    """``json_records(df.drop(columns=[drop]))`` as (column names, row tuples): one conversion of the
    whole table instead of one per drama."""
    keep = [i for i, c in enumerate(df.columns) if c != drop]
    cols = [str(df.columns[i]) for i in keep]
    if not keep or df.empty:
        return cols, []
    return cols, list(zip(*(column_values(df.iloc[:, i]) for i in keep), strict=True))


def _explanations_by_drama(b: Build) -> dict[str, list[dict[str, Any]]]:
    if b.explanations is None:
        return {}
    cols, rows = _rows_without(b.explanations)
    if not cols:
        return {did: [] for did in b.explanation_index}
    return {did: [dict(zip(cols, rows[i], strict=True)) for i in pos.tolist()]
            for did, pos in b.explanation_index.items()}


def _anomalies_by_drama(b: Build) -> dict[str, list[dict[str, Any]]] | None:
    """Anomaly records per drama (None when the build has no anomaly table with a drama_id)."""
    an = b.anomalies
    if an is None or "drama_id" not in an:
        return None
    cols, rows = _rows_without(an)
    out: dict[str, list[dict[str, Any]]] = {}
    if not cols:
        return out
    for did, row in zip(an["drama_id"].tolist(), rows, strict=True):
        if isinstance(did, str):  # missing ids (pd.NA) match no drama
            out.setdefault(did, []).append(dict(zip(cols, row, strict=True)))
    return out


def _trends_by_drama(b: Build, chunk_rows: int = 50_000):
    """(drama_id, trend) for every drama with daily facts: one series per platform (sorted by
    platform; rows without a platform left out), dates and TREND_FIELDS as lists.

    The daily table is sorted by drama, so the dramas are taken in chunks of about ``chunk_rows``
    contiguous rows: each chunk's columns are converted to Python values once."""
    daily = b.daily
    if daily is None:
        return
    fields = [f for f in TREND_FIELDS if f in daily.columns]
    spans = sorted((int(pos[0]), int(pos[-1]) + 1, did, pos) for did, pos in b.daily_index.items() if len(pos))
    i = 0
    while i < len(spans):
        lo = spans[i][0]
        j = i
        while j < len(spans) and (j == i or spans[j][1] - lo <= chunk_rows):
            j += 1
        hi = max(s[1] for s in spans[i:j])
        part = daily.iloc[lo:hi]
        dates = part["date"].tolist()
        plats = part["platform"].tolist()
        values = [column_values(part[f]) for f in fields]
        for _, _, did, pos in spans[i:j]:
            groups: dict[str, list[int]] = {}
            for k in pos.tolist():
                p = plats[k - lo]
                if isinstance(p, str):  # groupby leaves missing keys out
                    groups.setdefault(p, []).append(k - lo)
            trend = []
            for p in sorted(groups):
                idx = groups[p]
                series: dict[str, Any] = {"platform": p, "name": b.platform_names.get(p, p),
                                          "dates": [dates[k] for k in idx]}
                for f, col in zip(fields, values, strict=True):
                    series[f] = [col[k] for k in idx]
                trend.append(series)
            yield did, trend
        i = j


def _detail(b: Build, drama_id: str, explanation: list[dict[str, Any]] | None,
            trend: list[dict[str, Any]] | None, anomalies: list[dict[str, Any]] | None) -> dict[str, Any]:
    info = b.drama(drama_id)  # raises NotFoundError
    rankings: dict[str, Any] = {}
    for kind in PERIOD_KINDS:
        entries = _rank_entry(b, kind, drama_id)
        rankings[kind] = (entries[0] if entries else None) if kind in ("annual", "launch7", "launch30") else entries
    annual = rankings.get("annual") or {}
    by_dim: dict[str, float] = {}
    if explanation is not None:
        names = b.indicator_names()
        for e in explanation:
            e["name"] = e.get("name") or names.get(str(e.get("indicator")), e.get("indicator"))
            dim = str(e.get("dimension") or "")
            c = e.get("contribution")
            if c is not None:
                by_dim[dim] = by_dim.get(dim, 0.0) + float(c)
    return {
        "drama": info,
        "build_id": b.build_id,
        "annual": annual or None,
        "dimensions": annual.get("dimensions") if annual else None,
        "rank_interval": ({"rank": annual.get("rank"), "low": annual.get("rank_low"), "high": annual.get("rank_high"),
                           "p_top10": annual.get("p_top10")}
                          if annual and annual.get("rank_low") is not None else None),
        "rankings": rankings,
        "explanation": explanation,
        "contributions_by_dimension": by_dim or None,
        "trend": trend,
        "anomalies": anomalies,
    }


def detail_bodies(b: Build) -> dict[str, bytes]:
    """Every drama's detail, serialised, computed once per build (see :func:`drama_json`)."""
    bodies = b.memo.get("drama_json")
    if bodies is not None:
        return bodies
    with b.lock:
        bodies = b.memo.get("drama_json")
        if bodies is None:
            explanations = _explanations_by_drama(b)
            anomalies = _anomalies_by_drama(b)
            trends = dict(_trends_by_drama(b))
            bodies = {}
            for did in b.catalogue_records:
                an = None if anomalies is None else anomalies.get(did, [])
                bodies[did] = dumps(_detail(b, did, explanations.get(did), trends.pop(did, None), an))
            b.memo["drama_json"] = bodies
    return bodies


def drama_json(b: Build, drama_id: str) -> bytes:
    """Everything published about one drama as the API's JSON body (pre-serialised per build)."""
    body = detail_bodies(b).get(drama_id)
    if body is None:
        b.drama(drama_id)  # raises NotFoundError
        raise AssertionError(f"no detail for catalogued drama {drama_id!r}")
    return body


def drama_detail(b: Build, drama_id: str) -> dict[str, Any]:
    """Everything published about one drama: scores, rank interval, ranks in every period,
    contributions, daily trend per platform, anomalies (a fresh copy of the API's body)."""
    return json.loads(drama_json(b, drama_id))


def search(b: Build, q: str) -> list[dict[str, Any]]:
    """Dramas whose title, alias or id contains ``q`` (ignoring width, case, spaces and 《》), best first."""
    needle = normalise_text(q)
    if not needle:
        return []
    annual = {r["drama_id"]: r for r in b.slices[("annual", b.periods["annual"][0])].records}
    hits = []
    for did, title, aliases in b.search_keys:
        quality = None
        matched = "title"
        if needle == normalise_text(did):
            quality, matched = 0, "drama_id"
        elif needle == title:
            quality = 0
        elif title.startswith(needle):
            quality = 1
        elif needle in title:
            quality = 2
        else:
            for a, raw in zip(aliases, b.catalogue_records[did].get("aliases") or [], strict=False):
                if needle in a:
                    quality, matched = (0 if needle == a else 3), f"alias:{raw}"
                    break
        if quality is None:
            continue
        rec = b.catalogue_records[did]
        ann = annual.get(did, {})
        hits.append((quality, ann.get("rank") or 10**9, {
            "drama_id": did, "title": rec.get("title"), "aliases": rec.get("aliases") or [],
            "producer": rec.get("producer"), "release_date": rec.get("release_date"),
            "rank": ann.get("rank"), "score": ann.get("score"), "matched": matched}))
    hits.sort(key=lambda h: (h[0], h[1]))
    return [h[2] for h in hits]


def table_records(df: pd.DataFrame | None, **filters: str | None) -> list[dict[str, Any]] | None:
    """Rows of an optional table matching exact-value filters (None when the table is absent)."""
    if df is None:
        return None
    for col, val in filters.items():
        if val is not None and col in df.columns:
            df = df[df[col].astype("string") == val]
    return json_records(df)


def platforms(b: Build) -> list[dict[str, Any]] | None:
    """The platform ranking joined with traffic totals from the daily facts."""
    base = b.platforms
    stats = b.platform_stats
    if base is None and stats is None:
        return None
    if base is None:
        df = stats.assign(name=stats["platform"].map(lambda p: b.platform_names.get(p, p)))
    elif stats is None:
        df = base
    else:
        df = base.merge(stats, on="platform", how="outer", suffixes=("", "_daily"))
        if "rank" in df:
            df = df.sort_values("rank", na_position="last")
    return json_records(df.reset_index(drop=True))


def producers(b: Build) -> list[dict[str, Any]] | None:
    base = b.producers
    stats = b.producer_stats
    if base is None and stats is None:
        return None
    if base is None:
        df = stats.sort_values("best_rank", na_position="last") if "best_rank" in stats else stats
    elif stats is None:
        df = base
    else:  # every producer of the catalogue: the ranked ones first, then the others by best drama
        df = base.merge(stats, on="producer", how="outer")
        keys = [c for c in ("rank", "best_rank") if c in df]
        df = df.sort_values(keys, na_position="last", kind="stable") if keys else df
    rows = json_records(df.reset_index(drop=True))
    for r in rows:
        ids, titles = r.get("top_work_ids"), r.get("top_works")
        if isinstance(ids, str) and isinstance(titles, str):
            r["top"] = [{"drama_id": i, "title": t} for i, t in zip(ids.split("|"), titles.split("|"), strict=False)]
    return rows


def awards_rows(awards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Awards flattened to one row per (category, place, drama) for CSV export."""
    rows = []
    for cat in awards:
        for part in ("winners", "shortlist"):
            for i, e in enumerate(cat.get(part) or [], start=1):
                row = {"category": cat.get("category"), "category_name": cat.get("name"),
                       "place": "winner" if part == "winners" else "shortlist", "position": i}
                for k, v in e.items():
                    row[k] = v if isinstance(v, str | int | float | bool) or v is None else _compact(v)
                rows.append(row)
    return rows


def _compact(v: Any) -> str:
    import json

    return json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)
