"""Detector (b): engagement-to-plays ratios and completion rates inconsistent with the drama's own
history on that platform (robust z of the day's log ratio / logit rate) or with the platform's norm
(the spread of the platform's drama medians)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fanxing.integrity.baseline import MAD_SD
from fanxing.integrity.config import IntegrityConfig
from fanxing.integrity.engine import materialize
from fanxing.integrity.flags import day_flags, severity_rank_from_ratio, severity_rank_from_z
from fanxing.integrity.islands import islands

EPS = 0.001


def _logit(c: ir.FloatingValue) -> ir.FloatingValue:
    p = ibis.least(ibis.greatest(c, EPS), 1.0 - EPS)
    return (p / (1.0 - p)).ln()


def ratio_table(base: ir.Table, config: IntegrityConfig) -> tuple[ir.Table, ir.Table]:
    """(rows, stats). rows: base rows with plays, ``sage``, each metric, ``lr_m`` =
    ln((1+m)/(1+plays)) per engagement metric and ``lc`` = logit(completion_rate in 0..1).
    stats: per series (sid, pid, n_days), for every lr/lc column x, a trend in the series' age
    u = ln(1 + sage) — slope ``b_<x>`` by least squares, level ``med_<x>`` = the median of
    x − b·u — and the robust SD ``sd_<x>`` of the detrended values (1.4826 × MAD).

    Rates drift as a drama ages (its later viewers are the committed ones), so the own-history
    reference is a line in log-age rather than one constant: a constant would call every early
    day low and every late day high."""
    t = base.filter(base.plays.notnull() & (base.plays >= 0))
    lr = {}
    for m in config.engagement_metrics:
        lr[f"lr_{m}"] = ibis.ifelse(t[m].notnull() & (t[m] >= 0) & (t[m] <= t.plays),
                                    ((t[m] + 1.0) / (t.plays + 1.0)).ln(), ibis.null("float64"))
    cr = t.completion_rate
    lr["lc"] = ibis.ifelse(cr.notnull() & (cr >= 0) & (cr <= 1), _logit(cr), ibis.null("float64"))
    rows = materialize(t.select("sid", "pid", "date", "day", "sage", "plays", *config.engagement_metrics,
                                "completion_rate", **lr, u=(t.sage.cast("float64") + 1.0).ln()))
    names = list(lr)
    sums = {}
    for n in names:
        x = rows[n]
        uu = ibis.ifelse(x.notnull(), rows.u, ibis.null("float64"))
        sums.update({f"_n_{n}": x.count(), f"_su_{n}": uu.sum(), f"_suu_{n}": (uu * uu).sum(),
                     f"_sx_{n}": x.sum(), f"_sux_{n}": (uu * x).sum()})
    ls = rows.group_by("sid").agg(**sums, ubar=rows.u.mean())
    slopes = {}
    for n in names:
        nn = ls[f"_n_{n}"].cast("float64")
        den = nn * ls[f"_suu_{n}"] - ls[f"_su_{n}"] * ls[f"_su_{n}"]
        num = nn * ls[f"_sux_{n}"] - ls[f"_su_{n}"] * ls[f"_sx_{n}"]
        slopes[f"b_{n}"] = ibis.coalesce(ibis.ifelse(den > 1e-9, num / ibis.greatest(den, 1e-9), 0.0), 0.0)
    ls = materialize(ls.select("sid", "ubar", **slopes))
    j = rows.join(ls, "sid")
    j = j.select("sid", "pid", **{n: j[n] - j[f"b_{n}"] * j.u for n in names})
    med = j.group_by(["sid", "pid"]).agg(**{f"med_{n}": j[n].median() for n in names}, n_days=j.sid.count())
    med = materialize(med)
    k = j.join(med, "sid")
    mad = k.group_by("sid").agg(**{f"sd_{n}": (k[n] - k[f"med_{n}"]).abs().median() for n in names})
    st = med.join(mad, "sid").select(med, *[mad[f"sd_{n}"] for n in names])
    st = st.join(ls, "sid").select(st, ls.ubar, *[ls[f"b_{n}"] for n in names])
    st = st.mutate(**{f"sd_{n}": ibis.greatest(ibis.coalesce(st[f"sd_{n}"] * MAD_SD, 0.0), config.min_scale)
                      for n in names})
    return rows, materialize(st)


def centre(t: ir.Table, n: str) -> ir.FloatingValue:
    """The series' own-history reference of column ``n`` on the row's day: med + b·u."""
    return t[f"med_{n}"] + t[f"b_{n}"] * t.u


def engagement_flags(rows: ir.Table, stats: ir.Table, series: ir.Table,
                     config: IntegrityConfig, reference: ir.Table | None = None) -> list[ir.Table]:
    """Day flags of each engagement metric (high side only: inflated likes, shares, ...) and of
    completion-rate shifts, from the output of ratio_table. One pass over the rows keeps the
    candidate days of every rule; the rules then run on that small table. With ``reference`` (a
    table of sid), the platform norms are estimated on those series only (see screen.py)."""
    rt = rows.join(stats.drop("pid"), "sid")
    norm = _platform_norms(stats if reference is None else stats.semi_join(reference, "sid"), config)
    rt = rt.join(norm, "pid").select(rt, *[norm[c] for c in norm.columns if c != "pid"])
    # a cheap necessary condition first (the z denominators are at least sd): the exponentials and
    # square roots below are then evaluated only on the few rows that pass it
    pre = ibis.literal(False)
    for m in config.engagement_metrics:
        pre = pre | ((rt[f"lr_{m}"] - centre(rt, f"lr_{m}")) >= config.candidate_z * rt[f"sd_lr_{m}"])
        pre = pre | ((rt[f"lr_{m}"] - rt[f"p_med_{m}"]) >= config.ratio_norm_z * rt[f"p_sd_{m}"])
    pre = pre | ((rt.lc - centre(rt, "lc")).abs() >= config.candidate_z * rt.sd_lc)
    rt = rt.filter((rt.n_days >= config.min_days) & pre)
    z = {}
    for m in config.engagement_metrics:
        lr, med, sd = rt[f"lr_{m}"], centre(rt, f"lr_{m}"), rt[f"sd_lr_{m}"]
        expected = med.exp() * (rt.plays + 1.0) - 1.0
        z[f"_exp_{m}"] = expected
        z[f"_z_{m}"] = (lr - med) / (sd * sd + 1.0 / (expected + 1.0)).sqrt()
        z[f"_zn_{m}"] = (lr - rt[f"p_med_{m}"]) / rt[f"p_sd_{m}"]
        z[f"_expn_{m}"] = rt[f"p_med_{m}"].exp() * (rt.plays + 1.0) - 1.0
    mid_c = centre(rt, "lc")
    exp_c = 1.0 / (1.0 + (-mid_c).exp())
    # binomial noise of a rate measured on few plays, on the logit scale: 1 / (n p (1 - p))
    binom = 1.0 / (rt.plays * exp_c * (1.0 - exp_c) + 1.0)
    z["_exp_c"] = exp_c
    z["_z_c"] = (rt.lc - mid_c) / (rt.sd_lc * rt.sd_lc + binom).sqrt()
    t = rt.mutate(**z)
    any_cand = ibis.literal(False)
    for m in config.engagement_metrics:
        any_cand = any_cand | (t[f"_z_{m}"] >= config.candidate_z) | (t[f"_zn_{m}"] >= config.ratio_norm_z)
    any_cand = any_cand | (t._z_c.abs() >= config.candidate_z)
    keep = ["sid", "date", "day", *config.engagement_metrics, "completion_rate", *z]
    cand = materialize(t.filter((t.n_days >= config.min_days) & any_cand).select(*keep))
    out = []
    for m in config.engagement_metrics:
        out.append(_own_flags(cand, series, m, config))
        out.append(_norm_flags(cand, series, m, config))
    out.append(_completion_flags(cand, series, config))
    return out


def _platform_norms(stats: ir.Table, config: IntegrityConfig) -> ir.Table:
    """Per platform (pid): median ``p_med_<m>`` and robust SD ``p_sd_<m>`` of its dramas' median
    log ratios (platforms with fewer than market_min_series series get a null norm)."""
    per = stats.filter(stats.n_days >= config.min_days)
    # a drama's typical level: its trend line at its mean log-age
    per = per.mutate(**{f"med_lr_{m}": per[f"med_lr_{m}"] + per[f"b_lr_{m}"] * per.ubar
                        for m in config.engagement_metrics})
    cols = {}
    for m in config.engagement_metrics:
        cols[f"p_med_{m}"] = per[f"med_lr_{m}"].median()
    pm = per.group_by("pid").agg(**cols, p_n=per.sid.count())
    j = per.join(pm, "pid")
    ps = j.group_by("pid").agg(**{f"p_sd_{m}": (j[f"med_lr_{m}"] - j[f"p_med_{m}"]).abs().median()
                                  for m in config.engagement_metrics})
    pm = pm.join(ps, "pid").select(pm, *[ps[c] for c in ps.columns if c != "pid"])
    ok = pm.p_n >= config.market_min_series
    return pm.select("pid", **{f"p_med_{m}": ibis.ifelse(ok, pm[f"p_med_{m}"], ibis.null("float64"))
                               for m in config.engagement_metrics},
                     **{f"p_sd_{m}": ibis.greatest(ibis.coalesce(pm[f"p_sd_{m}"] * MAD_SD, 0.0), config.min_scale)
                        for m in config.engagement_metrics})


def _own_flags(cand: ir.Table, series: ir.Table, m: str, config: IntegrityConfig) -> ir.Table:
    """Islands of days whose log ratio is high against the drama's own history on that platform."""
    t = cand.mutate(_m=cand[m], _exp=cand[f"_exp_{m}"], _z=cand[f"_z_{m}"])
    t = t.filter(t._z.notnull() & (t._z >= config.candidate_z)
                 & (t._m >= t._exp * config.min_excess_ratio) & ((t._m - t._exp) >= config.min_excess_count))
    t = t.mutate(score=t._z, indicator=ibis.literal(m))
    isl = islands(t, ["sid", "indicator"], config, spike_z=config.ratio_z)
    f = isl.filter(isl.isl_spike | isl.isl_sustained)
    return day_flags(f, series, indicator=m, reason="ratio_vs_own_history",
                     severity_rank=severity_rank_from_ratio(f._m, f._exp, config),
                     score=f._z, expected=f._exp, observed=f._m)


def _norm_flags(cand: ir.Table, series: ir.Table, m: str, config: IntegrityConfig) -> ir.Table:
    """Runs of at least sustained_min_days days whose log ratio lies ``ratio_norm_z`` robust SDs
    (of the platform's drama medians) above the platform's median drama."""
    t = cand.mutate(_z=cand[f"_zn_{m}"], _m=cand[m], _exp=cand[f"_expn_{m}"])
    t = t.filter(t._z.notnull() & (t._z >= config.ratio_norm_z) & ((t._m - t._exp) >= config.min_excess_count))
    t = t.mutate(score=t._z, indicator=ibis.literal(m))
    isl = islands(t, ["sid", "indicator"], config, spike_z=1e300)
    f = isl.filter(isl.isl_n >= config.sustained_min_days)
    return day_flags(f, series, indicator=m, reason="ratio_vs_platform_norm",
                     severity_rank=0, score=f._z, expected=f._exp, observed=f._m)


def _completion_flags(cand: ir.Table, series: ir.Table, config: IntegrityConfig) -> ir.Table:
    """Completion-rate shifts (either direction) against the drama's own history."""
    t = cand.mutate(_z=cand._z_c, _exp=cand._exp_c, _obs=cand.completion_rate)
    t = t.filter(t._z.notnull() & (t._z.abs() >= config.candidate_z)
                 & ((t._obs - t._exp).abs() >= config.completion_min_abs))
    t = t.mutate(score=t._z.abs(), indicator=ibis.literal("completion_rate"),
                 _dir=ibis.ifelse(t._z < 0, "completion_drop", "completion_jump"))
    isl = islands(t, ["sid", "indicator", "_dir"], config, spike_z=config.completion_z)
    f = isl.filter(isl.isl_spike | isl.isl_sustained)
    return day_flags(f, series, indicator="completion_rate", reason=f._dir,
                     severity_rank=severity_rank_from_z(f.score, config),
                     score=f.score, expected=f._exp, observed=f._obs)
