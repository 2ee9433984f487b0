"""Unit tests of every stage function: denominate, impute, transforms, treatment, normalise, weights, aggregate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from fanxing.errors import IndexComputationError
from fanxing.index import aggregate as agg
from fanxing.index import normalise as nz
from fanxing.index import weights as wts
from fanxing.index.denominate import denominate, denominator_matrix
from fanxing.index.impute import impute
from fanxing.index.transform import apply_transform, boxcox, clip
from fanxing.index.treat import coinr_treat, skew_kurtosis, winsorise_percentiles

nan = np.nan


# ---- denominate ----------------------------------------------------------------------------

def test_denominate_divides_and_guards_zero():
    units = pd.Index(["a", "b", "c"])
    data = pd.DataFrame({"x": [1.0, 2, 3], "pop": [2.0, 0, 4]}, index=units)
    d = denominator_matrix(units, [None, "pop"], data, None)
    out = denominate(np.array([[1.0, 10], [2, 20], [3, 30]]), d)
    np.testing.assert_array_equal(out[:, 0], [1, 2, 3])
    np.testing.assert_array_equal(out[:, 1], [5, nan, 7.5])


def test_denominator_frame_aligned_on_units_and_missing_column():
    units = pd.Index(["a", "b"])
    dens = pd.DataFrame({"Pop": [10.0, 20.0]}, index=["b", "a"])
    d = denominator_matrix(units, ["Pop"], pd.DataFrame(index=units), dens)
    np.testing.assert_array_equal(d[:, 0], [20, 10])
    with pytest.raises(IndexComputationError, match="did you mean 'Pop'"):
        denominator_matrix(units, ["pop_"], pd.DataFrame(index=units), dens)


# ---- impute --------------------------------------------------------------------------------

X = np.array([[1.0, nan], [2, 4], [nan, 6], [5, 8], [10, nan]])
G = np.array(["g", "g", "g", "h", "h"])


def test_impute_none_mean_median():
    assert np.isnan(impute(X, "none")).sum() == 3
    np.testing.assert_allclose(impute(X, "mean")[2, 0], 4.5)
    np.testing.assert_allclose(impute(X, "median")[2, 0], 3.5)
    np.testing.assert_allclose(impute(X, "mean")[0, 1], 6.0)


def test_impute_by_group():
    gm = impute(X, "group_mean", G)
    assert gm[2, 0] == 1.5 and gm[0, 1] == 5.0 and gm[4, 1] == 8.0
    gmed = impute(X, "group_median", G)
    assert gmed[2, 0] == 1.5
    # a group with no value for an indicator stays missing
    x = np.array([[nan], [1.0]])
    assert np.isnan(impute(x, "group_mean", np.array(["p", "q"]))[0, 0])


def test_impute_works_on_stacked_arrays():
    stacked = np.stack([X, X * 2])
    out = impute(stacked, "mean")
    assert out.shape == (2, 5, 2)
    np.testing.assert_allclose(out[1, 2, 0], 9.0)


# ---- transforms and caps -------------------------------------------------------------------

def test_clip_counts():
    y, n = clip(np.array([-1.0, 0.5, 2, nan]), 0, 1)
    np.testing.assert_array_equal(y, [0, 0.5, 1, nan])
    assert n == 2


def test_transforms():
    x = np.array([1.0, np.e, nan])
    np.testing.assert_allclose(apply_transform(x, "log"), [0, 1, nan])
    np.testing.assert_allclose(apply_transform(x, "log1p"), np.log1p(x))
    np.testing.assert_allclose(apply_transform(np.array([4.0]), "boxcox", 0.5), [2.0])
    np.testing.assert_allclose(boxcox(np.array([2.0]), 0), [np.log(2)])
    x2 = np.array([1.0, 5.0, 30.0])
    np.testing.assert_allclose(apply_transform(x2, "boxcox", 0.3), stats.boxcox(x2, lmbda=0.3))
    with pytest.raises(IndexComputationError, match="'q'.*positive"):
        apply_transform(np.array([0.0, 1]), "log", code="q")
    with pytest.raises(IndexComputationError, match="above -1"):
        apply_transform(np.array([-1.0]), "log1p")


# ---- outlier treatment ---------------------------------------------------------------------

def test_skew_kurtosis_type2_matches_scipy_unbiased():
    rng = np.random.default_rng(3)
    x = rng.lognormal(size=(40, 3))
    x[5, 1] = nan
    s, k = skew_kurtosis(x, axis=0)
    for j in range(3):
        col = x[:, j][~np.isnan(x[:, j])]
        assert s[j] == pytest.approx(stats.skew(col, bias=False), rel=1e-12)
        assert k[j] == pytest.approx(stats.kurtosis(col, bias=False), rel=1e-12)


def test_coinr_winsorisation_clamps_the_max_then_stops():
    x = np.concatenate([np.linspace(1, 10, 30), [100.0]])[:, None]
    y, rep = coinr_treat(x, winmax=5)
    assert rep.action == ["winsorised"]
    assert y.max() == 10.0 and rep.n_high[0] == 1 and rep.winsorised[0] == 2  # two points now share 10
    s, k = skew_kurtosis(y, axis=0)
    assert not (abs(s[0]) > 2 and k[0] > 3.5)


def test_coinr_low_side_and_passing_columns_untouched():
    x = np.column_stack([np.concatenate([[-100.0], np.linspace(1, 10, 30)]), np.linspace(0, 1, 31)])
    y, rep = coinr_treat(x, winmax=5)
    assert rep.action == ["winsorised", "none"]
    assert y[0, 0] == 1.0 and rep.n_low[0] == 1
    np.testing.assert_array_equal(y[:, 1], x[:, 1])


def test_coinr_log_fallback_from_input_values():
    x = np.concatenate([np.ones(20), np.geomspace(2, 1e6, 12)])[:, None]
    y, rep = coinr_treat(x, winmax=2)
    assert rep.action == ["log_ct"]
    lo, hi = x.min(), x.max()
    np.testing.assert_allclose(y[:, 0], np.log(x[:, 0] - lo + 0.01 * (hi - lo)))


def test_coinr_fallback_none_and_boxcox():
    x = np.concatenate([np.ones(20), np.geomspace(2, 1e6, 12)])[:, None]
    y, rep = coinr_treat(x, winmax=2, fallback="none")
    assert rep.action == ["failed"]
    np.testing.assert_array_equal(y, x)
    y, rep = coinr_treat(x, winmax=2, fallback="boxcox", fallback_lambda=0.0)
    np.testing.assert_allclose(y[:, 0], np.log(x[:, 0] - 1 + 1))


def test_percentile_winsorising():
    x = np.arange(101, dtype=float)[:, None]
    y, changed = winsorise_percentiles(x, 0.05, 0.95)
    assert y.min() == 5 and y.max() == 95 and changed[0] == 10


# ---- normalisation -------------------------------------------------------------------------

XN = np.array([[1.0, 10], [2, 30], [4, 20], [nan, 40]])
DIR = np.array([1.0, -1.0])


def test_minmax_any_range_and_direction():
    y = nz.minmax(XN, DIR, 0, 100)
    np.testing.assert_allclose(y[:, 0], [0, 100 / 3, 100, nan])
    np.testing.assert_allclose(y[:, 1], [100, 100 / 3, 200 / 3, 0])
    y = nz.minmax(XN, DIR, 1, 10)
    assert np.nanmin(y) == 1 and np.nanmax(y) == 10
    const = nz.minmax(np.ones((3, 1)), np.ones(1), 0, 100)
    np.testing.assert_array_equal(const[:, 0], [50, 50, 50])


def test_goalposts_truncate():
    y = nz.goalposts(np.array([[0.0, 0], [5, 5], [20, 20]]), DIR, np.array([2.0, 2]), np.array([12.0, 12]))
    np.testing.assert_allclose(y[:, 0], [0, 30, 100])
    np.testing.assert_allclose(y[:, 1], [100, 70, 0])


def test_zscore_configurable():
    y = nz.zscore(XN, DIR, mean=100, sd=10)
    np.testing.assert_allclose(np.nanmean(y, axis=0), [100, 100])
    np.testing.assert_allclose(np.nanstd(y, axis=0, ddof=1), [10, 10])
    assert y[3, 1] < y[0, 1]  # direction -1: larger raw value scores lower


def test_rank_percentile_borda():
    x = np.array([[3.0], [1], [2], [2], [nan]])
    d = np.ones(1)
    np.testing.assert_array_equal(nz.rank(x, d)[:, 0], [4, 1, 2.5, 2.5, nan])
    np.testing.assert_allclose(nz.percentile_rank(x, d)[:, 0], [100, 0, 50, 50, nan])
    np.testing.assert_array_equal(nz.borda(x, d)[:, 0], [3, 0, 1, 1, nan])
    np.testing.assert_array_equal(nz.rank(x, -d)[:, 0], [1, 4, 2.5, 2.5, nan])


def test_distances():
    x = np.array([[1.0], [2], [4]])
    np.testing.assert_allclose(nz.distance_to_max(x, np.ones(1))[:, 0], [25, 50, 100])
    np.testing.assert_allclose(nz.distance_to_max(x, -np.ones(1))[:, 0], [100, 50, 25])
    np.testing.assert_allclose(nz.distance_to_target(x, np.ones(1), np.array([3.0]))[:, 0], [0, 50, 100])
    np.testing.assert_allclose(nz.distance_to_target(x, np.ones(1), np.array([3.0]), cap=False)[:, 0], [0, 50, 150])
    np.testing.assert_allclose(nz.distance_to_target(x, -np.ones(1), np.array([2.0]))[:, 0], [100, 100, 0])
    np.testing.assert_allclose(nz.distance_to_reference(x, np.ones(1), 1)[:, 0], [0, 100, 300])
    np.testing.assert_allclose(nz.distance_to_reference(x, np.ones(1), 1, cap=True)[:, 0], [0, 100, 100])
    with pytest.raises(IndexComputationError, match="positive"):
        nz.distance_to_max(np.array([[0.0], [1]]), np.ones(1))


@pytest.mark.parametrize("method", ["minmax", "zscore", "rank", "percentile_rank", "borda", "distance_to_max", "none"])
def test_normalise_on_stacked_replications(method):
    rng = np.random.default_rng(0)
    x = rng.uniform(1, 5, size=(3, 7, 2))
    y = nz.normalise(x, method, DIR)
    assert y.shape == x.shape
    np.testing.assert_allclose(y[1], nz.normalise(x[1], method, DIR))


# ---- weights -------------------------------------------------------------------------------

def test_equal_and_normalised():
    np.testing.assert_allclose(wts.equal(4), 0.25)
    np.testing.assert_allclose(wts.normalised(np.array([1.0, 3])), [0.25, 0.75])
    np.testing.assert_allclose(wts.normalised(np.zeros(2)), [0.5, 0.5])


def test_entropy_prefers_dispersed_column():
    x = np.array([[1.0, 5], [1, 1], [1, 9], [1.1, 2]])
    w = wts.entropy(x)
    assert w.sum() == pytest.approx(1) and w[1] > w[0]
    p = x / x.sum(axis=0)
    e = -(p * np.log(p)).sum(axis=0) / np.log(4)
    np.testing.assert_allclose(w, (1 - e) / (1 - e).sum())


def test_critic_matches_definition():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 3))
    z = (x - x.min(0)) / (x.max(0) - x.min(0))
    info = z.std(axis=0, ddof=1) * (1 - np.corrcoef(z, rowvar=False)).sum(axis=1)
    np.testing.assert_allclose(wts.critic(x), info / info.sum())


def test_pca_first_component_loadings():
    rng = np.random.default_rng(2)
    f = rng.normal(size=(200, 1))
    x = np.column_stack([f[:, 0] + 0.1 * rng.normal(size=200), f[:, 0] + 0.1 * rng.normal(size=200),
                         rng.normal(size=200)])
    w = wts.pca(x)
    assert w.sum() == pytest.approx(1) and w[2] < 0.05 and w[0] == pytest.approx(w[1], abs=0.05)
    vals, vecs = np.linalg.eigh(np.corrcoef(x, rowvar=False))
    np.testing.assert_allclose(w, vecs[:, -1] ** 2)


def test_data_driven_weights_on_stacks():
    rng = np.random.default_rng(4)
    x = rng.uniform(size=(5, 20, 3))
    for fn in (wts.entropy, wts.critic, wts.pca):
        w = fn(x)
        assert w.shape == (5, 3)
        np.testing.assert_allclose(w.sum(axis=-1), 1)
        np.testing.assert_allclose(w[2], fn(x[2]))


# ---- aggregation ---------------------------------------------------------------------------

XA = np.array([[1.0, 4], [2, 8], [3, nan]])
WA = np.array([1.0, 3.0])


def test_means():
    np.testing.assert_allclose(agg.aggregate(XA, WA, "arithmetic"), [3.25, 6.5, 3])
    np.testing.assert_allclose(agg.aggregate(XA, WA, "geometric")[0], np.exp((np.log(1) + 3 * np.log(4)) / 4))
    np.testing.assert_allclose(agg.aggregate(XA, WA, "harmonic")[0], 4 / (1 + 3 / 4))
    np.testing.assert_allclose(agg.aggregate(XA, WA, "power", power=2)[0], np.sqrt((1 + 3 * 16) / 4))
    np.testing.assert_allclose(agg.aggregate(XA, WA, "power", power=0), agg.aggregate(XA, WA, "geometric"))
    np.testing.assert_allclose(agg.aggregate(XA, WA, "power", power=1), agg.aggregate(XA, WA, "arithmetic"))


def test_min_share_makes_aggregate_missing():
    out = agg.aggregate(XA, WA, "arithmetic", min_share=0.75)
    assert np.isnan(out[2]) and out[0] == 3.25
    assert np.isnan(agg.aggregate(np.array([[nan, nan]]), WA)[0])


def test_geometric_needs_positive_values():
    with pytest.raises(IndexComputationError, match=r"\[1, 100\]"):
        agg.aggregate(np.array([[0.0, 1]]), WA, "geometric")


def test_copeland_pairwise_majority():
    x = np.array([[3.0, 3, 1], [2, 2, 2], [1, 1, 3]])
    w = np.ones(3)
    np.testing.assert_array_equal(agg.aggregate(x, w, "copeland"), [2, 0, -2])
    # a heavy weight on the third child reverses the majority
    np.testing.assert_array_equal(agg.aggregate(x, np.array([1.0, 1, 5]), "copeland"), [-2, 0, 2])
    # chunking does not change the result
    rng = np.random.default_rng(5)
    big = rng.normal(size=(50, 4))
    np.testing.assert_array_equal(agg.copeland(big, np.ones(4), chunk_cells=300), agg.copeland(big, np.ones(4)))


@pytest.mark.parametrize("method", ["arithmetic", "geometric", "harmonic", "power", "copeland"])
def test_aggregate_on_stacks(method):
    rng = np.random.default_rng(6)
    x = rng.uniform(1, 2, size=(4, 9, 3))
    w = rng.uniform(size=(4, 3))
    out = agg.aggregate(x, w, method, power=2)
    assert out.shape == (4, 9)
    np.testing.assert_allclose(out[3], agg.aggregate(x[3], w[3], method, power=2))
