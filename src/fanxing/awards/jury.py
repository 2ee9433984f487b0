"""Expert-jury scores per category: recusal, trimmed mean, minimum jurors, inter-rater agreement.

Agreement is ICC(2,1) (Shrout & Fleiss 1979: two-way random effects, absolute agreement, one
rater) over the dramas scored by every juror kept for the category; Kendall's W (with the tie
correction) is reported beside it as a check on rank agreement.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from fanxing.awards.inputs import text


def _norm(name: object) -> str:
    return "".join(text(name).split()).casefold()


def recuse(jury: pd.DataFrame, dramas: pd.DataFrame, enabled: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kept scores, recused scores): a score is recused when the juror's declared institution is the
    drama's producer (compared ignoring case and whitespace). An empty institution recuses nothing."""
    if not enabled or jury.empty:
        return jury, jury.iloc[0:0]
    producer = jury["drama_id"].map(dramas["producer"] if "producer" in dramas else pd.Series(dtype=object))
    inst = jury["institution"].map(_norm)
    hit = (inst != "") & (inst == producer.map(_norm))
    return jury.loc[~hit], jury.loc[hit]


def jury_stats(kept: pd.DataFrame, recused: pd.DataFrame, trim: float, min_jurors: int) -> pd.DataFrame:
    """Per (category, drama_id): n_jurors, n_recused, trimmed_mean, mean, sd (ddof 1), enough (n ≥ min)."""
    cols = ["n_jurors", "n_recused", "trimmed_mean", "mean", "sd", "enough"]
    if kept.empty and recused.empty:
        return pd.DataFrame(columns=cols, index=pd.MultiIndex.from_tuples([], names=["category", "drama_id"]))
    g = kept.groupby(["category", "drama_id"], sort=True)["score"]
    out = pd.DataFrame({"n_jurors": g.size(), "trimmed_mean": trimmed_means(kept, trim),
                        "mean": g.mean(), "sd": g.std(ddof=1)})
    rec = recused.groupby(["category", "drama_id"], sort=True).size().rename("n_recused")
    out = out.join(rec, how="outer")
    out["n_jurors"] = out["n_jurors"].fillna(0).astype("int64")
    out["n_recused"] = out["n_recused"].fillna(0).astype("int64")
    out["enough"] = out["n_jurors"] >= min_jurors
    return out[cols]


def trimmed_means(scores: pd.DataFrame, trim: float) -> pd.Series:
    """Per (category, drama_id): the mean after cutting ⌊trim·n⌋ scores at each end (as scipy's
    ``trim_mean``), vectorised over all groups."""
    keys = ["category", "drama_id"]
    s = scores.sort_values([*keys, "score"], kind="mergesort")
    pos = s.groupby(keys, sort=False).cumcount().to_numpy()
    n = s.groupby(keys, sort=False)["score"].transform("size").to_numpy()
    cut = np.floor(trim * n).astype(np.int64)
    keep = (pos >= cut) & (pos < n - cut)
    return s.loc[keep].groupby(keys, sort=True)["score"].mean()


def icc21(scores: np.ndarray) -> float:
    """ICC(2,1) of an n targets × k raters matrix without gaps (NaN when undefined)."""
    x = np.asarray(scores, dtype="float64")
    n, k = x.shape
    if n < 2 or k < 2:
        return float("nan")
    grand = x.mean()
    rows, cols = x.mean(axis=1), x.mean(axis=0)
    msr = k * ((rows - grand) ** 2).sum() / (n - 1)
    msc = n * ((cols - grand) ** 2).sum() / (k - 1)
    mse = ((x - rows[:, None] - cols[None, :] + grand) ** 2).sum() / ((n - 1) * (k - 1))
    denom = msr + (k - 1) * mse + k * (msc - mse) / n
    return float((msr - mse) / denom) if denom > 0 else float("nan")


def kendall_w(scores: np.ndarray) -> float:
    """Kendall's W of an n objects × m raters matrix (ties corrected; NaN when undefined)."""
    x = np.asarray(scores, dtype="float64")
    n, m = x.shape
    if n < 2 or m < 2:
        return float("nan")
    ranks = np.apply_along_axis(stats.rankdata, 0, x)
    r = ranks.sum(axis=1)
    s = ((r - r.mean()) ** 2).sum()
    ties = 0.0
    for j in range(m):
        _, counts = np.unique(x[:, j], return_counts=True)
        ties += float((counts ** 3 - counts).sum())
    denom = m ** 2 * (n ** 3 - n) - m * ties
    return float(12.0 * s / denom) if denom > 0 else float("nan")


@dataclass(frozen=True)
class Agreement:
    """Inter-rater agreement of one category's jury."""

    statistic: str
    icc21: float | None
    kendall_w: float | None
    n_dramas: int
    n_jurors: int
    jurors: tuple[str, ...]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["jurors"] = list(self.jurors)
        return d


def complete_block(kept: pd.DataFrame, min_rows: int = 3) -> pd.DataFrame:
    """The drama × juror matrix of dramas scored by every juror kept. While fewer than ``min_rows``
    dramas are complete and more than two jurors remain, the juror with the most gaps (ties: the
    last by name) is set aside."""
    m = kept.pivot_table(index="drama_id", columns="juror", values="score", aggfunc="mean").sort_index()
    m = m.reindex(sorted(m.columns), axis=1)
    while m.shape[1] > 2 and m.dropna().shape[0] < min_rows:
        gaps = m.isna().sum()
        worst = sorted(gaps[gaps == gaps.max()].index)[-1]
        m = m.drop(columns=worst)
    return m.dropna()


def agreement(kept: pd.DataFrame, category: str) -> Agreement:
    """ICC(2,1) and Kendall's W for one category over its complete drama × juror block."""
    sub = kept.loc[kept["category"] == category]
    if sub.empty:
        return Agreement("icc21", None, None, 0, 0, ())
    block = complete_block(sub)
    icc, w = icc21(block.to_numpy()), kendall_w(block.to_numpy())
    return Agreement("icc21", None if np.isnan(icc) else round(icc, 4), None if np.isnan(w) else round(w, 4),
                     int(block.shape[0]), int(block.shape[1]), tuple(map(str, block.columns)))
