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
from fanxing.frames import isin


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
    # one sort for all producers: producer, then the order of works within a producer
    works = works.sort_values(["producer", "score", "rank", "drama_id"], ascending=[True, False, True, True],
                              kind="mergesort")
    producers = works["producer"].to_numpy(dtype=object)
    score = works["score"].to_numpy(dtype="float64")
    top = (works["rank"] <= cutoff).fillna(False).to_numpy(dtype=bool)
    ids = works["drama_id"].to_numpy(dtype=object)
    titles = works["title"].to_numpy(dtype=object)
    genre_lists = works["genres"].to_numpy(dtype=object)
    on: dict[str, set] = {}
    for d, p in zip(carried["drama_id"].to_numpy(dtype=object), carried["platform"].to_numpy(dtype=object),
                    strict=True):
        on.setdefault(d, set()).add(p)
    starts = np.flatnonzero(np.r_[True, producers[1:] != producers[:-1]]) if len(producers) else np.zeros(0, int)
    ends = np.r_[starts[1:], len(producers)].astype(int)
    n_top = np.add.reduceat(top.astype(np.int64), starts) if len(starts) else np.zeros(0, np.int64)
    rows = []
    for i, (a, e) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        b = min(e, a + rules.top_k)
        best = ids[a:b]
        genres = {g for gs in genre_lists[a:b] for g in gs}
        platforms = set().union(*(on.get(d, ()) for d in best))
        rows.append({
            "producer": producers[a], "n_works": e - a, "quality": _mean(score[a:b]),
            "n_top": int(n_top[i]), "n_genres": len(genres), "n_platforms": len(platforms),
            "top_works": list(titles[a:b]), "top_work_ids": list(best),
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


def _mean(v: np.ndarray) -> float:
    """``Series.mean()`` of a float array: NaN skipped (summed as 0), NaN when nothing is left."""
    missing = np.isnan(v)
    count = int((~missing).sum())
    if not count:
        return float("nan")
    return float((np.where(missing, 0.0, v) if missing.any() else v).sum() / count)


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
    pp = per_platform.loc[isin(per_platform["drama_id"], annual.index) & isin(per_platform["drama_id"], counted)]
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
