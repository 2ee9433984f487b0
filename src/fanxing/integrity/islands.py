"""Gaps-and-islands over candidate days: consecutive candidates of a series form an island that is
flagged when one day is extreme (spike) or the island as a whole is (sustained run score)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fanxing.integrity.config import IntegrityConfig


def islands(cand: ir.Table, group: list[str], config: IntegrityConfig, spike_z: float | None = None) -> ir.Table:
    """Candidate rows (``group`` keys, ``day``, ``score``) plus ``island`` id and island statistics:
    ``isl_n`` (candidate days), ``isl_zmax``, ``isl_run`` = sum(score)/sqrt(n), ``isl_spike`` and
    ``isl_sustained`` booleans (spike threshold ``spike_z``, default config.spike_z). Candidates at most ``max_gap_days`` apart share an island."""
    w = ibis.window(group_by=group, order_by="day")
    prev = cand.day.lag().over(w)
    new = ibis.ifelse(prev.isnull() | ((cand.day - prev) > config.max_gap_days), 1, 0)
    c = cand.mutate(_new=new)
    c = c.mutate(island=c._new.sum().over(ibis.cumulative_window(group_by=group, order_by="day"))).drop("_new")
    keys = [*group, "island"]
    st = c.group_by(keys).agg(isl_n=c.score.count(), isl_zmax=c.score.max(), isl_zsum=c.score.sum())
    st = st.mutate(isl_run=st.isl_zsum / st.isl_n.cast("float64").sqrt()).drop("isl_zsum")
    st = st.mutate(isl_spike=st.isl_zmax >= (config.spike_z if spike_z is None else spike_z),
                   isl_sustained=(st.isl_n >= config.sustained_min_days) & (st.isl_run >= config.sustained_z))
    return c.join(st, keys).select(c, *[st[x] for x in st.columns if x not in keys])
