import numpy as np
import pandas as pd
import pytest

from fanxing.awards.blend import blend, normalised, percentile


def test_declared_weights_are_normalised():
    assert normalised({"a": 2, "b": 6}) == {"a": 0.25, "b": 0.75}
    comps = pd.DataFrame({"a": [100.0, 0.0], "b": [0.0, 100.0]}, index=["x", "y"])
    out = blend(comps, {"a": 2, "b": 6})
    assert out.loc["x", "blended"] == pytest.approx(25.0)
    assert out.loc["y", "blended"] == pytest.approx(75.0)
    assert out.loc["x", ["w_a", "w_b"]].sum() == pytest.approx(1.0)


def test_a_missing_component_drops_out_and_the_rest_renormalise():
    comps = pd.DataFrame({"score": [80.0, 80.0], "jury": [np.nan, 20.0]}, index=["nojury", "jury"])
    out = blend(comps, {"score": 0.7, "jury": 0.3})
    assert out.loc["nojury", "blended"] == pytest.approx(80.0)
    assert out.loc["nojury", "w_score"] == pytest.approx(1.0) and out.loc["nojury", "w_jury"] == 0.0
    assert out.loc["jury", "blended"] == pytest.approx(0.7 * 80 + 0.3 * 20)


def test_all_missing_is_missing_and_zero_weights_count_nothing():
    comps = pd.DataFrame({"a": [np.nan, 10.0], "b": [np.nan, 90.0]}, index=["none", "x"])
    out = blend(comps, {"a": 1, "b": 0})
    assert np.isnan(out.loc["none", "blended"])
    assert out.loc["x", "blended"] == pytest.approx(10.0)


def test_percentile_scale():
    p = percentile(pd.Series([3.0, 1.0, np.nan, 2.0, 2.0]))
    assert p.tolist()[:2] == [100.0, 0.0] and np.isnan(p.iloc[2]) and p.iloc[3] == p.iloc[4] == 50.0
