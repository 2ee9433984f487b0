import numpy as np
import pandas as pd
import pytest
from scipy import stats

from fanxing.awards.jury import agreement, complete_block, icc21, jury_stats, kendall_w, recuse

# Shrout & Fleiss (1979), Table 2: 6 targets × 4 judges; ICC(2,1) = 0.29
SF = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], dtype=float)


def long(matrix, category="influence", institutions=None):
    rows = []
    for i, r in enumerate(matrix):
        for j, s in enumerate(r):
            if not np.isnan(s):
                rows.append({"drama_id": f"d{i}", "category": category, "juror": f"j{j}", "score": float(s),
                             "institution": (institutions or {}).get(f"j{j}", "")})
    return pd.DataFrame(rows)


def test_icc21_matches_shrout_fleiss():
    assert icc21(SF) == pytest.approx(0.2898, abs=1e-4)


def test_perfect_agreement_and_pure_noise():
    true = np.linspace(10, 90, 12)
    assert icc21(np.column_stack([true] * 5)) == pytest.approx(1.0)
    assert kendall_w(np.column_stack([true] * 5)) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    noise = rng.normal(50, 10, size=(300, 6))
    assert abs(icc21(noise)) < 0.05
    assert kendall_w(noise) == pytest.approx(1 / 6, abs=0.03)  # E[W] = 1/m without agreement


def test_icc_grows_with_agreement():
    rng = np.random.default_rng(3)
    true = rng.normal(60, 15, size=(40, 1))
    noisy = true + rng.normal(0, 15, size=(40, 6))
    tight = true + rng.normal(0, 3, size=(40, 6))
    assert icc21(tight) > 0.9 > icc21(noisy)
    # a rater with a constant offset lowers absolute agreement (ICC(2,1)), not rank agreement (W)
    shifted = tight.copy()
    shifted[:, 0] += 30
    assert icc21(shifted) < icc21(tight)
    assert kendall_w(shifted) == pytest.approx(kendall_w(tight))


def test_kendall_w_agrees_with_friedman_including_ties():
    m = np.array([[1, 1, 2], [2, 3, 1], [3, 2, 3], [3, 4, 4], [5, 5, 5]], dtype=float)
    n, k = m.shape
    chi2 = stats.friedmanchisquare(*[m[i] for i in range(n)]).statistic  # objects as "treatments"
    assert kendall_w(m) == pytest.approx(chi2 / (k * (n - 1)))


def test_trimmed_mean_sd_and_min_jurors():
    jury = long(np.array([[10, 60, 62, 64, 66, 68, 70, 72, 74, 100.0], [50, 60, np.nan, np.nan, np.nan, np.nan,
                                                                          np.nan, np.nan, np.nan, np.nan]]))
    st = jury_stats(jury, jury.iloc[0:0], trim=0.1, min_jurors=3)
    d0 = st.loc[("influence", "d0")]
    assert d0["trimmed_mean"] == pytest.approx(67.0)  # 10 and 100 cut
    assert d0["mean"] == pytest.approx(64.6)
    assert d0["sd"] == pytest.approx(np.std([10, 60, 62, 64, 66, 68, 70, 72, 74, 100], ddof=1))
    assert bool(d0["enough"]) and not bool(st.loc[("influence", "d1"), "enough"])
    assert st.loc[("influence", "d1"), "n_jurors"] == 2
    # with trim 0 the trimmed mean is the mean
    st0 = jury_stats(jury, jury.iloc[0:0], trim=0.0, min_jurors=1)
    assert st0.loc[("influence", "d0"), "trimmed_mean"] == pytest.approx(64.6)


def test_recusal_of_own_institution_only():
    jury = long(np.array([[80, 90, 70.0], [60, 65, 70.0]]), institutions={"j0": " 星河 影业 ", "j1": ""})
    dramas = pd.DataFrame({"producer": ["星河影业", "别家"]}, index=["d0", "d1"])
    kept, recused = recuse(jury, dramas)
    assert list(zip(recused["drama_id"], recused["juror"], strict=True)) == [("d0", "j0")]
    assert len(kept) == 5
    st = jury_stats(kept, recused, 0.0, 1)
    assert st.loc[("influence", "d0"), "n_recused"] == 1 and st.loc[("influence", "d0"), "n_jurors"] == 2
    assert st.loc[("influence", "d0"), "trimmed_mean"] == pytest.approx(80.0)
    kept2, recused2 = recuse(jury, dramas, enabled=False)
    assert len(kept2) == 6 and recused2.empty


def test_agreement_uses_the_complete_block():
    m = SF.copy()
    gappy = np.vstack([m, [[5, np.nan, np.nan, 3]]])  # a drama two jurors did not score
    a = agreement(long(gappy), "influence")
    assert a.n_dramas == 6 and a.n_jurors == 4 and a.icc21 == pytest.approx(0.2898, abs=1e-4)
    # a juror who scored almost nothing is set aside rather than emptying the block
    sparse = np.column_stack([m, [np.nan, np.nan, np.nan, np.nan, np.nan, 4]])
    block = complete_block(long(sparse))
    assert block.shape == (6, 4) and "j4" not in block.columns
    assert agreement(long(m), "innovation").n_dramas == 0


def test_vectorised_trimmed_mean_equals_scipy():
    rng = np.random.default_rng(5)
    rows = []
    for d in range(40):
        for j in range(int(rng.integers(1, 12))):
            rows.append({"category": "c", "drama_id": f"d{d}", "juror": f"j{j}", "score": float(rng.integers(0, 101))})
    frame = pd.DataFrame(rows)
    for trim in (0.0, 0.1, 0.2, 0.25, 0.4):
        st = jury_stats(frame, frame.iloc[0:0], trim, 1)
        for (cat, did), grp in frame.groupby(["category", "drama_id"]):
            assert st.loc[(cat, did), "trimmed_mean"] == pytest.approx(stats.trim_mean(grp["score"].to_numpy(), trim))
