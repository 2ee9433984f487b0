"""Novelty of a drama: how far its synopsis and genres depart from EARLIER releases (TF-IDF).

Tokens: jieba (precise mode, with the drama user dictionary) over the synopsis, stopwords and
short tokens removed, plus every genre counted `genre_weight` times. Weights: sublinear TF-IDF,
rows L2-normalised. For each drama the cosine similarities to dramas released strictly before it
are computed (sparse products, in row blocks); with s₁ the largest and s̄ the mean of the k
largest, the novelty distance is √((1 − s₁)(1 − s̄)): 0 for a copy of an earlier drama, 1 for a
drama sharing no token with any earlier one, lower when many earlier dramas are alike.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from fanxing.awards.config import NoveltyConfig

HERE = Path(__file__).parent
USER_DICT = HERE / "drama_dict.txt"
STOPWORDS = HERE / "stopwords.txt"
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")
_NUMBER = re.compile(r"^[\d.,%]+$")
BLOCK = 512  # rows per block of the similarity product


@functools.lru_cache(maxsize=1)
def tokenizer():
    """A private jieba tokenizer with the drama dictionary (the global jieba one is left alone)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    tk.load_userdict(str(USER_DICT))
    return tk


@functools.lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(w.strip() for w in STOPWORDS.read_text(encoding="utf-8").splitlines() if w.strip())


def tokenize(synopsis: str, genres: Sequence[str], config: NoveltyConfig) -> list[str]:
    """Content tokens of one drama: synopsis words (no stopwords, no short or numeric tokens) + genres."""
    stop = stopwords() | set(config.extra_stopwords)
    words = [w.strip().lower() for w in tokenizer().lcut(synopsis or "")] if synopsis else []
    words = [w for w in words if len(w) >= config.min_token_len and w not in stop
             and _WORDLIKE.search(w) and not _NUMBER.match(w)]
    for g in genres:
        words.extend([g.strip().lower()] * config.genre_weight)
    return [w for w in words if w]


def tfidf(docs: Sequence[Sequence[str]]) -> tuple[sp.csr_matrix, list[str]]:
    """Sublinear TF-IDF (smooth idf), rows L2-normalised; the vocabulary is sorted (deterministic)."""
    vocab = sorted({t for d in docs for t in d})
    index = {t: i for i, t in enumerate(vocab)}
    rows = np.repeat(np.arange(len(docs)), [len(d) for d in docs])
    cols = np.fromiter((index[t] for d in docs for t in d), dtype=np.int64, count=len(rows))
    x = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(docs), len(vocab))).tocsr()
    x.sum_duplicates()
    x.data = 1.0 + np.log(x.data)
    df = np.bincount(x.indices, minlength=len(vocab))
    idf = np.log((1.0 + len(docs)) / (1.0 + df)) + 1.0
    x = sp.csr_matrix(x.multiply(idf[np.newaxis, :]))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(inv) @ x), vocab


def novelty(dramas: pd.DataFrame, config: NoveltyConfig) -> pd.DataFrame:
    """Per drama_id: n_earlier, novelty_distance (0..1), novelty (0..100 on the configured scale),
    nearest_earlier (drama_id) and nearest_similarity.

    Missing (NaN) when the drama has no release date, no tokens, or fewer than `min_earlier`
    earlier releases with tokens. Same-day releases are not "earlier" than each other.
    """
    ids = dramas["drama_id"].astype(str).to_numpy()
    docs = [tokenize(s, g, config) for s, g in zip(dramas["synopsis"], dramas["genres"], strict=True)]
    x, _ = tfidf(docs)
    dates = pd.to_datetime(dramas["release_date"]).to_numpy(dtype="datetime64[ns]")
    has_date = ~np.isnat(dates)
    usable = has_date & (np.diff(x.indptr) > 0)
    day = np.where(has_date, dates.astype("int64"), np.iinfo(np.int64).max)
    n = len(ids)
    dist = np.full(n, np.nan)
    n_earlier = np.zeros(n, dtype=np.int64)
    nearest = np.full(n, None, dtype=object)
    nearest_sim = np.full(n, np.nan)
    xt = x.T.tocsc()
    k = config.k
    for lo in range(0, n, BLOCK):
        hi = min(lo + BLOCK, n)
        sims = np.asarray((x[lo:hi] @ xt).todense())
        earlier = usable[np.newaxis, :] & (day[np.newaxis, :] < day[lo:hi, np.newaxis])
        sims = np.where(earlier, np.clip(sims, 0.0, 1.0), -np.inf)
        count = earlier.sum(axis=1)
        kk = min(k, n)
        top = -np.partition(-sims, kk - 1, axis=1)[:, :kk] if n else np.empty((hi - lo, 0))
        top = np.where(np.isfinite(top), top, np.nan)
        ok = usable[lo:hi] & (count >= config.min_earlier)
        with np.errstate(invalid="ignore"):
            s1 = np.nanmax(np.where(ok[:, None], top, 0.0), axis=1)
            sbar = np.nanmean(np.where(ok[:, None], top, 0.0), axis=1)
        d = np.sqrt(np.clip((1.0 - s1) * (1.0 - sbar), 0.0, 1.0))
        dist[lo:hi] = np.where(ok, d, np.nan)
        n_earlier[lo:hi] = count
        arg = np.argmax(sims, axis=1)
        for r in np.flatnonzero(ok):
            nearest[lo + r] = ids[arg[r]]
            nearest_sim[lo + r] = sims[r, arg[r]]
    out = pd.DataFrame({"drama_id": ids, "n_earlier": n_earlier, "novelty_distance": dist,
                        "nearest_earlier": nearest, "nearest_similarity": nearest_sim})
    out["novelty"] = scale(out["novelty_distance"], config.scale)
    return out.set_index("drama_id", drop=False)


def scale(distance: pd.Series, how: str) -> pd.Series:
    """100·distance, or the percentile of the distance among dramas with one (0 lowest, 100 highest)."""
    if how == "distance":
        return 100.0 * distance
    valid = distance.notna()
    m = int(valid.sum())
    out = pd.Series(np.nan, index=distance.index)
    if m == 1:
        out[valid] = 100.0
    elif m > 1:
        out[valid] = 100.0 * (distance[valid].rank(method="average") - 1.0) / (m - 1.0)
    return out
