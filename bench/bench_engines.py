"""Both engines on the demo season (issue #8): same published results? how long, how much memory?

    python bench/bench_engines.py [--season DIR] [--spark-master local[2]]

Generates the default demo season (1,500 dramas, 97 metric files in every format) unless given,
builds it with `fanxing build --no-report` on DuckDB and on Spark (local mode), each in a fresh
process (wall time, peak RSS of the process tree including the JVM), and runs `fanxing compare`
on the two builds. Writes bench/out/engines.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from bench_scale import BIN, OUT, run
from benchlib import cpu_model, memory_gib


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--season", type=Path, default=OUT / "engines-season")
    ap.add_argument("--work", type=Path, default=OUT / "engines-work")
    ap.add_argument("--spark-master", default="local[2]")
    args = ap.parse_args()
    if not (args.season / "metrics").is_dir():
        subprocess.run([str(BIN / "fanxing"), "demo", str(args.season)], check=True)
    env = {**os.environ, "COLUMNS": "160", "SPARK_LOCAL_IP": "127.0.0.1"}
    rows = []
    for engine in ("duckdb", "spark"):
        out = args.work / engine
        shutil.rmtree(out, ignore_errors=True)
        cmd = [str(BIN / "fanxing"), "build", str(args.season), "--out", str(out), "--no-report", "--engine", engine]
        if engine == "spark":
            cmd += ["--spark-master", args.spark_master]
        wall, rss, _ = run(cmd, env)
        m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        rows.append((engine, wall, rss, m["timings"], sum(f["rows_read"] for f in m["inputs"])))
        print(engine, f"{wall:.1f} s", f"{rss:.0f} MiB", flush=True)
    cmp = subprocess.run([str(BIN / "fanxing"), "compare", str(args.work / "duckdb"), str(args.work / "spark")],
                         capture_output=True, text=True, env=env)
    verdict = cmp.stdout.strip().splitlines()
    n_files = len([p for p in (args.season / "metrics").rglob("*") if p.is_file()])
    lines = [
        "## Issue 8 — the demo season on both engines",
        "",
        f"- machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu_model()}), "
        f"{memory_gib():.1f} GiB, Python {platform.python_version()}",
        f"- command: `python bench/bench_engines.py --spark-master {args.spark_master}`",
        f"- season: the default demo (`fanxing demo`): {n_files} metric files in csv, csv.gz, tsv, parquet, jsonl, "
        f"xlsx; {rows[0][4]:,} rows read",
        "- each build a fresh process: `fanxing build SEASON --out DIR --no-report --engine E`; peak RSS of the "
        "process tree (the Spark JVM included)",
        "",
        "| engine | wall (s) | peak RSS (MiB) | ingest | integrity | indicators (all kinds) | index (all kinds) | awards | write |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for engine, wall, rss, t, _ in rows:
        ind = sum(v for k, v in t.items() if k.startswith("indicators."))
        idx = sum(v for k, v in t.items() if k.startswith("index."))
        lines.append(f"| {engine} | {wall:.1f} | {rss:.0f} | {t.get('ingest', 0):.1f} | {t.get('integrity', 0):.1f} | "
                     f"{ind:.1f} | {idx:.1f} | {t.get('awards', 0):.1f} | {t.get('write', 0):.1f} |")
    lines += ["", f"`fanxing compare` of the two builds (exit {cmp.returncode}): "
                  + (" ".join(verdict[:1]) if cmp.returncode == 0 else f"{len(verdict)} differences, first: {verdict[:3]}")]
    (OUT / "engines.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    sys.exit(cmp.returncode)


if __name__ == "__main__":
    main()
