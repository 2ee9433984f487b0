"""Detectors (a) and (c) on plays: spikes and sustained excess over the drama's own release-decay
baseline on that platform, judged against the same drama's other platforms on the same days."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fanxing.integrity.config import IntegrityConfig
from fanxing.integrity.engine import materialize
from fanxing.integrity.flags import day_flags, severity_rank_from_ratio
from fanxing.integrity.islands import islands


def plays_z(scored: ir.Table) -> ir.Table:
    """Robust z of each day: log residual over sqrt(scale² + 1/(1+expected)) (the second term is
    the Poisson noise of small counts on the log scale)."""
    sd = (scored.scale * scored.scale + 1.0 / (scored.expected_plays + 1.0)).sqrt()
    return scored.mutate(z=scored.resid / sd)


def plays_flags(scored: ir.Table, series: ir.Table, config: IntegrityConfig) -> ir.Table:
    """Day flags (indicator ``plays``) from the scored plays table (see baseline.plays_baseline)."""
    s = plays_z(scored)
    cand = s.filter((s.n_days >= config.min_days) & (s.z >= config.candidate_z)
                    & (s.plays >= s.expected_plays * config.min_excess_ratio)
                    & ((s.plays - s.expected_plays) >= config.min_excess_count))
    # (c) the same drama's other platforms on the same days
    cand = materialize(cand)
    keys = cand.select("did", "date").distinct()
    zz = s.filter(s.n_days >= config.min_days).semi_join(keys, ["did", "date"])
    per_day = zz.group_by(["did", "date"]).agg(z_sum=zz.z.sum(), z_n=zz.z.count())
    c = cand.left_join(per_day, ["did", "date"]).select(cand, per_day.z_sum, per_day.z_n)
    c = c.mutate(others_z=ibis.ifelse(c.z_n > 1, (c.z_sum - c.z) / ibis.greatest(c.z_n - 1, 1).cast("float64"),
                                      ibis.null("float64")),
                 score=c.z).drop("z_sum", "z_n")
    isl = islands(c, ["sid"], config)
    others = isl.group_by(["sid", "island"]).agg(isl_others=isl.others_z.mean())
    isl = isl.join(others, ["sid", "island"]).select(isl, others.isl_others)
    isl = isl.mutate(
        _corr=isl.isl_others.notnull() & (isl.isl_others >= config.corroboration_z),
        _div=(isl.isl_others.notnull() & (isl.isl_others < config.divergence_others_max_z)
              & (isl.isl_zmax >= config.divergence_z)))
    hit = isl.isl_spike | isl.isl_sustained | isl._div
    f = isl.filter(hit & (~isl._corr | ibis.literal(config.flag_corroborated)))
    reason = ibis.cases(
        (f._corr, "corroborated_surge"),
        (f.isl_spike & (f.isl_n <= config.burst_max_days), "spike"),
        (f.isl_spike | f.isl_sustained, "sustained_excess"),
        else_="platform_divergence")
    return day_flags(f, series, indicator="plays", reason=reason,
                     severity_rank=severity_rank_from_ratio(f.plays, f.expected_plays, config),
                     score=f.z, expected=f.expected_plays, observed=f.plays, others_z=f.others_z)
