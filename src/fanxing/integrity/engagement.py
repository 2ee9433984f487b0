"""Detector (b): engagement-to-plays ratios and completion rates inconsistent with the drama's own
history on that platform (robust z of the day's log ratio / logit rate) or with the platform's norm
(the spread of the platform's drama medians)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fanxing.integrity.baseline import MAD_SD
from fanxing.integrity.config import IntegrityConfig
from fanxing.integrity.flags import day_flags, severity_rank_from_ratio, severity_rank_from_z
from fanxing.integrity.islands import islands
from fanxing.integrity.prepare import KEYS

EPS = 0.001


def _logit(c: ir.FloatingValue) -> ir.FloatingValue:
    p = ibis.least(ibis.greatest(c, EPS), 1.0 - EPS)
    return (p / (1.0 - p)).ln()


def ratio_table(base: ir.Table, config: IntegrityConfig) -> ir.Table:
    """Base rows plus, per metric m, ``lr_m`` = ln((1+m)/(1+plays)) and ``med_m``/``sd_m`` (series
    median and robust SD), and ``lc``/``med_c``/``sd_c`` for logit(completion_rate) in 0..1."""
    t = base.filter(base.plays.notnull() & (base.plays >= 0))
    lr = {}
    for m in config.engagement_metrics:
        lr[f"lr_{m}"] = ibis.ifelse(t[m].notnull() & (t[m] >= 0) & (t[m] <= t.plays),
                                    ((t[m] + 1.0) / (t.plays + 1.0)).ln(), ibis.null("float64"))
    cr = t.completion_rate
    lr["lc"] = ibis.ifelse(cr.notnull() & (cr >= 0) & (cr <= 1), _logit(cr), ibis.null("float64"))
    t = t.mutate(**lr)
    names = list(lr)
    med = t.group_by(KEYS).agg(**{f"med_{n}": t[n].median() for n in names}, n_days=t.plays.count())
    t = t.join(med, list(KEYS)).select(t, *[med[c] for c in med.columns if c not in KEYS])
    mad = t.group_by(KEYS).agg(**{f"sd_{n}": (t[n] - t[f"med_{n}"]).abs().median() for n in names})
    t = t.join(mad, list(KEYS)).select(t, *[mad[c] for c in mad.columns if c not in KEYS])
    return t.mutate(**{f"sd_{n}": ibis.greatest(ibis.coalesce(t[f"sd_{n}"] * MAD_SD, 0.0), config.min_scale)
                       for n in names})


def engagement_flags(rt: ir.Table, config: IntegrityConfig) -> list[ir.Table]:
    """Day flags of each engagement metric (high side only: inflated likes, shares, ...)."""
    out = []
    for m in config.engagement_metrics:
        lr, med, sd = rt[f"lr_{m}"], rt[f"med_lr_{m}"], rt[f"sd_lr_{m}"]
        expected = (med.exp() * (rt.plays + 1.0) - 1.0)
        z_own = (lr - med) / (sd * sd + 1.0 / (expected + 1.0)).sqrt()
        t = rt.mutate(_m=rt[m], _exp=expected, _z=z_own)
        t = t.filter(t._z.notnull() & (t.n_days >= config.min_days) & (t._z >= config.candidate_z)
                     & (t._m >= t._exp * config.min_excess_ratio)
                     & ((t._m - t._exp) >= config.min_excess_count))
        t = t.mutate(score=t._z, indicator=ibis.literal(m))
        isl = islands(t, ["drama_id", "platform", "indicator"], config, spike_z=config.ratio_z)
        f = isl.filter(isl.isl_spike | isl.isl_sustained)
        out.append(day_flags(f, indicator=m, reason="ratio_vs_own_history",
                             severity_rank=severity_rank_from_ratio(f._m, f._exp, config),
                             score=f._z, expected=f._exp, observed=f._m))
        out.append(_norm_flags(rt, m, config))
    out.append(_completion_flags(rt, config))
    return out


def _norm_flags(rt: ir.Table, m: str, config: IntegrityConfig) -> ir.Table:
    """Runs of days whose ratio lies ``ratio_norm_z`` robust SDs of the platform's drama medians
    above the platform's median drama, on dramas with enough days."""
    lr, med = f"lr_{m}", f"med_lr_{m}"
    ok = rt.filter(rt.n_days >= config.min_days)
    series = ok.group_by(KEYS).agg(sm=ok[med].max())
    pm = series.group_by("platform").agg(p_med=series.sm.median(), p_n=series.sm.count())
    series = series.join(pm, "platform").select(series, pm.p_med, pm.p_n)
    ps = series.group_by("platform").agg(p_sd=(series.sm - series.p_med).abs().median())
    pm = pm.join(ps, "platform").select(pm, ps.p_sd)
    t = rt.join(pm, "platform").select(rt, pm.p_med, pm.p_n, pm.p_sd)
    sd = ibis.greatest(ibis.coalesce(t.p_sd * MAD_SD, 0.0), config.min_scale)
    t = t.mutate(_z=(t[lr] - t.p_med) / sd, _m=t[m],
                 _exp=(t.p_med.exp() * (t.plays + 1.0) - 1.0))
    t = t.filter(t._z.notnull() & (t.n_days >= config.min_days) & (t.p_n >= config.market_min_series)
                 & (t._z >= config.ratio_norm_z) & ((t._m - t._exp) >= config.min_excess_count))
    t = t.mutate(score=t._z, indicator=ibis.literal(m))
    isl = islands(t, ["drama_id", "platform", "indicator"], config, spike_z=float("inf"))
    f = isl.filter(isl.isl_n >= config.sustained_min_days)
    return day_flags(f, indicator=m, reason="ratio_vs_platform_norm",
                     severity_rank=ibis.literal(0), score=f._z, expected=f._exp, observed=f._m)


def _completion_flags(rt: ir.Table, config: IntegrityConfig) -> ir.Table:
    """Completion-rate shifts (either direction) against the drama's own history."""
    z = (rt.lc - rt.med_lc) / rt.sd_lc
    expected = 1.0 / (1.0 + (-rt.med_lc).exp())
    t = rt.mutate(_z=z, _exp=expected, _obs=rt.completion_rate)
    t = t.filter(t._z.notnull() & (t.n_days >= config.min_days) & (t._z.abs() >= config.candidate_z)
                 & ((t._obs - t._exp).abs() >= config.completion_min_abs))
    t = t.mutate(score=t._z.abs(), indicator=ibis.literal("completion_rate"),
                 _dir=ibis.ifelse(t._z < 0, "completion_drop", "completion_jump"))
    isl = islands(t, ["drama_id", "platform", "indicator", "_dir"], config, spike_z=config.completion_z)
    f = isl.filter(isl.isl_spike | isl.isl_sustained)
    return day_flags(f, indicator="completion_rate", reason=f._dir,
                     severity_rank=severity_rank_from_z(f.score, config),
                     score=f.score, expected=f._exp, observed=f._obs)
