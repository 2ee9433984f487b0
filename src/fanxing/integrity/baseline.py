"""The release-decay baseline of log plays per drama × platform: a robust spline fit plus day effects.

Model: ln(1+plays) = f(age) + e(platform, date) + noise, where f is linear in
[1, u, age/100, max(u - ln(1+k), 0) for each knot k] with u = ln(1+age), fitted per series by ridge
least squares in two passes (pass 2 drops days beyond ``fit_clip_z`` robust SDs of pass 1), and
e is the market-wide day effect (median residual of the platform's series that day) or, where too
few series share the day, the platform's weekday effect. The normal equations are summed in the
engine (X'X mostly from cumulative sums over ages); the per-series k×k systems are solved in numpy,
batched, with no loop over series.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from fanxing.integrity.config import IntegrityConfig
from fanxing.integrity.engine import materialize

MAD_SD = 1.4826
SID = ("sid",)


def basis(age: ir.FloatingValue, knots: tuple[int, ...]) -> list[ir.FloatingValue]:
    """The regressors of the decay spline, as engine expressions of ``age``."""
    u = (age + 1.0).ln()
    cols = [age * 0.0 + 1.0, u, age / 100.0]
    cols += [ibis.greatest(u - float(np.log1p(k)), 0.0) for k in knots]
    return cols


def basis_np(age: np.ndarray, knots: tuple[int, ...]) -> np.ndarray:
    """The same regressors in numpy: array (len(age), k)."""
    u = np.log1p(age)
    cols = [np.ones_like(u), u, age / 100.0] + [np.maximum(u - np.log1p(k), 0.0) for k in knots]
    return np.stack(cols, axis=-1)


def _gram_sums(t: ir.Table, b: list, target) -> dict:
    aggs = {}
    for i in range(len(b)):
        for j in range(i, len(b)):
            aggs[f"xx_{i}_{j}"] = (b[i] * b[j]).sum()
        aggs[f"xy_{i}"] = (b[i] * target).sum()
    return aggs


def _unpack(df: pd.DataFrame, k: int) -> tuple[np.ndarray, np.ndarray]:
    xtx = np.zeros((len(df), k, k))
    xty = np.zeros((len(df), k))
    for i in range(k):  # loops over the k basis columns, never over series
        xty[:, i] = df[f"xy_{i}"].fillna(0.0).to_numpy(dtype=float)
        for j in range(i, k):
            xtx[:, i, j] = xtx[:, j, i] = df[f"xx_{i}_{j}"].fillna(0.0).to_numpy(dtype=float)
    return xtx, xty


def fit_coefficients(t: ir.Table, target: ir.FloatingValue, drop: ir.BooleanValue | None,
                     config: IntegrityConfig) -> ir.Table:
    """Per-series ridge least-squares coefficients b0..b{k-1} of ``target`` on the spline basis,
    leaving out the rows where ``drop`` is true.

    The Gram matrix X'X of a series observed on every day between its first and last age is a
    difference of cumulative sums over ages, computed once in numpy; the engine only sums X'y
    (k sums per series) and the full X'X of the few dropped rows and of series with gaps or
    repeated ages. All series' k×k systems are then solved at once (batched, no loop over series)."""
    b = basis(t.age, config.knots)
    k = len(b)
    keep = t if drop is None else t.filter(~drop)
    span = keep.group_by(SID).agg(n=keep.age.count(), a_min=keep.age.min(), a_max=keep.age.max(),
                                   **{f"xy_{i}": (b[i] * target).sum() for i in range(k)})
    # spans are measured on all rows: a series with dropped rows still has a contiguous support
    full = t.group_by(SID).agg(n_all=t.age.count(), f_min=t.age.min(), f_max=t.age.max())
    full = full.mutate(regular=full.n_all == (full.f_max - full.f_min + 1.0).cast("int64"))
    sp = span.join(full, list(SID)).select(span, full.regular, full.f_min, full.f_max).to_pandas()
    return coefficients_from_sums(t, keep, sp, drop, config)


def span_sums(t: ir.Table, target: ir.FloatingValue, config: IntegrityConfig) -> dict:
    """The per-series aggregates of fit_coefficients without dropped rows, for one group-by over
    ``t`` that may compute other aggregates as well (see screen.py)."""
    b = basis(t.age, config.knots)
    return dict(n=t.age.count(), a_min=t.age.min(), a_max=t.age.max(), f_min=t.age.min(), f_max=t.age.max(),
                regular=t.age.count() == (t.age.max() - t.age.min() + 1.0).cast("int64"),
                **{f"xy_{i}": (b[i] * target).sum() for i in range(len(b))})


def coefficients_from_sums(t: ir.Table, keep: ir.Table, sp: pd.DataFrame, drop: ir.BooleanValue | None,
                           config: IntegrityConfig) -> ir.Table:
    """Solve the per-series systems from the span sums ``sp`` (one row per series: sid, n, xy_i,
    regular, f_min, f_max) of the rows ``keep`` of ``t``; see fit_coefficients."""
    k = 3 + len(config.knots)
    sp = sp.sort_values("sid", kind="stable").reset_index(drop=True)
    reg = sp["regular"].fillna(False).to_numpy(dtype=bool)
    xtx = range_gram(sp["f_min"].to_numpy(dtype=float).astype(int), sp["f_max"].to_numpy(dtype=float).astype(int),
                     config.knots)
    _, xty = _unpack(sp.assign(**{f"xx_{i}_{j}": 0.0 for i in range(k) for j in range(i, k)}), k)
    if drop is not None:  # remove the dropped rows of regular series from their Gram matrices
        dr = t.filter(drop)
        dsum = dr.group_by(SID).agg(**{kk: v for kk, v in _gram_sums(dr, basis(dr.age, config.knots),
                                                                      dr.age * 0.0).items()
                                        if kk.startswith("xx")}).to_pandas()
        xtx -= _aligned(sp, dsum, k)
    if (~reg).any():  # series with gaps or repeated ages: full sums in the engine
        ids = ibis.memtable(sp.loc[~reg, list(SID)].reset_index(drop=True))
        irr = keep.semi_join(ids, list(SID))
        isum = irr.group_by(SID).agg(**{kk: v for kk, v in _gram_sums(irr, basis(irr.age, config.knots),
                                                                       irr.age * 0.0).items()
                                         if kk.startswith("xx")}).to_pandas()
        xtx[~reg] = _aligned(sp, isum, k)[~reg]
    coef = solve_ridge(xtx, xty, config)
    out = pd.DataFrame({"sid": sp["sid"].astype("int64")})
    for i in range(k):
        out[f"b{i}"] = coef[:, i]
    return ibis.memtable(out)


def range_gram(f_min: np.ndarray, f_max: np.ndarray, knots: tuple[int, ...]) -> np.ndarray:
    """X'X of the spline basis over every integer age from f_min to f_max (per series), as a
    difference of cumulative sums over ages: array (len(f_min), k, k)."""
    k = 3 + len(knots)
    ages = np.arange(int(f_max.max()) + 1 if len(f_max) else 1, dtype=float)
    bb = basis_np(ages, knots)
    cum = np.concatenate([np.zeros((1, k, k)), np.cumsum(bb[:, :, None] * bb[:, None, :], axis=0)])
    return cum[f_max + 1] - cum[f_min]


def solve_ridge(xtx: np.ndarray, xty: np.ndarray, config: IntegrityConfig) -> np.ndarray:
    """Per-series ridge solutions of (X'X + ridge) b = X'y, batched: array (n, k)."""
    k = xty.shape[1]
    ridge = np.eye(k) * config.ridge
    ridge[0, 0] = 1e-9  # the level is not shrunk
    return np.linalg.solve(xtx + ridge, xty[..., None])[..., 0] if len(xty) else np.zeros((0, k))


def _aligned(sp: pd.DataFrame, sums: pd.DataFrame, k: int) -> np.ndarray:
    """X'X blocks of ``sums`` re-ordered to the rows of ``sp`` (zeros where absent)."""
    m = sp[list(SID)].merge(sums, on=list(SID), how="left")
    m = m.assign(**{f"xy_{i}": 0.0 for i in range(k)})
    return _unpack(m, k)[0]


def fitted(t: ir.Table, coef: ir.Table, config: IntegrityConfig, name: str) -> ir.Table:
    """``t`` joined with its series' coefficients and the fitted log value as column ``name``."""
    j = t.join(coef, list(SID))
    b = basis(j.age, config.knots)
    value = b[0] * j.b0
    for i in range(1, len(b)):
        value = value + b[i] * j[f"b{i}"]
    return j.mutate(**{name: value}).drop(*[f"b{i}" for i in range(len(b))])


def day_effects(t: ir.Table, resid: str, config: IntegrityConfig,
                effects: tuple[ir.Table, ir.Table] | None = None) -> ir.Table:
    """Table t plus ``effect``: the platform × date median residual where at least
    ``market_min_series`` series share the day, else the platform × weekday median residual.
    ``effects`` are precomputed (market, weekday) tables (effect_tables), e.g. over all series."""
    market, weekday = effects if effects is not None else effect_tables(t, resid, config)
    j = t.left_join(market, ["pid", "date"]).select(t, market.m_eff)
    j = j.left_join(weekday, ["pid", "dow"]).select(j, weekday.w_eff)
    return j.mutate(effect=ibis.coalesce(j.m_eff, j.w_eff, 0.0)).drop("m_eff", "w_eff")


def effect_tables(t: ir.Table, resid: str, config: IntegrityConfig) -> tuple[ir.Table, ir.Table]:
    """(market: pid, date, m_eff; weekday: pid, dow, w_eff): median ``resid`` per platform × date
    (dates with at least ``market_min_series`` series) and per platform × weekday."""
    market = t.group_by(["pid", "date"]).agg(m_eff=t[resid].median(), m_n=t[resid].count())
    market = market.filter(market.m_n >= config.market_min_series).drop("m_n")
    weekday = t.group_by(["pid", "dow"]).agg(w_eff=t[resid].median())
    return market, weekday


def robust_scale(t: ir.Table, resid: str, name: str, config: IntegrityConfig) -> ir.Table:
    """Table t plus column ``name``: 1.4826 × median |resid| of the series × sqrt(n / (n - k)),
    floored at min_scale,
    and ``n_days``: the series' observed days."""
    s = t.group_by(SID).agg(_mad=t[resid].abs().median(), n_days=t[resid].count())
    # residuals of a k-parameter fit understate the noise by sqrt((n - k) / n)
    k = 3 + len(config.knots)
    dof = (s.n_days.cast("float64") / ibis.greatest(s.n_days - k, 1).cast("float64")).sqrt()
    s = s.mutate(_mad=s._mad * ibis.least(dof, 2.0))
    j = t.join(s, list(SID)).select(t, s._mad, s.n_days)
    return j.mutate(**{name: ibis.greatest(ibis.coalesce(j._mad * MAD_SD, 0.0), config.min_scale)}).drop("_mad")


def diff_scale(t: ir.Table, resid: str, name: str, config: IntegrityConfig) -> ir.Table:
    """Table t plus column ``name``: the series' noise SD from day-to-day differences of ``resid``,
    1.4826 × median |r_t − r_{t−1}| / √2 over consecutive days, floored at min_scale.

    Unlike the spread of the residuals themselves, it does not grow when a multi-day episode has
    bent the fit towards it: a level shift changes only the two differences at its edges."""
    w = ibis.window(group_by="sid", order_by="day")
    d = t.select("sid", "day", r=t[resid], prev_r=t[resid].lag().over(w), prev_day=t.day.lag().over(w))
    d = d.filter(d.day - d.prev_day == 1)
    s = d.group_by("sid").agg(_dmad=(d.r - d.prev_r).abs().median())
    j = t.left_join(s, "sid").select(t, s._dmad)
    value = ibis.coalesce(j._dmad * (MAD_SD / float(np.sqrt(2.0))), 0.0)
    return j.mutate(**{name: ibis.greatest(value, config.min_scale)}).drop("_dmad")


def launch_effects(t: ir.Table, config: IntegrityConfig, reference: ir.Table | None = None) -> ir.Table:
    """Table t (with ``r2``, ``scale``, ``expected_plays``) plus ``launch`` and ``launch_k``.

    A smooth decay curve cannot follow every release ramp. For a series' first ``launch_days``
    days on a platform, ``launch`` is the median residual of all the platform's series at that
    series age (the systematic misfit, estimated across series like the market day effect), and
    ``launch_k`` ≥ 1 widens the z scale to the observed spread there: the central 95 % range of the
    series' z scores at that age over the 95 % range of a standard normal (3.92). Both apply where
    at least ``market_min_series`` series contribute; elsewhere launch = 0 and launch_k = 1.
    With ``reference`` (a table of sid), only those series contribute."""
    young = t.filter(t.sage < config.launch_days)
    if reference is not None:  # estimated on a random sample of series (see screen.py)
        young = young.semi_join(reference, "sid")
    z = young.r2 / poisson_sd(young.scale, young.expected_plays)
    eff = young.group_by(["pid", "sage"]).agg(launch=young.r2.median(), _lo=z.quantile(0.025),
                                              _hi=z.quantile(0.975), _n=young.r2.count())
    eff = eff.filter(eff._n >= config.market_min_series)
    eff = eff.select("pid", "sage", "launch", launch_k=ibis.greatest((eff._hi - eff._lo) / 3.92, 1.0))
    j = t.left_join(eff, ["pid", "sage"]).select(t, eff.launch, eff.launch_k)
    return j.mutate(launch=ibis.coalesce(j.launch, 0.0), launch_k=ibis.coalesce(j.launch_k, 1.0))


def poisson_sd(scale: ir.FloatingValue, expected: ir.FloatingValue) -> ir.FloatingValue:
    """SD of a log residual: the series' scale plus the Poisson noise 1/(1+expected) of small counts."""
    return (scale * scale + 1.0 / (expected + 1.0)).sqrt()


def plays_baseline(base: ir.Table, config: IntegrityConfig, coef1: ir.Table | None = None,
                   effects: tuple[ir.Table, ir.Table] | None = None,
                   reference: ir.Table | None = None) -> ir.Table:
    """Base rows with plays plus: ``effect`` (market day effect plus launch effect), ``fit`` (log
    baseline without the effects), ``expected_plays``, ``resid`` (log residual), ``scale`` (robust
    SD), ``launch_k`` (z widening on launch days, see launch_effects) and ``n_days``.

    Pass 2 refits without the days pass 1 finds far above the curve (``fit_clip_z`` × the
    difference-based noise SD: an episode of inflated days bends the pass-1 fit but not that SD)
    or far off in either direction (``fit_clip_z`` × the pass-1 residual spread).

    Two-stage detection (screen.py) passes the pass-1 coefficients ``coef1`` and the day
    ``effects`` it computed over all series, and the ``reference`` sample of series that
    estimates the launch effects, so that ``base`` may hold only the series that need scoring."""
    t = base.filter(base.plays.notnull()).select("sid", "did", "pid", "date", "day", "dow", "age", "sage",
                                                 "y", "plays")
    if coef1 is None:
        coef1 = fit_coefficients(t, t.y, None, config)
    p1 = fitted(t, coef1, config, "fit1")
    # materialised once: the median passes below each read it, and the engine would otherwise
    # recompute the spline basis and the coefficient join for every one of them
    p1 = materialize(p1.select("sid", "did", "pid", "date", "day", "dow", "age", "sage", "y", "plays",
                               r1=p1.y - p1.fit1))
    p1 = day_effects(p1, "r1", config, effects)
    p1 = p1.mutate(r1e=p1.r1 - p1.effect)
    p1 = diff_scale(robust_scale(p1, "r1e", "s1", config), "r1e", "sd1", config)
    # materialise only what pass 2 reads (the Arrow copy of this 5M-row table dominates memory)
    p1 = materialize(p1.drop("r1", "dow", "n_days"))
    drop = (p1.r1e > config.fit_clip_z * p1.sd1) | (p1.r1e.abs() > config.fit_clip_z * p1.s1)
    coef2 = fit_coefficients(p1, p1.y - p1.effect, drop, config)
    p2 = fitted(p1.drop("r1e", "s1", "sd1"), coef2, config, "fit")
    p2 = materialize(p2.mutate(r2=p2.y - p2.effect - p2.fit,
                               expected_plays=ibis.greatest((p2.fit + p2.effect).exp() - 1.0, 0.0)))
    p2 = launch_effects(robust_scale(p2, "r2", "scale", config), config, reference)
    return p2.mutate(resid=p2.r2 - p2.launch, effect=p2.effect + p2.launch,
                     expected_plays=ibis.greatest((p2.fit + p2.effect + p2.launch).exp() - 1.0, 0.0)
                     ).drop("r2", "launch")
