"""Run every detector over the facts: day flags (lazy Ibis table) and episodes (a pandas frame)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from fanxing.integrity.baseline import plays_baseline
from fanxing.integrity.config import IntegrityConfig
from fanxing.integrity.corroborate import corroborate_completion
from fanxing.integrity.engagement import engagement_flags, ratio_table
from fanxing.integrity.engine import materialize
from fanxing.integrity.episodes import EPISODE_COLUMNS, merge_episodes
from fanxing.integrity.impossible import impossible_flags
from fanxing.integrity.plays import plays_flags
from fanxing.integrity.prepare import prepare, series_table


def detect_days(facts: ir.Table, dramas: ir.Table | None = None,
                config: IntegrityConfig | None = None) -> ir.Table:
    """One row per flagged day × indicator × reason: drama_id, platform, date, indicator, reason,
    severity_rank (0 low, 1 medium, 2 high), score (robust z), expected (baseline), observed, others_z.

    Runs a few aggregate queries eagerly (the per-series decay fits); the returned table is lazy."""
    config = config or IntegrityConfig()
    series = series_table(facts, dramas)
    # not materialised: re-reading the facts (a scan and a join with the small series table) costs
    # less than an Arrow copy of every fact column, and keeps that copy out of memory
    base = prepare(facts, series)
    scored = plays_baseline(base, config)
    # only the columns plays_flags reads: a narrower copy of the 5M-row scored table
    scored = materialize(scored.select("sid", "did", "date", "day", "sage", "plays", "expected_plays",
                                       "scale", "launch_k", "resid", "n_days"))
    ratios = ratio_table(base, config)
    plays, plays_cand = plays_flags(scored, series, config, ratios)
    plays = materialize(plays)
    del scored  # the 5M-row scored table is released once nothing refers to it
    *engagement, completion = engagement_flags(*ratios, series, config)
    engagement = materialize(ibis.union(*engagement, distinct=False))
    completion = materialize(completion)
    del ratios  # as is the per-row ratio table
    evidence = ibis.union(plays.select("drama_id", "platform", "date"),
                          engagement.select("drama_id", "platform", "date"), plays_cand, distinct=False)
    parts = [plays, engagement, corroborate_completion(completion, evidence, config)]
    parts += impossible_flags(base, series)
    return ibis.union(*parts, distinct=False)


def detect(facts: ir.Table, dramas: ir.Table | None = None,
           config: IntegrityConfig | None = None) -> pd.DataFrame:
    """Anomaly episodes as a pandas frame (EPISODE_COLUMNS), sorted by drama, platform, start,
    indicator; start/end as ``datetime.date``."""
    config = config or IntegrityConfig()
    days = materialize(detect_days(facts, dramas, config))
    ep = merge_episodes(days, config).to_pandas()
    return finish_episodes(ep)


def finish_episodes(ep: pd.DataFrame) -> pd.DataFrame:
    """Column order, date types and a deterministic sort for an executed episode table."""
    ep = ep.copy()
    ep["indicators"] = ep["indicators"].map(lambda v: "|".join(sorted(set(str(v).split("|")))))
    for c in ("start", "end"):
        ep[c] = pd.to_datetime(ep[c]).dt.date
    ep = ep.sort_values(["drama_id", "platform", "start", "indicator", "reason"], kind="stable")
    return ep.loc[:, list(EPISODE_COLUMNS)].reset_index(drop=True)
