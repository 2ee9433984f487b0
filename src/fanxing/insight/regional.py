"""Sichuan / Chengdu productions and dialect dramas (方言剧): counts and index performance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fanxing.frames import isin

DIMENSIONS = ("reach", "engagement", "reputation", "commercial", "longevity")


def _text(s: pd.Series) -> pd.Series:
    return s.fillna("").astype(str).str.strip()


def sichuan_masks(catalogue: pd.DataFrame) -> dict[str, pd.Series]:
    """Named drama subsets (boolean masks over the catalogue)."""
    region, dialect, producer = _text(catalogue.get("region", pd.Series(index=catalogue.index, dtype=str))), \
        _text(catalogue.get("dialect", pd.Series(index=catalogue.index, dtype=str))), \
        _text(catalogue.get("producer", pd.Series(index=catalogue.index, dtype=str)))
    return {
        "全部剧目": pd.Series(True, index=catalogue.index),
        "四川取景/设定": region.str.startswith("四川"),
        "其中：成都": region.str.contains("成都"),
        "重庆取景/设定": region.str.startswith("重庆"),
        "成都创作机构出品": producer.str.contains("成都"),
        "四川话方言剧": dialect.str.contains("四川"),
        "其他方言剧": (dialect != "") & ~dialect.str.contains("四川"),
        "普通话（未标方言）": dialect == "",
    }


def group_performance(catalogue: pd.DataFrame, annual: pd.DataFrame, masks: dict[str, pd.Series]) -> pd.DataFrame:
    """group, n_dramas, share, n_ranked, mean_score, mean_score_rest, diff, median_rank, n_top20, dims."""
    a = annual.set_index("drama_id")
    rows = []
    for name, m in masks.items():
        ids = set(catalogue.loc[m.astype(bool), "drama_id"])
        hit = isin(a.index, ids)
        inside = a[hit]
        rest = a[~hit]
        row = {"group": name, "n_dramas": len(ids), "share": len(ids) / len(catalogue) if len(catalogue) else np.nan,
               "n_ranked": len(inside),
               "mean_score": float(inside.score.mean()) if len(inside) else np.nan,
               "mean_score_rest": float(rest.score.mean()) if len(rest) else np.nan,
               "median_rank": float(inside["rank"].median()) if len(inside) else np.nan,
               "n_top20": int((inside["rank"] <= 20).sum())}
        for d in DIMENSIONS:
            if d in a.columns:
                row[d] = float(inside[d].mean()) if len(inside) else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    out["diff"] = out["mean_score"] - out["mean_score_rest"]
    return out


def dialect_table(catalogue: pd.DataFrame, annual: pd.DataFrame) -> pd.DataFrame:
    """Each dialect: dramas, ranked, mean score, best rank, best title."""
    c = catalogue.assign(dialect=_text(catalogue.get("dialect", pd.Series(index=catalogue.index, dtype=str))))
    c = c[c.dialect != ""]
    m = c.merge(annual[["drama_id", "rank", "score"]], on="drama_id", how="left")
    rows = []
    for d, g in m.groupby("dialect"):
        ranked = g.dropna(subset=["rank"])
        best = ranked.sort_values("rank").head(1)
        rows.append({"dialect": d, "n_dramas": len(g), "n_ranked": len(ranked),
                     "mean_score": float(ranked.score.mean()) if len(ranked) else np.nan,
                     "best_rank": int(best["rank"].iloc[0]) if len(best) else None,
                     "best_title": best["title"].iloc[0] if len(best) else ""})
    return pd.DataFrame(rows, columns=["dialect", "n_dramas", "n_ranked", "mean_score", "best_rank", "best_title"]
                        ).sort_values(["n_dramas", "dialect"], ascending=[False, True]).reset_index(drop=True)


def regional_dramas(catalogue: pd.DataFrame, annual: pd.DataFrame, mask: pd.Series, top: int = 12) -> pd.DataFrame:
    """The best-ranked dramas of a subset (title, region, dialect, rank, score)."""
    c = catalogue.loc[mask.astype(bool), ["drama_id", "title", "producer", "region", "dialect"]]
    m = c.merge(annual[["drama_id", "rank", "score"]], on="drama_id", how="inner")
    return m.sort_values("rank").head(top).reset_index(drop=True)
