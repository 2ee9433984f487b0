"""Normalise: bring indicators to a common scale, along axis -2 (units) of a (…, units, indicators) array.

Every function takes ``x`` with units on axis -2 and indicators on axis -1 (a leading replication
axis is allowed) and per-indicator parameters as arrays broadcasting on the last axis. Directions
are applied inside, so a higher normalised value is always better.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import rankdata

from fanxing.errors import IndexComputationError


def _nan(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)


def minmax(x: np.ndarray, direction: np.ndarray, lo: float = 0.0, hi: float = 100.0) -> np.ndarray:
    """Min-max to [lo, hi] after multiplying by direction; a constant column goes to the midpoint."""
    y = x * direction
    mn = _nan(np.nanmin, y, axis=-2, keepdims=True)
    mx = _nan(np.nanmax, y, axis=-2, keepdims=True)
    span = mx - mn
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(span > 0, (y - mn) / np.where(span > 0, span, 1.0), 0.5)
    return np.where(np.isnan(y), np.nan, lo + z * (hi - lo))


def goalposts(x: np.ndarray, direction: np.ndarray, low: np.ndarray, high: np.ndarray,
              scale: float = 100.0) -> np.ndarray:
    """Position between the goalposts, truncated to [0, 1] and times ``scale`` (COINr's n_goalposts).

    Direction 1: ``(x − low)/(high − low)``; direction −1: ``(x − high)/(low − high)``. The result of one
    unit never depends on the other units.
    """
    up = (x - low) / (high - low)
    down = (x - high) / (low - high)
    z = np.where(direction > 0, up, down)
    return np.clip(z, 0.0, 1.0) * scale


def zscore(x: np.ndarray, direction: np.ndarray, mean: float = 0.0, sd: float = 1.0) -> np.ndarray:
    """Standardise (sample sd) after multiplying by direction, then rescale to the given mean and sd."""
    y = x * direction
    mu = _nan(np.nanmean, y, axis=-2, keepdims=True)
    s = _nan(np.nanstd, y, axis=-2, ddof=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(s > 0, (y - mu) / np.where(s > 0, s, 1.0), 0.0)
    return np.where(np.isnan(y), np.nan, z * sd + mean)


def rank(x: np.ndarray, direction: np.ndarray, method: str = "average") -> np.ndarray:
    """Ascending rank of direction·x among the units (1 = worst); missing stays missing."""
    y = x * direction
    return rankdata(y, method=method, axis=-2, nan_policy="omit")


def percentile_rank(x: np.ndarray, direction: np.ndarray, scale: float = 100.0) -> np.ndarray:
    """``(rank − 1)/(n − 1) · scale`` with average ties: 0 for the worst unit, ``scale`` for the best."""
    r = rank(x, direction)
    n = np.sum(~np.isnan(x), axis=-2, keepdims=True).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 1, (r - 1.0) / np.where(n > 1, n - 1.0, 1.0), 0.5) * scale


def borda(x: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Borda count per indicator: the number of units this unit beats strictly."""
    return rank(x, direction, method="min") - 1.0


def distance_to_max(x: np.ndarray, direction: np.ndarray, scale: float = 100.0) -> np.ndarray:
    """Fraction of the best value: ``x / max`` (direction 1) or ``min / x`` (direction −1); x must be positive."""
    if np.nanmin(x, initial=np.inf) <= 0:
        raise IndexComputationError("normalisation 'distance_to_max' needs positive values; "
                                    "use 'distance_to_reference', 'minmax' or a transform/clip")
    mx = _nan(np.nanmax, x, axis=-2, keepdims=True)
    mn = _nan(np.nanmin, x, axis=-2, keepdims=True)
    return np.where(direction > 0, x / mx, mn / x) * scale


def distance_to_target(x: np.ndarray, direction: np.ndarray, target: np.ndarray, cap: bool = True,
                       scale: float = 100.0) -> np.ndarray:
    """Progress towards a target (COINr's n_dist2targ): ``(x − min)/(target − min)``, or
    ``(max − x)/(max − target)`` for direction −1; capped at 1 when ``cap``; times ``scale``."""
    mx = _nan(np.nanmax, x, axis=-2, keepdims=True)
    mn = _nan(np.nanmin, x, axis=-2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(direction > 0, (x - mn) / (target - mn), (mx - x) / (mx - target))
    if cap:
        z = np.minimum(z, 1.0)
    return z * scale


def distance_to_reference(x: np.ndarray, direction: np.ndarray, ref_index: int, cap: bool = False,
                          scale: float = 100.0) -> np.ndarray:
    """Relative to a reference unit: ``(y − min)/(y_ref − min)`` with y = direction·x, so the reference
    scores ``scale`` and the worst unit 0; capped at 1 when ``cap``."""
    y = x * direction
    mn = _nan(np.nanmin, y, axis=-2, keepdims=True)
    ref = np.take(y, [ref_index], axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (y - mn) / (ref - mn)
    if cap:
        z = np.minimum(z, 1.0)
    return z * scale


def normalise(x: np.ndarray, method: str, direction: np.ndarray, *, range_: tuple[float, float] = (0.0, 100.0),
              scale: float = 100.0, mean: float = 0.0, sd: float = 1.0, cap: bool = True,
              low: np.ndarray | None = None, high: np.ndarray | None = None, target: np.ndarray | None = None,
              ref_index: int | None = None) -> np.ndarray:
    """Dispatch to one normalisation ``method`` (see the functions of this module)."""
    d = np.asarray(direction, dtype=float)
    if method == "minmax":
        return minmax(x, d, *range_)
    if method == "goalposts":
        return goalposts(x, d, np.asarray(low, float), np.asarray(high, float), scale)
    if method == "zscore":
        return zscore(x, d, mean, sd)
    if method == "rank":
        return rank(x, d)
    if method == "percentile_rank":
        return percentile_rank(x, d, scale)
    if method == "borda":
        return borda(x, d)
    if method == "distance_to_max":
        return distance_to_max(x, d, scale)
    if method == "distance_to_target":
        return distance_to_target(x, d, np.asarray(target, float), cap, scale)
    if method == "distance_to_reference":
        if ref_index is None:
            raise IndexComputationError("normalisation 'distance_to_reference' needs a reference unit")
        return distance_to_reference(x, d, ref_index, cap, scale)
    if method == "none":
        return np.array(x, dtype=float, copy=True)
    raise ValueError(f"unknown normalisation {method!r}")
