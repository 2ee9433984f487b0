"""Per-unit rank statistics over the replications (median, 5–95 % band, chance of the top k) and the
average absolute rank shift against the nominal ranks."""

from __future__ import annotations

import numpy as np
import pandas as pd

LOW_Q = 0.05
HIGH_Q = 0.95


def rank_shift(ranks: np.ndarray, nominal: np.ndarray) -> np.ndarray:
    """Mean |rank − nominal rank| per replication over the units ranked in both (0 = unranked)."""
    nominal = nominal.astype(np.int32)
    both = (ranks > 0) & (nominal > 0)[None, :]
    diff = np.abs(ranks - nominal[None, :])
    if not both.all():
        diff[~both] = 0
    count = both.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, diff.sum(axis=1, dtype=np.int64) / np.maximum(count, 1), np.nan)


def _quantile_index(q: float, count: np.ndarray) -> np.ndarray:
    """Index of the q-quantile in a sorted sample of ``count`` values (inverted CDF: an observed rank)."""
    return np.clip(np.ceil(q * count).astype(np.int64) - 1, 0, np.maximum(count - 1, 0))


def rank_table(ranks: np.ndarray, nominal: np.ndarray, units: pd.Index, top: int) -> pd.DataFrame:
    """One row per unit: nominal_rank, median_rank, rank_low, rank_high, p_top<k>, rank_p5, rank_p95.

    ``rank_p5``/``rank_p95`` are the 5th/95th percentiles of the unit's rank over the replications
    (observed ranks, inverted-CDF definition); ``rank_low``/``rank_high`` are that band widened, where
    needed, to contain the nominal rank, so that rank_low ≤ nominal_rank ≤ rank_high always holds.
    """
    n_rep = ranks.shape[0]
    ranked = ranks > 0
    count = ranked.sum(axis=0)
    big = np.iinfo(np.int32).max
    srt = np.sort(np.where(ranked, ranks, big).T, axis=1)  # (units, replications), unranked last
    rows = np.arange(srt.shape[0])
    has = count > 0

    def pick(idx: np.ndarray) -> np.ndarray:
        return np.where(has, srt[rows, np.minimum(idx, n_rep - 1)], np.nan).astype(float)

    p5 = pick(_quantile_index(LOW_Q, count))
    p95 = pick(_quantile_index(HIGH_Q, count))
    median = (pick(np.maximum(count - 1, 0) // 2) + pick(count // 2)) / 2.0
    nom = np.where(nominal > 0, nominal, np.nan).astype(float)
    low = np.fmin(p5, nom)
    high = np.fmax(p95, nom)
    p_top = ((ranks > 0) & (ranks <= top)).sum(axis=0) / n_rep
    return pd.DataFrame({
        "nominal_rank": _int(nom),
        "median_rank": median,
        "rank_low": _int(low),
        "rank_high": _int(high),
        f"p_top{top}": p_top,
        "rank_p5": _int(p5),
        "rank_p95": _int(p95),
    }, index=units)


def _int(x: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole ranks as a nullable integer column (missing where the unit was never ranked)."""
    return pd.array(x, dtype="Float64").astype("Int64")
