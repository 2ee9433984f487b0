"""Scale benchmark (issue #8): `fanxing build` of a 50,000,000-row partitioned Parquet season.

    python bench/bench_scale.py --rows 50000000 --engines duckdb,spark --memory-limit 4GB

1. The season: `fanxing demo SEASON --rows N --format parquet --partitioned` (metrics as Hive
   partitions month=YYYY-MM/platform=X/part-0.parquet), generated once and reused (--season).
2. Baseline: DuckDB reads the whole partitioned tree and computes one group-by (drama × platform
   × month), in a fresh process: the cheapest job that touches every row once.
3. `fanxing build SEASON --out DIR --no-report` on each engine, each in a fresh process: DuckDB
   with ``--memory-limit`` (DuckDB spills beyond it), Spark in local mode (``--spark-master``,
   default local[2]). Wall time, peak RSS of the whole process tree (the JVM included; sampled
   from /proc every 0.2 s) and the build's own stage times from its manifest.

Results go to bench/out/scale.md (collected into docs/benchmarks.md by bench/collect.py).
Each build of 50M rows takes many minutes, so the default is one run per engine; --runs N repeats
them (interleaved with the baseline) and reports medians.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchlib import cores_busy, cpu_model, memory_gib

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
BIN = Path(sys.executable).parent

BARE = """
import duckdb, sys, time
t = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
n = con.execute('''
  SELECT count(*) FROM (
    SELECT drama_id, platform, date_trunc('month', CAST(date AS DATE)) AS m,
           count(*) AS n, sum(plays) AS plays, sum(likes) AS likes
    FROM read_parquet(?, hive_partitioning = false) GROUP BY ALL)
''', [sys.argv[1]]).fetchone()[0]
print(f"groups={n} seconds={time.perf_counter() - t:.3f}")
"""


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(d.name))
    return kids


def tree_rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, MiB."""
    kids, total, todo = _children(), 0, [pid]
    while todo:
        p = todo.pop()
        todo += kids.get(p, [])
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            pass
    return total / 1024


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak tree RSS (MiB) and output of ``cmd``."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    peak = [0.0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_mib(proc.pid))
            done.wait(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, _ = proc.communicate()
    done.set()
    th.join()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{out[-4000:]}")
    return wall, peak[0], out


def ensure_season(season: Path, rows: int) -> None:
    if (season / "metrics").is_dir():
        return
    subprocess.run([str(BIN / "fanxing"), "demo", str(season), "--rows", str(rows), "--format", "parquet",
                    "--partitioned"], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=50_000_000)
    ap.add_argument("--season", type=Path, default=None, help="season dir (generated if missing)")
    ap.add_argument("--engines", default="duckdb,spark")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--memory-limit", default="4GB", help="DuckDB memory limit for the build")
    ap.add_argument("--spark-master", default="local[2]")
    ap.add_argument("--work", type=Path, default=OUT / "scale-work")
    ap.add_argument("--name", default="scale", help="result file bench/out/<name>.md")
    args = ap.parse_args()

    season = args.season or (OUT / f"scale-season-{args.rows}")
    ensure_season(season, args.rows)
    glob = str(season / "metrics" / "**" / "*.parquet")
    n_files = len(list((season / "metrics").rglob("*.parquet")))
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    env = {**os.environ, "COLUMNS": "160", "SPARK_LOCAL_IP": "127.0.0.1"}
    results: dict[str, list[dict]] = {"bare": [], **{e: [] for e in engines}}
    for i in range(args.runs):
        wall, rss, out = run([sys.executable, "-c", BARE, glob], env)
        results["bare"].append({"wall": wall, "rss": rss, "out": out.strip()})
        print(f"run {i + 1} bare: {wall:.1f} s, {rss:.0f} MiB, {out.strip()}", flush=True)
        for engine in engines:
            out_dir = args.work / f"build-{engine}"
            shutil.rmtree(out_dir, ignore_errors=True)
            cmd = [str(BIN / "fanxing"), "build", str(season), "--out", str(out_dir), "--no-report",
                   "--engine", engine]
            if engine == "duckdb":
                cmd += ["--memory-limit", args.memory_limit]
            else:
                cmd += ["--spark-master", args.spark_master]
            wall, rss, _ = run(cmd, env)
            manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
            results[engine].append({"wall": wall, "rss": rss, "timings": manifest["timings"],
                                    "peaks": manifest.get("peak_rss_mib", {}),
                                    "cpu": manifest.get("cpu_seconds", {}),
                                    "facts": sum(f["rows_loaded"] for f in manifest["inputs"] if f["kind"] == "metrics"),
                                    "dramas": manifest["counts"].get("rankings.annual")})
            print(f"run {i + 1} {engine}: {wall:.1f} s, {rss:.0f} MiB, stages {manifest['timings']}", flush=True)
    write(args, season, n_files, engines, results)


def write(args, season: Path, n_files: int, engines: list[str], results: dict) -> None:
    med = {k: statistics.median(r["wall"] for r in v) for k, v in results.items() if v}
    rss = {k: max(r["rss"] for r in v) for k, v in results.items() if v}
    lines = [
        "## Issue 8 — scale: `fanxing build` of a partitioned Parquet season",
        "",
        f"- machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu_model()}), "
        f"{memory_gib():.1f} GiB, Python {platform.python_version()}; shared, so compare within a run",
        f"- command: `python bench/bench_scale.py --rows {args.rows} --engines {','.join(engines)} "
        f"--runs {args.runs} --memory-limit {args.memory_limit} --spark-master {args.spark_master}`",
        f"- season: `fanxing demo --rows {args.rows} --format parquet --partitioned` → {n_files} Parquet files "
        "(month=YYYY-MM/platform=X)",
        "- bare: DuckDB `read_parquet` of the whole tree + one GROUP BY (drama × platform × month), fresh process",
        f"- builds: `fanxing build SEASON --out DIR --no-report --engine E` (DuckDB with `--memory-limit "
        f"{args.memory_limit}`; Spark `--spark-master {args.spark_master}`), fresh process each; peak RSS is the "
        "whole process tree (the Spark JVM included)",
        "",
        "| job | median wall (s) | runs (s) | peak RSS (MiB) | × bare |",
        "|---|---:|---|---:|---:|",
    ]
    for k, v in results.items():
        if not v:
            continue
        label = {"bare": "bare DuckDB read + group-by"}.get(k, f"`fanxing build --engine {k}`")
        runs = ", ".join(f"{r['wall']:.1f}" for r in v)
        lines.append(f"| {label} | {med[k]:.1f} | {runs} | {rss[k]:.0f} | {med[k] / med['bare']:.1f} |")
    for engine in engines:
        v = results.get(engine)
        if not v:
            continue
        last = v[-1]
        stages = ", ".join(f"{k} {s:.1f}" for k, s in last["timings"].items())
        lines += ["", f"Where `--engine {engine}` spends its time (last run, seconds): {stages}; "
                      f"{last['facts']:,} fact rows, {last['dramas']:,} dramas ranked."]
        if last.get("peaks"):
            peaks = ", ".join(f"{k} {m / 1024:.1f}" for k, m in last["peaks"].items() if m >= 512)
            lines += ["", f"Peak resident memory of the build process within each step (last run, GiB; steps "
                          f"under 0.5 GiB left out; the Spark JVM is not included): {peaks}."]
        if last.get("cpu"):
            lines += ["", "Cores busy within each step (last run; CPU seconds of the build process's threads / "
                          "wall seconds; steps under 1 s left out, the Spark JVM not included): "
                          f"{cores_busy(last['timings'], last['cpu'], 1)}."]
    goal = results.get("duckdb")
    if goal:
        ok = med["duckdb"] < 180 and rss["duckdb"] < 6 * 1024
        lines += ["", f"Goal on DuckDB — under 3 minutes and under 6 GiB: **{'met' if ok else 'NOT met'}** "
                      f"({med['duckdb']:.0f} s, {rss['duckdb'] / 1024:.2f} GiB)."]
    OUT.mkdir(exist_ok=True)
    (OUT / f"{args.name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
