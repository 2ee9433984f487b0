"""Benchmark `fanxing build` on a demo season scaled to N metric rows against a bare DuckDB job.

The baseline is the cheapest conceivable job over the same facts: DuckDB reads every metrics file
and computes one group-by (drama × platform × month: rows, plays, likes). The build does far more
(parsing and checking every value, quarantine, de-duplication, integrity detection, indicators for
five period kinds, the index with Monte Carlo rank intervals, awards); the ratio says what that
costs on top of touching the data once. Each measured run is a fresh subprocess; runs interleave;
peak RSS is the child's ru_maxrss.

    python bench/bench_build.py --rows 5000000 --runs 3
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchlib import cores_busy, cpu_model, memory_gib

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

# stage times (s) of the build before issue #3(b) (bench/out/build.md of that commit, one run of
# `--rows 5000000`), for the before/after table
BEFORE = {"ingest": 39.3, "integrity": 38.0, "indicators.annual": 5.0, "index.annual": 3.5,
          "indicators.monthly": 5.2, "index.monthly": 22.5, "indicators.weekly": 12.4, "index.weekly": 4.3,
          "indicators.launch7": 1.3, "indicators.launch30": 1.6, "awards": 25.4, "write": 46.9, "total": 206.6}

BARE = """
import duckdb, sys, time
t = time.perf_counter()
con = duckdb.connect()
con.execute("SET preserve_insertion_order=false")
n = con.execute('''
  SELECT count(*) FROM (
    SELECT drama_id, platform, date_trunc('month', CAST(date AS DATE)) AS m,
           count(*) AS n, sum(plays) AS plays, sum(likes) AS likes
    FROM read_csv(?, union_by_name=true) GROUP BY ALL)
''', [sys.argv[1]]).fetchone()[0]
print(f"groups={n} seconds={time.perf_counter() - t:.3f}")
"""


def child(cmd: list[str]) -> tuple[float, float, str]:
    """Run ``cmd`` (a shim) in a fresh process; wall seconds, the job's peak RSS in MiB, its output.

    The shim runs the job as its only child and prints that child's ru_maxrss, so every run is
    measured alone (a parent's RUSAGE_CHILDREN only ever grows across runs).
    """
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "COLUMNS": "160"})
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
    rss_kib = int(p.stdout.strip().splitlines()[-1].removeprefix("RSS_KIB="))
    return wall, rss_kib / 1024, p.stdout


def machine() -> str:
    cpu = cpu_model()
    mem = memory_gib()
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu}), {mem:.1f} GiB, Python {platform.python_version()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--season", type=Path, default=OUT / "build-bench-season")
    args = ap.parse_args()
    season = args.season
    fx = [sys.executable, "-c", "from fanxing.cli import main; main()"]
    if not (season / "dramas.csv").exists():
        print(f"generating a demo season of ~{args.rows:,} rows in {season} …", flush=True)
        subprocess.run([*fx, "demo", str(season), "--rows", str(args.rows), "--force"], check=True,
                       capture_output=True)
    metrics = str(season / "metrics" / "*.csv")
    rows = sum(max(0, p.read_bytes().count(b"\n") - 1) for p in (season / "metrics").glob("*.csv"))
    bare, built, rss_b, rss_f, timings, all_timings, peaks, cpu = [], [], [], [], None, [], {}, {}
    # peak RSS per child needs a fresh parent measurement each time: run each child through a shim
    shim = [sys.executable, str(Path(__file__)), "--child"]
    for i in range(args.runs):
        w, r, _ = child([*shim, "bare", metrics])
        bare.append(w)
        rss_b.append(r)
        out = OUT / f"build-bench-out-{i}"
        w, r, text = child([*shim, "build", str(season), str(out)])
        built.append(w)
        rss_f.append(r)
        import json

        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        timings, peaks = manifest["timings"], manifest.get("peak_rss_mib", {})
        cpu = manifest.get("cpu_seconds", {})
        all_timings.append(timings)
        print(f"run {i + 1}: bare {bare[-1]:.1f} s ({rss_b[-1]:.0f} MiB), build {built[-1]:.1f} s ({rss_f[-1]:.0f} MiB)",
              flush=True)
    mb, mf = statistics.median(bare), statistics.median(built)
    lines = [
        "### `fanxing build` at scale (`bench/bench_build.py`)",
        "",
        f"- machine: {machine()}; shared, so runs interleave and the ratio is what counts",
        f"- command: `python bench/bench_build.py --rows {args.rows} --runs {args.runs}`",
        f"- season: `fanxing demo --rows {args.rows}` → {rows:,} metric rows in CSV files per platform and month",
        "- bare: DuckDB `read_csv` of every metrics file + one GROUP BY (drama × platform × month), fresh process",
        "- build: `fanxing build SEASON --out DIR --no-report` (ingest, integrity, indicators for 5 period kinds, index "
        "with Monte Carlo rank intervals, awards, publish), fresh process",
        "",
        "| job | median wall (s) | runs (s) | peak RSS (MiB) |",
        "|---|---:|---|---:|",
        f"| bare DuckDB read + group-by | {mb:.1f} | {', '.join(f'{x:.1f}' for x in bare)} | {max(rss_b):.0f} |",
        f"| `fanxing build` | {mf:.1f} | {', '.join(f'{x:.1f}' for x in built)} | {max(rss_f):.0f} |",
        "",
        f"**ratio build / bare: {mf / mb:.1f}×** (goal ≤ 3×)",
        "",
        "Where the build's time goes (last run, seconds): "
        + ", ".join(f"{k} {v:.1f}" for k, v in (timings or {}).items() if v >= 0.5),
        "",
        "Peak resident memory within each step (last run, MiB): "
        + ", ".join(f"{k} {v:.0f}" for k, v in peaks.items() if v >= 256),
        "",
        *(["Cores busy within each step (last run; CPU seconds of every thread / wall seconds): "
           + cores_busy(timings, cpu, 0.5), ""] if timings and cpu else []),
        *stage_table(all_timings),
    ]
    OUT.mkdir(exist_ok=True)
    (OUT / "build.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def stage_table(all_timings: list[dict[str, float]]) -> list[str]:
    """Median seconds per stage over the runs, beside the stage times before issue #3(b)."""
    if not all_timings:
        return []
    stages = [k for k in all_timings[-1] if k != "methodology"]
    out = [f"Stage times before and after issue #3(b) (before: one run of the earlier build; after: median of "
           f"{len(all_timings)} runs here):", "",
           "| stage | before (s) | after (s) |", "|---|---:|---:|"]
    for k in stages:
        after = statistics.median(t.get(k, 0.0) for t in all_timings)
        if after < 0.5 and BEFORE.get(k, 0.0) < 0.5:
            continue
        before = f"{BEFORE[k]:.1f}" if k in BEFORE else "–"
        out.append(f"| {k} | {before} | {after:.1f} |")
    return out


def run_child(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "bare":
        subprocess.run([sys.executable, "-c", BARE, argv[1]], check=True, stdout=subprocess.DEVNULL)
    else:
        subprocess.run([sys.executable, "-c", "from fanxing.cli import main; main()", "build", argv[1], "--out",
                        argv[2], "--no-report"], check=True, stdout=subprocess.DEVNULL)
    print(f"RSS_KIB={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        run_child(sys.argv[2:])
    else:
        main()
