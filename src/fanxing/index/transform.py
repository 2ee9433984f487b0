"""Per-indicator deterministic transforms: caps (clipping), log, log1p and Box-Cox."""

from __future__ import annotations

import numpy as np

from fanxing.errors import IndexComputationError


def clip(x: np.ndarray, lower: float | None, upper: float | None) -> tuple[np.ndarray, int]:
    """Cap values to [lower, upper]; returns the capped array and how many values changed."""
    lo = -np.inf if lower is None else lower
    hi = np.inf if upper is None else upper
    y = np.clip(x, lo, hi)
    changed = int(np.count_nonzero((y != x) & ~np.isnan(x)))
    return y, changed


def boxcox(x: np.ndarray, lam: float) -> np.ndarray:
    """Box-Cox: ``(x**lam - 1) / lam``, or ``log(x)`` when lam is 0 (x must be positive)."""
    return np.log(x) if lam == 0 else (np.power(x, lam) - 1.0) / lam


def apply_transform(x: np.ndarray, kind: str, lam: float | None = None, code: str = "") -> np.ndarray:
    """Apply ``kind`` (none, log, log1p, boxcox) to a column; invalid domains raise with the indicator."""
    if kind == "none":
        return x
    valid = x[~np.isnan(x)]
    if kind == "log1p":
        if (valid <= -1).any():
            raise IndexComputationError(f"indicator '{code}': log1p needs values above -1 (min {valid.min():g})",
                                        details={"indicator": code})
        return np.log1p(x)
    if (valid <= 0).any():
        raise IndexComputationError(
            f"indicator '{code}': {kind} transform needs positive values (min {valid.min():g}); "
            "use log1p, a clip lower bound, or no transform", details={"indicator": code})
    if kind == "log":
        return np.log(x)
    if kind == "boxcox":
        return boxcox(x, float(lam if lam is not None else 0.0))
    raise ValueError(f"unknown transform {kind!r}")
