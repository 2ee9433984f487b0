"""`fanxing demo` → `fanxing build` → `fanxing explain` through the real CLI, on a small demo season."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from fanxing.publish.build import build

pytestmark = pytest.mark.slow

FANXING = [sys.executable, "-c", "from fanxing.cli import main; main()"]


def run(*args, check=True):
    p = subprocess.run([*FANXING, *map(str, args)], capture_output=True, text=True, timeout=900)
    if check and p.returncode != 0:
        raise AssertionError(f"fanxing {' '.join(map(str, args))} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    season = root / "season"
    run("demo", season, "--dramas", 80, "--days", 75, "--seed", 11)
    out = root / "build"
    p = run("build", season, "--out", out)
    return season, out, p.stdout


SPEC_FILES = ["manifest.json", "rankings/annual.csv", "rankings/monthly.csv", "rankings/weekly.csv",
              "rankings/platforms.csv", "rankings/producers.csv", "awards.json", "anomalies.csv",
              "quarantine.csv", "methodology.yaml", "explanations/annual.csv", "daily.parquet",
              "rankings/launch7.csv", "rankings/launch30.csv", "awards.csv", "stages/annual/normalised.csv"]


def test_build_publishes_every_file_of_the_contract(published):
    _, out, stdout = published
    for rel in SPEC_FILES:
        assert (out / rel).exists(), rel
    assert "Top 10" in stdout


def test_annual_ranking_is_a_ranked_permutation_with_intervals(published):
    _, out, _ = published
    a = pd.read_csv(out / "rankings/annual.csv", dtype={"drama_id": str})
    for col in ("rank", "drama_id", "title", "score", "rank_low", "rank_high", "p_top10", "reach", "engagement",
                "reputation", "commercial", "longevity", "flagged", "rank_unadjusted", "rank_shift_integrity"):
        assert col in a.columns, col
    assert a["drama_id"].is_unique
    assert sorted(a["rank"]) == sorted(a["score"].rank(method="min", ascending=False).astype(int))
    assert a["score"].between(0, 100).all()
    assert ((a["rank_low"] <= a["rank"]) & (a["rank"] <= a["rank_high"])).all()
    assert a["p_top10"].between(0, 1).all()
    assert (a["score"].diff().dropna() <= 1e-12).all()  # listed best first


def test_contributions_add_up_to_the_score(published):
    _, out, _ = published
    a = pd.read_csv(out / "rankings/annual.csv", dtype={"drama_id": str}).set_index("drama_id")
    ex = pd.read_csv(out / "explanations/annual.csv", dtype={"drama_id": str})
    total = ex.groupby("drama_id")["contribution"].sum()
    pd.testing.assert_series_equal(total.sort_index(), a["score"].sort_index(), check_names=False, atol=1e-9)


def test_manifest_accounts_for_every_row_and_names_the_methodology(published):
    season, out, _ = published
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["methodology"]["name"] == "fanxing-2024" and len(m["methodology"]["sha256"]) == 64
    assert m["inputs"], "per-file accounting missing"
    for f in m["inputs"]:
        assert f["rows_read"] == f["rows_loaded"] + f["rows_merged"] + f["rows_quarantined"], f
    q = pd.read_csv(out / "quarantine.csv")
    assert len(q) == sum(f["rows_quarantined"] for f in m["inputs"])
    assert {"file", "line", "column", "value", "reason"} <= set(q.columns)
    # every published file's digest (hashed on threads, listed in path order), the manifest's own
    # excluded (a file cannot hold its own digest; a report build writes the manifest twice)
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.name != "manifest.json")
    assert list(m["outputs"]) == files and "rankings/weekly.csv" in files
    for rel, digest in m["outputs"].items():
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == digest, rel


def test_each_period_kind_is_published_as_soon_as_it_is_ranked(published):
    """Every kind but the annual one is written right after its index step (and dropped from memory);
    the counts in the manifest are those of the files, and the step is timed."""
    _, out, _ = published
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for kind in ("annual", "monthly", "weekly", "launch7", "launch30"):
        t = pd.read_csv(out / f"rankings/{kind}.csv", dtype={"drama_id": str})
        assert m["counts"][f"rankings.{kind}"] == len(t) > 0
        ind = pd.read_csv(out / f"indicators/{kind}.csv", dtype={"drama_id": str})
        assert len(ind) >= len(t)
        if kind != "annual":
            assert f"write.{kind}" in m["timings"] and f"write.{kind}" in m["peak_rss_mib"]
    # CPU seconds per step: every timed step has them, and no step burns more than the cores allow
    assert set(m["cpu_seconds"]) == set(m["timings"]) - {"total"}
    assert all(0 <= m["cpu_seconds"][k] <= m["timings"][k] * os.cpu_count() + 0.5 for k in m["cpu_seconds"])
    order = list(m["timings"])
    assert order.index("index.weekly") < order.index("write.weekly") < order.index("indicators.launch7")


def test_tables_published_a_few_periods_at_a_time_are_the_same_bytes(published, tmp_path, monkeypatch):
    """Rankings and indicators are made into published rows a few whole periods at a time (bounded
    memory); with tiny pieces every table is byte for byte what one piece gives."""
    import fanxing.publish.tables as T

    season, out, _ = published
    monkeypatch.setattr(T, "WRITE_ROWS", 50)
    assert len(T._period_slices(pd.read_csv(out / "rankings/weekly.csv")["period"], 50)) > 3
    again = build(season, tmp_path / "again", with_report=False).out_dir
    for kind in ("annual", "monthly", "weekly", "launch7", "launch30"):
        for table in ("rankings", "indicators"):
            a = (again / table / f"{kind}.csv").read_text(encoding="utf-8").splitlines()
            b = (out / table / f"{kind}.csv").read_text(encoding="utf-8").splitlines()
            assert a[0] == b[0] and len(a) == len(b), (table, kind)  # one header, the same columns and rows
            # the same bytes: the engine's sums of floats are exact (drama.indicators._sum) and the
            # driver harmonises them in one fixed order (drama.harmonise), so two builds of one season
            # agree to the last bit, however the engine adds in parallel
            assert a == b, (table, kind)
    _same_outputs(out, again)


def test_months_and_weeks_ranked_and_published_run_by_run_are_the_same(published, tmp_path, monkeypatch):
    """A season too large for one query ranks and publishes its months and weeks one run of whole
    periods at a time (``FANXING_INDICATOR_BLOCK_ROWS``): every table, the Monte Carlo summaries and
    the manifest's counts are those of the build that took each kind whole."""
    import fanxing.publish.tables as T

    season, out, _ = published
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    monkeypatch.setenv("FANXING_INDICATOR_BLOCK_ROWS", str(m["counts"]["daily"] // 4 + 1))
    monkeypatch.setattr(T, "WRITE_ROWS", 120)  # and each run in several pieces
    runs = []
    add = T.KindPublisher.add
    monkeypatch.setattr(T.KindPublisher, "add", lambda self, *a: (runs.append(self.kind), add(self, *a))[1])
    again = build(season, tmp_path / "runs", with_report=False).out_dir
    assert runs.count("monthly") == 3 and runs.count("weekly") == 4, runs
    m2 = json.loads((again / "manifest.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in m2["counts"].items() if not k.startswith("report")} == \
        {k: v for k, v in m["counts"].items() if not k.startswith("report")}
    for kind in ("monthly", "weekly"):
        for step in ("indicators", "index", "write"):
            assert f"{step}.{kind}" in m2["timings"]
        for table in ("rankings", "indicators"):
            a = (again / table / f"{kind}.csv").read_text(encoding="utf-8").splitlines()
            b = (out / table / f"{kind}.csv").read_text(encoding="utf-8").splitlines()
            assert a[0] == b[0] and len(a) == len(b), (table, kind)
            assert a == b, (table, kind)
    u1 = json.loads((out / "uncertainty/summary.json").read_text(encoding="utf-8"))["periods"]
    u2 = json.loads((again / "uncertainty/summary.json").read_text(encoding="utf-8"))["periods"]
    assert list(u2) == list(u1) and list(u2["monthly"]) == list(u1["monthly"]) and len(u1["monthly"]) >= 3
    for period, s1 in u1["monthly"].items():  # all but the time each took
        assert {k: v for k, v in u2["monthly"][period].items() if k != "timings"} == \
            {k: v for k, v in s1.items() if k != "timings"}, period


def test_an_empty_run_leaves_the_published_header(tmp_path):
    """A run of weeks with no units (no plays in those weeks) publishes nothing, and a kind whose
    every run is empty still gets its header; so does an empty kind published whole."""
    from fanxing.publish.tables import KindPublisher, empty_like

    class Ctx:  # the parts of a build context the ranking frame reads
        season = None
        written: dict = {}

    ranking = pd.DataFrame({"period": pd.Series(dtype=str), "rank": pd.Series(dtype="int64"),
                            "drama_id": pd.Series(dtype=str), "score": pd.Series(dtype=float)})
    ind = pd.DataFrame({"period": pd.Series(dtype=str), "period_start": pd.Series(dtype="datetime64[s]"),
                        "drama_id": pd.Series(dtype=str), "eq_plays": pd.Series(dtype=float)})
    ctx = Ctx()
    ctx.catalogue = pd.DataFrame({"drama_id": pd.Series(dtype=str), "title": pd.Series(dtype=str),
                                  "producer": pd.Series(dtype=str)})
    ctx.series = pd.DataFrame({"drama_id": pd.Series(dtype=str), "platform": pd.Series(dtype=str)})
    ctx.anomalies = None
    with KindPublisher(tmp_path, ctx, "weekly") as pub:
        pub.add(ranking, empty_like(ranking), ind, empty_like(ind))
        assert pub.finish() == 0
    assert (tmp_path / "rankings/weekly.csv").read_text(encoding="utf-8").startswith("period,rank,drama_id,title")
    assert (tmp_path / "indicators/weekly.csv").read_text(encoding="utf-8").strip() == "period,drama_id,eq_plays"
    assert ctx.written == {"weekly": 0}
    # the same for a kind published whole (a season where no drama launched: no launch windows)
    from fanxing.drama.ranking import PeriodRanking
    from fanxing.publish.tables import write_kind

    ctx.rankings, ctx.rankings_raw = {"launch7": PeriodRanking("launch7", ranking)}, {"launch7": PeriodRanking(
        "launch7", empty_like(ranking))}
    ctx.indicators, ctx.indicators_raw = {"launch7": ind}, {"launch7": empty_like(ind)}
    assert write_kind(tmp_path, ctx, "launch7") == 0
    assert (tmp_path / "indicators/launch7.csv").read_text(encoding="utf-8").strip() == "period,drama_id,eq_plays"


def _same_outputs(a_dir, b_dir) -> None:
    """Every published file of two builds of one season is the same bytes, but for what records the
    build itself (its id and timings: the manifest, the report's pages, the Monte Carlo's timings)."""
    skip = {"manifest.json", "uncertainty/summary.json"}
    def listing(d):
        return sorted(r for r in (p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file())
                      if r not in skip and not r.startswith("report/"))

    files = listing(a_dir)
    assert files == listing(b_dir) and "daily.parquet" in files
    for rel in files:
        assert (a_dir / rel).read_bytes() == (b_dir / rel).read_bytes(), rel


def test_monthly_and_weekly_rankings_rank_within_each_period(published):
    _, out, _ = published
    for kind in ("monthly", "weekly"):
        t = pd.read_csv(out / f"rankings/{kind}.csv", dtype={"drama_id": str})
        assert t["period"].nunique() > 1
        for _, g in t.groupby("period"):
            assert g["rank"].min() == 1 and g["drama_id"].is_unique


def test_explain_prints_why_a_drama_ranks_where_it_does(published):
    _, out, _ = published
    a = pd.read_csv(out / "rankings/annual.csv", dtype={"drama_id": str})
    second = a.iloc[1]
    p = run("explain", second["drama_id"], "--build", out)
    assert f"年度第 {int(second['rank'])} 名" in p.stdout
    assert "传播力" in p.stdout and "贡献" in p.stdout and "与上一名" in p.stdout
    bad = run("explain", "NOPE", "--build", out, check=False)
    assert bad.returncode == 2 and "NOPE" in bad.stderr


def test_a_failed_build_leaves_the_previous_publish_intact(published, tmp_path):
    season, out, _ = published
    before = (out / "manifest.json").read_bytes()
    bad = tmp_path / "bad.yaml"
    m = yaml.safe_load((out / "methodology.yaml").read_text(encoding="utf-8"))
    m["index"]["normalise"]["method"] = "minmaxx"
    bad.write_text(yaml.safe_dump(m, allow_unicode=True), encoding="utf-8")
    p = run("build", season, "--out", out, "--methodology", bad, check=False)
    assert p.returncode == 2 and "did you mean 'minmax'" in p.stderr
    # a failure in the middle of the build (an unreadable catalogue) changes nothing either
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "dramas.csv").write_bytes(b"\x00\x01\x02 not a table")
    with pytest.raises(Exception):  # noqa: B017 - any failure will do; the point is the directory
        build(broken, out)
    assert (out / "manifest.json").read_bytes() == before
    assert not [p for p in out.parent.iterdir() if "staging" in p.name]
