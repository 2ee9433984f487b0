"""Detector (d): values that cannot be true — engagement above plays, rates outside their range,
negative counts. Every such day is flagged with severity high."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fanxing.integrity.engine import materialize
from fanxing.integrity.flags import day_flags
from fanxing.integrity.prepare import _float

NONNEGATIVE = ("plays", "likes", "comments", "shares", "favorites", "watch_minutes", "revenue_cny")
AT_MOST_PLAYS = ("likes", "comments", "shares", "favorites")
IMPOSSIBLE_SCORE = 1e6  # ranks an impossible value above any statistical z
RANGES = {"completion_rate": (0.0, 1.0), "rating": (0.0, 10.0)}


def any_impossible(cols) -> ir.BooleanValue:
    """True for a row that breaks one of the rules (NULL-safe). ``cols`` maps each column of the
    rules to its value as float64 with NaN read as missing (a prepared table, or a dict)."""
    bad = ibis.literal(False)
    for c in NONNEGATIVE:
        bad = bad | (cols[c] < 0)
    for c in AT_MOST_PLAYS:
        bad = bad | (cols[c] > cols["plays"])
    for c, (lo, hi) in RANGES.items():
        bad = bad | (cols[c] < lo) | (cols[c] > hi)
    return bad.fill_null(False)


def impossible_candidates(facts: ir.Table) -> ir.BooleanValue:
    """any_impossible over the raw facts (the columns they have, read as prepare reads them): picks
    the few rows worth preparing."""
    return any_impossible({c: _float(facts[c]) if c in facts.columns else ibis.null("float64")
                           for c in (*NONNEGATIVE, *RANGES)})


def impossible_flags(base: ir.Table, series: ir.Table) -> list[ir.Table]:
    """One day-flag table per rule; ``expected`` is the bound that was broken."""
    base = materialize(base.filter(any_impossible(base)))  # one pass over the facts; rules on the rest
    out = []
    for c in NONNEGATIVE:
        t = base.filter(base[c] < 0)
        out.append(day_flags(t, series, indicator=c, reason="impossible_negative", severity_rank=2,
                             score=ibis.literal(IMPOSSIBLE_SCORE), expected=ibis.literal(0.0), observed=t[c]))
    for c in AT_MOST_PLAYS:
        t = base.filter(base[c].notnull() & base.plays.notnull() & (base[c] > base.plays) & (base.plays >= 0))
        out.append(day_flags(t, series, indicator=c, reason="impossible_exceeds_plays", severity_rank=2,
                             score=ibis.literal(IMPOSSIBLE_SCORE), expected=t.plays, observed=t[c]))
    for c, (lo, hi) in RANGES.items():
        t = base.filter((base[c] < lo) | (base[c] > hi))
        bound = ibis.least(ibis.greatest(t[c], lo), hi)
        out.append(day_flags(t, series, indicator=c, reason="impossible_out_of_range", severity_rank=2,
                             score=ibis.literal(IMPOSSIBLE_SCORE), expected=bound, observed=t[c]))
    return out
