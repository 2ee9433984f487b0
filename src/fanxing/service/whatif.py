"""Weights what-if: re-aggregate the published dimension scores with other weights, on the server.

The new score of a drama is the weighted arithmetic mean of its published dimension scores with the
given weights normalised to sum to one (``fanxing.index.aggregate``, the engine's own mean): a
dimension a drama has no score for is left out and the remaining weights are renormalised for that
drama. Dimensions not named in the request weigh 0.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fanxing.index.aggregate import aggregate
from fanxing.index.suggest import did_you_mean
from fanxing.service.data import Build
from fanxing.service.errors import ApiError


def check_weights(b: Build, weights: dict[str, float]) -> dict[str, float]:
    """Validated, normalised weights over the build's dimensions; ApiError(422) naming the bad key."""
    if not b.dimensions:
        raise ApiError(409, "this build publishes no dimension scores, so weights cannot be changed",
                       code="no_dimensions")
    if not weights:
        raise ApiError(422, f"give at least one weight; dimensions: {', '.join(b.dimensions)}",
                       code="invalid_weights", details={"dimensions": b.dimensions})
    for k, v in weights.items():
        if k not in b.dimensions:
            raise ApiError(422, f"unknown dimension {k!r}{did_you_mean(k, b.dimensions)}; "
                                f"dimensions: {', '.join(b.dimensions)}",
                           code="unknown_dimension", details={"dimension": k, "dimensions": b.dimensions})
        if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v) or v < 0:
            raise ApiError(422, f"weight of {k!r} must be a finite number ≥ 0, got {v!r}",
                           code="invalid_weights", details={"dimension": k})
    total = float(sum(weights.values()))
    if total <= 0:
        raise ApiError(422, "the weights add up to 0; give at least one positive weight",
                       code="invalid_weights")
    return {d: float(weights.get(d, 0.0)) / total for d in b.dimensions}


def _matrix(b: Build, kind: str, period: str) -> np.ndarray:
    key = ("whatif_matrix", kind, period)
    if key not in b.memo:
        sl = b.slices[(kind, period)]
        cols = [d for d in b.dimensions if d in sl.frame.columns]
        x = sl.frame.reindex(columns=b.dimensions).to_numpy(dtype="float64", na_value=np.nan)
        if len(cols) < len(b.dimensions):
            x = np.where(np.isfinite(x), x, np.nan)
        b.memo[key] = x
    return b.memo[key]


def rerank(b: Build, weights: dict[str, float], *, kind: str = "annual", period: str | None = None,
           limit: int = 100) -> dict[str, Any]:
    """The ranking under ``weights`` with each drama's published rank and its change (+ = moved up)."""
    w = check_weights(b, weights)
    sl = b.ranking_slice(kind, period)
    x = _matrix(b, sl.kind, sl.period)
    wv = np.array([w[d] for d in b.dimensions])
    score = aggregate(x, wv, "arithmetic")  # the engine's own weighted mean: missing children skipped
    pub_rank = np.array([r.get("rank") if r.get("rank") is not None else 10**9 for r in sl.records], dtype="float64")
    order = np.lexsort((pub_rank, np.where(np.isfinite(score), -score, np.inf)))
    items = []
    for new_rank, i in enumerate(order, start=1):
        r = sl.records[i]
        s = score[i]
        pr = r.get("rank")
        items.append({
            "rank": new_rank, "drama_id": r.get("drama_id"), "title": r.get("title"),
            "score": round(float(s), 4) if math.isfinite(s) else None,
            "published_rank": pr, "published_score": r.get("score"),
            "rank_change": (int(pr) - new_rank) if pr is not None else None,
            "dimensions": {d: r.get(d) for d in b.dimensions},
        })
    moved = sum(1 for it in items if it["rank_change"])
    return {"period": sl.kind, "period_id": sl.period, "weights": w, "published_weights": b.default_weights(),
            "method": "weighted arithmetic mean of published dimension scores",
            "total": len(items), "moved": moved, "items": items[:limit]}
