"""Aggregate: combine the children of a node into one score per unit, along the last axis.

``x`` is (…, units, children) and ``w`` the children's weights (…, children). Missing children are
skipped and the weights of the others renormalised; when the share of present children is below
``min_share`` the aggregate is missing.
"""

from __future__ import annotations

import numpy as np

from fanxing.errors import IndexComputationError

METHODS = ("arithmetic", "geometric", "harmonic", "power", "copeland")


def _weights(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    present = ~np.isnan(x)
    wm = np.where(present, np.expand_dims(np.asarray(w, dtype=float), -2), 0.0)
    total = wm.sum(axis=-1)
    return present, wm, total


def _positive(x: np.ndarray, method: str, strict: bool = True) -> None:
    bad = (x <= 0) if strict else (x < 0)
    if np.any(bad & ~np.isnan(x)):
        need = "positive" if strict else "non-negative"
        raise IndexComputationError(
            f"aggregation '{method}' needs {need} values; normalise to a range such as [1, 100]",
            code="index_error", details={"method": method})


def weighted_mean(x: np.ndarray, w: np.ndarray, method: str = "arithmetic", power: float = 1.0) -> np.ndarray:
    """Weighted arithmetic / geometric / harmonic / generalised (power) mean over present children."""
    present, wm, total = _weights(x, w)
    xv = np.where(present, x, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "power" and power == 1.0:
            method = "arithmetic"
        if method == "power" and power == 0.0:
            method = "geometric"
        if method == "arithmetic":
            out = (wm * xv).sum(axis=-1) / total
        elif method == "geometric":
            _positive(x, method)
            out = np.exp((wm * np.log(xv)).sum(axis=-1) / total)
        elif method == "harmonic":
            _positive(x, method)
            out = total / (wm / xv).sum(axis=-1)
        elif method == "power":
            _positive(x, method, strict=power < 0)
            out = ((wm * np.power(xv, power)).sum(axis=-1) / total) ** (1.0 / power)
        else:
            raise ValueError(f"unknown mean {method!r}")
    return np.where(total > 0, out, np.nan)


def copeland(x: np.ndarray, w: np.ndarray, chunk_cells: int = 4_000_000) -> np.ndarray:
    """Copeland (non-compensatory): per pair of units, the weighted majority of children decides a win;
    score = wins − losses. Missing values take part in no comparison. Cost grows with units²."""
    w = np.asarray(w, dtype=float)
    n, k = x.shape[-2], x.shape[-1]
    out = np.zeros(x.shape[:-1])
    step = max(1, chunk_cells // max(1, n * k))
    for start in range(0, n, step):
        block = x[..., start:start + step, :]  # (…, b, k)
        diff = np.sign(block[..., :, None, :] - x[..., None, :, :])  # (…, b, n, k)
        diff = np.nan_to_num(diff, nan=0.0)
        majority = np.sign((diff * w[..., None, None, :]).sum(axis=-1))  # (…, b, n)
        out[..., start:start + step] = majority.sum(axis=-1)
    allnan = np.isnan(x).all(axis=-1)
    return np.where(allnan, np.nan, out)


def aggregate(x: np.ndarray, w: np.ndarray, method: str = "arithmetic", power: float = 1.0,
              min_share: float = 0.0) -> np.ndarray:
    """Aggregate children ``x`` (…, units, children) with weights ``w`` by ``method``."""
    out = copeland(x, w) if method == "copeland" else weighted_mean(x, w, method, power)
    if min_share > 0:
        share = (~np.isnan(x)).sum(axis=-1) / x.shape[-1]
        out = np.where(share < min_share, np.nan, out)
    return out
