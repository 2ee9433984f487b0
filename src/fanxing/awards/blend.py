"""The score blend of a category: declared weights normalised to 1, renormalised over the
components a candidate has (a missing component drops out instead of counting as zero)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def normalised(weights: dict[str, float]) -> dict[str, float]:
    """Declared weights divided by their sum; zero weights are kept (and contribute nothing)."""
    total = float(sum(weights.values()))
    return {k: float(w) / total for k, w in weights.items()}


def percentile(values: pd.Series) -> pd.Series:
    """0..100 percentile of each value among the non-missing ones (lowest 0, highest 100; ties averaged)."""
    valid = values.notna()
    m = int(valid.sum())
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    if m == 1:
        out[valid] = 100.0
    elif m > 1:
        out[valid] = 100.0 * (values[valid].rank(method="average") - 1.0) / (m - 1.0)
    return out


def blend(components: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """``blended`` plus ``w_<component>`` (effective weights, summing to 1 per row) for each row.

    ``components`` holds one column per weighted component on a 0..100 scale, NaN where missing.
    A row missing every weighted component gets NaN.
    """
    w = normalised(weights)
    names = list(w)
    values = components.reindex(columns=names).to_numpy(dtype="float64")
    declared = np.array([w[n] for n in names])
    present = ~np.isnan(values)
    eff = np.where(present, declared[None, :], 0.0)
    total = eff.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        eff = np.where(total > 0, eff / total, np.nan)
    blended = np.where(total[:, 0] > 0, np.nansum(np.where(present, values, 0.0) * np.nan_to_num(eff), axis=1),
                       np.nan)
    out = pd.DataFrame({"blended": blended}, index=components.index)
    for j, n in enumerate(names):
        out[f"w_{n}"] = eff[:, j]
    return out
