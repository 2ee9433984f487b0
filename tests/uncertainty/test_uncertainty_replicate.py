"""Replications reproduce the engine: the nominal choices give compute()'s scores, and any sampled
replication gives the scores of compute() on the methodology it stands for."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from uncertainty_builders import ASEM_YAML, asem_case, data, methodology

from fanxing.index import compute, load_methodology, parse_methodology
from fanxing.index.uncertainty import Choices, build_plan, parse_uncertainty, replication_scores
from fanxing.index.uncertainty.equivalent import replication_methodology
from fanxing.index.uncertainty.replicate import Replicator, min_ranks
from fanxing.index.uncertainty.sampling import choices_from, make_design, weight_uniforms

TOL = 1e-9


def _assert_same(scores: dict[str, np.ndarray], result, row: int = 0) -> None:
    for code in result.scores.columns:
        ours = scores[code][row]
        ref = result.scores[code].to_numpy(dtype=float)
        assert (np.isnan(ours) == np.isnan(ref)).all(), code
        diff = np.nanmax(np.abs(ours - ref), initial=0.0)
        assert diff <= TOL * max(1.0, np.nanmax(np.abs(ref), initial=0.0)), f"{code} differs by {diff:g}"


NOMINAL_CASES = {
    "arithmetic": {},
    "geometric": {"normalise": {"method": "minmax", "range": [1, 100]}, "aggregate": {"method": "geometric"}},
    "harmonic_power": {"normalise": {"method": "minmax", "range": [1, 100]},
                       "aggregate": {"method": "harmonic", "levels": {3: {"method": "power", "power": 0.5}}}},
    "missing_min_share": {"impute": {"method": "none"}, "aggregate": {"min_share": 0.6}},
    "zscore_entropy": {"normalise": {"method": "zscore"}, "weights": {"method": "entropy", "level": 1}},
    "rank_copeland_top": {"normalise": {"method": "rank"},
                          "aggregates": [{**a, "method": "copeland"} if a["code"] == "Index" else a
                                         for a in methodology()["aggregates"]]},
}


@pytest.mark.parametrize("case", list(NOMINAL_CASES))
def test_nominal_replication_is_the_engine(case):
    m = parse_methodology(methodology(**NOMINAL_CASES[case]))
    df = data(40, missing=0.1 if "missing" in case else 0.0)
    plan = build_plan(df, m, parse_uncertainty({}))
    _assert_same(replication_scores(plan, Choices.nominal(3)), compute(df, m), row=2)


SPEC = {
    "replications": 40, "seed": 11, "sensitivity": False,
    "weights": {"kind": "dirichlet", "concentration": 30},
    "normalise": {"options": [{"method": "minmax", "range": [1, 100]}, "rank", {"method": "zscore", "mean": 100, "sd": 10}]},
    "aggregate": {"options": ["arithmetic", "geometric", {"method": "power", "power": 2}], "level": 2},
    "impute": {"options": ["none", "mean", "group_median"], "group_column": "grp"},
    "drop_indicator": {"probability": 0.5},
}


@pytest.mark.parametrize(("weights", "options"), [
    ({"kind": "dirichlet", "concentration": 30}, SPEC["aggregate"]["options"]),
    ({"kind": "relative", "noise": 0.3}, SPEC["aggregate"]["options"]),
    ({"kind": "relative", "noise": 0.3}, ["arithmetic", "copeland", "harmonic"]),
])
def test_sampled_replications_are_the_engine(weights, options):
    m = parse_methodology(methodology(normalise={"method": "minmax", "range": [1, 100]}))
    df = data(30, missing=0.1)
    spec = parse_uncertainty({**SPEC, "weights": weights, "aggregate": {"options": options, "level": 2}})
    plan = build_plan(df, m, spec)
    choices = choices_from(plan, make_design(spec.factors, spec.replications, spec.seed, saltelli=False))
    assert (choices.drop >= 0).any() and (choices.drop < 0).any()
    assert len(set(choices.data.tolist())) > 3 and len(set(choices.agg.tolist())) == 3
    rep = Replicator(plan, weight_uniforms(plan))
    scores = rep.scores(choices, all_aggregates=True)
    for i in range(len(choices)):
        ref = compute(df, replication_methodology(plan, rep, choices, i))
        _assert_same({k: v[i:i + 1] for k, v in scores.items()}, ref)


def test_asem_nominal_and_sampled_replications():
    raw, den = asem_case()
    m = load_methodology(ASEM_YAML)
    spec = parse_uncertainty({"replications": 6, "seed": 5, "sensitivity": False,
                              "weights": {"kind": "relative", "noise": 0.3, "level": 2},
                              "normalise": {"options": ["minmax", "rank"]},
                              "aggregate": {"options": ["arithmetic", "harmonic"], "level": 4},
                              "impute": {"options": ["group_mean", "mean", "none"]}})
    plan = build_plan(raw, m, spec, denominators=den)
    _assert_same(replication_scores(plan, Choices.nominal()), plan.nominal)
    choices = choices_from(plan, make_design(spec.factors, spec.replications, spec.seed, saltelli=False))
    rep = Replicator(plan, weight_uniforms(plan))
    scores = rep.scores(choices, all_aggregates=True)
    for i in range(len(choices)):
        _assert_same({k: v[i:i + 1] for k, v in scores.items()},
                     compute(raw, replication_methodology(plan, rep, choices, i), den))


def test_min_ranks_match_pandas_min_ranks():
    rng = np.random.default_rng(0)
    s = rng.integers(0, 8, size=(50, 30)).astype(float)
    s[rng.random(s.shape) < 0.1] = np.nan
    ours = min_ranks(s)
    for r in range(len(s)):
        ref = pd.Series(s[r]).rank(ascending=False, method="min").fillna(0).to_numpy()
        assert (ours[r] == ref).all()


def test_min_ranks_do_not_split_ties_by_rounding():
    s = np.array([[0.1 + 0.2, 0.3, 0.2]])
    assert min_ranks(s).tolist() == [[1, 1, 3]]
