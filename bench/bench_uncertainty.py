"""Benchmark of fanxing.index.uncertainty: 10,000 replications × 2,000 units × 25 indicators × 3 levels,
weights, normalisation and aggregation uncertain, Sobol indices on; median of 3 runs.

    .venv/bin/python bench/bench_uncertainty.py [--replications N] [--units U] [--runs R] [--loop L]

Each run is a fresh subprocess, so its peak RSS (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``)
is its own. The loop baseline — the engine's ordinary ``compute()`` once per replication, on the
methodology the replication stands for — is timed over ``--loop`` replications (default 20) in the
same process run and extrapolated linearly to N. Writes a markdown snippet to bench/out/uncertainty.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from benchlib import cpu_model

N_INDICATORS = 25
N_PILLARS = 8
N_DIMENSIONS = 3
SEED = 20240601


def make_case(n_units: int, replications: int) -> tuple[pd.DataFrame, dict, dict]:
    """Seeded skewed data (3 % missing), a 3-level methodology (indicators → 8 pillars → 3 dimensions →
    index) and the uncertainty spec."""
    rng = np.random.default_rng(SEED)
    codes = [f"i{j:02d}" for j in range(N_INDICATORS)]
    x = rng.lognormal(mean=1.0, sigma=rng.uniform(0.3, 1.2, N_INDICATORS), size=(n_units, N_INDICATORS))
    x[rng.random(x.shape) < 0.03] = np.nan
    data = pd.DataFrame(x, index=pd.Index([f"u{i:05d}" for i in range(n_units)], name="unit"), columns=codes)
    indicators = [{"code": c, "parent": f"p{j % N_PILLARS}", "direction": -1 if j % 6 == 0 else 1,
                   "weight": 1 + (j % 3)} for j, c in enumerate(codes)]
    aggregates = [{"code": f"p{p}", "parent": f"d{p % N_DIMENSIONS}", "weight": 1 + (p % 2)} for p in range(N_PILLARS)]
    aggregates += [{"code": f"d{d}", "parent": "index"} for d in range(N_DIMENSIONS)]
    aggregates += [{"code": "index", "parent": None}]
    methodology = {
        "name": "bench-uncertainty", "version": "1", "indicators": indicators, "aggregates": aggregates,
        "impute": {"method": "median"}, "treat": {"method": "skew_kurtosis", "winmax": 10},
        "normalise": {"method": "minmax", "range": [1, 100]}, "aggregate": {"method": "arithmetic"},
        "explain": False,
    }
    spec = {
        "replications": replications, "seed": 7, "chunk": 500,
        "weights": {"kind": "dirichlet", "concentration": 50},
        "normalise": {"options": [{"method": "minmax", "range": [1, 100]}, "rank",
                                  {"method": "zscore", "mean": 100, "sd": 10}]},
        "aggregate": {"options": ["arithmetic", "geometric"]},
        "sensitivity": {"bootstrap": 100},
    }
    return data, methodology, spec


def one_run(n_units: int, replications: int, loop: int) -> dict:
    """Time the vectorised run and the loop baseline in this process (called in a subprocess)."""
    from fanxing.index import compute, parse_methodology
    from fanxing.index.uncertainty import build_plan, parse_uncertainty, run_uncertainty
    from fanxing.index.uncertainty.equivalent import replication_methodology
    from fanxing.index.uncertainty.replicate import Replicator
    from fanxing.index.uncertainty.sampling import choices_from, make_design, weight_uniforms

    data, m, spec = make_case(n_units, replications)
    t = time.perf_counter()
    res = run_uncertainty(data, m, spec)
    vectorised = time.perf_counter() - t
    rss_after_vectorised = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    u = parse_uncertainty(spec)
    plan = build_plan(data, parse_methodology(m), u)
    choices = choices_from(plan, make_design(u.factors, u.replications, u.seed, saltelli=True))
    rep = Replicator(plan, weight_uniforms(plan))
    methods = [replication_methodology(plan, rep, choices, i) for i in range(loop)]
    t = time.perf_counter()
    for mi in methods:
        r = compute(data, mi)
        r.scores[mi.aggregates[-1].code].rank(ascending=False, method="min")
    loop_s = time.perf_counter() - t
    return {"vectorised_s": vectorised, "replications": res.summary["replications"],
            "loop_per_replication_s": loop_s / loop, "loop_n": loop, "timings": res.summary["timings"],
            "rss_self_kib": rss_after_vectorised, "shift": res.summary["mean_abs_rank_shift"]}


def machine() -> dict:
    cpu = cpu_model()
    mem = ""
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return {"nproc": os.cpu_count(), "memory": mem, "cpu": cpu, "python": platform.python_version(),
            "numpy": np.__version__, "load": " / ".join(f"{x:.1f}" for x in os.getloadavg())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=10_000)
    ap.add_argument("--units", type=int, default=2_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--loop", type=int, default=20)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(one_run(args.units, args.replications, args.loop)))
        return

    cmd = [sys.executable, __file__, "--child", "--replications", str(args.replications), "--units", str(args.units),
           "--loop", str(args.loop)]
    runs = []
    for i in range(args.runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        r = json.loads(out.strip().splitlines()[-1])
        r["peak_rss_mib"] = max(peak, before) / 1024  # ru_maxrss of the largest child so far (KiB on Linux)
        r["ratio"] = r["loop_per_replication_s"] * r["replications"] / r["vectorised_s"]
        runs.append(r)
        print(f"run {i + 1}: {r['vectorised_s']:.2f} s for {r['replications']} replications; loop "
              f"{r['loop_per_replication_s'] * 1000:.1f} ms/replication → {r['ratio']:.0f}× ; "
              f"peak RSS {r['peak_rss_mib']:.0f} MiB", flush=True)

    med = statistics.median(r["vectorised_s"] for r in runs)
    loop_med = statistics.median(r["loop_per_replication_s"] for r in runs)
    ratio_med = statistics.median(r["ratio"] for r in runs)
    peak = max(r["peak_rss_mib"] for r in runs)
    n_rep = runs[0]["replications"]
    mi = machine()
    timing = runs[[r["vectorised_s"] for r in runs].index(med)]["timings"]
    command = " ".join(["bench/bench_uncertainty.py"] + sys.argv[1:]) or "bench/bench_uncertainty.py"
    md = f"""## Uncertainty and sensitivity analysis (`fanxing.index.uncertainty`)

Machine: {mi['nproc']} CPUs, {mi['memory']} RAM, {mi['cpu']}; Python {mi['python']}, numpy {mi['numpy']}.
Shared with other work (load average 1/5/15 min at the end: {mi['load']}), so absolute times vary;
the ratio to the loop is measured inside each run, vectorised and loop timed in the same process.

Command: `.venv/bin/python {command}`

Case: {args.units:,} units × {N_INDICATORS} indicators → {N_PILLARS} pillars → {N_DIMENSIONS} dimensions → index;
uncertain: weights (Dirichlet, concentration 50, every level), normalisation (minmax [1,100] / rank /
z-score 100±10), aggregation (arithmetic / geometric, every level); Saltelli design with
{n_rep:,} replications (requested {args.replications:,}); Sobol indices with 100 bootstrap resamples for the
mean absolute rank shift and the ranks of the nominal top 10. Median of {args.runs} runs, each a fresh subprocess.

| measure | value |
|---|---|
| wall time, vectorised (median) | **{med:.2f} s** (precompute {timing['precompute_s']:.2f} s, Monte Carlo {timing['monte_carlo_s']:.2f} s, Sobol {timing['sensitivity_s']:.2f} s) |
| runs | {', '.join(f"{r['vectorised_s']:.2f} s" for r in runs)} |
| loop baseline: `compute()` once per replication | {loop_med * 1000:.1f} ms per replication, timed over {args.loop} replications and extrapolated linearly to {n_rep:,}: {loop_med * n_rep:.0f} s |
| speed-up over the loop (median of per-run ratios) | **{ratio_med:.0f}×** |
| peak RSS of a run (ru_maxrss of the child) | **{peak:.0f} MiB** |

Goal: under 30 s, at least 20× faster than the loop, peak RSS under 4 GiB.
"""
    out_dir = Path(__file__).resolve().parent / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "uncertainty.md").write_text(md, encoding="utf-8")
    print(md)


if __name__ == "__main__":
    main()
