"""Drama indicators computed through Ibis in a real warehouse: a DuckDB file, and Spark in local mode."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fanxing.drama.indicators import INDICATORS, compute_indicators
from fanxing.drama.periods import Season

SEASON = Season("2024", dt.date(2024, 1, 1), dt.date(2024, 3, 31))


def make_facts(n_dramas: int = 12, scale: dict[str, float] | None = None, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    scale = scale or {"douyin": 100.0, "iqiyi": 1.0}
    dates = pd.date_range(SEASON.start, SEASON.end).date
    rows = []
    for d in range(n_dramas):
        release = SEASON.start + dt.timedelta(days=3 * d)
        hit = float(rng.lognormal(0, 1))
        for p, s in scale.items():
            if p == "iqiyi" and d % 3 == 0:
                continue
            for day in dates:
                age = (day - release).days
                if age < 0:
                    continue
                plays = int(100_000 * s * hit * np.exp(-age / 20)) + 1
                rows.append(dict(date=day, platform=p, drama_id=f"D{d:02d}", plays=plays,
                                 likes=plays // 20, comments=plays // 200, shares=plays // 500,
                                 favorites=plays // 100, completion_rate=0.3 + 0.02 * (d % 5),
                                 watch_minutes=plays * 1.5, revenue_cny=plays * 0.01,
                                 rating=7.0 + (d % 3) * 0.5))
    dramas = pd.DataFrame({
        "drama_id": [f"D{d:02d}" for d in range(n_dramas)],
        "release_date": [SEASON.start + dt.timedelta(days=3 * d) for d in range(n_dramas)],
    })
    return pd.DataFrame(rows), dramas


@pytest.fixture
def warehouse(tmp_path, engine_name):
    """A real warehouse on each engine (a DuckDB file; a Spark directory in local mode)."""
    from engine_helpers import warehouse_path
    from fanxing.warehouse import Warehouse

    wh = Warehouse.connect(warehouse_path(tmp_path, engine_name), engine=engine_name)
    yield wh.con
    wh.close()


def load(con, facts, dramas):
    return con.create_table("facts", facts, overwrite=True), con.create_table("dramas", dramas, overwrite=True)


WEIGHTS = pd.Series({"douyin": 3.0, "iqiyi": 1.0})


def test_every_indicator_is_computed_for_every_period_kind(warehouse):
    f, d = load(warehouse, *make_facts())
    for kind in ("annual", "monthly", "weekly", "launch7", "launch30"):
        df = compute_indicators(f, d, kind, SEASON, WEIGHTS)
        assert set(INDICATORS) <= set(df.columns)
        assert not df.duplicated(["period", "drama_id"]).any()
    annual = compute_indicators(f, d, "annual", SEASON, WEIGHTS)
    assert set(annual["period"]) == {"2024"} and len(annual) == 12
    monthly = compute_indicators(f, d, "monthly", SEASON, WEIGHTS)
    assert set(monthly["period"]) == {"2024-01", "2024-02", "2024-03"}
    weekly = compute_indicators(f, d, "weekly", SEASON, WEIGHTS)
    assert weekly["period"].str.match(r"^2024-W\d\d$").all()


def test_harmonisation_makes_platform_scale_irrelevant(warehouse):
    """Multiplying every play on one platform by a constant changes no indicator."""
    f1, d = load(warehouse, *make_facts(scale={"douyin": 100.0, "iqiyi": 1.0}))
    a = compute_indicators(f1, d, "annual", SEASON, WEIGHTS).set_index("drama_id")
    f2, d = load(warehouse, *make_facts(scale={"douyin": 10.0, "iqiyi": 1.0}))
    b = compute_indicators(f2, d, "annual", SEASON, WEIGHTS).set_index("drama_id")
    for col in ("eq_plays", "breadth", "interaction_rate", "completion", "eq_revenue", "retention"):
        np.testing.assert_allclose(a[col], b[col], rtol=5e-3, err_msg=col)


def test_breadth_is_the_reach_weight_of_the_platforms_carrying_the_drama(warehouse):
    f, d = load(warehouse, *make_facts())
    df = compute_indicators(f, d, "annual", SEASON, WEIGHTS).set_index("drama_id")
    assert df.loc["D00", "breadth"] == pytest.approx(0.75)  # douyin only (3 of 4)
    assert df.loc["D01", "breadth"] == pytest.approx(1.0)
    assert (df["active_ratio"] <= 1).all() and (df["active_ratio"] > 0).all()
    assert ((df["retention"] >= 0) & (df["retention"] <= 1)).all()


def test_eq_plays_follows_plays_within_a_platform(warehouse):
    facts, dramas = make_facts(scale={"douyin": 1.0})
    f, d = load(warehouse, facts, dramas)
    df = compute_indicators(f, d, "launch7", SEASON, pd.Series({"douyin": 1.0})).set_index("drama_id")
    plays = facts[(facts.date - facts.drama_id.map(dramas.set_index("drama_id").release_date)).map(lambda x: x.days) < 7]
    plays = plays.groupby("drama_id").plays.sum()
    common = df.index.intersection(plays.index)
    np.testing.assert_allclose(df.loc[common, "eq_plays"], plays[common] / plays[common].mean(), rtol=1e-9)


def test_launch_windows_only_include_complete_windows(warehouse):
    f, d = load(warehouse, *make_facts())
    l30 = compute_indicators(f, d, "launch30", SEASON, WEIGHTS)
    last_ok = SEASON.end - dt.timedelta(days=29)
    ids = set(l30["drama_id"])
    for i in range(12):
        release = SEASON.start + dt.timedelta(days=3 * i)
        assert (f"D{i:02d}" in ids) == (release <= last_ok)


def test_variants_in_one_query_equal_separate_computations(warehouse):
    """Adjusted and raw indicators from one query over adjusted facts are the frames computed
    separately from the raw facts and from the facts with the adjusted values in place — including
    rows where one variant has no plays (the drama is a unit of one variant only)."""
    from fanxing.drama.indicators import compute_indicator_variants

    facts, dramas = make_facts()
    adj = facts.copy()
    rng = np.random.default_rng(5)
    hit = rng.random(len(adj)) < 0.05
    adj["plays_adj"] = np.where(hit, adj["plays"] // 4, adj["plays"])
    adj.loc[adj["drama_id"] == "D03", "plays_adj"] = 0  # D03 has no adjusted plays at all
    adj["likes_adj"] = np.where(rng.random(len(adj)) < 0.05, adj["likes"] * 0 + 1, adj["likes"])
    swapped = facts.assign(plays=adj["plays_adj"], likes=adj["likes_adj"])

    con = warehouse
    d = con.create_table("dramas", dramas, overwrite=True)
    t_adj = con.create_table("facts_adj", adj, overwrite=True)
    t_raw = con.create_table("facts_raw", facts, overwrite=True)
    t_swapped = con.create_table("facts_swapped", swapped, overwrite=True)
    for kind in ("annual", "monthly", "weekly", "launch7"):
        both = compute_indicator_variants(t_adj, d, kind, SEASON, WEIGHTS, ("_adj", ""))
        expect_adj = compute_indicators(t_swapped, d, kind, SEASON, WEIGHTS)
        expect_raw = compute_indicators(t_raw, d, kind, SEASON, WEIGHTS)
        assert "D03" not in set(both["_adj"]["drama_id"]) and "D03" in set(both[""]["drama_id"])
        pd.testing.assert_frame_equal(both["_adj"], expect_adj, check_exact=False, rtol=1e-11, atol=0)
        pd.testing.assert_frame_equal(both[""], expect_raw, check_exact=False, rtol=1e-11, atol=0)


def test_adjusting_after_the_period_filter_equals_adjusted_facts(warehouse):
    """``adjust=`` (the build's way: raw sums over every fact, plus what the adjustments change on the
    adjusted days) gives the frames of the facts adjusted up front, for every period kind and every
    integrity mode, also where ``exclude`` drops every day of a (period, platform, drama)."""
    from functools import partial

    from fanxing.drama.indicators import compute_indicator_variants, per_platform
    from fanxing.integrity import IntegrityConfig
    from fanxing.integrity.adjust import adjustments, apply_adjustments
    from fanxing.integrity.config import ADJUSTABLE

    facts, dramas = make_facts()
    # scattered days, and every day of D04 on douyin in February: ``exclude`` leaves that month (and
    # its weeks) with no plays at all, so the adjusted sums there are NULL, not 0
    whole = (facts.drama_id == "D04") & (facts.platform == "douyin") & (pd.to_datetime(facts.date).dt.month == 2)
    flagged = pd.concat([facts[(facts.index % 17 == 0) & ~whole].head(40), facts[whole]])
    days = pd.DataFrame({
        "drama_id": flagged["drama_id"], "platform": flagged["platform"], "date": flagged["date"],
        "indicator": np.where((np.arange(len(flagged)) % 3 == 0) & ~whole[flagged.index].to_numpy(), "likes", "plays"),
        "reason": "spike", "severity_rank": 2, "score": 9.0,
        "expected": flagged["plays"].to_numpy() / 3.0, "observed": flagged["plays"].astype(float),
        "others_z": np.nan})
    con = warehouse
    f, d = load(con, facts, dramas)
    config = IntegrityConfig()
    piv = con.create_table("piv", adjustments(con.create_table("days", days, overwrite=True),
                                              [c for c in ADJUSTABLE if c in facts.columns], config).to_pandas(),
                           overwrite=True)
    for mode in ("discount", "exclude"):
        for kind in ("annual", "monthly", "weekly", "launch7", "launch30"):
            up_front = compute_indicator_variants(apply_adjustments(f, piv, mode, config), d, kind, SEASON, WEIGHTS)
            after = compute_indicator_variants(f, d, kind, SEASON, WEIGHTS,
                                               adjust=partial(apply_adjustments, piv=piv, mode=mode, config=config))
            for sfx in ("_adj", ""):
                pd.testing.assert_frame_equal(after[sfx], up_front[sfx], check_exact=False, rtol=1e-11, atol=0)
            if kind == "annual":
                assert not after["_adj"].equals(after[""])  # the adjustments did change something
        if mode == "exclude":
            pp = per_platform(f, d, "monthly", SEASON, ("_adj", ""),
                              adjust=partial(apply_adjustments, piv=piv, mode=mode, config=config)).to_pandas()
            feb = pp[(pp.drama_id == "D04") & (pp.platform == "douyin") & (pd.to_datetime(pp.period_start) == pd.Timestamp(2024, 2, 1))]
            assert len(feb) == 1 and feb.plays_adj.isna().all() and (feb.active_days_adj == 0).all()
            assert (feb.plays > 0).all() and (feb.active_days == 29).all()


@pytest.mark.parametrize("kind", ["monthly", "weekly", "annual"])
def test_period_blocks_give_the_indicators_of_one_query(warehouse, engine_name, kind):
    """Months and weeks queried in runs of whole periods (``blocks``) give the same units and values;
    the season starts mid-week so that the first week is clipped."""
    from fanxing.drama.indicators import compute_indicator_variants, period_blocks

    season = Season("s", dt.date(2024, 1, 3), dt.date(2024, 3, 31))
    facts, dramas = make_facts(n_dramas=8)
    f, d = load(warehouse, facts, dramas)
    whole = compute_indicator_variants(f, d, kind, season, WEIGHTS, ("",))[""]
    for blocks in (3, 100) if engine_name == "duckdb" else (3,):  # a Spark query costs seconds
        ranges = period_blocks(kind, season, blocks)
        if kind == "annual":
            assert ranges == [(None, None)]
        else:
            assert ranges[0][0] == season.start and ranges[-1][1] == season.end
            assert all((b[0] - a[1]).days == 1 for a, b in zip(ranges, ranges[1:], strict=False))
        parts = compute_indicator_variants(f, d, kind, season, WEIGHTS, ("",), blocks=blocks)[""]
        pd.testing.assert_frame_equal(parts, whole, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("kind", ["weekly", "monthly", "annual"])
def test_indicators_do_not_depend_on_the_order_of_the_facts(warehouse, engine_name, kind):
    """The engine sums floating-point values exactly and the driver harmonises the sums in one fixed
    order, so the indicators — before any rounding — are the same bits whatever order the engine
    adds the rows in (DuckDB adds in parallel, in an order that varies from run to run). Here the
    facts are stored in two orders."""
    from fanxing.drama.indicators import _variant_frames

    if engine_name == "spark" and kind != "weekly":
        pytest.skip("one kind is enough on Spark (a query costs seconds)")
    facts, dramas = make_facts(n_dramas=10)
    rng = np.random.default_rng(5)
    # values whose sums are not exact in floating point, spread over magnitudes
    facts["revenue_cny"] = facts["plays"] * rng.uniform(0.001, 0.05, len(facts)) * 10.0 ** rng.integers(-2, 3, len(facts))
    facts["completion_rate"] = rng.uniform(0.05, 0.95, len(facts))
    facts["rating"] = rng.uniform(1.0, 9.9, len(facts))
    out = []
    for order in (np.arange(len(facts)), rng.permutation(len(facts))):
        f, d = load(warehouse, facts.iloc[order].reset_index(drop=True), dramas)
        frames = _variant_frames(f, d, kind, SEASON, WEIGHTS, ("",), None)
        out.append(frames[""].sort_values(["period_start", "drama_id"]).reset_index(drop=True))
    pd.testing.assert_frame_equal(out[0], out[1], check_exact=True)


def test_a_value_too_large_to_sum_exactly_is_a_clear_error(tmp_path):
    from fanxing.drama.indicators import compute_indicators
    from fanxing.errors import BuildError
    from fanxing.warehouse import Warehouse

    facts, dramas = make_facts(n_dramas=3)
    facts.loc[5, "revenue_cny"] = 5e18  # no real revenue in yuan; beyond the exact sums' range
    with Warehouse.connect(tmp_path / "w.duckdb") as wh:
        f, d = load(wh.con, facts, dramas)
        with pytest.raises(BuildError, match="too large to be summed exactly") as e:
            compute_indicators(f, d, "annual", SEASON, WEIGHTS)
        assert e.value.code == "value_too_large"
