"""Platform and producer of the year: rankings over their works that reward quality and breadth,
not volume. Every component is on 0..100 and is published beside the blended score.

Producer (创作机构), over its works in the annual ranking (released in the season):
  quality    = mean index score of its best `top_k` works (fewer works: of all of them)
  excellence = 100 × share of its works in the top `top_share` of the annual ranking
  breadth    = 100 × mean(genres covered / most genres covered by any producer,
                          platforms covered / most platforms covered), counted over the best `top_k`
               works only, so that volume cannot buy breadth
Platform (传播平台), over the dramas it carries (≥ `carry_share` of the drama's plays on it):
  quality    = play-weighted mean index score of its best `top_k` dramas (weights: plays there)
  hits       = 100 × share of the annual top `hits_top_n` it carries
  exclusives = 100 × share of the annual top `hits_top_n` with ≥ `exclusive_share` of plays on it
  reach      = 100 × its share of all harmonised plays (eq_plays) of the ranked dramas
Fewer than `min_works` works (dramas carried) → not ranked.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from fanxing.awards.blend import blend
from fanxing.awards.config import InstitutionCategory


def _order(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Blended score desc, then quality desc, then id asc; adds category_rank (1..n)."""
    frame = frame.assign(_b=frame["blended"].round(9), _q=frame["quality"].round(9))
    frame = frame.sort_values(["_b", "_q", key], ascending=[False, False, True], kind="mergesort")
    frame = frame.drop(columns=["_b", "_q"]).reset_index(drop=True)
    frame.insert(0, "category_rank", np.arange(1, len(frame) + 1))
    return frame


def _relative(values: pd.Series) -> pd.Series:
    top = values.max() if len(values) else 0
    return values / top if top and top > 0 else values * 0.0


def producer_ranking(works: pd.DataFrame, per_platform: pd.DataFrame, n_ranked: int,
                     rules: InstitutionCategory) -> pd.DataFrame:
    """``works``: drama_id, title, producer, score, rank, genres (list) of the counted works.
    ``n_ranked``: the size of the whole annual ranking (for the top share)."""
    works = works.reset_index(drop=True)
    works = works.loc[works["producer"].astype(str).str.strip() != ""]
    cutoff = max(1, math.ceil(rules.top_share * n_ranked))
    carried = _carried(per_platform, rules.carry_share)
    rows = []
    for producer, grp in works.groupby("producer", sort=True):
        grp = grp.sort_values(["score", "rank", "drama_id"], ascending=[False, True, True], kind="mergesort")
        best = grp.head(rules.top_k)
        genres = sorted({g for gs in best["genres"] for g in gs})
        platforms = sorted(set(carried.loc[carried["drama_id"].isin(best["drama_id"]), "platform"]))
        rows.append({
            "producer": producer, "n_works": len(grp), "quality": float(best["score"].mean()),
            "n_top": int((grp["rank"] <= cutoff).sum()), "n_genres": len(genres), "n_platforms": len(platforms),
            "top_works": list(best["title"]), "top_work_ids": list(best["drama_id"]),
        })
    cols = ["producer", "n_works", "quality", "n_top", "n_genres", "n_platforms", "top_works", "top_work_ids"]
    frame = pd.DataFrame(rows, columns=cols)
    frame = frame.loc[frame["n_works"] >= rules.min_works].copy()
    frame["excellence"] = 100.0 * frame["n_top"] / frame["n_works"]
    parts = [_relative(frame["n_genres"])]
    if len(carried):
        parts.append(_relative(frame["n_platforms"]))
    frame["breadth"] = 100.0 * sum(parts) / len(parts)
    return _finish(frame, rules, "producer")


def _carried(per_platform: pd.DataFrame, carry_share: float) -> pd.DataFrame:
    """per_platform rows with share (of the drama's plays) and whether the platform carries it."""
    pp = per_platform.copy()
    total = pp.groupby("drama_id")["plays"].transform("sum")
    pp["share"] = np.where(total > 0, pp["plays"] / total.where(total > 0, 1.0), 0.0)
    return pp.loc[(pp["plays"] > 0) & (pp["share"] >= carry_share)]


def platform_ranking(per_platform: pd.DataFrame, annual: pd.DataFrame, counted: pd.Index,
                     rules: InstitutionCategory) -> pd.DataFrame:
    """``per_platform``: platform, drama_id, plays, eq_plays; ``annual``: the annual ranking (indexed
    by drama_id); ``counted``: dramas allowed to count (release window, anomaly rule)."""
    pp = per_platform.loc[per_platform["drama_id"].isin(annual.index) & per_platform["drama_id"].isin(counted)]
    annual = annual.rename_axis(None)
    total_eq = float(pp["eq_plays"].sum())
    carried = _carried(pp, rules.carry_share)
    carried = carried.join(annual[["score", "rank", "title"]], on="drama_id")
    n_hits = min(rules.hits_top_n, len(annual))
    rows = []
    for platform, grp in carried.groupby("platform", sort=True):
        grp = grp.sort_values(["score", "rank", "drama_id"], ascending=[False, True, True], kind="mergesort")
        best = grp.head(rules.top_k)
        w = best["plays"].to_numpy(dtype="float64")
        q = float(np.average(best["score"], weights=w)) if w.sum() > 0 else float(best["score"].mean())
        hits = grp.loc[grp["rank"] <= rules.hits_top_n]
        excl = hits.loc[hits["share"] >= rules.exclusive_share]
        eq = float(pp.loc[pp["platform"] == platform, "eq_plays"].sum())
        rows.append({
            "platform": platform, "n_works": len(grp), "quality": q, "n_hits": len(hits),
            "n_exclusives": len(excl), "hits": 100.0 * len(hits) / n_hits if n_hits else 0.0,
            "exclusives": 100.0 * len(excl) / n_hits if n_hits else 0.0,
            "reach": 100.0 * eq / total_eq if total_eq > 0 else 0.0,
            "top_works": list(best["title"]), "top_work_ids": list(best["drama_id"]),
        })
    cols = ["platform", "n_works", "quality", "n_hits", "n_exclusives", "hits", "exclusives", "reach",
            "top_works", "top_work_ids"]
    frame = pd.DataFrame(rows, columns=cols)
    frame = frame.loc[frame["n_works"] >= rules.min_works].copy()
    return _finish(frame, rules, "platform")


def _finish(frame: pd.DataFrame, rules: InstitutionCategory, key: str) -> pd.DataFrame:
    comps = frame.set_index(key)[list(rules.weights)]
    blended = blend(comps, rules.weights)
    frame = frame.join(blended, on=key)
    return _order(frame, key)
