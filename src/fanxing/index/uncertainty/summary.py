"""Per-unit rank statistics over the replications (median, 5–95 % band, chance of the top k) and the
average absolute rank shift against the nominal ranks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fanxing.parallel import ordered_map

LOW_Q = 0.05
HIGH_Q = 0.95
_BLOCK = 1 << 16  # elements of the ranks array handled at a time by rank_shift (≈ 256 KiB of int32)
_TABLE_BLOCK = 1 << 18  # ranks copied and sorted at a time by rank_table


def rank_shift(ranks: np.ndarray, nominal: np.ndarray) -> np.ndarray:
    """Mean |rank − nominal rank| per replication over the units ranked in both (0 = unranked)."""
    nominal = nominal.astype(np.int32)
    out = np.empty(len(ranks))
    step = max(1, _BLOCK // max(1, ranks.shape[1]))  # a few rows at a time: temporaries stay in cache
    for r0 in range(0, len(ranks), step):
        part = ranks[r0:r0 + step]
        both = (part > 0) & (nominal > 0)[None, :]
        diff = np.abs(part - nominal[None, :])
        if not both.all():
            diff[~both] = 0
        count = both.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[r0:r0 + step] = np.where(count > 0, diff.sum(axis=1, dtype=np.int64) / np.maximum(count, 1), np.nan)
    return out


def _quantile_index(q: float, count: np.ndarray) -> np.ndarray:
    """Index of the q-quantile in a sorted sample of ``count`` values (inverted CDF: an observed rank)."""
    return np.clip(np.ceil(q * count).astype(np.int64) - 1, 0, np.maximum(count - 1, 0))


def rank_table(ranks: np.ndarray, nominal: np.ndarray, units: pd.Index, top: int) -> pd.DataFrame:
    """One row per unit: nominal_rank, median_rank, rank_low, rank_high, p_top<k>, rank_p5, rank_p95.

    ``rank_p5``/``rank_p95`` are the 5th/95th percentiles of the unit's rank over the replications
    (observed ranks, inverted-CDF definition); ``rank_low``/``rank_high`` are that band widened, where
    needed, to contain the nominal rank, so that rank_low ≤ nominal_rank ≤ rank_high always holds.
    """
    n_rep, n = ranks.shape
    count = np.empty(n, dtype=np.int64)
    in_top = np.empty(n, dtype=np.int64)
    at = {"p5": np.empty(n, dtype=np.int32), "p95": np.empty(n, dtype=np.int32),
          "lo": np.empty(n, dtype=np.int32), "hi": np.empty(n, dtype=np.int32)}
    step = max(1, _TABLE_BLOCK // max(1, n_rep))
    small = n < 1 << 16  # ranks fit 16 bits: a radix sort

    def summarise(c0: int) -> None:
        """Units c0..c0+step: their (units × replications) copy sorted in cache; each block writes
        its own slice of the outputs, so blocks run on threads (numpy's sorts release the GIL)."""
        block = ranks[:, c0:c0 + step].T
        srt = block.astype(np.uint16) if small else np.ascontiguousarray(block)
        srt.sort(axis=1, kind="stable" if small else None)  # unranked (0) first, then ascending ranks
        ranked = srt > 0
        cnt = ranked.sum(axis=1)
        count[c0:c0 + step] = cnt
        in_top[c0:c0 + step] = (ranked & (srt <= top)).sum(axis=1)
        rows = np.arange(len(srt))
        first = n_rep - cnt  # position of the smallest rank
        for name, idx in (("p5", _quantile_index(LOW_Q, cnt)), ("p95", _quantile_index(HIGH_Q, cnt)),
                          ("lo", np.maximum(cnt - 1, 0) // 2), ("hi", cnt // 2)):
            at[name][c0:c0 + step] = srt[rows, np.minimum(first + idx, n_rep - 1)]

    for _ in ordered_map(summarise, range(0, n, step), name="fanxing-ranktable"):
        pass
    has = count > 0

    def pick(name: str) -> np.ndarray:
        return np.where(has, at[name], np.nan).astype(float)

    p5 = pick("p5")
    p95 = pick("p95")
    median = (pick("lo") + pick("hi")) / 2.0
    nom = np.where(nominal > 0, nominal, np.nan).astype(float)
    low = np.fmin(p5, nom)
    high = np.fmax(p95, nom)
    p_top = in_top / n_rep
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
