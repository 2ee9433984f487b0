"""Denominate: divide indicators by a per-unit denominator (population, GDP, ...)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fanxing.errors import IndexComputationError
from fanxing.index.suggest import closest


def denominator_matrix(
    units: pd.Index,
    denominator_of: list[str | None],
    data: pd.DataFrame,
    denominators: pd.DataFrame | None,
) -> np.ndarray:
    """(units × indicators) divisors: the named denominator column, or 1 where none is named.

    A denominator is looked up in ``denominators`` (aligned on the unit index), else in ``data``.
    """
    out = np.ones((len(units), len(denominator_of)), dtype=float)
    for j, col in enumerate(denominator_of):
        if col is None:
            continue
        if denominators is not None and col in denominators.columns:
            series = denominators[col].reindex(units)
        elif col in data.columns:
            series = data[col]
        else:
            pool = list(denominators.columns) if denominators is not None else list(data.columns)
            hint = closest(col, pool)
            raise IndexComputationError(
                f"denominator column '{col}' not found" + (f" (did you mean '{hint}'?)" if hint else ""),
                code="missing_column", details={"column": col, "suggestion": hint, "kind": "denominator"})
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        out[:, j] = values
    return out


def denominate(x: np.ndarray, divisors: np.ndarray) -> np.ndarray:
    """``x / divisors``; a zero or missing divisor gives a missing value (never ±inf)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        y = x / divisors
    y[~np.isfinite(y)] = np.nan
    return y
