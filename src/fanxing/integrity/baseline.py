"""The release-decay baseline of log plays per drama × platform: a robust spline fit plus day effects.

Model: ln(1+plays) = f(age) + e(platform, date) + noise, where f is linear in
[1, u, age/100, max(u - ln(1+k), 0) for each knot k] with u = ln(1+age), fitted per series by ridge
least squares in two passes (pass 2 drops days beyond ``fit_clip_z`` robust SDs of pass 1), and
e is the market-wide day effect (median residual of the platform's series that day) or, where too
few series share the day, the platform's weekday effect. The normal equations are summed in the
engine; only the per-series k×k systems are solved in numpy (batched, no loop over series).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from fanxing.integrity.config import IntegrityConfig
from fanxing.integrity.prepare import KEYS

MAD_SD = 1.4826


def basis(age: ir.FloatingValue, knots: tuple[int, ...]) -> list[ir.FloatingValue]:
    """The regressors of the decay spline, as engine expressions of ``age``."""
    u = (age + 1.0).ln()
    cols = [age * 0.0 + 1.0, u, age / 100.0]
    cols += [ibis.greatest(u - float(np.log1p(k)), 0.0) for k in knots]
    return cols


def fit_coefficients(t: ir.Table, target: ir.FloatingValue, mask: ir.BooleanValue | None,
                     config: IntegrityConfig) -> ir.Table:
    """Per-series ridge least-squares coefficients b0..b{k-1} of ``target`` on the spline basis.

    The engine returns one row per series holding the sums of the normal equations; numpy solves
    all series' systems at once; the result comes back as an in-memory table to join."""
    b = basis(t.age, config.knots)
    k = len(b)
    aggs = {}
    for i in range(k):
        for j in range(i, k):
            aggs[f"xx_{i}_{j}"] = (b[i] * b[j]).sum(where=mask)
        aggs[f"xy_{i}"] = (b[i] * target).sum(where=mask)
    sums = t.group_by(KEYS).agg(**aggs).to_pandas()
    n = len(sums)
    xtx = np.zeros((n, k, k))
    xty = np.zeros((n, k))
    for i in range(k):  # loops over the k basis columns, never over series
        xty[:, i] = sums[f"xy_{i}"].fillna(0.0).to_numpy(dtype=float)
        for j in range(i, k):
            v = sums[f"xx_{i}_{j}"].fillna(0.0).to_numpy(dtype=float)
            xtx[:, i, j] = v
            xtx[:, j, i] = v
    reg = np.eye(k) * config.ridge
    reg[0, 0] = 1e-9  # the level is not shrunk
    coef = np.linalg.solve(xtx + reg, xty[..., None])[..., 0] if n else np.zeros((0, k))
    out = pd.DataFrame({c: sums[c].astype(str) for c in KEYS})
    for i in range(k):
        out[f"b{i}"] = coef[:, i]
    return ibis.memtable(out)


def fitted(t: ir.Table, coef: ir.Table, config: IntegrityConfig, name: str) -> ir.Table:
    """``t`` joined with its series' coefficients and the fitted log value as column ``name``."""
    j = t.join(coef, list(KEYS))
    b = basis(j.age, config.knots)
    value = b[0] * j.b0
    for i in range(1, len(b)):
        value = value + b[i] * j[f"b{i}"]
    return j.mutate(**{name: value}).drop(*[f"b{i}" for i in range(len(b))])


def day_effects(t: ir.Table, resid: str, config: IntegrityConfig) -> ir.Table:
    """Table t plus ``effect``: the platform × date median residual where at least
    ``market_min_series`` series share the day, else the platform × weekday median residual."""
    market = t.group_by(["platform", "date"]).agg(m_eff=t[resid].median(), m_n=t[resid].count())
    market = market.filter(market.m_n >= config.market_min_series).drop("m_n")
    weekday = t.group_by(["platform", "dow"]).agg(w_eff=t[resid].median())
    j = t.left_join(market, ["platform", "date"]).select(t, market.m_eff)
    j = j.left_join(weekday, ["platform", "dow"]).select(j, weekday.w_eff)
    return j.mutate(effect=ibis.coalesce(j.m_eff, j.w_eff, 0.0)).drop("m_eff", "w_eff")


def robust_scale(t: ir.Table, resid: str, name: str, config: IntegrityConfig) -> ir.Table:
    """Table t plus column ``name``: 1.4826 × median |resid| of the series, floored at min_scale,
    and ``n_days``: the series' observed days."""
    s = t.group_by(KEYS).agg(_mad=t[resid].abs().median(), n_days=t[resid].count())
    j = t.join(s, list(KEYS)).select(t, s._mad, s.n_days)
    return j.mutate(**{name: ibis.greatest(ibis.coalesce(j._mad * MAD_SD, 0.0), config.min_scale)}).drop("_mad")


def plays_baseline(base: ir.Table, config: IntegrityConfig) -> ir.Table:
    """Base rows with plays plus: ``effect``, ``fit`` (log baseline without the day effect),
    ``expected_plays``, ``resid`` (log residual), ``scale`` (robust SD) and ``n_days``."""
    t = base.filter(base.plays.notnull())
    coef1 = fit_coefficients(t, t.y, None, config)
    p1 = fitted(t, coef1, config, "fit1")
    p1 = p1.mutate(r1=p1.y - p1.fit1)
    p1 = day_effects(p1, "r1", config)
    p1 = p1.mutate(r1e=p1.r1 - p1.effect)
    p1 = robust_scale(p1, "r1e", "s1", config).cache()
    keep = p1.r1e.abs() <= config.fit_clip_z * p1.s1
    coef2 = fit_coefficients(p1, p1.y - p1.effect, keep, config)
    p2 = fitted(p1.drop("fit1", "r1", "r1e", "s1", "n_days"), coef2, config, "fit")
    p2 = p2.mutate(resid=p2.y - p2.effect - p2.fit,
                   expected_plays=ibis.greatest((p2.fit + p2.effect).exp() - 1.0, 0.0))
    return robust_scale(p2, "resid", "scale", config)
