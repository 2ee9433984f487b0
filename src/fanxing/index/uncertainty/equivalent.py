"""The ordinary methodology that one replication stands for, so that it can be rebuilt with the
engine's :func:`fanxing.index.compute` (used by the tests and by the loop baseline of the benchmark).

Weights become explicit (the replication's weights), the data variant's imputation and normalisation
and the aggregation variant's methods are set, and a dropped indicator is removed (with any aggregate
left without children). Rebuilding matches the replication exactly when nothing is dropped; with a
dropped indicator it matches when the coverage threshold is 0 (the Monte Carlo keeps the nominal set
of units) and weights are not data-driven (the Monte Carlo renormalises the nominal weights).
"""

from __future__ import annotations

from fanxing.index.methodology import Methodology, parse_methodology
from fanxing.index.uncertainty.plan import Plan
from fanxing.index.uncertainty.replicate import Replicator
from fanxing.index.uncertainty.sampling import NO_DROP, Choices


def replication_methodology(plan: Plan, replicator: Replicator, choices: Choices, i: int) -> Methodology:
    """The methodology equivalent to replication ``i`` of ``choices``."""
    one = choices.take(slice(i, i + 1))
    h = plan.hierarchy
    weight: dict[str, float] = {}
    for pp in plan.parents:
        w, _ = replicator.weights(pp, one)
        for c, v in zip(pp.kids, w[0], strict=True):
            weight[c] = float(v)
    imp, nrm = plan.data_specs[int(one.data[0])]
    am = plan.agg_methodologies[int(one.agg[0])]
    dump = plan.methodology.model_dump(mode="python", by_alias=True)
    dump.update({"impute": imp, "normalise": nrm, "weights": {"method": "explicit"}, "explain": False})
    dropped = {plan.indicators[int(one.drop[0])]} if one.drop[0] != NO_DROP else set()
    dump["indicators"] = [{**d, "weight": weight[d["code"]]} for d in dump["indicators"] if d["code"] not in dropped]
    aggs = {a.code: a.model_dump(mode="python") for a in am.aggregates}
    for code, d in aggs.items():
        d["weight"] = weight.get(code, 1.0)
    # remove aggregates left without children, bottom-up
    alive = {d["parent"] for d in dump["indicators"]}
    for code in h.aggregates:
        if code in alive and h.parent.get(code):
            alive.add(h.parent[code])
    dump["aggregates"] = [d for c, d in aggs.items() if c in alive]
    return parse_methodology(dump)
