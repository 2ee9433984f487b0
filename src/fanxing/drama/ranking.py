"""Run the index engine once per period on the units × indicators table and collect the rankings."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from fanxing.index import IndexResult, Methodology, compute
from fanxing.index.uncertainty import run_uncertainty
from fanxing.index.uncertainty.spec import UncertaintySpec
from fanxing.parallel import ordered_map

DIMENSIONS = ("reach", "engagement", "reputation", "commercial", "longevity")


@dataclass
class PeriodRanking:
    """Rankings of every period of one kind, plus the engine results behind each period."""

    kind: str
    table: pd.DataFrame  # period, rank, drama_id, score, <dimensions>
    results: dict[str, IndexResult] = field(default_factory=dict)
    sensitivity: dict[str, pd.DataFrame] = field(default_factory=dict)
    uncertainty_summary: dict[str, dict] = field(default_factory=dict)


def rank_kind(indicators: pd.DataFrame, methodology: Methodology, kind: str, *,
              min_plays: float = 0.0, keep_results: bool = False,
              uncertainty: UncertaintySpec | None = None) -> PeriodRanking:
    """Compute the index for every period in ``indicators`` (columns period, drama_id, codes…).

    Ranks are 1 = best, ties sharing the best rank; ordering within ties is by drama_id so the
    output is deterministic. With an ``uncertainty`` spec, every period also gets rank intervals
    (``rank_low``/``rank_high``: 5th–95th percentile ranks) and ``p_top10`` from the vectorised
    Monte Carlo of :mod:`fanxing.index.uncertainty`, and the Sobol table where it is enabled.
    """
    codes = methodology.indicator_codes
    root = next(a.code for a in methodology.aggregates if a.parent is None)
    dims = [a.code for a in methodology.aggregates if a.parent == root]
    frames = []
    results: dict[str, IndexResult] = {}
    ranking = PeriodRanking(kind, pd.DataFrame())
    if indicators.empty:
        return PeriodRanking(kind, pd.DataFrame(columns=["period", "rank", "drama_id", "score", *dims]))
    def one(item: tuple[str, pd.DataFrame]):
        period, g = item
        if "plays_total" in g and min_plays > 0:
            g = g[g["plays_total"] >= min_plays]
        if len(g) < 2:
            return None
        data = g.set_index("drama_id")[codes]
        res = compute(data, methodology)
        scores = res.scores
        out = pd.DataFrame({
            "period": period,
            "drama_id": scores.index.astype(str),
            "score": scores[root].to_numpy(dtype=float),
        })
        for d in dims:
            out[d] = scores[d].to_numpy(dtype=float)
        u = None
        if uncertainty is not None:
            u = run_uncertainty(data, methodology, uncertainty, nominal=res)
            iv = u.ranks.reindex(out["drama_id"])
            for c in ("rank_low", "rank_high", "p_top10"):
                out[c] = iv[c].to_numpy()
        out = out[np.isfinite(out["score"])]
        out = out.sort_values(["score", "drama_id"], ascending=[False, True], kind="stable")
        out.insert(1, "rank", out["score"].rank(method="min", ascending=False).astype("int64"))
        return period, out, (res if keep_results else None), u

    # periods are independent: without intervals they run side by side on threads (the Monte Carlo
    # of the intervals runs its own pieces on threads); results come back in period order
    periods = indicators.groupby("period", sort=True)
    for done in ordered_map(one, periods, workers=1 if uncertainty is not None else None, name="fanxing-rank"):
        if done is None:
            continue
        period, out, res, u = done
        if u is not None:
            if u.sensitivity is not None:
                ranking.sensitivity[str(period)] = u.sensitivity
            ranking.uncertainty_summary[str(period)] = u.summary
        frames.append(out)
        if keep_results:
            results[str(period)] = res
    ranking.table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["period", "rank", "drama_id", "score", *dims])
    ranking.results = results
    return ranking
