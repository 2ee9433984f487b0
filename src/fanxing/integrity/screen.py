"""Stage 1 of detection: a cheap screen over every drama × platform series.

The robust detectors (baseline.py, engagement.py) need, over every row, a lag window, a dozen
exact per-series medians and two spline fits. Most series carry nothing to flag, so detection
first screens all series with three aggregate queries and runs the robust detectors only on the
series the screen cannot clear (plus a random reference sample, below):

1. **One group-by per series** (``sid``) of the sums that pass 1 of the decay fit needs anyway
   (baseline.span_sums: X'y of the spline basis) and the least-squares sums of a line in
   u = ln(1 + series age) for every engagement log ratio and the completion logit. The per-series
   systems are solved in numpy: these are exactly the pass-1 coefficients of the full detector.
2. **The market day effects** (median pass-1 residual per platform × date, and per platform ×
   weekday): exactly the full detector's, computed over all series and handed on to stage 2.
3. **One two-level group-by** of the residuals (log plays minus pass-1 fit minus day effect;
   each ratio minus its line) per series × calendar week, then per series: the **local noise
   SD**, the square root of the median over weeks of the within-week variance. A week's mean is
   removed before its variance is taken, so a level shift (a plateau that bends the pass-1 fit)
   changes only the weeks at its edges and a burst only its own week: the median over weeks
   stays at the noise, like the difference-based SD of pass 1. In units of that SD: the largest
   day residual, the largest week mean × sqrt(days) (plays) and the largest run score
   sum(x)/sqrt(n) of a week's days above the line (ratios; both sides for completion). Only days
   within half of the candidate bounds (min_excess_count, min_excess_ratio, completion_min_abs)
   count for the maxima and run scores.

A series reaches stage 2 when it has at least ``min_days`` days and a plays day or week reaches
``screen_z`` / ``screen_week_z``, a ratio or completion day or week reaches ``screen_ratio_z``,
it has fewer than ``screen_min_days`` days, or one of its days' log ratios comes within
``screen_norm_margin`` of the platform-norm threshold (the norm estimated from all series' mean
ratios). The thresholds sit below the detectors' because the pass-1 fit bends towards an
episode and the local SD is not the detectors' SD: the screen errs towards passing series.

Cross-series statistics of stage 2 need every series, or a fair sample of them: the day effects
come from step 2 (all series), the launch effects and platform norms from a fixed random
**reference** sample that stage 2 scores as well: ``screen_reference_series`` series per
platform (all of a platform's series when it has no more). For the mean z of a drama's other
platforms (others_z), the z of a sibling series the screen cleared is taken from its pass-1
residual (outside_z), on the candidate days only.

Two-stage detection is opt-in (``IntegrityConfig.screen``): on the 5M-row benchmark the three
screen queries cost about as much as stage 2 saves (docs/integrity.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from fanxing.integrity.baseline import (
    MAD_SD,
    coefficients_from_sums,
    day_effects,
    effect_tables,
    fitted,
    span_sums,
)
from fanxing.integrity.config import IntegrityConfig
from fanxing.integrity.engagement import _logit
from fanxing.integrity.engine import materialize

WEEK = 7


@dataclass
class Screen:
    """The outcome of the screen: pass-1 coefficients and day effects (over all series), the
    series stage 2 scores (``stage2``: sid, with ``reference`` the random sample among them) and
    per-series screen statistics (pandas, for diagnostics)."""

    coef1: ir.Table
    effects: tuple[ir.Table, ir.Table]
    stage2: ir.Table
    reference: ir.Table
    stats: pd.DataFrame
    cleared: ir.Table
    n_series: int
    n_candidates: int
    n_stage2: int
    rows_stage2: int
    rows_total: int


def _ratio_columns(t: ir.Table, config: IntegrityConfig) -> dict:
    """ln((1+m)/(1+plays)) per engagement metric (m in 0..plays) and the completion logit, as in
    engagement.ratio_table."""
    ok = t.plays.notnull() & (t.plays >= 0)
    cols = {}
    for m in config.engagement_metrics:
        cols[f"lr_{m}"] = ibis.ifelse(ok & t[m].notnull() & (t[m] >= 0) & (t[m] <= t.plays),
                                      ((t[m] + 1.0) / (t.plays + 1.0)).ln(), ibis.null("float64"))
    cr = t.completion_rate
    cols["lc"] = ibis.ifelse(ok & cr.notnull() & (cr >= 0) & (cr <= 1), _logit(cr), ibis.null("float64"))
    return cols


def screen(base: ir.Table, config: IntegrityConfig) -> Screen:
    """Run the three screen queries over ``base`` (prepare.prepare) and choose the stage-2 series."""
    t = base.filter(base.plays.notnull()).select("sid", "did", "pid", "date", "day", "dow", "age", "sage",
                                                 "y", "plays", *config.engagement_metrics, "completion_rate")
    ratios = _ratio_columns(t, config)
    names = list(ratios)
    t = t.mutate(**ratios, u=(t.sage.cast("float64") + 1.0).ln())
    # 1. pass-1 sums of the decay fit plus least-squares sums of a line per ratio, one group-by
    aggs = span_sums(t, t.y, config)
    for n in names:
        x = t[n]
        uu = ibis.ifelse(x.notnull(), t.u, ibis.null("float64"))
        aggs.update({f"_n_{n}": x.count(), f"_su_{n}": uu.sum(), f"_suu_{n}": (uu * uu).sum(),
                     f"_sx_{n}": x.sum(), f"_sux_{n}": (uu * x).sum(), f"_max_{n}": x.max()})
    sp = t.group_by("sid").agg(pid=t.pid.max(), **aggs).to_pandas().sort_values("sid").reset_index(drop=True)
    coef1 = coefficients_from_sums(t, t, sp, None, config)
    lines = pd.DataFrame({"sid": sp["sid"].astype("int64")})
    for n in names:
        nn = sp[f"_n_{n}"].to_numpy(float)
        su, suu = sp[f"_su_{n}"].fillna(0).to_numpy(float), sp[f"_suu_{n}"].fillna(0).to_numpy(float)
        sx, sux = sp[f"_sx_{n}"].fillna(0).to_numpy(float), sp[f"_sux_{n}"].fillna(0).to_numpy(float)
        den = nn * suu - su * su
        b = np.where(den > 1e-9, (nn * sux - su * sx) / np.where(den > 1e-9, den, 1.0), 0.0)
        lines[f"a_{n}"] = (sx - b * su) / np.maximum(nn, 1.0)
        lines[f"b_{n}"] = b
    # 2. the market day effects over all series (exactly those of the full detector)
    p1 = fitted(t, coef1, config, "fit1")
    p1 = p1.mutate(r1=p1.y - p1.fit1)
    market, weekday = effect_tables(p1, "r1", config)
    effects = (materialize(market), materialize(weekday))
    # 3. residuals per series × week, then per series: local noise SD, largest day and week values
    p = day_effects(p1, "r1", config, effects)
    p = p.join(ibis.memtable(lines), "sid")
    fit = p.fit1 + p.effect
    res = {"r": p.y - fit}
    # a day can only be a candidate with a large enough excess count (min_excess_*): the screen's
    # maxima and week scores are taken over the days that come within half of those bounds
    exp_plays = fit.exp() - 1.0
    elig = {"r": (p.plays - exp_plays >= 0.5 * config.min_excess_count)
            & (p.plays >= exp_plays * (1.0 + 0.5 * (config.min_excess_ratio - 1.0)))}
    for m in config.engagement_metrics:
        n = f"lr_{m}"
        line = p[f"a_{n}"] + p[f"b_{n}"] * p.u
        res[n] = p[n] - line
        e = line.exp() * (p.plays + 1.0) - 1.0
        elig[n] = ((p[m] - e) >= 0.5 * config.min_excess_count) & (p[m] >= e * (1.0 + 0.5 * (config.min_excess_ratio - 1.0)))
    line = p.a_lc + p.b_lc * p.u
    res["lc"] = p.lc - line
    pc = 1.0 / (1.0 + (-line).exp())
    elig["lc"] = (p.completion_rate - pc).abs() >= 0.5 * config.completion_min_abs
    w = p.select("sid", wk=p.day // WEEK, **res,
                 **{f"e_{c}": ibis.ifelse(elig[c].fill_null(False), res[c], ibis.null("float64")) for c in res})
    cols = list(res)
    wa = {}
    for c in cols:
        x = w[c]
        wa.update({f"n_{c}": x.count(), f"s_{c}": x.sum(), f"ss_{c}": (x * x).sum()})
        xe = w[f"e_{c}"]
        wa[f"mx_{c}"] = xe.max()
        if c != "r":
            wa.update({f"en_{c}": xe.count(), f"es_{c}": ibis.ifelse(xe > 0, xe, 0.0).sum()})
    wa.update({"mn_lc": w.e_lc.min(), "esn_lc": ibis.ifelse(w.e_lc < 0, w.e_lc, 0.0).sum()})
    wk = w.group_by(["sid", "wk"]).agg(**wa)
    sa = {}
    for c in cols:
        n = wk[f"n_{c}"].cast("float64")
        var = (wk[f"ss_{c}"] - wk[f"s_{c}"] * wk[f"s_{c}"] / ibis.greatest(n, 1.0)) / ibis.greatest(n - 1.0, 1.0)
        sa[f"var_{c}"] = ibis.ifelse(n >= 3, var, ibis.null("float64")).median()
        sa[f"mx_{c}"] = wk[f"mx_{c}"].max()
        if c == "r":  # the week's mean residual × sqrt(days): in units of the day SD
            sa["wmx_r"] = (wk.s_r / ibis.greatest(n, 1.0).sqrt()).max()
        else:  # the run score sum(x)/sqrt(days) over the week's eligible days above the line
            en = ibis.greatest(wk[f"en_{c}"].cast("float64"), 1.0).sqrt()
            sa[f"wmx_{c}"] = (wk[f"es_{c}"] / en).max()
        if c == "lc":
            sa["mn_lc"] = wk.mn_lc.min()
            sa["wmn_lc"] = (wk.esn_lc / en).min()
    sa["days"] = wk.n_r.sum()
    st = wk.group_by("sid").agg(**sa).to_pandas()
    st = sp[["sid", "pid", "n"] + [f"_n_{n}" for n in names] + [f"_sx_{n}" for n in names]
            + [f"_max_{n}" for n in names]].merge(st, on="sid", how="left")
    st["candidate"] = _decide(st, names, config)
    # the reference sample: fixed pseudo-random series, scored in stage 2 whatever the screen says
    # (per platform: all its series when it has at most screen_reference_series, else that many)
    rng = np.random.default_rng(20240101)
    rank = pd.Series(rng.permutation(len(st)), index=st.index).groupby(st["pid"]).rank(method="first")
    st["reference"] = (rank <= config.screen_reference_series).to_numpy(bool)
    st["scale"] = np.maximum(np.sqrt(np.maximum(st["var_r"].fillna(0.0).to_numpy(float), 0.0)), config.min_scale)
    keep = st.loc[st.candidate | st.reference, ["sid"]].astype("int64").reset_index(drop=True)
    stage2 = ibis.memtable(keep)
    reference = ibis.memtable(st.loc[st.reference, ["sid"]].astype("int64").reset_index(drop=True))
    n_rows = sp["n"].to_numpy(float)
    in2 = (st.candidate | st.reference).to_numpy(bool)
    cleared = st.loc[~(st.candidate | st.reference) & (st["n"] >= config.min_days), ["sid", "scale"]]
    return Screen(coef1=coef1, effects=effects, stage2=stage2, reference=reference, stats=st,
                  cleared=ibis.memtable(cleared.astype({"sid": "int64", "scale": "float64"}).reset_index(drop=True)),
                  n_series=len(st), n_candidates=int(st.candidate.sum()), n_stage2=int(in2.sum()),
                  rows_stage2=int(n_rows[in2].sum()), rows_total=int(n_rows.sum()))


def outside_z(base: ir.Table, sc: Screen, config: IntegrityConfig):
    """A function of a table of (did, date) keys returning (did, date, z) for the rows of the
    series the screen cleared on those keys: the log-plays residual over the pass-1 fit and day
    effect, in units of sqrt(local SD² + 1/(1 + expected)). It stands in for the detectors' z of
    those series in the cross-platform mean (others_z) of stage 2."""

    def z_of(keys: ir.Table) -> ir.Table:
        t = base.filter(base.plays.notnull()).semi_join(keys, ["did", "date"])
        t = t.select("sid", "did", "pid", "date", "dow", "age", "y").semi_join(sc.cleared, "sid")
        t = materialize(t)  # the few rows on those keys, before the fit columns are computed
        p = fitted(t, sc.coef1, config, "fit1")
        p = day_effects(p, "fit1", config, sc.effects)
        p = p.join(sc.cleared, "sid")
        fit = p.fit1 + p.effect
        sd = (p.scale * p.scale + 1.0 / ibis.greatest(fit.exp(), 1.0)).sqrt()
        return p.select("did", "date", z=(p.y - fit) / sd)

    return z_of


def _decide(st: pd.DataFrame, names: list[str], config: IntegrityConfig) -> np.ndarray:
    """Boolean per series: the screen cannot clear it (see the module docstring)."""
    hit = np.zeros(len(st), dtype=bool)

    def z(col: str, c: str) -> np.ndarray:
        sd = np.sqrt(np.maximum(st[f"var_{c}"].fillna(0.0).to_numpy(float), 0.0))
        sd = np.maximum(sd, config.min_scale)
        return st[col].fillna(0.0).to_numpy(float) / sd

    hit |= z("mx_r", "r") >= config.screen_z
    hit |= z("wmx_r", "r") >= config.screen_week_z
    for c in names:
        hit |= z(f"mx_{c}", c) >= config.screen_ratio_z
        hit |= z(f"wmx_{c}", c) >= config.screen_ratio_z
    hit |= -z("mn_lc", "lc") >= config.screen_ratio_z
    hit |= -z("wmn_lc", "lc") >= config.screen_ratio_z
    # a few weeks give no stable local SD, and a short series' pass-1 fit bends most towards an
    # episode: short series always reach stage 2 (they hold few rows)
    hit |= st["n"].to_numpy(float) < config.screen_min_days
    # platform norms (engagement.py): a series' days far above its platform's typical drama
    ok = st["n"].to_numpy(float) >= config.min_days
    for m in config.engagement_metrics:
        n = f"lr_{m}"
        level = st[f"_sx_{n}"] / st[f"_n_{n}"].where(st[f"_n_{n}"] > 0)
        frame = pd.DataFrame({"pid": st["pid"], "level": level.where(ok)})
        med = frame.groupby("pid")["level"].transform("median")
        mad = (frame["level"] - med).abs().groupby(frame["pid"]).transform("median")
        sd = np.maximum(mad.fillna(0.0).to_numpy(float) * MAD_SD, config.min_scale)
        bound = med.to_numpy(float) + (config.ratio_norm_z - config.screen_norm_margin) * sd
        hit |= np.nan_to_num(st[f"_max_{n}"].to_numpy(float), nan=-np.inf) >= np.nan_to_num(bound, nan=np.inf)
    return hit & ok
