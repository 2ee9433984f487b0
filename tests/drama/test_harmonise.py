"""The driver's harmonisation of per-platform sums (``fanxing.drama.harmonise``) against a plain,
unit-by-unit reading of the methodology (docs/methodology.md §2), its NULL rules, and its order."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from fanxing.drama.harmonise import DRAMA_COLUMNS, harmonise_frame

WEIGHTS = pd.Series({"douyin": 3.0, "kuaishou": 2.0, "iqiyi": 1.0})  # "bilibili" has no weight: it weighs 0


def make_pp(seed: int = 3, n_dramas: int = 40) -> pd.DataFrame:
    """Per-platform sums of two periods, with NULLs where the build's sums can have them."""
    rng = np.random.default_rng(seed)
    rows = []
    for period in (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")):
        for d in range(n_dramas):
            for p in ("douyin", "kuaishou", "iqiyi", "bilibili"):
                if rng.random() < 0.35:
                    continue
                plays = int(rng.integers(0, 10 ** int(rng.integers(1, 7))))
                rows.append({
                    "period_start": period, "platform": p, "drama_id": f"D{d:03d}", "window_days": 31 - d % 5,
                    "plays": plays, "likes": plays // 7, "comments": plays // 50, "shares": plays // 90,
                    "favorites": plays // 30, "interactions": plays // 7 + plays // 50 + plays // 90 + plays // 30,
                    "revenue": plays * rng.uniform(0, 0.03) if rng.random() < 0.8 else 0.0,
                    "completion_w": plays * rng.uniform(0.1, 0.9) if rng.random() < 0.8 else np.nan,
                    "rating_w": plays * rng.uniform(3, 9.5) if rng.random() < 0.7 else np.nan,
                    "late_plays": plays // 3, "active_days": int(rng.integers(0, 31)),
                })
    pp = pd.DataFrame(rows)
    pp["completion_plays"] = np.where(pp.completion_w.notna(), pp.plays, np.nan)
    pp["rating_plays"] = np.where(pp.rating_w.notna(), pp.plays, np.nan)
    # a unit whose every platform row lost its plays (integrity's ``exclude`` mode), one with no plays
    pp.loc[(pp.drama_id == "D007") & (pp.period_start == pd.Timestamp("2024-01-01")), "plays"] = np.nan
    pp.loc[(pp.drama_id == "D008"), ["plays", "late_plays", "likes", "interactions"]] = 0
    return pp


def _div(a: float, b: float) -> float:
    return a / b if b is not None and not math.isnan(b) and b > 0 and not math.isnan(a) else math.nan


def _sum(values) -> float:
    values = [v for v in values if not math.isnan(v)]
    return math.fsum(values) if values else math.nan


def reference(pp: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """The methodology unit by unit, in plain Python (``math.fsum``: exact sums)."""
    w_of = (weights / weights.sum()).to_dict()
    norms = {}
    for (period, platform), g in pp.groupby(["period_start", "platform"]):
        f = g.astype({c: float for c in g.columns if c not in ("period_start", "platform", "drama_id")})

        def mean(x):
            x = [v for v in x if not math.isnan(v)]
            return math.fsum(x) / len(x) if x else math.nan

        s_plays = _sum(f.plays)
        norms[(period, platform)] = {
            "m_plays": mean(f.plays), "m_shares": mean(f.shares), "m_inter": mean(f.interactions),
            "m_revenue": mean(f.revenue[f.revenue > 0]),
            "r_inter": _div(_sum(f.interactions), s_plays), "r_comment": _div(_sum(f.comments), s_plays),
            "r_positive": _div(_sum(f.likes + f.favorites), s_plays),
            "r_completion": _div(_sum(f.completion_w), _sum(f.completion_plays)),
            "r_rpp": _div(_sum(f.revenue), s_plays),
        }
    out = []
    for (period, drama), g in pp.groupby(["period_start", "drama_id"]):
        acc = {k: [] for k in ("eq_plays", "eq_shares", "eq_inter", "eq_revenue", "eq_late", "breadth",
                               "plays", "rw", "rp")}
        rates = {k: ([], []) for k in ("interaction_rate", "comment_rate", "completion", "positive_rate",
                                       "revenue_per_play")}
        platforms = 0
        for r in g.astype({c: float for c in g.columns if c not in ("period_start", "platform", "drama_id")}).itertuples():
            n = norms[(period, r.platform)]
            w = w_of.get(r.platform, 0.0)

            def rel(x, m):
                v = _div(x, m)
                return 0.0 if math.isnan(v) else v
            rel_plays = rel(r.plays, n["m_plays"])
            acc["eq_plays"].append(w * rel_plays)
            acc["eq_shares"].append(w * rel(r.shares, n["m_shares"]))
            acc["eq_inter"].append(w * rel(r.interactions, n["m_inter"]))
            acc["eq_revenue"].append(w * rel(r.revenue, n["m_revenue"]))
            acc["eq_late"].append(w * rel(r.late_plays, n["m_plays"]))
            if r.plays > 0:
                acc["breadth"].append(w)
                platforms += 1
            acc["plays"].append(r.plays)
            rating = _div(r.rating_w, r.rating_plays)
            if not math.isnan(rating):
                acc["rw"].append(r.plays * rating)
                acc["rp"].append(r.plays)
            for k, v in (("interaction_rate", _div(_div(r.interactions, r.plays), n["r_inter"])),
                         ("comment_rate", _div(_div(r.comments, r.plays), n["r_comment"])),
                         ("completion", _div(_div(r.completion_w, r.completion_plays), n["r_completion"])),
                         ("positive_rate", _div(_div(r.likes + r.favorites, r.plays), n["r_positive"])),
                         ("revenue_per_play", _div(_div(r.revenue, r.plays), n["r_rpp"]))):
                if not math.isnan(v):
                    rates[k][0].append(w * rel_plays * v)
                    rates[k][1].append(w * rel_plays)
        eq_plays = _sum(acc["eq_plays"])
        row = {"period_start": period, "drama_id": drama, "eq_plays": eq_plays, "eq_shares": _sum(acc["eq_shares"]),
               "breadth": _sum(acc["breadth"]), "eq_interactions": _sum(acc["eq_inter"]),
               "rating": _div(_sum(acc["rw"]), _sum(acc["rp"])), "eq_revenue": _sum(acc["eq_revenue"]),
               "plays_total": _sum(acc["plays"]), "platforms": platforms,
               "active_ratio": min(g.active_days.max() / g.window_days.max(), 1.0),
               "retention": _div(_sum(acc["eq_late"]), eq_plays)}
        for k, (num, den) in rates.items():
            row[k] = _div(_sum(num), _sum(den))
        out.append(row)
    return pd.DataFrame(out)


def test_harmonise_frame_is_the_methodology_unit_by_unit():
    pp = make_pp()
    got = harmonise_frame(pp, WEIGHTS).set_index(["period_start", "drama_id"])
    want = reference(pp, WEIGHTS).set_index(["period_start", "drama_id"])
    assert list(got.index) == sorted(want.index)  # one row per (period, drama), in that order
    for c in DRAMA_COLUMNS:
        np.testing.assert_allclose(got[c].to_numpy(float), want.loc[got.index, c].to_numpy(float),
                                   rtol=1e-13, atol=0, equal_nan=True, err_msg=c)
    # the NULL rules: no plays at all → no total, no breadth, no rates; a zero-play unit has totals of 0
    lost = got.loc[(pd.Timestamp("2024-01-01"), "D007")]
    assert math.isnan(lost["plays_total"]) and math.isnan(lost["breadth"]) and lost["platforms"] == 0
    assert math.isnan(lost["interaction_rate"]) and lost["eq_plays"] == 0.0
    zero = got.loc[(pd.Timestamp("2024-01-01"), "D008")]
    assert zero["plays_total"] == 0 and zero["platforms"] == 0 and math.isnan(zero["retention"])


def test_a_platform_without_weight_weighs_nothing():
    pp = make_pp()
    with_b = harmonise_frame(pp, WEIGHTS).set_index(["period_start", "drama_id"])
    others = pp[pp.platform != "bilibili"]
    without = harmonise_frame(others, WEIGHTS).set_index(["period_start", "drama_id"])
    common = without.index
    for c in ("eq_plays", "eq_shares", "breadth", "eq_revenue"):
        np.testing.assert_allclose(with_b.loc[common, c], without[c], rtol=1e-13, err_msg=c)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_harmonise_frame_does_not_depend_on_the_order_of_its_rows(seed):
    """The engine hands over its rows in any order; the result is the same bits."""
    pp = make_pp()
    a = harmonise_frame(pp, WEIGHTS, ("",))
    b = harmonise_frame(pp.sample(frac=1.0, random_state=seed).reset_index(drop=True), WEIGHTS, ("",))
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_variants_are_harmonised_side_by_side():
    pp = make_pp()
    adj = pp.copy()
    adj["plays"] = adj["plays"] // 2
    both = pp.join(adj.drop(columns=["period_start", "platform", "drama_id", "window_days"]).add_suffix("_adj"))
    out = harmonise_frame(both, WEIGHTS, ("_adj", ""))
    alone = harmonise_frame(adj, WEIGHTS, ("",))
    for c in DRAMA_COLUMNS:
        np.testing.assert_array_equal(out[f"{c}_adj"].to_numpy(float), alone[c].to_numpy(float), err_msg=c)
    np.testing.assert_array_equal(out["eq_plays"].to_numpy(float), harmonise_frame(pp, WEIGHTS)["eq_plays"].to_numpy(float))


def test_no_rows():
    pp = make_pp().iloc[:0]
    out = harmonise_frame(pp, WEIGHTS)
    assert len(out) == 0 and {"period_start", "drama_id", *DRAMA_COLUMNS} <= set(out.columns)
