"""Ingest benchmark: a 5,000,000-row metrics CSV through ``fanxing.season.ingest_season`` versus
DuckDB's bare ``read_csv`` of the same file (median of 3 interleaved runs each, peak RSS).

    .venv/bin/python bench/bench_ingest.py [--rows 5000000] [--runs 3] [--workdir DIR]

Writes the result as a markdown snippet to bench/out/ingest.md. Every measured run is its own
subprocess; it reports its wall time (of the measured step, after imports) and its own peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLATFORMS = ["douyin", "kuaishou", "hongguo", "wechat_channels", "tencent_video", "iqiyi", "youku", "mgtv",
             "bilibili"]
DAYS = 366


def generate(season: Path, rows: int, seed: int = 7) -> Path:
    """A season with dramas.csv and metrics/all.csv of ``rows`` unique (date, platform, drama) rows."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    (season / "metrics").mkdir(parents=True, exist_ok=True)
    per_drama = DAYS * len(PLATFORMS)
    n_dramas = -(-rows // per_drama)
    ids = [f"D{i:05d}" for i in range(n_dramas)]
    pacsv.write_csv(pa.table({
        "drama_id": ids,
        "title": [f"剧目{i}" for i in range(n_dramas)],
        "producer": [f"机构{i % 97}" for i in range(n_dramas)],
        "release_date": ["2024-01-01"] * n_dramas,
        "episodes": (rng.integers(20, 120, n_dramas)).astype("int64"),
    }), season / "dramas.csv")
    i = np.arange(rows, dtype=np.int64)
    day = i % DAYS
    plat = (i // DAYS) % len(PLATFORMS)
    drama = i // per_drama
    dates = pc.strftime(pa.array(np.datetime64("2024-01-01") + day.astype("timedelta64[D]")), format="%Y-%m-%d")
    plays = rng.integers(0, 2_000_000, rows)
    table = pa.table({
        "date": dates,
        "platform": pa.DictionaryArray.from_arrays(pa.array(plat.astype("int32")), pa.array(PLATFORMS)).cast(pa.string()),
        "drama_id": pa.DictionaryArray.from_arrays(pa.array(drama.astype("int32")), pa.array(ids)).cast(pa.string()),
        "plays": plays,
        "likes": plays // rng.integers(10, 50, rows),
        "comments": plays // rng.integers(100, 500, rows),
        "shares": plays // rng.integers(200, 900, rows),
        "favorites": plays // rng.integers(50, 300, rows),
        "completion_rate": np.round(rng.random(rows), 3),
        "watch_minutes": np.round(plays * rng.random(rows) * 2, 1),
        "revenue_cny": np.round(plays * rng.random(rows) * 0.01, 2),
        "rating": np.round(rng.random(rows) * 10, 1),
    })
    path = season / "metrics" / "all.csv"
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
    return path


def run_ingest(season: str, db: str) -> float:
    from fanxing.season import ingest_season
    from fanxing.warehouse import Warehouse

    t0 = time.perf_counter()
    with Warehouse.connect(db) as wh:
        report = ingest_season(season, wh)
    dt = time.perf_counter() - t0
    assert not report.errors and report.usable, report.errors
    return dt


def run_bare(csv: str, db: str) -> float:
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect(db)
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv}')")
    con.close()
    return time.perf_counter() - t0


def child(args) -> None:
    db = Path(args.db)
    for p in (db, db.with_suffix(db.suffix + ".wal")):
        p.unlink(missing_ok=True)
    dt = run_ingest(args.season, args.db) if args.child == "ingest" else run_bare(args.csv, args.db)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    print(json.dumps({"seconds": dt, "rss": rss}))


def measure(kind: str, season: Path, csv: Path, db: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--season", str(season), "--csv", str(csv), "--db", str(db)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal"))
        mem_s = f"{mem / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        mem_s = "unknown"
    return f"nproc {os.cpu_count()}, memory {mem_s}, CPU {cpu}, Python {platform.python_version()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--child", choices=["ingest", "bare"])
    ap.add_argument("--season")
    ap.add_argument("--csv")
    ap.add_argument("--db")
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="fanxing-bench-"))
    season = work / "season"
    t0 = time.perf_counter()
    csv = generate(season, args.rows)
    gen_s = time.perf_counter() - t0
    size = csv.stat().st_size
    print(f"generated {args.rows:,} rows ({size / 2**20:.0f} MiB) in {gen_s:.1f} s", file=sys.stderr)
    results: dict[str, list[dict]] = {"ingest": [], "bare": []}
    for i in range(args.runs):  # interleaved: the machine is shared, so both see the same noise
        for kind in ("bare", "ingest"):
            r = measure(kind, season, csv, work / f"{kind}.duckdb")
            results[kind].append(r)
            print(f"run {i + 1} {kind}: {r['seconds']:.2f} s, peak RSS {r['rss'] / 2**20:.0f} MiB", file=sys.stderr)
    med = {k: statistics.median(r["seconds"] for r in v) for k, v in results.items()}
    rss = {k: max(r["rss"] for r in v) for k, v in results.items()}
    ratio = med["ingest"] / med["bare"]
    md = f"""## Ingest benchmark

- machine: {machine()}
- command: `.venv/bin/python bench/bench_ingest.py --rows {args.rows} --runs {args.runs}`
- input: one metrics CSV of {args.rows:,} rows ({size / 2**20:.0f} MiB, 12 columns) + dramas.csv; UTF-8
- each run is a fresh subprocess writing a fresh DuckDB file; times are of the measured step only
  (after imports); runs interleaved (bare, ingest, bare, ingest, ...)

| step | median wall (s) | runs (s) | peak RSS (MiB) |
|---|---:|---|---:|
| DuckDB bare `CREATE TABLE t AS SELECT * FROM read_csv(...)` | {med['bare']:.2f} | {', '.join(f"{r['seconds']:.2f}" for r in results['bare'])} | {rss['bare'] / 2**20:.0f} |
| `fanxing.season.ingest_season` (parse, check, resolve, de-duplicate, load) | {med['ingest']:.2f} | {', '.join(f"{r['seconds']:.2f}" for r in results['ingest'])} | {rss['ingest'] / 2**20:.0f} |

**ratio ingest / bare read: {ratio:.2f}×** (goal ≤ 2×); ingest peak RSS {rss['ingest'] / 2**30:.2f} GiB (goal < 2 GiB).
"""
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "ingest.md").write_text(md, encoding="utf-8")
    print(md)
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
