"""Drama indicators per period: sums per (period, platform, drama) in the warehouse, harmonised
across platforms on the driver (``fanxing.drama.harmonise``).

A play on Douyin is not a play on iQIYI: every volume is first divided by the mean of the same
volume over the dramas on that platform in that period, every rate by the platform's rate in the
period; the per-platform values are then combined with platform weights (reach). See
``docs/methodology.md`` for the reasoning behind each indicator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import ibis
import ibis.expr.datatypes as idt
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from fanxing.drama.harmonise import DRAMA_COLUMNS, INTEGER_COLUMNS, harmonise_frame
from fanxing.drama.periods import Season, assign_periods, period_end, period_label, period_starts
from fanxing.errors import BuildError

# indicator code -> (dimension, Chinese name, English description)
INDICATORS: dict[str, tuple[str, str, str]] = {
    "eq_plays": ("reach", "等效播放量", "plays relative to the platform mean, summed with platform weights"),
    "eq_shares": ("reach", "等效分享量", "shares relative to the platform mean, summed with platform weights"),
    "breadth": ("reach", "平台覆盖", "weighted share of platforms (by reach) the drama is on"),
    "interaction_rate": ("engagement", "互动率", "(likes+comments+shares+favorites)/plays vs platform norm"),
    "comment_rate": ("engagement", "评论率", "comments/plays vs platform norm"),
    "eq_interactions": ("engagement", "等效互动量", "interactions relative to the platform mean"),
    "completion": ("reputation", "完播率", "play-weighted completion rate vs platform norm"),
    "rating": ("reputation", "评分", "play-weighted user rating (0-10)"),
    "positive_rate": ("reputation", "正向互动率", "(likes+favorites)/plays vs platform norm"),
    "eq_revenue": ("commercial", "等效收入", "revenue relative to the platform mean"),
    "revenue_per_play": ("commercial", "单次播放收入", "revenue per play vs platform norm"),
    "active_ratio": ("longevity", "活跃天数占比", "days with plays / days available in the period"),
    "retention": ("longevity", "后半程留存", "share of harmonised plays in the second half of the window"),
}

VOLUMES = ("plays", "likes", "comments", "shares", "favorites", "revenue_cny", "watch_minutes")


#: floating-point values are summed exactly: each value times 2^66 (exact, a power of two) is turned
#: into an integer (exact for every |value| ≥ 2^-13; smaller ones round at 2^-66), the integers are
#: added exactly (128-bit), and the total is turned back into a float and scaled back. A float sum
#: depends on the order of its additions, which varies from run to run (DuckDB adds in parallel) and
#: from engine to engine; its last bits then flipped the rounding of ``engine_neutral`` now and then,
#: and two builds of the same season differed in a few values. Values and totals must stay below
#: ``SUM_LIMIT`` (a ``BuildError`` with code ``value_too_large`` otherwise).
_SCALE = float(2 ** 66)
_EXACT = idt.Decimal(38, 0)
SUM_LIMIT = 10.0 ** 38 / _SCALE  # ≈ 1.36·10^18: the largest 38-digit integer, scaled back


def _sum(x: ir.NumericValue, where: ir.BooleanValue | None = None) -> ir.NumericScalar:
    """``x.sum(where=)``, exact and so independent of the order of the rows for floating ``x``."""
    if x.type().is_floating():
        return (x * _SCALE).cast(_EXACT).sum(where=where).cast("float64") / _SCALE
    return x.sum(where=where)


def _nz(x: ir.NumericValue) -> ir.NumericValue:
    """Null-safe zero for sums of optional counts."""
    return x.fill_null(0)


def _variant(t: ir.Table, name: str, sfx: str) -> ir.Column:
    """Column ``name`` of variant ``sfx``: ``<name><sfx>`` where the table has it, else ``name``."""
    return t[name + sfx] if sfx and name + sfx in t.columns else t[name]


_KEYS = ["period_start", "platform", "drama_id"]


def _terms(t: ir.Table, sfx: str) -> dict[str, tuple[ir.NumericValue, ir.BooleanValue | None]]:
    """The summed terms of one variant of the period-assigned facts ``t``: sum name -> (value, where)."""
    def v(name: str) -> ir.Column:
        return _variant(t, name, sfx)
    plays, likes, comments = v("plays"), _nz(v("likes")), _nz(v("comments"))
    shares, favorites = _nz(v("shares")), _nz(v("favorites"))
    completion, rating = v("completion_rate"), v("rating")
    late = t.date.delta(t.window_start, unit="day") >= (t.window_days / 2.0)
    return {
        "plays": (plays, None),
        "likes": (likes, None),
        "comments": (comments, None),
        "shares": (shares, None),
        "favorites": (favorites, None),
        "interactions": (likes + comments + shares + favorites, None),
        "revenue": (_nz(v("revenue_cny")), None),
        "completion_w": (completion * plays, None),
        "completion_plays": (plays, completion.notnull()),
        "rating_w": (rating * plays, None),
        "rating_plays": (plays, rating.notnull()),
        "late_plays": (plays, late),
    }


#: the terms whose sum can be NULL (no non-null value), in some variant: a variant's plays are NULL on
#: the days ``exclude`` mode drops; the others are NULL where no day has the value or meets the
#: condition. The likes, comments, shares, favorites and revenue are summed with NULL as 0.
_NULLABLE = ("plays", "completion_w", "completion_plays", "rating_w", "rating_plays", "late_plays")


def _sums(t: ir.Table, sfx: str, out: str = "") -> dict[str, ir.Value]:
    """The per-platform aggregates of variant ``sfx`` of ``t``, named ``<sum><out>``."""
    terms = _terms(t, sfx)
    aggs: dict[str, ir.Value] = {f"{k}{out}": _sum(x, where=w) for k, (x, w) in terms.items()}
    aggs[f"active_days{out}"] = _count(t, terms["plays"][0] > 0)
    return aggs


def _count(t: ir.Table | ir.Value, where: ir.BooleanValue | None) -> ir.IntegerScalar:
    """``t.count(where=)``, 0 (not NULL, as Spark gives) when ``where`` is NULL on every row."""
    return t.count(where=where).fill_null(0)


def per_platform(facts: ir.Table, dramas: ir.Table, kind: str, season: Season,
                 variants: tuple[str, ...] = ("",), adjust=None) -> ir.Table:
    """Sums per (period, platform, drama) with the availability window of the drama.

    One set of sums per variant suffix: ``""`` reads the value columns as they are, ``"_adj"`` the
    ``<column>_adj`` columns where the facts have them (adjusted facts, see
    ``fanxing.integrity.adjust_facts``); every sum is named ``<sum><suffix>``. The facts hold one row
    per (date, platform, drama) — the warehouse's key — so a count of days with plays is a count of rows.

    ``adjust`` (a function of a table of facts, e.g. ``integrity.apply_adjustments`` with the
    build's adjustments, taking ``only_adjusted=``) gives the ``<column>_adj`` values of the raw
    facts. The adjusted sums are then the raw sums plus, per (period, platform, drama), their change
    on the adjusted days alone: the scan of every fact computes one set of sums, and only the few
    adjusted days are joined with the adjustments (see ``_changes``).
    """
    t = assign_periods(facts, dramas, kind, season)
    aggs: dict[str, ir.Value] = {"window_days": t.window_days.max()}
    if adjust is None:
        for sfx in variants:
            aggs.update(_sums(t, sfx, sfx))
        return t.group_by(_KEYS).aggregate(**aggs)
    raw = _sums(t, "")
    others = [sfx for sfx in variants if sfx]
    if not others:
        return t.group_by(_KEYS).aggregate(**aggs, **raw)
    terms = _terms(t, "")
    base = t.group_by(_KEYS).aggregate(**aggs, **raw, **{f"_n_{k}": _count(*terms[k]) for k in _NULLABLE})
    delta = _changes(assign_periods(adjust(facts, only_adjusted=True), dramas, kind, season), others)
    j = base.left_join(delta, _KEYS).select(base, *[delta[c] for c in delta.columns if c not in _KEYS])
    keep = ["window_days", *(raw if "" in variants else ())]
    return j.select(*_KEYS, *keep, **{f"{k}{sfx}": _combined(j, k, sfx) for sfx in others for k in raw})


def _changes(c: ir.Table, variants: list[str]) -> ir.Table:
    """Per (period, platform, drama) of the adjusted days ``c``: for each variant and sum, the sum of
    the variant minus the raw sum (``_d<sfx>_<sum>``) and, for the sums that can be NULL, the same
    difference of their counts of non-null terms (``_dn<sfx>_<sum>``). The sums are exact (``_sum``),
    so their differences do not depend on the order of the rows either."""
    raw = _terms(c, "")
    d: dict[str, ir.Value] = {}
    for sfx in variants:
        var = _terms(c, sfx)
        for k in raw:
            d[f"_d{sfx}_{k}"] = (_sum(var[k][0], where=var[k][1]).fill_null(0)
                                 - _sum(raw[k][0], where=raw[k][1]).fill_null(0))
            if k in _NULLABLE:
                d[f"_dn{sfx}_{k}"] = _count(*var[k]) - _count(*raw[k])
        d[f"_d{sfx}_active_days"] = _count(c, var["plays"][0] > 0) - _count(c, raw["plays"][0] > 0)
    return c.group_by(_KEYS).aggregate(**d)


def _combined(j: ir.Table, k: str, sfx: str) -> ir.Value:
    """Sum ``k`` of variant ``sfx``: the raw sum plus its change on the adjusted days (none where the
    join found no adjusted day), NULL where no term of the variant is non-null."""
    change = j[f"_d{sfx}_{k}"].fill_null(0)
    if k not in _NULLABLE:
        return j[k] + change
    value = j[k].fill_null(0) + change
    return ibis.cases((j[f"_n_{k}"] + j[f"_dn{sfx}_{k}"].fill_null(0) > 0, value), else_=ibis.null(value.type()))


#: the published columns of an indicators frame, in order (after ``period``)
COLUMNS = ("period_start", "drama_id", *DRAMA_COLUMNS)


def compute_indicators(facts: ir.Table, dramas: ir.Table, kind: str, season: Season,
                       platform_weights: pd.Series) -> pd.DataFrame:
    """Units × indicators for every period of ``kind``: columns period, drama_id, indicators…

    Only dramas with at least one play in the period are units of that period.
    """
    return compute_indicator_variants(facts, dramas, kind, season, platform_weights, ("",))[""]


def compute_indicator_variants(facts: ir.Table, dramas: ir.Table, kind: str, season: Season,
                               platform_weights: pd.Series,
                               variants: tuple[str, ...] = ("_adj", ""), adjust=None,
                               blocks: int = 1) -> dict[str, pd.DataFrame]:
    """``compute_indicators`` for several variants of the facts in one query (one scan of the facts).

    ``"_adj"`` reads the adjusted facts' ``<column>_adj`` values, ``""`` the raw ones; the result
    maps each suffix to the frame ``compute_indicators`` gives for the facts with those values.
    ``adjust``: see per_platform (the facts are then the raw ones).

    ``blocks`` > 1 splits the months or weeks of the season into that many runs of whole periods
    and queries each run's facts on its own (see ``period_blocks``): every indicator depends on
    its own period's facts only, so the result is the same, while the engine's aggregation state
    and the fetched table at any moment cover one run. Other kinds always take one query.
    """
    parts: dict[str, list[pd.DataFrame]] = {sfx: [] for sfx in variants}
    for run in indicator_runs(facts, dramas, kind, season, platform_weights, variants, adjust, blocks):
        for sfx, df in run.items():
            # blocks are whole periods, in order: the concatenation is in (period_start, drama_id)
            # order too, and only finished frames are held
            parts[sfx].append(df)
    frames = {}
    for sfx in variants:
        dfs = parts.pop(sfx)
        full = [d for d in dfs if len(d)] or dfs[:1]
        del dfs
        frames[sfx] = pd.concat(full, ignore_index=True) if len(full) > 1 else full[0]
    return frames


def indicator_runs(facts: ir.Table, dramas: ir.Table, kind: str, season: Season, platform_weights: pd.Series,
                   variants: tuple[str, ...] = ("_adj", ""), adjust=None,
                   blocks: int = 1) -> Iterator[dict[str, pd.DataFrame]]:
    """``compute_indicator_variants`` one run of whole periods at a time (``period_blocks``): each
    item maps every variant's suffix to the finished frame of that run's periods. A build ranks
    and publishes each run before the next is computed, so a weekly season never exists in memory
    as a whole. Runs come in period order; one run for the kinds that are not months or weeks."""
    for lo, hi in period_blocks(kind, season, blocks):
        f = facts if lo is None else facts.filter((facts.date >= lo) & (facts.date <= hi))
        yield {sfx: _finish(df, kind, season)
               for sfx, df in _variant_frames(f, dramas, kind, season, platform_weights, variants, adjust).items()}


def period_blocks(kind: str, season: Season, blocks: int) -> list[tuple[dt.date | None, dt.date | None]]:
    """Date ranges of ``blocks`` runs of whole periods of ``kind`` covering the season (as equal
    in number of periods as they can be); ``[(None, None)]`` — all the facts — for one block and
    for the kinds that are not months or weeks."""
    if blocks <= 1 or kind not in ("monthly", "weekly"):
        return [(None, None)]
    starts = period_starts(kind, season)
    n = min(blocks, len(starts))
    cuts = np.linspace(0, len(starts), n + 1).round().astype(int)
    out = []
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        out.append((max(starts[a], season.start), period_end(kind, starts[b - 1], season)))
    return out


def _variant_frames(facts: ir.Table, dramas: ir.Table, kind: str, season: Season, platform_weights: pd.Series,
                    variants: tuple[str, ...], adjust) -> dict[str, pd.DataFrame]:
    """One query (the per-platform sums), harmonised on the driver: per variant, (period_start,
    drama_id, indicators…) of the units with plays."""
    pp = per_platform(facts, dramas, kind, season, variants, adjust)
    try:
        # through Arrow: ibis' own conversion makes Python objects of integer columns with NULLs
        sums = pp.to_pyarrow().to_pandas(date_as_object=False)
    except Exception as exc:  # the engine's overflow of an exact sum (see _sum)
        if "decimal(38" not in str(exc).lower() and "verflow" not in str(exc):
            raise
        raise BuildError(
            f"indicators ({kind}): a value or a total of the facts is too large to be summed exactly "
            f"(sums of floating-point values must stay below {SUM_LIMIT:.2e}; the engine said: {str(exc).splitlines()[0]}); "
            "look for an absurd plays, revenue_cny or rating value in the season", code="value_too_large",
            details={"kind": kind}) from exc
    sums["period_start"] = sums["period_start"].astype("datetime64[s]")
    both = harmonise_frame(sums, platform_weights, variants)
    del sums
    frames = {}
    for sfx in variants:
        cols = {f"{c}{sfx}": c for c in COLUMNS[2:]}
        df = both.loc[both[f"plays_total{sfx}"] > 0, ["period_start", "drama_id", *cols]].rename(columns=cols)
        for c in INTEGER_COLUMNS:
            df[c] = df[c].astype("int64")
        frames[sfx] = df.reset_index(drop=True)
    return frames


def _finish(df: pd.DataFrame, kind: str, season: Season) -> pd.DataFrame:
    if df.empty:
        return df.assign(period=pd.Series(dtype=str))
    codes, starts = pd.factorize(df["period_start"])  # label each distinct period once
    labels = np.array([period_label(kind, s, season) for s in pd.to_datetime(starts).date], dtype=object)
    df.insert(0, "period", labels[codes])
    df = df.sort_values(["period_start", "drama_id"], kind="stable").reset_index(drop=True)
    for c in df.columns:
        if df[c].dtype.kind == "f":
            df[c] = engine_neutral(df[c].to_numpy())
    return df


#: mantissa bits kept by ``engine_neutral`` (40 bits ≈ 12 significant decimal digits)
NEUTRAL_BITS = 40


def engine_neutral(x: np.ndarray) -> np.ndarray:
    """``x`` rounded to 40 mantissa bits (≈ 12 significant digits).

    The last bits of an indicator may differ from engine to engine (DuckDB, Spark: each computes
    its divisions, casts and built-in functions its own way; sums are exact, see ``_sum``, and so
    the same on every run). Those last bits decide exactly tied units (two dramas with the same
    capped value), and so ranks in the Monte Carlo replications. Rounded, the indicators — and
    everything computed from them — are the same on every engine.
    """
    x = np.asarray(x, dtype="float64")
    m, e = np.frexp(x)
    scale = float(2 ** NEUTRAL_BITS)
    return np.ldexp(np.round(m * scale) / scale, e)
