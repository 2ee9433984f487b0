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
BLOCK = 512  # rows per block of the similarity product (at most)
CELLS = 1 << 22  # … and at most this many similarities per block (bounds memory)
_CHUNK = 64  # columns per chunk maximum when bounding the k-th largest similarity


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


def tokenize(synopsis: str, genres: Sequence[str], config: NoveltyConfig,
             cache: dict[str, list[str]] | None = None) -> list[str]:
    """Content tokens of one drama: synopsis words (no stopwords, no short or numeric tokens) + genres.

    jieba segments a text block by block (runs of word characters between punctuation, see
    ``jieba.Tokenizer.cut``), each block on its own; ``cache`` (block → its kept words, for one
    ``config``) saves segmenting the blocks synopses share — the result is the same.
    """
    stop = stopwords() | set(config.extra_stopwords)
    words: list[str] = []
    if synopsis:
        if cache is None:
            cache = {}
        for blk in _han_blocks(synopsis):
            kept = cache.get(blk)
            if kept is None:
                kept = [w for w in (x.strip().lower() for x in tokenizer().lcut(blk))
                        if len(w) >= config.min_token_len and w not in stop
                        and _WORDLIKE.search(w) and not _NUMBER.match(w)]
                cache[blk] = kept
            words.extend(kept)
    for g in genres:
        words.extend([g.strip().lower()] * config.genre_weight)
    return [w for w in words if w]


def _han_blocks(text: str) -> list[str]:
    """The blocks jieba segments independently: its ``re_han`` runs, and each stretch between them."""
    import jieba

    return [b for b in jieba.re_han_default.split(jieba.strdecode(text)) if b]


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

    The usable dramas are ordered by (release date, position), so the earlier releases of a drama
    are a prefix of that order: each block of rows is multiplied with that prefix only (half of the
    all-pairs product), and only for dramas that get a distance.
    """
    ids = dramas["drama_id"].astype(str).to_numpy()
    cache: dict[str, list[str]] = {}
    docs = [tokenize(s, g, config, cache) for s, g in zip(dramas["synopsis"], dramas["genres"], strict=True)]
    x, _ = tfidf(docs)
    dates = pd.to_datetime(dramas["release_date"]).to_numpy(dtype="datetime64[ns]")
    has_date = ~np.isnat(dates)
    usable = has_date & (np.diff(x.indptr) > 0)
    day = np.where(has_date, dates.astype("int64"), np.iinfo(np.int64).max)
    n = len(ids)
    dist = np.full(n, np.nan)
    nearest = np.full(n, None, dtype=object)
    nearest_sim = np.full(n, np.nan)
    k = config.k
    # the usable dramas by (day, position): the columns of the similarity products
    cols = np.flatnonzero(usable)
    cols = cols[np.argsort(day[cols], kind="stable")]
    col_day = day[cols]
    # earlier usable releases of every drama = a prefix of ``cols``
    n_earlier = np.searchsorted(col_day, day, side="left").astype(np.int64)
    ok = usable & (n_earlier >= config.min_earlier)
    rows = np.flatnonzero(ok)
    rows = rows[np.argsort(day[rows], kind="stable")]
    xc = x[cols].T.tocsc() if len(cols) else None
    kk = min(k, n)
    per = max(1, min(BLOCK, CELLS // max(1, len(cols))))
    for lo in range(0, len(rows), per):
        r = rows[lo:lo + per]
        q = n_earlier[r]  # prefix length of each row
        width = int(q.max())
        sims = np.asarray((x[r] @ xc[:, :width]).todense())
        np.clip(sims, 0.0, 1.0, out=sims)
        sims[np.arange(width)[None, :] >= q[:, None]] = -np.inf
        kw = min(kk, width)
        top, best, pos = _top_k(sims, kw, cols[:width], n)
        with np.errstate(invalid="ignore"):
            sbar = np.nanmean(top, axis=1)
        dist[r] = np.sqrt(np.clip((1.0 - best) * (1.0 - sbar), 0.0, 1.0))
        nearest[r] = ids[pos]
        nearest_sim[r] = best
    out = pd.DataFrame({"drama_id": ids, "n_earlier": n_earlier, "novelty_distance": dist,
                        "nearest_earlier": nearest, "nearest_similarity": nearest_sim})
    out["novelty"] = scale(out["novelty_distance"], config.scale)
    return out.set_index("drama_id", drop=False)


def _top_k(sims: np.ndarray, kw: int, col_ids: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of ``sims`` (values in [0, 1], −inf where not earlier; every row has a value):
    the ``kw`` largest values in descending order (NaN where the row has fewer), the largest, and the
    smallest ``col_ids`` among the columns holding it (the first such drama in the input).

    Exact, without partitioning whole rows: the maxima of column chunks bound the k-th largest value
    from below (k chunk maxima are k values), so only values ≥ the k-th largest chunk maximum can be
    among the top k; those few candidates are sorted.
    """
    rows, width = sims.shape
    starts = np.arange(0, width, _CHUNK)
    cmax = np.maximum.reduceat(sims, starts, axis=1)
    nc = cmax.shape[1]
    if nc >= kw:
        theta = np.partition(cmax, nc - kw, axis=1)[:, nc - kw]
        theta = np.maximum(theta, -1.0)  # never −inf: the masked columns are no candidates
    else:  # fewer chunks than k: every earlier release is a candidate
        theta = np.full(rows, -1.0)
    rr, cc = np.nonzero(sims >= theta[:, None])
    vv = sims[rr, cc]
    order = np.lexsort((-vv, rr))  # by row, then value descending
    rr, cc, vv = rr[order], cc[order], vv[order]
    first = np.searchsorted(rr, np.arange(rows), side="left")
    place = np.arange(len(rr)) - first[rr]
    keep = place < kw
    top = np.full((rows, kw), np.nan)
    top[rr[keep], place[keep]] = vv[keep]
    best = top[:, 0].copy()
    tie = vv == best[rr]
    pos = np.full(rows, n, dtype=np.int64)
    np.minimum.at(pos, rr[tie], col_ids[cc[tie]])
    return top, best, pos


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
