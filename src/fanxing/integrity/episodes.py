"""Merge flagged days into episodes per drama × platform × indicator (gaps up to max_gap_days),
then episodes of one drama × platform whose dates overlap (or lie within max_gap_days) across
indicators into one reported episode: one planted or real incident (bought plays dragging
completion down, say) is one episode, whose ``indicator`` is the primary one (most severe, then
plays before engagement before rates, then highest score) and ``indicators`` lists them all.

Episode ``expected``/``observed`` are SUMS over the episode's flagged days for counts (plays, likes,
...) and MEANS for rates (completion_rate, rating). ``severity`` is the highest day severity,
``reason`` the reason of the most severe (then highest-scoring) day, ``score`` the highest day z,
``shape`` the detector's guess of the planted shape (burst, plateau, slow_creep, likes_only, ...).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fanxing.integrity.config import COUNT_INDICATORS, RATE_INDICATORS, IntegrityConfig
from fanxing.integrity.flags import severity_label

EPISODE_COLUMNS = ("drama_id", "platform", "start", "end", "indicator", "reason", "severity",
                   "expected", "observed", "days", "score", "others_z", "shape", "indicators")
GROUP = ["drama_id", "platform", "indicator"]


def dedupe_days(days: ir.Table) -> ir.Table:
    """One row per drama × platform × indicator × date: the most severe, then highest-scoring flag."""
    d = days.mutate(_k=days.severity_rank.cast("float64") * 1e7 + ibis.least(days.score, 1e6))
    return d.group_by([*GROUP, "date"]).agg(
        reason=d.reason.argmax(d._k), severity_rank=d.severity_rank.max(), score=d.score.max(),
        expected=d.expected.argmax(d._k), observed=d.observed.max(), others_z=d.others_z.argmax(d._k))


def merge_episodes(days: ir.Table, config=None) -> ir.Table:
    """Episodes (EPISODE_COLUMNS plus severity_rank) from a day-flag table (see detect_days):
    per-indicator episodes, merged across indicators (see the module docstring)."""
    config = config or IntegrityConfig()
    return merge_indicators(indicator_episodes(days, config), config)


def merge_indicators(e: ir.Table, config: IntegrityConfig) -> ir.Table:
    """One row per drama × platform incident: per-indicator episodes chained when one starts at most
    max_gap_days after the latest end so far. Columns of the primary episode, dates spanning all."""
    e = e.mutate(_s=e.start.epoch_days().cast("int64"), _e=e.end.epoch_days().cast("int64"))
    keys = ["drama_id", "platform"]
    order = [e._s, e._e, e.indicator]
    e = e.mutate(_run=e._e.max().over(ibis.cumulative_window(group_by=keys, order_by=order)))
    prev_end = e._run.lag().over(ibis.window(group_by=keys, order_by=order))
    e = e.mutate(_new=ibis.ifelse(prev_end.isnull() | ((e._s - prev_end) > config.max_gap_days), 1, 0))
    e = e.mutate(_inc=e._new.sum().over(ibis.cumulative_window(group_by=keys, order_by=order)))
    prio = ibis.cases((e.indicator == "plays", 2), (e.indicator.isin(list(COUNT_INDICATORS)), 1), else_=0)
    e = e.mutate(_k=e.severity_rank.cast("float64") * 1e8 + prio.cast("float64") * 1e7
                 + ibis.least(e.score, 1e6))
    g = e.group_by([*keys, "_inc"]).agg(
        start=e.start.min(), end=e.end.max(), indicator=e.indicator.argmax(e._k), reason=e.reason.argmax(e._k),
        severity=e.severity.argmax(e._k), expected=e.expected.argmax(e._k), observed=e.observed.argmax(e._k),
        days=e.days.argmax(e._k), score=e.score.max(), others_z=e.others_z.argmax(e._k),
        shape=e.shape.argmax(e._k), indicators=e.indicator.group_concat("|"), severity_rank=e.severity_rank.max())
    return g.drop("_inc")


def episode_days(days: ir.Table, config: IntegrityConfig) -> ir.Table:
    """Deduplicated day flags plus ``day`` (epoch days) and ``episode`` (id within drama ×
    platform × indicator; flagged days at most max_gap_days apart share one)."""
    d = dedupe_days(days)
    d = d.mutate(day=d.date.epoch_days().cast("int64"))
    prev = d.day.lag().over(ibis.window(group_by=GROUP, order_by="day"))
    d = d.mutate(_new=ibis.ifelse(prev.isnull() | ((d.day - prev) > config.max_gap_days), 1, 0))
    return d.mutate(episode=d._new.sum().over(ibis.cumulative_window(group_by=GROUP, order_by="day"))).drop("_new")


def indicator_episodes(days: ir.Table, config: IntegrityConfig) -> ir.Table:
    """Episodes per drama × platform × indicator (EPISODE_COLUMNS but ``indicators``, plus
    severity_rank)."""
    d = episode_days(days, config)
    d = d.mutate(_k=d.severity_rank.cast("float64") * 1e7 + ibis.least(d.score, 1e6))
    e = d.group_by([*GROUP, "episode"]).agg(
        start=d.date.min(), end=d.date.max(), days=d.day.count(),
        reason=d.reason.argmax(d._k), severity_rank=d.severity_rank.max(), score=d.score.max(),
        exp_sum=d.expected.sum(), exp_mean=d.expected.mean(),
        obs_sum=d.observed.sum(), obs_mean=d.observed.mean(), others_z=d.others_z.mean(),
        first_day=d.day.min(), last_day=d.day.max(), peak_day=d.day.argmax(d.score),
        first_score=d.score.argmin(d.day))
    is_rate = e.indicator.isin(list(RATE_INDICATORS))
    span = (e.last_day - e.first_day + 1).cast("float64")
    peak_pos = (e.peak_day - e.first_day).cast("float64") / ibis.greatest(span - 1.0, 1.0)
    shape = ibis.cases(
        (e.reason.startswith("impossible"), "impossible"),
        (e.indicator.isin(list(config.engagement_metrics)), "likes_only"),
        (e.indicator != "plays", e.indicator),
        (span <= config.burst_max_days, "burst"),
        ((span >= 7) & (peak_pos >= 0.6) & (e.first_score <= 0.5 * e.score), "slow_creep"),
        else_="plateau")
    return e.select(
        "drama_id", "platform", "start", "end", "indicator", "reason",
        severity=severity_label(e.severity_rank),
        expected=ibis.ifelse(is_rate, e.exp_mean, e.exp_sum), observed=ibis.ifelse(is_rate, e.obs_mean, e.obs_sum),
        days=e.days, score=e.score, others_z=e.others_z, shape=shape, severity_rank=e.severity_rank)
