"""Rankings by genre: per genre, the top dramas of the annual ranking by index score."""

from __future__ import annotations

import pandas as pd

COLUMNS = ["genre", "genre_rank", "rank", "drama_id", "title", "score", "rank_low", "rank_high", "n_in_genre"]


def genre_rankings(annual: pd.DataFrame, dramas: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """One row per (genre, drama) for the best ``top_n`` dramas of each genre.

    Order inside a genre: index score desc, then annual rank, then drama_id. Genres are listed by
    the number of ranked dramas in them (desc), then by name. Genres come from the catalogue,
    else from a `genres` column of the annual ranking.
    """
    if "genres" in dramas and len(dramas):
        genres = dramas["genres"].reindex(annual.index)
    else:
        genres = annual.get("genres", pd.Series(index=annual.index, dtype=object))
    from fanxing.awards.inputs import as_list

    long = annual[["rank", "drama_id", "title", "score", "rank_low", "rank_high"]].assign(
        genre=genres.map(as_list)).explode("genre").dropna(subset=["genre"])
    if long.empty:
        return pd.DataFrame(columns=COLUMNS)
    long = long.drop_duplicates(["genre", "drama_id"]).reset_index(drop=True)
    long["n_in_genre"] = long.groupby("genre")["drama_id"].transform("size")
    long = long.sort_values(["n_in_genre", "genre", "score", "rank", "drama_id"],
                            ascending=[False, True, False, True, True], kind="mergesort")
    long["genre_rank"] = long.groupby("genre").cumcount() + 1
    long = long.loc[long["genre_rank"] <= top_n]
    return long[COLUMNS].reset_index(drop=True)
