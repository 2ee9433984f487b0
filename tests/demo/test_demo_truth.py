"""The planted truth is really in the data: malformed rows at their lines, fake traffic at its factor."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from demo_reading import (
    CHINESE,
    SMALL,
    load_metrics,
    norm_title,
    parse_date,
    parse_number,
    read_table,
    title_index,
)

from fanxing.demo.catalogue import sample_catalogue
from fanxing.demo.fakes import plan_fakes
from fanxing.demo.traffic import day_multiplier, plan_series, simulate


def truth(out):
    t = out.parent / (out.name + "-truth")
    return (pd.read_csv(t / "malformed.csv"), pd.read_csv(t / "fake_traffic.csv"),
            pd.read_csv(t / "exact_duplicates.csv"))


@pytest.fixture(scope="module")
def loaded(small_season):
    out, _ = small_season
    bad, _, _ = truth(out)
    skip = set(zip(bad.file, bad.line, strict=True))
    return load_metrics(out, skip)


def _cell(out, file, line, column):
    path = out / file
    header, rows, _ = read_table(path)
    rec = dict(zip([CHINESE.get(h, h) for h in header], dict(rows)[line], strict=True))
    return rec, rec.get(column)


def test_malformed_rows_are_at_their_stated_lines(small_season):
    out, _ = small_season
    bad, _, _ = truth(out)
    ids = set(pd.read_csv(out / "dramas.csv", dtype=str).drama_id)
    titles = title_index(out)
    for row in bad.itertuples():
        rec, value = _cell(out, row.file, row.line, row.column)
        if row.reason == "unparsable_number":
            with pytest.raises(ValueError):
                parse_number(value)
        elif row.reason == "negative_count":
            assert parse_number(value) < 0
        elif row.reason == "rate_out_of_range":
            assert parse_number(value) > 1
        elif row.reason == "bad_date":
            with pytest.raises(ValueError):
                parse_date(value)
        elif row.reason == "missing_value":
            assert value in ("", None)
        elif row.reason == "unknown_drama":
            assert value not in ids and norm_title(value) not in titles
        elif row.reason == "conflicting_duplicate":
            header, rows, _ = read_table(out / row.file)
            key = ("date", "drama_id")
            cols = [CHINESE.get(h, h) for h in header]
            same = [dict(zip(cols, v, strict=True)) for ln, v in rows if ln != row.line]
            twins = [r for r in same if all(r[k] == rec[k] for k in key)]
            assert len(twins) == 1 and twins[0]["plays"] != rec["plays"]
        else:  # pragma: no cover
            raise AssertionError(row.reason)


def test_exact_duplicate_is_verbatim(small_season):
    out, _ = small_season
    _, _, exact = truth(out)
    assert len(exact) == 1
    header, rows, _ = read_table(out / exact.file[0])
    by_line = dict(rows)
    assert by_line[exact.line[0]] == by_line[exact.line[0] - 1]


def test_every_good_row_loads_once(small_season, loaded):
    out, summary = small_season
    bad, _, _ = truth(out)
    inserted = (bad.reason == "conflicting_duplicate").sum()
    merged = loaded.drop_duplicates(["date", "platform", "drama_id", "plays", "likes"])
    assert len(loaded) == summary.rows_written - len(bad)
    assert len(merged) == summary.metric_rows - (len(bad) - inserted)
    assert not merged.duplicated(["date", "platform", "drama_id"]).any()
    assert (merged.plays >= 0).all()
    assert merged.date.between(date(2024, 1, 1), date(2024, 2, 29)).all()


def test_planted_fakes_are_in_the_files_at_their_factor(small_season, loaded):
    out, _ = small_season
    _, fakes, _ = truth(out)
    assert set(fakes["shape"]) == {"burst", "plateau", "slow_creep", "likes_only"}
    # The organic series, regenerated from the same seed without planting anything.
    seed, n, days = SMALL["seed"], SMALL["dramas"], SMALL["days"]
    series = plan_series(sample_catalogue(seed, n, days), seed, days)
    plan_fakes(series, seed)
    organic = simulate(series, 0, series.n, day_multiplier(np.datetime64("2024-01-01"), days), seed, 0, None)
    ids = np.array([f"D{i:04d}" for i in range(1, n + 1)])
    from fanxing.demo import platforms as P

    org = pd.DataFrame({
        "date": (np.datetime64("2024-01-01") + organic.day.astype("timedelta64[D]")).astype(object),
        "platform": P.IDS[series.platform[organic.series]], "drama_id": ids[series.drama[organic.series]],
        "plays": organic.plays, "likes": organic.likes,
    }).set_index(["platform", "drama_id", "date"])
    data = loaded.drop_duplicates(["date", "platform", "drama_id"]).set_index(["platform", "drama_id", "date"])
    for f in fakes.itertuples():
        window = pd.date_range(f.start, f.end).date
        keys = [(f.platform, f.drama_id, d) for d in window]
        published = data.loc[keys, f.indicator].sum()
        base = org.loc[keys, f.indicator].sum()
        assert published / base == pytest.approx(f.factor, rel=0.01), f
        if f.shape == "burst":
            assert f.factor >= 4.9
            # engagement does not follow the plays
            assert data.loc[keys, "likes"].sum() == pytest.approx(org.loc[keys, "likes"].sum(), rel=0.01)
        if f.shape == "likes_only":
            assert data.loc[keys, "plays"].sum() == pytest.approx(org.loc[keys, "plays"].sum(), rel=0.01)
        if f.shape == "plateau":
            plays = data.loc[keys, "plays"].to_numpy()
            assert plays.std() / plays.mean() < 0.15


def test_platform_scale_ordering(loaded):
    total = loaded.groupby("platform").plays.sum()
    per_series = loaded.groupby(["platform", "drama_id"]).plays.sum().groupby("platform").median()
    for big in ("douyin", "hongguo", "kuaishou"):
        for small in ("tencent_video", "iqiyi", "youku", "mgtv", "bilibili"):
            assert per_series[big] > 3 * per_series[small]
    assert total[["douyin", "hongguo", "kuaishou"]].min() > total[["iqiyi", "youku", "mgtv", "bilibili"]].max()
