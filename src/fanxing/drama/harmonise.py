"""Harmonising the per-platform sums of a period across platforms, on the driver (numpy).

The engine reduces the facts to sums per (period, platform, drama) (``indicators.per_platform``);
this module turns them into indicators per (period, drama): every volume is divided by the mean of
the same volume over the dramas on that platform in that period, every rate by the platform's
pooled rate in the period, and the per-platform values are combined with the platforms' weights.
See ``docs/methodology.md`` §2.

Why here and not in the engine: a (period, drama) has one row per platform, a handful, and the
table is of the size of the units × indicators table the index engine works on anyway. Summed by
the engine, every float sum had to be made exact to be the same from run to run (see
``indicators._sum``), which cost more than all the rest of the query. Here the rows are put in one
order — (period, drama, platform), a total order since those are the keys — and every sum is taken
in that order (``np.bincount``), so the result is the same bits on every run and on every engine.

NULL semantics are SQL's, as before: a sum with no non-null term is NULL (NaN), a division by a
denominator that is not positive is NULL, and a platform without a weight weighs 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: the (period, drama) columns of every variant, in their published order (``indicators.COLUMNS``);
#: and the two that are integers
DRAMA_COLUMNS = ("eq_plays", "eq_shares", "breadth", "interaction_rate", "comment_rate", "eq_interactions",
                 "completion", "rating", "positive_rate", "eq_revenue", "revenue_per_play", "plays_total",
                 "platforms", "active_ratio", "retention")
INTEGER_COLUMNS = ("plays_total", "platforms")


def _num(df: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as float64 with NaN for NULL (ints, nullable ints and floats alike)."""
    return pd.to_numeric(df[name]).to_numpy(dtype="float64", na_value=np.nan)


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a / b`` where ``b`` > 0, else NaN (SQL: NULL)."""
    ok = b > 0  # NaN compares False
    out = np.full(np.broadcast(a, b).shape, np.nan)
    np.divide(a, b, out=out, where=ok)
    return out


class _Groups:
    """Row → group index and NaN-aware sums in row order; every group has at least one row."""

    def __init__(self, index: np.ndarray, n: int, first: np.ndarray | None = None):
        self.index, self.n = index, n
        self.first = first  # the first row of each group, when a group's rows are consecutive

    def sum(self, x: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
        """Per group, the sum of the non-NaN ``x`` (where ``where``); NaN when there is none."""
        valid = ~np.isnan(x)
        if where is not None:
            valid &= where
        if valid.all():  # no group without a term
            return np.bincount(self.index, weights=x, minlength=self.n)
        total = np.bincount(self.index, weights=np.where(valid, x, 0.0), minlength=self.n)
        total[self.count(valid) == 0] = np.nan
        return total

    def count(self, where: np.ndarray) -> np.ndarray:
        return np.bincount(self.index[where], minlength=self.n)

    def mean(self, x: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
        valid = ~np.isnan(x) if where is None else ~np.isnan(x) & where
        return _div(self.sum(x, valid), self.count(valid).astype("float64"))

    def max(self, x: np.ndarray) -> np.ndarray:
        """Per group, the largest non-NaN ``x``, NaN when there is none (groups of consecutive rows)."""
        if not len(x):
            return np.full(self.n, np.nan)
        top = np.maximum.reduceat(np.where(np.isnan(x), -np.inf, x), self.first)
        top[top == -np.inf] = np.nan
        return top


def harmonise_frame(pp: pd.DataFrame, platform_weights: pd.Series, variants: tuple[str, ...] = ("",)) -> pd.DataFrame:
    """Indicators per (period, drama) from the per-platform sums ``pp`` (one row per (period_start,
    platform, drama_id); the sums of each variant suffixed, see ``indicators.per_platform``).

    Columns: period_start, drama_id, then ``<indicator><suffix>`` for every variant
    (``DRAMA_COLUMNS``); the rows of every (period, drama) of ``pp``, in (period, drama) order.
    ``platform_weights``: platform → weight (normalised to sum to 1 here; a platform without one
    weighs 0).
    """
    period_codes, _ = pd.factorize(pp["period_start"], sort=True)
    drama_codes, _ = pd.factorize(pp["drama_id"], sort=True)
    platform_codes, platforms = pd.factorize(pp["platform"], sort=True)
    order = np.lexsort((platform_codes, drama_codes, period_codes))  # the keys: a total order
    period_codes, drama_codes, platform_codes = period_codes[order], drama_codes[order], platform_codes[order]

    # (period, platform): the platforms' norms; (period, drama): the units, consecutive rows
    nplat = max(len(platforms), 1)
    by_platform = _Groups(period_codes.astype("int64") * nplat + platform_codes,
                          (int(period_codes.max()) + 1 if len(pp) else 0) * nplat)
    new_unit = np.ones(len(pp), dtype=bool)
    new_unit[1:] = (period_codes[1:] != period_codes[:-1]) | (drama_codes[1:] != drama_codes[:-1])
    by_drama = _Groups(np.cumsum(new_unit) - 1, int(new_unit.sum()), np.flatnonzero(new_unit))
    rows = order[by_drama.first]

    weights = platform_weights.astype("float64")
    weights = weights / weights.sum()
    w = pd.Series(platforms).map(weights).fillna(0.0).to_numpy(dtype="float64")[platform_codes]

    def column(name: str) -> np.ndarray:
        return _num(pp, name)[order]

    out: dict[str, object] = {"period_start": pp["period_start"].to_numpy()[rows],
                              "drama_id": pp["drama_id"].to_numpy()[rows]}
    window_days = by_drama.max(column("window_days"))
    for sfx in variants:
        out.update(_variant(column, sfx, w, by_platform, by_drama, window_days))
    return pd.DataFrame(out)


def _variant(column, sfx: str, w: np.ndarray, by_platform: _Groups, by_drama: _Groups,
             window_days: np.ndarray) -> dict[str, np.ndarray]:
    def c(name: str) -> np.ndarray:
        return column(name + sfx)

    plays, shares, inter, revenue = c("plays"), c("shares"), c("interactions"), c("revenue")
    comments, positive = c("comments"), c("likes") + c("favorites")
    completion_w, completion_plays = c("completion_w"), c("completion_plays")

    # the platform's norms in the period, back on every row
    def norm(x: np.ndarray) -> np.ndarray:
        return x[by_platform.index]

    s_plays = by_platform.sum(plays)
    m_plays = norm(by_platform.mean(plays))
    m_shares = norm(by_platform.mean(shares))
    m_inter = norm(by_platform.mean(inter))
    m_revenue = norm(by_platform.mean(revenue, where=revenue > 0))
    r_inter = norm(_div(by_platform.sum(inter), s_plays))
    r_comment = norm(_div(by_platform.sum(comments), s_plays))
    r_positive = norm(_div(by_platform.sum(positive), s_plays))
    r_completion = norm(_div(by_platform.sum(completion_w), by_platform.sum(completion_plays)))
    r_rpp = norm(_div(by_platform.sum(revenue), s_plays))

    def rel(x: np.ndarray, m: np.ndarray) -> np.ndarray:
        return np.nan_to_num(_div(x, m), nan=0.0)

    rel_plays = rel(plays, m_plays)
    wp = w * rel_plays  # weight of this platform in the drama's rate averages

    def wmean(x: np.ndarray) -> np.ndarray:
        known = ~np.isnan(x)
        return _div(by_drama.sum(wp * x, where=known), by_drama.sum(wp, where=known))

    g = by_drama
    rating = _div(c("rating_w"), c("rating_plays"))
    has_rating = ~np.isnan(rating)
    eq_plays = g.sum(w * rel_plays)
    eq_late = g.sum(w * rel(c("late_plays"), m_plays))
    active_days = g.max(c("active_days"))
    return {
        f"eq_plays{sfx}": eq_plays,
        f"eq_shares{sfx}": g.sum(w * rel(shares, m_shares)),
        f"breadth{sfx}": g.sum(w, where=plays > 0),
        f"interaction_rate{sfx}": wmean(_div(_div(inter, plays), r_inter)),
        f"comment_rate{sfx}": wmean(_div(_div(comments, plays), r_comment)),
        f"eq_interactions{sfx}": g.sum(w * rel(inter, m_inter)),
        f"completion{sfx}": wmean(_div(_div(completion_w, completion_plays), r_completion)),
        f"rating{sfx}": _div(g.sum(plays * rating, where=has_rating), g.sum(plays, where=has_rating)),
        f"positive_rate{sfx}": wmean(_div(_div(positive, plays), r_positive)),
        f"eq_revenue{sfx}": g.sum(w * rel(revenue, m_revenue)),
        f"revenue_per_play{sfx}": wmean(_div(_div(revenue, plays), r_rpp)),
        f"plays_total{sfx}": g.sum(plays),
        f"platforms{sfx}": g.count(plays > 0),
        f"active_ratio{sfx}": np.fmin(active_days / window_days, 1.0),
        f"retention{sfx}": _div(eq_late, eq_plays),
    }
