"""Scores of a chunk of replications at once: replications are an array axis (R × units).

Aggregates of indicators are weighted means computed as matrix products of the per-replication
weights (R × children) with the variant's (units × children) matrix — one product per
(data variant, method) group present in the chunk. Aggregates of aggregates combine (R × units)
arrays child by child. Missing children are skipped and the weights of the others renormalised,
exactly as in :mod:`fanxing.index.aggregate`; a dropped indicator is a child with weight 0 that also
leaves the count used by ``min_share``.

Element-wise work (the means of aggregates of aggregates) runs tile by tile, so that its temporaries
stay in the CPU cache; every element sees the same floating-point operations in the same order as a
whole-array evaluation, so tiling changes no bit. The products keep their (block × units) shapes.
"""

from __future__ import annotations

import contextlib
import copy
import ctypes
import functools
import glob
import os
from collections.abc import Iterator

import numpy as np
from scipy.special import gammaincinv

from fanxing.errors import IndexComputationError
from fanxing.index import aggregate as agg
from fanxing.index.uncertainty.plan import Method, ParentPlan, Plan
from fanxing.index.uncertainty.sampling import NO_DROP, NOMINAL_WEIGHTS, Choices

_U_EPS = 1e-12
_TILE = 1 << 15  # elements per tile of the element-wise means (≈ 256 KiB of float64)


@functools.lru_cache(maxsize=1)
def _openblas_local_threads():
    """numpy's OpenBLAS ``openblas_set_num_threads_local`` (OpenBLAS ≥ 0.3.27), or None."""
    libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libs, "*openblas*.so*"))):
        try:
            fn = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        fn.argtypes, fn.restype = [ctypes.c_int], ctypes.c_int
        return fn
    return None


@contextlib.contextmanager
def single_threaded_blas():
    """Run the products of this thread on one BLAS thread.

    The replications' products are thin — (R × a few children) @ (a few children × units) — so
    threads only add synchronisation; on a busy machine spinning BLAS threads made them several times
    slower. Every element is computed by the same kernel either way, so results are unchanged. Only
    the calling thread's setting changes (and is restored); a no-op where numpy's BLAS is not OpenBLAS.
    """
    fn = _openblas_local_threads()
    if fn is None:
        yield
        return
    old = fn(1)
    try:
        yield
    finally:
        fn(old)


class Replicator:
    """Computes index scores for chunks of :class:`Choices` against one :class:`Plan`."""

    def __init__(self, plan: Plan, uniforms: np.ndarray):
        self.plan = plan
        self.uniforms = uniforms
        self._cache: dict[tuple, np.ndarray] = {}
        self._x_by_col = np.ascontiguousarray(np.moveaxis(plan.x, 2, 0))  # (indicators, V, units)
        self._buffers: dict[str, np.ndarray] = {}

    def fork(self) -> Replicator:
        """A replicator for another thread: the same plan, uniforms and cache of transformed matrices
        (entries are only added, each the same whichever thread adds it), its own buffers."""
        other = copy.copy(self)
        other._buffers = {}
        return other

    @property
    def checks_positive(self) -> bool:
        """Whether some aggregation of aggregates checks that its children are positive: then a chunk's
        values are computed whole, so that the error names the first offending child of the chunk."""
        return any(not pp.indicator_only and any(m.needs_positive[0] for m in pp.methods)
                   for pp in self.plan.parents)

    def _buffer(self, code: str, r: int) -> np.ndarray:
        """(r × units) rows of a buffer for the values of aggregate ``code``, kept between blocks and
        chunks (:meth:`root_blocks`): no page faults of a new large array every time."""
        buf = self._buffers.get(code)
        if buf is None or buf.shape[0] < r:
            buf = self._buffers[code] = np.empty((r, len(self.plan.units)))
        return buf[:r]

    # ---- weights -----------------------------------------------------------------------------
    def weights(self, pp: ParentPlan, ch: Choices) -> tuple[np.ndarray, np.ndarray | None]:
        """(R × children) weights of one aggregate, and the keep mask (None when nothing is dropped)."""
        base = pp.base[self.plan.combo(ch.data, ch.agg)]
        w = base.copy()
        noise = self.plan.spec.weights
        if pp.perturbed and noise is not None:
            rows = ch.wset != NOMINAL_WEIGHTS
            if rows.any():
                u = self.uniforms[ch.wset[rows], pp.offset:pp.offset + len(pp.kids)]
                b = base[rows]
                if noise.kind == "relative":
                    w[rows] = b * (1.0 + noise.noise * (2.0 * u - 1.0))
                else:
                    alpha = noise.concentration * b / b.sum(axis=1, keepdims=True)
                    g = np.where(alpha > 0, gammaincinv(np.where(alpha > 0, alpha, 1.0),
                                                        np.clip(u, _U_EPS, 1 - _U_EPS)), 0.0)
                    total = g.sum(axis=1, keepdims=True)
                    w[rows] = np.where(total > 0, g / np.where(total > 0, total, 1.0), b)
        keep = None
        dropped = ch.drop != NO_DROP
        if dropped.any():
            hit = (pp.cols[None, :] == ch.drop[:, None]) & dropped[:, None]
            if hit.any():
                keep = ~hit
                w = np.where(keep, w, 0.0)
        return w, keep

    # ---- aggregation -------------------------------------------------------------------------
    def _transformed(self, v: int, pp: ParentPlan, meth: Method) -> tuple[np.ndarray, np.ndarray]:
        """(units × children) matrix T with T = f(x) where present and 0 elsewhere, and presence P."""
        name = _effective(meth)
        key = (v, pp.code, name, meth.power if name == "power" else None)
        if key not in self._cache:
            x = self.plan.x[v][:, pp.cols]
            present = ~np.isnan(x)
            xv = np.where(present, x, 1.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                if name == "arithmetic":
                    t = xv
                elif name == "geometric":
                    t = np.log(xv)
                elif name == "harmonic":
                    t = 1.0 / xv
                else:
                    t = np.power(xv, meth.power)
            pkey = (v, pp.code, "present")
            if pkey not in self._cache:
                self._cache[pkey] = np.ascontiguousarray(present.T.astype(float))
            self._cache[key] = np.ascontiguousarray(np.where(present, t, 0.0).T)
        return self._cache[key], self._cache[(v, pp.code, "present")]

    def _complete(self, v: int, pp: ParentPlan) -> bool:
        """Whether no child of ``pp`` is missing for any unit in data variant ``v`` (then Σ w over
        present children is just the row sum of the weights)."""
        key = (v, pp.code, "complete")
        if key not in self._cache:
            self._cache[key] = bool(self._cache[(v, pp.code, "present")].all())
        return self._cache[key]

    @staticmethod
    def _finish(meth: Method, num: np.ndarray, den: np.ndarray) -> np.ndarray:
        """The mean from Σ w·f(x) (``num``, overwritten) and Σ w over present children (``den``)."""
        name = _effective(meth)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if name == "harmonic":
                np.divide(den, num, out=num)
            else:
                np.divide(num, den, out=num)
                if name == "geometric":
                    np.exp(num, out=num)
                elif name == "power":
                    np.power(num, 1.0 / meth.power, out=num)
        empty = den <= 0
        if empty.any():
            num[np.broadcast_to(empty, num.shape)] = np.nan
        return num

    @staticmethod
    def _min_share(out: np.ndarray, meth: Method, count: np.ndarray, kept: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            share = count / kept
        out[share < meth.min_share] = np.nan
        return out

    def _indicator_parent(self, pp: ParentPlan, ch: Choices, blocks: list[tuple[int, int]], w: np.ndarray,
                          keep: np.ndarray | None, out: np.ndarray | None = None) -> np.ndarray:
        """Children all indicators: one matrix product per block of equal (aggregation, data) variant."""
        n = len(self.plan.units)
        if out is None:
            out = np.empty((len(ch), n))
        for s, e in blocks:
            v = int(ch.data[s])
            meth = pp.methods[pp.method_of[ch.agg[s]]]
            wr = w[s:e]
            if meth.name == "copeland":
                x = np.broadcast_to(self.plan.x[v][:, pp.cols], (e - s, n, len(pp.kids)))
                out[s:e] = _copeland(_without_dropped(x, keep, slice(s, e)), wr)
            else:
                t, present = self._transformed(v, pp, meth)
                num = np.matmul(wr, t, out=out[s:e])
                den = wr.sum(axis=1, keepdims=True) if self._complete(v, pp) else wr @ present
                self._finish(meth, num, den)
            if meth.min_share > 0:
                _, present = self._transformed(v, pp, Method("arithmetic", 1.0, 0.0))
                kr = np.ones_like(wr) if keep is None else keep[s:e].astype(float)
                self._min_share(out[s:e], meth, kr @ present, kr.sum(axis=1, keepdims=True))
        return out

    def _general_parent(self, pp: ParentPlan, ch: Choices, blocks: list[tuple[int, int]], w: np.ndarray,
                        keep: np.ndarray | None, values: dict[str, np.ndarray],
                        out: np.ndarray | None = None) -> np.ndarray:
        """Some children are aggregates: combine (R × units) arrays child by child, per aggregation block."""
        kids = [self._x_by_col[j][ch.data] if j >= 0 else values[c] for c, j in zip(pp.kids, pp.cols, strict=True)]
        if out is None:
            out = np.empty((len(ch), len(self.plan.units)))
        for s, e in blocks:
            meth = pp.methods[pp.method_of[ch.agg[s]]]
            wr = w[s:e]
            xs = [k[s:e] for k in kids]
            if meth.name == "copeland":
                out[s:e] = _copeland(_without_dropped(np.stack(xs, axis=-1), keep, slice(s, e)), wr)
            else:
                self._mean(meth, xs, wr, pp.code, out=out[s:e])
            if meth.min_share > 0:
                count = sum((~np.isnan(x)) * (1.0 if keep is None else keep[s:e, i][:, None])
                            for i, x in enumerate(xs))
                kr = np.full((e - s, 1), float(len(xs))) if keep is None else keep[s:e].sum(1, keepdims=True)
                self._min_share(out[s:e], meth, count, kr)
        return out

    def _mean(self, meth: Method, xs: list[np.ndarray], w: np.ndarray, code: str,
              out: np.ndarray | None = None) -> np.ndarray:
        """The weighted mean of (R × units) children ``xs`` with (R × children) weights ``w``, into ``out``.

        Children are added in order, missing ones skipped (weight 0, value 1), then finished as in
        :meth:`_finish`. The work is done tile by tile (see the module docstring): every element gets
        the same operations as over the whole array, only its temporaries stay in cache.
        """
        check, strict = meth.needs_positive
        if check:  # before any work, child by child, so the first offending child is reported
            for x in xs:
                if (x <= 0).any() if strict else (x < 0).any():
                    raise IndexComputationError(
                        f"uncertainty: aggregation '{meth.name}' of '{code}' needs "
                        f"{'positive' if strict else 'non-negative'} values; one of its children has "
                        f"{np.nanmin(x):g} in some replication", code="index_error", details={"aggregate": code})
        name = _effective(meth)
        r, n = xs[0].shape
        if out is None:
            out = np.empty((r, n))
        rows, cols = _tile_shape(r, n)
        buf = np.empty((rows, cols))
        for r0 in range(0, r, rows):
            r1 = min(r, r0 + rows)
            for c0 in range(0, n, cols):
                c1 = min(n, c0 + cols)
                num = out[r0:r1, c0:c1]
                den = _mean_tile(name, meth.power, [x[r0:r1, c0:c1] for x in xs], w[r0:r1], num,
                                 buf[:r1 - r0, :c1 - c0])
                self._finish(meth, num, den)
        return out

    # ---- the whole tree ----------------------------------------------------------------------
    def scores(self, ch: Choices, all_aggregates: bool = False) -> dict[str, np.ndarray]:
        """(R × units) scores of the index (and of every aggregate when ``all_aggregates``).

        The chunk is sorted by (aggregation, data) variant so that every group is a contiguous slice;
        the results are returned in the original order.
        """
        values, order = self._sorted_values(ch)
        codes = list(values) if all_aggregates else [self.plan.hierarchy.root]
        out = {}
        for c in codes:
            back = np.empty_like(values[c])
            back[order] = values[c]
            out[c] = back
        return out

    def root_blocks(self, ch: Choices) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The index scores of ``ch`` one block of equal (aggregation, data) variant at a time: yields
        (rows × units) scores and the positions in ``ch`` of those rows.

        The same numbers as :meth:`scores`: the weights are drawn for the whole chunk, every product
        is the same (block × children) @ (children × units) product, and the rest is row by row. The
        scores are a buffer that the next block overwrites; all buffers are sized to the largest block.
        """
        key = ch.agg * self.plan.x.shape[0] + ch.data
        order = np.argsort(key, kind="stable")
        ch = ch.take(order)
        key = key[order]
        parents = self.plan.parents
        if self.checks_positive:
            # keep the whole-chunk order of the checks of positive values (the error names the first)
            values = self._values(ch, _blocks(key), _blocks(ch.agg), buffers=True)
            yield values[self.plan.hierarchy.root], order
            return
        weights = [self.weights(pp, ch) for pp in parents]
        for s, e in _blocks(key):
            sub = ch.take(slice(s, e))
            values: dict[str, np.ndarray] = {}
            for pp, (w, keep) in zip(parents, weights, strict=True):
                args = (pp, sub, [(0, e - s)], w[s:e], None if keep is None else keep[s:e])
                buf = self._buffer(pp.code, e - s)
                if pp.indicator_only:
                    values[pp.code] = self._indicator_parent(*args, out=buf)
                else:
                    values[pp.code] = self._general_parent(*args, values, out=buf)
            yield values[self.plan.hierarchy.root], order[s:e]

    def _sorted_values(self, ch: Choices) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Every aggregate's (R × units) values with the rows sorted by variant, and the sort order."""
        key = ch.agg * self.plan.x.shape[0] + ch.data
        order = np.argsort(key, kind="stable")
        ch = ch.take(order)
        key = key[order]
        return self._values(ch, _blocks(key), _blocks(ch.agg)), order

    def _values(self, ch: Choices, fine: list[tuple[int, int]], coarse: list[tuple[int, int]],
                buffers: bool = False) -> dict[str, np.ndarray]:
        """Every aggregate's values for a chunk sorted by variant (into kept buffers when ``buffers``)."""
        values: dict[str, np.ndarray] = {}
        for pp in self.plan.parents:
            w, keep = self.weights(pp, ch)
            out = self._buffer(pp.code, len(ch)) if buffers else None
            if pp.indicator_only:
                values[pp.code] = self._indicator_parent(pp, ch, fine, w, keep, out=out)
            else:
                values[pp.code] = self._general_parent(pp, ch, coarse, w, keep, values, out=out)
        return values


def _effective(meth: Method) -> str:
    """The mean actually computed: power 1 is arithmetic, power 0 geometric (as in the engine)."""
    if meth.name == "power" and meth.power == 1.0:
        return "arithmetic"
    if meth.name == "power" and meth.power == 0.0:
        return "geometric"
    return meth.name


def _mean_tile(name: str, power: float, xs: list[np.ndarray], w: np.ndarray, num: np.ndarray,
               buf: np.ndarray) -> np.ndarray:
    """Σ w·f(x) over the children ``xs`` of one tile into ``num``; returns Σ w over the present children."""
    num.fill(0.0)
    den: np.ndarray = np.zeros((num.shape[0], 1))
    for i, x in enumerate(xs):
        wi = w[:, i:i + 1]
        with np.errstate(invalid="ignore", over="ignore"):
            maybe_missing = bool(np.isnan(np.add.reduce(x, axis=None)))  # NaN-free unless a NaN (or ±inf)
        if maybe_missing:
            missing = np.isnan(x)
            if missing.any():
                x = np.where(missing, 1.0, x)
                wi = np.where(missing, 0.0, wi)
                if den.shape != num.shape:
                    den = np.broadcast_to(den, num.shape).copy()
        with np.errstate(divide="ignore", invalid="ignore"):
            if name == "arithmetic":
                t = np.multiply(x, wi, out=buf)
            elif name == "geometric":
                t = np.log(x, out=buf)
                t *= wi
            elif name == "harmonic":
                t = np.divide(wi, x, out=buf)
            else:
                t = np.power(x, power, out=buf)
                t *= wi
        num += t
        if den.shape == wi.shape:
            den += wi
        else:
            den = den + wi
    return den


def _tile_shape(r: int, n: int) -> tuple[int, int]:
    """(rows, columns) of the tiles of an (r × n) element-wise computation: about ``_TILE`` elements."""
    cols = max(1, min(n, _TILE))
    return max(1, min(r, _TILE // cols)), cols


def _blocks(key: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of the runs of equal values of a sorted key."""
    if not len(key):
        return []
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], len(key)]
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _without_dropped(x: np.ndarray, keep: np.ndarray | None, rows: slice) -> np.ndarray:
    """(R × units × children) ``x`` with dropped children missing (so they take part in nothing)."""
    if keep is None:
        return x
    return np.where(keep[rows][:, None, :], x, np.nan)


def _copeland(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The engine's Copeland score for (R × units × children) ``x``, a few replications at a time."""
    r, n, k = x.shape
    out = np.empty((r, n))
    per = max(1, 8_000_000 // max(1, n * n * k))
    for s in range(0, r, per):
        out[s:s + per] = agg.copeland(np.ascontiguousarray(x[s:s + per]), w[s:s + per],
                                      chunk_cells=max(n * k, 8_000_000 // max(1, min(per, r - s))))
    return out


def min_ranks(scores: np.ndarray, out: np.ndarray | None = None, rows: np.ndarray | None = None) -> np.ndarray:
    """Descending 'min' ranks along the unit axis of (R × units) scores (1 = best, ties share the
    best rank, as the engine's ``rank(method="min")``); 0 where the score is missing. Scores equal to
    within 1e-12 of the row's largest magnitude count as tied, so rounding never splits a tie.

    The ranks of ``scores[k]`` go to ``out[rows[k]]`` (default: a new int32 array, row k to row k).

    Exactly the ranks of sorting each row (:func:`_min_ranks_by_argsort`), found faster: every score
    gets a 32-bit key that is monotone in it (its distance below the row's best score, scaled to the
    row's span), the keys are put in order by a lexicographic sort of their 16-bit halves (radix
    passes), and the rare units whose keys collide are ordered by their scores. With the scores in
    exact descending order, ties (gaps of at most the tolerance) are found as in the sort, so the ranks
    are the same. A few rows are ranked at a time, so that the temporaries stay in cache.
    """
    r, n = scores.shape
    if out is None:
        out = np.empty((r, n), dtype=np.int32)
    if rows is None:
        rows = np.arange(r)
    by_keys = n > _FEW_UNITS and scores.dtype == np.float64 and out.flags.c_contiguous
    step = max(1, _RANK_TILE // max(1, n))
    for r0 in range(0, r, step):
        part, at = scores[r0:r0 + step], rows[r0:r0 + step]
        if by_keys:
            _min_ranks_by_keys(part, out, at)
        else:
            out[at] = _min_ranks_by_argsort(part)
    return out


_FEW_UNITS = 256  # up to this many units a full sort is as quick
_RANK_TILE = 1 << 16  # scores ranked at a time (rows × units)
_KEY_SCALE = float(2 ** 31)
_MISSING_KEY = 2 ** 32 - 1


def _min_ranks_by_keys(scores: np.ndarray, out: np.ndarray, rows: np.ndarray) -> None:
    """:func:`min_ranks` of a few rows by their 32-bit keys (see there), into rows ``rows`` of the
    C-contiguous ``out``."""
    r, n = scores.shape
    best = np.fmax.reduce(scores, axis=1)  # NaN only when every score is missing
    worst = np.fmin.reduce(scores, axis=1)
    with np.errstate(all="ignore"):
        span = best - worst
        scale = np.where(span > 0, _KEY_SCALE / span, 0.0)
    odd = ~(np.isfinite(span) & np.isfinite(scale))  # ±inf scores, or every score missing
    none = np.isnan(best)
    if odd.any():
        best = np.where(odd, 0.0, best)
        scale = np.where(odd, 0.0, scale)
    tol = 1e-12 * np.maximum(np.maximum(np.abs(best), np.abs(worst)), 1e-300)
    with np.errstate(invalid="ignore"):
        x = np.subtract(best[:, None], scores)  # ≥ 0, monotone (non-increasing) in the score
        x *= scale[:, None]  # in [0, 2^31]
    missing = np.isnan(x)
    x[missing] = _MISSING_KEY  # after every present unit
    key = x.astype(np.uint32)
    # stable radix passes on the 16-bit halves of the keys: low half, then high half
    order = np.lexsort((key.astype(np.uint16), (key >> 16).astype(np.uint16)), axis=1)
    flat = (order + (np.arange(r) * n)[:, None]).ravel()
    vals = np.ravel(scores).take(flat).reshape(r, n)  # best first, up to colliding keys; missing last
    keys = key.ravel().take(flat).reshape(r, n)
    present = keys != _MISSING_KEY
    collide = (keys[:, 1:] == keys[:, :-1]) & present[:, 1:]
    for k in np.flatnonzero(collide.any(axis=1)):
        nf = int(np.count_nonzero(present[k]))
        _order_collisions(keys[k, :nf], vals[k, :nf], order[k, :nf])
    with np.errstate(invalid="ignore"):
        tie = (vals[:, :-1] - vals[:, 1:]) <= tol[:, None]  # position j + 1 tied with j (False at a NaN)
    ranked = np.tile(np.arange(1, n + 1, dtype=np.int32), (r, 1))  # rank by position, without ties
    for k in np.flatnonzero(tie.any(axis=1)):
        later = np.flatnonzero(tie[k]) + 1
        starts = np.flatnonzero(np.concatenate(([True], ~tie[k])))
        ranked[k, later] = starts[np.searchsorted(starts, later, side="right") - 1] + 1
    out.reshape(-1)[(order + (rows * n)[:, None]).ravel()] = ranked.ravel()
    if missing.any():
        k, j = np.nonzero(missing)
        out[rows[k], j] = 0
    for k in np.flatnonzero(odd):
        out[rows[k]] = 0 if none[k] else _min_ranks_by_argsort(scores[k:k + 1])[0]


def _order_collisions(keys: np.ndarray, vals: np.ndarray, order: np.ndarray) -> None:
    """Put the runs of equal sorted ``keys`` in exact descending order of ``vals``, in place (with
    ``order``). Nothing to do when every run holds equal values: their order does not matter."""
    same = np.flatnonzero(keys[1:] == keys[:-1])  # positions j with keys[j] == keys[j + 1]
    if not len(same) or (vals[same] == vals[same + 1]).all():
        return
    pos = np.union1d(same, same + 1)  # every position of every run (runs are contiguous)
    o = np.lexsort((-vals[pos], keys[pos]))  # runs have distinct keys: each stays on its positions
    vals[pos] = vals[pos][o]
    order[pos] = order[pos][o]


def _min_ranks_by_argsort(scores: np.ndarray) -> np.ndarray:
    """:func:`min_ranks` by a full sort of every row (the reference; used for rows with infinite scores)."""
    r, n = scores.shape
    missing = np.isnan(scores)
    key = np.where(missing, np.inf, -scores)
    order = np.argsort(key, axis=1)  # any order within ties: they share the 'min' rank
    s = np.take_along_axis(key, order, axis=1)
    finite = np.where(np.isfinite(s), np.abs(s), 0.0)
    tol = 1e-12 * np.maximum(finite.max(axis=1, keepdims=True), 1e-300)
    with np.errstate(invalid="ignore"):
        new = np.concatenate([np.ones((r, 1), dtype=bool), (s[:, 1:] - s[:, :-1]) > tol], axis=1)
    first = np.maximum.accumulate(np.where(new, np.arange(n), 0), axis=1)
    ranks = np.empty((r, n), dtype=np.int32)
    np.put_along_axis(ranks, order, (first + 1).astype(np.int32), axis=1)
    ranks[missing] = 0
    return ranks
