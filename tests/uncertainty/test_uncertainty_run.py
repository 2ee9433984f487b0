"""run_uncertainty: rank intervals, their collapse without uncertainty, determinism, chunking, Sobol."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from uncertainty_builders import ASEM_YAML, asem_case, data, methodology

from fanxing.errors import IndexComputationError
from fanxing.index import compute, load_methodology, parse_methodology
from fanxing.index.uncertainty import run_uncertainty

POSITIVE = {"normalise": {"method": "minmax", "range": [1, 100]}}
ALL_CHOICES = {
    "replications": 300, "seed": 5,
    "weights": {"kind": "dirichlet", "concentration": 40},
    "normalise": {"options": [{"method": "minmax", "range": [1, 100]}, "rank",
                              {"method": "zscore", "mean": 100, "sd": 10}], "probs": [0.5, 0.25, 0.25]},
    "aggregate": {"options": ["arithmetic", "geometric"]},
    "impute": {"options": ["none", "mean", "median"]},
    "drop_indicator": {"probability": 0.3},
}


@pytest.fixture(scope="module")
def full():
    df = data(40, missing=0.05)
    m = parse_methodology(methodology(**POSITIVE))
    return df, m, run_uncertainty(df, m, ALL_CHOICES)


def test_intervals_contain_the_nominal_rank(full):
    df, m, res = full
    r = res.ranks
    assert list(r.columns[:5]) == ["nominal_rank", "median_rank", "rank_low", "rank_high", "p_top10"]
    assert (r.rank_low <= r.nominal_rank).all() and (r.nominal_rank <= r.rank_high).all()
    assert (r.rank_low <= r.rank_p5).all() and (r.rank_p95 <= r.rank_high).all()
    assert (r.rank_p5 <= r.median_rank).all() and (r.median_rank <= r.rank_p95).all()
    assert r.p_top10.between(0, 1).all() and np.isclose(r.p_top10.sum(), 10, atol=0.5)
    nominal = compute(df, m).ranks["Index"]
    assert (r.nominal_rank == nominal.loc[r.index]).all()
    assert res.summary["replications"] == len(res.replication_ranks) >= 300
    assert res.summary["mean_abs_rank_shift"] > 0


def test_mild_weight_noise_keeps_the_nominal_rank_inside_the_band():
    df = data(40)
    res = run_uncertainty(df, methodology(), {"replications": 400, "seed": 1, "sensitivity": False,
                                              "weights": {"kind": "relative", "noise": 0.1}})
    r = res.ranks
    assert ((r.rank_p5 <= r.nominal_rank) & (r.nominal_rank <= r.rank_p95)).all()
    assert res.summary["nominal_outside_p5_p95"] == 0


def test_no_uncertainty_collapses_the_intervals():
    df = data(30)
    res = run_uncertainty(df, methodology(), {"replications": 50})
    r = res.ranks
    for col in ("median_rank", "rank_low", "rank_high", "rank_p5", "rank_p95"):
        assert (r[col] == r.nominal_rank).all(), col
    assert ((r.p_top10 == 1.0) == (r.nominal_rank <= 10)).all() and r.p_top10.isin([0.0, 1.0]).all()
    assert res.summary["mean_abs_rank_shift"] == 0 and res.sensitivity is None
    assert res.summary["factors"] == [] and res.summary["replications"] == 50


def test_a_dominating_unit_is_first_in_every_replication():
    df = data(40, missing=0.1)
    codes = list("abcdef")
    best = {c: (df[c].min() / 2 if c == "b" else df[c].max() * 2) for c in codes}
    df.loc["star", codes] = pd.Series(best)
    df.loc["star", "grp"] = "x"
    # with gaps left open (impute 'none') a mean over fewer children can beat the star: impute here
    spec = {**ALL_CHOICES, "aggregate": {"options": ["arithmetic", "geometric", "harmonic", "copeland"], "level": 2},
            "impute": {"options": ["mean", "median"]}}
    res = run_uncertainty(df, methodology(**POSITIVE), spec)
    pos = res.ranks.index.get_loc("star")
    assert (res.replication_ranks[:, pos] == 1).all()
    assert res.ranks.loc["star", "p_top10"] == 1.0
    assert res.ranks.loc["star", ["rank_low", "rank_high"]].tolist() == [1, 1]


def test_choices_that_change_nothing_get_zero_sobol_indices():
    m = {"name": "single", "indicators": [{"code": c, "parent": p, "weight": w} for c, p, w in
                                          [("a", "P1", 1), ("b", "P1", 2), ("c", "P2", 1), ("d", "P2", 1)]],
         "aggregates": [{"code": "P1", "parent": "D"}, {"code": "P2", "parent": "D", "weight": 2},
                        {"code": "D", "parent": "Index"}, {"code": "Index", "parent": None}],
         **POSITIVE}
    spec = {"replications": 600, "seed": 2, "sensitivity": {"bootstrap": 50},
            "weights": {"kind": "relative", "noise": 0.5, "level": 3},  # Index has one child: no effect
            "normalise": {"options": [{"method": "minmax", "range": [1, 100]}]},  # only the nominal method
            "aggregate": {"options": ["arithmetic", "geometric", "harmonic"], "level": 2},
            "drop_indicator": {}}
    res = run_uncertainty(data(40), m, spec)
    s = res.sensitivity.set_index(["output", "factor"])
    idle = res.sensitivity[res.sensitivity.factor.isin(["weights", "normalise"])]
    assert np.allclose(idle[["S1", "ST"]].to_numpy(), 0.0, atol=1e-12)
    shift = s.loc["mean_abs_rank_shift"]
    assert shift.loc["drop_indicator", "ST"] > 0.1 and shift.loc["aggregate", "ST"] > 0.01
    assert set(res.sensitivity.output) == {"mean_abs_rank_shift"} | {f"rank:{u}" for u in
                                                                     res.ranks.nominal_rank.nsmallest(10).index}
    assert (res.sensitivity.S1_conf >= 0).all() and (res.sensitivity.ST_conf >= 0).all()


def _strip(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "timings"}


def test_many_units_take_smaller_chunks_with_the_same_result(full, monkeypatch):
    """A cap on (replications × units) cells per chunk bounds memory for large seasons; the chunks it
    makes change nothing either."""
    from fanxing.index.uncertainty import run as run_mod

    df, m, res = full
    assert run_mod.chunk_size(500, 200_000) == (1 << 24) // 200_000 and run_mod.chunk_size(500, 10) == 500
    monkeypatch.setattr(run_mod, "CHUNK_CELLS", 7 * len(df))  # chunks of 7 replications
    assert run_mod.chunk_size(500, len(df)) == 7
    again = run_uncertainty(df, m, ALL_CHOICES)
    pd.testing.assert_frame_equal(res.ranks, again.ranks)
    assert (res.replication_ranks == again.replication_ranks).all()


def test_same_seed_same_output_and_chunking_changes_nothing(full):
    df, m, res = full
    again = run_uncertainty(df, m, {**ALL_CHOICES, "chunk": 37})
    pd.testing.assert_frame_equal(res.ranks, again.ranks)
    pd.testing.assert_frame_equal(res.sensitivity, again.sensitivity)
    assert _strip(res.summary) | {"chunk": 0, "spec": 0} == _strip(again.summary) | {"chunk": 0, "spec": 0}
    assert (res.replication_ranks == again.replication_ranks).all()
    other = run_uncertainty(df, m, {**ALL_CHOICES, "seed": 6})
    assert not (other.replication_ranks == res.replication_ranks).all()


def test_plain_monte_carlo_without_sensitivity_and_progress():
    calls = []
    res = run_uncertainty(data(20), methodology(), {"replications": 45, "chunk": 20, "sensitivity": False,
                                                    "weights": {"kind": "relative", "noise": 0.2}},
                          progress=lambda done, total: calls.append((done, total)))
    assert calls == [(20, 45), (40, 45), (45, 45)]
    assert res.sensitivity is None and res.summary["design"] == "random" and res.summary["replications"] == 45


def test_methodology_mapping_may_carry_its_section():
    df = data(20)
    embedded = run_uncertainty(df, {**methodology(), "uncertainty": {"replications": 30, "sensitivity": False,
                                                                      "weights": {"kind": "relative", "noise": 0.2}}})
    assert embedded.summary["factors"] == ["weights"] and embedded.summary["replications"] == 30


def test_geometric_with_non_positive_scores_is_refused():
    with pytest.raises(IndexComputationError, match=r"uncertainty.*'geometric'.*positive.*range"):
        run_uncertainty(data(20), methodology(), {"aggregate": {"options": ["arithmetic", "geometric"]}})


def test_asem_through_the_general_engine():
    raw, den = asem_case()
    m = load_methodology(ASEM_YAML)
    spec = {"replications": 240, "seed": 3, "sensitivity": {"bootstrap": 20},
            "weights": {"kind": "dirichlet", "concentration": 50},
            "normalise": {"options": ["minmax", "zscore", "rank"]},
            "impute": {"options": ["group_mean", "mean", "median"]}}
    res = run_uncertainty(raw, m, spec, denominators=den)
    nominal = compute(raw, m, den).ranks["Index"]
    assert (res.ranks.nominal_rank == nominal.loc[res.ranks.index]).all()
    assert len(res.ranks) == len(raw) and (res.ranks.rank_low <= res.ranks.rank_high).all()
    assert set(res.sensitivity.factor) == {"weights", "normalise", "impute"}


@pytest.mark.parametrize("n_threads", ["1", "2", "3"])
def test_any_number_of_threads_gives_the_same_replications(full, monkeypatch, n_threads):
    """The Monte Carlo runs its pieces on FANXING_THREADS threads: the same ranks, shifts, summary
    and Sobol indices as on one thread, and progress still comes in order, once per chunk."""
    from fanxing import parallel

    df, m, res = full
    monkeypatch.setenv("FANXING_THREADS", n_threads)
    assert parallel.threads() == int(n_threads)
    calls = []
    again = run_uncertainty(df, m, {**ALL_CHOICES, "chunk": 37}, progress=lambda d, t: calls.append((d, t)))
    n = res.summary["replications"]
    assert calls == [(min(d, n), n) for d in range(37, n + 37, 37)]
    assert (res.replication_ranks == again.replication_ranks).all()
    assert np.array_equal(res.shifts, again.shifts)
    pd.testing.assert_frame_equal(res.ranks, again.ranks)
    pd.testing.assert_frame_equal(res.sensitivity, again.sensitivity)


def test_threads_share_out_each_chunk_and_the_setting_is_checked(monkeypatch):
    from fanxing.index.uncertainty import run as run_mod

    # two threads: each chunk of 10 in two pieces of 5 (the cells held at once stay one chunk's)
    assert run_mod._pieces(23, 10, 2, False) == [(0, 5), (5, 10), (10, 15), (15, 20), (20, 23)]
    assert run_mod._pieces(23, 10, 2, True) == [(0, 10), (10, 20), (20, 23)]
    assert run_mod._pieces(7, 10, 1, False) == [(0, 7)]
    from fanxing import parallel

    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("FANXING_THREADS", bad)
        with pytest.raises(ValueError, match="FANXING_THREADS"):
            parallel.threads()
    monkeypatch.delenv("FANXING_THREADS", raising=False)
    assert parallel.threads() >= 1
    # results in order; the first failure in that order is the one raised
    assert list(parallel.ordered_map(lambda x: x * x, range(9), 3)) == [x * x for x in range(9)]

    def fail(x):
        if x in (2, 5):
            raise KeyError(x)
        return x
    with pytest.raises(KeyError, match="2"):
        list(parallel.ordered_map(fail, range(9), 3))


def test_the_positive_check_names_the_same_chunk_on_threads(monkeypatch):
    spec = {"aggregate": {"options": ["arithmetic", "geometric"]}, "chunk": 7}
    messages = []
    for n in ("1", "2"):
        monkeypatch.setenv("FANXING_THREADS", n)
        with pytest.raises(IndexComputationError, match=r"uncertainty.*'geometric'.*positive") as e:
            run_uncertainty(data(20), methodology(), spec)
        messages.append(str(e.value))
    assert messages[0] == messages[1]
