"""Run every detector over the facts: day flags (lazy Ibis table) and episodes (a pandas frame)."""

from __future__ import annotations

import os

import ibis
import ibis.expr.types as ir
import pandas as pd

from fanxing.integrity.baseline import plays_baseline
from fanxing.integrity.config import IntegrityConfig
from fanxing.integrity.corroborate import corroborate_completion
from fanxing.integrity.engagement import engagement_flags, ratio_table
from fanxing.integrity.engine import materialize
from fanxing.integrity.episodes import EPISODE_COLUMNS, merge_episodes
from fanxing.integrity.impossible import impossible_candidates, impossible_flags
from fanxing.integrity.plays import plays_flags
from fanxing.integrity.prepare import prepare, series_frame, series_table
from fanxing.integrity.screen import outside_z, screen

#: diagnostics of the last screened detect_days call: series, candidates, stage2_series,
#: stage2_rows, rows (for the benchmark; not part of the results)
LAST_SCREEN: dict = {}


METHODS = ("auto", "compiled", "ibis")


def use_compiled(facts: ir.Table, method: str | None = None) -> bool:
    """Whether detection runs the compiled detectors (compiled.py) rather than the Ibis ones:
    ``method`` (or ``FANXING_INTEGRITY_METHOD``) ``auto`` — compiled on DuckDB, Ibis on any other
    engine —, ``compiled`` or ``ibis``."""
    method = method or os.environ.get("FANXING_INTEGRITY_METHOD", "auto")
    if method not in METHODS:
        raise ValueError(f"unknown integrity method {method!r}; expected one of {', '.join(METHODS)}")
    if method == "auto":
        try:
            return facts.get_backend().name == "duckdb"
        except Exception:  # an unbound in-memory table runs on the default backend, DuckDB
            return True
    return method == "compiled"


def detect_days(facts: ir.Table, dramas: ir.Table | None = None,
                config: IntegrityConfig | None = None, method: str | None = None) -> ir.Table:
    """One row per flagged day × indicator × reason: drama_id, platform, date, indicator, reason,
    severity_rank (0 low, 1 medium, 2 high), score (robust z), expected (baseline), observed, others_z.

    Runs a few aggregate queries eagerly (the screen and the per-series decay fits); the returned
    table is lazy. With ``config.screen`` (the default) a cheap screen over every series
    (screen.py) clears most of them and the robust detectors run only on the rest; the
    impossible-value rules run on every row.

    ``method`` chooses the implementation (use_compiled): the compiled detectors fetch the facts
    once, ordered by series and day, and compute the same flags in a few compiled passes."""
    config = config or IntegrityConfig()
    if use_compiled(facts, method):
        from fanxing.integrity.compiled import DAY_SCHEMA, statistical_flags

        frame = series_frame(facts, dramas)
        series = ibis.memtable(frame)
        stats = ibis.memtable(statistical_flags(facts, frame, config), schema=DAY_SCHEMA)
        suspect = materialize(facts.filter(impossible_candidates(facts)))  # one scan; few rows
        return ibis.union(stats, *impossible_flags(prepare(suspect, series), series), distinct=False)
    series = series_table(facts, dramas)
    # not materialised: re-reading the facts (a scan and a join with the small series table) costs
    # less than an Arrow copy of every fact column, and keeps that copy out of memory
    base = prepare(facts, series)
    coef1 = effects = reference = outside = None
    scoped = base
    if config.screen:
        sc = screen(base, config)
        LAST_SCREEN.clear()
        LAST_SCREEN.update(series=sc.n_series, candidates=sc.n_candidates, stage2_series=sc.n_stage2,
                           stage2_rows=sc.rows_stage2, rows=sc.rows_total)
        coef1, effects, reference = sc.coef1, sc.effects, sc.reference
        outside = outside_z(base, sc, config)
        # the stage-2 rows, copied once: every detector below reads them several times
        scoped = materialize(base.semi_join(sc.stage2, "sid"))
    scored = plays_baseline(scoped, config, coef1, effects, reference)
    # only the columns plays_flags reads: a narrower copy of the scored table
    scored = materialize(scored.select("sid", "did", "date", "day", "sage", "plays", "expected_plays",
                                       "scale", "launch_k", "resid", "n_days"))
    ratios = ratio_table(scoped, config)
    plays, plays_cand = plays_flags(scored, series, config, ratios, outside)
    plays = materialize(plays)
    del scored  # the scored table is released once nothing refers to it
    *engagement, completion = engagement_flags(*ratios, series, config, reference)
    engagement = materialize(ibis.union(*engagement, distinct=False))
    completion = materialize(completion)
    del ratios  # as is the per-row ratio table
    evidence = ibis.union(plays.select("drama_id", "platform", "date"),
                          engagement.select("drama_id", "platform", "date"), plays_cand, distinct=False)
    parts = [plays, engagement, corroborate_completion(completion, evidence, config)]
    parts += impossible_flags(base, series)
    return ibis.union(*parts, distinct=False)


def detect(facts: ir.Table, dramas: ir.Table | None = None,
           config: IntegrityConfig | None = None, method: str | None = None) -> pd.DataFrame:
    """Anomaly episodes as a pandas frame (EPISODE_COLUMNS), sorted by drama, platform, start,
    indicator; start/end as ``datetime.date``."""
    config = config or IntegrityConfig()
    days = materialize(detect_days(facts, dramas, config, method))
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
