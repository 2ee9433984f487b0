"""Weights: equal, explicit, AHP and data-driven (entropy, CRITIC, PCA) over a (…, units, children) array.

Data-driven functions return weights of shape (…, children) summing to 1; missing values are filled
with the column mean first (which leaves means unchanged and ignores the gap).
"""

from __future__ import annotations

import warnings

import numpy as np

from fanxing.index.methodology import AhpSpec, ahp_weights


def normalised(w: np.ndarray) -> np.ndarray:
    """Scale weights along the last axis to sum to 1 (all-zero weights become equal weights)."""
    w = np.asarray(w, dtype=float)
    total = w.sum(axis=-1, keepdims=True)
    k = w.shape[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, w / np.where(total > 0, total, 1.0), 1.0 / k)


def equal(k: int) -> np.ndarray:
    """Equal weights for ``k`` children."""
    return np.full(k, 1.0 / k)


def _filled(x: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(x, axis=-2, keepdims=True)
    y = np.where(np.isnan(x), mean, x)
    return np.nan_to_num(y, nan=0.0)


def entropy(x: np.ndarray) -> np.ndarray:
    """Entropy weights: columns with more dispersed shares across units get more weight.

    ``p = x / Σx`` per column (a column with negative values is shifted to start at 0),
    ``e = −Σ p ln p / ln n``, ``w ∝ 1 − e``.
    """
    y = _filled(x)
    n = y.shape[-2]
    mn = y.min(axis=-2, keepdims=True)
    y = np.where(mn < 0, y - mn, y)
    total = y.sum(axis=-2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(total > 0, y / np.where(total > 0, total, 1.0), 1.0 / n)
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=-2) / np.log(n) if n > 1 else np.ones(y.shape[:-2] + y.shape[-1:])
    return normalised(np.clip(1.0 - e, 0.0, None))


def _corr(y: np.ndarray) -> np.ndarray:
    """Pearson correlation of the columns of (…, n, k) → (…, k, k); constant columns correlate 0."""
    c = y - y.mean(axis=-2, keepdims=True)
    cov = np.einsum("...ni,...nj->...ij", c, c)
    sd = np.sqrt(np.einsum("...ii->...i", cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / (sd[..., :, None] * sd[..., None, :])
    r = np.nan_to_num(r, nan=0.0)
    k = r.shape[-1]
    idx = np.arange(k)
    r[..., idx, idx] = 1.0
    return r


def critic(x: np.ndarray) -> np.ndarray:
    """CRITIC weights: ``w ∝ sd_j · Σ_k (1 − r_jk)`` on columns min-max scaled to [0, 1]."""
    y = _filled(x)
    mn = y.min(axis=-2, keepdims=True)
    span = y.max(axis=-2, keepdims=True) - mn
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(span > 0, (y - mn) / np.where(span > 0, span, 1.0), 0.0)
    sd = z.std(axis=-2, ddof=1) if z.shape[-2] > 1 else np.zeros(z.shape[:-2] + z.shape[-1:])
    r = _corr(z)
    info = sd * (1.0 - r).sum(axis=-1)
    return normalised(info)


def pca(x: np.ndarray) -> np.ndarray:
    """PCA weights: squared loadings of the first principal component of the correlation matrix,
    normalised to sum to 1."""
    y = _filled(x)
    r = _corr(y)
    _vals, vecs = np.linalg.eigh(r)
    first = vecs[..., :, -1]  # eigh sorts eigenvalues ascending
    return normalised(first * first)


def ahp(spec: AhpSpec, order: list[str]) -> tuple[np.ndarray, float]:
    """AHP weights (principal eigenvector) in the order of ``order``, and the consistency ratio."""
    w, cr = ahp_weights(spec)
    pos = {c: i for i, c in enumerate(spec.children)}
    return np.array([w[pos[c]] for c in order]), cr


def data_driven(method: str, x: np.ndarray) -> np.ndarray:
    """Weights from the data by ``method`` (entropy, critic or pca)."""
    if method == "entropy":
        return entropy(x)
    if method == "critic":
        return critic(x)
    if method == "pca":
        return pca(x)
    raise ValueError(f"{method!r} is not a data-driven weighting method")
