"""The day-flag table shared by every detector: its columns, severity labels and constructor."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fanxing.integrity.config import IntegrityConfig

SEVERITIES = ("low", "medium", "high")
DAY_COLUMNS = ("drama_id", "platform", "date", "indicator", "reason", "severity_rank", "score",
               "expected", "observed", "others_z")


def severity_rank_from_ratio(observed: ir.FloatingValue, expected: ir.FloatingValue,
                             config: IntegrityConfig) -> ir.IntegerValue:
    """0/1/2 (low/medium/high) from observed ÷ expected of a count."""
    ratio = observed / ibis.greatest(expected, 1.0)
    return ibis.cases((ratio >= config.severity_high_ratio, 2), (ratio >= config.severity_medium_ratio, 1),
                      else_=0).cast("int64")


def severity_rank_from_z(z: ir.FloatingValue, config: IntegrityConfig) -> ir.IntegerValue:
    """0/1/2 (low/medium/high) from a robust z score (rates)."""
    return ibis.cases((z >= config.severity_high_z, 2), (z >= config.severity_medium_z, 1),
                      else_=0).cast("int64")


def severity_label(rank: ir.IntegerValue) -> ir.StringValue:
    """'low' / 'medium' / 'high' for rank 0 / 1 / 2."""
    return ibis.cases((rank >= 2, "high"), (rank == 1, "medium"), else_="low")


def day_flags(t: ir.Table, series: ir.Table, *, indicator, reason, severity_rank, score, expected,
              observed, others_z=None) -> ir.Table:
    """Project a detector's rows (keyed by ``sid``) onto the common day-flag columns, with
    drama_id and platform from the ``series`` table (types fixed for unions)."""
    sel = t.select(
        sid=t.sid, date=t.date,
        indicator=ibis.literal(indicator) if isinstance(indicator, str) else indicator,
        reason=ibis.literal(reason) if isinstance(reason, str) else reason,
        severity_rank=ibis.literal(severity_rank).cast("int64") if isinstance(severity_rank, int)
        else severity_rank.cast("int64"),
        score=score.cast("float64"), expected=expected.cast("float64"), observed=observed.cast("float64"),
        others_z=(others_z if others_z is not None else ibis.null()).cast("float64"),
    )
    j = sel.join(series, "sid")
    return j.select(*[j[c] for c in DAY_COLUMNS])
