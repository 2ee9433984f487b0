"""The robust detectors as compiled passes over facts sorted by series and day (DuckDB path).

The Ibis detectors (baseline.py, plays.py, engagement.py, corroborate.py) express every step as
engine queries, so that they run unchanged on Spark. On one machine those queries cost ~190×
a bare group-by of the facts (docs/benchmarks.md): a dozen exact per-series medians, a lag
window and two spline fits, each a separate scan, sort or hash of every row, with 5M-row
intermediates copied between the engine and Python. This module computes the same statistics in
one fetch of the facts ordered by (series, day) and a few compiled (numba) passes over those
arrays: a series is a contiguous segment, so its medians, fits and day-to-day differences need no
hashing; the market and launch effects group rows by (platform, day) and (platform, series age)
with a counting sort.

Same model, same thresholds, same outputs: every statistic follows the SQL of the Ibis
detectors (DuckDB's ``quantile_cont`` interpolation, NULL semantics, the order of floating-point
operations where it is fixed), so the flagged days agree with the Ibis path up to the order of
parallel float sums (~1e-15 relative); tests/integrity/test_integrity_compiled.py checks that
on the test seasons. The impossible-value rules stay one engine query (impossible.py), and the
day flags return as an Ibis table, so episodes and adjustments are unchanged.

``detect_days(..., method=...)`` chooses: ``compiled`` on DuckDB by default (``auto``), the Ibis
detectors on every other engine or with ``method="ibis"``. The screen (screen.py) is an
optimisation of the Ibis path only; its results equal the unscreened detectors', so the compiled
path ignores ``config.screen``.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
from numba import njit, prange

from fanxing.integrity.baseline import MAD_SD, range_gram, solve_ridge
from fanxing.integrity.config import IntegrityConfig
from fanxing.integrity.engagement import EPS
from fanxing.integrity.flags import DAY_COLUMNS
from fanxing.integrity.prepare import KEYS, _float, check_columns
from fanxing.warehouse.blocks import rows_per_block

DAY_SCHEMA = ibis.schema({"drama_id": "string", "platform": "string", "date": "date", "indicator": "string",
                          "reason": "string", "severity_rank": "int64", "score": "float64", "expected": "float64",
                          "observed": "float64", "others_z": "float64"})
NAN = np.nan


# ---------------------------------------------------------------------------------------------
# compiled kernels
# ---------------------------------------------------------------------------------------------

@njit(cache=True)
def _select(a, n, k):
    """Partially sort a[:n] in place so that a[k] is the k-th smallest (quickselect)."""
    lo, hi = 0, n - 1
    while hi > lo:
        mid = (lo + hi) >> 1
        # median of three as the pivot
        if a[mid] < a[lo]:
            a[mid], a[lo] = a[lo], a[mid]
        if a[hi] < a[lo]:
            a[hi], a[lo] = a[lo], a[hi]
        if a[hi] < a[mid]:
            a[hi], a[mid] = a[mid], a[hi]
        pivot = a[mid]
        i, j = lo, hi
        while i <= j:
            while a[i] < pivot:
                i += 1
            while a[j] > pivot:
                j -= 1
            if i <= j:
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return


@njit(cache=True)
def _quantile(buf, n, q):
    """DuckDB's quantile_cont(x, q) of buf[:n] (reorders buf): lo·(1 − d) + hi·d at (n − 1)·q."""
    if n == 0:
        return NAN
    rn = (n - 1) * q
    flo = int(np.floor(rn))
    d = rn - flo
    _select(buf, n, flo)
    lo = buf[flo]
    if d == 0.0:
        return lo
    hi = buf[flo + 1]
    for i in range(flo + 2, n):
        if buf[i] < hi:
            hi = buf[i]
    return lo * (1.0 - d) + hi * d


@njit(cache=True, parallel=True)
def _segment_quantile(starts, vals, q, absolute):
    """Per segment [starts[s], starts[s+1]): quantile_cont of the non-NaN values (|values| when
    ``absolute``) and their count."""
    ns = len(starts) - 1
    out = np.full(ns, NAN)
    cnt = np.zeros(ns, np.int64)
    for s in prange(ns):
        buf = np.empty(starts[s + 1] - starts[s])
        m = 0
        for i in range(starts[s], starts[s + 1]):
            v = vals[i]
            if not np.isnan(v):
                buf[m] = abs(v) if absolute else v
                m += 1
        cnt[s] = m
        out[s] = _quantile(buf, m, q)
    return out, cnt


@njit(cache=True, parallel=True)
def _segment_diff_median(starts, day, vals):
    """Per segment: median |v_t − v_{t−1}| over rows whose day follows the previous row's by one."""
    ns = len(starts) - 1
    out = np.full(ns, NAN)
    for s in prange(ns):
        buf = np.empty(max(starts[s + 1] - starts[s], 1))
        m = 0
        for i in range(starts[s] + 1, starts[s + 1]):
            if day[i] - day[i - 1] == 1:
                buf[m] = abs(vals[i] - vals[i - 1])
                m += 1
        out[s] = _quantile(buf, m, 0.5)
    return out


@njit(cache=True, parallel=True)
def _group_quantiles(key, nkeys, vals, qs):
    """Rows grouped by ``key`` (0..nkeys-1; negative = left out), by a counting sort: per group and
    per q the quantile_cont of the non-NaN ``vals`` (NaN for an empty group), and the count."""
    counts = np.zeros(nkeys + 1, np.int64)
    for i in range(len(key)):
        if key[i] >= 0 and not np.isnan(vals[i]):
            counts[key[i] + 1] += 1
    starts = np.cumsum(counts)
    pos = starts[:-1].copy()
    ordered = np.empty(starts[-1])
    for i in range(len(key)):
        if key[i] >= 0 and not np.isnan(vals[i]):
            ordered[pos[key[i]]] = vals[i]
            pos[key[i]] += 1
    out = np.full((len(qs), nkeys), NAN)
    for g in prange(nkeys):
        m = starts[g + 1] - starts[g]
        buf = np.empty(m)
        for qi in range(len(qs)):
            buf[:m] = ordered[starts[g]:starts[g + 1]]
            out[qi, g] = _quantile(buf, m, qs[qi])
    return out, counts[1:]


@njit(cache=True, parallel=True)
def _derive(sid, day, plays, origin, first, pid):
    """Per row: age (days since the series' origin, ≥ 0), sage (days since its first observation),
    ln(1 + age), ln(1 + sage), y = ln(1 + max(plays, 0)) and the platform code."""
    n = len(sid)
    age = np.empty(n)
    sage = np.empty(n, np.int64)
    uage = np.empty(n)
    usage = np.empty(n)
    y = np.empty(n)
    row_pid = np.empty(n, np.int64)
    for i in prange(n):
        s = sid[i]
        a = float(max(day[i] - origin[s], 0))
        g = day[i] - first[s]
        age[i] = a
        sage[i] = g
        uage[i] = np.log(a + 1.0)
        usage[i] = np.log(float(g) + 1.0)
        y[i] = np.log(max(plays[i], 0.0) + 1.0)
        row_pid[i] = pid[s]
    return age, sage, uage, usage, y, row_pid


@njit(cache=True)
def _basis_row(age, u, lknots, b):
    """The spline regressors of one row (u = ln(age + 1)) into b."""
    b[0] = 1.0
    b[1] = u
    b[2] = age / 100.0
    for j in range(len(lknots)):
        b[3 + j] = max(u - lknots[j], 0.0)


@njit(cache=True, parallel=True)
def _fit_sums(starts, age, uage, target, drop, lknots):
    """Per series, for the rows not dropped: count and X'y of the spline basis; over all rows:
    the first and last age and whether every age between them occurs once (``regular``); the X'X
    of the dropped rows, and for irregular series the X'X of the kept rows (see fit_coefficients)."""
    ns = len(starts) - 1
    k = 3 + len(lknots)
    n_keep = np.zeros(ns, np.int64)
    xty = np.zeros((ns, k))
    f_min = np.zeros(ns, np.int64)
    f_max = np.zeros(ns, np.int64)
    regular = np.zeros(ns, np.bool_)
    xtx_drop = np.zeros((ns, k, k))
    xtx_irr = np.zeros((ns, k, k))
    for s in prange(ns):
        a0, a1 = starts[s], starts[s + 1]
        if a1 == a0:
            continue
        b = np.empty(k)
        lo = age[a0]
        hi = age[a0]
        for i in range(a0, a1):
            lo = min(lo, age[i])
            hi = max(hi, age[i])
        f_min[s] = int(lo)
        f_max[s] = int(hi)
        regular[s] = (a1 - a0) == int(np.rint(hi - lo + 1.0))
        for i in range(a0, a1):
            _basis_row(age[i], uage[i], lknots, b)
            if drop[i]:
                for p in range(k):
                    for q in range(p, k):
                        xtx_drop[s, p, q] += b[p] * b[q]
                continue
            n_keep[s] += 1
            t = target[i]
            for p in range(k):
                xty[s, p] += b[p] * t
            if not regular[s]:
                for p in range(k):
                    for q in range(p, k):
                        xtx_irr[s, p, q] += b[p] * b[q]
        for p in range(k):
            for q in range(p + 1, k):
                xtx_drop[s, q, p] = xtx_drop[s, p, q]
                xtx_irr[s, q, p] = xtx_irr[s, p, q]
    return n_keep, xty, f_min, f_max, regular, xtx_drop, xtx_irr


@njit(cache=True, parallel=True)
def _fitted(starts, age, uage, coef, lknots):
    """The fitted log value b0·1 + b1·u + ... of every row, summed left to right like the SQL."""
    k = coef.shape[1]
    out = np.empty(len(age))
    for s in prange(len(starts) - 1):
        b = np.empty(k)
        c = coef[s]
        for i in range(starts[s], starts[s + 1]):
            _basis_row(age[i], uage[i], lknots, b)
            v = b[0] * c[0]
            for p in range(1, k):
                v = v + b[p] * c[p]
            out[i] = v
    return out


@njit(cache=True)
def _drama_day_sums(dstarts, day, z, use, at):
    """For each row flagged in ``at``: the sum and count of ``z`` over the rows flagged in ``use``
    of the same drama and day. ``dstarts`` are the row segments of dramas (a drama's series are
    consecutive)."""
    n = len(day)
    zsum = np.zeros(n)
    zn = np.zeros(n, np.int64)
    nd = len(dstarts) - 1
    width = 1
    for d in range(nd):
        a0, a1 = dstarts[d], dstarts[d + 1]
        if a1 > a0:
            lo = day[a0]
            hi = day[a0]
            for i in range(a0, a1):
                lo = min(lo, day[i])
                hi = max(hi, day[i])
            width = max(width, hi - lo + 1)
    acc = np.zeros(width)
    cnt = np.zeros(width, np.int64)
    for d in range(nd):
        a0, a1 = dstarts[d], dstarts[d + 1]
        need = False
        for i in range(a0, a1):
            if at[i]:
                need = True
                break
        if not need:
            continue
        lo = day[a0]
        for i in range(a0, a1):
            lo = min(lo, day[i])
        for i in range(a0, a1):
            if use[i] and not np.isnan(z[i]):
                acc[day[i] - lo] += z[i]
                cnt[day[i] - lo] += 1
        for i in range(a0, a1):
            if at[i]:
                zsum[i] = acc[day[i] - lo]
                zn[i] = cnt[day[i] - lo]
        for i in range(a0, a1):
            acc[day[i] - lo] = 0.0
            cnt[day[i] - lo] = 0
    return zsum, zn


@njit(cache=True)
def _islands(gid, day, score, max_gap):
    """Gaps-and-islands over rows ordered by (gid, day): island number (from 0, global) per row and
    per island its day count, max score and sum of scores."""
    n = len(gid)
    isl = np.empty(n, np.int64)
    cur = -1
    for i in range(n):
        if i == 0 or gid[i] != gid[i - 1] or day[i] - day[i - 1] > max_gap:
            cur += 1
        isl[i] = cur
    ni = cur + 1
    cnt = np.zeros(ni, np.int64)
    zmax = np.full(ni, -np.inf)
    zsum = np.zeros(ni)
    for i in range(n):
        j = isl[i]
        if not np.isnan(score[i]):
            cnt[j] += 1
            zsum[j] += score[i]
            if score[i] > zmax[j]:
                zmax[j] = score[i]
    return isl, cnt, zmax, zsum


# ---------------------------------------------------------------------------------------------
# orchestration
# ---------------------------------------------------------------------------------------------

class _Facts:
    """The fact rows with plays of a run of whole dramas' series, ordered by (series, day), as numpy
    arrays (NaN = missing). ``sid`` is local to the chunk (0 = its first series); platform codes and
    the day range are those of the whole season."""

    def __init__(self, series: pd.DataFrame, tbl, metrics: tuple[str, ...]):
        self.series = series
        self.sid = tbl["sid"].to_numpy().astype(np.int64)
        self.day = tbl["day"].to_numpy().astype(np.int64)
        self.plays = _col(tbl, "plays")
        self.metric = {m: _col(tbl, m) for m in metrics}
        self.completion = _col(tbl, "completion_rate")
        ns = len(series)
        self.starts = np.zeros(ns + 1, np.int64)
        np.cumsum(np.bincount(self.sid, minlength=ns), out=self.starts[1:])
        did = series["did"].to_numpy(np.int64)
        self.pid = series["pid"].to_numpy(np.int64)
        origin = series["origin_day"].to_numpy(np.int64)
        first = series["first_day"].to_numpy(np.int64)
        self.age, self.sage, self.uage, self.usage, self.y, self.row_pid = _derive(
            self.sid, self.day, self.plays, origin, first, self.pid)
        # a drama's series are consecutive (sids follow drama_id, platform): its row segment
        d0 = int(did[0]) if ns else 0
        nd = int(did[-1]) - d0 + 1 if ns else 0
        self.dstarts = self.starts[np.searchsorted(did, d0 + np.arange(nd + 1))]
        self.cache: dict = {}


def _col(tbl, name: str) -> np.ndarray:
    if name not in tbl.column_names:
        return np.full(tbl.num_rows, NAN)
    return np.asarray(tbl[name].to_numpy(zero_copy_only=False), dtype=float)


class _Season:
    """What every chunk shares: the facts, the series table, the platform count and day range, and
    the season-wide statistics once computed (market and weekday effects, launch effects,
    platform norms)."""

    def __init__(self, facts: ir.Table, series: pd.DataFrame, config: IntegrityConfig):
        check_columns(facts)
        self.facts, self.series, self.config = facts, series, config
        self.npl = int(series["pid"].max()) + 1 if len(series) else 1
        self.d0 = int(series["first_day"].min()) if len(series) else 0
        self.span = (int(series["last_day"].max()) - self.d0 + 1) if len(series) else 1
        self.lk = np.array([float(np.log1p(k)) for k in config.knots])
        self.effects = self.launch = self.norms = None

    def fetch(self, lo: int, hi: int, tbl: pa.Table | None = None) -> _Facts:
        """The fact rows with plays of series lo..hi-1, joined with their (chunk-local) codes, ordered
        by (series, day): ``tbl`` when given (``query``'s result, kept), else queried now."""
        return _Facts(self.series.iloc[lo:hi].reset_index(drop=True), self.query(lo, hi) if tbl is None else tbl,
                      tuple(self.config.engagement_metrics))

    def query(self, lo: int, hi: int) -> pa.Table:
        """``fetch``'s rows as the engine returns them (an Arrow table)."""
        facts, config = self.facts, self.config
        metrics = tuple(m for m in config.engagement_metrics if m in facts.columns)
        cols = {"drama_id": facts.drama_id.cast("string"), "platform": facts.platform.cast("string"),
                "day": facts.date.cast("date").epoch_days().cast("int32"), "plays": _float(facts.plays)}
        for c in (*metrics, "completion_rate"):
            if c in facts.columns:
                cols[c] = _float(facts[c])
        t = facts.select(**cols)
        t = t.filter(t.plays.notnull())
        part = self.series.iloc[lo:hi].reset_index(drop=True)
        codes = ibis.memtable(pd.DataFrame({"sid": np.arange(len(part), dtype=np.int32),
                                            "drama_id": part["drama_id"], "platform": part["platform"]}))
        j = t.join(codes, list(KEYS))
        j = j.select("sid", *[c for c in cols if c not in KEYS]).order_by(["sid", "day"])
        return j.to_pyarrow()


class _SpilledChunks:
    """``fetch`` for a season of several chunks: each chunk's rows are queried once, in the first
    pass, and kept in an Arrow IPC file that the later passes map back. Each query scans all the
    facts (a chunk's series are spread over every file), so three passes over n chunks were 3n
    scans; they are n now. The files hold what the query returned, so every pass sees the same
    rows as before."""

    def __init__(self, season: _Season):
        self.season = season
        self._dir = tempfile.TemporaryDirectory(prefix="fanxing-integrity-")

    def __enter__(self) -> _SpilledChunks:
        return self

    def __exit__(self, *exc) -> None:
        self._dir.cleanup()

    def __call__(self, lo: int, hi: int) -> _Facts:
        path = Path(self._dir.name) / f"{lo}-{hi}.arrow"
        if path.exists():
            with pa.memory_map(str(path)) as source:
                tbl = pa.ipc.open_file(source).read_all()
        else:
            tbl = self.season.query(lo, hi)
            with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, tbl.schema) as writer:
                writer.write_table(tbl)
        return self.season.fetch(lo, hi, tbl)


def _robust_scale(resid: np.ndarray, starts: np.ndarray, config: IntegrityConfig):
    """robust_scale: 1.4826 × median |resid| × min(√(n/(n−k)), 2), floored; and n per series."""
    mad, n = _segment_quantile(starts, resid, 0.5, True)
    k = 3 + len(config.knots)
    dof = np.sqrt(n.astype(float) / np.maximum(n - k, 1).astype(float))
    mad = mad * np.minimum(dof, 2.0)
    return np.maximum(np.nan_to_num(mad * MAD_SD, nan=0.0), config.min_scale), n


def _coefficients(f: _Facts, target: np.ndarray, drop: np.ndarray, config: IntegrityConfig, lk):
    """fit_coefficients: ridge coefficients per series (rows ``drop`` left out) and which series
    keep at least one row (the others have no fit, as in the engine's inner join)."""
    n_keep, xty, f_min, f_max, reg, xtx_drop, xtx_irr = _fit_sums(f.starts, f.age, f.uage, target, drop, lk)
    xtx = range_gram(f_min, f_max, config.knots) - xtx_drop
    xtx[~reg] = xtx_irr[~reg]
    return solve_ridge(xtx, xty, config), n_keep > 0


def _pass1(f: _Facts, season: _Season) -> np.ndarray:
    """The pass-1 log residuals r1 = y − fit (decay spline on all days)."""
    if "r1" not in f.cache:
        none = np.zeros(len(f.sid), np.bool_)
        coef1, _ = _coefficients(f, f.y, none, season.config, season.lk)
        f.cache["r1"] = f.y - _fitted(f.starts, f.age, f.uage, coef1, season.lk)
    return f.cache["r1"]


def _day_keys(f: _Facts, season: _Season) -> tuple[np.ndarray, np.ndarray]:
    """Per row the platform × date and the platform × weekday group numbers."""
    key = f.row_pid * season.span + (f.day - season.d0)
    dow = (f.day + 3) % 7  # epoch day 0 was a Thursday; Monday = 0
    return key, f.row_pid * 7 + dow


def market_tables(keys: np.ndarray, wkeys: np.ndarray, r1: np.ndarray, season: _Season):
    """effect_tables: the platform × date median of r1 where ≥ market_min_series rows share the
    day (NaN elsewhere), and the platform × weekday median."""
    med, cnt = _group_quantiles(keys, season.npl * season.span, r1, np.array([0.5]))
    market = np.where(cnt >= season.config.market_min_series, med[0], NAN)
    weekday = _group_quantiles(wkeys, season.npl * 7, r1, np.array([0.5]))[0][0]
    return market, weekday


def _pass2(f: _Facts, season: _Season) -> dict:
    """day_effects, the pass-1 scales, the pass-2 fit without clipped days and its residual r2,
    the robust scale and day count per series (rows of series with a pass-2 fit)."""
    if "p2" in f.cache:
        return f.cache["p2"]
    config = season.config
    r1 = _pass1(f, season)
    market, weekday = season.effects
    effect, r1e = _effect_rows(f.row_pid, f.day, r1, market, weekday, season.span, season.d0)
    f.cache.pop("r1", None)
    del r1
    s1 = _robust_scale(r1e, f.starts, config)[0]
    dmad = _segment_diff_median(f.starts, f.day, r1e)
    sd1 = np.maximum(np.nan_to_num(dmad * (MAD_SD / float(np.sqrt(2.0))), nan=0.0), config.min_scale)
    drop, target = _drop_rows(f.starts, r1e, f.y, effect, s1, sd1, config.fit_clip_z)
    del r1e
    coef2, alive_s = _coefficients(f, target, drop, config, season.lk)
    del target, drop
    fit = _fitted(f.starts, f.age, f.uage, coef2, season.lk)
    r2, fe, expected, r2a = _residual_rows(f.starts, f.y, effect, fit, alive_s)
    del fit, effect
    # statistics over the rows of fitted series only (the others leave the engine's inner join)
    scale_s, n_s = _robust_scale(r2a, f.starts, config)
    p2 = dict(alive=alive_s[f.sid], alive_s=alive_s, r2=r2, fe=fe, expected=expected, scale_s=scale_s, n_s=n_s)
    f.cache["p2"] = p2
    return p2


@njit(cache=True, parallel=True)
def _effect_rows(row_pid, day, r1, market, weekday, span, d0):
    """day_effects per row: the platform × date effect, else the platform × weekday effect, else 0;
    and r1 minus it."""
    n = len(r1)
    effect = np.empty(n)
    r1e = np.empty(n)
    for i in prange(n):
        p = row_pid[i]
        m = market[p * span + (day[i] - d0)]
        if np.isnan(m):
            m = weekday[p * 7 + (day[i] + 3) % 7]  # epoch day 0 was a Thursday; Monday = 0
            if np.isnan(m):
                m = 0.0
        effect[i] = m
        r1e[i] = r1[i] - m
    return effect, r1e


@njit(cache=True, parallel=True)
def _drop_rows(starts, r1e, y, effect, s1, sd1, clip):
    """The rows pass 2 leaves out (r1e > clip·sd1 or |r1e| > clip·s1 of their series) and its
    target y − effect."""
    n = len(r1e)
    drop = np.empty(n, np.bool_)
    target = np.empty(n)
    for s in prange(len(starts) - 1):
        for i in range(starts[s], starts[s + 1]):
            drop[i] = (r1e[i] > clip * sd1[s]) or (abs(r1e[i]) > clip * s1[s])
            target[i] = y[i] - effect[i]
    return drop, target


@njit(cache=True, parallel=True)
def _residual_rows(starts, y, effect, fit, alive_s):
    """r2 = y − effect − fit, fe = fit + effect, the expected plays max(e^fe − 1, 0), and r2 where
    the series has a pass-2 fit (NaN elsewhere)."""
    n = len(y)
    r2 = np.empty(n)
    fe = np.empty(n)
    expected = np.empty(n)
    r2a = np.empty(n)
    for s in prange(len(starts) - 1):
        for i in range(starts[s], starts[s + 1]):
            r = y[i] - effect[i] - fit[i]
            e = fit[i] + effect[i]
            r2[i] = r
            fe[i] = e
            expected[i] = max(np.exp(e) - 1.0, 0.0)
            r2a[i] = r if alive_s[s] else NAN
    return r2, fe, expected, r2a


@njit(cache=True, parallel=True)
def _z_rows(starts, sage, row_pid, r2, fe, scale_s, alive_s, launch, launch_k, L):
    """plays_z per row: the launch effect and widening on launch-window rows of fitted series, the
    expected plays max(e^(fe + launch) − 1, 0) and z = (r2 − launch) / (√(scale² + 1/(1 +
    expected)) · launch_k)."""
    n = len(r2)
    z = np.empty(n)
    expected = np.empty(n)
    for s in prange(len(starts) - 1):
        sc = scale_s[s]
        for i in range(starts[s], starts[s + 1]):
            lau = 0.0
            kk = 1.0
            if alive_s[s] and sage[i] < L:
                g = row_pid[i] * L + sage[i]
                lau = launch[g]
                kk = launch_k[g]
            e = max(np.exp(fe[i] + lau) - 1.0, 0.0)
            expected[i] = e
            z[i] = (r2[i] - lau) / (np.sqrt(sc * sc + 1.0 / (e + 1.0)) * kk)
    return z, expected


def _young(f: _Facts, p2: dict, season: _Season):
    """The launch-window rows (series age < launch_days) of fitted series: group key (platform ×
    series age), r2 and its z."""
    L = season.config.launch_days
    young = p2["alive"] & (f.sage < L)
    scale, expected = p2["scale_s"][f.sid[young]], p2["expected"][young]
    r2 = p2["r2"][young]
    z0 = r2 / np.sqrt(scale * scale + 1.0 / (expected + 1.0))
    return f.row_pid[young] * L + f.sage[young], r2, z0


def launch_tables(key: np.ndarray, r2: np.ndarray, z0: np.ndarray, season: _Season):
    """launch_effects: per platform × series age the median r2 (0 where fewer than
    market_min_series series) and the z widening launch_k (1 there)."""
    n = season.npl * max(season.config.launch_days, 1)
    med, cnt = _group_quantiles(key, n, r2, np.array([0.5]))
    q, _ = _group_quantiles(key, n, z0, np.array([0.025, 0.975]))
    ok = cnt >= season.config.market_min_series
    return np.where(ok, med[0], 0.0), np.where(ok, np.maximum((q[1] - q[0]) / 3.92, 1.0), 1.0)


def plays_scores(f: _Facts, season: _Season) -> dict:
    """plays_baseline and plays_z: per row ``alive`` (the series has a pass-2 fit), expected plays,
    n_days and the robust z."""
    p2 = _pass2(f, season)
    L = season.config.launch_days
    launch, launch_k = season.launch if season.launch is not None else (np.zeros(1), np.ones(1))
    z, expected = _z_rows(f.starts, f.sage, f.row_pid, p2["r2"], p2["fe"], p2["scale_s"], p2["alive_s"],
                          launch, launch_k, L)
    return dict(alive=p2["alive"], expected=expected, z=z, n_days=p2["n_s"][f.sid])


def ratio_stats(f: _Facts, config: IntegrityConfig) -> tuple[dict, dict, np.ndarray, np.ndarray]:
    """ratio_table: per row the log ratios lr_<m> and the completion logit lc (NaN where undefined),
    per series the trend slope b, level med and robust SD sd of each, and the series' row count
    n_days and mean log-age ubar (rows with plays ≥ 0)."""
    if "ratios" in f.cache:
        return f.cache["ratios"]
    u = f.usage
    x, stats = {}, {}
    n_days = ubar = None
    for m in (*config.engagement_metrics, None):
        name = "lc" if m is None else f"lr_{m}"
        v = f.completion if m is None else f.metric[m]
        xv, b, med, mad, n_days, ubar = _ratio_line(f.starts, f.plays, v, u, m is None)
        x[name] = xv
        stats[name] = (b, med, np.maximum(np.nan_to_num(mad * MAD_SD, nan=0.0), config.min_scale))
    f.cache["ratios"] = x, stats, n_days, ubar
    return f.cache["ratios"]


@njit(cache=True, parallel=True)
def _ratio_line(starts, plays, v, u, logit):
    """One column of ratio_table per series: the row values x (ln((1+m)/(1+plays)) for 0 ≤ m ≤ plays,
    or the logit of a completion rate in [0, 1], clamped to [EPS, 1 − EPS]; NaN elsewhere and where
    plays < 0), the least-squares slope b of x on u, the median of x − b·u and the median absolute
    deviation from it; and the series' rows with plays ≥ 0 and their mean u."""
    ns = len(starts) - 1
    n = len(plays)
    x = np.full(n, NAN)
    b = np.zeros(ns)
    med = np.full(ns, NAN)
    mad = np.full(ns, NAN)
    n_days = np.zeros(ns, np.int64)
    ubar = np.full(ns, NAN)
    for s in prange(ns):
        buf = np.empty(starts[s + 1] - starts[s])
        nn = 0
        nd = 0
        su = suu = sx = sux = sall = 0.0
        for i in range(starts[s], starts[s + 1]):
            p = plays[i]
            if not p >= 0:
                continue
            nd += 1
            sall += u[i]
            c = v[i]
            if logit:
                if not (c >= 0 and c <= 1):
                    continue
                q = min(max(c, EPS), 1.0 - EPS)
                xi = np.log(q / (1.0 - q))
            else:
                if not (c >= 0 and c <= p):
                    continue
                xi = np.log((c + 1.0) / (p + 1.0))
            x[i] = xi
            nn += 1
            su += u[i]
            suu += u[i] * u[i]
            sx += xi
            sux += u[i] * xi
        n_days[s] = nd
        if nd:
            ubar[s] = sall / nd
        if nn == 0:
            continue
        den = nn * suu - su * su
        bs = (nn * sux - su * sx) / max(den, 1e-9) if den > 1e-9 else 0.0
        b[s] = bs
        m = 0
        for i in range(starts[s], starts[s + 1]):
            if not np.isnan(x[i]):
                buf[m] = x[i] - bs * u[i]
                m += 1
        c0 = _quantile(buf, m, 0.5)
        med[s] = c0
        m = 0
        for i in range(starts[s], starts[s + 1]):
            if not np.isnan(x[i]):
                buf[m] = abs(x[i] - bs * u[i] - c0)
                m += 1
        mad[s] = _quantile(buf, m, 0.5)
    return x, b, med, mad, n_days, ubar


def platform_norms(pid: np.ndarray, level: dict, n_days: np.ndarray, season: _Season) -> dict:
    """_platform_norms: per platform the median and robust SD of its series' typical log ratios
    ``level`` (per metric, per series: the trend line at the series' mean log-age)."""
    config, npl = season.config, season.npl
    per = n_days >= config.min_days
    key = np.where(per, pid, -1)
    p_n = np.bincount(pid[per], minlength=npl)
    out = {}
    for m in config.engagement_metrics:
        p_med = _group_quantiles(key, npl, level[m], np.array([0.5]))[0][0]
        dev = np.abs(level[m] - p_med[pid])
        p_sd = _group_quantiles(key, npl, dev, np.array([0.5]))[0][0]
        p_sd = np.maximum(np.nan_to_num(p_sd * MAD_SD, nan=0.0), config.min_scale)
        out[m] = (np.where(p_n >= config.market_min_series, p_med, NAN), p_sd)
    return out


def _levels(stats: dict, ubar: np.ndarray, config: IntegrityConfig) -> dict:
    return {m: stats[f"lr_{m}"][1] + stats[f"lr_{m}"][0] * ubar for m in config.engagement_metrics}


@njit(cache=True, parallel=True)
def _pre_mask(sid, pid, u, plays, n_days, x, b, med, sd, p_med, p_sd, cz, nz, min_days):
    """The candidate rows of engagement_flags: rows with plays ≥ 0 of series with ≥ min_days days
    that pass the cheap necessary condition (a log ratio ≥ cz SDs above its own-history line or
    ≥ nz platform SDs above the platform norm, or the completion logit ≥ cz SDs off its line) and
    where one of the z scores reaches its threshold; x, b, med, sd have the engagement metrics'
    rows then completion's. Same formulas as the numpy code that scores these rows."""
    n = len(sid)
    nm = x.shape[0] - 1
    out = np.zeros(n, np.bool_)
    for i in prange(n):
        s = sid[i]
        pl = plays[i]
        if not pl >= 0 or n_days[s] < min_days:
            continue
        pre = False
        anyc = False
        for m in range(nm):
            lr = x[m, i]
            centre = med[m, s] + b[m, s] * u[i]
            pm = p_med[m, pid[i]]
            ps = p_sd[m, pid[i]]
            if (lr - centre) >= cz * sd[m, s] or (lr - pm) >= nz * ps:
                pre = True
            e = np.exp(centre) * (pl + 1.0) - 1.0
            if (lr - centre) / np.sqrt(sd[m, s] * sd[m, s] + 1.0 / (e + 1.0)) >= cz or (lr - pm) / ps >= nz:
                anyc = True
        mid = med[nm, s] + b[nm, s] * u[i]
        lc = x[nm, i]
        if abs(lc - mid) >= cz * sd[nm, s]:
            pre = True
        ec = 1.0 / (1.0 + np.exp(-mid))
        binom = 1.0 / (pl * ec * (1.0 - ec) + 1.0)
        if abs((lc - mid) / np.sqrt(sd[nm, s] * sd[nm, s] + binom)) >= cz:
            anyc = True
        out[i] = pre and anyc
    return out


class _Flags:
    """Day flags collected per detector as arrays (row index into the facts, labels, values)."""

    def __init__(self):
        self.parts: list[dict] = []

    def add(self, rows, indicator, reason, severity, score, expected, observed, others_z=None):
        n = len(rows)
        self.parts.append(dict(
            row=np.asarray(rows, np.int64),
            indicator=np.broadcast_to(np.asarray(indicator, object), n),
            reason=np.broadcast_to(np.asarray(reason, object), n),
            severity_rank=np.broadcast_to(np.asarray(severity, np.int64), n),
            score=np.asarray(score, float), expected=np.asarray(expected, float),
            observed=np.asarray(observed, float),
            others_z=np.full(n, NAN) if others_z is None else np.asarray(others_z, float)))

    def frame(self, f: _Facts) -> pd.DataFrame:
        if self.parts:
            cols = {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}
        else:
            cols = {k: np.empty(0, t) for k, t in (("row", np.int64), ("indicator", object), ("reason", object),
                                                   ("severity_rank", np.int64), ("score", float),
                                                   ("expected", float), ("observed", float), ("others_z", float))}
        rows = cols.pop("row")
        sid = f.sid[rows]
        out = pd.DataFrame({
            "drama_id": f.series["drama_id"].to_numpy(object)[sid],
            "platform": f.series["platform"].to_numpy(object)[sid],
            "date": (np.datetime64("1970-01-01", "D") + f.day[rows]).astype("datetime64[D]"),
            **cols})
        out["date"] = pd.to_datetime(out["date"]).dt.date
        return out.loc[:, list(DAY_COLUMNS)]


def _severity_from_ratio(observed, expected, config: IntegrityConfig) -> np.ndarray:
    ratio = observed / np.maximum(expected, 1.0)
    return np.where(ratio >= config.severity_high_ratio, 2, np.where(ratio >= config.severity_medium_ratio, 1, 0))


def _island_stats(rows, gid, f: _Facts, score, config: IntegrityConfig, spike_z: float):
    """islands(): per candidate row its island id, day count, max score, run score, spike and
    sustained flags (rows in (gid, day) order)."""
    isl, cnt, zmax, zsum = _islands(gid, f.day[rows], score, config.max_gap_days)
    run = zsum / np.sqrt(cnt.astype(float))
    spike = zmax >= spike_z
    sustained = (cnt >= config.sustained_min_days) & (run >= config.sustained_z)
    return isl, cnt, zmax, spike, sustained


def _nanmean_by(group, values, n):
    has = ~np.isnan(values)
    s = np.bincount(group[has], weights=values[has], minlength=n)
    c = np.bincount(group[has], minlength=n)
    with np.errstate(invalid="ignore"):
        return np.where(c > 0, s / np.where(c > 0, c, 1), NAN)


def plays_flags(f: _Facts, sc: dict, x: dict, stats: dict, config: IntegrityConfig, out: _Flags) -> np.ndarray:
    """Detectors (a) and (c) (plays.plays_flags); returns the candidate rows (evidence for
    completion shifts)."""
    z, expected, alive = sc["z"], sc["expected"], sc["alive"]
    scored = alive & (sc["n_days"] >= config.min_days)
    with np.errstate(invalid="ignore"):
        cand = scored & (z >= config.candidate_z) & (f.plays >= expected * config.min_excess_ratio) \
            & ((f.plays - expected) >= config.min_excess_count)
    zsum, zn = _drama_day_sums(f.dstarts, f.day, z, scored, cand)
    rows = np.flatnonzero(cand)
    zc, zsum, zn = z[rows], zsum[rows], zn[rows]
    with np.errstate(invalid="ignore", divide="ignore"):
        others = np.where(zn > 1, (zsum - zc) / np.maximum(zn - 1, 1).astype(float), NAN)
    # dilution: the lowest z of the day's engagement ratios and completion logit vs own history
    u = f.usage[rows]
    sid = f.sid[rows]
    zs = []
    for name in [f"lr_{m}" for m in config.engagement_metrics] + ["lc"]:
        b, med, sd = stats[name]
        zs.append((x[name][rows] - med[sid] - b[sid] * u) / sd[sid])
    with warnings.catch_warnings():  # an all-missing day gives NaN, like LEAST of NULLs
        warnings.simplefilter("ignore", RuntimeWarning)
        dil = np.nanmin(np.vstack(zs), axis=0) if zs else np.full(len(rows), NAN)
    isl, cnt, zmax, spike, sustained = _island_stats(rows, sid, f, zc, config, config.spike_z)
    ni = len(cnt)
    isl_others = _nanmean_by(isl, others, ni)
    isl_dil = _nanmean_by(isl, dil, ni)
    isl_sage = np.full(ni, np.iinfo(np.int64).max)
    np.minimum.at(isl_sage, isl, f.sage[rows])
    launch_ok = (isl_sage >= config.launch_days) | (~np.isnan(isl_dil) & (isl_dil <= -config.dilution_z))
    with np.errstate(invalid="ignore"):
        corr = ~np.isnan(isl_others) & (isl_others >= config.corroboration_z)
        div = (~np.isnan(isl_others) & (isl_others < config.divergence_others_max_z)
               & (zmax >= config.divergence_z) & (cnt >= config.divergence_min_days))
    hit = (spike | sustained | div) & launch_ok & (~corr | config.flag_corroborated)
    keep = hit[isl]
    i = isl[keep]
    reason = np.where(corr[i], "corroborated_surge",
                      np.where(spike[i] & (cnt[i] <= config.burst_max_days), "spike",
                               np.where(spike[i] | sustained[i], "sustained_excess", "platform_divergence")))
    r = rows[keep]
    out.add(r, "plays", reason.astype(object), _severity_from_ratio(f.plays[r], expected[r], config),
            zc[keep], expected[r], f.plays[r], others[keep])
    return rows


def engagement_flags(f: _Facts, x: dict, stats: dict, n_days: np.ndarray, norms: dict,
                     config: IntegrityConfig, out: _Flags) -> tuple[np.ndarray, dict]:
    """Detector (b) (engagement.engagement_flags): own-history and platform-norm ratio flags; returns
    the rows of those flags and the completion-flag arrays (before corroboration)."""
    u = f.usage
    sid, pid = f.sid, f.row_pid
    names = [*[f"lr_{m}" for m in config.engagement_metrics], "lc"]
    ms = config.engagement_metrics
    # the candidate condition of the Ibis detector, compiled over every row; the z scores below
    # are evaluated (again, in numpy) on the rows that pass it
    pre = _pre_mask(sid, pid, u, f.plays, n_days, np.vstack([x[n] for n in names]),
                    *(np.vstack([stats[n][j] for n in names]) for j in range(3)),
                    np.vstack([norms[m][0] for m in ms]) if ms else np.zeros((0, 1)),
                    np.vstack([norms[m][1] for m in ms]) if ms else np.zeros((0, 1)),
                    config.candidate_z, config.ratio_norm_z, config.min_days)
    rows = np.flatnonzero(pre)
    s, p, uu, plays = sid[rows], pid[rows], u[rows], f.plays[rows]
    pre = np.zeros(len(rows), np.bool_)
    anyc = np.zeros(len(rows), np.bool_)
    cols = {}
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        for m in config.engagement_metrics:
            b, med, sd = stats[f"lr_{m}"]
            lr = x[f"lr_{m}"][rows]
            centre = med[s] + b[s] * uu
            p_med, p_sd = norms[m]
            pm, ps = p_med[p], p_sd[p]
            pre |= ((lr - centre) >= config.candidate_z * sd[s]) | ((lr - pm) >= config.ratio_norm_z * ps)
            exp_ = np.exp(centre) * (plays + 1.0) - 1.0
            zm = (lr - centre) / np.sqrt(sd[s] * sd[s] + 1.0 / (exp_ + 1.0))
            zn = (lr - pm) / ps
            cols[m] = (exp_, zm, zn, np.exp(pm) * (plays + 1.0) - 1.0)
            anyc |= (zm >= config.candidate_z) | (zn >= config.ratio_norm_z)
        b, med, sd = stats["lc"]
        lc = x["lc"][rows]
        mid = med[s] + b[s] * uu
        pre |= np.abs(lc - mid) >= config.candidate_z * sd[s]
        exp_c = 1.0 / (1.0 + np.exp(-mid))
        binom = 1.0 / (plays * exp_c * (1.0 - exp_c) + 1.0)
        z_c = (lc - mid) / np.sqrt(sd[s] * sd[s] + binom)
        anyc |= np.abs(z_c) >= config.candidate_z
    cand = pre & anyc
    rows = rows[cand]
    s = s[cand]
    flagged = []
    for m in config.engagement_metrics:
        exp_, zm, zn, expn = (c[cand] for c in cols[m])
        v = f.metric[m][rows]
        with np.errstate(invalid="ignore"):
            own = ~np.isnan(zm) & (zm >= config.candidate_z) & (v >= exp_ * config.min_excess_ratio) \
                & ((v - exp_) >= config.min_excess_count)
        r, zz = rows[own], zm[own]
        isl, cnt, zmax, spike, sustained = _island_stats(r, s[own], f, zz, config, config.ratio_z)
        keep = (spike | sustained)[isl]
        out.add(r[keep], m, "ratio_vs_own_history",
                _severity_from_ratio(v[own][keep], exp_[own][keep], config), zz[keep], exp_[own][keep], v[own][keep])
        flagged.append(r[keep])
        with np.errstate(invalid="ignore"):
            nrm = ~np.isnan(zn) & (zn >= config.ratio_norm_z) & ((v - expn) >= config.min_excess_count)
        r, zz = rows[nrm], zn[nrm]
        isl, cnt, zmax, spike, sustained = _island_stats(r, s[nrm], f, zz, config, 1e300)
        keep = (cnt >= config.sustained_min_days)[isl]
        out.add(r[keep], m, "ratio_vs_platform_norm", 0, zz[keep], expn[nrm][keep], v[nrm][keep])
        flagged.append(r[keep])
    exp_c, z_c = exp_c[cand], z_c[cand]
    obs = f.completion[rows]
    with np.errstate(invalid="ignore"):
        comp = ~np.isnan(z_c) & (np.abs(z_c) >= config.candidate_z) & (np.abs(obs - exp_c) >= config.completion_min_abs)
    parts = []
    for direction, sel in (("completion_drop", comp & (z_c < 0)), ("completion_jump", comp & ~(z_c < 0))):
        r, score = rows[sel], np.abs(z_c[sel])
        isl, cnt, zmax, spike, sustained = _island_stats(r, s[sel], f, score, config, config.completion_z)
        keep = (spike | sustained)[isl]
        parts.append(dict(row=r[keep], reason=direction, score=score[keep], expected=exp_c[sel][keep],
                          observed=obs[sel][keep]))
    rows_all = np.concatenate(flagged) if flagged else np.empty(0, np.int64)
    return rows_all, parts


def corroborate(f: _Facts, parts: list[dict], evidence_rows: np.ndarray, config: IntegrityConfig,
                out: _Flags) -> None:
    """corroborate_completion: keep a completion episode (both directions, gaps ≤ max_gap_days)
    with an evidence day within max_gap_days of it, or reaching completion_alone_z."""
    row = np.concatenate([p["row"] for p in parts])
    if not len(row):
        return
    reason = np.concatenate([np.full(len(p["row"]), p["reason"], object) for p in parts])
    score = np.concatenate([p["score"] for p in parts])
    expected = np.concatenate([p["expected"] for p in parts])
    observed = np.concatenate([p["observed"] for p in parts])
    sid, day = f.sid[row], f.day[row]
    order = np.lexsort((day, sid))
    row, reason, score, expected, observed = row[order], reason[order], score[order], expected[order], observed[order]
    sid, day = sid[order], day[order]
    new = np.ones(len(row), np.bool_)
    new[1:] = (sid[1:] != sid[:-1]) | ((day[1:] - day[:-1]) > config.max_gap_days)
    ep = np.cumsum(new) - 1
    ne = int(ep[-1]) + 1
    lo = np.full(ne, np.iinfo(np.int64).max)
    hi = np.full(ne, np.iinfo(np.int64).min)
    zmax = np.full(ne, -np.inf)
    np.minimum.at(lo, ep, day)
    np.maximum.at(hi, ep, day)
    np.maximum.at(zmax, ep, score)
    ep_sid = sid[new]
    span = int(f.day.max() - f.day.min()) + 2 * config.max_gap_days + 3
    base = int(f.day.min()) - config.max_gap_days - 1
    ev = np.unique(f.sid[evidence_rows] * span + (f.day[evidence_rows] - base))
    a = np.searchsorted(ev, ep_sid * span + (lo - config.max_gap_days - base), "left")
    b = np.searchsorted(ev, ep_sid * span + (hi + config.max_gap_days - base), "right")
    keep = ((b > a) | (zmax >= config.completion_alone_z))[ep]
    out.add(row[keep], "completion_rate", reason[keep], _severity_from_z(score[keep], config),
            score[keep], expected[keep], observed[keep])


def _severity_from_z(z, config: IntegrityConfig) -> np.ndarray:
    return np.where(z >= config.severity_high_z, 2, np.where(z >= config.severity_medium_z, 1, 0))


def chunks(series: pd.DataFrame, max_rows: int) -> list[tuple[int, int]]:
    """Runs of whole dramas' series (sid ranges lo..hi) of about max_rows fact rows each."""
    if not len(series):
        return []
    rows = series["n_rows"].to_numpy(np.int64)
    did = series["did"].to_numpy(np.int64)
    out, lo, acc = [], 0, 0
    for s in range(len(series)):
        acc += rows[s]
        last = s + 1 == len(series) or did[s + 1] != did[s]
        if last and (acc >= max_rows or s + 1 == len(series)):
            out.append((lo, s + 1))
            lo, acc = s + 1, 0
    return out


def chunk_rows() -> int:
    """Fact rows per chunk: ``FANXING_INTEGRITY_CHUNK_ROWS``, else about 1/1000 of the DuckDB memory
    limit in bytes when one is set (``FANXING_DUCKDB_MEMORY_LIMIT``), else 8 million (~3 GB)."""
    return rows_per_block("FANXING_INTEGRITY_CHUNK_ROWS", 1000)


def statistical_flags(facts: ir.Table, series: pd.DataFrame, config: IntegrityConfig,
                      max_rows: int | None = None) -> pd.DataFrame:
    """The day flags of detectors (a)-(c) and of completion shifts (DAY_COLUMNS), computed in
    compiled passes over the fetched facts.

    The season is processed in chunks of whole dramas (about ``max_rows`` rows, chunk_rows()), so
    memory stays bounded. Three statistics span the season: the market and weekday day effects
    (from every row's pass-1 residual), the launch effects (from every launch-window row's pass-2
    residual) and the platform norms (from every series' ratio levels). With several chunks each
    is gathered in a pass of its own over the chunks, and a last pass flags the days; the facts are
    queried once per chunk (``_SpilledChunks`` keeps them for the later passes)."""
    season = _Season(facts, series, config)
    parts = chunks(series, max_rows or chunk_rows())
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in
                             zip(DAY_COLUMNS, (object, object, object, object, object, "int64", float, float, float, float),
                                 strict=True)})
    if len(parts) == 1:
        held = season.fetch(*parts[0])
        return _flag_passes(season, parts, lambda lo, hi: held)
    with _SpilledChunks(season) as fetch:
        return _flag_passes(season, parts, fetch)


def _flag_passes(season: _Season, parts: list[tuple[int, int]], fetch) -> pd.DataFrame:
    """The three passes of ``statistical_flags`` over the chunks ``parts``, each read by ``fetch``."""
    series, config = season.series, season.config
    # pass 1: day effects (median pass-1 residual per platform × date and weekday), ratio levels;
    # every row's residual and group numbers go into arrays of the season's size (14 bytes a row)
    total = int(series["n_rows"].sum())
    keys = np.empty(total, np.int32)
    wkeys = np.empty(total, np.int16)
    r1s = np.empty(total)
    pids, levels, ndays = [], [], []
    at = 0
    for lo, hi in parts:
        f = fetch(lo, hi)
        n = len(f.sid)
        k, w = _day_keys(f, season)
        keys[at:at + n], wkeys[at:at + n], r1s[at:at + n] = k, w, _pass1(f, season)
        at += n
        _, stats, n_days, ubar = ratio_stats(f, config)
        pids.append(f.pid)
        levels.append(_levels(stats, ubar, config))
        ndays.append(n_days)
        del f, k, w
    if at != total:  # the facts changed between the series query and the fetch
        raise RuntimeError(f"integrity: fetched {at:,} fact rows with plays, expected {total:,}")
    season.effects = market_tables(keys, wkeys, r1s, season)
    del keys, wkeys, r1s
    season.norms = platform_norms(np.concatenate(pids), {m: np.concatenate([lv[m] for lv in levels])
                                                        for m in config.engagement_metrics},
                                  np.concatenate(ndays), season)
    # pass 2: launch effects (median pass-2 residual per platform × series age)
    if config.launch_days > 0:
        young = [_young(f, _pass2(f, season), season) for f in (fetch(lo, hi) for lo, hi in parts)]
        season.launch = launch_tables(*(np.concatenate([y[i] for y in young]) for i in range(3)), season)
    # pass 3: the flags, chunk by chunk
    frames = []
    for lo, hi in parts:
        f = fetch(lo, hi)
        out = _Flags()
        sc = plays_scores(f, season)
        x, stats, n_days, _ = ratio_stats(f, config)
        cand = plays_flags(f, sc, x, stats, config, out)
        plays_rows = np.concatenate([p["row"] for p in out.parts]) if out.parts else np.empty(0, np.int64)
        eng_rows, comp = engagement_flags(f, x, stats, n_days, season.norms, config, out)
        corroborate(f, comp, np.concatenate([plays_rows, eng_rows, cand]), config, out)
        frames.append(out.frame(f))
        del f
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
