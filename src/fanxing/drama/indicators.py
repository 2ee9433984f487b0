"""Drama indicators per period, computed in the warehouse and harmonised across platforms.

A play on Douyin is not a play on iQIYI: every volume is first divided by the mean of the same
volume over the dramas on that platform in that period, every rate by the platform's rate in the
period; the per-platform values are then combined with platform weights (reach). See
``docs/methodology.md`` for the reasoning behind each indicator.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from fanxing.drama.periods import Season, assign_periods, period_label

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


def _nz(x: ir.NumericValue) -> ir.NumericValue:
    """Null-safe zero for sums of optional counts."""
    return x.fill_null(0)


def per_platform(facts: ir.Table, dramas: ir.Table, kind: str, season: Season) -> ir.Table:
    """Sums per (period, platform, drama) with the availability window of the drama."""
    t = assign_periods(facts, dramas, kind, season)
    half = (t.window_days / 2.0)
    late = t.date.delta(t.window_start, unit="day") >= half
    interactions = _nz(t.likes) + _nz(t.comments) + _nz(t.shares) + _nz(t.favorites)
    return t.group_by(["period_start", "platform", "drama_id"]).aggregate(
        window_days=t.window_days.max(),
        plays=t.plays.sum(),
        likes=_nz(t.likes).sum(),
        comments=_nz(t.comments).sum(),
        shares=_nz(t.shares).sum(),
        favorites=_nz(t.favorites).sum(),
        interactions=interactions.sum(),
        revenue=_nz(t.revenue_cny).sum(),
        completion_w=(t.completion_rate * t.plays).sum(),
        completion_plays=t.plays.sum(where=t.completion_rate.notnull()),
        rating_w=(t.rating * t.plays).sum(),
        rating_plays=t.plays.sum(where=t.rating.notnull()),
        late_plays=t.plays.sum(where=late),
        active_days=t.date.nunique(where=t.plays > 0),
    )


def _safe_div(a: ir.NumericValue, b: ir.NumericValue) -> ir.NumericValue:
    return ibis.cases((b > 0, a / b), else_=ibis.null("float64"))


def platform_weights_table(platforms: pd.Series) -> ir.Table:
    """An ibis memtable of platform → weight (weights sum to 1)."""
    w = platforms.astype("float64")
    w = w / w.sum()
    return ibis.memtable(pd.DataFrame({"platform": w.index.astype(str), "pweight": w.to_numpy()}))


def harmonise(pp: ir.Table, weights: ir.Table) -> ir.Table:
    """Indicators per (period, drama) from per-platform sums, harmonised across platforms."""
    norms = pp.group_by(["period_start", "platform"]).aggregate(
        m_plays=pp.plays.mean(),
        m_shares=pp.shares.mean(),
        m_inter=pp.interactions.mean(),
        m_revenue=pp.revenue.mean(where=pp.revenue > 0),
        r_inter=_safe_div(pp.interactions.sum(), pp.plays.sum()),
        r_comment=_safe_div(pp.comments.sum(), pp.plays.sum()),
        r_positive=_safe_div((pp.likes + pp.favorites).sum(), pp.plays.sum()),
        r_completion=_safe_div(pp.completion_w.sum(), pp.completion_plays.sum()),
        r_rpp=_safe_div(pp.revenue.sum(), pp.plays.sum()),
    )
    j = pp.join(norms, ["period_start", "platform"]).join(weights, "platform", how="left")
    w = j.pweight.fill_null(0.0)
    rel_plays = _safe_div(j.plays.cast("float64"), j.m_plays).fill_null(0.0)
    wp = w * rel_plays  # weight of this platform in the drama's rate averages
    rate_inter = _safe_div(_safe_div(j.interactions.cast("float64"), j.plays), j.r_inter)
    rate_comment = _safe_div(_safe_div(j.comments.cast("float64"), j.plays), j.r_comment)
    rate_positive = _safe_div(_safe_div((j.likes + j.favorites).cast("float64"), j.plays), j.r_positive)
    rate_completion = _safe_div(_safe_div(j.completion_w, j.completion_plays), j.r_completion)
    rate_rpp = _safe_div(_safe_div(j.revenue, j.plays), j.r_rpp)
    rating = _safe_div(j.rating_w, j.rating_plays)
    j = j.mutate(
        w=w, wp=wp, rel_plays=rel_plays,
        rel_late=_safe_div(j.late_plays.cast("float64"), j.m_plays).fill_null(0.0),
        rel_shares=_safe_div(j.shares.cast("float64"), j.m_shares).fill_null(0.0),
        rel_inter=_safe_div(j.interactions.cast("float64"), j.m_inter).fill_null(0.0),
        rel_revenue=_safe_div(j.revenue, j.m_revenue).fill_null(0.0),
        rate_inter=rate_inter, rate_comment=rate_comment, rate_positive=rate_positive,
        rate_completion=rate_completion, rate_rpp=rate_rpp, rating_v=rating,
    )

    def wmean(col: ir.NumericValue) -> ir.NumericValue:
        return _safe_div((j.wp * col).sum(where=col.notnull()), j.wp.sum(where=col.notnull()))

    out = j.group_by(["period_start", "drama_id"]).aggregate(
        eq_plays=(j.w * j.rel_plays).sum(),
        eq_shares=(j.w * j.rel_shares).sum(),
        breadth=j.w.sum(where=j.plays > 0),
        interaction_rate=wmean(j.rate_inter),
        comment_rate=wmean(j.rate_comment),
        eq_interactions=(j.w * j.rel_inter).sum(),
        completion=wmean(j.rate_completion),
        rating=_safe_div((j.plays * j.rating_v).sum(where=j.rating_v.notnull()),
                         j.plays.sum(where=j.rating_v.notnull()).cast("float64")),
        positive_rate=wmean(j.rate_positive),
        eq_revenue=(j.w * j.rel_revenue).sum(),
        revenue_per_play=wmean(j.rate_rpp),
        active_days=j.active_days.max(),
        window_days=j.window_days.max(),
        eq_late=(j.w * j.rel_late).sum(),
        plays_total=j.plays.sum(),
        platforms=j.platform.nunique(where=j.plays > 0),
    )
    return out.mutate(
        active_ratio=ibis.least(out.active_days.cast("float64") / out.window_days, 1.0),
        retention=_safe_div(out.eq_late, out.eq_plays),
    ).drop("eq_late", "active_days", "window_days")


def compute_indicators(facts: ir.Table, dramas: ir.Table, kind: str, season: Season,
                       platform_weights: pd.Series) -> pd.DataFrame:
    """Units × indicators for every period of ``kind``: columns period, drama_id, indicators…

    Only dramas with at least one play in the period are units of that period.
    """
    pp = per_platform(facts, dramas, kind, season)
    out = harmonise(pp, platform_weights_table(platform_weights))
    df = out.filter(out.plays_total > 0).to_pandas()
    if df.empty:
        return df.assign(period=pd.Series(dtype=str))
    starts = pd.to_datetime(df["period_start"]).dt.date
    df.insert(0, "period", [period_label(kind, s, season) for s in starts])
    df = df.sort_values(["period_start", "drama_id"], kind="stable").reset_index(drop=True)
    for c in df.columns:
        if df[c].dtype.kind == "f":
            df[c] = engine_neutral(df[c].to_numpy())
    return df


#: mantissa bits kept by ``engine_neutral`` (40 bits ≈ 12 significant decimal digits)
NEUTRAL_BITS = 40


def engine_neutral(x: np.ndarray) -> np.ndarray:
    """``x`` rounded to 40 mantissa bits (≈ 12 significant digits).

    Sums over many rows come out in the last bits differently from run to run (DuckDB adds in
    parallel) and from engine to engine (DuckDB, Spark). Those last bits decide exactly tied units
    (two dramas with the same capped value), and so ranks in the Monte Carlo replications. Rounded,
    the indicators — and everything computed from them — are the same on every engine and run.
    """
    x = np.asarray(x, dtype="float64")
    m, e = np.frexp(x)
    scale = float(2 ** NEUTRAL_BITS)
    return np.ldexp(np.round(m * scale) / scale, e)
