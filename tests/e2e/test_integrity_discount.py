"""Bought traffic cannot buy a rank: a tenfold play inflation for a week barely moves a drama."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from fanxing.demo import generate_season
from fanxing.publish.build import build

pytestmark = pytest.mark.slow


def _inflate(season, drama_id: str, platform: str, factor: float, days: int) -> tuple[str, str]:
    """Multiply the drama's plays by ``factor`` on ``days`` consecutive days of one UTF-8 export."""
    files = sorted((season / "metrics").glob(f"{platform}_2024-*.csv"))
    for path in files:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        mine = df.index[(df["drama_id"] == drama_id) & df["plays"].str.fullmatch(r"\d+")]
        if len(mine) < days + 10:
            continue
        rows = mine[5:5 + days]  # a week after the first days of the month, well inside the series
        df.loc[rows, "plays"] = (df.loc[rows, "plays"].astype("int64") * factor).round().astype("int64").astype(str)
        df.to_csv(path, index=False)
        return df.loc[rows[0], "date"], df.loc[rows[-1], "date"]
    raise AssertionError(f"no {platform} export with a long enough series for {drama_id}")


def test_tenfold_inflation_for_a_week_moves_a_drama_at_most_three_places(tmp_path):
    clean = tmp_path / "clean"
    generate_season(clean, dramas=120, days=120, seed=5)
    base = build(clean, tmp_path / "clean-build")
    annual = pd.read_csv(base.out_dir / "rankings/annual.csv", dtype={"drama_id": str})
    daily = pd.read_parquet(base.out_dir / "daily.parquet")
    on_douyin = set(daily.loc[daily["platform"] == "douyin", "drama_id"])
    # a drama from the middle of the field, where a bought push would pay off most
    middle = annual[(annual["rank"] > len(annual) // 3) & annual["drama_id"].isin(on_douyin)]
    inflated = tmp_path / "inflated"
    shutil.copytree(clean, inflated)
    for _, row in middle.iterrows():
        try:
            start, end = _inflate(inflated, row["drama_id"], "douyin", 10, 7)
            target = row
            break
        except AssertionError:
            continue
    else:
        pytest.fail("no drama in the middle of the field has a long enough Douyin series")
    after = build(inflated, tmp_path / "inflated-build")
    a2 = pd.read_csv(after.out_dir / "rankings/annual.csv", dtype={"drama_id": str}).set_index("drama_id")
    moved = abs(int(a2.loc[target["drama_id"], "rank"]) - int(target["rank"]))
    assert moved <= 3, f"{target['drama_id']} moved {moved} places after a tenfold week ({start}..{end})"
    # without discounting the same inflation does move it: the test is not vacuous. (Either way:
    # bare bot plays dilute the engagement, completion and revenue-per-play rates, which can cost
    # a drama more than the extra reach gains it.)
    raw_moved = abs(int(a2.loc[target["drama_id"], "rank_unadjusted"]) - int(target["rank_unadjusted"]))
    assert raw_moved > 3, f"the undiscounted inflation moved {target['drama_id']} only {raw_moved} places"
    an = pd.read_csv(after.out_dir / "anomalies.csv", dtype={"drama_id": str})
    hit = an[(an["drama_id"] == target["drama_id"]) & (an["platform"] == "douyin") & (an["indicator"] == "plays")]
    assert len(hit), "the inflated week was not flagged"
    assert bool(a2.loc[target["drama_id"], "flagged"])
