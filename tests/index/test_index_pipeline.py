"""The whole pipeline through the methodology: options, stages, log, weights, explanations, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from index_builders import spec, toy_data

from fanxing.errors import IndexComputationError, NotFoundError
from fanxing.index import STAGES, compare_pair, compare_units, compute, explain_unit
from fanxing.index import weights as wts


def test_stages_scores_ranks():
    data = toy_data()
    r = compute(data, spec())
    assert list(r.stages) == list(STAGES)
    assert list(r.scores.columns) == ["P1", "P2", "Index"]
    assert list(r.stages["aggregated"].columns) == list("abcd") + ["P1", "P2", "Index"]
    assert str(r.ranks["Index"].dtype) == "Int64"
    assert sorted(r.ranks["Index"]) == list(range(1, 13))
    assert r.ranks["Index"].idxmin() == r.scores["Index"].idxmax()
    assert r.methodology_hash == r.methodology.canonical_hash and r.methodology_version == "1"
    table = r.table()
    assert table["Index_rank"].tolist() == sorted(table["Index_rank"].tolist())


def test_ties_share_the_lowest_rank():
    data = toy_data(4)
    data.loc["u01", list("abcd")] = data.loc["u00", list("abcd")].to_numpy()
    r = compute(data, spec())
    assert r.ranks.loc["u00", "Index"] == r.ranks.loc["u01", "Index"]
    assert sorted(r.ranks["Index"].tolist()).count(r.ranks.loc["u00", "Index"]) == 2


def test_explicit_weights_and_effective_weights():
    r = compute(toy_data(), spec())
    ew = r.effective_weights
    assert ew.to_dict() == pytest.approx({"a": 0.125, "b": 0.375, "c": 0.25, "d": 0.25})
    assert ew.sum() == pytest.approx(1.0)
    manual = 0.5 * (0.25 * r.stages["normalised"]["a"] + 0.75 * r.stages["normalised"]["b"]) + \
        0.5 * (0.5 * r.stages["normalised"]["c"] + 0.5 * r.stages["normalised"]["d"])
    np.testing.assert_allclose(r.scores["Index"], manual)


def test_equal_weights():
    r = compute(toy_data(), spec(weights={"method": "equal"}))
    assert r.effective_weights.to_dict() == pytest.approx(dict.fromkeys("abcd", 0.25))


def test_data_driven_weights_at_one_level():
    data = toy_data()
    for method in ("entropy", "critic", "pca"):
        r = compute(data, spec(weights={"method": method, "level": 1}))
        w = r.weights.set_index("code")["weight"]
        expected = getattr(wts, method)(r.stages["normalised"][["a", "b"]].to_numpy())
        np.testing.assert_allclose([w["a"], w["b"]], expected)
        assert w["P1"] == 0.5  # level 2 keeps the explicit weights
        assert (r.log.action == method).any()


def test_ahp_weights_in_pipeline():
    s = spec(weights={"method": "ahp", "ahp": {"Index": {"children": ["P2", "P1"], "matrix": [[1, 3], ["1/3", 1]]}}})
    r = compute(toy_data(), s)
    w = r.weights.set_index("code")["weight"]
    assert w["P2"] == pytest.approx(0.75) and w["P1"] == pytest.approx(0.25)
    assert w["b"] == 0.75  # parents without a matrix keep explicit weights
    assert r.log[r.log.action == "ahp"]["value"].iloc[0] == pytest.approx(0.0)


def test_per_level_and_per_node_aggregation():
    data = toy_data()
    r = compute(data, spec(normalise={"method": "minmax", "range": [1, 100]},
                           aggregate={"method": "arithmetic", "levels": {3: {"method": "geometric"}}}))
    np.testing.assert_allclose(r.scores["Index"], np.sqrt(r.scores["P1"] * r.scores["P2"]))
    s = spec(normalise={"method": "minmax", "range": [1, 100]})
    s["aggregates"][0]["method"] = "harmonic"
    r = compute(data, s)
    n = r.stages["normalised"]
    np.testing.assert_allclose(r.scores["P1"], 1 / (0.25 / n["a"] + 0.75 / n["b"]))
    r = compute(data, spec(aggregate={"method": "power", "power": 2}))
    n = r.stages["normalised"]
    np.testing.assert_allclose(r.scores["P2"], np.sqrt((n["c"] ** 2 + n["d"] ** 2) / 2))
    r = compute(data, spec(aggregate={"method": "copeland"}))
    assert r.scores["P1"].abs().max() <= 11


def test_geometric_with_zero_is_a_clear_error():
    with pytest.raises(IndexComputationError, match="positive"):
        compute(toy_data(), spec(aggregate={"method": "geometric"}))


def test_unit_coverage_excludes_and_reports():
    data = toy_data()
    data.loc["u03", ["a", "b", "c"]] = np.nan
    r = compute(data, spec(coverage={"min_unit_share": 0.5}, impute={"method": "mean"}))
    assert "u03" not in r.scores.index and "u03" in r.stages["raw"].index
    assert r.excluded_units.loc["u03", "share_present"] == 0.25
    assert ((r.log.stage == "coverage") & (r.log.code == "u03")).any()
    assert r.coverage["u03"] == 0.25
    with pytest.raises(IndexComputationError, match="coverage threshold"):
        explain_unit(r, "u03")


def test_aggregate_coverage_threshold():
    data = toy_data()
    data.loc["u02", "c"] = np.nan
    r = compute(data, spec(aggregate={"min_share": 0.6}))
    assert np.isnan(r.scores.loc["u02", "P2"])
    assert not np.isnan(r.scores.loc["u02", "P1"])
    assert ((r.log.stage == "aggregate") & (r.log.code == "P2")).any()
    r = compute(data, spec(aggregate={"min_share": 0.6, "levels": {2: {"min_share": 0.0}}}))
    assert r.scores.loc["u02", "P2"] == r.stages["normalised"].loc["u02", "d"]


@pytest.mark.parametrize("method,check", [
    ("mean", lambda d: d["a"].mean()), ("median", lambda d: d["a"].median()),
    ("group_mean", lambda d: d.loc[d.grp == "x", "a"].mean()),
    ("group_median", lambda d: d.loc[d.grp == "x", "a"].median()),
])
def test_imputation_through_methodology(method, check):
    data = toy_data()
    data.loc["u00", "a"] = np.nan
    r = compute(data, spec(impute={"method": method, "group_column": "grp"}))
    assert r.stages["imputed"].loc["u00", "a"] == pytest.approx(check(data))
    assert r.log[(r.log.stage == "impute") & (r.log.code == "a")]["value"].iloc[0] == 1


def test_no_imputation_keeps_missing_and_aggregates_skip_it():
    data = toy_data()
    data.loc["u00", "a"] = np.nan
    r = compute(data, spec())
    assert np.isnan(r.stages["imputed"].loc["u00", "a"])
    assert r.scores.loc["u00", "P1"] == r.stages["normalised"].loc["u00", "b"]


def test_transforms_clip_and_treat_flag():
    s = spec(treat={"method": "winsorise", "lower_percentile": 0.1, "upper_percentile": 0.9})
    s["indicators"][0]["transform"] = "log"
    s["indicators"][0]["treat"] = False
    s["indicators"][2]["clip"] = {"upper": 5}
    s["indicators"][3]["transform"] = {"type": "boxcox", "lambda": 0.5}
    data = toy_data()
    r = compute(data, s)
    np.testing.assert_allclose(r.stages["treated"]["a"], np.log(data["a"]))  # not winsorised
    assert r.stages["treated"]["c"].max() <= 5
    assert ((r.log.code == "c") & (r.log.action == "clipped")).any()
    assert ((r.log.code == "a") & (r.log.action == "log")).any()
    assert ((r.log.code == "b") & (r.log.action == "winsorised")).any()
    d = (data["d"] ** 0.5 - 1) / 0.5
    lo, hi = np.quantile(d, [0.1, 0.9])
    np.testing.assert_allclose(r.stages["treated"]["d"], d.clip(lo, hi))


def test_skew_kurtosis_treatment_logged():
    data = toy_data(30)
    data.loc["u00", "c"] = 1000.0
    r = compute(data, spec(treat={"method": "skew_kurtosis", "winmax": 3}))
    row = r.log[(r.log.stage == "treat") & (r.log.code == "c")]
    assert row.action.iloc[0] == "winsorised" and "skew" in row.detail.iloc[0]
    assert r.stages["treated"]["c"].max() < 1000


@pytest.mark.parametrize("method", ["goalposts", "zscore", "rank", "percentile_rank", "borda",
                                    "distance_to_max", "distance_to_target", "distance_to_reference", "none"])
def test_every_normalisation_through_methodology(method):
    s = spec(normalise={"method": method, "reference_unit": "u03"})
    for ind in s["indicators"]:
        ind["goalposts"] = {"low": 0, "high": 10, "target": 8}
    r = compute(toy_data(), s)
    assert r.stages["normalised"].notna().all().all()
    assert r.scores["Index"].notna().all()


def test_reference_unit_must_exist():
    with pytest.raises(IndexComputationError, match="did you mean 'u03'"):
        compute(toy_data(), spec(normalise={"method": "distance_to_reference", "reference_unit": "u3"}))


def test_data_errors_name_column_and_suggest():
    data = toy_data().rename(columns={"b": "B"})
    with pytest.raises(IndexComputationError, match="'b' \\(did you mean 'B'\\?\\)") as info:
        compute(data, spec())
    assert info.value.code == "missing_column"
    data = toy_data().astype({"a": object})
    data.loc["u04", "a"] = "n/a"
    with pytest.raises(IndexComputationError, match="'a'.*'n/a'.*u04"):
        compute(data, spec())
    data = pd.concat([toy_data(), toy_data().iloc[:1]])
    with pytest.raises(IndexComputationError, match="more than once"):
        compute(data, spec())
    with pytest.raises(IndexComputationError, match="did you mean 'grp'"):
        compute(toy_data(), spec(impute={"method": "group_mean", "group_column": "gpr"}))
    s = spec()
    s["indicators"][0]["denominator"] = "popu"
    with pytest.raises(IndexComputationError, match="denominator column 'popu'"):
        compute(toy_data(), s, pd.DataFrame({"pop": 1.0}, index=toy_data().index))


def test_denominators_through_methodology():
    data = toy_data()
    dens = pd.DataFrame({"pop": np.arange(1, 13, dtype=float)}, index=data.index[::-1])
    s = spec()
    s["indicators"][0]["denominator"] = "pop"
    r = compute(data, s, dens)
    np.testing.assert_allclose(r.stages["denominated"]["a"], data["a"] / dens["pop"].reindex(data.index))
    np.testing.assert_array_equal(r.stages["denominated"]["b"], data["b"])


def test_explain_unit_contributions_add_up():
    data = toy_data()
    data.loc["u05", "c"] = np.nan  # per-unit renormalised weights still add up
    r = compute(data, spec())
    for unit in ("u00", "u05"):
        e = explain_unit(r, unit)
        ind = e[e.kind == "indicator"]
        assert ind["contribution"].sum() == pytest.approx(r.scores.loc[unit, "Index"], abs=1e-12)
        assert e.loc["P1", "contribution"] == pytest.approx(ind.loc[["a", "b"], "contribution"].sum())
        assert e.attrs["rank"] == r.ranks.loc[unit, "Index"]
    e = explain_unit(r, "u00")
    assert e.loc["b", "contribution"] == pytest.approx(0.375 * r.stages["normalised"].loc["u00", "b"])
    assert e.loc["a", "raw"] == data.loc["u00", "a"]
    with pytest.raises(NotFoundError, match="did you mean 'u03'"):
        explain_unit(r, "U03x")


def test_contributions_add_up_for_other_aggregations():
    s = spec(normalise={"method": "minmax", "range": [1, 100]}, aggregate={"method": "geometric"})
    r = compute(toy_data(), s)
    total = r.contributions[list("abcd")].sum(axis=1)
    np.testing.assert_allclose(total, r.scores["Index"])


def test_compare_two_periods():
    before = toy_data()
    after = before.copy()
    after.loc["u00", "c"] = after["c"].max() + 1  # u00 improves on one indicator
    ra, rb = compute(before, spec()), compute(after, spec())
    cmp = compare_units(ra, rb, "u00")
    assert cmp.index[0] in ("c", "P2")
    assert cmp.loc["c", "impact"] > 0
    ind = cmp[cmp.kind == "indicator"]
    assert ind["impact"].sum() == pytest.approx(cmp.attrs["score_change"])
    assert cmp.attrs["rank_b"] <= cmp.attrs["rank_a"]
    assert list(cmp["impact"].abs()) == sorted(cmp["impact"].abs(), reverse=True)
    pair = compare_pair(ra, "u00", "u01")
    assert pair[pair.kind == "indicator"]["impact"].sum() == pytest.approx(
        ra.scores.loc["u01", "Index"] - ra.scores.loc["u00", "Index"])


def test_explain_off():
    r = compute(toy_data(), spec(explain=False))
    assert r.contributions is None
    with pytest.raises(IndexComputationError, match="explain"):
        explain_unit(r, "u00")


def test_deterministic():
    a, b = compute(toy_data(), spec()), compute(toy_data(), spec())
    pd.testing.assert_frame_equal(a.stages["aggregated"], b.stages["aggregated"])
    pd.testing.assert_frame_equal(a.log, b.log)
