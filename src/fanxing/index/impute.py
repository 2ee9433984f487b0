"""Impute: fill missing indicator values by the column mean/median, optionally within unit groups."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


def _fill(x: np.ndarray, stat: str) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns stay missing
        centre = np.nanmean(x, axis=-2, keepdims=True) if stat == "mean" else np.nanmedian(x, axis=-2, keepdims=True)
    return np.where(np.isnan(x), centre, x)


def impute(x: np.ndarray, method: str, groups: np.ndarray | None = None) -> np.ndarray:
    """Fill NaNs in (…, units, indicators) ``x``; ``method`` is none, mean, median, group_mean or group_median.

    Group methods use the mean/median of the unit's group (``groups``: one label per unit); a value
    whose group has no data for that indicator stays missing.
    """
    if method == "none":
        return x.copy()
    stat = method.removeprefix("group_")
    if not method.startswith("group_"):
        return _fill(x, stat)
    if groups is None:
        raise ValueError("group imputation needs a group label per unit")
    codes, _ = pd.factorize(pd.Series(groups), use_na_sentinel=True)
    out = x.copy()
    for g in np.unique(codes):
        rows = codes == g
        if g < 0:  # units without a group label: left as they are
            continue
        out[..., rows, :] = _fill(x[..., rows, :], stat)
    return out
