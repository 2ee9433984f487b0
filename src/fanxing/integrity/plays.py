"""Detectors (a) and (c) on plays: spikes and sustained excess over the drama's own release-decay
baseline on that platform, judged against the same drama's other platforms on the same days."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fanxing.integrity.baseline import poisson_sd
from fanxing.integrity.config import IntegrityConfig
from fanxing.integrity.engine import materialize
from fanxing.integrity.flags import day_flags, severity_rank_from_ratio
from fanxing.integrity.islands import islands


def plays_z(scored: ir.Table) -> ir.Table:
    """Robust z of each day: log residual over sqrt(scale² + 1/(1+expected)) (the second term is
    the Poisson noise of small counts on the log scale), widened by launch_k on launch days."""
    sd = poisson_sd(scored.scale, scored.expected_plays) * scored.launch_k
    return scored.mutate(z=scored.resid / sd)


def dilution(cand: ir.Table, rows: ir.Table, stats: ir.Table, config: IntegrityConfig) -> ir.Table:
    """Candidate days plus ``dilution``: the lowest z of the day's engagement ratios and completion
    logit against the series' own history (engagement.ratio_table). Bought plays rarely like or
    finish, so a real inflation drags these down; an organic surge leaves them in place."""
    names = [f"lr_{m}" for m in config.engagement_metrics] + ["lc"]
    r = rows.select("sid", "date", *names)
    j = cand.left_join(r, ["sid", "date"]).select(cand, *[r[n] for n in names])
    cols = [f"{k}_{n}" for n in names for k in ("med", "sd", "b")]
    j = j.left_join(stats, "sid").select(j, *[stats[c] for c in cols])
    u = (j.sage.cast("float64") + 1.0).ln()
    zs = [(j[n] - j[f"med_{n}"] - j[f"b_{n}"] * u) / j[f"sd_{n}"] for n in names]
    return j.mutate(dilution=ibis.least(*zs) if len(zs) > 1 else zs[0]).drop(*names, *cols)


def plays_flags(scored: ir.Table, series: ir.Table, config: IntegrityConfig,
                ratios: tuple[ir.Table, ir.Table] | None = None,
                outside=None) -> tuple[ir.Table, ir.Table]:
    """(day flags with indicator ``plays``, candidate days) from the scored plays table (see
    baseline.plays_baseline). Candidate days (drama_id, platform, date: plays well above the
    baseline, flagged or not) corroborate completion shifts. ``ratios`` (engagement.ratio_table)
    supplies the dilution evidence required on launch days. ``outside`` (screen.outside_z), given
    the (did, date) keys of the candidate days, returns the day z (did, date, z) of series that
    are not in ``scored`` (cleared by the screen), for the cross-platform mean others_z."""
    s = plays_z(scored)
    cand = s.filter((s.n_days >= config.min_days) & (s.z >= config.candidate_z)
                    & (s.plays >= s.expected_plays * config.min_excess_ratio)
                    & ((s.plays - s.expected_plays) >= config.min_excess_count))
    # (c) the same drama's other platforms on the same days
    cand = materialize(cand)
    keys = cand.select("did", "date").distinct()
    if outside is not None:
        keys = materialize(keys)
    zz = s.filter(s.n_days >= config.min_days).semi_join(keys, ["did", "date"]).select("did", "date", "z")
    if outside is not None:
        zz = ibis.union(zz, outside(keys).select("did", "date", "z"), distinct=False)
    per_day = zz.group_by(["did", "date"]).agg(z_sum=zz.z.sum(), z_n=zz.z.count())
    c = cand.left_join(per_day, ["did", "date"]).select(cand, per_day.z_sum, per_day.z_n)
    c = c.mutate(others_z=ibis.ifelse(c.z_n > 1, (c.z_sum - c.z) / ibis.greatest(c.z_n - 1, 1).cast("float64"),
                                      ibis.null("float64")),
                 score=c.z).drop("z_sum", "z_n")
    c = dilution(c, *ratios, config) if ratios is not None else c.mutate(dilution=ibis.null("float64"))
    isl = islands(c, ["sid"], config)
    others = isl.group_by(["sid", "island"]).agg(isl_others=isl.others_z.mean(), isl_dil=isl.dilution.mean(),
                                                 isl_sage=isl.sage.min())
    isl = isl.join(others, ["sid", "island"]).select(isl, others.isl_others, others.isl_dil, others.isl_sage)
    # on launch days the curve is least certain: demand the dilution evidence as well
    launch_ok = (isl.isl_sage >= config.launch_days) | (isl.isl_dil.notnull() & (isl.isl_dil <= -config.dilution_z))
    isl = isl.mutate(
        _corr=isl.isl_others.notnull() & (isl.isl_others >= config.corroboration_z),
        _div=(isl.isl_others.notnull() & (isl.isl_others < config.divergence_others_max_z)
              & (isl.isl_zmax >= config.divergence_z) & (isl.isl_n >= config.divergence_min_days)))
    hit = isl.isl_spike | isl.isl_sustained | isl._div
    f = isl.filter(hit & launch_ok & (~isl._corr | ibis.literal(config.flag_corroborated)))
    reason = ibis.cases(
        (f._corr, "corroborated_surge"),
        (f.isl_spike & (f.isl_n <= config.burst_max_days), "spike"),
        (f.isl_spike | f.isl_sustained, "sustained_excess"),
        else_="platform_divergence")
    flags = day_flags(f, series, indicator="plays", reason=reason,
                      severity_rank=severity_rank_from_ratio(f.plays, f.expected_plays, config),
                      score=f.z, expected=f.expected_plays, observed=f.plays, others_z=f.others_z)
    cj = cand.join(series, "sid")
    return flags, cj.select(cj.drama_id, cj.platform, cj.date)
