"""Novelty of a drama: how far its synopsis and genres depart from EARLIER releases (TF-IDF).

Tokens: jieba (precise mode, with the drama user dictionary) over the synopsis, stopwords and
short tokens removed, plus every genre counted `genre_weight` times. Weights: sublinear TF-IDF,
rows L2-normalised. For each drama the cosine similarities to dramas released strictly before it
are considered; with s₁ the largest and s̄ the mean of the k largest, the novelty distance is
√((1 − s₁)(1 − s̄)): 0 for a copy of an earlier drama, 1 for a drama sharing no token with any
earlier one, lower when many earlier dramas are alike. The nearest earlier drama is the first one
(in input order) holding s₁.

Finding the k largest exactly without computing most similarities (the usable dramas ordered by
release date, then position, so that the earlier releases of a drama are a prefix of that order):

1. Bounds. Terms occurring in exactly the same dramas form a *block* (the words of a stock phrase,
   a genre, …). Per drama and block let b be the L2 norm of the drama's weights on the block's
   terms. By Cauchy–Schwarz on every block, the similarity of two dramas is at most
   U = Σ_blocks b_query·b_earlier — and equal to it when their weights on each shared block are
   proportional (the same term-frequency pattern, the usual case). U has ~11 non-zeros per drama
   instead of ~19 terms and is computed in float32 (a sparse × dense product), with
   |U₃₂ − U| ≤ ε = (m + 8)·2⁻²³ (m: most blocks of a drama; U ≤ 1; > 2× the float32 error bound).
2. Screening. For a block of queries, the bounds against their prefixes are computed tile by tile.
   A running threshold τ per query (the k-th largest bound collected so far; at first the k-th
   largest of the maxima of groups of `_GROUP` bounds) admits as candidates the earlier dramas with
   U₃₂ ≥ τ − 4ε. With L the largest such threshold used for the query and candidates below L
   dropped, every earlier drama that is not a candidate has U₃₂ < L, hence a similarity < L + ε.
3. The candidates' similarities are computed exactly as the sparse product of the all-pairs method
   computes them (a running sum over the query's stored terms, in stored order): bit-identical.
4. Certificate. If θ, the k-th largest (clipped) candidate similarity, is ≥ L + ε + 1e-12, no
   drama left out can reach θ: the k largest values, the largest, and every drama holding it (for
   the tie rule) are among the candidates, so the result is the all-pairs result.

Queries without a certificate (a bound not tight at the top, more than `_MAX_CANDIDATES` near-ties,
no token shared with anything earlier), with fewer than `_MIN_PREFIX` earlier releases, or with
k > `_MAX_K`, take the all-pairs method — sparse products of blocks of rows with their longest
prefix — so every output equals the all-pairs one. (On the ~197k demo dramas the screening keeps ~6
candidates per drama and certifies every one; the bounds are still computed for all pairs, but
that float32 product is several times cheaper than the float64 sparse product it replaces.)
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from fanxing.awards.config import NoveltyConfig
from fanxing.parallel import ordered_map

HERE = Path(__file__).parent
USER_DICT = HERE / "drama_dict.txt"
STOPWORDS = HERE / "stopwords.txt"
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")
_NUMBER = re.compile(r"^[\d.,%]+$")
BLOCK = 512  # rows per block of the similarity product (at most)
CELLS = 1 << 22  # … and at most this many similarities per block (bounds memory)
_CHUNK = 64  # columns per chunk maximum when bounding the k-th largest similarity
_BOUND_ROWS = 512  # queries per block of the screening
_BOUND_CHUNK = 1024  # earlier dramas per sparse × dense product of bounds
_BOUND_SPAN = 8192  # earlier dramas screened between threshold updates (a multiple of _BOUND_CHUNK)
_GROUP = 32  # bounds per group maximum (divides _BOUND_CHUNK)
_MIN_PREFIX = 4096  # queries with fewer earlier releases take the all-pairs method …
_MAX_CANDIDATES = 4096  # … and so do queries with more candidates than this …
_MAX_K = 64  # … and all queries when k is larger


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


def token_ids(docs: Sequence[Sequence[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The sorted vocabulary, every token's index in it (documents in order), and tokens per document."""
    vocab = sorted({t for d in docs for t in d})
    index = {t: i for i, t in enumerate(vocab)}
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    cols = np.fromiter((index[t] for d in docs for t in d), dtype=np.int64, count=int(lengths.sum()))
    return vocab, cols, lengths


def tfidf(docs: Sequence[Sequence[str]]) -> tuple[sp.csr_matrix, list[str]]:
    """Sublinear TF-IDF (smooth idf), rows L2-normalised; the vocabulary is sorted (deterministic)."""
    vocab, cols, lengths = token_ids(docs)
    return _tfidf(cols, lengths, len(vocab)), vocab


def _tfidf(cols: np.ndarray, lengths: np.ndarray, n_vocab: int) -> sp.csr_matrix:
    """``tfidf`` from ``token_ids``."""
    n_docs = len(lengths)
    rows = np.repeat(np.arange(n_docs), lengths)
    x = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_docs, n_vocab)).tocsr()
    x.sum_duplicates()
    x.data = 1.0 + np.log(x.data)
    df = np.bincount(x.indices, minlength=n_vocab)
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    x = sp.csr_matrix(x.multiply(idf[np.newaxis, :]))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(inv) @ x)


def _token_ids_of(synopses: Sequence[str], genres: Sequence[Sequence[str]],
                  config: NoveltyConfig) -> tuple[list[str], np.ndarray, np.ndarray]:
    cache: dict[str, list[str]] = {}
    return token_ids([tokenize(s, g, config, cache) for s, g in zip(synopses, genres, strict=True)])


def _tokens_main() -> None:
    """The background process of ``TokensInBackground``: (synopses, genres, config) pickled on stdin,
    ``("ok", token_ids)`` or ``("error", text)`` pickled on stdout."""
    import pickle
    import sys

    result = sys.stdout.buffer
    sys.stdout = sys.stderr  # whatever else writes to stdout cannot mix with the result
    try:
        synopses, genres, config = pickle.load(sys.stdin.buffer)
        out = ("ok", _token_ids_of(synopses, genres, config))
    except BaseException as exc:  # reported to the parent, which then tokenizes itself
        out = ("error", f"{type(exc).__name__}: {exc}")
    pickle.dump(out, result, protocol=pickle.HIGHEST_PROTOCOL)
    result.flush()


class TokensInBackground:
    """The novelty tokens of every drama, segmented by jieba in a separate process while the caller
    goes on (a build starts it once the catalogue is loaded; jieba is pure Python and holds the GIL,
    so a thread would not run beside the rest of the build).

    The process is a fresh interpreter that imports this module only (not the caller's main script,
    as multiprocessing's spawn would); the dramas go to it on its stdin from a thread, the tokens come
    back on its stdout. ``novelty(..., tokens=)`` uses them only when its dramas' synopses and genres
    and the config are the very ones given here, and tokenizes itself when they differ or the process
    failed: the tokens, and so the scores, are the same either way. ``close()`` stops the process if it
    is still running.
    """

    def __init__(self, dramas: pd.DataFrame, config: NoveltyConfig):
        import os
        import pickle
        import subprocess
        import sys
        import threading

        import fanxing

        self.synopses = list(dramas["synopsis"])
        self.genres = [list(g) for g in dramas["genres"]]
        self.config = config
        self._proc = self._writer = self._reader = None
        self._result: tuple | None = None
        src = str(Path(fanxing.__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, *filter(None, [os.environ.get("PYTHONPATH")])])}
        payload = pickle.dumps((self.synopses, self.genres, config), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", "from fanxing.awards.novelty import _tokens_main; _tokens_main()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        except OSError:  # no process here: novelty tokenizes inline
            self._proc = None
            return

        def write(proc=self._proc) -> None:
            try:
                proc.stdin.write(payload)
                proc.stdin.close()
            except (OSError, ValueError):  # the process is gone (closed early): nothing to do
                pass

        def read(proc=self._proc) -> None:
            # taken as soon as the process has it, so that the process ends and frees its memory (jieba's
            # dictionary, ~0.65 GiB at 200,000 dramas) rather than wait, blocked on a full pipe, for the
            # awards step
            try:
                self._result = pickle.load(proc.stdout)
            except Exception:  # the process failed, died or was stopped: novelty tokenizes inline
                self._result = None

        self._writer = threading.Thread(target=write, daemon=True, name="fanxing-tokens-in")
        self._reader = threading.Thread(target=read, daemon=True, name="fanxing-tokens-out")
        self._writer.start()
        self._reader.start()

    def ids_for(self, dramas: pd.DataFrame, config: NoveltyConfig
                ) -> tuple[list[str], np.ndarray, np.ndarray] | None:
        """``token_ids`` of ``dramas``' tokens, when they are those given at the start; else None."""
        if self._proc is None or config != self.config or list(dramas["synopsis"]) != self.synopses \
                or [list(g) for g in dramas["genres"]] != self.genres:
            return None
        self._reader.join()
        result, self._result = self._result, None
        self.close()
        if result is None or result[0] != "ok":
            return None
        return result[1]

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for t in (self._writer, self._reader):  # a write ends (broken pipe) and a read (end of file)
            if t is not None:                    # once the process is gone
                t.join()
        self._writer = self._reader = None
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def novelty(dramas: pd.DataFrame, config: NoveltyConfig, tokens: TokensInBackground | None = None) -> pd.DataFrame:
    """Per drama_id: n_earlier, novelty_distance (0..1), novelty (0..100 on the configured scale),
    nearest_earlier (drama_id) and nearest_similarity.

    Missing (NaN) when the drama has no release date, no tokens, or fewer than `min_earlier`
    earlier releases with tokens. Same-day releases are not "earlier" than each other.

    The usable dramas are ordered by (release date, position), so the earlier releases of a drama
    are a prefix of that order. The k most similar earlier releases are found by the exact screened
    search of the module docstring; the dramas it cannot certify take the all-pairs block product.

    ``tokens`` (started earlier, see ``TokensInBackground``) saves segmenting the synopses here.
    """
    ids = dramas["drama_id"].astype(str).to_numpy()
    got = tokens.ids_for(dramas, config) if tokens is not None else None
    vocab, cols, lengths = got if got is not None else _token_ids_of(dramas["synopsis"], dramas["genres"], config)
    x = _tfidf(cols, lengths, len(vocab))
    dates = pd.to_datetime(dramas["release_date"]).to_numpy(dtype="datetime64[ns]")
    has_date = ~np.isnat(dates)
    usable = has_date & (np.diff(x.indptr) > 0)
    day = np.where(has_date, dates.astype("int64"), np.iinfo(np.int64).max)
    n = len(ids)
    dist = np.full(n, np.nan)
    nearest = np.full(n, None, dtype=object)
    nearest_sim = np.full(n, np.nan)
    # the usable dramas by (day, position): the columns of the similarity products
    cols = np.flatnonzero(usable)
    cols = cols[np.argsort(day[cols], kind="stable")]
    col_day = day[cols]
    # earlier usable releases of every drama = a prefix of ``cols``
    n_earlier = np.searchsorted(col_day, day, side="left").astype(np.int64)
    ok = usable & (n_earlier >= config.min_earlier)
    rows = np.flatnonzero(ok)
    rows = rows[np.argsort(day[rows], kind="stable")]
    kk = min(config.k, n)
    # per row: the kk largest similarities (descending, NaN-padded), the largest, the nearest position
    top = np.full((len(rows), kk), np.nan)
    best = np.full(len(rows), np.nan)
    pos = np.zeros(len(rows), dtype=np.int64)
    todo = np.ones(len(rows), dtype=bool)
    if kk <= _MAX_K:
        fast = np.flatnonzero(n_earlier[rows] >= max(_MIN_PREFIX, kk))
        if fast.size:
            got, t, b, p = _screened(x, cols, rows[fast], n_earlier, kk)
            f = fast[got]
            top[f], best[f], pos[f] = t[got], b[got], p[got]
            todo[f] = False
    if todo.any():
        top[todo], best[todo], pos[todo] = _all_pairs(x, cols, rows[todo], n_earlier, kk, n)
    if len(rows):
        sbar = _mean_top(top, n_earlier[rows], kk, len(cols))
        dist[rows] = np.sqrt(np.clip((1.0 - best) * (1.0 - sbar), 0.0, 1.0))
        nearest[rows] = ids[pos]
        nearest_sim[rows] = best
    out = pd.DataFrame({"drama_id": ids, "n_earlier": n_earlier, "novelty_distance": dist,
                        "nearest_earlier": nearest, "nearest_similarity": nearest_sim})
    out["novelty"] = scale(out["novelty_distance"], config.scale)
    return out.set_index("drama_id", drop=False)


def _mean_top(top: np.ndarray, q: np.ndarray, kk: int, n_cols: int) -> np.ndarray:
    """s̄ per row (rows by release), bit for bit as the all-pairs block loop takes it: the NaN-mean
    over min(k, longest prefix in the row's block of ``BLOCK``-ish rows) columns — the NaN padding
    only differs for rows with fewer than k earlier releases, and only changes a bit for k ≥ 9."""
    per = max(1, min(BLOCK, CELLS // max(1, n_cols)))
    starts = np.arange(0, len(q), per)
    width = np.maximum.reduceat(q, starts)
    kw = np.minimum(kk, np.repeat(width, np.diff(np.r_[starts, len(q)])))
    sbar = np.empty(len(q))
    for w in np.unique(kw):
        sel = kw == w
        with np.errstate(invalid="ignore"):
            sbar[sel] = np.nanmean(top[sel, :w], axis=1)
    return sbar


def _all_pairs(x: sp.csr_matrix, cols: np.ndarray, rows: np.ndarray, n_earlier: np.ndarray, kk: int,
               n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top similarities of ``rows`` (by release) from the full products with their prefixes: each
    block of rows is multiplied with the longest prefix among them (sparse products), later columns
    masked. Returns the kk largest (NaN-padded), the largest, and the smallest position holding it."""
    top = np.full((len(rows), kk), np.nan)
    best = np.empty(len(rows))
    pos = np.empty(len(rows), dtype=np.int64)
    xc = x[cols].T.tocsc()
    per = max(1, min(BLOCK, CELLS // max(1, len(cols))))
    for lo in range(0, len(rows), per):
        r = rows[lo:lo + per]
        q = n_earlier[r]  # prefix length of each row
        width = int(q.max())
        sims = np.asarray((x[r] @ xc[:, :width]).todense())
        np.clip(sims, 0.0, 1.0, out=sims)
        sims[np.arange(width)[None, :] >= q[:, None]] = -np.inf
        kw = min(kk, width)
        top[lo:lo + per, :kw], best[lo:lo + per], pos[lo:lo + per] = _top_k(sims, kw, cols[:width], n)
    return top, best, pos


def _screened(x: sp.csr_matrix, cols: np.ndarray, rows: np.ndarray, n_earlier: np.ndarray,
              kk: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The screened search for ``rows`` (by release, each with ≥ kk earlier releases).

    Returns which rows are certified and, for those, the kk largest similarities (descending),
    the largest and the smallest position holding it — the same as `_all_pairs`.
    """
    colpos = np.empty(x.shape[0], dtype=np.int64)
    colpos[cols] = np.arange(len(cols))
    xb, eps = _block_norms(x[cols])
    pr, pc, limit, gave_up = _screen(xb, eps, colpos[rows], n_earlier[rows], kk)
    sims = _pair_similarities(x, rows[pr], cols[pc])
    np.clip(sims, 0.0, 1.0, out=sims)
    # per row: candidates by similarity descending, then position ascending
    o = np.lexsort((cols[pc], -sims, pr))
    pr, pc, sims = pr[o], pc[o], sims[o]
    first = np.searchsorted(pr, np.arange(len(rows)), side="left")
    count = np.searchsorted(pr, np.arange(len(rows)), side="right") - first
    place = np.arange(len(pr)) - first[pr]
    keep = place < kk
    top = np.full((len(rows), kk), np.nan)
    top[pr[keep], place[keep]] = sims[keep]
    best = top[:, 0].copy()
    pos = np.zeros(len(rows), dtype=np.int64)
    has = count > 0
    pos[has] = cols[pc[first[has]]]
    # certificate: no drama left out can reach the k-th largest similarity found
    with np.errstate(invalid="ignore"):
        got = ~gave_up & (count >= kk) & (top[:, kk - 1] >= limit + eps + 1e-12)
    return got, top, best, pos


def _block_norms(xcol: sp.csr_matrix) -> tuple[sp.csr_matrix, float]:
    """Per drama (row) and block of terms with the same postings among the rows: the L2 norm of the
    drama's weights on the block (float32), and the bound on the float32 error of their dot products.

    Blocks are numbered by document frequency, so that the frequent ones sit together in memory.
    """
    n_docs, n_terms = xcol.shape
    csc = xcol.tocsc()
    csc.sort_indices()
    df = np.diff(csc.indptr)
    # a posting list's identity: its length and two random-salted sums (a collision merges two blocks,
    # which only loosens the bounds)
    salts = np.random.default_rng(0).integers(0, 1 << 62, size=(2, n_docs), dtype=np.int64).astype(np.uint64)
    keys = [df.astype(np.uint64)]
    for salt in salts:
        h = np.zeros(n_terms, dtype=np.uint64)
        h[df > 0] = np.add.reduceat(salt[csc.indices], csc.indptr[:-1][df > 0])
        keys.append(h)
    _, block = np.unique(np.stack(keys, axis=1), axis=0, return_inverse=True)
    block = block.ravel()
    nb = int(block.max()) + 1 if n_terms else 0
    bdf = np.zeros(nb, dtype=np.int64)
    bdf[block] = df
    rank = np.empty(nb, dtype=np.int64)
    rank[np.argsort(-bdf, kind="stable")] = np.arange(nb)
    coo = xcol.tocoo()
    xb = sp.csr_matrix((coo.data ** 2, (coo.row, rank[block[coo.col]])), shape=(n_docs, nb))
    xb.sum_duplicates()
    xb.data = np.sqrt(xb.data)
    xb = xb.astype(np.float32)
    # a float32 sum of at most m products of float32-rounded norms, U ≤ 1: error ≤ (m + 2)·2⁻²⁴ (+ tiny)
    m = int(np.diff(xb.indptr).max()) if n_docs else 0
    return xb, (m + 8) * 2.0 ** -23


def _screen(xb: sp.csr_matrix, eps: float, qpos: np.ndarray, q: np.ndarray,
            kk: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Candidate (row, column) pairs of the screened search, for queries at columns ``qpos`` with
    prefixes ``q`` (by release); per row the limit L (every column of its prefix that is not a
    candidate has a float32 bound below L) and whether it gave up (too many candidates).

    Blocks of `_BOUND_ROWS` queries are independent: they run on ``fanxing.parallel.threads()``
    threads (scipy's sparse × dense product and numpy release the GIL) and are combined in order,
    so the result does not depend on the number of threads."""
    tiles = [xb[c:c + _BOUND_CHUNK] for c in range(0, xb.shape[0], _BOUND_CHUNK)]
    n_rows = len(qpos)
    limit = np.full(n_rows, -np.inf)
    gave_up = np.zeros(n_rows, dtype=bool)
    out_r: list[np.ndarray] = []
    out_c: list[np.ndarray] = []

    def block(lo: int):
        return lo, _screen_block(xb, tiles, eps, qpos[lo:lo + _BOUND_ROWS], q[lo:lo + _BOUND_ROWS], kk)

    for lo, (cr, cc, lim, stop) in ordered_map(block, range(0, n_rows, _BOUND_ROWS), name="fanxing-novelty"):
        out_r.append(cr + lo)
        out_c.append(cc)
        limit[lo:lo + len(lim)] = lim
        gave_up[lo:lo + len(lim)] = stop
    pr = np.concatenate(out_r) if out_r else np.zeros(0, dtype=np.int64)
    pc = np.concatenate(out_c) if out_c else np.zeros(0, dtype=np.int64)
    return pr, pc, limit, gave_up


def _screen_block(xb: sp.csr_matrix, tiles: list[sp.csr_matrix], eps: float, qpos: np.ndarray, qr: np.ndarray,
                  kk: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`_screen` for one block of queries (columns ``qpos``, prefixes ``qr``): candidate rows (within
    the block) and columns, and per query its limit and whether it gave up."""
    nb = xb.shape[1]
    margin = np.float32(4 * eps)
    per_chunk = _BOUND_CHUNK // _GROUP
    in_group = np.arange(_GROUP)
    nr = len(qr)
    width = int(qr.max())
    qb = xb[qpos]
    qt = np.zeros((nb, nr), dtype=np.float32)  # the queries' block norms, one column per query
    qt[qb.indices, np.repeat(np.arange(nr), np.diff(qb.indptr))] = qb.data
    top = np.full((nr, kk), -np.inf, dtype=np.float32)  # the kk largest bounds collected, per row
    lim = np.full(nr, -np.inf, dtype=np.float32)
    stop = np.zeros(nr, dtype=bool)
    count = np.zeros(nr, dtype=np.int64)
    cand_r, cand_c, cand_u = [], [], []
    for c0 in range(0, width, _BOUND_SPAN):
        c1 = min(c0 + _BOUND_SPAN, width)
        parts = []  # bounds of columns c0.. (chunk by chunk) × rows; −inf outside the prefixes
        for a in range(c0, c1, _BOUND_CHUNK):
            b = min(a + _BOUND_CHUNK, c1)
            u = (tiles[a // _BOUND_CHUNK] if b - a == _BOUND_CHUNK else xb[a:b]) @ qt
            if b > qr.min():
                u[(a + np.arange(b - a))[:, None] >= qr[None, :]] = -np.inf
            if (b - a) % _GROUP:
                u = np.concatenate([u, np.full((_GROUP - (b - a) % _GROUP, nr), -np.inf, np.float32)])
            parts.append(u)
        gmax = np.concatenate([u.reshape(-1, _GROUP, nr).max(axis=1) for u in parts])
        if c0 > 0:
            tau = top[:, kk - 1]
        elif len(gmax) >= kk:  # kk group maxima are kk bounds: the kk-th largest is a first threshold
            tau = np.partition(gmax, len(gmax) - kk, axis=0)[len(gmax) - kk]
        else:
            tau = np.full(nr, -np.inf, dtype=np.float32)
        thr = np.where(stop, np.float32(np.inf), tau - margin).astype(np.float32)
        np.maximum(lim, thr, out=lim)
        gi, ri = np.nonzero(gmax >= thr[None, :])
        if not gi.size:
            continue
        chunk = gi // per_chunk
        at = (gi % per_chunk * _GROUP)[:, None] + in_group[None, :]
        u = np.empty(at.shape, dtype=np.float32)
        for c in np.unique(chunk):
            sel = chunk == c
            u[sel] = parts[c][at[sel], ri[sel, None]]
        at += (c0 + chunk * _BOUND_CHUNK)[:, None]
        keep = (u >= thr[ri][:, None]) & (at < qr[ri][:, None])
        cr = np.broadcast_to(ri[:, None], at.shape)[keep]
        cu = u[keep]
        cand_r.append(cr)
        cand_c.append(at[keep])
        cand_u.append(cu)
        count += np.bincount(cr, minlength=nr)
        stop |= count > _MAX_CANDIDATES
        # the kk largest bounds collected so far → the next threshold
        ar = np.concatenate([np.repeat(np.arange(nr), kk), cr])
        au = np.concatenate([top.ravel(), cu])
        o = np.lexsort((-au, ar))
        ar, au = ar[o], au[o]
        place = np.arange(len(ar)) - np.searchsorted(ar, np.arange(nr))[ar]
        sel = place < kk
        top = np.full((nr, kk), -np.inf, dtype=np.float32)
        top[ar[sel], place[sel]] = au[sel]
    empty = np.zeros(0, dtype=np.int64)
    if not cand_r:
        return empty, empty, lim, stop
    cr = np.concatenate(cand_r)
    cu = np.concatenate(cand_u)
    keep = (cu >= lim[cr]) & ~stop[cr]
    return cr[keep], np.concatenate(cand_c)[keep], lim, stop


def _pair_similarities(x: sp.csr_matrix, qi: np.ndarray, dj: np.ndarray) -> np.ndarray:
    """x[qi[p]] · x[dj[p]] for every pair p, bit for bit as scipy's sparse product computes it: a
    running sum from 0 over the stored terms of row qi[p], in stored order (a term row dj[p] lacks
    adds an exact 0)."""
    n, n_terms = x.shape
    out = np.zeros(len(qi))
    if not len(qi):
        return out
    xs = x.copy()  # for looking up (row, term) → weight: sorted keys row·n_terms + term
    xs.sort_indices()
    keys = np.repeat(np.arange(n, dtype=np.int64), np.diff(xs.indptr)) * n_terms + xs.indices
    nnz = np.diff(x.indptr)
    order = np.argsort(dj, kind="stable")  # lookups grouped by row dj: cache-friendly
    for lo in range(0, len(order), 1 << 16):
        p = order[lo:lo + (1 << 16)]
        m = nnz[qi[p]]
        pair = np.repeat(np.arange(len(p)), m)
        step = np.arange(len(pair)) - np.repeat(np.cumsum(m) - m, m)  # position in the query row
        off = x.indptr[qi[p]][pair] + step
        key = dj[p][pair] * n_terms + x.indices[off]
        at = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        prod = x.data[off] * np.where(keys[at] == key, xs.data[at], 0.0)
        acc = np.zeros(len(p))
        o = np.argsort(step, kind="stable")
        bounds = np.searchsorted(step[o], np.arange(int(m.max()) + 1))
        for j in range(int(m.max())):
            s = o[bounds[j]:bounds[j + 1]]
            acc[pair[s]] += prod[s]
        out[p] = acc
    return out


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
