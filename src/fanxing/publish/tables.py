"""Write a build's tables into its (staging) directory, following docs/architecture.md."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fanxing.drama.indicators import INDICATORS
from fanxing.drama.periods import LAUNCH_KINDS, period_end, period_label, period_starts
from fanxing.frames import isin, lookup, positions
from fanxing.publish.fastcsv import to_csv

if TYPE_CHECKING:
    from fanxing.publish.build import BuildContext

LIST_COLUMNS = ("aliases", "genres", "industry_tags")


def _joined(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, list | tuple | np.ndarray):
        return "|".join(str(x) for x in v)
    return str(v)


def catalogue_frame(catalogue: pd.DataFrame) -> pd.DataFrame:
    out = catalogue.copy()
    for c in LIST_COLUMNS:
        if c in out:
            out[c] = out[c].map(_joined)
    return out


def _period_bounds(kind: str, ctx: BuildContext) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """period label → (start, end) of calendar periods; launch windows map to the season."""
    s = ctx.season
    if kind in LAUNCH_KINDS or kind == "annual":
        return {period_label(kind, s.start, s): (pd.Timestamp(s.start), pd.Timestamp(s.end))}
    def bounds() -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
        # every month or week of the season (its first one starting with the season, as the
        # indicators' period_start does): a kind published run by run never holds all its periods
        out = {}
        for start in period_starts(kind, s):
            start = max(start, s.start)
            out[period_label(kind, start, s)] = (pd.Timestamp(start), pd.Timestamp(period_end(kind, start, s)))
        return out

    # once per kind: the ranking is published a few periods at a time
    return _cached(ctx, f"bounds.{kind}", bounds)


def _flagged(table: pd.DataFrame, kind: str, ctx: BuildContext) -> pd.Series:
    """Whether the drama has an anomaly episode overlapping the period."""
    an = ctx.anomalies
    if an is None or an.empty or table.empty:
        return pd.Series(False, index=table.index)
    bounds = _period_bounds(kind, ctx)
    start = pd.to_datetime(an["start"]).to_numpy(dtype="datetime64[ns]")
    end = pd.to_datetime(an["end"]).to_numpy(dtype="datetime64[ns]")
    ids = an["drama_id"].astype(str).to_numpy(dtype=object)
    periods = list(bounds)
    lo = np.array([b[0] for b in bounds.values()], dtype="datetime64[ns]")
    hi = np.array([b[1] for b in bounds.values()], dtype="datetime64[ns]")
    # (periods × episodes) overlap; both sides are small (periods of a kind, anomaly episodes)
    hit_p, hit_a = np.nonzero((start[None, :] <= hi[:, None]) & (end[None, :] >= lo[:, None]))
    if not len(hit_p):
        return pd.Series(False, index=table.index)
    keys = pd.MultiIndex.from_arrays([np.asarray(periods, dtype=object)[hit_p], ids[hit_a]])
    # only rows of a drama with an overlapping episode can match: (period, drama) pairs are built
    # for those alone (a weekly table has millions of rows, a few of them flagged)
    drama = table["drama_id"].astype(str)
    cand = np.flatnonzero(isin(drama, np.unique(ids[hit_a])))
    out = np.zeros(len(table), dtype=bool)
    if len(cand):
        mine = pd.MultiIndex.from_arrays([table["period"].iloc[cand].astype(str).to_numpy(dtype=object),
                                          drama.iloc[cand].to_numpy(dtype=object)])
        out[cand] = mine.isin(keys)
    return pd.Series(out, index=table.index)


def _cached(ctx: BuildContext, name: str, make):
    """A value derived from the build context once, then reused by every ranking table."""
    cache = ctx.__dict__.setdefault("_publish_cache", {})
    if name not in cache:
        cache[name] = make()
    return cache[name]


def _platform_pairs(ctx: BuildContext) -> pd.DataFrame:
    """(drama_id, platform) of the daily facts: from the per-series totals (one row per platform and
    drama with daily rows), or from the daily table where a context still holds it."""
    daily = getattr(ctx, "daily", None)
    if daily is not None:
        return daily[["drama_id", "platform"]]
    return ctx.series[["drama_id", "platform"]]


def _platforms_on(daily: pd.DataFrame) -> pd.Series:
    """drama_id → its platforms in the daily table, sorted and ``|``-joined."""
    pairs = daily[["drama_id", "platform"]]
    d_codes, d_uni = pd.factorize(pairs["drama_id"], sort=False)
    p_codes, p_uni = pd.factorize(pairs["platform"], sort=False)
    if not len(d_uni):
        return pd.Series(dtype=object)
    # one bit per platform, in sorted platform order; each drama's set becomes one integer
    rank = np.argsort(np.argsort(np.asarray(p_uni, dtype=object).astype(str)))
    names = np.asarray(p_uni, dtype=object).astype(str)[np.argsort(rank)]
    bits = np.zeros(len(d_uni), dtype=np.int64) if len(names) < 63 else None
    if bits is None:  # more platforms than bits: the plain way
        on = daily.groupby("drama_id")["platform"].unique()
        return on.map(lambda a: "|".join(sorted(a)))
    ok = (d_codes >= 0) & (p_codes >= 0)
    np.bitwise_or.at(bits, d_codes[ok], np.left_shift(np.int64(1), rank[p_codes[ok]].astype(np.int64)))
    masks, inv = np.unique(bits, return_inverse=True)
    text = np.array(["|".join(names[j] for j in range(len(names)) if (int(m) >> j) & 1) for m in masks],
                    dtype=object)
    return pd.Series(text[inv], index=pd.Index(np.asarray(d_uni, dtype=object).astype(str), name="drama_id"))


def ranking_frame(kind: str, ctx: BuildContext, table: pd.DataFrame | None = None,
                  raw: pd.DataFrame | None = None) -> pd.DataFrame:
    """The published ranking of one period kind (columns as in docs/architecture.md); ``table`` and
    ``raw``: some whole periods of the kind's ranking and of its unadjusted ranking (default: all)."""
    t = (ctx.rankings[kind].table if table is None else table).copy()
    raw = (ctx.rankings_raw[kind].table if raw is None else raw)
    raw = raw[["period", "drama_id", "rank"]].rename(columns={"rank": "rank_unadjusted"})
    t = t.merge(raw, on=["period", "drama_id"], how="left")
    t["rank_shift_integrity"] = (t["rank_unadjusted"] - t["rank"]).astype("Int64")
    t["rank_unadjusted"] = t["rank_unadjusted"].astype("Int64")
    cat = _cached(ctx, "catalogue", lambda: catalogue_frame(ctx.catalogue)).set_index("drama_id")
    at = positions(t["drama_id"], cat.index)  # one hash lookup per row for every catalogue column
    t.insert(3, "title", lookup(t["drama_id"], cat["title"], at))
    for c in ("rank_low", "rank_high"):
        if c not in t:
            t[c] = t["rank"]
    if "p_top10" not in t:
        t["p_top10"] = np.nan
    t["producer"] = lookup(t["drama_id"], cat["producer"], at)
    t["genres"] = lookup(t["drama_id"], cat["genres"], at) if "genres" in cat else ""
    t["region"] = lookup(t["drama_id"], cat["region"], at) if "region" in cat else ""
    on = _cached(ctx, "platforms_on", lambda: _platforms_on(_platform_pairs(ctx)))
    t["platforms"] = lookup(t["drama_id"], on).fillna("")
    t["flagged"] = _flagged(t, kind, ctx)
    dims = [c for c in ("reach", "engagement", "reputation", "commercial", "longevity") if c in t]
    first = ["period", "rank", "drama_id", "title", "score", "rank_low", "rank_high", "p_top10", *dims]
    rest = [c for c in t.columns if c not in first]
    t = t[first + rest]
    if kind == "annual":
        t = t.drop(columns="period")
    return t


def explanation_frame(ctx: BuildContext) -> pd.DataFrame:
    """Each indicator's raw value, normalised value, effective weight and contribution per drama."""
    res = ctx.rankings["annual"].results.get(ctx.season.name)
    if res is None:
        return pd.DataFrame(columns=["drama_id", "indicator", "dimension", "value", "normalised",
                                     "effective_weight", "contribution"])
    codes = res.methodology.indicator_codes
    parent = {i.code: i.parent for i in res.methodology.indicators}
    raw = res.stages["raw"].reindex(res.scores.index)[codes]
    norm = res.stages["normalised"].reindex(res.scores.index)[codes]
    contrib = res.contributions.reindex(res.scores.index)[codes]
    eff = res.effective_weights
    long = pd.DataFrame({
        "drama_id": np.repeat(res.scores.index.astype(str).to_numpy(), len(codes)),
        "indicator": np.tile(codes, len(res.scores)),
        "value": raw.to_numpy().ravel(),
        "normalised": norm.to_numpy().ravel(),
        "contribution": contrib.to_numpy().ravel(),
    })
    long.insert(2, "dimension", long["indicator"].map(parent))
    long.insert(5, "effective_weight", long["indicator"].map(eff))
    long.insert(3, "name", long["indicator"].map({k: v[1] for k, v in INDICATORS.items()}))
    return long


def write_stages(dirpath: Path, ctx: BuildContext) -> None:
    res = ctx.rankings["annual"].results.get(ctx.season.name)
    if res is None:
        return
    dirpath.mkdir(parents=True, exist_ok=True)
    for name, frame in res.stages.items():
        to_csv(frame.rename_axis("drama_id").reset_index(), dirpath / f"{name}.csv")
    to_csv(res.weights, dirpath / "weights.csv")
    log = res.log.to_dict(orient="records") if isinstance(res.log, pd.DataFrame) else res.log
    (dirpath / "log.json").write_text(json.dumps(log, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    if len(res.excluded_units):
        res.excluded_units.to_csv(dirpath / "excluded_units.csv")


def write_uncertainty(dirpath: Path, ctx: BuildContext) -> None:
    """The Sobol sensitivity table of the annual ranking and the Monte Carlo summaries."""
    summaries = {kind: r.uncertainty_summary for kind, r in ctx.rankings.items() if r.uncertainty_summary}
    if not summaries:
        return
    dirpath.mkdir(parents=True, exist_ok=True)
    for period, sens in ctx.rankings["annual"].sensitivity.items():
        to_csv(sens.assign(period=period), dirpath / "sensitivity.csv")
    spec = ctx.methodology.uncertainty
    (dirpath / "summary.json").write_text(json.dumps(
        {"spec": spec.model_dump(mode="json") if spec else None, "periods": summaries},
        ensure_ascii=False, indent=1, default=str), encoding="utf-8")


#: rows of a ranking or indicators table made into published rows at a time (whole periods)
WRITE_ROWS = 500_000


def _runs(periods: pd.Series) -> tuple[np.ndarray | None, pd.Index]:
    """The first row of each period and the periods in order of appearance; None for the first
    when a period's rows are not contiguous."""
    codes, uniq = pd.factorize(periods)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.zeros(0, dtype=np.int64)
    return (starts if len(starts) == len(uniq) else None), uniq


def _period_slices(periods: pd.Series, max_rows: int = WRITE_ROWS) -> list[tuple[slice, np.ndarray]]:
    """Row slices of a table whose rows come grouped by period, each of whole periods and about
    ``max_rows`` rows, with the periods each holds (one slice when the periods are not grouped)."""
    n = len(periods)
    starts, uniq = _runs(periods)
    if starts is None or n <= max_rows:
        return [(slice(0, n), np.asarray(uniq, dtype=object))]
    bounds = np.r_[starts, n]
    out, lo, first = [], 0, 0
    for k in range(1, len(bounds)):
        if bounds[k] - lo >= max_rows or k == len(bounds) - 1:
            out.append((slice(int(lo), int(bounds[k])), np.asarray(uniq[first:k], dtype=object)))
            lo, first = bounds[k], k
    return out


def _rows_of(table: pd.DataFrame):
    """``rows(periods)``: the rows of ``table`` in those periods. A slice when the table comes
    grouped by period (as rankings and indicators do: one factorize, then every piece is a
    slice), else a membership test over the whole table."""
    starts, uniq = _runs(table["period"])
    if starts is None:
        return lambda periods: table.loc[isin(table["period"], periods)]
    ends = np.r_[starts[1:], len(table)][:len(starts)]  # none for an empty table
    where = {p: (int(a), int(b)) for p, a, b in zip(uniq, starts, ends, strict=True)}

    def rows(periods: np.ndarray) -> pd.DataFrame:
        spans = [where[p] for p in periods if p in where]
        if not spans:
            return table.iloc[:0]
        lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
        if sum(b - a for a, b in spans) != hi - lo:  # the periods are not adjacent here
            return table.loc[isin(table["period"], periods)]
        return table.iloc[lo:hi]

    return rows


def empty_like(df: pd.DataFrame) -> pd.DataFrame:
    """A frame with ``df``'s columns and dtypes and no rows, sharing no memory with it (a slice such
    as ``df.iloc[:0]`` keeps every column's buffers alive)."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in df.dtypes.items()})


def write_kind(stage: Path, ctx: BuildContext, kind: str, *, release: bool = False) -> int:
    """``rankings/<kind>.csv`` and ``indicators/<kind>.csv``; returns the ranking's row count.

    Published rows are made a few whole periods at a time (``WRITE_ROWS``), so a kind with
    millions of rows (weekly) never exists twice over in publishing form. ``release``: the build is
    done with this kind once it is written (the awards read the annual ranking only), so its
    units × indicators tables and its ranking tables are dropped from ``ctx``.
    """
    (stage / "rankings").mkdir(exist_ok=True)
    (stage / "indicators").mkdir(exist_ok=True)
    table, raw = ctx.rankings[kind].table, ctx.rankings_raw[kind].table
    if release:  # emptied, not removed: the kind stays listed (manifest counts, summaries)
        ctx.rankings[kind].table = empty_like(table)
        ctx.rankings_raw[kind].table = empty_like(raw)
    n = 0
    for i, part in enumerate(_ranking_pieces(kind, ctx, table, raw)):
        to_csv(part, stage / "rankings" / f"{kind}.csv", append=i > 0)
        n += len(part)
    del table, raw, part
    ind, raw = ctx.indicators[kind], ctx.indicators_raw[kind]
    if release:
        ctx.indicators[kind] = empty_like(ind)
        ctx.indicators_raw[kind] = empty_like(raw)
    _write_indicators(ind, raw, stage / "indicators" / f"{kind}.csv")
    ctx.written[kind] = n
    return n


def _ranking_pieces(kind: str, ctx: BuildContext, table: pd.DataFrame, raw: pd.DataFrame):
    """The published rows (``ranking_frame``) of a ranking ``table`` and its unadjusted ``raw``, a
    few whole periods at a time (``WRITE_ROWS``)."""
    raw_rows = _rows_of(raw)
    for rows, periods in _period_slices(table["period"]):
        yield ranking_frame(kind, ctx, table.iloc[rows], raw_rows(periods))


def _merged_pieces(ind: pd.DataFrame, raw: pd.DataFrame):
    """The adjusted indicators joined with the unadjusted ones (``<code>_raw``), a few whole
    periods at a time (``WRITE_ROWS``)."""
    raw_rows = _rows_of(raw)
    for rows, periods in _period_slices(ind["period"]):
        a = ind.iloc[rows].drop(columns=["period_start"])
        b = raw_rows(periods).drop(columns=["period_start"])
        yield a.merge(b, on=["period", "drama_id"], how="left", suffixes=("", "_raw"))


def _changed_codes(m: pd.DataFrame, changed: set[str]) -> None:
    """Add to ``changed`` each indicator that integrity changed in the merged piece ``m``: by more
    than the float noise of computing it twice (different summation orders), 1e-9 relative."""
    for code in INDICATORS:
        rc = f"{code}_raw"
        if rc in m and code not in changed and not np.allclose(
                m[code].astype(float), m[rc].astype(float), equal_nan=True, rtol=1e-9, atol=0):
            changed.add(code)


def _published_columns(m: pd.DataFrame, changed: set[str]) -> list[str]:
    return [c for c in m.columns if not c.endswith("_raw")] + [f"{c}_raw" for c in INDICATORS if c in changed]


def _write_indicators(ind: pd.DataFrame, raw: pd.DataFrame, path: Path) -> None:
    """The adjusted indicators, plus ``<code>_raw`` for each indicator integrity changed
    (``_changed_codes``). Two passes over whole periods when the table is large: which raw
    columns, then the rows."""
    pieces = _merged_pieces(ind, raw)
    first = next(pieces)
    changed: set[str] = set()
    _changed_codes(first, changed)
    several = False
    for m in pieces:
        several = True
        _changed_codes(m, changed)
    keep = _published_columns(first, changed)
    # one piece (a small table) is written as merged; several are merged again, one at a time,
    # and the first is not held meanwhile
    again = _merged_pieces(ind, raw) if several else iter([first])
    del first
    for i, m in enumerate(again):
        to_csv(m[keep], path, append=i > 0)


class KindPublisher:
    """Publishes a period kind whose units × indicators come one run of whole periods at a time
    (``indicator_runs``): ``add`` each run's rankings and indicators, then ``finish``.

    Ranking rows are appended to ``rankings/<kind>.csv`` as each run comes. Which ``<code>_raw``
    columns the indicators table carries depends on every run, so the merged indicator pieces wait
    in a temporary directory (Arrow IPC files) until ``finish`` writes ``indicators/<kind>.csv``.
    The bytes are those ``write_kind`` gives for the whole kind at once.
    """

    def __init__(self, stage: Path, ctx: BuildContext, kind: str):
        self.stage, self.ctx, self.kind = stage, ctx, kind
        (stage / "rankings").mkdir(exist_ok=True)
        (stage / "indicators").mkdir(exist_ok=True)
        self._tmp = tempfile.TemporaryDirectory(prefix="fanxing-publish-")
        self.pieces: list[Path] = []
        self.changed: set[str] = set()
        self.rows = 0
        self._ranking_written = False
        # the first empty piece of each table: its header is written when every run is empty
        self._empty_ranking: pd.DataFrame | None = None
        self._empty_indicators: pd.DataFrame | None = None

    def __enter__(self) -> KindPublisher:
        return self

    def __exit__(self, *exc) -> None:
        self._tmp.cleanup()

    def add(self, table: pd.DataFrame, raw: pd.DataFrame, ind: pd.DataFrame, ind_raw: pd.DataFrame) -> None:
        """One run: its ranking and unadjusted ranking, its adjusted and unadjusted indicators."""
        path = self.stage / "rankings" / f"{self.kind}.csv"
        for part in _ranking_pieces(self.kind, self.ctx, table, raw):
            if len(part):
                to_csv(part, path, append=self._ranking_written)
                self._ranking_written, self.rows = True, self.rows + len(part)
            elif self._empty_ranking is None:
                self._empty_ranking = part
        for m in _merged_pieces(ind, ind_raw):
            if not len(m):
                if self._empty_indicators is None:
                    self._empty_indicators = m
                continue
            _changed_codes(m, self.changed)
            piece = Path(self._tmp.name) / f"{len(self.pieces):05d}.arrow"
            m.to_feather(piece)
            self.pieces.append(piece)

    def finish(self) -> int:
        """Write the indicators table; returns the ranking's row count (as ``write_kind``)."""
        if not self._ranking_written and self._empty_ranking is not None:
            to_csv(self._empty_ranking, self.stage / "rankings" / f"{self.kind}.csv")
        path = self.stage / "indicators" / f"{self.kind}.csv"
        keep = None
        for i, piece in enumerate(self.pieces):
            m = pd.read_feather(piece)
            keep = keep or _published_columns(m, self.changed)
            to_csv(m[keep], path, append=i > 0)
            piece.unlink()
        if not self.pieces and self._empty_indicators is not None:
            to_csv(self._empty_indicators[_published_columns(self._empty_indicators, set())], path)
        self.ctx.written[self.kind] = self.rows
        return self.rows


def write_outputs(stage: Path, ctx: BuildContext) -> dict[str, int]:
    """Write every table of a build into ``stage``; returns row counts for the manifest."""
    counts: dict[str, int] = {}
    (stage / "methodology.yaml").write_bytes(ctx.methodology_bytes)
    to_csv(_cached(ctx, "catalogue", lambda: catalogue_frame(ctx.catalogue)), stage / "catalogue.csv")
    for kind in ctx.rankings:
        if kind in ctx.written:
            counts[f"rankings.{kind}"] = ctx.written[kind]
        else:
            counts[f"rankings.{kind}"] = write_kind(stage, ctx, kind)
    (stage / "explanations").mkdir()
    to_csv(explanation_frame(ctx), stage / "explanations" / "annual.csv")
    write_stages(stage / "stages" / "annual", ctx)
    write_uncertainty(stage / "uncertainty", ctx)
    daily = getattr(ctx, "daily", None)
    if daily is not None:  # a context holding the daily table (the build writes daily.parquet itself)
        if not pd.api.types.is_datetime64_any_dtype(daily["date"]):
            daily = daily.assign(date=pd.to_datetime(daily["date"]))
        daily.to_parquet(stage / "daily.parquet", index=False)
        counts["daily"] = len(daily)
    else:
        counts["daily"] = int(getattr(ctx, "daily_rows", 0))
    anomalies = ctx.anomalies if ctx.anomalies is not None else pd.DataFrame()
    to_csv(anomalies, stage / "anomalies.csv")
    counts["anomalies"] = len(anomalies)
    q = ctx.quarantine if ctx.quarantine is not None else pd.DataFrame()
    cols = [c for c in ("file", "line", "column", "value", "reason", "detail") if c in q.columns]
    to_csv(q[cols], stage / "quarantine.csv")
    counts["quarantine"] = len(q)
    if ctx.awards is not None:
        counts.update(write_awards(stage, ctx))
    if ctx.jury is not None and len(ctx.jury):
        to_csv(ctx.jury, stage / "jury.csv")
    return counts


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if out[c].map(lambda v: isinstance(v, list | tuple | np.ndarray | dict)).any():
            out[c] = out[c].map(lambda v: _joined(v) if not isinstance(v, dict) else json.dumps(v, ensure_ascii=False))
    return out


def write_awards(stage: Path, ctx: BuildContext) -> dict[str, int]:
    """awards.json, awards.csv, and the platform, producer and genre rankings."""
    res = ctx.awards
    (stage / "awards.json").write_text(json.dumps(res.to_json_dict(), ensure_ascii=False, indent=1),
                                       encoding="utf-8")
    to_csv(_flat(res.to_frame()), stage / "awards.csv")
    plat = res.ranking("platform").copy()
    if not ctx.platforms.empty and "name" in ctx.platforms:
        names = ctx.platforms.set_index("platform")["name"]
        id_col = "platform" if "platform" in plat else plat.columns[1]
        plat.insert(2, "name", plat[id_col].map(names))
    to_csv(_flat(plat), stage / "rankings" / "platforms.csv")
    prod = _flat(res.ranking("producer"))
    to_csv(prod, stage / "rankings" / "producers.csv")
    genres = _flat(res.genre_rankings)
    to_csv(genres, stage / "rankings" / "genres.csv")
    return {"rankings.platforms": len(plat), "rankings.producers": len(prod), "rankings.genres": len(genres),
            "awards": len(res.to_frame())}
