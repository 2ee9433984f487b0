"""Trends over the season: releases and plays by genre and month, IP adaptation, brand
commissions and "微短剧+" industry tags."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fanxing.insight.facts import INDUSTRY_TAG_ZH, IP_SOURCE_ZH


def split_list(s: pd.Series) -> pd.Series:
    return s.fillna("").astype(str).map(lambda v: [x.strip() for x in v.split("|") if x.strip()])


def genre_long(catalogue: pd.DataFrame) -> pd.DataFrame:
    """drama_id, genre — a drama counts once in each of its genres."""
    g = catalogue[["drama_id"]].assign(genre=split_list(catalogue.get("genres", pd.Series(dtype=str))))
    g = g.explode("genre")
    return g[g.genre.notna() & (g.genre != "")].reset_index(drop=True)


def top_genres(catalogue: pd.DataFrame, n: int = 6) -> list[str]:
    g = genre_long(catalogue)
    return g.genre.value_counts().sort_index().sort_values(ascending=False, kind="stable").head(n).index.tolist()


def _bucket(genres: pd.Series, keep: list[str]) -> pd.Series:
    return genres.where(genres.isin(keep), "其他")


def monthly_releases(catalogue: pd.DataFrame, season_start=None, season_end=None, n_genres: int = 6) -> pd.DataFrame:
    """month × genre (top genres, rest '其他') release counts; a multi-genre drama counts in each genre.
    Also a ``全部`` column with the number of distinct dramas released that month."""
    c = catalogue.assign(month=pd.to_datetime(catalogue["release_date"], errors="coerce").dt.to_period("M"))
    c = c.dropna(subset=["month"])
    if season_start is not None:
        c = c[c.month >= pd.Period(pd.Timestamp(season_start), "M")]
    if season_end is not None:
        c = c[c.month <= pd.Period(pd.Timestamp(season_end), "M")]
    keep = top_genres(catalogue, n_genres)
    g = genre_long(c).merge(c[["drama_id", "month"]], on="drama_id")
    g["genre"] = _bucket(g.genre, keep)
    t = g.pivot_table(index="month", columns="genre", values="drama_id", aggfunc="count", fill_value=0)
    t = t.reindex(columns=[x for x in [*keep, "其他"] if x in t.columns])
    t["全部"] = c.groupby("month")["drama_id"].nunique().reindex(t.index).fillna(0).astype(int)
    t.index = t.index.astype(str)
    t.index.name = "month"
    return t.reset_index()


def monthly_plays(per_period: pd.DataFrame, catalogue: pd.DataFrame, n_genres: int = 6) -> pd.DataFrame:
    """month × genre total plays (after integrity adjustment) from ``period, drama_id, plays``; a drama's
    plays count in each of its genres, so columns overlap; ``全部`` is the plain total."""
    keep = top_genres(catalogue, n_genres)
    g = genre_long(catalogue)
    g["genre"] = _bucket(g.genre, keep)
    g = g.drop_duplicates()
    m = per_period[["period", "drama_id", "plays"]].merge(g, on="drama_id")
    t = m.pivot_table(index="period", columns="genre", values="plays", aggfunc="sum", fill_value=0)
    t = t.reindex(columns=[x for x in [*keep, "其他"] if x in t.columns])
    t["全部"] = per_period.groupby("period")["plays"].sum().reindex(t.index).fillna(0)
    t.index.name = "month"
    return t.reset_index()


def ip_share(catalogue: pd.DataFrame, annual: pd.DataFrame) -> pd.DataFrame:
    """ip_source: dramas, share, mean annual score, dramas in the top 20."""
    c = catalogue.assign(ip_source=catalogue.get("ip_source", pd.Series(dtype=str)).fillna("original").replace("", "original"))
    m = c.merge(annual[["drama_id", "rank", "score"]], on="drama_id", how="left")
    out = m.groupby("ip_source").agg(n_dramas=("drama_id", "count"), mean_score=("score", "mean"),
                                     n_top20=("rank", lambda r: int((r <= 20).sum()))).reset_index()
    out["share"] = out.n_dramas / len(c) if len(c) else np.nan
    out["label"] = out.ip_source.map(IP_SOURCE_ZH).fillna(out.ip_source)
    return out.sort_values("n_dramas", ascending=False).reset_index(drop=True)


def adapted_summary(catalogue: pd.DataFrame, annual: pd.DataFrame) -> dict:
    ip = ip_share(catalogue, annual)
    adapted = ip[ip.ip_source != "original"]
    c = catalogue.merge(annual[["drama_id", "score"]], on="drama_id", how="left")
    is_ad = c.get("ip_source", pd.Series(dtype=str)).fillna("original").replace("", "original") != "original"
    return {"n": int(adapted.n_dramas.sum()), "share": float(adapted.n_dramas.sum() / len(catalogue)) if len(catalogue) else np.nan,
            "mean_score": float(c.loc[is_ad, "score"].mean()), "mean_score_original": float(c.loc[~is_ad, "score"].mean())}


def brand_dramas(catalogue: pd.DataFrame, annual: pd.DataFrame) -> pd.DataFrame:
    """Brand-commissioned dramas (品牌定制剧): title, brand, rank, score."""
    bp = catalogue.get("brand_partner", pd.Series(index=catalogue.index, dtype=str)).fillna("").astype(str).str.strip()
    c = catalogue[bp != ""][["drama_id", "title", "brand_partner", "producer"]]
    return c.merge(annual[["drama_id", "rank", "score"]], on="drama_id", how="left").sort_values("rank").reset_index(drop=True)


def industry_tags(catalogue: pd.DataFrame, annual: pd.DataFrame) -> pd.DataFrame:
    """Each "微短剧+" tag: dramas, share of the catalogue, mean score, top-20 count."""
    t = catalogue[["drama_id"]].assign(tag=split_list(catalogue.get("industry_tags", pd.Series(dtype=str)))).explode("tag")
    t = t[t.tag.notna() & (t.tag != "")]
    m = t.merge(annual[["drama_id", "rank", "score"]], on="drama_id", how="left")
    out = m.groupby("tag").agg(n_dramas=("drama_id", "nunique"), mean_score=("score", "mean"),
                               n_top20=("rank", lambda r: int((r <= 20).sum()))).reset_index()
    out["share"] = out.n_dramas / len(catalogue) if len(catalogue) else np.nan
    out["label"] = out.tag.map(INDUSTRY_TAG_ZH).fillna(out.tag)
    return out.sort_values(["n_dramas", "tag"], ascending=[False, True]).reset_index(drop=True)


def genre_leaders(annual: pd.DataFrame, catalogue: pd.DataFrame, genres_ranking: pd.DataFrame | None = None,
                  per_genre: int = 1) -> pd.DataFrame:
    """The best drama of each genre (from rankings/genres.csv when published, else from the annual ranking)."""
    if genres_ranking is not None and not genres_ranking.empty:
        g = genres_ranking[genres_ranking.genre_rank <= per_genre]
        return g.sort_values(["n_in_genre", "genre"], ascending=[False, True]).reset_index(drop=True)
    gl = genre_long(catalogue).merge(annual[["drama_id", "title", "rank", "score", "rank_low", "rank_high"]], on="drama_id")
    gl = gl.sort_values(["genre", "rank"])
    gl["n_in_genre"] = gl.groupby("genre")["drama_id"].transform("count")
    gl["genre_rank"] = gl.groupby("genre").cumcount() + 1
    g = gl[gl.genre_rank <= per_genre]
    return g.sort_values(["n_in_genre", "genre"], ascending=[False, True]).reset_index(drop=True)
