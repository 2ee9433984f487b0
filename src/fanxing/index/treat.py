"""Outlier treatment: COINr's skew/kurtosis test with iterative winsorisation and log fallback,
and plain percentile winsorising. Columns are processed together as whole arrays.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np


def skew_kurtosis(x: np.ndarray, axis: int = -2) -> tuple[np.ndarray, np.ndarray]:
    """Sample skewness and excess kurtosis, "type 2" (bias-corrected, as e1071 type=2), NaNs ignored."""
    valid = ~np.isnan(x)
    n = valid.sum(axis=axis).astype(float)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(x, axis=axis, keepdims=True)
        d = np.where(valid, x - mean, 0.0)
        d2 = d * d
        m2 = d2.sum(axis=axis) / n
        m3 = (d2 * d).sum(axis=axis) / n
        m4 = (d2 * d2).sum(axis=axis) / n
        g1 = m3 / m2**1.5
        g2 = m4 / m2**2 - 3.0
        skew = g1 * np.sqrt(n * (n - 1.0)) / (n - 2.0)
        kurt = ((n + 1.0) * g2 + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
    return skew, kurt


def fails_skew_kurtosis(skew: np.ndarray, kurt: np.ndarray, t_skew: float, t_kurt: float) -> np.ndarray:
    """True where a column needs treatment: |skew| > t_skew and kurtosis > t_kurt (NaN passes)."""
    return (np.abs(skew) > t_skew) & (kurt > t_kurt)


def log_ct(x: np.ndarray, axis: int = -2) -> np.ndarray:
    """COIN Tool log: ``log(x − min + 0.01·(max − min))`` per column."""
    lo = np.nanmin(x, axis=axis, keepdims=True)
    hi = np.nanmax(x, axis=axis, keepdims=True)
    return np.log(x - lo + 0.01 * (hi - lo))


def boxcox_shifted(x: np.ndarray, lam: float, axis: int = -2) -> np.ndarray:
    """COINr's Box-Cox fallback: shift to ``x − min + 1``, then Box-Cox with ``lam``."""
    y = x - np.nanmin(x, axis=axis, keepdims=True) + 1.0
    return np.log(y) if lam == 0 else (np.power(y, lam) - 1.0) / lam


@dataclass
class TreatmentReport:
    """Per column of a treated 2-D array: what was done."""

    action: list[str]  # "none", "winsorised", "log_ct", "boxcox", "failed"
    winsorised: np.ndarray  # COINr's count of winsorised points
    n_high: np.ndarray  # values lowered (high outliers)
    n_low: np.ndarray  # values raised (low outliers)
    skew_before: np.ndarray
    kurt_before: np.ndarray
    skew_after: np.ndarray
    kurt_after: np.ndarray


def coinr_treat(
    x: np.ndarray, t_skew: float = 2.0, t_kurt: float = 3.5, winmax: int = 5,
    fallback: str = "log_ct", fallback_lambda: float | None = None,
) -> tuple[np.ndarray, TreatmentReport]:
    """COINr's default treatment of a (units × indicators) array, all columns at once.

    A column passes when not (|skew| > t_skew and kurtosis > t_kurt). While it fails and fewer than
    ``winmax`` points are winsorised: if skew ≥ 0 every point equal to the max becomes the next-highest
    value, else every point equal to the min the next-lowest; the winsorised count is the number of
    points now sharing the clamped value. A column still failing is replaced, from its input values, by
    ``fallback`` (``log_ct``, ``boxcox`` or ``none`` = untreated input).
    """
    y = np.array(x, dtype=float, copy=True)
    k = y.shape[1]
    sk0, kt0 = skew_kurtosis(y, axis=0)
    sk, kt = sk0.copy(), kt0.copy()
    winz = np.zeros(k, dtype=int)
    stuck = np.zeros(k, dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        while True:
            active = fails_skew_kurtosis(sk, kt, t_skew, t_kurt) & (winz < winmax) & ~stuck
            if not active.any():
                break
            cols = np.flatnonzero(active)
            sub = y[:, cols]
            high = sk[cols] >= 0
            mx = np.nanmax(sub, axis=0)
            mn = np.nanmin(sub, axis=0)
            at = np.where(high, sub == mx, sub == mn)
            others = np.where(at, np.nan, sub)
            repl = np.where(high, np.nanmax(others, axis=0), np.nanmin(others, axis=0))
            ok = ~np.isnan(repl)  # fewer than two distinct values: cannot winsorise further
            stuck[cols[~ok]] = True
            sub = np.where(at & ok, repl, sub)
            y[:, cols] = sub
            winz[cols[ok]] = np.count_nonzero(sub[:, ok] == repl[ok], axis=0)
            s_new, k_new = skew_kurtosis(sub, axis=0)
            sk[cols], kt[cols] = s_new, k_new
    still = fails_skew_kurtosis(sk, kt, t_skew, t_kurt)
    action = ["winsorised" if w > 0 else "none" for w in winz]
    if still.any():
        cols = np.flatnonzero(still)
        src = np.asarray(x, dtype=float)[:, cols]
        if fallback == "log_ct":
            y[:, cols] = log_ct(src, axis=0)
        elif fallback == "boxcox":
            y[:, cols] = boxcox_shifted(src, float(fallback_lambda or 0.0), axis=0)
        else:
            y[:, cols] = src
        for c in cols:
            action[c] = fallback if fallback != "none" else "failed"
        sk[cols], kt[cols] = skew_kurtosis(y[:, cols], axis=0)
        winz[cols] = 0
    xs = np.asarray(x, dtype=float)
    changed = ~still[None, :] & (y != xs) & ~np.isnan(xs)
    report = TreatmentReport(
        action=action, winsorised=winz,
        n_high=np.count_nonzero(changed & (y < xs), axis=0),
        n_low=np.count_nonzero(changed & (y > xs), axis=0),
        skew_before=sk0, kurt_before=kt0, skew_after=sk, kurt_after=kt,
    )
    return y, report


def winsorise_percentiles(x: np.ndarray, lower: float, upper: float, axis: int = -2) -> tuple[np.ndarray, np.ndarray]:
    """Clip every column to its own [lower, upper] quantiles; returns values and changed count per column."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo = np.nanquantile(x, lower, axis=axis, keepdims=True)
        hi = np.nanquantile(x, upper, axis=axis, keepdims=True)
    y = np.clip(x, lo, hi)
    changed = np.count_nonzero((y != x) & ~np.isnan(x), axis=axis)
    return y, changed
