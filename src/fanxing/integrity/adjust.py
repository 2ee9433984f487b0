"""Adjusted daily facts: raw values kept, ``<indicator>_adj`` beside them and a ``flagged`` boolean.

Modes for a flagged day × indicator: ``discount`` (the baseline expectation replaces the observed
value), ``exclude`` (the value becomes null), ``report_only`` (no change). Columns listed in
``config.scale_with_plays`` (watch_minutes) follow plays on plays-flagged days unless flagged
themselves: scaled by plays_adj/plays (discount) or nulled (exclude). Only the days of episodes
(per indicator) whose severity reaches ``config.discount_min_severity`` are adjusted (or marked
``flagged``); weaker episodes are reported but leave the index alone.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fanxing.errors import MethodologyError
from fanxing.integrity.config import ADJUSTABLE, COUNT_INDICATORS, IntegrityConfig
from fanxing.integrity.episodes import GROUP, episode_days
from fanxing.integrity.flags import SEVERITIES

MODES = ("discount", "exclude", "report_only")


def adjust_facts(facts: ir.Table, days: ir.Table, mode: str = "discount",
                 config: IntegrityConfig | None = None) -> ir.Table:
    """Facts plus ``<c>_adj`` for each adjustable column present and ``flagged`` (any indicator
    of the row flagged). ``days`` is the output of detect_days (or any table of its shape)."""
    config = config or IntegrityConfig()
    _check_mode(mode)
    return apply_adjustments(facts, adjustments(days, [c for c in ADJUSTABLE if c in facts.columns], config),
                             mode, config)


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise MethodologyError(f"unknown integrity mode {mode!r}; expected one of {', '.join(MODES)}",
                               code="unknown_mode", details={"value": mode, "allowed": list(MODES)})


def adjustments(days: ir.Table, cols: list[str], config: IntegrityConfig) -> ir.Table:
    """One row per adjusted (drama_id, platform, date): ``_f_<c>`` (1 when indicator ``c`` is
    adjusted that day) and ``_e_<c>`` (its baseline expectation) for each column of ``cols``.

    Small (flagged days only): a build materialises it and keeps the join with the facts lazy.
    """
    d = episode_days(days, config)
    # only days of episodes at least as severe as discount_min_severity are adjusted
    ep_sev = d.severity_rank.max().over(ibis.window(group_by=[*GROUP, "episode"]))
    d = d.filter(ep_sev >= SEVERITIES.index(config.discount_min_severity))
    return d.group_by(["drama_id", "platform", "date"]).agg(
        **{f"_f_{c}": ibis.ifelse(d.indicator == c, 1, 0).max() for c in cols},
        **{f"_e_{c}": ibis.ifelse(d.indicator == c, d.expected, ibis.null("float64")).min() for c in cols})


def apply_adjustments(facts: ir.Table, piv: ir.Table, mode: str = "discount",
                      config: IntegrityConfig | None = None, only_adjusted: bool = False) -> ir.Table:
    """``adjust_facts`` from a table of ``adjustments`` (computed for the adjustable columns of ``facts``).

    ``only_adjusted``: only the facts of the days in ``piv`` (an inner join), e.g. to compute what the
    adjustments change in a sum (``fanxing.drama.indicators.per_platform``).
    """
    _check_mode(mode)
    config = config or IntegrityConfig()
    cols = [c for c in ADJUSTABLE if c in facts.columns]
    f = facts.mutate(_k_drama=facts.drama_id.cast("string"), _k_platform=facts.platform.cast("string"),
                     _k_date=facts.date.cast("date"))
    on = [f._k_drama == piv.drama_id, f._k_platform == piv.platform, f._k_date == piv.date]
    j = f.inner_join(piv, on) if only_adjusted else f.left_join(piv, on)
    j = j.select(f, *[piv[f"_f_{c}"] for c in cols], *[piv[f"_e_{c}"] for c in cols])
    flag = {c: ibis.coalesce(j[f"_f_{c}"], 0) == 1 for c in cols}
    adj = {}
    for c in cols:
        raw = j[c]
        if mode == "discount":
            value = ibis.ifelse(flag[c], j[f"_e_{c}"], raw.cast("float64"))
            if c in COUNT_INDICATORS:
                value = value.round().cast(raw.type() if raw.type().is_integer() else "int64")
        elif mode == "exclude":
            value = ibis.ifelse(flag[c], ibis.null(raw.type()), raw)
        else:
            value = raw
        adj[f"{c}_adj"] = value
    if mode != "report_only" and "plays" in cols:
        for c in config.scale_with_plays:
            if c not in cols:
                continue
            follow = flag["plays"] & ~flag[c]
            if mode == "discount":
                factor = adj["plays_adj"].cast("float64") / ibis.greatest(j.plays.cast("float64"), 1.0)
                adj[f"{c}_adj"] = ibis.ifelse(follow, j[c].cast("float64") * factor, adj[f"{c}_adj"])
            else:
                adj[f"{c}_adj"] = ibis.ifelse(follow, ibis.null(j[c].type()), adj[f"{c}_adj"])
    any_flag = ibis.literal(False)
    for c in cols:
        any_flag = any_flag | flag[c]
    out = j.mutate(**adj, flagged=any_flag)
    return out.drop("_k_drama", "_k_platform", "_k_date", *[f"_f_{c}" for c in cols],
                    *[f"_e_{c}" for c in cols])
