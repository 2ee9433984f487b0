"""Completion-rate shifts need corroboration: on their own they are weak evidence of fake traffic.

A completion rate moves for many organic reasons (a new audience, a cliff-hanger, a platform
change), and over ~10^5 series-days a robust z of 5 turns up by chance. Bought plays do drag it
down, but then the plays (or engagement) detectors see the same days. So a completion episode is
kept when a plays or engagement flag, or a plays candidate day (plays significantly above the
baseline, flagged or not), of the same drama × platform lies within ``max_gap_days`` of it, or
when it is strong on its own: peak |z| ≥ ``completion_alone_z``. Two weak signals on the same days
(a modest plays excess and a completion drop) are the signature of bought plays.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fanxing.integrity.config import IntegrityConfig
from fanxing.integrity.flags import DAY_COLUMNS

KEYS = ["drama_id", "platform"]


def corroborate_completion(comp: ir.Table, evidence: ir.Table, config: IntegrityConfig) -> ir.Table:
    """The rows of day-flag table ``comp`` whose episode is corroborated by a day of ``evidence``
    (drama_id, platform, date) or reaches completion_alone_z."""
    c = comp.mutate(day=comp.date.epoch_days().cast("int64"))
    prev = c.day.lag().over(ibis.window(group_by=KEYS, order_by="day"))
    c = c.mutate(_new=ibis.ifelse(prev.isnull() | ((c.day - prev) > config.max_gap_days), 1, 0))
    c = c.mutate(_ep=c._new.sum().over(ibis.cumulative_window(group_by=KEYS, order_by="day")))
    ep = c.group_by([*KEYS, "_ep"]).agg(_lo=c.day.min() - config.max_gap_days,
                                        _hi=c.day.max() + config.max_gap_days, _zmax=c.score.max())
    ev = evidence.select(*KEYS, _eday=evidence.date.epoch_days().cast("int64")).distinct()
    j = ep.join(ev, [ep.drama_id == ev.drama_id, ep.platform == ev.platform,
                     ev._eday >= ep._lo, ev._eday <= ep._hi])
    backed = j.select(drama_id=ep.drama_id, platform=ep.platform, _ep=ep._ep).distinct()
    strong = ep.filter(ep._zmax >= config.completion_alone_z).select(*KEYS, "_ep")
    keep = ibis.union(backed, strong, distinct=True)
    out = c.semi_join(keep, [*KEYS, "_ep"])
    return out.select(*DAY_COLUMNS)
