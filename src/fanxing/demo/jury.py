"""jury.csv: expert-panel scores for the award categories, correlated with quality, with juror bias and noise.

About a third of the jurors belong to a production institution (``institution``); they also score
some dramas of their own institution, generously — the awards stage must recuse them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fanxing.demo import vocab as V
from fanxing.demo.catalogue import Catalogue
from fanxing.demo.rng import stream

CATEGORIES = ("influence", "innovation", "ip_adaptation", "brand_story", "empowerment")


def _z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() or 1.0)


def shortlists(cat: Catalogue, total_plays: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Drama indices shortlisted per category (40–80 where enough dramas are eligible)."""
    n = cat.n
    log_plays = np.log1p(total_plays)
    merit = {
        "influence": _z(log_plays) + 0.3 * cat.quality,
        "innovation": cat.quality + 0.3 * _z(log_plays) + 0.3 * (cat.ip == 0),
        "ip_adaptation": cat.quality + 0.5 * _z(log_plays),
        "brand_story": cat.quality + 0.3 * _z(log_plays),
        "empowerment": cat.quality + 0.3 * _z(log_plays) + 0.3 * cat.sichuan,
    }
    eligible = {
        "influence": np.ones(n, bool), "innovation": np.ones(n, bool), "ip_adaptation": cat.ip != 0,
        "brand_story": cat.brand >= 0, "empowerment": cat.tags.any(axis=1),
    }
    size = {"influence": 80, "innovation": 60, "ip_adaptation": 60, "brand_story": 50, "empowerment": 60}
    out = {}
    for c in CATEGORIES:
        idx = np.flatnonzero(eligible[c])
        score = merit[c][idx] + 0.3 * rng.standard_normal(idx.size)
        out[c] = np.sort(idx[np.argsort(-score, kind="stable")[: min(size[c], idx.size)]])
    return out


def jury_frame(cat: Catalogue, ids: np.ndarray, total_plays: np.ndarray, seed: int) -> pd.DataFrame:
    rng = stream(seed, "jury", cat.n)
    lists = shortlists(cat, total_plays, rng)
    jurors = np.array(V.JURORS)
    bias = rng.normal(0, 4, jurors.size)
    spread = rng.uniform(0.8, 1.2, jurors.size)
    # Three jurors come from institutions that have shortlisted dramas.
    listed = np.concatenate(list(lists.values()))
    counts = np.bincount(cat.producer[listed], minlength=cat.producers.size)
    top = np.argsort(-counts, kind="stable")[:3]
    institution = np.full(jurors.size, "", dtype=object)
    affiliated = rng.choice(jurors.size, size=min(3, int((counts > 0).sum())), replace=False)
    institution[affiliated] = cat.producers[top[: affiliated.size]]
    frames = []
    for c in CATEGORIES:
        d = lists[c]
        if d.size == 0:
            continue
        dd, jj = np.meshgrid(d, np.arange(jurors.size), indexing="ij")
        dd, jj = dd.ravel(), jj.ravel()
        own = institution[jj] == cat.producers[cat.producer[dd]]
        keep = (rng.random(dd.size) > 0.06) | own  # a few abstentions
        dd, jj, own = dd[keep], jj[keep], own[keep]
        merit = _z(cat.quality[d])[np.searchsorted(d, dd)] if d.size > 1 else np.zeros(dd.size)
        score = 68 + 10 * spread[jj] * merit + bias[jj] + rng.normal(0, 6, dd.size) + 9 * own
        frames.append(pd.DataFrame({"drama_id": ids[dd], "category": c, "juror": jurors[jj],
                                    "score": np.round(np.clip(score, 0, 100), 1), "institution": institution[jj]}))
    return pd.concat(frames, ignore_index=True)
