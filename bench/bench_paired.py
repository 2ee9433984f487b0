"""Old code against new code on the same input, interleaved, in the same minutes (a shared machine's
load changes from minute to minute; a ratio measured this way is what a change is worth).

    python bench/bench_paired.py --old /tmp/old/src --new src --job ingest --season SEASON --runs 3
    python bench/bench_paired.py --old /tmp/old/src --new src --job build --season SEASON --runs 2

``--old``/``--new`` are ``src`` folders of two checkouts (e.g. ``git worktree add /tmp/old REV``).
Each run is a fresh process with that folder first on ``PYTHONPATH``; order old, new, old, new, …
The job's own time is measured inside the process (imports excluded), with its peak RSS
(``ru_maxrss``). ``build`` also reports the manifest's stage times. Results: bench/out/<name>.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchlib import cpu_model, memory_gib

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

CHILD = r"""
import json, resource, shutil, sys, tempfile, time
from pathlib import Path
job, season, work = sys.argv[1], sys.argv[2], Path(sys.argv[3])
if job == "ingest":
    from fanxing.season import ingest_season
    from fanxing.warehouse import Warehouse
    wh = Warehouse.connect(work / "w.duckdb")
    t = time.perf_counter()
    report = ingest_season(season, wh)
    wh.close()
    seconds, stages = time.perf_counter() - t, {}
    assert not report.errors, report.errors
else:
    from fanxing.publish.build import build
    t = time.perf_counter()
    summary = build(season, work / "out", with_report=False)
    seconds, stages = time.perf_counter() - t, summary.timings
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak, "stages": stages}))
"""


def run(src: Path, job: str, season: Path, env_extra: dict[str, str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="fanxing-paired-") as work:
        env = {**os.environ, "PYTHONPATH": str(src.resolve()), **env_extra}
        p = subprocess.run([sys.executable, "-c", CHILD, job, str(season), work], env=env,
                           capture_output=True, text=True, check=False)
        if p.returncode != 0:
            raise SystemExit(f"{src} {job} failed:\n{p.stderr[-3000:]}")
        return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", type=Path, required=True, help="src folder of the old code")
    ap.add_argument("--new", type=Path, default=HERE.parent / "src", help="src folder of the new code")
    ap.add_argument("--job", choices=["ingest", "build"], default="ingest")
    ap.add_argument("--season", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--memory-limit", default=None, help="FANXING_DUCKDB_MEMORY_LIMIT for both")
    ap.add_argument("--name", default="paired")
    ap.add_argument("--note", default="", help="what old and new are (e.g. the commits)")
    args = ap.parse_args()
    env = {"FANXING_DUCKDB_MEMORY_LIMIT": args.memory_limit} if args.memory_limit else {}
    res: dict[str, list[dict]] = {"old": [], "new": []}
    for i in range(args.runs):
        for which, src in (("old", args.old), ("new", args.new)):
            r = run(src, args.job, args.season, env)
            res[which].append(r)
            print(f"run {i + 1} {which}: {r['seconds']:.2f} s, peak {r['peak_mib']:.0f} MiB", flush=True)
    med = {k: statistics.median(r["seconds"] for r in v) for k, v in res.items()}
    peak = {k: max(r["peak_mib"] for r in v) for k, v in res.items()}
    lines = [
        f"### Paired {args.job}: old vs new code ({args.name})",
        "",
        f"- machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu_model()}), "
        f"{memory_gib():.1f} GiB, Python {platform.python_version()}",
        f"- command: `python bench/bench_paired.py --job {args.job} --season {args.season} --runs {args.runs}"
        + (f" --memory-limit {args.memory_limit}" if args.memory_limit else "") + " --old OLD/src --new NEW/src`",
        f"- old / new: {args.note or f'{args.old} / {args.new}'}",
        "- each run a fresh process, interleaved old, new, old, new …; time of the job itself (imports excluded)",
        "",
        "| run | old (s) | new (s) | new / old |",
        "|---|---:|---:|---:|",
    ]
    for i, (o, n) in enumerate(zip(res["old"], res["new"], strict=True), start=1):
        lines.append(f"| {i} | {o['seconds']:.2f} | {n['seconds']:.2f} | {n['seconds'] / o['seconds']:.2f} |")
    lines += [f"| **median** | **{med['old']:.2f}** | **{med['new']:.2f}** | **{med['new'] / med['old']:.2f}** |",
              "", f"Peak RSS (max of runs): old {peak['old']:.0f} MiB, new {peak['new']:.0f} MiB "
              f"({peak['new'] / peak['old']:.2f}×).", ""]
    if args.job == "build":
        names = list(res["new"][-1]["stages"])
        lines += ["Stage times, medians (s):", "", "| stage | old | new |", "|---|---:|---:|"]
        for s in names:
            o = [r["stages"].get(s) for r in res["old"] if s in r["stages"]]
            n = [r["stages"][s] for r in res["new"] if s in r["stages"]]
            lines.append(f"| {s} | {statistics.median(o):.2f} | {statistics.median(n):.2f} |" if o else
                         f"| {s} | – | {statistics.median(n):.2f} |")
        lines.append("")
    OUT.mkdir(exist_ok=True)
    (OUT / f"{args.name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
